//! The step state machine of SPEC §3 and the batch status derived from it.
//!
//! `transition` lists every (state, event) pair with no catch-all arm: adding a state or an event
//! fails to compile until this table says what it does. The `on_*` planners turn one user action
//! into the ordered list of step changes it causes (auto-approval, opening the next step, sending
//! a batch back); the server persists exactly that list in one transaction.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalogue::{Process, Reviewer, Submitter, Track};
use crate::enums::{Step, StepState};

/// What happens to a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepEvent {
    /// The previous step was approved: the step becomes workable.
    Open,
    /// Submitted for review (by the institution, or by the platform for system steps).
    Submit,
    Approve,
    /// Returned with reasons.
    Return,
    /// The institution starts editing a returned step.
    Edit,
    /// A later step was returned to this one: an approved step is reopened as returned.
    Reopen,
    /// The batch went back before this step: it closes again.
    Reset,
    /// A step beside the sequence ends (外部质量督导 closes with the certificate decision).
    Close,
}

/// A transition the state machine does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("环节状态“{}”不允许执行“{event:?}”", from.name_zh())]
pub struct TransitionError {
    pub from: StepState,
    pub event: StepEvent,
}

/// The single source of truth for step transitions (SPEC §3: `not_started → draft → submitted →
/// approved` or `→ returned → (draft) → submitted …`).
pub const fn transition(from: StepState, event: StepEvent) -> Result<StepState, TransitionError> {
    use StepEvent::*;
    use StepState::*;
    let to = match (from, event) {
        (NotStarted, Open) => Draft,
        (NotStarted, Submit | Approve | Return | Edit | Reopen | Reset | Close) => {
            return Err(TransitionError { from, event });
        }

        (Draft, Submit) => Submitted,
        (Draft, Reset) => NotStarted,
        (Draft, Close) => Approved,
        (Draft, Open | Approve | Return | Edit | Reopen) => {
            return Err(TransitionError { from, event });
        }

        (Submitted, Approve) => Approved,
        (Submitted, Return) => Returned,
        (Submitted, Reset) => NotStarted,
        (Submitted, Open | Submit | Edit | Reopen | Close) => {
            return Err(TransitionError { from, event });
        }

        (Returned, Submit) => Submitted,
        (Returned, Edit) => Draft,
        (Returned, Reset) => NotStarted,
        (Returned, Open | Approve | Return | Reopen | Close) => {
            return Err(TransitionError { from, event });
        }

        (Approved, Reopen) => Returned,
        (Approved, Reset) => NotStarted,
        (Approved, Open | Submit | Approve | Return | Edit | Close) => {
            return Err(TransitionError { from, event });
        }
    };
    Ok(to)
}

/// One change to persist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StepChange {
    pub step: Step,
    pub event: StepEvent,
    pub from: StepState,
    pub to: StepState,
}

/// Why an action on a batch's steps cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgressError {
    #[error("本批次的流程没有“{}”环节", .0.name_zh())]
    UnknownStep(Step),
    #[error("“{}”环节不由机构提交", .0.name_zh())]
    NotSubmittable(Step),
    #[error("“{}”环节没有审核", .0.name_zh())]
    NotReviewable(Step),
    #[error(transparent)]
    Transition(#[from] TransitionError),
}

/// The states of every step of one batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepStates {
    states: BTreeMap<Step, StepState>,
}

/// A review decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Return,
}

impl StepStates {
    /// A new batch: its first step is open, every other step not started.
    pub fn initial(process: &Process) -> Self {
        let first = process.first();
        let states = process
            .steps
            .iter()
            .map(|def| {
                let state = if Some(def.step) == first {
                    StepState::Draft
                } else {
                    StepState::NotStarted
                };
                (def.step, state)
            })
            .collect();
        StepStates { states }
    }

