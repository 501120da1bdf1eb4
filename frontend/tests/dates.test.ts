// A date picker hands back local midnight of the picked day; in China (UTC+8) that instant is
// still the previous day in UTC, so `toISOString()` named the wrong day and disabled "today".
import { afterEach, describe, expect, it } from 'vitest';
import { dateTime, pickedDate } from '@/utils/dates';

const original = process.env.TZ;
afterEach(() => {
  process.env.TZ = original;
});

describe('pickedDate', () => {
  it('names the picked day in China time, where toISOString names the day before', () => {
    process.env.TZ = 'Asia/Shanghai';
    const picked = new Date(2026, 1, 12); // local midnight of 12 February
    expect(picked.toISOString().slice(0, 10)).toBe('2026-02-11');
    expect(pickedDate(picked)).toBe('2026-02-12');
  });

  it('pads months and days', () => {
    process.env.TZ = 'UTC';
    expect(pickedDate(new Date(2026, 0, 5))).toBe('2026-01-05');
  });
});

describe('dateTime', () => {
  it('shows an instant in China time', () => {
    expect(dateTime('2026-02-12T01:32:35Z')).toBe('2026-02-12 09:32');
    expect(dateTime(null)).toBe('');
  });
});
