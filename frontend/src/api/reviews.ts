// 审核: the review queue of supervisors and the 信息部, their decisions on a submitted step, and
// the supervisors' completion-window extension (SPEC §3 review, §4 COMPLETION_WINDOW, §8), and
// the candidate figures a reviewer needs (from candidates.ts and results.ts).
import { listCandidates, type CandidateQuery } from './candidates';
import { api, unwrap } from './client';
import { listResults } from './results';
import type { components, operations } from './schema';

type Schemas = components['schemas'];
export type ReviewItem = Schemas['ReviewItem'];
export type ReviewQuery = NonNullable<operations['review_queue']['parameters']['query']>;
export type DecisionInput = Schemas['DecisionInput'];
export type ReturnReason = Schemas['ReturnReason'];
export type ExtensionInput = Schemas['ExtensionInput'];
export type ResultsSummary = Schemas['ResultsSummary'];

/** Submitted steps awaiting the caller, the most urgent first (the server orders by due date). */
export async function listReviews(query: ReviewQuery = {}) {
  return unwrap(await api.GET('/api/v1/reviews', { params: { query } }));
}

/** Approve, or return with reasons (409 when the step is no longer submitted). */
export async function decideStep(batchId: string, step: Schemas['Step'], body: DecisionInput) {
  return unwrap(
    await api.POST('/api/v1/batches/{id}/steps/{step}/decision', { params: { path: { id: batchId, step } }, body }),
  );
}

/** Records an extension of the batch's completion window (supervisors). */
export async function extendCompletion(batchId: string, body: ExtensionInput) {
  return unwrap(await api.PUT('/api/v1/batches/{id}/completion-extension', { params: { path: { id: batchId } }, body }));
}

/** The number of candidates matching a filter (a page of one item; `total` is what counts). */
export async function countCandidates(batchId: string, query: CandidateQuery = {}): Promise<number> {
  return (await listCandidates(batchId, { ...query, page: 1, page_size: 1 })).total;
}

/** The batch's results summary (registered, assessed, passed, pass rate). */
export async function resultsSummary(batchId: string): Promise<ResultsSummary> {
  return (await listResults(batchId, { page: 1, page_size: 1 })).summary;
}
