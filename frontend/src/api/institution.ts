// The caller's own institution and the occupation catalogue (SPEC §2, §9).
import { api, unwrap } from './client';
import type { components } from './schema';

export type Institution = components['schemas']['InstitutionView'];
export type Filing = components['schemas']['FilingView'];
export type Occupation = components['schemas']['OccupationView'];

export async function ownInstitution() {
  return unwrap(await api.GET('/api/v1/institution'));
}

export async function listOccupations(q?: string) {
  return unwrap(await api.GET('/api/v1/occupations', { params: { query: { q, page_size: 200 } } }));
}
