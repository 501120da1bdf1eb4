// 审核意见: the supervisor's decisions on a batch's steps, read from the audit log (the batch view
// carries no comment or return reasons; an institution may read its own batch's events).
import { api, unwrap } from './client';

export interface ReturnReason {
  code: string;
  message: string;
}

export interface Decision {
  at: string;
  step: string;
  decision: 'approve' | 'return' | string;
  comment: string;
  reasons: ReturnReason[];
  actorRole: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One `step.decision` event's summary, checked field by field (its schema is a free object). */
export function parseDecision(at: string, actorRole: string, summary: unknown): Decision | null {
  if (!isRecord(summary) || typeof summary.step !== 'string' || typeof summary.decision !== 'string') return null;
  const reasons = Array.isArray(summary.reasons)
    ? summary.reasons.filter(isRecord).map((r) => ({ code: String(r.code ?? ''), message: String(r.message ?? '') }))
    : [];
  return {
    at,
    step: summary.step,
    decision: summary.decision,
    comment: typeof summary.comment === 'string' ? summary.comment : '',
    reasons,
    actorRole,
  };
}

/** The batch's decisions, newest first. */
export async function listDecisions(batchId: string): Promise<Decision[]> {
  const page = unwrap(
    await api.GET('/api/v1/audit-events', {
      params: { query: { entity_type: 'batch', entity_id: batchId, action: 'step.decision', page_size: 200 } },
    }),
  );
  return page.items
    .map((e) => parseDecision(e.at, e.actor_role, e.summary))
    .filter((d): d is Decision => d !== null);
}
