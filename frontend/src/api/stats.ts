// 统计: the supervision dashboard's figures (GET /stats/overview), over the batches the caller sees.
import { api, unwrap } from './client';
import type { components } from './schema';

export type Overview = components['schemas']['OverviewView'];
export type OverdueItem = components['schemas']['OverdueItem'];

export async function overview(year?: number) {
  return unwrap(await api.GET('/api/v1/stats/overview', { params: { query: { year } } }));
}
