// The deadlines of a batch that still matter, from its `deadlines` and steps (SPEC §4: "every
// batch shows its deadlines"): the first exam day until the pre-exam steps are through, the
// arrangement deadline until the arrangement is submitted, the completion deadline until the
// certificate/materials step is submitted, and 31 December for anything still open.
import type { Batch } from '@/api/batches';

export interface BatchDeadline {
  label: string;
  date: string;
  /** What has to happen by then. */
  what: string;
}

function state(batch: Batch, step: string): string | undefined {
  return batch.steps.find((s) => s.step === step)?.state;
}
const done = (s: string | undefined) => s === 'submitted' || s === 'approved';

export function batchDeadlines(batch: Batch, today: string): BatchDeadline[] {
  if (batch.status === 'completed' || batch.status === 'archived' || batch.status === 'issuing') return [];
  const out: BatchDeadline[] = [];
  const d = batch.deadlines;
  const hasArrangement = batch.steps.some((s) => s.step === 'arrangement');
  if (d.arrangement_deadline && hasArrangement && !done(state(batch, 'arrangement'))) {
    out.push({ label: '考务安排截止', date: d.arrangement_deadline, what: '提交考务安排（考试日前两天）' });
  }
  const planPending = batch.steps.some((s) => (s.step === 'plan' || s.step === 'registration') && !done(s.state));
  if (planPending && batch.exam_start >= today) {
    out.push({ label: '首个考试日', date: batch.exam_start, what: '考试前完成计划与报名审核' });
  }
  const closing = batch.steps.find((s) => s.step === 'certificate' || s.step === 'materials');
  if (closing && !done(closing.state)) {
    out.push({ label: '认定完成期限', date: d.completion_deadline, what: `提交${closing.name}` });
  } else if (!closing) {
    out.push({ label: '年度截止', date: d.year_end, what: '年内完成全部环节' });
  }
  return out.sort((a, b) => a.date.localeCompare(b.date));
}

export function nextDeadline(batch: Batch, today: string): BatchDeadline | undefined {
  return batchDeadlines(batch, today)[0];
}
