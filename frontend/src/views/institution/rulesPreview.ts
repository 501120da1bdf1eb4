// A live preview of the batch rules of SPEC §2/§4 while a new batch is being filled in, so the
// user sees a problem as soon as a date or a count is picked. It is a preview only: the server's
// checks (the create's 422, then the batch's checklist) decide, and the page shows those as sent.
import type { components } from '@/api/schema';
import { ALLOWED_METHODS, type InstitutionKind, type RuleCode } from '@/utils/labels';

export interface DraftOccupation {
  occupation_code: string;
  level: number | null;
  planned_count: number | null;
}

export interface DraftBatch {
  year: number;
  module: string;
  method: string;
  exam_start: string | null;
  exam_end: string | null;
  venue_region: string;
  occupations: DraftOccupation[];
}

export interface PreviewContext {
  kind: InstitutionKind;
  region: string | null;
  filings: components['schemas']['FilingView'][];
  /** Whether an annual plan is on file for the year; null while unknown. */
  annualPlanFiled: boolean | null;
  /** The first legal exam day for the chosen submission date; null while unknown. */
  earliestExamDate: string | null;
}

export type PreviewState = 'pass' | 'fail' | 'pending' | 'info';

export interface PreviewItem {
  code: RuleCode;
  state: PreviewState;
  message: string;
  /** The form field it concerns (server naming), to flag it there too. */
  field?: string;
}

/** Per occupation code, the planned total (MIN_HEADCOUNT counts all levels of an occupation). */
function totalsByOccupation(rows: DraftOccupation[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const row of rows) {
    if (!row.occupation_code) continue;
    totals.set(row.occupation_code, (totals.get(row.occupation_code) ?? 0) + (row.planned_count ?? 0));
  }
  return totals;
}

export function previewRules(draft: DraftBatch, ctx: PreviewContext): PreviewItem[] {
  const items: PreviewItem[] = [];
  const social = ctx.kind === 'social_training';

  // METHOD_NOT_ALLOWED — SPEC §2 table.
  const allowed = ALLOWED_METHODS[ctx.kind][draft.module] ?? [];
  if (!draft.module || !draft.method) {
    items.push({ code: 'METHOD_NOT_ALLOWED', state: 'pending', message: '请选择认定模块和评价方式', field: 'method' });
  } else if (!allowed.includes(draft.method)) {
    items.push({
      code: 'METHOD_NOT_ALLOWED',
      state: 'fail',
      message: allowed.length ? '本机构类别在该模块下不能采用此评价方式' : '本机构类别不能使用该认定模块',
      field: 'method',
    });
  } else {
    items.push({ code: 'METHOD_NOT_ALLOWED', state: 'pass', message: '机构类别、认定模块与评价方式相符' });
  }

  // ANNUAL_PLAN_REQUIRED — employer and tech_school (SPEC §3).
  if (!social) {
    if (ctx.annualPlanFiled === null) {
      items.push({ code: 'ANNUAL_PLAN_REQUIRED', state: 'pending', message: `正在查询 ${draft.year} 年度考试计划…` });
    } else if (ctx.annualPlanFiled) {
      items.push({ code: 'ANNUAL_PLAN_REQUIRED', state: 'pass', message: `已申报 ${draft.year} 年度考试计划` });
    } else {
      items.push({ code: 'ANNUAL_PLAN_REQUIRED', state: 'fail', message: `尚未申报 ${draft.year} 年度考试计划，须先申报`, field: 'year' });
    }
  }

  // OCCUPATION_NOT_FILED — 备案范围.
  const unfiled = draft.occupations
    .map((row, i) => ({ row, i }))
    .filter(({ row }) => row.occupation_code && row.level !== null)
    .filter(({ row }) => !ctx.filings.some((f) => f.occupation_code === row.occupation_code && f.level === row.level));
  if (draft.occupations.every((r) => !r.occupation_code)) {
    items.push({ code: 'OCCUPATION_NOT_FILED', state: 'pending', message: '请添加认定职业（工种）及等级', field: 'occupations' });
  } else if (unfiled.length) {
    for (const { i } of unfiled) {
      items.push({ code: 'OCCUPATION_NOT_FILED', state: 'fail', message: `第 ${i + 1} 行职业等级不在本机构备案范围内`, field: `occupations[${i}].level` });
    }
  } else {
    items.push({ code: 'OCCUPATION_NOT_FILED', state: 'pass', message: '职业（工种）及等级均在备案范围内' });
  }

  // MIN_HEADCOUNT — social training: 每一职业考试人数不少于15人.
  if (social) {
    const small = [...totalsByOccupation(draft.occupations)].filter(([, total]) => total < 15);
    if (draft.occupations.every((r) => !r.occupation_code)) {
      items.push({ code: 'MIN_HEADCOUNT', state: 'pending', message: '每一职业考试人数不少于15人' });
    } else if (small.length) {
      for (const [code, total] of small) {
        const i = draft.occupations.findIndex((r) => r.occupation_code === code);
        items.push({ code: 'MIN_HEADCOUNT', state: 'fail', message: `职业 ${code} 计划人数合计 ${total} 人，少于15人`, field: `occupations[${i}].planned_count` });
      }
    } else {
      items.push({ code: 'MIN_HEADCOUNT', state: 'pass', message: '每一职业计划人数均不少于15人' });
    }
  }

  // Dates: order, CROSS_YEAR and EXAM_LEAD_TIME.
  if (!draft.exam_start || !draft.exam_end) {
    items.push({ code: 'CROSS_YEAR', state: 'pending', message: '请选择考试日期', field: 'exam_start' });
  } else {
    const inYear = draft.exam_start.startsWith(`${draft.year}-`) && draft.exam_end.startsWith(`${draft.year}-`);
    if (draft.exam_end < draft.exam_start) {
      items.push({ code: 'VALIDATION', state: 'fail', message: '考试结束日期早于开始日期', field: 'exam_end' });
    }
    items.push(
      inYear
        ? { code: 'CROSS_YEAR', state: 'pass', message: `考试日期在 ${draft.year} 年度内` }
        : { code: 'CROSS_YEAR', state: 'fail', message: `考试日期须在 ${draft.year} 年内，不可跨年实施`, field: 'exam_start' },
    );
    if (social) {
      if (!ctx.earliestExamDate) {
        items.push({ code: 'EXAM_LEAD_TIME', state: 'pending', message: '正在计算最早考试日期…' });
      } else if (draft.exam_start < ctx.earliestExamDate) {
        items.push({
          code: 'EXAM_LEAD_TIME',
          state: 'fail',
          message: `考试时间应安排在计划申报之日起三个工作日后，最早 ${ctx.earliestExamDate}`,
          field: 'exam_start',
        });
      } else {
        items.push({ code: 'EXAM_LEAD_TIME', state: 'pass', message: `首个考试日不早于 ${ctx.earliestExamDate}` });
      }
    }
  }

  // CROSS_REGION_FORM_REQUIRED — not a blocker at creation: a material the plan step will ask for.
  if (social && draft.venue_region && ctx.region && draft.venue_region !== ctx.region) {
    items.push({
      code: 'CROSS_REGION_FORM_REQUIRED',
      state: 'info',
      message: '考点不在本机构所在地市：制定计划环节须上传《河南省省属社会培训评价组织跨地区认定申请表》',
      field: 'venue_region',
    });
  }
  return items;
}
