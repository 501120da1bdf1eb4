// 平台时钟: the time every rule reads (SPEC §9 Clock); an admin may move it in demos.
import { api, unwrap } from './client';
import type { components } from './schema';

export type Clock = components['schemas']['ClockView'];

export async function getClock() {
  return unwrap(await api.GET('/api/v1/admin/clock'));
}

export async function setClock(now: string) {
  return unwrap(await api.PUT('/api/v1/admin/clock', { body: { now } }));
}
