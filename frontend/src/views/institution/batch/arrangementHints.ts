// Live hints of the 考务安排 editor, computed in the browser from the form as it is typed (pure
// functions, no Vue): what the server will refuse, said before it is asked.
//   * staff overlaps inside the form (STAFF_DOUBLE_BOOKED): one certificate number in two
//     sessions whose times overlap; back-to-back sessions (one ends when the next starts) are fine.
//     The server re-checks on save across every batch of every institution, which the browser
//     cannot see;
//   * seats (ARRANGEMENT_CAPACITY): for each occupation + level, the sessions of each subject
//     together seat its registered candidates;
//   * lines of the plan with no session, and sessions outside the approved exam dates or venue
//     (ARRANGEMENT_MISMATCH);
//   * the arrangement deadline (ARRANGEMENT_DEADLINE): first exam day − 2, in China dates.
import { daysBetween } from '@/utils/dates';

/** A session as the editor holds it: times are China wall time `YYYY-MM-DDTHH:mm[:ss]` (or RFC 3339). */
export interface HintSession {
  /** `occupation_code|level`. */
  line: string;
  subject: string;
  starts_at: string;
  ends_at: string;
  venue: string;
  capacity: number | null | undefined;
}

export interface HintStaff {
  name: string;
  certificate_no: string;
  /** 0-based positions in the sessions. */
  sessions: number[];
}

/** An occupation line of the batch (its plan) with the candidates registered for it. */
export interface HintLine {
  occupation_code: string;
  level: number;
  /** `电工 · 五级/初级工`. */
  name: string;
  registered_count: number;
}

export const lineKey = (occupationCode: string, level: number): string => `${occupationCode}|${level}`;

/** Certificate numbers compare as the server does: trimmed, ASCII letters in upper case. */
export function certificateKey(certificateNo: string): string {
  return certificateNo.trim().replace(/[a-z]/g, (c) => c.toUpperCase());
}

/** Milliseconds since the epoch of a China wall time (or of an instant with its offset); null when unreadable. */
export function chinaInstant(value: string | null | undefined): number | null {
  if (!value) return null;
  const text = value.trim();
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(text);
  const withSeconds = /T\d{2}:\d{2}$/.test(text) ? `${text}:00` : text;
  const t = Date.parse(hasZone ? text : `${withSeconds}+08:00`);
  return Number.isNaN(t) ? null : t;
}

/** Two intervals overlap when each starts before the other ends: back-to-back does not. */
export function overlaps(a: { start: number; end: number }, b: { start: number; end: number }): boolean {
  return a.start < b.end && b.start < a.end;
}

export interface StaffOverlap {
  certificate_no: string;
  name: string;
  /** Staff rows (0-based) concerned: one row, or two rows giving the same certificate number. */
  staff: number[];
  /** The two sessions (0-based, in order). */
  sessions: [number, number];
  message: string;
}

/** China wall time for people: `03-10 09:00`. */
function shortTime(value: string): string {
  return value.slice(5, 16).replace('T', ' ');
}

/**
 * Every pair of bookings of one person (same certificate number, in one staff row or two) in
 * sessions that overlap in time. A session with unreadable or reversed times is left out (the
 * form marks those).
 */
