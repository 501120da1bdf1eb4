// Audit events → the batch timeline (views/supervisor/timeline.ts).
import { describe, expect, it } from 'vitest';
import type { components } from '@/api/schema';
import { buildTimeline } from '@/views/supervisor/timeline';

type AuditEvent = components['schemas']['AuditEventView'];

function event(seq: number, action: string, actor_role: string, summary: AuditEvent['summary']): AuditEvent {
  return {
    seq,
    at: `2026-03-0${seq}T02:00:00Z`,
    actor_role,
    action,
    entity_type: 'batch',
    entity_id: 'b1',
    summary,
    request_id: 'r',
    ip: '127.0.0.1',
    hash: 'h',
  };
}

// The summaries are free-form JSON objects; the generated type is Record<string, never>, so the
// fixtures are built as the server sends them: parsed JSON.
function json(value: object): AuditEvent['summary'] {
  const parsed: AuditEvent['summary'] = JSON.parse(JSON.stringify(value));
  return parsed;
}

describe('batch timeline', () => {
  const events = [
    event(4, 'batch.extension', 'supervisor', json({ before: '2026-04-05', after: '2026-04-20', reason: '疫情封控' })),
    event(3, 'step.decision', 'supervisor', json({
      step: 'plan',
      decision: 'return',
      comment: '请补正',
      reasons: [{ code: 'plan_application', message: '申请报告未盖章' }, { code: 'other' }],
    })),
    event(2, 'step.submit', 'institution', json({ step: 'plan', changes: [] })),
    event(1, 'batch.create', 'institution', json({ after: {} })),
    event(5, 'made.up', 'robot', json({})),
  ];
  const timeline = buildTimeline(events);

  it('reads oldest first', () => {
    expect(timeline.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('names steps, decisions and actors in Chinese', () => {
    expect(timeline[0]).toMatchObject({ title: '创建认定批次', actor: '评价机构经办人', type: 'primary' });
    expect(timeline[1]).toMatchObject({ title: '提交“制定计划”环节' });
    expect(timeline[2]).toMatchObject({
      title: '退回“制定计划”环节',
      actor: '省评价中心督导部',
      type: 'danger',
      lines: ['审核意见：请补正', '退回原因：申请报告未盖章'],
    });
  });

  it('shows the extension with its old deadline and reason', () => {
    expect(timeline[3]).toMatchObject({ title: '延长完成时限至 2026-04-20', lines: ['原时限：2026-04-05', '理由：疫情封控'] });
  });

  it('keeps an unknown action and role as they came', () => {
    expect(timeline[4]).toMatchObject({ title: 'made.up', actor: 'robot', lines: [] });
  });
});
