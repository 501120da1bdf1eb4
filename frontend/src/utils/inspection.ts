// 外部质量督导 (SPEC §7): the Chinese names of draw modes, statuses and report ratings, as the
// domain crate names them (backend/domain/src/enums.rs), and small display helpers.
import type { components } from '@/api/schema';

type Schemas = components['schemas'];
export type InspectionMode = Schemas['InspectionMode'];
export type InspectionRating = Schemas['InspectionRating'];

export const MODE_NAMES: Record<InspectionMode, string> = {
  on_site: '现场督导',
  remote_video: '远程视频督导',
  spot_check: '抽查',
};

export const RATING_NAMES: Record<InspectionRating, string> = {
  good: '良好',
  acceptable: '合格',
  poor: '不合格',
};

export const RATING_TAG: Record<InspectionRating, 'success' | 'warning' | 'danger'> = {
  good: 'success',
  acceptable: 'warning',
  poor: 'danger',
};

export const DRAW_STATUS_NAMES: Record<string, string> = {
  committed: '已公布种子承诺，待抽取',
  drawn: '已抽取并公开',
};

/** The steps a draw's batch pool can be narrowed to (those under supervision). */
export const DRAW_STEP_OPTIONS: { value: string; label: string }[] = [
  { value: 'supervision', label: '外部质量督导（社会培训评价组织）' },
  { value: 'data_audit', label: '证书数据审核（自主认定，可现场抽查）' },
  { value: 'registration', label: '考试报名' },
  { value: 'arrangement', label: '考务安排' },
  { value: 'certificate', label: '证书管理' },
  { value: 'materials', label: '上传材料' },
];

/** A long hex digest shortened for a table cell: the head and the tail. */
export function shortHash(hex: string | null | undefined, keep = 10): string {
  if (!hex) return '—';
  return hex.length <= keep * 2 + 1 ? hex : `${hex.slice(0, keep)}…${hex.slice(-keep)}`;
}

/** Exam dates as one text: a single day, or "from 至 to". */
export function examDates(start: string, end: string): string {
  return !end || end === start ? start : `${start} 至 ${end}`;
}
