// 认定批次: batches, their steps, checklist, submission (SPEC §3, §4, §8).
import { api, unwrap } from './client';
import type { components, operations } from './schema';

type Schemas = components['schemas'];
export type Batch = Schemas['BatchView'];
export type BatchInput = Schemas['BatchInput'];
export type BatchPatch = Schemas['BatchPatch'];
export type Checklist = Schemas['ChecklistView'];
export type StepChecklist = Schemas['StepChecklistView'];
export type RuleCheck = Schemas['RuleCheckView'];
export type MaterialCheck = Schemas['MaterialCheckView'];
export type StepView = Schemas['StepView'];
export type Deadlines = Schemas['DeadlinesView'];
export type Step = Schemas['Step'];
export type BatchQuery = NonNullable<operations['list_batches']['parameters']['query']>;

export async function listBatches(query: BatchQuery = {}) {
  return unwrap(await api.GET('/api/v1/batches', { params: { query } }));
}

/** Every batch the caller sees (pages of 200), for dashboards. */
export async function listAllBatches(query: BatchQuery = {}): Promise<Batch[]> {
  const out: Batch[] = [];
  for (let page = 1; ; page++) {
    const data = await listBatches({ ...query, page, page_size: 200 });
    out.push(...data.items);
    if (out.length >= data.total || data.items.length === 0) return out;
  }
}

export async function getBatch(id: string) {
  return unwrap(await api.GET('/api/v1/batches/{id}', { params: { path: { id } } }));
}

export async function createBatch(body: BatchInput, idempotencyKey: string) {
  return unwrap(
    await api.POST('/api/v1/batches', { body, params: { header: { 'Idempotency-Key': idempotencyKey } } }),
  );
}

export async function patchBatch(id: string, body: BatchPatch) {
  return unwrap(await api.PATCH('/api/v1/batches/{id}', { params: { path: { id } }, body }));
}

export async function getChecklist(id: string) {
  return unwrap(await api.GET('/api/v1/batches/{id}/checklist', { params: { path: { id } } }));
}

export async function submitStep(id: string, step: Step) {
  return unwrap(await api.POST('/api/v1/batches/{id}/steps/{step}/submit', { params: { path: { id, step } } }));
}

/** The step the institution works on now: the first in draft or returned (not the beside one). */
export function openStep(batch: Batch): StepView | undefined {
  return batch.steps.find((s) => !s.beside && (s.state === 'draft' || s.state === 'returned'));
}

/** The step to show as "where the batch is": open, else submitted, else the last approved. */
export function currentStep(batch: Batch): StepView | undefined {
  const inSequence = batch.steps.filter((s) => !s.beside);
  if (batch.current_step) {
    const hit = inSequence.find((s) => s.step === batch.current_step);
    if (hit) return hit;
  }
  return (
    inSequence.find((s) => s.state === 'draft' || s.state === 'returned' || s.state === 'submitted') ??
    [...inSequence].reverse().find((s) => s.state === 'approved') ??
    inSequence[0]
  );
}
