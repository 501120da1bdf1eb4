// 材料: PDF uploads of a batch (SPEC §3 material kinds, §9 upload checks).
import { api, progressFetch, unwrap } from './client';
import type { components } from './schema';

type Schemas = components['schemas'];
export type Material = Schemas['MaterialView'];
export type MaterialKind = Schemas['MaterialKind'];

export async function listMaterials(batchId: string, includeHistory = false) {
  return unwrap(
    await api.GET('/api/v1/batches/{id}/materials', {
      params: { path: { id: batchId }, query: { include_history: includeHistory, page_size: 200 } },
    }),
  );
}

/**
 * Uploads one PDF with progress. The generated body type names `file` a string (OpenAPI
 * `format: binary`); the multipart body is built from the real File by `bodySerializer`.
 */
export async function uploadMaterial(
  batchId: string,
  kind: MaterialKind,
  file: File,
  onProgress: (percent: number) => void,
  idempotencyKey: string,
) {
  const form: Schemas['UploadMaterialForm'] = { kind, file: file.name };
  return unwrap(
    await api.POST('/api/v1/batches/{id}/materials', {
      params: { path: { id: batchId }, header: { 'Idempotency-Key': idempotencyKey } },
      body: form,
      bodySerializer: (body) => {
        const data = new FormData();
        data.append('kind', body.kind);
        data.append('file', file, file.name);
        return data;
      },
      fetch: progressFetch(onProgress),
    }),
  );
}

/** Downloads a stored PDF (with the bearer token, so not a plain link). */
export async function materialContent(materialId: string): Promise<Blob> {
  return unwrap(
    await api.GET('/api/v1/materials/{id}/content', { params: { path: { id: materialId } }, parseAs: 'blob' }),
  );
}
