//! Deadline alerts: which of a batch's SPEC §4 deadlines are still open on a China date, and
//! whether each is approaching or has passed. One function, used by the clock job (notices and
//! events), the batch views (badges) and the supervision dashboard (overdue batches), so all
//! three agree on what "overdue" means.
//!
//! The open deadlines of a batch that is not completed:
//! - `arrangement` (ARRANGEMENT_DEADLINE): the process has a 考务安排 step and it is neither
//!   submitted nor approved; due first exam day − 2, warned [`ARRANGEMENT_WARN_DAYS`] ahead.
//! - `completion` (COMPLETION_WINDOW): the process checks the completion window and the step
//!   that checks it (the certificate step) is neither submitted nor approved; due last exam day
//!   + 30 or a supervisor's extension, warned [`COMPLETION_WARN_DAYS`] ahead.
//! - `year_end` (CROSS_YEAR): every unfinished batch must finish within its year; due 31 Dec,
//!   warned [`YEAR_END_WARN_DAYS`] ahead. Left out while a completion alert already names the
//!   same day (a window capped at 31 Dec), so nobody is told the same thing twice.
//!
//! Every deadline is a China calendar date and is met on that day: it is approaching from
//! `deadline − warn days` through `deadline` itself, and passed from the day after.

use serde::Serialize;
use time::Date;

use crate::catalogue::Process;
use crate::rules::RuleCode;
use crate::state::{BatchStatus, StepStates};
use crate::{Step, StepState, calendar};

/// China days before the arrangement deadline from which it is "approaching".
pub const ARRANGEMENT_WARN_DAYS: i64 = 2;
/// China days before the completion deadline from which it is "approaching".
pub const COMPLETION_WARN_DAYS: i64 = 5;
/// China days before 31 December from which the year end is "approaching".
pub const YEAR_END_WARN_DAYS: i64 = 15;

/// Which deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum DeadlineKind {
    Arrangement,
    Completion,
    YearEnd,
}

impl DeadlineKind {
    pub const ALL: [DeadlineKind; 3] = [
        DeadlineKind::Arrangement,
        DeadlineKind::Completion,
        DeadlineKind::YearEnd,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            DeadlineKind::Arrangement => "arrangement",
            DeadlineKind::Completion => "completion",
            DeadlineKind::YearEnd => "year_end",
        }
    }

    pub const fn name_zh(self) -> &'static str {
        match self {
            DeadlineKind::Arrangement => "考务安排截止",
            DeadlineKind::Completion => "认定完成期限",
            DeadlineKind::YearEnd => "年度截止",
        }
    }

    /// What has to be done by the deadline.
    pub const fn duty_zh(self) -> &'static str {
        match self {
            DeadlineKind::Arrangement => "提交考务安排（考试日前两天）",
            DeadlineKind::Completion => "提交证书管理环节（考试之日起 30 日内完成认定全部环节）",
            DeadlineKind::YearEnd => "在本年度 12 月 31 日前完成全部环节（不可跨年实施）",
        }
    }

    /// The SPEC §4 rule behind it.
    pub const fn rule(self) -> RuleCode {
        match self {
            DeadlineKind::Arrangement => RuleCode::ArrangementDeadline,
            DeadlineKind::Completion => RuleCode::CompletionWindow,
            DeadlineKind::YearEnd => RuleCode::CrossYear,
        }
    }

    /// China days ahead from which it counts as approaching.
    pub const fn warn_days(self) -> i64 {
        match self {
            DeadlineKind::Arrangement => ARRANGEMENT_WARN_DAYS,
            DeadlineKind::Completion => COMPLETION_WARN_DAYS,
            DeadlineKind::YearEnd => YEAR_END_WARN_DAYS,
        }
    }
}

impl std::str::FromStr for DeadlineKind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        DeadlineKind::ALL
            .into_iter()
            .find(|kind| kind.code() == s)
            .ok_or(())
    }
}

/// Approaching (due within the warning days, or today) or passed (due before today).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AlertState {
    Approaching,
    Passed,
}

impl AlertState {
    pub const fn code(self) -> &'static str {
        match self {
            AlertState::Approaching => "approaching",
            AlertState::Passed => "passed",
        }
    }

    pub const fn name_zh(self) -> &'static str {
        match self {
            AlertState::Approaching => "即将到期",
            AlertState::Passed => "已逾期",
        }
    }
}

