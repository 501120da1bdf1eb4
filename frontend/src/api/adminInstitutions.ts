// 评价机构 register (admin): institutions with their filing scope (备案范围, SPEC §2, §6).
import { api, unwrap } from './client';
import type { components, operations } from './schema';

type Schemas = components['schemas'];
export type Institution = Schemas['InstitutionView'];
export type CreateInstitution = Schemas['CreateInstitution'];
export type UpdateInstitution = Schemas['UpdateInstitution'];
export type FilingInput = Schemas['FilingInput'];
export type FilingView = Schemas['FilingView'];
export type InstitutionQuery = NonNullable<operations['list_institutions']['parameters']['query']>;

export async function listInstitutions(query: InstitutionQuery = {}) {
  return unwrap(await api.GET('/api/v1/admin/institutions', { params: { query } }));
}

export async function getInstitution(id: string) {
  return unwrap(await api.GET('/api/v1/admin/institutions/{id}', { params: { path: { id } } }));
}

export async function createInstitution(body: CreateInstitution) {
  return unwrap(await api.POST('/api/v1/admin/institutions', { body }));
}

/** Optimistic: `body.version` is the version read; a stale one answers 409. */
export async function updateInstitution(id: string, body: UpdateInstitution) {
  return unwrap(await api.PATCH('/api/v1/admin/institutions/{id}', { params: { path: { id } }, body }));
}
