// Live hints of the 考务安排 editor (views/institution/batch/arrangementHints.ts).
import { describe, expect, it } from 'vitest';
import {
  capacityShortfalls,
  certificateKey,
  chinaInstant,
  deadlineHint,
  defaultCapacity,
  planMismatches,
  staffOverlaps,
  unarrangedLines,
  type HintLine,
  type HintSession,
} from '@/views/institution/batch/arrangementHints';

const L5 = '6-31-01-03|5';
const L4 = '6-31-01-03|4';
const lines: HintLine[] = [
  { occupation_code: '6-31-01-03', level: 5, name: '电工 · 五级/初级工', registered_count: 3 },
  { occupation_code: '6-31-01-03', level: 4, name: '电工 · 四级/中级工', registered_count: 0 },
];

function session(line: string, from: string, to: string, capacity: number | null = 30, subject = 'theory'): HintSession {
  return { line, subject, starts_at: from, ends_at: to, venue: '洛阳职业技能实训基地', capacity };
}

describe('chinaInstant', () => {
  it('reads wall time as China time, with or without seconds, and keeps an explicit offset', () => {
    expect(chinaInstant('2026-03-10T09:00:00')).toBe(Date.parse('2026-03-10T01:00:00Z'));
    expect(chinaInstant('2026-03-10T09:00')).toBe(Date.parse('2026-03-10T01:00:00Z'));
    expect(chinaInstant('2026-03-10T01:00:00Z')).toBe(Date.parse('2026-03-10T01:00:00Z'));
    expect(chinaInstant('2026-03-10T09:00:00+08:00')).toBe(Date.parse('2026-03-10T01:00:00Z'));
  });
  it('gives null for nothing or nonsense', () => {
    expect(chinaInstant('')).toBeNull();
    expect(chinaInstant(null)).toBeNull();
    expect(chinaInstant('明天上午')).toBeNull();
  });
});

describe('staffOverlaps', () => {
  const sessions = [
    session(L5, '2026-03-10T09:00:00', '2026-03-10T10:30:00'),
    session(L4, '2026-03-10T10:00:00', '2026-03-10T11:30:00'),
    session(L4, '2026-03-10T10:30:00', '2026-03-10T12:00:00'),
    session(L5, '2026-03-11T09:00:00', '2026-03-11T10:30:00'),
  ];

  it('flags one person in two sessions that overlap', () => {
    const found = staffOverlaps(sessions, [{ name: '考评员甲', certificate_no: 'KPY-1', sessions: [0, 1] }]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ certificate_no: 'KPY-1', staff: [0], sessions: [0, 1] });
    expect(found[0].message).toContain('考评员甲（证书 KPY-1）');
    expect(found[0].message).toContain('场次 1（03-10 09:00–10:30）与场次 2（03-10 10:00–11:30）时间重叠');
  });

  it('lets back-to-back sessions and different days pass', () => {
    // Session 1 ends at 10:30 when session 3 starts; session 4 is the next day.
    expect(staffOverlaps(sessions, [{ name: '甲', certificate_no: 'KPY-1', sessions: [0, 2, 3] }])).toEqual([]);
  });

  it('finds the same certificate number in two rows, whatever its case and spaces', () => {
    const found = staffOverlaps(sessions, [
      { name: '考评员甲', certificate_no: 'kpy-1 ', sessions: [0] },
      { name: '监考乙', certificate_no: 'JK-2', sessions: [0, 1] },
      { name: '考评员甲', certificate_no: ' KPY-1', sessions: [1] },
    ]);
    expect(found).toHaveLength(2);
    const kpy = found.find((f) => f.certificate_no === 'KPY-1');
    expect(kpy).toMatchObject({ staff: [0, 2], sessions: [0, 1] });
    expect(kpy?.message).toContain('在第 1、3 行重复登记');
    expect(found.find((f) => f.certificate_no === 'JK-2')).toMatchObject({ staff: [1], sessions: [0, 1] });
  });

  it('flags one person entered twice for the same session', () => {
    const found = staffOverlaps(sessions, [
      { name: '甲', certificate_no: 'KPY-1', sessions: [3] },
      { name: '甲', certificate_no: 'KPY-1', sessions: [3] },
    ]);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ staff: [0, 1], sessions: [3, 3] });
    expect(found[0].message).toContain('场次 4（03-11 09:00）被重复填写');
  });

  it('ignores blank certificate numbers, missing sessions and unreadable times', () => {
    const odd = [...sessions, session(L5, '2026-03-10T09:30:00', '')];
    expect(
      staffOverlaps(odd, [
        { name: '未填', certificate_no: '  ', sessions: [0, 1] },
        { name: '甲', certificate_no: 'KPY-1', sessions: [0, 4, 9] },
      ]),
    ).toEqual([]);
  });

  it('compares instants, so an offset written differently still overlaps', () => {
    const mixed = [
      session(L5, '2026-03-10T09:00:00', '2026-03-10T10:30:00'),
      session(L4, '2026-03-10T01:30:00Z', '2026-03-10T03:00:00Z'), // 09:30–11:00 China time
    ];
    expect(staffOverlaps(mixed, [{ name: '甲', certificate_no: 'A', sessions: [0, 1] }])).toHaveLength(1);
  });
});

