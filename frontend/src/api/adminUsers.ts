// 用户管理 (admin): accounts, their role, institution and password; disabling (SPEC §1).
import { api, unwrap } from './client';
import type { components, operations } from './schema';

type Schemas = components['schemas'];
export type User = Schemas['UserView'];
export type NewUser = Schemas['NewUser'];
export type UserPatch = Schemas['UserPatch'];
export type UserQuery = NonNullable<operations['list_users']['parameters']['query']>;

export async function listUsers(query: UserQuery = {}) {
  return unwrap(await api.GET('/api/v1/admin/users', { params: { query } }));
}

export async function createUser(body: NewUser, idempotencyKey: string) {
  return unwrap(
    await api.POST('/api/v1/admin/users', { body, params: { header: { 'Idempotency-Key': idempotencyKey } } }),
  );
}

/** Optimistic: `body.version` is the version read; a stale one answers 409. */
export async function patchUser(id: string, body: UserPatch) {
  return unwrap(await api.PATCH('/api/v1/admin/users/{id}', { params: { path: { id } }, body }));
}
