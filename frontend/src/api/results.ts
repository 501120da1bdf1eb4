// 成绩: scores entry and the qualified list (SPEC §5 results).
import { api, unwrap } from './client';
import type { components, operations } from './schema';

type Schemas = components['schemas'];
export type ResultRow = Schemas['ResultView'];
export type ResultsPage = Schemas['ResultsPage'];
export type ResultInput = Schemas['ResultInput'];
export type ResultsQuery = NonNullable<operations['list_results']['parameters']['query']>;

export async function listResults(batchId: string, query: ResultsQuery = {}) {
  return unwrap(await api.GET('/api/v1/batches/{id}/results', { params: { path: { id: batchId }, query } }));
}

export async function putResults(batchId: string, results: ResultInput[]) {
  return unwrap(await api.PUT('/api/v1/batches/{id}/results', { params: { path: { id: batchId } }, body: { results } }));
}