describe('capacityShortfalls', () => {
  it('adds up the seats of a line and subject against its registered candidates', () => {
    const sessions = [session(L5, '2026-03-10T09:00', '2026-03-10T10:30', 1), session(L5, '2026-03-10T14:00', '2026-03-10T15:30', 1)];
    const found = capacityShortfalls(sessions, lines, { theory: '理论知识' });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ line: L5, subject: 'theory', capacity: 2, registered: 3, sessions: [0, 1] });
    expect(found[0].message).toBe('电工 · 五级/初级工 理论知识：场次共 2 个考位，少于报名考生 3 人（还差 1 个）');
  });

  it('is satisfied when the seats reach the registered count, per subject', () => {
    const sessions = [
      session(L5, '2026-03-10T09:00', '2026-03-10T10:30', 2),
      session(L5, '2026-03-10T14:00', '2026-03-10T15:30', 1),
      session(L5, '2026-03-11T09:00', '2026-03-11T12:00', 2, 'skill'),
    ];
    const found = capacityShortfalls(sessions, lines);
    expect(found.map((f) => [f.subject, f.capacity])).toEqual([['skill', 2]]);
  });

  it('counts an empty seat field as none and skips lines outside the batch', () => {
    const sessions = [session(L5, '2026-03-10T09:00', '2026-03-10T10:30', null), session('1-01-01-01|3', '2026-03-10T09:00', '2026-03-10T10:30', 1)];
    expect(capacityShortfalls(sessions, lines).map((f) => f.capacity)).toEqual([0]);
  });

  it('has nothing to say about a line nobody registered for', () => {
    expect(capacityShortfalls([session(L4, '2026-03-10T09:00', '2026-03-10T10:30', 1)], lines)).toEqual([]);
  });
});

describe('defaults and mismatches', () => {
  it('starts a session with the line’s registered count, at least one seat', () => {
    expect(defaultCapacity(lines, L5)).toBe(3);
    expect(defaultCapacity(lines, L4)).toBe(1);
    expect(defaultCapacity(lines, 'nope|1')).toBe(1);
  });

  it('lists lines without a session', () => {
    expect(unarrangedLines([session(L5, '2026-03-10T09:00', '2026-03-10T10:30')], lines).map((l) => l.level)).toEqual([4]);
  });

  it('flags a day outside the approved exam dates and another venue', () => {
    const plan = { exam_start: '2026-03-10', exam_end: '2026-03-11', venue: '洛阳职业技能实训基地' };
    const sessions = [
      session(L5, '2026-03-11T09:00', '2026-03-11T10:30'),
      session(L5, '2026-03-12T09:00', '2026-03-12T10:30'),
      { ...session(L4, '2026-03-10T09:00', '2026-03-10T10:30'), venue: '郑州考点' },
    ];
    const found = planMismatches(sessions, plan);
    expect(found.map((m) => [m.session, m.kind])).toEqual([[1, 'date'], [2, 'venue']]);
    expect(found[0].message).toContain('考试日期 2026-03-12 不在批准的考试时间 2026-03-10 至 2026-03-11 内');
    expect(found[1].message).toContain('考试地点“郑州考点”与批准的“洛阳职业技能实训基地”不一致');
  });
});

describe('deadlineHint', () => {
  it('warns past the deadline, on the day and the day before', () => {
    expect(deadlineHint('2026-03-08', '2026-03-09')?.level).toBe('overdue');
    expect(deadlineHint('2026-03-08', '2026-03-09')?.message).toContain('已过考务安排截止日 2026-03-08');
    expect(deadlineHint('2026-03-08', '2026-03-08')?.level).toBe('today');
    expect(deadlineHint('2026-03-08', '2026-03-07')?.level).toBe('near');
  });
  it('is quiet with time left, without a deadline, or once submitted', () => {
    expect(deadlineHint('2026-03-08', '2026-03-06')).toBeNull();
    expect(deadlineHint(null, '2026-03-06')).toBeNull();
    expect(deadlineHint('2026-03-08', '2026-03-09', true)).toBeNull();
  });
  it('compares China dates across a month end', () => {
    expect(deadlineHint('2026-02-28', '2026-03-01')?.level).toBe('overdue');
  });
});

describe('certificateKey', () => {
  it('trims and upper-cases ASCII letters only', () => {
    expect(certificateKey(' kpy-2024-0001 ')).toBe('KPY-2024-0001');
    expect(certificateKey('考评-a1')).toBe('考评-A1');
  });
});
