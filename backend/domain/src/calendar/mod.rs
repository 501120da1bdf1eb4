//! Dates of the regulation (SPEC §4): China calendar dates, working days from the State Council
//! holiday arrangements, and the deadlines of a batch — the earliest exam date (EXAM_LEAD_TIME),
//! the arrangement deadline (ARRANGEMENT_DEADLINE) and the completion deadline
//! (COMPLETION_WINDOW, CROSS_YEAR).
//!
//! Pure: no clock and no IO. Callers pass the instant or date; the shipped arrangements are
//! compiled in, and later years are loaded by the caller from JSON (`YearCalendar::from_json`).

mod builtin;
pub mod iso_date;
mod work;
mod year;

use time::{Date, Duration, Month, OffsetDateTime, UtcOffset};

pub use builtin::BUILTIN_YEARS;
pub use work::{CalendarYearMissing, EarliestExamDate, WorkCalendar};
pub use year::{
    CalendarDataError, GOV_CN_PREFIX, Holiday, MakeupWorkday, NoticeSource, YearCalendar,
};

/// China Standard Time, UTC+08:00 all year, no DST (SPEC §4: all calendar dates are China dates).
pub const CHINA_OFFSET: UtcOffset = time::macros::offset!(+8);

/// “考试时间应安排在考试计划申报之日起三个工作日后” (seed 社会培训评价组织 二.2 制定计划环节).
pub const EXAM_LEAD_WORKING_DAYS: u32 = 3;

/// “该环节应在考试日前两天完成” (seed 社会培训评价组织 二.4 考务安排环节).
pub const ARRANGEMENT_LEAD_DAYS: i64 = 2;

/// “每一考试批次应在考试之日起 30 日内完成认定全部环节” (seed 社会培训评价组织 二 末段).
pub const COMPLETION_WINDOW_DAYS: i64 = 30;

/// The China calendar date of `instant`, whatever offset it carries.
pub fn china_date(instant: OffsetDateTime) -> Date {
    match instant.checked_to_offset(CHINA_OFFSET) {
        Some(china) => china.date(),
        None if instant.offset() < CHINA_OFFSET => Date::MAX,
        None => Date::MIN,
    }
}

/// `instant` as China wall-clock time to the minute, `2026-03-10 09:00`, for messages.
pub fn china_minute(instant: OffsetDateTime) -> String {
    match instant.checked_to_offset(CHINA_OFFSET) {
        Some(china) => format!("{} {:02}:{:02}", china.date(), china.hour(), china.minute()),
        None => china_date(instant).to_string(),
    }
}

/// 31 December of `year` (saturating outside the years `time` can represent).
pub fn year_end(year: i32) -> Date {
    match Date::from_calendar_date(year, Month::December, 31) {
        Ok(date) => date,
        Err(_) if year < 0 => Date::MIN,
        Err(_) => Date::MAX,
    }
}

/// ARRANGEMENT_DEADLINE: the last day the 考务安排 step may be submitted, first exam day − 2
/// calendar days (“该环节应在考试日前两天完成”, seed 社会培训评价组织 二.4; SPEC §4). A submission
/// on or before this date passes.
///
/// Capped at 31 Dec of the batch year (“不可跨年实施”; SPEC §4: every deadline is capped). The cap
/// only ever lowers a deadline: an exam on 2 January gives 31 December of the previous year, which
/// the cross-year rule then reports; it is not moved into the batch year.
pub fn arrangement_deadline(first_exam_day: Date, batch_year: i32) -> Date {
    first_exam_day
        .checked_sub(Duration::days(ARRANGEMENT_LEAD_DAYS))
        .unwrap_or(Date::MIN)
        .min(year_end(batch_year))
}

