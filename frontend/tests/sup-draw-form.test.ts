// The supervisor's draw form → NewDraw (views/supervisor/drawForm.ts).
import { describe, expect, it } from 'vitest';
import { buildDraw, emptyDrawForm } from '@/views/supervisor/drawForm';
import { examDates, shortHash } from '@/utils/inspection';

describe('buildDraw', () => {
  it('sends only the filters that are set, and the whole pool by default', () => {
    const form = { ...emptyDrawForm(), title: ' 2026年第一季度现场督导 ', region: '4103', step: 'supervision' };
    expect(buildDraw(form)).toEqual({
      ok: true,
      body: {
        title: '2026年第一季度现场督导',
        mode: 'on_site',
        batch_filter: { region: '4103', step: 'supervision' },
        batch_count: 3,
        inspectors_per_batch: 2,
      },
    });
  });

  it('sends a date range and a chosen inspector pool without repeats', () => {
    const form = {
      ...emptyDrawForm(),
      title: '三月抽查',
      mode: 'spot_check' as const,
      kind: 'social_training',
      examRange: ['2026-03-01', '2026-03-31'] as [string, string],
      allInspectors: false,
      inspectorIds: ['a', 'b', 'a'],
      batchCount: 5,
      inspectorsPerBatch: 1,
    };
    const built = buildDraw(form);
    expect(built.ok && built.body).toEqual({
      title: '三月抽查',
      mode: 'spot_check',
      batch_filter: { kind: 'social_training', exam_from: '2026-03-01', exam_to: '2026-03-31' },
      batch_count: 5,
      inspectors_per_batch: 1,
      inspector_ids: ['a', 'b'],
    });
  });

  it('names every mistake beside its field', () => {
    const form = {
      ...emptyDrawForm(),
      title: '  ',
      batchCount: 0,
      inspectorsPerBatch: 1.5,
      allInspectors: false,
      examRange: ['2026-04-01', '2026-03-01'] as [string, string],
    };
    const built = buildDraw(form);
    expect(built.ok).toBe(false);
    expect(!built.ok && Object.keys(built.errors).sort()).toEqual(
      ['batch_count', 'batch_filter.exam_to', 'inspector_ids', 'inspectors_per_batch', 'title'].sort(),
    );
    expect(buildDraw({ ...emptyDrawForm(), title: 'x', batchCount: null }).ok).toBe(false);
    expect(buildDraw({ ...emptyDrawForm(), title: 'x', batchCount: 501 }).ok).toBe(false);
    expect(buildDraw({ ...emptyDrawForm(), title: 'x', inspectorsPerBatch: 11 }).ok).toBe(false);
  });
});

describe('display helpers', () => {
  it('shortens digests and joins exam dates', () => {
    expect(shortHash('0123456789abcdef0123456789abcdef', 4)).toBe('0123…cdef');
    expect(shortHash('abc')).toBe('abc');
    expect(shortHash(null)).toBe('—');
    expect(examDates('2026-03-10', '2026-03-10')).toBe('2026-03-10');
    expect(examDates('2026-03-10', '2026-03-11')).toBe('2026-03-10 至 2026-03-11');
  });
});
