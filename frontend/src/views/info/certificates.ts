// Pure helpers of the 信息部's 证书管理 pages (SPEC §6): certificate status labels, where a batch
// stands in 证书发放 (to issue, to publish, published), the issued number ranges in words, and
// the revocation reason check. No Vue, no API calls: tested in tests/info-certificates.test.ts.
import type { Batch } from '@/api/batches';
import type { NumberRange } from '@/api/certificates';
import { LEVEL_NAMES } from '@/utils/labels';

type TagType = 'primary' | 'success' | 'warning' | 'danger' | 'info';

/** The API's certificate status codes (`issued`, `published`, `revoked`) in Chinese, with a tag colour. */
export const CERTIFICATE_STATUS: Record<string, { label: string; tag: TagType }> = {
  issued: { label: '已发放', tag: 'primary' },
  published: { label: '已上网', tag: 'success' },
  revoked: { label: '已撤销', tag: 'danger' },
};

export function certificateStatus(code: string): { label: string; tag: TagType } {
  return CERTIFICATE_STATUS[code] ?? { label: code, tag: 'info' };
}

/**
 * Where a batch stands in 证书发放:
 *  - `not_open`: the issuance step is not open yet (certificate / data-audit step not approved);
 *  - `to_issue`: open, no certificate yet — the 信息部 issues;
 *  - `to_publish`: certificates issued, the batch still 证书办理中 — print, then publish;
 *  - `done`: published online (the batch is completed, or archived).
 */
export type IssuancePhase = 'not_open' | 'to_issue' | 'to_publish' | 'done';

export function issuancePhase(batch: Pick<Batch, 'status' | 'steps'>, certificates: number): IssuancePhase {
  if (batch.status === 'completed' || batch.status === 'archived') return 'done';
  const issuance = batch.steps.find((s) => s.step === 'issuance');
  const open = issuance !== undefined && (issuance.state === 'draft' || issuance.state === 'submitted');
  if (certificates > 0) return open ? 'to_publish' : 'done';
  return open ? 'to_issue' : 'not_open';
}

export const PHASE_NAMES: Record<IssuancePhase, string> = {
  not_open: '未到发证环节',
  to_issue: '待发证',
  to_publish: '已发证，待上网',
  done: '已上网',
};

export const PHASE_TAG: Record<IssuancePhase, TagType> = {
  not_open: 'info',
  to_issue: 'warning',
  to_publish: 'primary',
  done: 'success',
};

/** `五级/初级工：S…0001 至 S…0003（3 本）`; a single number without "至". */
export function describeRange(range: NumberRange): string {
  const level = LEVEL_NAMES[range.level] ?? `${range.level}级`;
  const span = range.first === range.last ? range.first : `${range.first} 至 ${range.last}`;
  return `${level}：${span}（${range.count} 本）`;
}

/** Why a revocation reason cannot be sent (the server: required, at most 500 characters); null when fine. */
export function revokeReasonProblem(reason: string): string | null {
  const text = reason.trim();
  if (!text) return '请填写撤销原因，公众查询时会显示该原因';
  if ([...text].length > 500) return `撤销原因不超过 500 字（当前 ${[...text].length} 字）`;
  return null;
}

/** The short batch number institutions and reviewers see: the random tail of the UUIDv7. */
export function batchNo(id: string): string {
  return id.replace(/-/g, '').slice(-8).toUpperCase();
}
