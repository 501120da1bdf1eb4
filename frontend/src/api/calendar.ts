// 工作日历: EXAM_LEAD_TIME (SPEC §4) for a plan submission date.
import { api, unwrap } from './client';
import type { components } from './schema';

export type EarliestExamDate = components['schemas']['EarliestExamDateView'];

export async function earliestExamDate(submittedOn: string) {
  return unwrap(
    await api.GET('/api/v1/calendar/earliest-exam-date', { params: { query: { submitted_on: submittedOn } } }),
  );
}
