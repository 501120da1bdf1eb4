// Dashboard figures → chart data (views/supervisor/charts.ts).
import { describe, expect, it } from 'vitest';
import type { components } from '@/api/schema';
import { STATUS_COLORS, isRateAnomaly, passRateBars, statusSlices, stepKindBars } from '@/views/supervisor/charts';

type Schemas = components['schemas'];

describe('batches by step and kind', () => {
  const rows: Schemas['StepCount'][] = [
    { kind: 'social_training', kind_name: '社会培训评价组织', step: 'plan', step_name: '制定计划', count: 2 },
    { kind: 'employer', kind_name: '省管用人单位评价机构', step: 'registration', step_name: '考试报名', count: 1 },
    { kind: 'social_training', kind_name: '社会培训评价组织', step: null, step_name: '已办结', count: 3 },
    { kind: 'social_training', kind_name: '社会培训评价组织', step: 'certificate', step_name: '证书管理', count: 4 },
    { kind: 'employer', kind_name: '省管用人单位评价机构', step: 'plan', step_name: '制定计划', count: 5 },
  ];

  it('orders the steps as a batch walks them, done last, and stacks one series per kind', () => {
    expect(stepKindBars(rows)).toEqual({
      categories: ['制定计划', '考试报名', '证书管理', '已办结'],
      series: [
        { kind: 'social_training', name: '社会培训评价组织', data: [2, 0, 4, 3] },
        { kind: 'employer', name: '省管用人单位评价机构', data: [5, 1, 0, 0] },
      ],
    });
  });

  it('is empty without batches', () => {
    expect(stepKindBars([])).toEqual({ categories: [], series: [] });
  });
});

describe('batches by status', () => {
  it('drops empty statuses and puts the biggest first', () => {
    expect(
      statusSlices([
        { status: 'in_progress', status_name: '办理中', count: 3 },
        { status: 'returned', status_name: '已退回', count: 0 },
        { status: 'under_review', status_name: '待审核', count: 7 },
      ]),
    ).toEqual([
      { name: '待审核', value: 7, itemStyle: { color: STATUS_COLORS.under_review } },
      { name: '办理中', value: 3, itemStyle: { color: STATUS_COLORS.in_progress } },
    ]);
  });
});

describe('pass rates', () => {
  const rows: Schemas['PassRate'][] = [
    { institution_id: 'a', institution_name: '甲', assessed: 40, passed: 39, rate: 0.975 },
    { institution_id: 'b', institution_name: '乙', assessed: 20, passed: 8, rate: 0.4 },
    { institution_id: 'c', institution_name: '丙', assessed: 60, passed: 45, rate: 0.75 },
    { institution_id: 'd', institution_name: '丁', assessed: 0, passed: 0, rate: 0 },
    { institution_id: 'e', institution_name: '戊', assessed: 30, passed: 14, rate: 14 / 30 },
  ];

  it('applies PASS_RATE_ANOMALY: n ≥ 30 and above 95 % or below 50 %', () => {
    expect(isRateAnomaly(30, 0.96)).toBe(true);
    expect(isRateAnomaly(30, 0.95)).toBe(false);
    expect(isRateAnomaly(29, 0.2)).toBe(false);
    expect(isRateAnomaly(100, 0.5)).toBe(false);
    expect(isRateAnomaly(100, 0.499)).toBe(true);
  });

  it('lists assessed institutions lowest rate first, in percent with one decimal', () => {
    expect(passRateBars(rows)).toEqual([
      { name: '乙', value: 40, assessed: 20, passed: 8, anomaly: false },
      { name: '戊', value: 46.7, assessed: 30, passed: 14, anomaly: true },
      { name: '丙', value: 75, assessed: 60, passed: 45, anomaly: false },
      { name: '甲', value: 97.5, assessed: 40, passed: 39, anomaly: true },
    ]);
    expect(passRateBars(rows, 2).map((r) => r.name)).toEqual(['乙', '戊']);
  });
});
