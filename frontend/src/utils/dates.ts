// Calendar dates as the rules see them: China Standard Time (UTC+08:00, no DST; SPEC §4), as
// `YYYY-MM-DD` strings. Day arithmetic runs in UTC so no local time zone shifts a date.

/** Today's China date. */
export function chinaToday(now: Date = new Date()): string {
  const china = new Date(now.getTime() + 8 * 3600 * 1000);
  return china.toISOString().slice(0, 10);
}

function utcDay(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return Date.UTC(y, m - 1, d) / 86_400_000;
}

/** Whole days from `from` to `to` (negative when `to` is earlier). */
export function daysBetween(from: string, to: string): number {
  return Math.round(utcDay(to) - utcDay(from));
}

export type Urgency = 'overdue' | 'today' | 'near' | 'soon' | 'far';

export interface Countdown {
  days: number;
  text: string;
  urgency: Urgency;
  tag: 'danger' | 'warning' | 'primary' | 'info';
}

/** "还剩 N 天" with how urgent it is: overdue and ≤ 3 days red, ≤ 7 days amber. */
export function countdown(deadline: string, today: string = chinaToday()): Countdown {
  const days = daysBetween(today, deadline);
  if (days < 0) return { days, text: `已逾期 ${-days} 天`, urgency: 'overdue', tag: 'danger' };
  if (days === 0) return { days, text: '今天截止', urgency: 'today', tag: 'danger' };
  if (days <= 3) return { days, text: `还剩 ${days} 天`, urgency: 'near', tag: 'danger' };
  if (days <= 7) return { days, text: `还剩 ${days} 天`, urgency: 'soon', tag: 'warning' };
  return { days, text: `还剩 ${days} 天`, urgency: 'far', tag: 'info' };
}

/** `2026-03-10` → `2026年3月10日（周二）`. */
export function longDate(date: string | null | undefined): string {
  if (!date) return '';
  const [y, m, d] = date.split('-').map(Number);
  const weekday = '日一二三四五六'[new Date(Date.UTC(y, m - 1, d)).getUTCDay()];
  return `${y}年${m}月${d}日（周${weekday}）`;
}

/** An instant shown in China time: `2026-03-10 09:30`. */
export function dateTime(value: string | null | undefined): string {
  if (!value) return '';
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) return value;
  return new Date(t.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 16).replace('T', ' ');
}

/** An instant in China time with its weekday, to the second: `2026年3月12日（周四） 09:00:00`. */
export function longDateTime(value: string | null | undefined): string {
  if (!value) return '';
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) return value;
  const china = new Date(t.getTime() + 8 * 3600 * 1000).toISOString();
  return `${longDate(china.slice(0, 10))} ${china.slice(11, 19)}`;
}

/** The calendar day a date picker's `Date` stands for (its local midnight), as `YYYY-MM-DD`.
 * Not `toISOString()`: in UTC+8 that is the previous day. */
export function pickedDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Bytes as KB/MB. */
export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
