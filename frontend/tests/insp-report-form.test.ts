// The inspector's report form (views/inspector/reportForm.ts).
import { describe, expect, it } from 'vitest';
import { checkReport, MAX_TOTAL_BYTES } from '@/views/inspector/reportForm';

const pdf = (name: string, size = 1000) => ({ name, type: 'application/pdf', size });

describe('checkReport', () => {
  it('accepts a rating, trimmed findings and PDFs', () => {
    const checked = checkReport({ rating: 'good', findings: '  考场秩序良好。 ', files: [pdf('报告.pdf'), { name: 'b.PDF', type: '', size: 5 }] });
    expect(checked).toEqual({
      ok: true,
      report: { rating: 'good', findings: '考场秩序良好。', files: [pdf('报告.pdf'), { name: 'b.PDF', type: '', size: 5 }] },
    });
  });

  it('names every missing part', () => {
    const checked = checkReport({ rating: '', findings: '   ', files: [] });
    expect(checked.ok).toBe(false);
    expect(!checked.ok && Object.keys(checked.errors).sort()).toEqual(['file', 'findings', 'rating']);
  });

  it('refuses what is not a PDF, too many files and too many bytes', () => {
    const notPdf = checkReport({ rating: 'poor', findings: 'x', files: [{ name: '照片.jpg', type: 'image/jpeg', size: 10 }] });
    expect(!notPdf.ok && notPdf.errors.file).toContain('照片.jpg');
    const many = checkReport({ rating: 'poor', findings: 'x', files: Array.from({ length: 6 }, (_, i) => pdf(`${i}.pdf`)) });
    expect(!many.ok && many.errors.file).toContain('最多');
    const big = checkReport({ rating: 'poor', findings: 'x', files: [pdf('a.pdf', MAX_TOTAL_BYTES), pdf('b.pdf', 1)] });
    expect(!big.ok && big.errors.file).toContain('20 MB');
    const long = checkReport({ rating: 'acceptable', findings: '督'.repeat(10_001), files: [pdf('a.pdf')] });
    expect(!long.ok && long.errors.findings).toContain('10000');
  });
});
