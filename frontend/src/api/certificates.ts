// 证书 (SPEC §6): a batch's certificates, issuance and publication (证书上网) by the 信息部,
// revocation with a reason, and the paths of the printable PDFs (fetched by download.ts).
import { api, unwrap } from './client';
import { openPdf } from './download';
import type { components, operations } from './schema';

type Schemas = components['schemas'];
export type Certificate = Schemas['CertificateView'];
export type IssueResult = Schemas['IssueResult'];
export type NumberRange = Schemas['NumberRange'];
export type PublishResult = Schemas['PublishResult'];
export type CertificateListQuery = NonNullable<operations['list']['parameters']['query']>;

export async function listCertificates(batchId: string, query: CertificateListQuery = {}) {
  return unwrap(await api.GET('/api/v1/batches/{id}/certificates', { params: { path: { id: batchId }, query } }));
}

/** How many certificates the batch holds (a page of one; `total` is what counts). */
export async function countCertificates(batchId: string): Promise<number> {
  return (await listCertificates(batchId, { page: 1, page_size: 1 })).total;
}

/** 合格人员: the candidates an issuance would certify, exactly (a page of one; `total`). */
export async function countQualified(batchId: string): Promise<number> {
  const data = unwrap(
    await api.GET('/api/v1/batches/{id}/results/qualified', { params: { path: { id: batchId }, query: { page: 1, page_size: 1 } } }),
  );
  return data.total;
}

/** Numbers every qualified candidate, once (409 when issued already or the step is not open). */
export async function issueCertificates(batchId: string) {
  return unwrap(await api.POST('/api/v1/batches/{id}/certificates/issue', { params: { path: { id: batchId } } }));
}

/** 证书上网: the issued certificates become visible to the public lookup; completes 证书发放. */
export async function publishCertificates(batchId: string) {
  return unwrap(await api.POST('/api/v1/batches/{id}/certificates/publish', { params: { path: { id: batchId } } }));
}

export async function revokeCertificate(id: string, reason: string) {
  return unwrap(await api.POST('/api/v1/certificates/{id}/revoke', { params: { path: { id } }, body: { reason } }));
}

/** One certificate's PDF (SPEC §6 printing), opened for printing. */
export function printCertificate(certificate: Pick<Certificate, 'id' | 'number'>): Promise<boolean> {
  return openPdf(`/api/v1/certificates/${encodeURIComponent(certificate.id)}/pdf`, 'certificate', `证书-${certificate.number}.pdf`);
}

/** Every certificate of the batch in one PDF, opened for printing. */
export function printBatchCertificates(batchId: string, fallbackName: string): Promise<boolean> {
  return openPdf(`/api/v1/batches/${encodeURIComponent(batchId)}/certificates/pdf`, 'batch', fallbackName);
}
