// 信息公开 (no login): published exam notices and the certificate lookup (draw results: draws.ts).
import { api, unwrap } from './client';
import type { components, operations } from './schema';

export type PublicExamNotice = components['schemas']['ExamNoticeView'];
export type PublicNoticeQuery = NonNullable<operations['public_exam_notices']['parameters']['query']>;

export async function listPublicExamNotices(query: PublicNoticeQuery = {}) {
  return unwrap(await api.GET('/api/v1/public/exam-notices', { params: { query } }));
}

/**
 * One published notice. The contract has no public detail endpoint, so this reads the public
 * list (pages of 200) until it finds the id; null when it is not (or no longer) published.
 */
export async function findPublicExamNotice(id: string): Promise<PublicExamNotice | null> {
  for (let page = 1; page <= 50; page++) {
    const data = await listPublicExamNotices({ page, page_size: 200 });
    const hit = data.items.find((n) => n.id === id);
    if (hit) return hit;
    if (page * 200 >= data.total || data.items.length === 0) return null;
  }
  return null;
}

export type PublicCertificate = components['schemas']['PublicCertificate'];
export type CertificateValidity = components['schemas']['CertificateValidity'];
export type CertificateLookupResult = components['schemas']['LookupResult'];
export type CertificateQuery = NonNullable<operations['public_lookup']['parameters']['query']>;
export type CertificateByIdRequest = components['schemas']['LookupByIdRequest'];

/**
 * 证书查询 by number (SPEC §6): the number alone answers `validity` only (valid or revoked, never
 * whose); with the holder's name or the QR code's verification `code` the record in `items`.
 * A miss is a 404 problem.
 */
export async function lookupCertificate(query: CertificateQuery) {
  return unwrap(await api.GET('/api/v1/public/certificates', { params: { query } }));
}

/** 证书查询 by name + full ID number: sent in the body, never in a URL. A miss is a 404 problem. */
export async function lookupCertificateById(body: CertificateByIdRequest) {
  return unwrap(await api.POST('/api/v1/public/certificates/lookup', { body }));
}
