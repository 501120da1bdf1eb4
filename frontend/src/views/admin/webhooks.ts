// 事件推送 (webhooks): what the admin page needs besides the API — the filter choices grouped by
// event family, which event types a filter list selects, delivery status labels, and the same
// URL checks the server makes (docs/webhooks.md), so most mistakes show before saving.

export interface EventType {
  type: string;
  description: string;
}

export interface FilterOption {
  value: string;
  label: string;
}

export interface FilterGroup {
  label: string;
  options: FilterOption[];
}

/** The Chinese names of the event families (the part before the first dot). */
export const FAMILY_NAMES: Record<string, string> = {
  step: '环节',
  deadline: '期限',
  change_request: '计划变更',
  draw: '双随机抽查',
  certificates: '证书',
};

function family(type: string): string {
  const dot = type.indexOf('.');
  return dot < 0 ? type : type.slice(0, dot);
}

/** Whether one filter entry selects `type`: `*`, a prefix `step.*`, or the exact type. */
export function filterMatches(filter: string, type: string): boolean {
  if (filter === '*') return true;
  if (filter.endsWith('.*')) return type.startsWith(filter.slice(0, -1));
  return filter === type;
}

/** The known event types a filter list selects, in the order of `types`. */
export function selectedTypes(filters: string[], types: EventType[]): EventType[] {
  return types.filter((t) => filters.some((f) => filterMatches(f, t.type)));
}

/**
 * The choices of the event type select: everything, then per family its prefix (`step.*`,
 * "全部环节事件", only when the family has more than one type) and each exact type.
 */
export function filterGroups(types: EventType[]): FilterGroup[] {
  const groups: FilterGroup[] = [{ label: '全部', options: [{ value: '*', label: '全部事件（*）' }] }];
  const byFamily = new Map<string, EventType[]>();
  for (const t of types) {
    const key = family(t.type);
    byFamily.set(key, [...(byFamily.get(key) ?? []), t]);
  }
  for (const [key, members] of byFamily) {
    const name = FAMILY_NAMES[key] ?? key;
    const options: FilterOption[] = [];
    if (members.length > 1) options.push({ value: `${key}.*`, label: `全部${name}事件（${key}.*）` });
    for (const t of members) options.push({ value: t.type, label: `${t.description}（${t.type}）` });
    groups.push({ label: name, options });
  }
  return groups;
}

/** How a filter entry reads in a list: its description, or the family for a prefix. */
export function filterLabel(filter: string, types: EventType[]): string {
  if (filter === '*') return '全部事件';
  if (filter.endsWith('.*')) {
    const key = filter.slice(0, -2);
    return `全部${FAMILY_NAMES[key] ?? key}事件`;
  }
  return types.find((t) => t.type === filter)?.description ?? filter;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

export const DELIVERY_STATUS: Record<DeliveryStatus, { text: string; tag: 'warning' | 'success' | 'danger' }> = {
  pending: { text: '待发送', tag: 'warning' },
  delivered: { text: '已送达', tag: 'success' },
  dead: { text: '投递失败', tag: 'danger' },
};

export function deliveryStatus(status: string): { text: string; tag: 'warning' | 'success' | 'danger' | 'info' } {
  return DELIVERY_STATUS[status as DeliveryStatus] ?? { text: status, tag: 'info' };
}

/** What the last attempt answered: `HTTP 503`, `无响应`, or '' before the first attempt. */
export function lastAnswer(d: { attempts: number; last_status?: number | null }): string {
  if (d.attempts === 0) return '';
  return d.last_status != null ? `HTTP ${d.last_status}` : '无响应';
}

/** A redelivery is possible once a delivery has ended (dead, or delivered and wanted again). */
export function canRedeliver(status: string): boolean {
  return status === 'dead' || status === 'delivered';
}

/**
 * The server's URL rules, for the form: http/https with a host, no user name or password, no
 * `#fragment`, at most 2048 characters. Null when the URL passes.
 */
export function urlProblem(text: string): string | null {
  const value = text.trim();
  if (!value) return '请填写推送地址';
  if (value.length > 2048) return '推送地址不能超过 2048 个字符';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return '推送地址不是有效的 URL（应为 https://… 或 http://…）';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return '推送地址只能使用 http 或 https 协议';
  if (!url.hostname) return '推送地址缺少主机名';
  if (url.username || url.password) return '推送地址不能包含用户名或密码：请用签名密钥校验来源';
  if (value.includes('#')) return '推送地址不能包含 # 片段';
  return null;
}
