//! 外部质量督导 (SPEC §3, §7): which batches a 双随机 draw may pick.
//!
//! A batch is under external supervision from the approval of its plan (for processes that have
//! a `plan` step; self-assessed batches from their creation) until its certificate decision
//! (`certificate` or `data_audit` approved, after which the batch is with the 信息部 or done).
//! A draw may narrow the pool to batches whose given step is still open — `draft`, `submitted`
//! or `returned` — e.g. `supervision` (social training, beside the gates) or `data_audit`
//! (self-assessed batches whose 证书数据审核 may be decided by an on-site check).

use crate::catalogue::Process;
use crate::enums::{Step, StepState};
use crate::state::{BatchStatus, StepStates};

/// Why a batch is, or is not, in a draw's pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drawable {
    Yes,
    /// The plan is not approved yet: supervision has not begun.
    NotStarted,
    /// The certificate decision is made (issuing or completed): supervision is over.
    Finished,
    /// A step filter was given and the batch's step is missing or not open.
    StepNotOpen,
}

/// Whether a batch in `states` may be drawn, optionally only while `step` is open.
pub fn drawable(process: &Process, states: &StepStates, step: Option<Step>) -> Drawable {
    let status = states.status(process).status;
    match status {
        BatchStatus::Issuing | BatchStatus::Completed | BatchStatus::Archived => {
            return Drawable::Finished;
        }
        BatchStatus::InProgress | BatchStatus::UnderReview | BatchStatus::Returned => {}
    }
    if process.step(Step::Plan).is_some() && states.get(Step::Plan) != Some(StepState::Approved) {
        return Drawable::NotStarted;
    }
    if let Some(step) = step {
        let open = matches!(
            states.get(step),
            Some(StepState::Draft | StepState::Submitted | StepState::Returned)
        );
        if !open {
            return Drawable::StepNotOpen;
        }
    }
    Drawable::Yes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::{EMPLOYER_SELF, SOCIAL_TRAINING_SUPERVISED};
    use StepState::*;

    #[test]
    fn social_training_is_drawable_from_plan_approval_to_the_certificate_decision() {
        let p = &SOCIAL_TRAINING_SUPERVISED;
        let fresh = StepStates::initial(p);
        assert_eq!(drawable(p, &fresh, None), Drawable::NotStarted);
        let submitted = StepStates::from_rows(p, [(Step::Plan, Submitted)]);
        assert_eq!(drawable(p, &submitted, None), Drawable::NotStarted);
        let running = StepStates::from_rows(
            p,
            [
                (Step::Plan, Approved),
                (Step::Registration, Draft),
                (Step::Supervision, Draft),
            ],
        );
        assert_eq!(drawable(p, &running, None), Drawable::Yes);
        assert_eq!(
            drawable(p, &running, Some(Step::Supervision)),
            Drawable::Yes
        );
        assert_eq!(
            drawable(p, &running, Some(Step::Arrangement)),
            Drawable::StepNotOpen
        );
        assert_eq!(
            drawable(p, &running, Some(Step::DataAudit)),
            Drawable::StepNotOpen,
            "not a step of this process"
        );
        let certificate_submitted = StepStates::from_rows(
            p,
            [
                (Step::Plan, Approved),
                (Step::Registration, Approved),
                (Step::Arrangement, Approved),
                (Step::Supervision, Draft),
                (Step::Certificate, Submitted),
            ],
        );
        assert_eq!(drawable(p, &certificate_submitted, None), Drawable::Yes);
        let issuing = StepStates::from_rows(
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
        assert_eq!(drawable(p, &issuing, None), Drawable::Finished);
    }

    #[test]
    fn self_assessed_data_audit_is_drawable_while_awaiting_the_decision() {
        let p = &EMPLOYER_SELF;
        let materials = StepStates::from_rows(
            p,
            [(Step::Registration, Approved), (Step::Materials, Draft)],
        );
        assert_eq!(drawable(p, &materials, None), Drawable::Yes);
        assert_eq!(
            drawable(p, &materials, Some(Step::DataAudit)),
            Drawable::StepNotOpen
        );
        let audit = StepStates::from_rows(
            p,
            [
                (Step::Registration, Approved),
                (Step::Materials, Approved),
                (Step::DataAudit, Submitted),
            ],
        );
        assert_eq!(drawable(p, &audit, Some(Step::DataAudit)), Drawable::Yes);
        let decided = StepStates::from_rows(
            p,
            [
                (Step::Registration, Approved),
                (Step::Materials, Approved),
                (Step::DataAudit, Approved),
                (Step::Issuance, Submitted),
            ],
        );
        assert_eq!(
            drawable(p, &decided, Some(Step::DataAudit)),
            Drawable::Finished
        );
    }
}