export function staffOverlaps(sessions: readonly HintSession[], staff: readonly HintStaff[]): StaffOverlap[] {
  interface Booking {
    row: number;
    session: number;
    start: number;
    end: number;
  }
  const byPerson = new Map<string, Booking[]>();
  staff.forEach((person, row) => {
    const key = certificateKey(person.certificate_no);
    if (!key) return;
    for (const session of new Set(person.sessions)) {
      const s = sessions[session];
      if (!s) continue;
      const start = chinaInstant(s.starts_at);
      const end = chinaInstant(s.ends_at);
      if (start === null || end === null || end <= start) continue;
      const list = byPerson.get(key) ?? [];
      list.push({ row, session, start, end });
      byPerson.set(key, list);
    }
  });
  const out: StaffOverlap[] = [];
  for (const [key, bookings] of byPerson) {
    const seen = new Set<string>();
    for (let i = 0; i < bookings.length; i += 1) {
      for (let j = i + 1; j < bookings.length; j += 1) {
        const a = bookings[i];
        const b = bookings[j];
        if (!overlaps(a, b)) continue;
        const pair: [number, number] = a.session <= b.session ? [a.session, b.session] : [b.session, a.session];
        const rows = [...new Set([a.row, b.row])].sort((x, y) => x - y);
        const id = `${pair.join('-')}:${rows.join('-')}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const name = staff[rows[0]]?.name.trim() || '未填姓名';
        const [first, second] = pair;
        const s1 = sessions[first];
        const s2 = sessions[second];
        const where =
          first === second
            ? `场次 ${first + 1}（${shortTime(s1.starts_at)}）被重复填写`
            : `场次 ${first + 1}（${shortTime(s1.starts_at)}–${s1.ends_at.slice(11, 16)}）与场次 ${second + 1}（${shortTime(s2.starts_at)}–${s2.ends_at.slice(11, 16)}）时间重叠`;
        out.push({
          certificate_no: key,
          name,
          staff: rows,
          sessions: pair,
          message: `${name}（证书 ${key}）${rows.length > 1 ? `在第 ${rows.map((r) => r + 1).join('、')} 行重复登记，` : ''}${where}`,
        });
      }
    }
  }
  return out;
}

export interface CapacityShortfall {
  line: string;
  subject: string;
  capacity: number;
  registered: number;
  /** Sessions (0-based) of the line and subject. */
  sessions: number[];
  message: string;
}

/**
 * For each line of the batch and each subject arranged for it, the seats of its sessions added
 * up against the line's registered candidates; those that fall short. Sessions of a line not in
 * the batch are left to the mismatch hints.
 */
export function capacityShortfalls(
  sessions: readonly HintSession[],
  lines: readonly HintLine[],
  subjectNames: Record<string, string> = {},
): CapacityShortfall[] {
  const groups = new Map<string, { line: string; subject: string; capacity: number; sessions: number[] }>();
  sessions.forEach((s, i) => {
    const id = `${s.line}#${s.subject}`;
    const group = groups.get(id) ?? { line: s.line, subject: s.subject, capacity: 0, sessions: [] };
    group.capacity += Math.max(0, Math.floor(Number(s.capacity ?? 0)) || 0);
    group.sessions.push(i);
    groups.set(id, group);
  });
  const out: CapacityShortfall[] = [];
  for (const group of groups.values()) {
    const line = lines.find((l) => lineKey(l.occupation_code, l.level) === group.line);
    if (!line || group.capacity >= line.registered_count) continue;
    const subject = subjectNames[group.subject] ?? group.subject;
    out.push({
      ...group,
      registered: line.registered_count,
      message: `${line.name} ${subject}：场次共 ${group.capacity} 个考位，少于报名考生 ${line.registered_count} 人（还差 ${line.registered_count - group.capacity} 个）`,
    });
  }
  return out;
}

/** Seats a new session of a line starts with: its registered candidates (at least 1). */
export function defaultCapacity(lines: readonly HintLine[], key: string): number {
  const line = lines.find((l) => lineKey(l.occupation_code, l.level) === key);
  return Math.min(10_000, Math.max(1, line?.registered_count ?? 0));
}

/** Lines of the plan with no session yet. */
export function unarrangedLines(sessions: readonly HintSession[], lines: readonly HintLine[]): HintLine[] {
  const arranged = new Set(sessions.map((s) => s.line));
  return lines.filter((l) => !arranged.has(lineKey(l.occupation_code, l.level)));
}

export interface PlanMismatch {
  session: number;
  /** What differs: the day (`date`) or the venue. */
  kind: 'date' | 'venue';
  message: string;
}

/** Sessions on a day outside the approved exam dates, or at another venue than the plan's. */
export function planMismatches(
  sessions: readonly HintSession[],
  plan: { exam_start: string; exam_end: string; venue: string },
): PlanMismatch[] {
  const out: PlanMismatch[] = [];
  sessions.forEach((s, i) => {
    const day = s.starts_at.slice(0, 10);
    if (/^\d{4}-\d{2}-\d{2}$/.test(day) && (day < plan.exam_start || day > plan.exam_end)) {
      out.push({ session: i, kind: 'date', message: `场次 ${i + 1}：考试日期 ${day} 不在批准的考试时间 ${plan.exam_start} 至 ${plan.exam_end} 内` });
    }
    if (s.venue.trim() && s.venue.trim() !== plan.venue.trim()) {
      out.push({ session: i, kind: 'venue', message: `场次 ${i + 1}：考试地点“${s.venue.trim()}”与批准的“${plan.venue.trim()}”不一致` });
    }
  });
  return out;
}

export interface DeadlineHint {
  level: 'overdue' | 'today' | 'near';
  message: string;
}

/**
 * The arrangement deadline against today (China dates): past it, the submission is refused
 * (ARRANGEMENT_DEADLINE); on the day and the day before, a reminder. Null otherwise, or when
 * the arrangement is already submitted.
 */
export function deadlineHint(deadline: string | null | undefined, today: string, done = false): DeadlineHint | null {
  if (!deadline || done) return null;
  const days = daysBetween(today, deadline);
  if (days < 0) {
    return {
      level: 'overdue',
      message: `今天（${today}）已过考务安排截止日 ${deadline}（首个考试日前两天），提交将被拒绝（ARRANGEMENT_DEADLINE）。如确需调整考试时间，请在“变更申请”中说明理由申请变更。`,
    };
  }
  if (days === 0) return { level: 'today', message: `今天（${deadline}）是考务安排截止日，请今天内提交考务安排。` };
  if (days === 1) return { level: 'near', message: `考务安排截止日为明天（${deadline}），请尽快提交。` };
  return null;
}