    /// From stored rows; steps of the process missing from `rows` count as not started.
    pub fn from_rows(process: &Process, rows: impl IntoIterator<Item = (Step, StepState)>) -> Self {
        let mut states: BTreeMap<Step, StepState> = process
            .steps
            .iter()
            .map(|def| (def.step, StepState::NotStarted))
            .collect();
        for (step, state) in rows {
            if let Some(slot) = states.get_mut(&step) {
                *slot = state;
            }
        }
        StepStates { states }
    }

    pub fn get(&self, step: Step) -> Option<StepState> {
        self.states.get(&step).copied()
    }

    /// In the process's order.
    pub fn iter<'a>(
        &'a self,
        process: &'a Process,
    ) -> impl Iterator<Item = (Step, StepState)> + 'a {
        process
            .steps
            .iter()
            .filter_map(|def| self.get(def.step).map(|state| (def.step, state)))
    }

    /// Apply changes planned by the `on_*` functions.
    pub fn apply(&mut self, changes: &[StepChange]) {
        for change in changes {
            self.states.insert(change.step, change.to);
        }
    }

    fn change(&mut self, step: Step, event: StepEvent) -> Result<StepChange, ProgressError> {
        let from = self.get(step).ok_or(ProgressError::UnknownStep(step))?;
        let to = transition(from, event)?;
        self.states.insert(step, to);
        Ok(StepChange {
            step,
            event,
            from,
            to,
        })
    }

    /// The institution submits `step` (its checks have passed). `has_warnings` decides the route
    /// of an `AutoUnlessWarnings` step. Returns every change, in order.
    pub fn on_submit(
        &self,
        process: &Process,
        step: Step,
        has_warnings: bool,
    ) -> Result<Vec<StepChange>, ProgressError> {
        let def = process.step(step).ok_or(ProgressError::UnknownStep(step))?;
        match def.submitter {
            Submitter::Institution => {}
            Submitter::System | Submitter::Nobody => {
                return Err(ProgressError::NotSubmittable(step));
            }
        }
        let mut next = self.clone();
        let mut changes = vec![next.change(step, StepEvent::Submit)?];
        let approves_itself = match def.reviewer {
            Reviewer::None => true,
            Reviewer::AutoUnlessWarnings => !has_warnings,
            Reviewer::Supervisor | Reviewer::InfoOffice => false,
        };
        if approves_itself {
            changes.push(next.change(step, StepEvent::Approve)?);
            next.after_approval(process, step, &mut changes)?;
        }
        Ok(changes)
    }

    /// A reviewer decides on a submitted `step`.
    pub fn on_decision(
        &self,
        process: &Process,
        step: Step,
        decision: Decision,
    ) -> Result<Vec<StepChange>, ProgressError> {
        let def = process.step(step).ok_or(ProgressError::UnknownStep(step))?;
        if matches!(def.track, Track::Beside { .. }) {
            return Err(ProgressError::NotReviewable(step));
        }
        let mut next = self.clone();
        let mut changes = Vec::new();
        match decision {
            Decision::Approve => {
                changes.push(next.change(step, StepEvent::Approve)?);
                next.after_approval(process, step, &mut changes)?;
            }
            Decision::Return => {
                changes.push(next.change(step, StepEvent::Return)?);
                // A step the platform submitted has nothing for the institution to fix: the
                // batch goes back to the nearest step the institution submits (证书数据审核 →
                // 上传材料; 证书发放 → 证书数据审核 → 上传材料), closing the platform's steps between.
                if matches!(def.submitter, Submitter::System) {
                    changes.push(next.change(step, StepEvent::Reset)?);
                    let mut previous = process.previous(step);
                    while let Some(back) = previous {
                        let back_def =
                            process.step(back).ok_or(ProgressError::UnknownStep(back))?;
                        match back_def.submitter {
                            Submitter::Institution => {
                                changes.push(next.change(back, StepEvent::Reopen)?);
                                break;
                            }
                            Submitter::System | Submitter::Nobody => {
                                changes.push(next.change(back, StepEvent::Reset)?);
                                previous = process.previous(back);
                            }
                        }
                    }
                }
            }
        }
        Ok(changes)
    }

    /// A supervisor approved a change of the plan's exam time or venue (SPEC §4
    /// ARRANGEMENT_MISMATCH): an arrangement already submitted or approved was made for the old
    /// plan, so it goes back to the institution as returned, and a gate after it that had opened
    /// closes again. Before the arrangement is submitted nothing changes.
    pub fn on_plan_change(&self, process: &Process) -> Result<Vec<StepChange>, ProgressError> {
        let mut next = self.clone();
        let mut changes = Vec::new();
        let event = match self.get(Step::Arrangement) {
            Some(StepState::Submitted) => StepEvent::Return,
            Some(StepState::Approved) => StepEvent::Reopen,
            Some(StepState::NotStarted | StepState::Draft | StepState::Returned) | None => {
                return Ok(changes);
            }
        };
        changes.push(next.change(Step::Arrangement, event)?);
        let mut later = process.next_gate(Step::Arrangement);
        while let Some(step) = later {
            if !matches!(self.get(step), Some(StepState::NotStarted) | None) {
                changes.push(next.change(step, StepEvent::Reset)?);
            }
            later = process.next_gate(step);
        }
        Ok(changes)
    }

    /// The institution starts editing a returned step.
    pub fn on_edit(&self, process: &Process, step: Step) -> Result<Vec<StepChange>, ProgressError> {
        process.step(step).ok_or(ProgressError::UnknownStep(step))?;
        let mut next = self.clone();
        Ok(vec![next.change(step, StepEvent::Edit)?])
    }

    fn after_approval(
        &mut self,
        process: &Process,
        approved: Step,
        changes: &mut Vec<StepChange>,
    ) -> Result<(), ProgressError> {
        for def in process.steps {
            if let Track::Beside {
                opens_after,
                closes_with,
            } = def.track
            {
                if opens_after == approved && self.get(def.step) == Some(StepState::NotStarted) {
                    changes.push(self.change(def.step, StepEvent::Open)?);
                }
                if closes_with == approved && self.get(def.step) == Some(StepState::Draft) {
                    changes.push(self.change(def.step, StepEvent::Close)?);
                }
            }
        }
        let Some(next) = process.next_gate(approved) else {
            return Ok(());
        };
        // A step reopened earlier may already be past not_started; only a closed one opens.
        if self.get(next) != Some(StepState::NotStarted) {
            return Ok(());
        }
        changes.push(self.change(next, StepEvent::Open)?);
        let next_def = process.step(next).ok_or(ProgressError::UnknownStep(next))?;
        match next_def.submitter {
            Submitter::System => changes.push(self.change(next, StepEvent::Submit)?),
            Submitter::Institution | Submitter::Nobody => {}
        }
        Ok(())
    }

    /// The batch status shown in lists: where the batch stands and who has to act.
    pub fn status(&self, process: &Process) -> BatchProgress {
        for def in process.gates() {
            let state = self.get(def.step).unwrap_or(StepState::NotStarted);
            let status = match state {
                StepState::Approved => continue,
                StepState::NotStarted | StepState::Draft => match def.reviewer {
                    Reviewer::InfoOffice => BatchStatus::Issuing,
                    Reviewer::None | Reviewer::AutoUnlessWarnings | Reviewer::Supervisor => {
                        BatchStatus::InProgress
                    }
                },
                StepState::Submitted => match def.reviewer {
                    Reviewer::InfoOffice => BatchStatus::Issuing,
                    Reviewer::None | Reviewer::AutoUnlessWarnings | Reviewer::Supervisor => {
                        BatchStatus::UnderReview
                    }
                },
                StepState::Returned => BatchStatus::Returned,
            };
            return BatchProgress {
                status,
                current_step: Some(def.step),
            };
        }
        BatchProgress {
            status: BatchStatus::Completed,
            current_step: None,
        }
    }

    /// The status with the one fact the steps do not hold: whether the 信息部 archived the
    /// batch (its dossier sealed, `batches.archived_at` set). Archiving ends the process, so an
    /// archived batch has no current step.
    pub fn status_archived(&self, process: &Process, archived: bool) -> BatchProgress {
        if archived {
            BatchProgress {
                status: BatchStatus::Archived,
                current_step: None,
            }
        } else {
            self.status(process)
        }
    }
}

