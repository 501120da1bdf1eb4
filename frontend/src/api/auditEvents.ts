// 审计日志: the hash-chained audit log (SPEC §9), read for a batch's timeline.
import { api, unwrap } from './client';
import type { components, operations } from './schema';

export type AuditEvent = components['schemas']['AuditEventView'];
export type AuditQuery = NonNullable<operations['list_audit_events']['parameters']['query']>;

export async function listAuditEvents(query: AuditQuery = {}) {
  return unwrap(await api.GET('/api/v1/audit-events', { params: { query } }));
}
