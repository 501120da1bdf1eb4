//! 预警信息 (SPEC §5): the warning codes and the pure per-candidate and per-batch tests behind
//! them. Finding duplicates, concurrent batches, certificates and blacklist entries needs the
//! database and lives in the server; what can be decided from one person's facts lives here.

use serde::{Deserialize, Serialize};
use time::{Date, Month};

/// A warning on a candidate, or on the batch (`PASS_RATE_ANOMALY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WarningCode {
    DuplicateInBatch,
    DuplicateCertificate,
    ConcurrentBatch,
    UnderAge,
    Blacklisted,
    NotGraduatingYear,
    PassRateAnomaly,
}

impl WarningCode {
    pub const ALL: &'static [WarningCode] = &[
        WarningCode::DuplicateInBatch,
        WarningCode::DuplicateCertificate,
        WarningCode::ConcurrentBatch,
        WarningCode::UnderAge,
        WarningCode::Blacklisted,
        WarningCode::NotGraduatingYear,
        WarningCode::PassRateAnomaly,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            WarningCode::DuplicateInBatch => "DUPLICATE_IN_BATCH",
            WarningCode::DuplicateCertificate => "DUPLICATE_CERTIFICATE",
            WarningCode::ConcurrentBatch => "CONCURRENT_BATCH",
            WarningCode::UnderAge => "UNDER_AGE",
            WarningCode::Blacklisted => "BLACKLISTED",
            WarningCode::NotGraduatingYear => "NOT_GRADUATING_YEAR",
            WarningCode::PassRateAnomaly => "PASS_RATE_ANOMALY",
        }
    }

    pub const fn name_zh(self) -> &'static str {
        match self {
            WarningCode::DuplicateInBatch => "一人多报",
            WarningCode::DuplicateCertificate => "重复取证",
            WarningCode::ConcurrentBatch => "同时参加其他批次",
            WarningCode::UnderAge => "未满16周岁",
            WarningCode::Blacklisted => "列入禁考名单",
            WarningCode::NotGraduatingYear => "非毕业学年学生",
            WarningCode::PassRateAnomaly => "合格率异常",
        }
    }
}

/// The minimum age on the first exam day (SPEC §5 `UNDER_AGE`).
pub const MINIMUM_AGE: i32 = 16;

/// Completed years of age on `on`. A 29 February birthday falls on 28 February in other years.
pub fn age_on(birth: Date, on: Date) -> i32 {
    let mut age = on.year() - birth.year();
    let birthday_this_year = Date::from_calendar_date(on.year(), birth.month(), birth.day())
        .or_else(|_| Date::from_calendar_date(on.year(), Month::February, 28));
    if let Ok(birthday) = birthday_this_year
        && on < birthday
    {
        age -= 1;
    }
    age
}

/// `UNDER_AGE`: younger than 16 on the first exam day.
pub fn is_under_age(birth: Date, first_exam_day: Date) -> bool {
    age_on(birth, first_exam_day) < MINIMUM_AGE
}

/// 毕业学年 (seed §技工院校 三 2): the school year runs 1 September – 31 August, and a student who
/// graduates in year G is in the graduating year from 1 September G−1 to 31 August G. This is a
/// product interpretation: the seed names the graduating year without defining it.
pub fn is_graduating_year(graduation_year: i32, first_exam_day: Date) -> bool {
    let school_year_ends = if first_exam_day.month() as u8 >= 9 {
        first_exam_day.year() + 1
    } else {
        first_exam_day.year()
    };
    graduation_year == school_year_ends
}

/// The pass mark of every subject on the 100-point scale (SPEC §5).
pub const PASS_MARK: f64 = 60.0;

/// Whether a candidate passed: every subject the occupation has (理论知识, 操作技能, 综合评审) scored
/// at least 60. `None` while a subject the occupation has is still without a score.
pub fn candidate_passed(subjects: &[SubjectScore]) -> Option<bool> {
    let mut passed = true;
    for subject in subjects {
        match subject {
            SubjectScore::NotAssessed => {}
            SubjectScore::Pending => return None,
            SubjectScore::Scored(score) => passed &= *score >= PASS_MARK,
        }
    }
    Some(passed)
}

