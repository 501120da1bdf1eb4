// Pure helpers of the public 证书查询 page: the certificate number and verification code a link or
// QR code carries (`/public/certificates?number=…&code=…`, the URL printed on every certificate,
// SPEC §6) and the verdict a visitor reads first (valid / revoked / signature not verified).
// Tested in tests/public-certificate-lookup.test.ts.
import type { CertificateValidity, PublicCertificate } from '@/api/publicApi';
import { dateTime } from '@/utils/dates';

type QueryValue = string | null | (string | null)[] | undefined;

/**
 * The number of `?number=`: the first value when repeated, without spaces (a number copied
 * from a printed certificate may carry them), upper case; null when absent or empty.
 */
export function numberFromQuery(query: Record<string, QueryValue>): string | null {
  const raw = query.number;
  const value = Array.isArray(raw) ? raw.find((v) => typeof v === 'string') : raw;
  if (typeof value !== 'string') return null;
  const number = value.replace(/[\s\u3000-]+/g, '').toUpperCase();
  return number === '' ? null : number;
}

/**
 * The verification code of `?code=` (the QR code's stand-in for the holder's name): the first
 * value, without spaces or dashes, upper case; null when absent or empty.
 */
export function codeFromQuery(query: Record<string, QueryValue>): string | null {
  const raw = query.code;
  const value = Array.isArray(raw) ? raw.find((v) => typeof v === 'string') : raw;
  if (typeof value !== 'string') return null;
  const code = value.replace(/[\s\u3000-]+/g, '').toUpperCase();
  return code === '' ? null : code;
}

export type VerdictTone = 'success' | 'error' | 'warning';

export interface Verdict {
  tone: VerdictTone;
  title: string;
  detail: string;
}

/**
 * What the answer means, worst first: a signature that does not verify makes the content
 * untrustworthy whatever its status; a revoked certificate is no longer valid; otherwise valid.
 */
export function verdict(c: Pick<PublicCertificate, 'status' | 'signature_valid' | 'revoked_at' | 'revoke_reason'>): Verdict {
  if (!c.signature_valid) {
    return {
      tone: 'error',
      title: '电子签名核验未通过，请勿采信',
      detail: '平台记录的证书内容与其电子签名不符，内容可能被篡改。请联系发证机构或河南省职业技能鉴定中心核实。',
    };
  }
  if (c.status === 'revoked') {
    const when = c.revoked_at ? `于 ${dateTime(c.revoked_at)} ` : '';
    return {
      tone: 'error',
      title: '证书已撤销',
      detail: `该证书已${when}撤销，不再有效。${c.revoke_reason ? `撤销原因：${c.revoke_reason}` : ''}`,
    };
  }
  return {
    tone: 'success',
    title: '证书有效 · 电子签名核验通过',
    detail: '该证书由平台发放并已上网公布，证书内容与平台电子签名一致。',
  };
}

/**
 * What a number alone answers (no name, no details): the same verdict, and a pointer to the
 * holder's name for the details.
 */
export function validityVerdict(v: CertificateValidity): Verdict {
  const base = verdict({ status: v.status, signature_valid: v.signature_valid, revoked_at: null, revoke_reason: null });
  if (base.tone !== 'success') return base;
  return {
    tone: 'success',
    title: '证书有效 · 电子签名核验通过',
    detail: '该编号是平台发放并已上网公布的有效证书。如需查看证书详情，请同时输入持证人姓名，或扫描证书上的二维码。',
  };
}
