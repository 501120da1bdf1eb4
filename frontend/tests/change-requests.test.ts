// Change requests shown and filed (components/placeChange.ts).
import { describe, expect, it } from 'vitest';
import type { ExamPlace } from '@/api/changeRequests';
import { changeBody, changeFormErrors, changeStatus, formFrom, placeRows } from '@/components/placeChange';

const current: ExamPlace = { exam_start: '2026-03-10', exam_end: '2026-03-11', venue: '洛阳职业技能实训基地', venue_region: '4103' };

describe('placeRows', () => {
  it('shows dates, venue and city before and after, marking what moves', () => {
    const rows = placeRows(current, { ...current, exam_start: '2026-03-17', exam_end: '2026-03-17', venue_region: '4101' });
    expect(rows).toEqual([
      { label: '考试日期', before: '2026-03-10 至 2026-03-11', after: '2026-03-17', changed: true },
      { label: '考点', before: '洛阳职业技能实训基地', after: '洛阳职业技能实训基地', changed: false },
      { label: '考点地市', before: '洛阳市', after: '郑州市', changed: true },
    ]);
  });
});

describe('changeBody', () => {
  it('sends only the fields that change, and the trimmed reason', () => {
    const form = { ...formFrom(current), exam: ['2026-03-17', '2026-03-18'] as [string, string], reason: ' 考点停电检修 ' };
    expect(changeBody(current, form)).toEqual({ exam_start: '2026-03-17', exam_end: '2026-03-18', reason: '考点停电检修' });
    expect(changeBody(current, { ...formFrom(current), venue: ' 新考点 ', venue_region: '4101', reason: 'x' })).toEqual({
      venue: '新考点',
      venue_region: '4101',
      reason: 'x',
    });
  });
});

describe('changeFormErrors', () => {
  it('requires a reason', () => {
    const form = { ...formFrom(current), exam: ['2026-03-17', '2026-03-18'] as [string, string], reason: '  ' };
    expect(changeFormErrors(current, form)).toEqual({ reason: '请说明变更理由（不得无故调整考试时间）' });
  });
  it('refuses a request that changes nothing', () => {
    expect(changeFormErrors(current, { ...formFrom(current), reason: '理由' })).toEqual({ exam_start: '变更后的考试时间、地点与现有计划相同' });
  });
  it('checks the dates and the venue', () => {
    expect(changeFormErrors(current, { ...formFrom(current), exam: null, reason: '理由' })).toHaveProperty('exam_start');
    expect(changeFormErrors(current, { ...formFrom(current), exam: ['2026-03-18', '2026-03-17'], reason: '理由' })).toHaveProperty('exam_end');
    expect(changeFormErrors(current, { ...formFrom(current), venue: ' ', reason: '理由' })).toHaveProperty('venue');
  });
  it('accepts a real change with a reason', () => {
    expect(changeFormErrors(current, { ...formFrom(current), venue: '新考点', reason: '原考点装修' })).toEqual({});
  });
});

describe('changeStatus', () => {
  it('names the statuses and falls back to the code', () => {
    expect(changeStatus('pending')).toEqual({ name: '待审核', tag: 'warning' });
    expect(changeStatus('rejected').name).toBe('已驳回');
    expect(changeStatus('odd')).toEqual({ name: 'odd', tag: 'info' });
  });
});

describe('parseChangeApproval', () => {
  const summary = {
    change_request_id: '0192',
    comment: '同意顺延',
    before: current,
    after: { ...current, exam_start: '2026-03-17', exam_end: '2026-03-18' },
    changes: [{ step: 'arrangement', event: 'plan_changed', from: 'submitted', to: 'returned' }],
  };

  it('reads an approval that sent the arrangement back as a return of that step', async () => {
    const { parseChangeApproval } = await import('@/api/decisions');
    const d = parseChangeApproval('2026-02-13T02:00:00Z', 'supervisor', summary);
    expect(d).toMatchObject({ step: 'arrangement', decision: 'return', actorRole: 'supervisor' });
    expect(d?.comment).toContain('考试计划变更已批准（变更后考试时间 2026-03-17 至 2026-03-18，考点 洛阳职业技能实训基地）');
    expect(d?.comment).toContain('督导部意见：同意顺延。');
    expect(d?.reasons).toEqual([{ code: 'ARRANGEMENT_MISMATCH', message: '考务安排按变更前的考试计划编制' }]);
  });

  it('ignores an approval that returned nothing, and odd summaries', async () => {
    const { parseChangeApproval } = await import('@/api/decisions');
    expect(parseChangeApproval('x', 'supervisor', { ...summary, changes: [] })).toBeNull();
    expect(parseChangeApproval('x', 'supervisor', { ...summary, changes: [{ step: 'plan', to: 'returned' }] })).toBeNull();
    expect(parseChangeApproval('x', 'supervisor', null)).toBeNull();
    expect(parseChangeApproval('x', 'supervisor', { changes: 'all' })).toBeNull();
  });
});
