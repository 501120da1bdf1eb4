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
export type CertificateQuery = NonNullable<operations['public_lookup']['parameters']['query']>;

/** 证书查询: by number, or by name + full ID number (SPEC §6). A miss is a 404 problem. */
export async function lookupCertificate(query: CertificateQuery) {
  return unwrap(await api.GET('/api/v1/public/certificates', { params: { query } }));
}
