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
  const comment = typeof summary.comment === 'string' ? summary.comment : '';
  // 证书数据审核: how it was decided (书面审核 / 现场抽查), said before the reviewer's words.
  const method = summary.audit_method === 'on_site_check' ? '现场抽查' : summary.audit_method === 'document_review' ? '书面审核' : '';
  return {
    at,
    step: summary.step,
    decision: summary.decision,
    comment: method ? `【${method}】${comment}` : comment,
    reasons,
    actorRole,
  };
}

/**
 * A `change_request.approve` event as the decision it implies for the arrangement: when the
 * approved change of exam time or venue sent a submitted or approved arrangement back (its
 * `changes` move the arrangement step to `returned`), a return of that step; null otherwise.
 */
export function parseChangeApproval(at: string, actorRole: string, summary: unknown): Decision | null {
  if (!isRecord(summary) || !Array.isArray(summary.changes)) return null;
  const returned = summary.changes.some((c) => isRecord(c) && c.step === 'arrangement' && c.to === 'returned');
  if (!returned) return null;
  const after = isRecord(summary.after) ? summary.after : {};
  const moved =
    typeof after.exam_start === 'string' && typeof after.exam_end === 'string'
      ? `（变更后考试时间 ${after.exam_start} 至 ${after.exam_end}${typeof after.venue === 'string' ? `，考点 ${after.venue}` : ''}）`
      : '';
  const note = typeof summary.comment === 'string' && summary.comment.trim() ? `督导部意见：${summary.comment.trim()}。` : '';
  return {
    at,
    step: 'arrangement',
    decision: 'return',
    comment: `考试计划变更已批准${moved}，请按变更后的考试时间和地点修改考务安排后重新提交。${note}`,
    reasons: [{ code: 'ARRANGEMENT_MISMATCH', message: '考务安排按变更前的考试计划编制' }],
    actorRole,
  };
}

async function events(batchId: string, action: string) {
  return unwrap(
    await api.GET('/api/v1/audit-events', {
      params: { query: { entity_type: 'batch', entity_id: batchId, action, page_size: 200 } },
    }),
  ).items;
}

/** The batch's decisions, newest first: step decisions, and arrangements returned by an approved change request. */
export async function listDecisions(batchId: string): Promise<Decision[]> {
  const [decided, changes] = await Promise.all([events(batchId, 'step.decision'), events(batchId, 'change_request.approve')]);
  return [
    ...decided.map((e) => parseDecision(e.at, e.actor_role, e.summary)),
    ...changes.map((e) => parseChangeApproval(e.at, e.actor_role, e.summary)),
  ]
    .filter((d): d is Decision => d !== null)
    .sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : 0));
}
