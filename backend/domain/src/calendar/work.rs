//! The working-day calendar: which China dates are working days, and the periods counted in
//! working days (EXAM_LEAD_TIME, SPEC §4).
//!
//! Pure: the calendar holds only the years it was given. A date in a year without data is an
//! error (`CALENDAR_YEAR_MISSING`), never a guess from weekends (SPEC §4).

use std::collections::BTreeMap;

use serde::Serialize;
use time::Date;

use super::iso_date;
use super::year::{YearCalendar, is_weekend};

/// A computation needed a year that has no State Council arrangement loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("缺少 {year} 年的工作日历（国务院办公厅关于{year}年部分节假日安排的通知），无法计算工作日")]
pub struct CalendarYearMissing {
    pub year: i32,
}

impl CalendarYearMissing {
    /// The rule code of SPEC §4.
    pub const CODE: &'static str = "CALENDAR_YEAR_MISSING";
}

/// Working days: Monday to Friday unless an official holiday, plus the official make-up
/// workdays (SPEC §4), for the years loaded.
#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    years: BTreeMap<i32, YearCalendar>,
}

/// The EXAM_LEAD_TIME computation for one submission date, with the working days it counted so
/// a checklist can show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EarliestExamDate {
    #[serde(with = "iso_date")]
    pub submitted_on: Date,
    /// The first three working days after `submitted_on`.
    #[serde(with = "iso_date::vec")]
    pub working_days: Vec<Date>,
    /// The day after the third working day: the first permitted exam day.
    #[serde(with = "iso_date")]
    pub earliest_exam_date: Date,
}

impl EarliestExamDate {
    /// Whether an exam may start on `first_exam_day`.
    pub fn permits(&self, first_exam_day: Date) -> bool {
        first_exam_day >= self.earliest_exam_date
    }
}

impl WorkCalendar {
    /// A calendar with no years: every computation fails with `CalendarYearMissing`.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Adds `year`, replacing any arrangement already held for the same year. The caller
    /// validates it first (`YearCalendar::from_json` or `validate`).
    pub fn with_year(mut self, year: YearCalendar) -> Self {
        self.insert_year(year);
        self
    }

    /// Adds `year`, replacing any arrangement already held for the same year.
    pub fn insert_year(&mut self, year: YearCalendar) {
        self.years.insert(year.year, year);
    }

    pub fn year(&self, year: i32) -> Option<&YearCalendar> {
        self.years.get(&year)
    }

    /// The years held, ascending.
    pub fn years(&self) -> Vec<i32> {
        self.years.keys().copied().collect()
    }

    /// Whether `date` is a working day: an official make-up workday, or Monday to Friday and not
    /// inside an official holiday (SPEC §4).
    pub fn is_working_day(&self, date: Date) -> Result<bool, CalendarYearMissing> {
        let year = self
            .year(date.year())
            .ok_or(CalendarYearMissing { year: date.year() })?;
        if year.makeup_workday_on(date).is_some() {
            return Ok(true);
        }
        Ok(!is_weekend(date) && year.holiday_on(date).is_none())
    }

    /// The first `n` working days strictly after `date`: a period starts counting on the day after
    /// its starting day (民法典 第201条).
    pub fn working_days_after(&self, date: Date, n: u32) -> Result<Vec<Date>, CalendarYearMissing> {
        let mut days = Vec::new();
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day = next_day(day)?;
            if self.is_working_day(day)? {
                days.push(day);
                left -= 1;
            }
        }
        Ok(days)
    }

    /// The `n`-th working day strictly after `date` (民法典 第201条); `date` itself when `n` is 0.
    pub fn nth_working_day_after(&self, date: Date, n: u32) -> Result<Date, CalendarYearMissing> {
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day = next_day(day)?;
            if self.is_working_day(day)? {
                left -= 1;
            }
        }
        Ok(day)
    }

    /// EXAM_LEAD_TIME (seed 社会培训评价组织 二.2 “考试时间应安排在考试计划申报之日起三个工作日后”;
    /// SPEC §4): an exam on or before the third working day after the submission date is too
    /// early, so the earliest exam date is the calendar day after that third working day.
    pub fn earliest_exam_date(
        &self,
        submitted_on: Date,
    ) -> Result<EarliestExamDate, CalendarYearMissing> {
        let working_days = self.working_days_after(submitted_on, super::EXAM_LEAD_WORKING_DAYS)?;
        let last_counted = working_days.last().copied().unwrap_or(submitted_on);
        Ok(EarliestExamDate {
            submitted_on,
            earliest_exam_date: next_day(last_counted)?,
            working_days,
        })
    }
}

