// 年度考试计划 as the supervisors see them: every institution's plans, filtered and paged. A plan
// recorded by a supervisor after the Q1 window (late, SPEC §3) uses createAnnualPlan of
// annualPlans.ts.
import { api, unwrap } from './client';
import type { components, operations } from './schema';

export type AnnualPlan = components['schemas']['AnnualPlanView'];
export type AnnualPlanQuery = NonNullable<operations['list_annual_plans']['parameters']['query']>;

export async function listAnnualPlanPage(query: AnnualPlanQuery = {}) {
  return unwrap(await api.GET('/api/v1/annual-plans', { params: { query } }));
}
