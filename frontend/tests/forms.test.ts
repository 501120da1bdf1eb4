// Form logic of the institution workspace: the live rule preview of the batch wizard, the
// deadlines a batch still has, and the countdowns.
import { describe, expect, it } from 'vitest';
import type { Batch } from '@/api/batches';
import { countdown, daysBetween, longDate, longDateTime } from '@/utils/dates';
import { idempotencyKey } from '@/utils/ids';
import { batchDeadlines } from '@/views/institution/deadlines';
import { previewRules, type DraftBatch, type PreviewContext } from '@/views/institution/rulesPreview';

const filings: PreviewContext['filings'] = [
  { occupation_code: '6-31-01-03', occupation_name: '电工', level: 5, level_name: '五级/初级工' },
  { occupation_code: '6-31-01-03', occupation_name: '电工', level: 4, level_name: '四级/中级工' },
  { occupation_code: '4-10-01-05', occupation_name: '养老护理员', level: 5, level_name: '五级/初级工' },
];

const social: PreviewContext = { kind: 'social_training', region: '4103', filings, annualPlanFiled: null, earliestExamDate: '2026-02-25' };

function draft(over: Partial<DraftBatch> = {}): DraftBatch {
  return {
    year: 2026,
    module: 'supervised',
    method: 'exam',
    exam_start: '2026-03-10',
    exam_end: '2026-03-11',
    venue_region: '4103',
    occupations: [{ occupation_code: '6-31-01-03', level: 5, planned_count: 20 }],
    ...over,
  };
}

const failing = (items: ReturnType<typeof previewRules>) => items.filter((i) => i.state === 'fail').map((i) => i.code);

describe('previewRules', () => {
  it('passes a compliant social-training batch', () => {
    expect(failing(previewRules(draft(), social))).toEqual([]);
  });

  it('flags an exam before the earliest legal date on exam_start (EXAM_LEAD_TIME)', () => {
    const items = previewRules(draft({ exam_start: '2026-02-24', exam_end: '2026-02-24' }), social);
    const lead = items.find((i) => i.code === 'EXAM_LEAD_TIME');
    expect(lead?.state).toBe('fail');
    expect(lead?.field).toBe('exam_start');
    expect(lead?.message).toContain('2026-02-25');
    // The earliest date itself is allowed.
    expect(previewRules(draft({ exam_start: '2026-02-25' }), social).find((i) => i.code === 'EXAM_LEAD_TIME')?.state).toBe('pass');
  });

  it('counts MIN_HEADCOUNT per occupation over all its levels', () => {
    const split = draft({
      occupations: [
        { occupation_code: '6-31-01-03', level: 5, planned_count: 8 },
        { occupation_code: '6-31-01-03', level: 4, planned_count: 7 },
        { occupation_code: '4-10-01-05', level: 5, planned_count: 14 },
      ],
    });
    const items = previewRules(split, social).filter((i) => i.code === 'MIN_HEADCOUNT' && i.state === 'fail');
    expect(items).toHaveLength(1);
    expect(items[0].message).toContain('4-10-01-05');
    expect(items[0].field).toBe('occupations[2].planned_count');
  });

  it('flags a level outside the filing, a cross-year exam and a disallowed method', () => {
    const items = previewRules(
      draft({ method: 'direct', exam_end: '2027-01-02', occupations: [{ occupation_code: '4-10-01-05', level: 3, planned_count: 20 }] }),
      social,
    );
    expect(failing(items).sort()).toEqual(['CROSS_YEAR', 'METHOD_NOT_ALLOWED', 'OCCUPATION_NOT_FILED']);
  });

  it('requires the annual plan for employers only, and mentions the cross-region form for social training', () => {
    const employer: PreviewContext = { ...social, kind: 'employer', annualPlanFiled: false };
    expect(failing(previewRules(draft(), employer))).toContain('ANNUAL_PLAN_REQUIRED');
    expect(previewRules(draft(), { ...employer, annualPlanFiled: true }).find((i) => i.code === 'ANNUAL_PLAN_REQUIRED')?.state).toBe('pass');
    expect(failing(previewRules(draft(), social))).not.toContain('ANNUAL_PLAN_REQUIRED');
    const away = previewRules(draft({ venue_region: '4101' }), social).find((i) => i.code === 'CROSS_REGION_FORM_REQUIRED');
    expect(away?.state).toBe('info');
    // Employers' exams (no EXAM_LEAD_TIME for them) are not held to the earliest date.
    expect(previewRules(draft({ exam_start: '2026-01-05' }), employer).some((i) => i.code === 'EXAM_LEAD_TIME')).toBe(false);
  });
});

