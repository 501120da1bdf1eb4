// 考生与花名册: candidates, roster template/import/export, import jobs (SPEC §5).
import { api, progressFetch, unwrap } from './client';
import type { components, operations } from './schema';

type Schemas = components['schemas'];
export type Candidate = Schemas['CandidateView'];
export type CandidateInput = Schemas['CandidateInput'];
export type CandidatePatch = Schemas['CandidatePatch'];
export type ImportJob = Schemas['ImportJobView'];
export type ImportAccepted = Schemas['ImportAccepted'];
export type RowIssue = Schemas['RowIssue'];
export type ImportMode = NonNullable<NonNullable<operations['import_roster']['parameters']['query']>['mode']>;
export type CandidateQuery = NonNullable<operations['list_candidates']['parameters']['query']>;

export async function listCandidates(batchId: string, query: CandidateQuery = {}) {
  return unwrap(await api.GET('/api/v1/batches/{id}/candidates', { params: { path: { id: batchId }, query } }));
}

export async function createCandidate(batchId: string, body: CandidateInput, idempotencyKey: string) {
  return unwrap(
    await api.POST('/api/v1/batches/{id}/candidates', {
      params: { path: { id: batchId }, header: { 'Idempotency-Key': idempotencyKey } },
      body,
    }),
  );
}

export async function patchCandidate(id: string, body: CandidatePatch) {
  return unwrap(await api.PATCH('/api/v1/candidates/{id}', { params: { path: { id } }, body }));
}

export async function decideEligibility(id: string, body: Schemas['EligibilityInput']) {
  return unwrap(await api.POST('/api/v1/candidates/{id}/eligibility', { params: { path: { id } }, body }));
}

export async function withdrawCandidate(id: string, body: Schemas['WithdrawInput']) {
  return unwrap(await api.POST('/api/v1/candidates/{id}/withdraw', { params: { path: { id } }, body }));
}

export async function revealCandidate(id: string) {
  return unwrap(await api.POST('/api/v1/candidates/{id}/reveal', { params: { path: { id } } }));
}

export async function rosterTemplate(batchId: string): Promise<Blob> {
  return unwrap(
    await api.GET('/api/v1/batches/{id}/roster/template', { params: { path: { id: batchId } }, parseAs: 'blob' }),
  );
}

export async function exportRoster(batchId: string): Promise<Blob> {
  return unwrap(
    await api.GET('/api/v1/batches/{id}/candidates/export', { params: { path: { id: batchId } }, parseAs: 'blob' }),
  );
}

/**
 * Uploads a roster. A small file is answered at once (201: the finished job); a large one runs in
 * the background (202: poll `getImportJob`). Bad rows of a small file come back as a 422 problem
 * with `rows[N].列名` violations (thrown as ApiProblem).
 */
export async function importRoster(
  batchId: string,
  file: File,
  mode: ImportMode,
  onProgress: (percent: number) => void,
  idempotencyKey: string,
): Promise<ImportJob | ImportAccepted> {
  const form: Schemas['ImportRosterForm'] = { file: file.name, mode };
  return unwrap(
    await api.POST('/api/v1/batches/{id}/candidates/import', {
      params: { path: { id: batchId }, query: { mode }, header: { 'Idempotency-Key': idempotencyKey } },
      body: form,
      bodySerializer: () => {
        const data = new FormData();
        data.append('mode', mode);
        data.append('file', file, file.name);
        return data;
      },
      fetch: progressFetch(onProgress),
    }),
  );
}

export function isAccepted(value: ImportJob | ImportAccepted): value is ImportAccepted {
  return 'job_id' in value;
}

export async function getImportJob(id: string) {
  return unwrap(await api.GET('/api/v1/import-jobs/{id}', { params: { path: { id } } }));
}
