// 职业目录: the occupation catalogue (国家职业分类大典 2022 codes) and its admin edits.
import { api, unwrap } from './client';
import type { components, operations } from './schema';

type Schemas = components['schemas'];
export type Occupation = Schemas['OccupationView'];
export type CreateOccupation = Schemas['CreateOccupation'];
export type UpdateOccupation = Schemas['UpdateOccupation'];
export type OccupationQuery = NonNullable<operations['list_occupations']['parameters']['query']>;

export async function listOccupations(query: OccupationQuery = {}) {
  return unwrap(await api.GET('/api/v1/occupations', { params: { query } }));
}

/** The whole catalogue (pages of 200), for pickers. */
export async function listAllOccupations(): Promise<Occupation[]> {
  const out: Occupation[] = [];
  for (let page = 1; ; page++) {
    const data = await listOccupations({ page, page_size: 200 });
    out.push(...data.items);
    if (out.length >= data.total || data.items.length === 0) return out;
  }
}

export async function createOccupation(body: CreateOccupation) {
  return unwrap(await api.POST('/api/v1/admin/occupations', { body }));
}

export async function updateOccupation(code: string, body: UpdateOccupation) {
  return unwrap(await api.PATCH('/api/v1/admin/occupations/{code}', { params: { path: { code } }, body }));
}
