// 发布考试计划: exam notices of a social training institution (SPEC §3).
import { api, unwrap } from './client';
import type { components, operations } from './schema';

export type ExamNotice = components['schemas']['ExamNoticeView'];
export type CreateExamNotice = components['schemas']['CreateExamNotice'];
export type ExamNoticeQuery = NonNullable<operations['list_exam_notices']['parameters']['query']>;

export async function listExamNotices(query: ExamNoticeQuery = {}) {
  return unwrap(await api.GET('/api/v1/exam-notices', { params: { query } }));
}

export async function createExamNotice(body: CreateExamNotice, idempotencyKey: string) {
  return unwrap(
    await api.POST('/api/v1/exam-notices', { body, params: { header: { 'Idempotency-Key': idempotencyKey } } }),
  );
}
