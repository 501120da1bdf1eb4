// Due-date highlighting of the review queue (views/supervisor/due.ts).
import { describe, expect, it } from 'vitest';
import { chinaDate, daysBetween, dueStatus } from '@/views/supervisor/due';

describe('due dates', () => {
  it('counts calendar days across months and years', () => {
    expect(daysBetween('2026-02-27', '2026-03-02')).toBe(3);
    expect(daysBetween('2025-12-31', '2026-01-01')).toBe(1);
    expect(daysBetween('2026-03-10', '2026-03-07')).toBe(-3);
  });

  it('takes the China date of an instant, not the UTC one', () => {
    // 2026-03-01T17:00Z is 01:00 on 2 March in Beijing.
    expect(chinaDate(new Date('2026-03-01T17:00:00Z'))).toBe('2026-03-02');
    expect(chinaDate(new Date('2026-03-01T15:59:59Z'))).toBe('2026-03-01');
  });

  it('grades overdue, today, near and far', () => {
    expect(dueStatus('2026-03-01', '2026-03-04')).toMatchObject({ level: 'overdue', days: -3, text: '已超期 3 天', tag: 'danger' });
    expect(dueStatus('2026-03-04', '2026-03-04')).toMatchObject({ level: 'today', text: '今日到期', tag: 'danger' });
    expect(dueStatus('2026-03-07', '2026-03-04')).toMatchObject({ level: 'soon', days: 3, text: '剩 3 天', tag: 'warning' });
    expect(dueStatus('2026-03-08', '2026-03-04')).toMatchObject({ level: 'normal', days: 4, tag: 'info' });
  });

  it('lets the caller choose how near is near', () => {
    expect(dueStatus('2026-03-10', '2026-03-04', 7).level).toBe('soon');
    expect(dueStatus('2026-03-10', '2026-03-04', 5).level).toBe('normal');
  });
});
