// 考务安排: exam sessions and staff (SPEC §3 social_training arrangement).
import { api, unwrap } from './client';
import type { components } from './schema';

type Schemas = components['schemas'];
export type Arrangement = Schemas['Arrangement'];
export type SessionInput = Schemas['SessionInput'];
export type StaffInput = Schemas['StaffInput'];

export async function getArrangement(batchId: string) {
  return unwrap(await api.GET('/api/v1/batches/{id}/arrangement', { params: { path: { id: batchId } } }));
}

export async function putArrangement(batchId: string, body: Arrangement) {
  return unwrap(await api.PUT('/api/v1/batches/{id}/arrangement', { params: { path: { id: batchId } }, body }));
}
