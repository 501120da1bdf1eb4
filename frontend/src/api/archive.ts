// 归档 (SPEC §6): a completed batch sealed into one zip (stored by its SHA-256; the batch becomes
// read only), its metadata and the download; and 证书上报, the national export of published
// certificates between two issue dates (full ID numbers, 信息部 only, audited).
import { api, unwrap } from './client';
import { downloadFile } from './download';
import type { components } from './schema';

type Schemas = components['schemas'];
export type Archive = Schemas['ArchiveView'];
export type LaterRevocation = Schemas['LaterRevocation'];

/** 归档: 201 with the metadata; 409 BATCH_NOT_COMPLETED / BATCH_ARCHIVED. */
export async function archiveBatch(batchId: string, idempotencyKey: string) {
  return unwrap(
    await api.POST('/api/v1/batches/{id}/archive', {
      params: { path: { id: batchId }, header: { 'Idempotency-Key': idempotencyKey } },
    }),
  );
}

/** The archive's metadata (404 while the batch is not archived). */
export async function getArchive(batchId: string) {
  return unwrap(await api.GET('/api/v1/batches/{id}/archive', { params: { path: { id: batchId } } }));
}

/** Saves the archive zip. */
export function downloadArchive(batchId: string, fallbackName: string): Promise<boolean> {
  return downloadFile(`/api/v1/batches/${encodeURIComponent(batchId)}/archive/zip`, fallbackName);
}

export type ExportFormat = 'csv' | 'xlsx';

/** The national export's path for an issue-date range (both `YYYY-MM-DD`, inclusive). */
export function exportPath(from: string, to: string, format: ExportFormat): string {
  const query = new URLSearchParams({ from, to, format });
  return `/api/v1/certificates/export?${query.toString()}`;
}

/** Saves the national export (CSV or .xlsx). */
export function downloadExport(from: string, to: string, format: ExportFormat, fallbackName: string): Promise<boolean> {
  return downloadFile(exportPath(from, to, format), fallbackName);
}
