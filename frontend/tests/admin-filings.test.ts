// Filing scope editor rows ↔ the API's flat filings (views/admin/filings.ts).
import { describe, expect, it } from 'vitest';
import type { components } from '@/api/schema';
import { emptyRows, filingInputs, filingRows, newFilingRow } from '@/views/admin/filings';

type FilingView = components['schemas']['FilingView'];
type Occupation = components['schemas']['OccupationView'];

const catalogue: Occupation[] = [
  { code: '6-31-01-03', name: '电工', levels: [5, 4, 3, 2, 1], has_review: true },
  { code: '4-10-01-02', name: '育婴员', levels: [5, 4, 3], has_review: false },
];

const filings: FilingView[] = [
  { occupation_code: '6-31-01-03', occupation_name: '电工', level: 3, level_name: '三级/高级工' },
  { occupation_code: '4-10-01-02', occupation_name: '育婴员', level: 5, level_name: '五级/初级工' },
  { occupation_code: '6-31-01-03', occupation_name: '电工', level: 5, level_name: '五级/初级工' },
  { occupation_code: '6-31-01-03', occupation_name: '电工', level: 5, level_name: '五级/初级工' },
  { occupation_code: '9-99-99-99', occupation_name: '已删除职业', level: 4, level_name: '四级/中级工' },
];

describe('filing rows', () => {
  it('groups levels per occupation, highest number first, with the catalogue levels allowed', () => {
    expect(filingRows(filings, catalogue)).toEqual([
      { occupation_code: '6-31-01-03', occupation_name: '电工', levels: [5, 3], allowed: [5, 4, 3, 2, 1] },
      { occupation_code: '4-10-01-02', occupation_name: '育婴员', levels: [5], allowed: [5, 4, 3] },
      { occupation_code: '9-99-99-99', occupation_name: '已删除职业', levels: [4], allowed: [5, 4, 3, 2, 1] },
    ]);
  });

  it('turns rows back into one filing per ticked level and drops empty rows', () => {
    const rows = filingRows(filings, catalogue);
    rows[1].levels = [];
    rows.push({ ...newFilingRow(catalogue[1]), levels: [3, 4, 4] });
    expect(filingInputs(rows)).toEqual([
      { occupation_code: '6-31-01-03', level: 5 },
      { occupation_code: '6-31-01-03', level: 3 },
      { occupation_code: '9-99-99-99', level: 4 },
      { occupation_code: '4-10-01-02', level: 4 },
      { occupation_code: '4-10-01-02', level: 3 },
    ]);
    expect(emptyRows(rows)).toEqual(['育婴员']);
    expect(emptyRows([newFilingRow(catalogue[0])])).toEqual(['电工']);
  });
});
