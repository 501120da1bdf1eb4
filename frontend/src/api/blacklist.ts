// 禁考名单: the supervisors' list of banned persons (SPEC §5 BLACKLISTED).
import { api, unwrap } from './client';
import type { components, operations } from './schema';

export type BlacklistEntry = components['schemas']['BlacklistView'];
export type BlacklistInput = components['schemas']['BlacklistInput'];
export type BlacklistQuery = NonNullable<operations['list_blacklist']['parameters']['query']>;

export async function listBlacklist(query: BlacklistQuery = {}) {
  return unwrap(await api.GET('/api/v1/blacklist', { params: { query } }));
}

export async function createBlacklistEntry(body: BlacklistInput, idempotencyKey: string) {
  return unwrap(
    await api.POST('/api/v1/blacklist', { body, params: { header: { 'Idempotency-Key': idempotencyKey } } }),
  );
}

/** Lifts a ban (204). */
export async function deleteBlacklistEntry(id: string): Promise<void> {
  await api.DELETE('/api/v1/blacklist/{id}', { params: { path: { id } } });
}
