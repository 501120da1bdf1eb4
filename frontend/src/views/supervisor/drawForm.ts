// The supervisor's draw form → NewDraw (POST /api/v1/draws), checked before it is sent so the
// obvious mistakes show beside their fields; the server checks everything again (422).
import type { BatchPoolFilter, NewDraw } from '@/api/draws';
import type { InspectionMode } from '@/utils/inspection';

export const MAX_BATCH_COUNT = 500;
export const MAX_INSPECTORS_PER_BATCH = 10;

export interface DrawForm {
  title: string;
  mode: InspectionMode;
  kind: string;
  region: string;
  /** [from, to] as YYYY-MM-DD, or null for any date. */
  examRange: [string, string] | null;
  step: string;
  /** Every active inspector, or only `inspectorIds`. */
  allInspectors: boolean;
  inspectorIds: string[];
  batchCount: number | null;
  inspectorsPerBatch: number | null;
}

export function emptyDrawForm(): DrawForm {
  return {
    title: '',
    mode: 'on_site',
    kind: '',
    region: '',
    examRange: null,
    step: '',
    allInspectors: true,
    inspectorIds: [],
    batchCount: 3,
    inspectorsPerBatch: 2,
  };
}

export type BuiltDraw = { ok: true; body: NewDraw } | { ok: false; errors: Record<string, string> };

function wholeIn(value: number | null, min: number, max: number): value is number {
  return value !== null && Number.isInteger(value) && value >= min && value <= max;
}

export function buildDraw(form: DrawForm): BuiltDraw {
  const errors: Record<string, string> = {};
  const title = form.title.trim();
  if (!title) errors.title = '请填写抽查名称';
  else if ([...title].length > 200) errors.title = '抽查名称最多 200 个字符';
  if (!wholeIn(form.batchCount, 1, MAX_BATCH_COUNT)) errors.batch_count = `抽取批次数应为 1–${MAX_BATCH_COUNT} 的整数`;
  if (!wholeIn(form.inspectorsPerBatch, 1, MAX_INSPECTORS_PER_BATCH)) {
    errors.inspectors_per_batch = `每个批次的督导人员数应为 1–${MAX_INSPECTORS_PER_BATCH} 的整数`;
  }
  if (!form.allInspectors && form.inspectorIds.length === 0) errors.inspector_ids = '请至少选择一名质量督导员';
  if (form.examRange && form.examRange[0] > form.examRange[1]) errors['batch_filter.exam_to'] = '结束日不能早于开始日';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const batch_filter: BatchPoolFilter = {};
  if (form.kind) batch_filter.kind = form.kind;
  if (form.region) batch_filter.region = form.region;
  if (form.examRange) {
    batch_filter.exam_from = form.examRange[0];
    batch_filter.exam_to = form.examRange[1];
  }
  if (form.step) batch_filter.step = form.step;
  const body: NewDraw = {
    title,
    mode: form.mode,
    batch_filter,
    batch_count: form.batchCount as number,
    inspectors_per_batch: form.inspectorsPerBatch as number,
  };
  if (!form.allInspectors) body.inspector_ids = [...new Set(form.inspectorIds)];
  return { ok: true, body };
}
