// Mapping violations to form fields and import rows (problem.ts).
import { describe, expect, it } from 'vitest';
import { ApiProblem } from '@/api/client';
import { fieldErrors, messagesUnder, problemLines, rowIssues, toFormProp, unplacedViolations } from '@/api/problem';

const problem = new ApiProblem({
  status: 422,
  code: 'VALIDATION',
  title: '提交的内容未通过校验',
  violations: [
    { code: 'VALIDATION', field: 'occupations[0].level', message: '等级应为 1–5', details: {} },
    { code: 'MIN_HEADCOUNT', field: 'occupations[0].planned_count', message: '每一职业考试人数不少于15人', details: {} },
    { code: 'OCCUPATION_NOT_FILED', field: 'occupations[1].occupation_code', message: '不在备案范围', details: {} },
    { code: 'EXAM_LEAD_TIME', field: 'exam_start', message: '考试日期过早', details: {} },
    { code: 'ANNUAL_PLAN_REQUIRED', field: null, message: '未申报年度考试计划', details: {} },
  ],
});

describe('problem helpers', () => {
  it('converts server field paths to Element Plus props', () => {
    expect(toFormProp('occupations[0].level')).toBe('occupations.0.level');
    expect(toFormProp('rows[12].证件号码')).toBe('rows.12.证件号码');
    expect(toFormProp('exam_start')).toBe('exam_start');
  });

  it('puts each message on its field', () => {
    expect(fieldErrors(problem)).toEqual({
      'occupations.0.level': '等级应为 1–5',
      'occupations.0.planned_count': '每一职业考试人数不少于15人',
      'occupations.1.occupation_code': '不在备案范围',
      exam_start: '考试日期过早',
    });
  });

  it('collects the messages under a prefix, and those no form item shows', () => {
    expect(messagesUnder(problem, 'occupations[0]')).toEqual(['等级应为 1–5', '每一职业考试人数不少于15人']);
    expect(messagesUnder(problem, 'occupations')).toHaveLength(3);
    expect(unplacedViolations(problem, ['exam_start', 'occupations']).map((v) => v.code)).toEqual(['ANNUAL_PLAN_REQUIRED']);
  });

  it('lists violation messages, or the detail when there are none', () => {
    expect(problemLines(problem)).toHaveLength(5);
    const plain = new ApiProblem({ status: 409, code: 'INVALID_STATE', title: '状态不允许', detail: '该环节已提交' });
    expect(problemLines(plain)).toEqual(['该环节已提交']);
  });

  it('reads row, column and reason of import violations', async () => {
    const body = {
      type: 'about:blank',
      title: '花名册有错误行',
      status: 422,
      detail: '',
      code: 'VALIDATION',
      request_id: 'r',
      violations: [
        { code: 'VALIDATION', field: 'rows[12].证件号码', message: '校验位错误', details: { row: 12, column: '证件号码', reason: 'bad_checksum' } },
        { code: 'VALIDATION', field: 'file', message: '表头缺少“姓名”', details: {} },
      ],
    };
    const rows = await ApiProblem.fromResponse(new Response(JSON.stringify(body), { status: 422 }));
    expect(rowIssues(rows)).toEqual([
      { row: 12, column: '证件号码', message: '校验位错误', code: 'VALIDATION', reason: 'bad_checksum' },
      { row: null, column: null, message: '表头缺少“姓名”', code: 'VALIDATION', reason: 'VALIDATION' },
    ]);
  });
});
