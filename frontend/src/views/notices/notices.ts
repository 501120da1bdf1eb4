// Pure logic of the notices (消息通知) and of the deadline badges on batch lists (issue 6 deadline
// clock). The server decides what is approaching or passed (BatchView.deadlines.alerts, the same
// rule that writes the notices); this file only words and orders it.
import type { Batch } from '@/api/batches';
import type { Notice } from '@/api/notices';
import type { components } from '@/api/schema';
import type { Role } from '@/stores/auth';

export type DeadlineAlert = components['schemas']['DeadlineAlertView'];

/** Which roles have notices, and where their list lives. */
export const NOTICE_PAGES: Partial<Record<Role, string>> = {
  institution: '/inst/notices',
  supervisor: '/sup/notices',
};

export function hasNotices(role: Role | null | undefined): boolean {
  return !!role && role in NOTICE_PAGES;
}

const SHORT: Record<DeadlineAlert['kind'], string> = {
  arrangement: '考务安排',
  completion: '认定完成',
  year_end: '年度截止',
};

export interface AlertBadge {
  text: string;
  /** Element Plus tag type: red once passed, amber while approaching. */
  type: 'danger' | 'warning';
  /** The tooltip: the deadline in full. */
  title: string;
}

export function alertBadge(alert: DeadlineAlert): AlertBadge {
  const short = SHORT[alert.kind] ?? alert.kind_name;
  const title = `${alert.kind_name}：${alert.deadline}`;
  if (alert.state === 'passed') {
    return { text: `${short}已逾期 ${-alert.days_left} 天`, type: 'danger', title };
  }
  if (alert.days_left === 0) return { text: `${short}今日到期`, type: 'warning', title };
  return { text: `${short}剩 ${alert.days_left} 天`, type: 'warning', title };
}

/** The badges of a batch, the most pressing first (passed, then the nearest). */
export function batchBadges(batch: Pick<Batch, 'deadlines'>): AlertBadge[] {
  return [...(batch.deadlines.alerts ?? [])]
    .sort((a, b) => {
      if (a.state !== b.state) return a.state === 'passed' ? -1 : 1;
      return a.days_left - b.days_left;
    })
    .map(alertBadge);
}

/** The step a supervisor opens for a notice: the step the deadline is about, when the batch has
 * it; otherwise the batch's current step (or its first). */
export function supervisorStep(notice: Pick<Notice, 'deadline_kind'>, batch: Pick<Batch, 'steps' | 'current_step'>): string | null {
  const wanted = notice.deadline_kind === 'arrangement' ? 'arrangement' : notice.deadline_kind === 'completion' ? 'certificate' : null;
  if (wanted && batch.steps.some((s) => s.step === wanted)) return wanted;
  if (batch.current_step) return batch.current_step;
  return batch.steps.find((s) => !s.beside)?.step ?? null;
}

/** Whether a notice is about a change request of the batch's exam time or venue. */
export function isChangeRequest(notice: Pick<Notice, 'kind'>): boolean {
  return notice.kind.startsWith('change_request.');
}

/** Where an institution user goes from a notice: the batch, on its 变更申请 tab for a change. */
export function institutionLink(notice: Pick<Notice, 'batch_id' | 'kind'>): string | null {
  if (!notice.batch_id) return null;
  return isChangeRequest(notice) ? `/inst/batches/${notice.batch_id}?tab=changes` : `/inst/batches/${notice.batch_id}`;
}

/** The tag of a notice's kind. */
export function noticeTag(kind: string): { text: string; type: 'danger' | 'warning' | 'success' | 'info' } {
  switch (kind) {
    case 'deadline.passed':
      return { text: '已逾期', type: 'danger' };
    case 'deadline.approaching':
      return { text: '即将到期', type: 'warning' };
    case 'deadline.extended':
      return { text: '已延期', type: 'success' };
    case 'change_request.submitted':
      return { text: '变更申请', type: 'warning' };
    case 'change_request.approved':
      return { text: '变更已批准', type: 'success' };
    case 'change_request.rejected':
      return { text: '变更被驳回', type: 'danger' };
    default:
      return { text: '通知', type: 'info' };
  }
}

/** The bell's badge: the count, or `99+`; nothing at zero. */
export function badgeText(count: number): string {
  if (count <= 0) return '';
  return count > 99 ? '99+' : String(count);
}
