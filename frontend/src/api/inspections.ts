// 外部质量督导: the inspections a draw assigned, and the inspector's report (SPEC §7).
import { api, progressFetch, unwrap } from './client';
import type { components, operations } from './schema';

type Schemas = components['schemas'];
export type Inspection = Schemas['InspectionView'];
export type InspectionFile = Schemas['InspectionFileView'];
export type InspectionRating = Schemas['InspectionRating'];
export type InspectionQuery = NonNullable<operations['list_inspections']['parameters']['query']>;

export async function listInspections(query: InspectionQuery = {}) {
  return unwrap(await api.GET('/api/v1/inspections', { params: { query } }));
}

export async function getInspection(id: string) {
  return unwrap(await api.GET('/api/v1/inspections/{id}', { params: { path: { id } } }));
}

/** A batch's inspections and reports (the reviewer of the certificate / data-audit step). */
export async function batchInspections(batchId: string) {
  return unwrap(
    await api.GET('/api/v1/batches/{id}/inspections', { params: { path: { id: batchId }, query: { page_size: 200 } } }),
  );
}

/**
 * Files the report: rating, findings and the PDFs as one multipart request, with progress. The
 * generated body type names `file` strings (OpenAPI `format: binary`); the multipart body is
 * built from the real Files by `bodySerializer`.
 */
export async function fileReport(
  id: string,
  report: { rating: InspectionRating; findings: string; files: File[] },
  onProgress: (percent: number) => void,
  idempotencyKey: string,
) {
  const form: Schemas['ReportForm'] = {
    rating: report.rating,
    findings: report.findings,
    file: report.files.map((f) => f.name),
  };
  return unwrap(
    await api.POST('/api/v1/inspections/{id}/report', {
      params: { path: { id }, header: { 'Idempotency-Key': idempotencyKey } },
      body: form,
      bodySerializer: (body) => {
        const data = new FormData();
        data.append('rating', body.rating);
        data.append('findings', body.findings);
        for (const file of report.files) data.append('file', file, file.name);
        return data;
      },
      fetch: progressFetch(onProgress),
    }),
  );
}

/** Downloads a report PDF (with the bearer token, so not a plain link). */
export async function reportFileContent(inspectionId: string, fileId: string): Promise<Blob> {
  return unwrap(
    await api.GET('/api/v1/inspections/{id}/files/{file_id}/content', {
      params: { path: { id: inspectionId, file_id: fileId } },
      parseAs: 'blob',
    }),
  );
}
