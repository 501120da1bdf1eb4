// The instant the platform (server and browser) starts at, so the tests do not depend on the day
// they run: Thursday 2026-02-12, 09:30 China time — the example of SPEC §4 EXAM_LEAD_TIME. Plan
// submitted that day → working days 2/13, 2/14 (a Spring Festival make-up working Saturday),
// 2/24 → the earliest legal exam day is 2026-02-25. The shipped working-day calendars cover
// 2023–2026, so a clock following the real date would break these tests from 2027 on.
export const PLATFORM_NOW = '2026-02-12T01:30:00Z';

/** Facts of that day the tests assert (from the 2026 calendar). */
export const SUBMITTED_ON = '2026-02-12';
export const EARLIEST_EXAM_DATE = '2026-02-25';
/** A day inside the Spring Festival holiday: too early for a plan submitted on SUBMITTED_ON. */
export const TOO_EARLY_EXAM_DATE = '2026-02-20';