/// One open deadline that needs attention on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DeadlineAlert {
    pub kind: DeadlineKind,
    pub state: AlertState,
    pub deadline: Date,
    /// `deadline − today` in days: 0 on the day itself, negative once passed.
    pub days_left: i64,
}

/// What the alerts of one batch depend on.
#[derive(Debug, Clone, Copy)]
pub struct AlertInput<'a> {
    pub process: &'a Process,
    pub states: &'a StepStates,
    pub year: i32,
    pub exam_start: Date,
    pub exam_end: Date,
    pub completion_extended_to: Option<Date>,
}

fn done(state: Option<StepState>) -> bool {
    matches!(state, Some(StepState::Submitted | StepState::Approved))
}

fn classify(kind: DeadlineKind, deadline: Date, today: Date) -> Option<DeadlineAlert> {
    let days_left = (deadline - today).whole_days();
    let state = if days_left < 0 {
        AlertState::Passed
    } else if days_left <= kind.warn_days() {
        AlertState::Approaching
    } else {
        return None;
    };
    Some(DeadlineAlert {
        kind,
        state,
        deadline,
        days_left,
    })
}

/// The open deadlines of a batch that are approaching or passed on the China date `today`,
/// in the order arrangement, completion, year end. None for a completed batch.
pub fn deadline_alerts(input: &AlertInput<'_>, today: Date) -> Vec<DeadlineAlert> {
    let process = input.process;
    if input.states.status(process).status == BatchStatus::Completed {
        return Vec::new();
    }
    let mut out = Vec::new();
    if process.step(Step::Arrangement).is_some() && !done(input.states.get(Step::Arrangement)) {
        let deadline = calendar::arrangement_deadline(input.exam_start, input.year);
        out.extend(classify(DeadlineKind::Arrangement, deadline, today));
    }
    let closing: Vec<Step> = process
        .steps
        .iter()
        .filter(|def| def.rules.contains(&RuleCode::CompletionWindow))
        .map(|def| def.step)
        .collect();
    let mut completion_due = None;
    if !closing.is_empty() && !closing.iter().all(|step| done(input.states.get(*step))) {
        let deadline =
            calendar::completion_deadline(input.exam_end, input.year, input.completion_extended_to);
        completion_due = Some(deadline);
        out.extend(classify(DeadlineKind::Completion, deadline, today));
    }
    let year_end = calendar::year_end(input.year);
    if completion_due != Some(year_end) {
        out.extend(classify(DeadlineKind::YearEnd, year_end, today));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{EMPLOYER_SUPERVISED, SOCIAL_TRAINING_SUPERVISED};
    use time::macros::date;

    fn social(rows: &[(Step, StepState)], extended: Option<Date>) -> (StepStates, Option<Date>) {
        (
            StepStates::from_rows(&SOCIAL_TRAINING_SUPERVISED, rows.iter().copied()),
            extended,
        )
    }

    fn alerts_on(states: &StepStates, extended: Option<Date>, today: Date) -> Vec<DeadlineAlert> {
        deadline_alerts(
            &AlertInput {
                process: &SOCIAL_TRAINING_SUPERVISED,
                states,
                year: 2026,
                exam_start: date!(2026 - 03 - 10),
                exam_end: date!(2026 - 03 - 11),
                completion_extended_to: extended,
            },
            today,
        )
    }

    fn kinds(alerts: &[DeadlineAlert]) -> Vec<(DeadlineKind, AlertState, i64)> {
        alerts
            .iter()
            .map(|a| (a.kind, a.state, a.days_left))
            .collect()
    }

    #[test]
    fn arrangement_is_approaching_two_days_ahead_and_passed_the_day_after() {
        let (states, ext) = social(&[(Step::Plan, StepState::Draft)], None);
        // Deadline 2026-03-08 (first exam day − 2).
        assert_eq!(alerts_on(&states, ext, date!(2026 - 03 - 05)), vec![]);
        assert_eq!(
            kinds(&alerts_on(&states, ext, date!(2026 - 03 - 06))),
            vec![(DeadlineKind::Arrangement, AlertState::Approaching, 2)]
        );
        assert_eq!(
            kinds(&alerts_on(&states, ext, date!(2026 - 03 - 08))),
            vec![(DeadlineKind::Arrangement, AlertState::Approaching, 0)]
        );
        assert_eq!(
            kinds(&alerts_on(&states, ext, date!(2026 - 03 - 09))),
            vec![(DeadlineKind::Arrangement, AlertState::Passed, -1)]
        );
    }

    #[test]
    fn a_submitted_arrangement_or_certificate_closes_its_deadline() {
        let (states, ext) = social(
            &[
                (Step::Plan, StepState::Approved),
                (Step::Registration, StepState::Approved),
                (Step::Arrangement, StepState::Submitted),
            ],
            None,
        );
        assert_eq!(alerts_on(&states, ext, date!(2026 - 03 - 09)), vec![]);
        // Completion: 2026-03-11 + 30 = 2026-04-10, warned from 04-05.
        assert_eq!(alerts_on(&states, ext, date!(2026 - 04 - 04)), vec![]);
        assert_eq!(
            kinds(&alerts_on(&states, ext, date!(2026 - 04 - 05))),
            vec![(DeadlineKind::Completion, AlertState::Approaching, 5)]
        );
        assert_eq!(
            kinds(&alerts_on(&states, ext, date!(2026 - 04 - 11))),
            vec![(DeadlineKind::Completion, AlertState::Passed, -1)]
        );
        let (states, ext) = social(
            &[
                (Step::Plan, StepState::Approved),
                (Step::Registration, StepState::Approved),
                (Step::Arrangement, StepState::Approved),
                (Step::Certificate, StepState::Submitted),
            ],
            None,
        );
        assert_eq!(alerts_on(&states, ext, date!(2026 - 04 - 11)), vec![]);
        // Still unfinished at the year end.
        assert_eq!(
            kinds(&alerts_on(&states, ext, date!(2026 - 12 - 16))),
            vec![(DeadlineKind::YearEnd, AlertState::Approaching, 15)]
        );
        assert_eq!(
            kinds(&alerts_on(&states, ext, date!(2027 - 01 - 01))),
            vec![(DeadlineKind::YearEnd, AlertState::Passed, -1)]
        );
    }

    #[test]
    fn an_extension_moves_the_completion_deadline() {
        let (states, ext) = social(
            &[
                (Step::Plan, StepState::Approved),
                (Step::Registration, StepState::Approved),
                (Step::Arrangement, StepState::Approved),
            ],
            Some(date!(2026 - 05 - 20)),
        );
        assert_eq!(alerts_on(&states, ext, date!(2026 - 04 - 11)), vec![]);
        let alerts = alerts_on(&states, ext, date!(2026 - 05 - 21));
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].deadline, date!(2026 - 05 - 20));
        assert_eq!(alerts[0].state, AlertState::Passed);
    }

    #[test]
    fn a_window_capped_at_the_year_end_is_not_told_twice() {
        let states = StepStates::from_rows(
            &SOCIAL_TRAINING_SUPERVISED,
            [
                (Step::Plan, StepState::Approved),
                (Step::Registration, StepState::Approved),
                (Step::Arrangement, StepState::Approved),
            ],
        );
        let alerts = deadline_alerts(
            &AlertInput {
                process: &SOCIAL_TRAINING_SUPERVISED,
                states: &states,
                year: 2026,
                exam_start: date!(2026 - 12 - 10),
                exam_end: date!(2026 - 12 - 10),
                completion_extended_to: None,
            },
            date!(2026 - 12 - 28),
        );
        assert_eq!(
            kinds(&alerts),
            vec![(DeadlineKind::Completion, AlertState::Approaching, 3)]
        );
    }

    #[test]
    fn employer_batches_have_only_the_year_end_and_completed_ones_nothing() {
        let open = StepStates::initial(&EMPLOYER_SUPERVISED);
        let input = AlertInput {
            process: &EMPLOYER_SUPERVISED,
            states: &open,
            year: 2026,
            exam_start: date!(2026 - 03 - 10),
            exam_end: date!(2026 - 03 - 11),
            completion_extended_to: None,
        };
        assert_eq!(deadline_alerts(&input, date!(2026 - 12 - 15)), vec![]);
        assert_eq!(
            kinds(&deadline_alerts(&input, date!(2026 - 12 - 31))),
            vec![(DeadlineKind::YearEnd, AlertState::Approaching, 0)]
        );
        let all_approved = StepStates::from_rows(
            &EMPLOYER_SUPERVISED,
            EMPLOYER_SUPERVISED
                .steps
                .iter()
                .map(|def| (def.step, StepState::Approved)),
        );
        let input = AlertInput {
            states: &all_approved,
            ..input
        };
        assert_eq!(deadline_alerts(&input, date!(2027 - 01 - 05)), vec![]);
    }
}