describe('dates', () => {
  it('counts days and tells the urgency', () => {
    expect(daysBetween('2026-02-27', '2026-03-02')).toBe(3);
    expect(countdown('2026-03-01', '2026-03-02')).toMatchObject({ days: -1, text: '已逾期 1 天', tag: 'danger' });
    expect(countdown('2026-03-02', '2026-03-02')).toMatchObject({ text: '今天截止', tag: 'danger' });
    expect(countdown('2026-03-05', '2026-03-02')).toMatchObject({ days: 3, tag: 'danger' });
    expect(countdown('2026-03-08', '2026-03-02')).toMatchObject({ days: 6, tag: 'warning' });
    expect(countdown('2026-04-08', '2026-03-02').tag).toBe('info');
    expect(longDate('2026-02-25')).toBe('2026年2月25日（周三）');
    // 01:00 UTC on 03-12 is 09:00 China time, a Thursday; 16:30 UTC is already 03-13.
    expect(longDateTime('2026-03-12T01:00:00Z')).toBe('2026年3月12日（周四） 09:00:00');
    expect(longDateTime('2026-03-12T16:30:00Z')).toBe('2026年3月13日（周五） 00:30:00');
  });

  it('makes v4 UUID idempotency keys without crypto.randomUUID', () => {
    const a = idempotencyKey();
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(idempotencyKey()).not.toBe(a);
  });
});

describe('batchDeadlines', () => {
  const base: Batch = {
    id: 'b1',
    institution_id: 'i1',
    institution_name: '洛阳培训',
    kind: 'social_training',
    module: 'supervised',
    method: 'exam',
    year: 2026,
    exam_start: '2026-03-10',
    exam_end: '2026-03-11',
    venue: '洛阳',
    venue_region: '4103',
    occupations: [],
    exam_notice_ids: [],
    status: 'in_progress',
    status_name: '办理中',
    version: 1,
    created_at: '2026-02-01T00:00:00Z',
    updated_at: '2026-02-01T00:00:00Z',
    deadlines: { arrangement_deadline: '2026-03-08', completion_deadline: '2026-04-10', year_end: '2026-12-31', earliest_exam_date: '2026-02-25', alerts: [] },
    steps: [
      { step: 'plan', name: '制定计划', state: 'approved', state_name: '已通过', reviewer: 'supervisor', beside: false },
      { step: 'registration', name: '考试报名', state: 'draft', state_name: '办理中', reviewer: 'supervisor', beside: false },
      { step: 'arrangement', name: '考务安排', state: 'not_started', state_name: '未开始', reviewer: 'supervisor', beside: false },
      { step: 'supervision', name: '外部质量督导', state: 'draft', state_name: '办理中', reviewer: 'none', beside: true },
      { step: 'certificate', name: '证书管理', state: 'not_started', state_name: '未开始', reviewer: 'supervisor', beside: false },
    ],
  };

  it('lists the open deadlines, nearest first', () => {
    expect(batchDeadlines(base, '2026-03-01').map((d) => [d.label, d.date])).toEqual([
      ['考务安排截止', '2026-03-08'],
      ['首个考试日', '2026-03-10'],
      ['认定完成期限', '2026-04-10'],
    ]);
  });

  it('drops what is done, and everything of a completed batch', () => {
    const later: Batch = {
      ...base,
      steps: base.steps.map((s) => (s.step === 'certificate' ? s : { ...s, state: 'approved' })),
    };
    expect(batchDeadlines(later, '2026-03-20').map((d) => d.label)).toEqual(['认定完成期限']);
    expect(batchDeadlines({ ...base, status: 'completed' }, '2026-03-01')).toEqual([]);
    expect(batchDeadlines({ ...base, status: 'archived' }, '2026-03-01')).toEqual([]);
  });
});

describe('parseDecision', () => {
  it('reads the return reasons of a step.decision audit summary, and ignores other shapes', async () => {
    const { parseDecision } = await import('@/api/decisions');
    const d = parseDecision('2026-12-20T01:03:58Z', 'supervisor', {
      step: 'plan',
      decision: 'return',
      comment: '计划申请报告未盖章',
      reasons: [{ code: 'plan_application', message: '计划申请报告未加盖公章' }, 'junk'],
    });
    expect(d).toEqual({
      at: '2026-12-20T01:03:58Z',
      step: 'plan',
      decision: 'return',
      comment: '计划申请报告未盖章',
      reasons: [{ code: 'plan_application', message: '计划申请报告未加盖公章' }],
      actorRole: 'supervisor',
    });
    expect(parseDecision('x', 'system', { note: '演示数据' })).toBeNull();
    const audit = parseDecision('x', 'supervisor', { step: 'data_audit', decision: 'approve', comment: '无异常', audit_method: 'on_site_check' });
    expect(audit?.comment).toBe('【现场抽查】无异常');
    expect(parseDecision('x', 'system', null)).toBeNull();
  });
});
