// The supervision dashboard's charts (GET /stats/overview): the API's figures shaped into
// echarts options — batches by step and kind (stacked bars in process order), by status (a
// ring), and per-institution pass rates (bars, PASS_RATE_ANOMALY's bounds marked, SPEC §5).
import type { components } from '@/api/schema';
import { STEP_NAMES, type Step } from '@/utils/labels';

type Schemas = components['schemas'];
type StepCount = Schemas['StepCount'];
type StatusCount = Schemas['StatusCount'];
type PassRate = Schemas['PassRate'];

/** The order a batch walks through, then done (no current step). */
const STEP_ORDER: Step[] = ['plan', 'registration', 'arrangement', 'supervision', 'certificate', 'materials', 'data_audit', 'issuance'];
const DONE = '已办结';

export interface StackedBars {
  categories: string[];
  series: { kind: string; name: string; data: number[] }[];
}

/** One colour per institution kind, the same on every chart. */
export const KIND_COLORS: Record<string, string> = {
  employer: '#2f6fbf',
  social_training: '#e6a23c',
  tech_school: '#67c23a',
};

/** Batches by current step (x, process order; only steps that occur) and kind (one series each). */
export function stepKindBars(rows: StepCount[]): StackedBars {
  const stepKey = (row: StepCount) => row.step ?? null;
  const present = new Set(rows.map(stepKey));
  const steps: (Step | null)[] = [...STEP_ORDER.filter((s) => present.has(s)), ...(present.has(null) ? [null] : [])];
  const kinds = new Map<string, string>();
  for (const row of rows) if (!kinds.has(row.kind)) kinds.set(row.kind, row.kind_name);
  const series = [...kinds].map(([kind, name]) => ({
    kind,
    name,
    data: steps.map((step) => rows.filter((r) => r.kind === kind && stepKey(r) === step).reduce((n, r) => n + r.count, 0)),
  }));
  return { categories: steps.map((s) => (s ? STEP_NAMES[s] : DONE)), series };
}

/** One colour per batch status, the same on every chart (BatchView.status codes). */
export const STATUS_COLORS: Record<string, string> = {
  in_progress: '#2f6fbf',
  under_review: '#e6a23c',
  returned: '#f56c6c',
  issuing: '#67c23a',
  completed: '#909399',
  archived: '#606266',
};

export interface Slice {
  name: string;
  value: number;
  itemStyle: { color: string };
}

/** Ring slices, biggest first, empty statuses left out, each in its status colour. */
export function statusSlices(rows: StatusCount[]): Slice[] {
  return rows
    .filter((r) => r.count > 0)
    .map((r) => ({ name: r.status_name, value: r.count, itemStyle: { color: STATUS_COLORS[r.status] ?? '#b1b3b8' } }))
    .sort((a, b) => b.value - a.value);
}

export interface RateBar {
  name: string;
  /** Percent, one decimal. */
  value: number;
  assessed: number;
  passed: number;
  /** SPEC §5 PASS_RATE_ANOMALY: at least 30 assessed and above 95 % or below 50 %. */
  anomaly: boolean;
}

export const ANOMALY_MIN_ASSESSED = 30;

export function isRateAnomaly(assessed: number, rate: number): boolean {
  return assessed >= ANOMALY_MIN_ASSESSED && (rate > 0.95 || rate < 0.5);
}

/** Institutions with someone assessed, lowest rate first (the ones to look at on top of a horizontal chart). */
export function passRateBars(rows: PassRate[], limit = 15): RateBar[] {
  return rows
    .filter((r) => r.assessed > 0)
    .map((r) => ({
      name: r.institution_name,
      value: Math.round(r.rate * 1000) / 10,
      assessed: r.assessed,
      passed: r.passed,
      anomaly: isRateAnomaly(r.assessed, r.rate),
    }))
    .sort((a, b) => a.value - b.value || b.assessed - a.assessed)
    .slice(0, limit);
}