/// The next calendar day; past the last date `time` can represent there is no calendar either.
fn next_day(date: Date) -> Result<Date, CalendarYearMissing> {
    date.next_day().ok_or(CalendarYearMissing {
        year: date.year().saturating_add(1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{Holiday, MakeupWorkday, NoticeSource};
    use proptest::prelude::*;
    use time::macros::date;

    fn builtin() -> WorkCalendar {
        WorkCalendar::builtin()
    }

    /// A stand-in for a later year an admin would load: only 元旦 on 1 January, no make-up days.
    fn fake_2027() -> YearCalendar {
        let year = YearCalendar {
            year: 2027,
            source: NoticeSource {
                title: "测试用 2027 年安排".into(),
                document_no: "测试".into(),
                url: "https://www.gov.cn/test".into(),
                published_on: date!(2026 - 11 - 01),
            },
            holidays: vec![Holiday {
                name: "元旦".into(),
                start: date!(2027 - 01 - 01),
                end: date!(2027 - 01 - 01),
                note: None,
            }],
            makeup_workdays: vec![],
        };
        year.validate().unwrap();
        year
    }

    #[test]
    fn spec_example_exam_lead_time() {
        // SPEC §4 EXAM_LEAD_TIME: "submitted Thu 2026-02-12 → 2/13 (1), Sat 2/14 make-up day (2),
        // 2/24 (3) → earliest exam 2/25".
        // -- Setup & Fixtures
        let calendar = builtin();

        // -- Exec
        let got = calendar.earliest_exam_date(date!(2026 - 02 - 12)).unwrap();

        // -- Check
        assert_eq!(
            got,
            EarliestExamDate {
                submitted_on: date!(2026 - 02 - 12),
                working_days: vec![
                    date!(2026 - 02 - 13),
                    date!(2026 - 02 - 14),
                    date!(2026 - 02 - 24)
                ],
                earliest_exam_date: date!(2026 - 02 - 25),
            }
        );
        assert!(
            !got.permits(date!(2026 - 02 - 24)),
            "the third working day itself is too early"
        );
        assert!(got.permits(date!(2026 - 02 - 25)));
        assert_eq!(
            serde_json::to_value(&got).unwrap(),
            serde_json::json!({
                "submitted_on": "2026-02-12",
                "working_days": ["2026-02-13", "2026-02-14", "2026-02-24"],
                "earliest_exam_date": "2026-02-25",
            })
        );
    }

    #[test]
    fn earliest_exam_date_may_fall_on_a_weekend() {
        // Submitted Mon 2026-03-02: Tue 3/3, Wed 3/4, Thu 3/5 → the exam may be on Fri 3/6;
        // submitted Tue 3/3: 3/4, 3/5, 3/6 → Sat 3/7 (exams are not restricted to working days).
        let calendar = builtin();
        assert_eq!(
            calendar
                .earliest_exam_date(date!(2026 - 03 - 02))
                .unwrap()
                .earliest_exam_date,
            date!(2026 - 03 - 06)
        );
        assert_eq!(
            calendar
                .earliest_exam_date(date!(2026 - 03 - 03))
                .unwrap()
                .earliest_exam_date,
            date!(2026 - 03 - 07)
        );
    }

    #[test]
    fn counting_starts_the_day_after_even_when_submitted_on_a_day_off() {
        // 民法典 第201条: submitted on Sat 2026-02-21 (春节) → 2/24, 2/25, 2/26 → 2/27.
        let got = builtin().earliest_exam_date(date!(2026 - 02 - 21)).unwrap();
        assert_eq!(
            got.working_days,
            vec![
                date!(2026 - 02 - 24),
                date!(2026 - 02 - 25),
                date!(2026 - 02 - 26)
            ]
        );
        assert_eq!(got.earliest_exam_date, date!(2026 - 02 - 27));
    }

    #[test]
    fn nth_working_day_after() {
        let calendar = builtin();
        assert_eq!(
            calendar
                .nth_working_day_after(date!(2026 - 02 - 12), 3)
                .unwrap(),
            date!(2026 - 02 - 24)
        );
        assert_eq!(
            calendar
                .nth_working_day_after(date!(2026 - 02 - 12), 0)
                .unwrap(),
            date!(2026 - 02 - 12)
        );
        assert_eq!(
            calendar
                .working_days_after(date!(2026 - 02 - 12), 0)
                .unwrap(),
            vec![]
        );
    }

    #[test]
    fn year_2027_is_missing() {
        // SPEC §4: "A computation that needs a year with no data fails with CALENDAR_YEAR_MISSING
        // — never guess from weekends alone."
        let calendar = builtin();
        let missing = CalendarYearMissing { year: 2027 };
        assert_eq!(
            calendar.is_working_day(date!(2027 - 01 - 04)),
            Err(missing.clone())
        );
        assert_eq!(
            calendar.earliest_exam_date(date!(2027 - 03 - 01)),
            Err(missing.clone())
        );
        assert_eq!(
            calendar.nth_working_day_after(date!(2027 - 03 - 01), 1),
            Err(missing)
        );
        assert_eq!(
            calendar.is_working_day(date!(2022 - 12 - 30)),
            Err(CalendarYearMissing { year: 2022 })
        );
        assert_eq!(CalendarYearMissing::CODE, "CALENDAR_YEAR_MISSING");
        assert_eq!(
            CalendarYearMissing { year: 2027 }.to_string(),
            "缺少 2027 年的工作日历（国务院办公厅关于2027年部分节假日安排的通知），无法计算工作日"
        );
    }

    #[test]
    fn december_run_over_needs_next_year() {
        // Submitted Wed 2026-12-30: Thu 12/31 is the first working day; the second is in 2027.
        // -- Setup & Fixtures
        let calendar = builtin();

        // -- Exec
        let without = calendar.earliest_exam_date(date!(2026 - 12 - 30));
        let with = calendar
            .clone()
            .with_year(fake_2027())
            .earliest_exam_date(date!(2026 - 12 - 30));

        // -- Check
        assert_eq!(without, Err(CalendarYearMissing { year: 2027 }));
        assert_eq!(
            calendar
                .working_days_after(date!(2026 - 12 - 29), 2)
                .unwrap(),
            vec![date!(2026 - 12 - 30), date!(2026 - 12 - 31)],
            "a count that stays inside the year needs no 2027 data"
        );
        let with = with.unwrap();
        assert_eq!(
            with.working_days,
            vec![
                date!(2026 - 12 - 31),
                date!(2027 - 01 - 04),
                date!(2027 - 01 - 05)
            ]
        );
        assert_eq!(with.earliest_exam_date, date!(2027 - 01 - 06));
    }

    #[test]
    fn earliest_exam_date_after_a_third_day_of_31_december_needs_no_next_year() {
        // Submitted Sun 2026-12-27: 12/28, 12/29, 12/30 → 12/31, all inside 2026.
        let got = builtin().earliest_exam_date(date!(2026 - 12 - 27)).unwrap();
        assert_eq!(got.earliest_exam_date, date!(2026 - 12 - 31));
    }

    #[test]
    fn empty_calendar_knows_no_year() {
        let calendar = WorkCalendar::empty();
        assert!(calendar.years().is_empty());
        assert_eq!(
            calendar.is_working_day(date!(2026 - 03 - 02)),
            Err(CalendarYearMissing { year: 2026 })
        );
    }

    #[test]
    fn insert_year_adds_and_replaces() {
        // -- Setup & Fixtures
        let mut calendar = builtin();
        let mut replaced = calendar.year(2026).unwrap().clone();
        replaced.makeup_workdays.push(MakeupWorkday {
            date: date!(2026 - 03 - 07),
            holiday: "清明节".into(),
        });
        replaced.validate().unwrap();

        // -- Exec
        calendar.insert_year(fake_2027());
        calendar.insert_year(replaced);

        // -- Check
        assert_eq!(calendar.years(), vec![2023, 2024, 2025, 2026, 2027]);
        assert_eq!(calendar.is_working_day(date!(2026 - 03 - 07)), Ok(true));
        assert_eq!(calendar.is_working_day(date!(2027 - 01 - 01)), Ok(false));
        assert_eq!(calendar.is_working_day(date!(2027 - 01 - 04)), Ok(true));
    }

    #[test]
    fn end_of_representable_time_is_missing_not_a_panic() {
        let mut last = fake_2027();
        last.year = 9999;
        last.source.published_on = date!(9999 - 01 - 01);
        last.holidays[0].start = date!(9999 - 01 - 01);
        last.holidays[0].end = date!(9999 - 01 - 01);
        last.validate().unwrap();
        let calendar = WorkCalendar::empty().with_year(last);
        assert_eq!(
            calendar.earliest_exam_date(date!(9999 - 12 - 30)),
            Err(CalendarYearMissing { year: 10000 })
        );
    }

    fn day_in_data_range() -> impl Strategy<Value = Date> {
        let first = date!(2023 - 01 - 01).to_julian_day();
        let last = date!(2026 - 11 - 30).to_julian_day();
        (first..=last).prop_map(|jd| Date::from_julian_day(jd).unwrap())
    }

    proptest! {
        #[test]
        fn working_days_after_counts_every_working_day_once(
            date in day_in_data_range(),
            n in 1u32..=10,
        ) {
            // -- Setup & Fixtures
            let calendar = builtin();

            // -- Exec
            let days = calendar.working_days_after(date, n).unwrap();

            // -- Check
            prop_assert_eq!(days.len(), n as usize);
            for day in &days {
                prop_assert!(calendar.is_working_day(*day).unwrap(), "{} is not a working day", day);
            }
            prop_assert!(days[0] > date);
            prop_assert!(days.windows(2).all(|w| w[0] < w[1]), "not strictly increasing: {:?}", days);
            let last = days[days.len() - 1];
            let mut day = date.next_day().unwrap();
            while day <= last {
                if calendar.is_working_day(day).unwrap() {
                    prop_assert!(days.contains(&day), "{} skipped in {:?}", day, days);
                }
                day = day.next_day().unwrap();
            }
            prop_assert_eq!(calendar.nth_working_day_after(date, n).unwrap(), last);

            let earliest = calendar.earliest_exam_date(date).unwrap();
            let third = calendar.nth_working_day_after(date, 3).unwrap();
            prop_assert!(earliest.earliest_exam_date > third);
            prop_assert_eq!(earliest.earliest_exam_date, third.next_day().unwrap());
            prop_assert!(!earliest.permits(third));
            prop_assert_eq!(&earliest.working_days[..], &calendar.working_days_after(date, 3).unwrap()[..]);
        }
    }
}
