// The inspector's report form, checked before it is sent (SPEC §7: rating, findings, PDFs); the
// server checks it all again and checks each PDF for real (SPEC §9).
import type { InspectionRating } from '@/utils/inspection';

export const MAX_FILES = 5;
export const MAX_TOTAL_BYTES = 20 * 1024 * 1024;
export const MAX_FINDINGS_CHARS = 10_000;

export interface ReportDraft {
  rating: InspectionRating | '';
  findings: string;
  files: { name: string; type: string; size: number }[];
}

export type CheckedReport<F> =
  | { ok: true; report: { rating: InspectionRating; findings: string; files: F[] } }
  | { ok: false; errors: Record<string, string> };

function looksPdf(file: { name: string; type: string }): boolean {
  return file.type === 'application/pdf' || file.name.toLowerCase().endsWith('.pdf');
}

export function checkReport<F extends { name: string; type: string; size: number }>(draft: {
  rating: InspectionRating | '';
  findings: string;
  files: F[];
}): CheckedReport<F> {
  const errors: Record<string, string> = {};
  if (!draft.rating) errors.rating = '请选择督导评价';
  const findings = draft.findings.trim();
  if (!findings) errors.findings = '请填写督导发现';
  else if ([...findings].length > MAX_FINDINGS_CHARS) errors.findings = `督导发现最多 ${MAX_FINDINGS_CHARS} 个字符`;
  if (draft.files.length === 0) errors.file = '请上传督导报告 PDF';
  else if (draft.files.length > MAX_FILES) errors.file = `最多上传 ${MAX_FILES} 个 PDF 文件`;
  else {
    const notPdf = draft.files.filter((f) => !looksPdf(f)).map((f) => f.name);
    if (notPdf.length) errors.file = `不是 PDF 文件：${notPdf.join('、')}`;
    else if (draft.files.reduce((sum, f) => sum + f.size, 0) > MAX_TOTAL_BYTES) errors.file = '文件合计超过 20 MB，请压缩后再上传';
  }
  if (Object.keys(errors).length > 0 || !draft.rating) return { ok: false, errors };
  return { ok: true, report: { rating: draft.rating, findings, files: draft.files } };
}
