// 双随机、一公开 (SPEC §7): supervisors commit and run draws; the public reads the published data
// and asks the platform to recompute a draw.
import { api, unwrap } from './client';
import type { components } from './schema';

type Schemas = components['schemas'];
export type NewDraw = Schemas['NewDraw'];
export type BatchPoolFilter = Schemas['BatchPoolFilter'];
export type DrawSummary = Schemas['DrawSummary'];
export type DrawDetail = Schemas['DrawDetail'];
export type DrawView = Schemas['DrawView'];
export type DrawPickView = Schemas['DrawPickView'];
export type DrawVerification = Schemas['Verification'];
export type InspectionMode = Schemas['InspectionMode'];

export async function createDraw(body: NewDraw, idempotencyKey: string) {
  return unwrap(await api.POST('/api/v1/draws', { body, params: { header: { 'Idempotency-Key': idempotencyKey } } }));
}

export async function listDraws(page: number, page_size: number) {
  return unwrap(await api.GET('/api/v1/draws', { params: { query: { page, page_size } } }));
}

export async function getDraw(id: string) {
  return unwrap(await api.GET('/api/v1/draws/{id}', { params: { path: { id } } }));
}

export async function runDraw(id: string) {
  return unwrap(await api.POST('/api/v1/draws/{id}/run', { params: { path: { id } } }));
}

export async function listPublicDraws(page: number, page_size: number) {
  return unwrap(await api.GET('/api/v1/public/draws', { params: { query: { page, page_size } } }));
}

export async function getPublicDraw(id: string) {
  return unwrap(await api.GET('/api/v1/public/draws/{id}', { params: { path: { id } } }));
}

export async function verifyDraw(id: string) {
  return unwrap(await api.GET('/api/v1/public/draws/{id}/verify', { params: { path: { id } } }));
}

export type Inspector = Schemas['InspectorView'];

/** The active inspectors with their affiliations (the default inspector pool), pages of 200. */
export async function listAllInspectors(): Promise<Inspector[]> {
  const out: Inspector[] = [];
  for (let page = 1; ; page++) {
    const data = unwrap(await api.GET('/api/v1/inspectors', { params: { query: { page, page_size: 200 } } }));
    out.push(...data.items);
    if (out.length >= data.total || data.items.length === 0) return out;
  }
}
