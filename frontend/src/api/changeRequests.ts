// 变更申请 (SPEC §4 ARRANGEMENT_MISMATCH "不得无故调整考试时间"): after the plan is approved, an
// institution asks to move the exam dates or venue with a reason; a supervisor approves (the
// batch moves, an arrangement made for the old plan is returned) or rejects with a comment.
import { api, unwrap } from './client';
import type { components, operations } from './schema';

type Schemas = components['schemas'];
export type ChangeRequest = Schemas['ChangeRequestView'];
export type ChangeRequestInput = Schemas['ChangeRequestInput'];
export type ChangeDecisionInput = Schemas['ChangeDecisionInput'];
export type ExamPlace = Schemas['ExamPlace'];
export type ChangeRequestQuery = NonNullable<operations['change_request_queue']['parameters']['query']>;
export type ChangeRequestStatus = 'pending' | 'approved' | 'rejected';

/** Files a change request (201, pending); 409 when the plan is not approved, the exam has begun or one is pending. */
export async function createChangeRequest(batchId: string, body: ChangeRequestInput, idempotencyKey: string) {
  return unwrap(
    await api.POST('/api/v1/batches/{id}/change-requests', {
      params: { path: { id: batchId }, header: { 'Idempotency-Key': idempotencyKey } },
      body,
    }),
  );
}

/** A batch's change requests, newest first. */
export async function listBatchChangeRequests(batchId: string, query: { page?: number; page_size?: number } = {}) {
  return unwrap(await api.GET('/api/v1/batches/{id}/change-requests', { params: { path: { id: batchId }, query } }));
}

/** Supervisors: change requests across batches (`pending` by default), the oldest first. */
export async function listChangeRequests(query: ChangeRequestQuery = {}) {
  return unwrap(await api.GET('/api/v1/change-requests', { params: { query } }));
}

/** Supervisors: approve, or reject with a comment. */
export async function decideChangeRequest(id: string, body: ChangeDecisionInput) {
  return unwrap(await api.POST('/api/v1/change-requests/{id}/decision', { params: { path: { id } }, body }));
}
