// 服务账号 (admin): read-only API tokens for other systems (the national platform, a city's
// dashboard). The token (`sk_…`) is only in the answer of create.
import { api, unwrap } from './client';
import type { components } from './schema';

type Schemas = components['schemas'];
export type ServiceAccount = Schemas['ServiceAccountView'];
export type ServiceScope = Schemas['ServiceScope'];
export type NewServiceAccount = Schemas['ServiceAccountInput'];
export type CreatedServiceAccount = Schemas['CreatedServiceAccount'];

export async function listServiceAccounts(query: { page?: number; page_size?: number } = {}) {
  return unwrap(await api.GET('/api/v1/service-accounts', { params: { query } }));
}

export async function createServiceAccount(body: NewServiceAccount) {
  return unwrap(await api.POST('/api/v1/service-accounts', { body }));
}

export async function revokeServiceAccount(id: string) {
  return unwrap(await api.POST('/api/v1/service-accounts/{id}/revoke', { params: { path: { id } } }));
}

/** Renews the token for `expires_in_days` (1–365, 90 when absent) from now; audited. */
export async function renewServiceAccount(id: string, expires_in_days: number) {
  return unwrap(
    await api.POST('/api/v1/service-accounts/{id}/renew', { params: { path: { id } }, body: { expires_in_days } }),
  );
}
