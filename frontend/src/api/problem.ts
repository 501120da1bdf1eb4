// Showing the server's problem+json to people (SPEC §8): its Chinese `title`, and each
// violation's Chinese `message` — in a notification, and next to the form field or material the
// violation's `field` names (`occupations[0].level`, `rows[12].证件号码`, `exam_start`, …).
import { ElMessage, ElNotification } from 'element-plus';
import { h } from 'vue';
import { ApiProblem, type Violation } from './client';

/** Any thrown value as an ApiProblem (a programming error becomes a generic one). */
export function asProblem(error: unknown): ApiProblem {
  if (error instanceof ApiProblem) return error;
  return new ApiProblem({
    status: 0,
    code: 'CLIENT',
    title: '操作失败',
    detail: error instanceof Error ? error.message : String(error),
  });
}

/** The lines a person reads: each violation's message, or the detail when there is none. */
export function problemLines(problem: ApiProblem): string[] {
  if (problem.violations.length > 0) return problem.violations.map((v) => v.message);
  return problem.detail && problem.detail !== problem.title ? [problem.detail] : [];
}

/**
 * Shows an error: a short message when there is nothing more than a title, a notification with
 * every violation otherwise. Returns the ApiProblem so callers can also map its fields.
 */
export function showProblem(error: unknown): ApiProblem {
  const problem = asProblem(error);
  const lines = problemLines(problem);
  if (lines.length === 0) {
    ElMessage({ type: 'error', message: problem.title, showClose: true, duration: 5000 });
    return problem;
  }
  ElNotification({
    type: 'error',
    title: problem.title,
    duration: lines.length > 3 ? 0 : 8000,
    message: h(
      'ul',
      { class: 'problem-lines' },
      lines.map((line) => h('li', line)),
    ),
  });
  return problem;
}

/**
 * `occupations[0].level` → `occupations.0.level`: the server names fields the way JSON Pointer
 * readers write them; Element Plus form items address nested values with dots.
 */
export function toFormProp(field: string): string {
  return field.replace(/\[(\d+)\]/g, '.$1').replace(/^\./, '');
}

/** Violations grouped by field (form-prop form); those without a field under ''. */
export function violationsByField(problem: ApiProblem | null | undefined): Record<string, Violation[]> {
  const out: Record<string, Violation[]> = {};
  for (const violation of problem?.violations ?? []) {
    const key = violation.field ? toFormProp(violation.field) : '';
    (out[key] ??= []).push(violation);
  }
  return out;
}

/** Messages for the form: `{ 'occupations.0.level': '…；…' }`, for ElFormItem `:error`. */
export function fieldErrors(problem: ApiProblem | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, list] of Object.entries(violationsByField(problem))) {
    if (field) out[field] = list.map((v) => v.message).join('；');
  }
  return out;
}

/** The messages for one field and everything under it (`occupations` also gets `occupations.0.level`). */
export function messagesUnder(problem: ApiProblem | null | undefined, prefix: string): string[] {
  const want = toFormProp(prefix);
  return (problem?.violations ?? [])
    .filter((v) => {
      if (!v.field) return false;
      const field = toFormProp(v.field);
      return field === want || field.startsWith(`${want}.`);
    })
    .map((v) => v.message);
}

/** Violations whose field no form item shows (so the page lists them above the form). */
export function unplacedViolations(problem: ApiProblem | null | undefined, shownFields: string[]): Violation[] {
  const shown = shownFields.map(toFormProp);
  return (problem?.violations ?? []).filter((v) => {
    if (!v.field) return true;
    const field = toFormProp(v.field);
    return !shown.some((s) => field === s || field.startsWith(`${s}.`));
  });
}

/**
 * Row problems of an import (`rows[12].证件号码`): row number, column and message, for a table
 * of bad rows. `details.row` wins over the field when the server gives both.
 */
export function rowIssues(
  problem: ApiProblem,
): { row: number | null; column: string | null; message: string; code: string; reason: string }[] {
  return problem.violations.map((v) => {
    const match = v.field ? /^rows\[(\d+)\](?:\.(.+))?$/.exec(v.field) : null;
    const details: Record<string, unknown> = v.details;
    const detailRow = typeof details.row === 'number' ? details.row : null;
    return {
      row: detailRow ?? (match ? Number(match[1]) : null),
      column: match?.[2] ?? (typeof details.column === 'string' ? details.column : null),
      message: v.message,
      code: v.code,
      reason: typeof details.reason === 'string' ? details.reason : v.code,
    };
  });
}
