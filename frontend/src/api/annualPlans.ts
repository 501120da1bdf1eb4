// 年度考试计划申报 (SPEC §3: employer and tech_school, 1 Jan–31 Mar).
import { api, unwrap } from './client';
import type { components } from './schema';

export type AnnualPlan = components['schemas']['AnnualPlanView'];
export type CreateAnnualPlan = components['schemas']['CreateAnnualPlan'];

export async function listAnnualPlans(year?: number) {
  return unwrap(await api.GET('/api/v1/annual-plans', { params: { query: { year, page_size: 200 } } }));
}

export async function createAnnualPlan(body: CreateAnnualPlan, idempotencyKey: string) {
  return unwrap(
    await api.POST('/api/v1/annual-plans', { body, params: { header: { 'Idempotency-Key': idempotencyKey } } }),
  );
}