/// One subject's score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SubjectScore {
    /// The occupation has no such part.
    NotAssessed,
    /// The occupation has it, but no score is entered yet.
    Pending,
    Scored(f64),
}

/// `PASS_RATE_ANOMALY` (SPEC §5): at least 30 assessed and a pass rate above 95 % or below 50 %.
pub fn is_pass_rate_anomaly(assessed: u32, passed: u32) -> bool {
    if assessed < 30 {
        return false;
    }
    // Integer comparisons: passed/assessed > 95/100 and passed/assessed < 50/100.
    let passed = u64::from(passed);
    let assessed = u64::from(assessed);
    passed * 100 > assessed * 95 || passed * 100 < assessed * 50
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn under_age_is_decided_on_the_first_exam_day() {
        // SPEC §5: UNDER_AGE — younger than 16 on the first exam day.
        let exam = date!(2026 - 06 - 10);
        assert!(is_under_age(date!(2010 - 06 - 11), exam), "16 tomorrow");
        assert!(!is_under_age(date!(2010 - 06 - 10), exam), "16 today");
        assert!(!is_under_age(date!(2010 - 06 - 09), exam));
    }

    #[test]
    fn leap_day_birthdays_count_on_28_february() {
        assert_eq!(age_on(date!(2008 - 02 - 29), date!(2024 - 02 - 28)), 15);
        assert_eq!(age_on(date!(2008 - 02 - 29), date!(2024 - 02 - 29)), 16);
        assert_eq!(age_on(date!(2008 - 02 - 29), date!(2025 - 02 - 27)), 16);
        assert_eq!(age_on(date!(2010 - 02 - 28), date!(2026 - 02 - 28)), 16);
        assert!(!is_under_age(date!(2010 - 02 - 28), date!(2026 - 02 - 28)));
    }

    #[test]
    fn graduating_year_follows_the_school_year() {
        // seed §技工院校 三 2: "评价机构在组织毕业学年学生开展认定报名时"
        assert!(is_graduating_year(2026, date!(2026 - 05 - 20)));
        assert!(is_graduating_year(2026, date!(2025 - 09 - 01)));
        assert!(is_graduating_year(2026, date!(2026 - 08 - 31)));
        assert!(!is_graduating_year(2026, date!(2026 - 09 - 01)));
        assert!(is_graduating_year(2027, date!(2026 - 11 - 15)));
        assert!(!is_graduating_year(2027, date!(2026 - 05 - 20)));
    }

    #[test]
    fn pass_rate_anomaly_needs_thirty_and_an_extreme_rate() {
        // SPEC §5: n ≥ 30 and pass rate > 95 % or < 50 %.
        assert!(!is_pass_rate_anomaly(29, 29));
        assert!(is_pass_rate_anomaly(30, 30));
        assert!(
            !is_pass_rate_anomaly(40, 38),
            "exactly 95 % is not above it"
        );
        assert!(is_pass_rate_anomaly(100, 96));
        assert!(
            !is_pass_rate_anomaly(100, 50),
            "exactly 50 % is not below it"
        );
        assert!(is_pass_rate_anomaly(100, 49));
        assert!(!is_pass_rate_anomaly(100, 80));
    }

    #[test]
    fn a_candidate_passes_when_every_assessed_subject_reaches_60() {
        use SubjectScore::*;
        assert_eq!(
            candidate_passed(&[Scored(60.0), Scored(75.5), NotAssessed]),
            Some(true)
        );
        assert_eq!(
            candidate_passed(&[Scored(59.5), Scored(90.0), NotAssessed]),
            Some(false)
        );
        assert_eq!(
            candidate_passed(&[Scored(80.0), Pending, NotAssessed]),
            None
        );
        assert_eq!(
            candidate_passed(&[Scored(80.0), Scored(70.0), Scored(61.0)]),
            Some(true)
        );
    }

    #[test]
    fn warning_codes_serialise_as_their_codes() {
        for code in WarningCode::ALL {
            assert_eq!(
                serde_json::to_string(code).unwrap(),
                format!("\"{}\"", code.code())
            );
        }
    }
}
