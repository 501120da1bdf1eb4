// The notices' and deadline badges' pure logic (views/notices/notices.ts).
import { describe, expect, it } from 'vitest';
import {
  alertBadge,
  badgeText,
  batchBadges,
  hasNotices,
  institutionLink,
  noticeTag,
  supervisorStep,
  type DeadlineAlert,
} from '@/views/notices/notices';

function alert(kind: DeadlineAlert['kind'], state: DeadlineAlert['state'], days_left: number, deadline = '2026-03-08'): DeadlineAlert {
  const names = { arrangement: '考务安排截止', completion: '认定完成期限', year_end: '年度截止' } as const;
  const rules = { arrangement: 'ARRANGEMENT_DEADLINE', completion: 'COMPLETION_WINDOW', year_end: 'CROSS_YEAR' } as const;
  return {
    kind,
    kind_name: names[kind],
    state,
    state_name: state === 'passed' ? '已逾期' : '即将到期',
    rule: rules[kind],
    deadline,
    days_left,
  };
}

type Steps = Parameters<typeof supervisorStep>[1]['steps'];
function steps(...names: string[]): Steps {
  return names.map((step) => ({ step, beside: step === 'supervision' })) as unknown as Steps;
}

describe('deadline badges', () => {
  it('words approaching, due today and passed', () => {
    expect(alertBadge(alert('arrangement', 'approaching', 2))).toEqual({
      text: '考务安排剩 2 天',
      type: 'warning',
      title: '考务安排截止：2026-03-08',
    });
    expect(alertBadge(alert('completion', 'approaching', 0)).text).toBe('认定完成今日到期');
    expect(alertBadge(alert('year_end', 'passed', -3))).toMatchObject({ text: '年度截止已逾期 3 天', type: 'danger' });
  });

  it('puts what has passed first, then the nearest', () => {
    const batch = {
      deadlines: {
        alerts: [alert('year_end', 'approaching', 10), alert('completion', 'approaching', 4), alert('arrangement', 'passed', -20)],
      },
    } as unknown as Parameters<typeof batchBadges>[0];
    expect(batchBadges(batch).map((b) => b.text)).toEqual(['考务安排已逾期 20 天', '认定完成剩 4 天', '年度截止剩 10 天']);
  });

  it('shows nothing for a batch without alerts', () => {
    expect(batchBadges({ deadlines: { alerts: [] } } as unknown as Parameters<typeof batchBadges>[0])).toEqual([]);
  });
});

describe('notices', () => {
  it('are for institution users and supervisors only', () => {
    expect(hasNotices('institution')).toBe(true);
    expect(hasNotices('supervisor')).toBe(true);
    expect(hasNotices('admin')).toBe(false);
    expect(hasNotices('inspector')).toBe(false);
    expect(hasNotices(null)).toBe(false);
  });

  it('open the step the deadline is about for a supervisor, else the current step', () => {
    const social = { steps: steps('plan', 'registration', 'arrangement', 'supervision', 'certificate', 'issuance'), current_step: 'registration' as const };
    expect(supervisorStep({ deadline_kind: 'arrangement' }, social)).toBe('arrangement');
    expect(supervisorStep({ deadline_kind: 'completion' }, social)).toBe('certificate');
    expect(supervisorStep({ deadline_kind: 'year_end' }, social)).toBe('registration');
    const employer = { steps: steps('plan', 'registration', 'certificate', 'issuance'), current_step: null };
    expect(supervisorStep({ deadline_kind: 'arrangement' }, employer)).toBe('plan');
    expect(supervisorStep({ deadline_kind: null }, { steps: steps('supervision'), current_step: null })).toBeNull();
  });

  it('link an institution user to the batch page', () => {
    expect(institutionLink({ batch_id: 'b1', kind: 'deadline.passed' })).toBe('/inst/batches/b1');
    expect(institutionLink({ batch_id: 'b1', kind: 'change_request.rejected' })).toBe('/inst/batches/b1?tab=changes');
    expect(institutionLink({ batch_id: null, kind: 'deadline.passed' })).toBeNull();
  });

  it('tag their kind and count the unread', () => {
    expect(noticeTag('deadline.passed')).toEqual({ text: '已逾期', type: 'danger' });
    expect(noticeTag('deadline.approaching').type).toBe('warning');
    expect(noticeTag('deadline.extended').text).toBe('已延期');
    expect(noticeTag('something.else').type).toBe('info');
    expect(noticeTag('change_request.submitted').text).toBe('变更申请');
    expect(noticeTag('change_request.approved').type).toBe('success');
    expect(noticeTag('change_request.rejected').type).toBe('danger');
    expect(badgeText(0)).toBe('');
    expect(badgeText(7)).toBe('7');
    expect(badgeText(120)).toBe('99+');
  });
});
