// 工作日历: one year's State Council holiday arrangement with its gov.cn notice (SPEC §4).
import { api, unwrap } from './client';
import type { components } from './schema';

export type CalendarYear = components['schemas']['CalendarYearView'];
export type YearCalendar = components['schemas']['YearCalendarSchema'];
export type Holiday = components['schemas']['HolidaySchema'];
export type MakeupWorkday = components['schemas']['MakeupWorkdaySchema'];

export async function getCalendarYear(year: number) {
  return unwrap(await api.GET('/api/v1/calendar/{year}', { params: { path: { year } } }));
}

export async function putCalendarYear(year: number, body: YearCalendar) {
  return unwrap(await api.PUT('/api/v1/calendar/{year}', { params: { path: { year } }, body }));
}
