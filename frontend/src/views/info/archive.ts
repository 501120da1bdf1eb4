// Pure helpers of 归档 and 证书上报 (信息部, SPEC §6): the archive metadata as the page shows it,
// when the 归档 button applies, and the national export's date range check (at most 366 days,
// both ends counted, as the server checks). No Vue, no API calls: tests/info-archive.test.ts.
import type { Archive } from '@/api/archive';
import { daysBetween, dateTime, fileSize } from '@/utils/dates';

/** The most days one export may span, both ends counted (the server answers 422 beyond). */
export const EXPORT_MAX_DAYS = 366;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

function validDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const [y, m, d] = value.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

/** Days an issue-date range covers, both ends counted (`2026-01-01`..`2026-01-01` is 1). */
export function rangeDays(from: string, to: string): number {
  return daysBetween(from, to) + 1;
}

/** Why the export range cannot be sent; null when fine. */
export function exportRangeProblem(from: string | null | undefined, to: string | null | undefined): string | null {
  if (!from || !to) return '请选择发证日期范围（起止日期）';
  if (!validDate(from) || !validDate(to)) return '日期格式应为 YYYY-MM-DD';
  const days = rangeDays(from, to);
  if (days < 1) return '结束日期不能早于开始日期';
  if (days > EXPORT_MAX_DAYS) return `一次最多导出 ${EXPORT_MAX_DAYS} 天（当前 ${days} 天），请缩短日期范围或分次导出`;
  return null;
}

/** The default range: the first day of `today`'s month to `today`. */
export function defaultExportRange(today: string): [string, string] {
  return [`${today.slice(0, 8)}01`, today];
}

/** `证书上报-20260101-20260131.csv`, used when the server sends no file name. */
export function exportFileName(from: string, to: string, format: 'csv' | 'xlsx'): string {
  return `证书上报-${from.replace(/-/g, '')}-${to.replace(/-/g, '')}.${format}`;
}

/** Whether the 信息部 can archive the batch now: only a `completed` batch (certificates published). */
export function canArchive(status: string): boolean {
  return status === 'completed';
}

/** A SHA-256 hex in groups of 8 for reading aloud / comparing by eye. */
export function groupedHash(hex: string): string {
  return (hex.match(/.{1,8}/g) ?? []).join(' ');
}

/** One line per metadata field, in the order the page shows them. */
export interface ArchiveFact {
  label: string;
  value: string;
  mono?: boolean;
}

export function archiveFacts(archive: Archive): ArchiveFact[] {
  const facts: ArchiveFact[] = [
    { label: '归档时间', value: `${dateTime(archive.created_at)}${archive.created_by_name ? `（${archive.created_by_name}）` : ''}` },
    { label: 'SHA-256', value: archive.sha256, mono: true },
    { label: '文件数', value: `${archive.file_count} 个（含 manifest.json 与 MANIFEST.sha256）` },
    { label: '归档包大小', value: `${fileSize(archive.size)}（${archive.size.toLocaleString('en-US')} 字节）` },
    { label: '格式', value: archive.format, mono: true },
  ];
  return facts;
}

/** `归档-批次ABCD1234.zip`, used when the server sends no file name. */
export function archiveFileName(batchNo: string): string {
  return `归档-批次${batchNo}.zip`;
}