/// The derived status of a batch (never stored on its own: it follows from the step states).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum BatchStatus {
    /// The institution is working on the current step.
    InProgress,
    /// Waiting for the supervisor.
    UnderReview,
    /// Sent back to the institution.
    Returned,
    /// With the 信息部 for numbers, printing and publication.
    Issuing,
    /// Every step approved.
    Completed,
    /// Completed, and its dossier sealed by the 信息部 (SPEC §1 info_officer: archives): read only.
    Archived,
}

impl BatchStatus {
    pub const fn code(self) -> &'static str {
        match self {
            BatchStatus::InProgress => "in_progress",
            BatchStatus::UnderReview => "under_review",
            BatchStatus::Returned => "returned",
            BatchStatus::Issuing => "issuing",
            BatchStatus::Completed => "completed",
            BatchStatus::Archived => "archived",
        }
    }

    pub const fn name_zh(self) -> &'static str {
        match self {
            BatchStatus::InProgress => "办理中",
            BatchStatus::UnderReview => "待审核",
            BatchStatus::Returned => "已退回",
            BatchStatus::Issuing => "证书办理中",
            BatchStatus::Completed => "已办结",
            BatchStatus::Archived => "已归档",
        }
    }

    /// Whether the batch and everything under it (steps, candidates, materials, arrangement,
    /// results, certificates, change requests, inspection reports) may still change. An
    /// archived batch's dossier is sealed: its zip and the rows it was built from stay as they
    /// were (the one exception, certificate revocation, lives outside the batch: see
    /// `routes::certificates::revoke`).
    pub const fn accepts_writes(self) -> bool {
        match self {
            BatchStatus::InProgress
            | BatchStatus::UnderReview
            | BatchStatus::Returned
            | BatchStatus::Issuing
            | BatchStatus::Completed => true,
            BatchStatus::Archived => false,
        }
    }

    /// Whether the 信息部 may archive the batch now: only once every step is approved, i.e. its
    /// certificates are issued and published (证书发放 closes with publication), and only once.
    pub const fn can_archive(self) -> bool {
        match self {
            BatchStatus::Completed => true,
            BatchStatus::InProgress
            | BatchStatus::UnderReview
            | BatchStatus::Returned
            | BatchStatus::Issuing
            | BatchStatus::Archived => false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BatchProgress {
    pub status: BatchStatus,
    /// The first gate step not yet approved.
    pub current_step: Option<Step>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{
        EMPLOYER_SELF, EMPLOYER_SUPERVISED, PROCESSES, SOCIAL_TRAINING_SUPERVISED,
    };
    use StepState::*;

    const EVENTS: [StepEvent; 8] = [
        StepEvent::Open,
        StepEvent::Submit,
        StepEvent::Approve,
        StepEvent::Return,
        StepEvent::Edit,
        StepEvent::Reopen,
        StepEvent::Reset,
        StepEvent::Close,
    ];

    #[test]
    fn transition_table_allows_exactly_the_spec_paths() {
        // SPEC §3: not_started → draft → submitted → approved, or → returned → (draft) → submitted.
        let allowed = [
            (NotStarted, StepEvent::Open, Draft),
            (Draft, StepEvent::Submit, Submitted),
            (Submitted, StepEvent::Approve, Approved),
            (Submitted, StepEvent::Return, Returned),
            (Returned, StepEvent::Edit, Draft),
            (Returned, StepEvent::Submit, Submitted),
            (Approved, StepEvent::Reopen, Returned),
            (Draft, StepEvent::Reset, NotStarted),
            (Submitted, StepEvent::Reset, NotStarted),
            (Returned, StepEvent::Reset, NotStarted),
            (Approved, StepEvent::Reset, NotStarted),
            (Draft, StepEvent::Close, Approved),
        ];
        for from in StepState::ALL {
            for event in EVENTS {
                let expected = allowed
                    .iter()
                    .find(|(f, e, _)| *f == *from && *e == event)
                    .map(|(_, _, to)| *to);
                assert_eq!(
                    transition(*from, event).ok(),
                    expected,
                    "{from:?} --{event:?}->"
                );
            }
        }
    }

    #[test]
    fn a_decided_step_cannot_be_decided_again() {
        // Two simultaneous decisions: the second finds the step approved (→ 409 in the API).
        assert!(transition(Approved, StepEvent::Approve).is_err());
        assert!(transition(Approved, StepEvent::Return).is_err());
        assert!(transition(Returned, StepEvent::Return).is_err());
    }

    #[test]
    fn a_new_batch_opens_its_first_step_only() {
        for process in PROCESSES {
            let states = StepStates::initial(process);
            let open: Vec<_> = states
                .iter(process)
                .filter(|(_, state)| *state != NotStarted)
                .collect();
            assert_eq!(open, vec![(process.steps[0].step, Draft)]);
            assert_eq!(
                states.status(process),
                BatchProgress {
                    status: BatchStatus::InProgress,
                    current_step: Some(process.steps[0].step),
                }
            );
        }
    }

    #[test]
    fn supervised_registration_without_warnings_approves_itself_and_opens_certificate() {
        // seed §省管用人单位 二 3: "无预警信息无需审核"
        let p = &EMPLOYER_SUPERVISED;
        let states =
            StepStates::from_rows(p, [(Step::Plan, Approved), (Step::Registration, Draft)]);
        let changes = states.on_submit(p, Step::Registration, false).unwrap();
        let events: Vec<_> = changes.iter().map(|c| (c.step, c.event)).collect();
        assert_eq!(
            events,
            vec![
                (Step::Registration, StepEvent::Submit),
                (Step::Registration, StepEvent::Approve),
                (Step::Certificate, StepEvent::Open),
            ]
        );
    }

    #[test]
    fn supervised_registration_with_warnings_waits_for_the_supervisor() {
        // seed §省管用人单位 二 3: "如存在预警信息时需提交核查情况说明，经审核批复后实施"
        let p = &EMPLOYER_SUPERVISED;
        let states =
            StepStates::from_rows(p, [(Step::Plan, Approved), (Step::Registration, Draft)]);
        let changes = states.on_submit(p, Step::Registration, true).unwrap();
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].to, Submitted);
    }

    #[test]
    fn social_training_walk_opens_and_closes_supervision_beside_the_gates() {
        let p = &SOCIAL_TRAINING_SUPERVISED;
        let mut states = StepStates::initial(p);
        for step in [
            Step::Plan,
            Step::Registration,
            Step::Arrangement,
            Step::Certificate,
        ] {
            let submitted = states.on_submit(p, step, false).unwrap();
            states.apply(&submitted);
            assert_eq!(
                states.get(step),
                Some(Submitted),
                "{step:?} is always reviewed"
            );
            assert_eq!(states.status(p).status, BatchStatus::UnderReview);
            let approved = states.on_decision(p, step, Decision::Approve).unwrap();
            states.apply(&approved);
            if step == Step::Plan {
                assert_eq!(states.get(Step::Supervision), Some(Draft));
            }
        }
        assert_eq!(states.get(Step::Supervision), Some(Approved));
        assert_eq!(states.get(Step::Issuance), Some(Submitted));
        assert_eq!(states.status(p).status, BatchStatus::Issuing);
        let issued = states
            .on_decision(p, Step::Issuance, Decision::Approve)
            .unwrap();
        states.apply(&issued);
        assert_eq!(
            states.status(p),
            BatchProgress {
                status: BatchStatus::Completed,
                current_step: None
            }
        );
    }

    #[test]
    fn supervision_cannot_be_submitted_or_decided() {
        let p = &SOCIAL_TRAINING_SUPERVISED;
        let states = StepStates::from_rows(p, [(Step::Plan, Approved), (Step::Supervision, Draft)]);
        assert_eq!(
            states.on_submit(p, Step::Supervision, false),
            Err(ProgressError::NotSubmittable(Step::Supervision))
        );
        assert_eq!(
            states.on_decision(p, Step::Supervision, Decision::Approve),
            Err(ProgressError::NotReviewable(Step::Supervision))
        );
    }

    #[test]
    fn an_approved_plan_change_returns_the_arrangement_and_closes_the_steps_after_it() {
        let p = &SOCIAL_TRAINING_SUPERVISED;
        let rows = |arrangement, certificate| {
            StepStates::from_rows(
                p,
                [
                    (Step::Plan, Approved),
                    (Step::Registration, Approved),
                    (Step::Arrangement, arrangement),
                    (Step::Supervision, Draft),
                    (Step::Certificate, certificate),
                ],
            )
        };
        // Not yet submitted: the institution arranges for the new plan anyway.
        assert_eq!(rows(Draft, NotStarted).on_plan_change(p), Ok(vec![]));
        let submitted = rows(Submitted, NotStarted).on_plan_change(p).unwrap();
        assert_eq!(submitted.len(), 1);
        assert_eq!(
            (submitted[0].step, submitted[0].to),
            (Step::Arrangement, Returned)
        );
        let approved = rows(Approved, Draft).on_plan_change(p).unwrap();
        let moves: Vec<_> = approved.iter().map(|c| (c.step, c.event, c.to)).collect();
        assert_eq!(
            moves,
            vec![
                (Step::Arrangement, StepEvent::Reopen, Returned),
                (Step::Certificate, StepEvent::Reset, NotStarted),
            ]
        );
        // A process without an arrangement step has nothing to send back.
        let employer = StepStates::initial(&EMPLOYER_SUPERVISED);
        assert_eq!(employer.on_plan_change(&EMPLOYER_SUPERVISED), Ok(vec![]));
    }

    #[test]
    fn only_a_completed_batch_can_be_archived_and_an_archived_one_takes_no_writes() {
        use BatchStatus::*;
        let all = [
            InProgress,
            UnderReview,
            Returned,
            Issuing,
            Completed,
            Archived,
        ];
        let archivable: Vec<_> = all.iter().filter(|s| s.can_archive()).collect();
        assert_eq!(archivable, [&Completed]);
        let read_only: Vec<_> = all.iter().filter(|s| !s.accepts_writes()).collect();
        assert_eq!(read_only, [&Archived]);
        assert_eq!(Archived.code(), "archived");
        let p = &EMPLOYER_SUPERVISED;
        let done = StepStates::from_rows(p, p.steps.iter().map(|def| (def.step, Approved)));
        assert_eq!(done.status_archived(p, false).status, Completed);
        assert_eq!(
            done.status_archived(p, true),
            BatchProgress {
                status: Archived,
                current_step: None
            }
        );
    }

    #[test]
    fn returned_step_can_be_resubmitted() {
        let p = &EMPLOYER_SUPERVISED;
        let mut states = StepStates::initial(p);
        states.apply(&states.on_submit(p, Step::Plan, false).unwrap());
        states.apply(&states.on_decision(p, Step::Plan, Decision::Return).unwrap());
        assert_eq!(states.status(p).status, BatchStatus::Returned);
        states.apply(&states.on_edit(p, Step::Plan).unwrap());
        assert_eq!(states.get(Step::Plan), Some(Draft));
        states.apply(&states.on_submit(p, Step::Plan, false).unwrap());
        assert_eq!(states.get(Step::Plan), Some(Submitted));
    }

    #[test]
    fn data_audit_return_sends_the_batch_back_to_materials() {
        let p = &EMPLOYER_SELF;
        let mut states = StepStates::from_rows(
            p,
            [(Step::Registration, Approved), (Step::Materials, Draft)],
        );
        states.apply(&states.on_submit(p, Step::Materials, false).unwrap());
        // 上传材料 is not reviewed; 证书数据审核 opens straight into the supervisors' queue.
        assert_eq!(states.get(Step::Materials), Some(Approved));
        assert_eq!(states.get(Step::DataAudit), Some(Submitted));
        assert_eq!(states.status(p).status, BatchStatus::UnderReview);

        states.apply(
            &states
                .on_decision(p, Step::DataAudit, Decision::Return)
                .unwrap(),
        );
        assert_eq!(states.get(Step::DataAudit), Some(NotStarted));
        assert_eq!(states.get(Step::Materials), Some(Returned));
        assert_eq!(
            states.status(p),
            BatchProgress {
                status: BatchStatus::Returned,
                current_step: Some(Step::Materials)
            }
        );

        // Fixed and resubmitted: the audit is back in the queue.
        states.apply(&states.on_submit(p, Step::Materials, false).unwrap());
        assert_eq!(states.get(Step::DataAudit), Some(Submitted));
    }

    #[test]
    fn issuance_return_in_a_self_module_goes_back_to_materials() {
        // 信息部 returns 证书发放: 证书数据审核 closes too, and the institution fixes 上传材料.
        let p = &EMPLOYER_SELF;
        let mut states = StepStates::from_rows(
            p,
            [
                (Step::Registration, Approved),
                (Step::Materials, Approved),
                (Step::DataAudit, Approved),
                (Step::Issuance, Submitted),
            ],
        );
        states.apply(
            &states
                .on_decision(p, Step::Issuance, Decision::Return)
                .unwrap(),
        );
        assert_eq!(states.get(Step::Issuance), Some(NotStarted));
        assert_eq!(states.get(Step::DataAudit), Some(NotStarted));
        assert_eq!(states.get(Step::Materials), Some(Returned));
        // And the batch can move on again: materials → data audit → issuance.
        states.apply(&states.on_submit(p, Step::Materials, false).unwrap());
        assert_eq!(states.get(Step::DataAudit), Some(Submitted));
        states.apply(
            &states
                .on_decision(p, Step::DataAudit, Decision::Approve)
                .unwrap(),
        );
        assert_eq!(states.get(Step::Issuance), Some(Submitted));
    }

    #[test]
    fn issuance_return_in_a_supervised_module_reopens_the_certificate_step() {
        let p = &SOCIAL_TRAINING_SUPERVISED;
        let mut states = StepStates::from_rows(
            p,
            [
                (Step::Plan, Approved),
                (Step::Registration, Approved),
                (Step::Arrangement, Approved),
                (Step::Supervision, Approved),
                (Step::Certificate, Approved),
                (Step::Issuance, Submitted),
            ],
        );
        states.apply(
            &states
                .on_decision(p, Step::Issuance, Decision::Return)
                .unwrap(),
        );
        assert_eq!(states.get(Step::Certificate), Some(Returned));
        assert_eq!(states.get(Step::Issuance), Some(NotStarted));
        assert_eq!(states.status(p).status, BatchStatus::Returned);
    }

    #[test]
    fn system_steps_cannot_be_submitted_by_the_institution() {
        let p = &EMPLOYER_SELF;
        let states = StepStates::initial(p);
        assert_eq!(
            states.on_submit(p, Step::DataAudit, false),
            Err(ProgressError::NotSubmittable(Step::DataAudit))
        );
        assert_eq!(
            states.on_submit(p, Step::Plan, false),
            Err(ProgressError::UnknownStep(Step::Plan))
        );
    }

    #[test]
    fn submitting_twice_is_a_transition_error() {
        let p = &EMPLOYER_SUPERVISED;
        let states = StepStates::from_rows(p, [(Step::Plan, Submitted)]);
        assert!(matches!(
            states.on_submit(p, Step::Plan, false),
            Err(ProgressError::Transition(_))
        ));
        // Deciding a step that is not submitted is refused (→ 409 in the API).
        let states = StepStates::from_rows(p, [(Step::Plan, Draft)]);
        assert!(matches!(
            states.on_decision(p, Step::Plan, Decision::Approve),
            Err(ProgressError::Transition(_))
        ));
    }
}
