// A batch's timeline (办理记录) from its audit events (GET /audit-events?entity_type=batch&
// entity_id=…): who did what to the batch and when, in words a reviewer reads. The audit summary
// is free-form JSON per action (backend/server/src/routes/batches.rs, arrangement.rs); each field
// is checked before it is shown.
import type { components } from '@/api/schema';
import { ROLE_NAMES, type Role } from '@/stores/auth';
import { STEP_NAMES, type Step } from '@/utils/labels';

type AuditEvent = components['schemas']['AuditEventView'];

export interface TimelineEntry {
  seq: number;
  at: string;
  /** `督导部` etc. */
  actor: string;
  title: string;
  /** Extra lines: the comment, each return reason, the extension's reason. */
  lines: string[];
  type: 'primary' | 'success' | 'warning' | 'danger' | 'info';
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function isStep(value: string): value is Step {
  return Object.prototype.hasOwnProperty.call(STEP_NAMES, value);
}

function stepName(value: unknown): string {
  const code = str(value);
  if (!code) return '';
  return isStep(code) ? STEP_NAMES[code] : code;
}

function isRole(value: string): value is Role {
  return Object.prototype.hasOwnProperty.call(ROLE_NAMES, value);
}

function reasonsOf(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const out: string[] = [];
  for (const item of value) {
    if (typeof item === 'object' && item !== null && 'message' in item) {
      const message = str(item.message);
      if (message) out.push(`退回原因：${message}`);
    }
  }
  return out;
}

export function timelineEntry(event: AuditEvent): TimelineEntry {
  const summary: Record<string, unknown> = event.summary;
  const actor = isRole(event.actor_role) ? ROLE_NAMES[event.actor_role] : event.actor_role || '系统';
  const base = { seq: event.seq, at: event.at, actor };
  switch (event.action) {
    case 'batch.create':
      return { ...base, title: '创建认定批次', lines: [], type: 'primary' };
    case 'batch.update':
      return { ...base, title: '修改批次信息', lines: [], type: 'info' };
    case 'step.submit':
      return { ...base, title: `提交“${stepName(summary.step)}”环节`, lines: [], type: 'primary' };
    case 'step.decision': {
      const approve = summary.decision === 'approve';
      const comment = str(summary.comment);
      return {
        ...base,
        title: `${approve ? '审核通过' : '退回'}“${stepName(summary.step)}”环节`,
        lines: [...(comment ? [`审核意见：${comment}`] : []), ...reasonsOf(summary.reasons)],
        type: approve ? 'success' : 'danger',
      };
    }
    case 'batch.extension': {
      const after = str(summary.after);
      const before = str(summary.before);
      const reason = str(summary.reason);
      return {
        ...base,
        title: `延长完成时限${after ? `至 ${after}` : ''}`,
        lines: [...(before ? [`原时限：${before}`] : []), ...(reason ? [`理由：${reason}`] : [])],
        type: 'warning',
      };
    }
    case 'arrangement.put': {
      const sessions = typeof summary.sessions === 'number' ? summary.sessions : null;
      const staff = typeof summary.staff === 'number' ? summary.staff : null;
      const parts = [sessions !== null ? `场次 ${sessions} 个` : '', staff !== null ? `考务人员 ${staff} 名` : ''].filter(Boolean);
      return { ...base, title: '保存考务安排', lines: parts.length ? [parts.join('，')] : [], type: 'info' };
    }
    case 'seed.demo':
      return { ...base, actor: '系统', title: '导入演示数据', lines: [], type: 'info' };
    default:
      return { ...base, title: event.action, lines: [], type: 'info' };
  }
}

/** Oldest first, as a timeline reads (the API answers newest first). */
export function buildTimeline(events: AuditEvent[]): TimelineEntry[] {
  return [...events].sort((a, b) => a.seq - b.seq).map(timelineEntry);
}
