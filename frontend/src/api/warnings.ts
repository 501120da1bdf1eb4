// 预警信息: a batch's warnings and the institution's disposition (SPEC §5).
import { api, unwrap } from './client';
import type { components, operations } from './schema';

type Schemas = components['schemas'];
export type Warning = Schemas['WarningView'];
export type DispositionInput = Schemas['DispositionInput'];
export type WarningQuery = NonNullable<operations['list_warnings']['parameters']['query']>;

export async function listWarnings(batchId: string, query: WarningQuery = {}) {
  return unwrap(await api.GET('/api/v1/batches/{id}/warnings', { params: { path: { id: batchId }, query } }));
}

export async function disposeWarning(id: string, body: DispositionInput) {
  return unwrap(await api.POST('/api/v1/warnings/{id}/disposition', { params: { path: { id } }, body }));
}
