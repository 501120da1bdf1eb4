// Change requests shown to people (pure, no Vue): their status, what moves (before → after) and
// the body an institution's form sends — only the fields that change, with the reason.
import type { ChangeRequestInput, ExamPlace } from '@/api/changeRequests';
import { regionName } from '@/utils/labels';

export const CHANGE_STATUS: Record<string, { name: string; tag: 'warning' | 'success' | 'danger' | 'info' }> = {
  pending: { name: '待审核', tag: 'warning' },
  approved: { name: '已批准', tag: 'success' },
  rejected: { name: '已驳回', tag: 'danger' },
};

export function changeStatus(status: string): { name: string; tag: 'warning' | 'success' | 'danger' | 'info' } {
  return CHANGE_STATUS[status] ?? { name: status, tag: 'info' };
}

export interface PlaceRow {
  label: string;
  before: string;
  after: string;
  changed: boolean;
}

function dates(place: ExamPlace): string {
  return place.exam_start === place.exam_end ? place.exam_start : `${place.exam_start} 至 ${place.exam_end}`;
}

/** The exam dates, venue and its city before and after; `changed` marks what moves. */
export function placeRows(before: ExamPlace, after: ExamPlace): PlaceRow[] {
  const row = (label: string, a: string, b: string): PlaceRow => ({ label, before: a, after: b, changed: a !== b });
  return [
    row('考试日期', dates(before), dates(after)),
    row('考点', before.venue.trim(), after.venue.trim()),
    row('考点地市', regionName(before.venue_region), regionName(after.venue_region)),
  ];
}

/** What the change-request form holds. */
export interface ChangeForm {
  exam: [string, string] | null;
  venue: string;
  venue_region: string;
  reason: string;
}

export function formFrom(place: ExamPlace): ChangeForm {
  return { exam: [place.exam_start, place.exam_end], venue: place.venue, venue_region: place.venue_region, reason: '' };
}

/** The request body: the fields that differ from the current plan, and the reason. */
export function changeBody(current: ExamPlace, form: ChangeForm): ChangeRequestInput {
  const body: ChangeRequestInput = { reason: form.reason.trim() };
  const [start, end] = form.exam ?? [current.exam_start, current.exam_end];
  if (start !== current.exam_start) body.exam_start = start;
  if (end !== current.exam_end) body.exam_end = end;
  if (form.venue.trim() !== current.venue.trim()) body.venue = form.venue.trim();
  if (form.venue_region !== current.venue_region) body.venue_region = form.venue_region;
  return body;
}

/**
 * What the form can tell before asking the server (which re-checks everything, and the lead
 * time, cross-year, cross-region and deadline rules besides): field → message, in form-prop form.
 */
export function changeFormErrors(current: ExamPlace, form: ChangeForm): Record<string, string> {
  const out: Record<string, string> = {};
  if (!form.exam || !form.exam[0] || !form.exam[1]) out.exam_start = '请选择变更后的考试日期';
  else if (form.exam[1] < form.exam[0]) out.exam_end = '最后考试日不能早于首个考试日';
  if (!form.venue.trim()) out.venue = '请填写考点';
  if (!form.reason.trim()) out.reason = '请说明变更理由（不得无故调整考试时间）';
  if (Object.keys(out).length === 0) {
    const body = changeBody(current, form);
    if (Object.keys(body).length === 1) out.exam_start = '变更后的考试时间、地点与现有计划相同';
  }
  return out;
}