/// COMPLETION_WINDOW: the last day every step must be completed, last exam day + 30 calendar
/// days (“考试之日起 30 日内完成认定全部环节”, counted from the next day, 民法典 第201条), or a
/// supervisor's extension if later; capped at 31 Dec of the batch year (“不可跨年实施”, seed
/// 社会培训评价组织 二 末段; SPEC §4 CROSS_YEAR), which no extension lifts.
pub fn completion_deadline(
    last_exam_day: Date,
    batch_year: i32,
    extended_to: Option<Date>,
) -> Date {
    let base = last_exam_day
        .checked_add(Duration::days(COMPLETION_WINDOW_DAYS))
        .unwrap_or(Date::MAX);
    extended_to
        .map_or(base, |extension| base.max(extension))
        .min(year_end(batch_year))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn china_offset_is_plus_eight() {
        assert_eq!(CHINA_OFFSET.whole_seconds(), 8 * 3600);
    }

    #[test]
    fn china_date_of_instants() {
        for (instant, expected) in [
            (datetime!(2026-02-12 17:30:00 UTC), date!(2026 - 02 - 13)),
            (datetime!(2026-02-12 15:59:59 UTC), date!(2026 - 02 - 12)),
            (datetime!(2026-02-12 16:00:00 UTC), date!(2026 - 02 - 13)),
            (datetime!(2026-12-31 16:00:00 UTC), date!(2027 - 01 - 01)),
            (datetime!(2026-02-12 23:30:00 +08:00), date!(2026 - 02 - 12)),
            (datetime!(2026-02-12 12:00:00 -05:00), date!(2026 - 02 - 13)),
        ] {
            assert_eq!(china_date(instant), expected, "{instant}");
        }
    }

    #[test]
    fn china_date_saturates_at_the_ends_of_time() {
        let last = Date::MAX.with_hms(23, 0, 0).unwrap().assume_utc();
        assert_eq!(china_date(last), Date::MAX);
        let first = Date::MIN
            .midnight()
            .assume_offset(time::macros::offset!(+12));
        assert_eq!(china_date(first), Date::MIN);
    }

    #[test]
    fn year_end_is_31_december() {
        assert_eq!(year_end(2026), date!(2026 - 12 - 31));
        assert_eq!(year_end(2024), date!(2024 - 12 - 31));
        assert_eq!(year_end(i32::MAX), Date::MAX);
        assert_eq!(year_end(i32::MIN), Date::MIN);
    }

    #[test]
    fn arrangement_deadline_is_two_days_before_the_first_exam_day() {
        // “该环节应在考试日前两天完成”
        for (first_exam_day, batch_year, expected) in [
            (date!(2026 - 06 - 10), 2026, date!(2026 - 06 - 08)),
            (date!(2026 - 03 - 02), 2026, date!(2026 - 02 - 28)),
            (date!(2026 - 12 - 31), 2026, date!(2026 - 12 - 29)),
            // The cap only lowers: an exam on 2 Jan leaves 31 Dec of the year before.
            (date!(2026 - 01 - 02), 2026, date!(2025 - 12 - 31)),
            // An exam outside the batch year (itself CROSS_YEAR) cannot push the deadline past
            // 31 Dec: uncapped this would be 2027-01-03.
            (date!(2027 - 01 - 05), 2026, date!(2026 - 12 - 31)),
            (date!(2027 - 01 - 02), 2026, date!(2026 - 12 - 31)),
            (Date::MIN, 2026, Date::MIN),
        ] {
            assert_eq!(
                arrangement_deadline(first_exam_day, batch_year),
                expected,
                "{first_exam_day} ({batch_year})"
            );
        }
    }

    #[test]
    fn completion_deadline_is_thirty_days_after_the_last_exam_day() {
        // “考试之日起 30 日内完成认定全部环节” … “不可跨年实施”
        for (last_exam_day, extended_to, expected) in [
            (date!(2026 - 06 - 10), None, date!(2026 - 07 - 10)),
            (date!(2026 - 11 - 30), None, date!(2026 - 12 - 30)),
            (date!(2026 - 12 - 01), None, date!(2026 - 12 - 31)),
            // Capped: uncapped 2027-01-09.
            (date!(2026 - 12 - 10), None, date!(2026 - 12 - 31)),
            // An extension beyond the base moves it…
            (
                date!(2026 - 06 - 10),
                Some(date!(2026 - 08 - 01)),
                date!(2026 - 08 - 01),
            ),
            // …one before the base does not shorten it…
            (
                date!(2026 - 06 - 10),
                Some(date!(2026 - 07 - 01)),
                date!(2026 - 07 - 10),
            ),
            // …and none lifts the 31 Dec cap.
            (
                date!(2026 - 06 - 10),
                Some(date!(2027 - 02 - 01)),
                date!(2026 - 12 - 31),
            ),
            (
                date!(2026 - 12 - 10),
                Some(date!(2026 - 12 - 20)),
                date!(2026 - 12 - 31),
            ),
            (Date::MAX, None, date!(2026 - 12 - 31)),
        ] {
            assert_eq!(
                completion_deadline(last_exam_day, 2026, extended_to),
                expected,
                "{last_exam_day} {extended_to:?}"
            );
        }
    }
}
