// Due dates of the review queue (ReviewItem.due: the first exam day for the steps before the
// exam, the completion deadline after it). Dates are China calendar dates (`YYYY-MM-DD`, SPEC §4);
// "today" is the platform clock's China date, so a demo that moves the clock moves the colours.

export type DueLevel = 'overdue' | 'today' | 'soon' | 'normal';

export interface DueStatus {
  level: DueLevel;
  /** Days from today to the due date: negative when overdue. */
  days: number;
  /** What the queue shows, e.g. `剩 2 天`, `今日到期`, `已超期 3 天`. */
  text: string;
  /** Element Plus tag type. */
  tag: 'danger' | 'warning' | 'info' | 'success';
}

/** Days within which a due date counts as near (amber). */
export const SOON_DAYS = 3;

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function dayNumber(date: string): number {
  const m = DATE.exec(date);
  if (!m) throw new Error(`not a date: ${date}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 86_400_000;
}

/** Whole calendar days from `from` to `to` (`2026-03-01` → `2026-03-03` is 2). */
export function daysBetween(from: string, to: string): number {
  return Math.round(dayNumber(to) - dayNumber(from));
}

/** The China Standard Time (UTC+08:00, no DST) calendar date of an instant. */
export function chinaDate(instant: Date): string {
  const shifted = new Date(instant.getTime() + 8 * 3_600_000);
  return shifted.toISOString().slice(0, 10);
}

/** How urgent a due date is, seen on `today`. */
export function dueStatus(due: string, today: string, soonDays = SOON_DAYS): DueStatus {
  const days = daysBetween(today, due);
  if (days < 0) return { level: 'overdue', days, text: `已超期 ${-days} 天`, tag: 'danger' };
  if (days === 0) return { level: 'today', days, text: '今日到期', tag: 'danger' };
  if (days <= soonDays) return { level: 'soon', days, text: `剩 ${days} 天`, tag: 'warning' };
  return { level: 'normal', days, text: `剩 ${days} 天`, tag: 'info' };
}
