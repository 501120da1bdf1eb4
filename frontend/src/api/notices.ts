// 消息通知: in-app notices of the deadline clock and of supervisors' extensions (GET /notices).
import { api, unwrap } from './client';
import type { components, operations } from './schema';

export type Notice = components['schemas']['NoticeView'];
export type NoticeList = components['schemas']['NoticeList'];
export type NoticeQuery = NonNullable<operations['list_notices']['parameters']['query']>;

export async function listNotices(query: NoticeQuery = {}) {
  return unwrap(await api.GET('/api/v1/notices', { params: { query } }));
}

export async function unreadCount() {
  return unwrap(await api.GET('/api/v1/notices/unread-count'));
}

export async function markRead(id: string) {
  return unwrap(await api.POST('/api/v1/notices/{id}/read', { params: { path: { id } } }));
}

export async function markAllRead() {
  return unwrap(await api.POST('/api/v1/notices/read-all'));
}
