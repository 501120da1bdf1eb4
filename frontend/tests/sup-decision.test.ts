// Reason checklist → DecisionInput (views/supervisor/decision.ts).
import { describe, expect, it } from 'vitest';
import type { components } from '@/api/schema';
import { RULE_NAMES } from '@/utils/labels';
import { buildDecision, defaultSelection, reasonOptions, type DecisionForm } from '@/views/supervisor/decision';

type StepChecklist = components['schemas']['StepChecklistView'];
type RuleCheck = components['schemas']['RuleCheckView'];

const step: StepChecklist = {
  step: 'plan',
  name: '制定计划',
  state: 'submitted',
  evaluated_on: '2026-03-02',
  ready: false,
  materials: [
    { kind: 'plan_application', title: '职业技能等级认定考试计划申请报告', condition: 'always', required: true, present: true },
    { kind: 'cross_region_application', title: '跨地区认定申请表', condition: 'when_cross_region', required: true, present: false },
    { kind: 'eligibility_evidence', title: '符合报名条件佐证', condition: 'when_warnings', required: false, present: false },
  ],
  rules: [
    { code: 'MIN_HEADCOUNT', title: '每一职业考试人数不少于15人', passed: true, violations: [] },
    {
      code: 'EXAM_LEAD_TIME',
      title: '考试日期过早',
      passed: false,
      violations: [{ code: 'EXAM_LEAD_TIME', message: '最早考试日期为 2026-03-06', details: {} }],
    },
  ],
};

const batchRules: RuleCheck[] = [
  { code: 'CROSS_YEAR', title: '不可跨年实施', passed: false, violations: [{ code: 'CROSS_YEAR', message: '考试日期跨年', details: {} }] },
  { code: 'EXAM_LEAD_TIME', title: '重复的规则', passed: false, violations: [] },
  { code: 'METHOD_NOT_ALLOWED', title: '评价方式', passed: true, violations: [] },
];

function form(patch: Partial<DecisionForm>): DecisionForm {
  return { decision: 'return', comment: '', selected: [], notes: {}, other: '', ...patch };
}

describe('reason options', () => {
  const options = reasonOptions(step, batchRules);

  it('lists the required or present materials, the step rules and failing batch rules once', () => {
    expect(options.map((o) => o.key)).toEqual([
      'material:cross_region_application',
      'material:plan_application',
      'rule:EXAM_LEAD_TIME',
      'rule:CROSS_YEAR',
      'rule:MIN_HEADCOUNT',
    ]);
  });

  it('pre-ticks what the checklist finds failing', () => {
    expect(defaultSelection(options)).toEqual(['material:cross_region_application', 'rule:EXAM_LEAD_TIME', 'rule:CROSS_YEAR']);
  });

  it('falls back to the failing batch rules without a step checklist', () => {
    expect(reasonOptions(undefined, batchRules).map((o) => o.code)).toEqual(['CROSS_YEAR', 'EXAM_LEAD_TIME']);
  });
});

describe('buildDecision', () => {
  const options = reasonOptions(step, batchRules);

  it('approves with the comment only, never reasons', () => {
    expect(buildDecision(form({ decision: 'approve', comment: '  材料齐全  ', selected: ['rule:EXAM_LEAD_TIME'] }), options)).toEqual({
      ok: true,
      input: { decision: 'approve', comment: '材料齐全' },
    });
    expect(buildDecision(form({ decision: 'approve' }), options)).toEqual({ ok: true, input: { decision: 'approve' } });
  });

  it('returns with one reason per ticked item, using the note or the checklist message', () => {
    const result = buildDecision(
      form({
        selected: ['rule:EXAM_LEAD_TIME', 'material:plan_application'],
        notes: { 'material:plan_application': ' 未加盖公章 ' },
        other: '联系人电话有误',
        comment: '请补正后重新提交',
      }),
      options,
    );
    expect(result).toEqual({
      ok: true,
      input: {
        decision: 'return',
        comment: '请补正后重新提交',
        reasons: [
          // The platform's wording of the rule, not the server's title.
          { code: 'EXAM_LEAD_TIME', message: `${RULE_NAMES.EXAM_LEAD_TIME}：最早考试日期为 2026-03-06` },
          { code: 'plan_application', message: '职业技能等级认定考试计划申请报告：未加盖公章' },
          { code: 'other', message: '联系人电话有误' },
        ],
      },
    });
  });

  it('refuses a return without any reason, and ignores unknown keys', () => {
    expect(buildDecision(form({ selected: ['rule:NOPE'], other: '   ' }), options)).toEqual({
      ok: false,
      errors: { reasons: '退回时请至少勾选一条退回原因，或填写其他原因' },
    });
  });
});

describe('buildDecision for a data audit', () => {
  const base: DecisionForm = { decision: 'approve', comment: '', selected: [], notes: {}, other: '', auditMethod: 'on_site_check' };
  it('sends the audit method with an approval', () => {
    expect(buildDecision(base, [])).toEqual({ ok: true, input: { decision: 'approve', audit_method: 'on_site_check' } });
  });
  it('never sends it with a return', () => {
    const built = buildDecision({ ...base, decision: 'return', other: '花名册未盖章' }, []);
    expect(built).toEqual({ ok: true, input: { decision: 'return', reasons: [{ code: 'other', message: '花名册未盖章' }] } });
  });
  it('sends nothing when no method is set', () => {
    expect(buildDecision({ ...base, auditMethod: null }, [])).toEqual({ ok: true, input: { decision: 'approve' } });
  });
});
