//! Every rule code of SPEC §4 with at least one passing and one failing case, each quoting the
//! line of the regulation it checks; the checklist and the submission agreeing; deadlines.

// Test helpers outside #[test] functions may unwrap: a failure is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use skillcert_domain::calendar::WorkCalendar;
use skillcert_domain::catalogue::{self, Submitter};
use skillcert_domain::codecs::{OccupationCode, Region};
use skillcert_domain::rules::{
    self, ApprovedPlan, BatchSnapshot, CandidateFacts, Disposition, DispositionDecision,
    OccupationLine, RuleCode, SessionFacts, StepFacts, Violation, WarningFacts,
};
use skillcert_domain::state::{Decision, StepStates};
use skillcert_domain::warnings::WarningCode;
use skillcert_domain::{InstitutionKind, Level, MaterialKind, Method, Module, Step, StepState};
use time::OffsetDateTime;
use time::macros::{date, datetime};

// -- Setup & Fixtures

const ELECTRICIAN: &str = "6-31-01-03"; // 电工
const ELDER_CARE: &str = "4-10-01-05"; // 养老护理员

fn occ(code: &str) -> OccupationCode {
    OccupationCode::parse(code).unwrap()
}

fn line(code: &str, level: Level, planned: u32, registered: u32) -> OccupationLine {
    OccupationLine {
        occupation_code: occ(code),
        level,
        planned_count: planned,
        registered_count: registered,
    }
}

fn candidate(id: &str, passed: Option<bool>) -> CandidateFacts {
    CandidateFacts {
        id: id.to_owned(),
        occupation_code: occ(ELECTRICIAN),
        level: Level::Five,
        graduation_year: None,
        passed,
    }
}

/// A social-training batch in 洛阳 for 2026: 20 电工 五级, exams 10–11 March, plan in draft.
fn social() -> BatchSnapshot {
    BatchSnapshot {
        kind: InstitutionKind::SocialTraining,
        module: Module::Supervised,
        method: Method::Exam,
        year: 2026,
        exam_start: date!(2026 - 03 - 10),
        exam_end: date!(2026 - 03 - 11),
        venue: "洛阳市职业技能实训基地".to_owned(),
        venue_region: Region::Luoyang,
        institution_region: Region::Luoyang,
        annual_plan_on_file: false,
        filed: vec![
            (occ(ELECTRICIAN), Level::Five),
            (occ(ELECTRICIAN), Level::Four),
            (occ(ELDER_CARE), Level::Five),
        ],
        occupations: vec![line(ELECTRICIAN, Level::Five, 20, 20)],
        candidates: Vec::new(),
        materials: Vec::new(),
        warnings: Vec::new(),
        steps: vec![StepFacts {
            step: Step::Plan,
            state: StepState::Draft,
            submitted_at: None,
            first_submitted_at: None,
        }],
        approved_plan: None,
        sessions: Vec::new(),
        completion_extended_to: None,
    }
}

/// The same batch for another (kind, module), with its annual plan on file.
fn batch_of(kind: InstitutionKind, module: Module) -> BatchSnapshot {
    let mut s = social();
    s.kind = kind;
    s.module = module;
    s.annual_plan_on_file = true;
    let first = s.process().unwrap().first().unwrap();
    s.steps = vec![StepFacts {
        step: first,
        state: StepState::Draft,
        submitted_at: None,
        first_submitted_at: None,
    }];
    s
}

/// Marks every step before `step` approved and `step` open.
fn at_step(mut s: BatchSnapshot, step: Step) -> BatchSnapshot {
    let process = s.process().unwrap();
    s.steps.clear();
    for def in process.steps {
        if def.step == step {
            s.steps.push(StepFacts {
                step,
                state: StepState::Draft,
                submitted_at: None,
                first_submitted_at: None,
            });
            break;
        }
        s.steps.push(StepFacts {
            step: def.step,
            state: StepState::Approved,
            submitted_at: Some(datetime!(2026-02-01 09:00 +8)),
            first_submitted_at: None,
        });
    }
    if s.approved_plan.is_none() && process.step(Step::Plan).is_some() && step != Step::Plan {
        s.approved_plan = Some(ApprovedPlan {
            exam_start: s.exam_start,
            exam_end: s.exam_end,
            venue: s.venue.clone(),
            occupations: s
                .occupations
                .iter()
                .map(|l| (l.occupation_code.clone(), l.level))
                .collect(),
        });
    }
    s
}

fn with_materials(mut s: BatchSnapshot, kinds: &[MaterialKind]) -> BatchSnapshot {
    s.materials.extend_from_slice(kinds);
    s
}

fn cal() -> WorkCalendar {
    WorkCalendar::builtin()
}

// -- Exec helpers

fn submit(s: &BatchSnapshot, step: Step, at: OffsetDateTime) -> Vec<Violation> {
    rules::submission_violations(s, &cal(), step, at).unwrap()
}

fn codes(violations: &[Violation]) -> Vec<RuleCode> {
    let mut codes: Vec<RuleCode> = violations.iter().map(|v| v.code).collect();
    codes.dedup();
    codes
}

fn has(violations: &[Violation], code: RuleCode) -> bool {
    violations.iter().any(|v| v.code == code)
}

fn batch(s: &BatchSnapshot) -> Vec<Violation> {
    rules::batch_violations(s, &cal(), datetime!(2026-02-10 10:00 +8))
}

const PLAN_DAY: OffsetDateTime = datetime!(2026-02-12 10:00 +8);

fn social_plan_ready() -> BatchSnapshot {
    with_materials(social(), &[MaterialKind::PlanApplication])
}

// -- Check: a clean social-training plan passes everything

#[test]
fn a_complete_social_training_plan_has_no_violations() {
    let s = social_plan_ready();
    assert_eq!(submit(&s, Step::Plan, PLAN_DAY), vec![]);
    assert_eq!(batch(&s), vec![]);
}

// -- METHOD_NOT_ALLOWED

#[test]
fn method_not_allowed() {
    // SPEC §2 table: employer/self allows 直接认定; tech_school/self does not; social training
    // has no self module.
    let mut ok = batch_of(InstitutionKind::Employer, Module::SelfAssessed);
    ok.method = Method::Direct;
    assert!(!has(&batch(&ok), RuleCode::MethodNotAllowed));

    let mut direct = batch_of(InstitutionKind::TechSchool, Module::SelfAssessed);
    direct.method = Method::Direct;
    let v = batch(&direct);
    assert_eq!(codes(&v), vec![RuleCode::MethodNotAllowed]);
    assert_eq!(v[0].field.as_deref(), Some("method"));

    let mut social_self = social();
    social_self.module = Module::SelfAssessed;
    assert!(has(&batch(&social_self), RuleCode::MethodNotAllowed));
    // No process for it, so a submission reports the batch rule rather than a step.
    assert!(has(
        &submit(&social_self, Step::Plan, PLAN_DAY),
        RuleCode::MethodNotAllowed
    ));
}

// -- ANNUAL_PLAN_REQUIRED

#[test]
fn annual_plan_required() {
    // seed §省管用人单位 二 1 / §技工院校 二 1: "每年第一季度向…督导部申报本年度…考试计划"
    for kind in [InstitutionKind::Employer, InstitutionKind::TechSchool] {
        let mut s = batch_of(kind, Module::Supervised);
        assert!(!has(&batch(&s), RuleCode::AnnualPlanRequired));
        s.annual_plan_on_file = false;
        let v = batch(&s);
        assert_eq!(codes(&v), vec![RuleCode::AnnualPlanRequired], "{kind:?}");
    }
    // Social training publishes exam notices instead (SPEC §3).
    let s = social();
    assert!(!s.annual_plan_on_file);
    assert!(!has(&batch(&s), RuleCode::AnnualPlanRequired));
}

// -- OCCUPATION_NOT_FILED

#[test]
fn occupation_not_filed() {
    // SPEC §4 备案范围: an occupation/level outside the institution's filing.
    let mut s = social_plan_ready();
    s.occupations = vec![
        line(ELECTRICIAN, Level::Four, 15, 15),
        line(ELECTRICIAN, Level::Three, 15, 15),
    ];
    let v = batch(&s);
    assert_eq!(codes(&v), vec![RuleCode::OccupationNotFiled]);
    assert_eq!(v.len(), 1, "only 三级 is outside the filing");
    assert_eq!(v[0].field.as_deref(), Some("occupations[1]"));
    s.occupations.pop();
    assert_eq!(batch(&s), vec![]);
}

// -- VALIDATION

#[test]
fn validation_of_the_batch_itself() {
    let mut s = social_plan_ready();
    s.exam_end = date!(2026 - 03 - 09);
    s.occupations.push(line(ELECTRICIAN, Level::Five, 0, 0));
    let v = batch(&s);
    let fields: Vec<_> = v
        .iter()
        .filter(|v| v.code == RuleCode::Validation)
        .map(|v| v.field.clone().unwrap())
        .collect();
    assert_eq!(
        fields,
        vec!["exam_end", "occupations[1].planned_count", "occupations[1]"]
    );
    let mut empty = social_plan_ready();
    empty.occupations.clear();
    empty.venue = " ".to_owned();
    assert_eq!(
        batch(&empty)
            .iter()
            .filter(|v| v.code == RuleCode::Validation)
            .count(),
        2
    );
    assert!(!has(&batch(&social_plan_ready()), RuleCode::Validation));
}

// -- CROSS_YEAR

#[test]
fn cross_year_exam_days_and_submissions() {
    // seed §社会培训评价组织 二: "原则上考试批次应在本年度内完成，不可跨年实施"
    let mut s = social_plan_ready();
    s.exam_end = date!(2027 - 01 - 05);
    let v = batch(&s);
    assert_eq!(codes(&v), vec![RuleCode::CrossYear]);
    assert_eq!(v[0].field.as_deref(), Some("exam_end"));

    // A 2026 batch's certificate step submitted in 2027.
    let mut late = at_step(
        with_materials(
            social(),
            &[
                MaterialKind::InternalQaReport,
                MaterialKind::PlanApplication,
            ],
        ),
        Step::Certificate,
    );
    late.exam_start = date!(2026 - 12 - 20);
    late.exam_end = date!(2026 - 12 - 21);
    late.approved_plan = None;
    let late = at_step(late, Step::Certificate);
    assert!(!has(
        &submit(&late, Step::Certificate, datetime!(2026-12-31 23:59 +8)),
        RuleCode::CrossYear
    ));
    // 2026-12-31 16:30 UTC is already 2027-01-01 in China.
    let v = submit(&late, Step::Certificate, datetime!(2026-12-31 16:30 UTC));
    assert!(has(&v, RuleCode::CrossYear), "{v:?}");
}

// -- MIN_HEADCOUNT

#[test]
fn min_headcount_per_occupation() {
    // seed §社会培训评价组织 二 2: "要求考试计划申报每一职业考试人数不少于15人"
    let mut s = social_plan_ready();
    s.occupations = vec![line(ELECTRICIAN, Level::Five, 14, 0)];
    let v = submit(&s, Step::Plan, PLAN_DAY);
    assert_eq!(codes(&v), vec![RuleCode::MinHeadcount]);
    assert_eq!(v[0].details["planned"], 14);

    s.occupations = vec![line(ELECTRICIAN, Level::Five, 15, 0)];
    assert_eq!(submit(&s, Step::Plan, PLAN_DAY), vec![]);

    // Per occupation, levels together: 8 + 7 = 15 passes.
    s.occupations = vec![
        line(ELECTRICIAN, Level::Five, 8, 0),
        line(ELECTRICIAN, Level::Four, 7, 0),
    ];
    assert_eq!(submit(&s, Step::Plan, PLAN_DAY), vec![]);

    // Two occupations: only the short one fails.
    s.occupations.push(line(ELDER_CARE, Level::Five, 10, 0));
    let v = submit(&s, Step::Plan, PLAN_DAY);
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].details["occupation_code"], ELDER_CARE);
}

// -- EXAM_LEAD_TIME

#[test]
fn exam_lead_time_spec_example() {
    // seed §社会培训评价组织 二 2: "考试时间应安排在考试计划申报之日起三个工作日后"
    // SPEC §4: submitted Thu 2026-02-12 → 2/13 (1), Sat 2/14 make-up day (2), 2/24 (3) → 2/25.
    let mut s = social_plan_ready();
    s.exam_start = date!(2026 - 02 - 24);
    let v = submit(&s, Step::Plan, PLAN_DAY);
    assert_eq!(codes(&v), vec![RuleCode::ExamLeadTime]);
    assert_eq!(v[0].details["earliest_exam_date"], "2026-02-25");
    assert_eq!(
        v[0].details["working_days"],
        serde_json::json!(["2026-02-13", "2026-02-14", "2026-02-24"])
    );
    assert_eq!(v[0].step, Some(Step::Plan));
    assert_eq!(v[0].field.as_deref(), Some("exam_start"));

    s.exam_start = date!(2026 - 02 - 25);
    assert_eq!(submit(&s, Step::Plan, PLAN_DAY), vec![]);
}

#[test]
fn exam_lead_time_counts_the_china_date_of_the_submission() {
    let mut s = social_plan_ready();
    s.exam_start = date!(2026 - 02 - 25);
    // 2026-02-12 17:00 UTC is 2026-02-13 01:00 in China: the count starts a day later.
    let v = submit(&s, Step::Plan, datetime!(2026-02-12 17:00 UTC));
    assert!(has(&v, RuleCode::ExamLeadTime), "{v:?}");
    assert!(!has(
        &submit(&s, Step::Plan, datetime!(2026-02-12 15:59 UTC)),
        RuleCode::ExamLeadTime
    ));
}

// -- CALENDAR_YEAR_MISSING

#[test]
fn calendar_year_missing() {
    // SPEC §4: a needed year without data fails — never guessed from weekends — including a
    // December submission whose count runs into January.
    let mut s = social_plan_ready();
    s.exam_start = date!(2026 - 12 - 28);
    s.exam_end = date!(2026 - 12 - 29);
    let v = submit(&s, Step::Plan, datetime!(2026-12-29 10:00 +8));
    assert!(has(&v, RuleCode::CalendarYearMissing), "{v:?}");
    let missing = v
        .iter()
        .find(|v| v.code == RuleCode::CalendarYearMissing)
        .unwrap();
    assert_eq!(missing.details["year"], 2027);
    // The lead-time rule does not guess either.
    assert!(!has(&v, RuleCode::ExamLeadTime));

    // With no data for 2026 at all.
    let empty = WorkCalendar::empty();
    let v =
        rules::submission_violations(&social_plan_ready(), &empty, Step::Plan, PLAN_DAY).unwrap();
    assert_eq!(codes(&v), vec![RuleCode::CalendarYearMissing]);

    // Passing case: the builtin calendar covers February 2026.
    assert!(!has(
        &submit(&social_plan_ready(), Step::Plan, PLAN_DAY),
        RuleCode::CalendarYearMissing
    ));
}

// -- CROSS_REGION_FORM_REQUIRED

#[test]
fn cross_region_form_required() {
    // seed §社会培训评价组织 二 2: "跨区域开展认定工作的需提交《河南省省属社会培训评价组织跨地区认定申请表》"
    let mut s = social_plan_ready();
    s.venue_region = Region::Zhengzhou;
    let v = submit(&s, Step::Plan, PLAN_DAY);
    assert_eq!(codes(&v), vec![RuleCode::CrossRegionFormRequired]);
    assert_eq!(
        v[0].field.as_deref(),
        Some("materials.cross_region_application")
    );
    let s = with_materials(s, &[MaterialKind::CrossRegionApplication]);
    assert_eq!(submit(&s, Step::Plan, PLAN_DAY), vec![]);
}

// -- MATERIAL_MISSING

#[test]
fn material_missing_required_and_triggered() {
    // seed §社会培训评价组织 二 2: "需提交《职业技能等级认定考试计划申请报告》"
    let s = social();
    let v = submit(&s, Step::Plan, PLAN_DAY);
    assert_eq!(codes(&v), vec![RuleCode::MaterialMissing]);
    assert_eq!(v[0].field.as_deref(), Some("materials.plan_application"));
    assert_eq!(submit(&social_plan_ready(), Step::Plan, PLAN_DAY), vec![]);

    // seed §社会培训评价组织 二 3: "如存在预警信息时还需上传符合报名条件佐证"
    let mut reg = at_step(
        with_materials(
            social(),
            &[
                MaterialKind::EligibilityCommitment,
                MaterialKind::PersonalInfoForm,
            ],
        ),
        Step::Registration,
    );
    let day = datetime!(2026-03-01 10:00 +8);
    assert_eq!(submit(&reg, Step::Registration, day), vec![]);
    reg.warnings
        .push(resolved_warning("c1", WarningCode::UnderAge));
    let v = submit(&reg, Step::Registration, day);
    assert_eq!(codes(&v), vec![RuleCode::MaterialMissing]);
    assert_eq!(v[0].details["kind"], "eligibility_evidence");
    let reg = with_materials(reg, &[MaterialKind::EligibilityEvidence]);
    assert_eq!(submit(&reg, Step::Registration, day), vec![]);
}

#[test]
fn employer_certificate_always_needs_the_abnormality_form() {
    // seed §省管用人单位 二 4: "需提交职业技能认定申报异常情况核实信息表、合格人员确认文件、内部质量督导报告"
    // — without condition, unlike the other kinds (SPEC §3).
    let s = at_step(
        with_materials(
            batch_of(InstitutionKind::Employer, Module::Supervised),
            &[
                MaterialKind::QualifiedConfirmation,
                MaterialKind::InternalQaReport,
            ],
        ),
        Step::Certificate,
    );
    let v = submit(&s, Step::Certificate, datetime!(2026-03-20 10:00 +8));
    assert_eq!(codes(&v), vec![RuleCode::MaterialMissing]);
    assert_eq!(v[0].details["kind"], "abnormality_verification");

    // For tech_school it is triggered only by warnings.
    let s = at_step(
        with_materials(
            batch_of(InstitutionKind::TechSchool, Module::Supervised),
            &[
                MaterialKind::QualifiedStudentRoster,
                MaterialKind::InternalQaReport,
            ],
        ),
        Step::Certificate,
    );
    assert_eq!(
        submit(&s, Step::Certificate, datetime!(2026-03-20 10:00 +8)),
        vec![]
    );
}

#[test]
fn pass_rate_anomaly_triggers_the_abnormality_form() {
    // SPEC §5: PASS_RATE_ANOMALY (n ≥ 30 and pass rate > 95 % or < 50 %) is a batch-level
    // warning at the certificate step; 存在预警信息时上传《职业技能认定申报异常情况核实信息表》.
    let mut s = at_step(
        with_materials(social(), &[MaterialKind::InternalQaReport]),
        Step::Certificate,
    );
    s.candidates = (0..30)
        .map(|i| candidate(&format!("c{i}"), Some(true)))
        .collect();
    let day = datetime!(2026-03-20 10:00 +8);
    let v = submit(&s, Step::Certificate, day);
    assert_eq!(codes(&v), vec![RuleCode::MaterialMissing]);
    assert_eq!(v[0].details["kind"], "abnormality_verification");
    // 29 candidates: below the threshold of 30.
    s.candidates.pop();
    assert_eq!(submit(&s, Step::Certificate, day), vec![]);
}

// -- WARNINGS_UNRESOLVED

fn resolved_warning(candidate_id: &str, code: WarningCode) -> WarningFacts {
    WarningFacts {
        candidate_id: candidate_id.to_owned(),
        code,
        disposition: Some(Disposition {
            decision: DispositionDecision::Dismissed,
            has_explanation: true,
            has_evidence: true,
        }),
    }
}

#[test]
fn warnings_unresolved() {
    // seed §省管用人单位 三 2: "对存在预警信息的需上传佐证材料"; SPEC §5: each warning needs a disposition
    // (confirmed/dismissed + explanation + evidence material) before the step that checks it.
    let mut s = batch_of(InstitutionKind::Employer, Module::SelfAssessed);
    let day = datetime!(2026-03-01 10:00 +8);
    s.warnings = vec![resolved_warning("c1", WarningCode::DuplicateCertificate)];
    assert_eq!(submit(&s, Step::Registration, day), vec![]);

    s.warnings.push(WarningFacts {
        candidate_id: "c2".to_owned(),
        code: WarningCode::Blacklisted,
        disposition: None,
    });
    s.warnings.push(WarningFacts {
        candidate_id: "c3".to_owned(),
        code: WarningCode::UnderAge,
        disposition: Some(Disposition {
            decision: DispositionDecision::Confirmed,
            has_explanation: true,
            has_evidence: false,
        }),
    });
    let v = submit(&s, Step::Registration, day);
    assert_eq!(codes(&v), vec![RuleCode::WarningsUnresolved]);
    assert_eq!(v[0].details["count"], 2);
    assert_eq!(
        v[0].details["candidate_ids"],
        serde_json::json!(["c2", "c3"])
    );
}

// -- NOT_GRADUATING_YEAR

#[test]
fn not_graduating_year_for_tech_school_self() {
    // seed §技工院校 三 2: "评价机构在组织毕业学年学生开展认定报名时"
    let mut s = batch_of(InstitutionKind::TechSchool, Module::SelfAssessed);
    s.exam_start = date!(2026 - 05 - 20);
    s.exam_end = date!(2026 - 05 - 21);
    let day = datetime!(2026-05-01 10:00 +8);
    let student = |id: &str, year: Option<i32>| CandidateFacts {
        graduation_year: year,
        ..candidate(id, None)
    };
    s.candidates = vec![student("s1", Some(2026))];
    assert_eq!(submit(&s, Step::Registration, day), vec![]);

    s.candidates.push(student("s2", Some(2027)));
    s.candidates.push(student("s3", None));
    let v = submit(&s, Step::Registration, day);
    assert_eq!(codes(&v), vec![RuleCode::NotGraduatingYear]);
    assert_eq!(
        v[0].details["candidate_ids"],
        serde_json::json!(["s2", "s3"])
    );

    // Employers' self module has no such rule.
    let mut e = batch_of(InstitutionKind::Employer, Module::SelfAssessed);
    e.candidates = s.candidates.clone();
    assert_eq!(submit(&e, Step::Registration, day), vec![]);
}

// -- HEADCOUNT_TOLERANCE

#[test]
fn headcount_tolerance_boundary() {
    // seed §社会培训评价组织 二 2: "各职业级别考试人数应与计划申报人数相符，误差不超过10人"
    let base = at_step(
        with_materials(
            social(),
            &[
                MaterialKind::EligibilityCommitment,
                MaterialKind::PersonalInfoForm,
            ],
        ),
        Step::Registration,
    );
    let day = datetime!(2026-03-01 10:00 +8);
    for (registered, fails) in [(30, false), (31, true), (10, false), (9, true), (20, false)] {
        let mut s = base.clone();
        s.occupations = vec![line(ELECTRICIAN, Level::Five, 20, registered)];
        let v = submit(&s, Step::Registration, day);
        assert_eq!(
            has(&v, RuleCode::HeadcountTolerance),
            fails,
            "planned 20, registered {registered}"
        );
    }
}

// -- STEP_OUT_OF_ORDER

#[test]
fn step_out_of_order() {
    // SPEC §3: a step opens when the previous one is approved.
    let s = with_materials(
        social(),
        &[
            MaterialKind::EligibilityCommitment,
            MaterialKind::PersonalInfoForm,
        ],
    );
    let day = datetime!(2026-03-01 10:00 +8);
    let v = submit(&s, Step::Registration, day);
    assert_eq!(codes(&v), vec![RuleCode::StepOutOfOrder]);
    assert_eq!(v[0].details["previous_step"], "plan");
    assert_eq!(v[0].details["previous_state"], "draft");
    assert_eq!(
        submit(&at_step(s, Step::Registration), Step::Registration, day),
        vec![]
    );
}

// -- ARRANGEMENT_DEADLINE

fn arrangement_ready() -> BatchSnapshot {
    let mut s = at_step(social(), Step::Arrangement);
    s.sessions = vec![SessionFacts {
        occupation_code: occ(ELECTRICIAN),
        level: Level::Five,
        subject: "theory".to_owned(),
        date: date!(2026 - 03 - 10),
        venue: s.venue.clone(),
        capacity: 20,
    }];
    s
}

#[test]
fn arrangement_deadline_in_china_time() {
    // seed §社会培训评价组织 二 4: "该环节应在考试日前两天完成" — first exam day 2026-03-10, so
    // 2026-03-08 (China date) is the last day.
    let s = arrangement_ready();
    assert_eq!(
        submit(&s, Step::Arrangement, datetime!(2026-03-08 23:30 +8)),
        vec![]
    );
    let v = submit(&s, Step::Arrangement, datetime!(2026-03-09 00:10 +8));
    assert_eq!(codes(&v), vec![RuleCode::ArrangementDeadline]);
    assert_eq!(v[0].details["deadline"], "2026-03-08");
    // The same instant written in UTC: 2026-03-08 16:10 UTC is already 03-09 in China.
    assert!(has(
        &submit(&s, Step::Arrangement, datetime!(2026-03-08 16:10 UTC)),
        RuleCode::ArrangementDeadline
    ));
}

// -- ARRANGEMENT_CAPACITY

#[test]
fn arrangement_capacity_seats_every_registered_candidate_per_subject() {
    let day = datetime!(2026-03-01 10:00 +8);
    // 20 registered 电工 五级; one theory session of 20 seats is enough.
    let s = arrangement_ready();
    assert_eq!(submit(&s, Step::Arrangement, day), vec![]);

    let mut short = s.clone();
    short.sessions[0].capacity = 19;
    let v = submit(&short, Step::Arrangement, day);
    assert_eq!(codes(&v), vec![RuleCode::ArrangementCapacity]);
    assert_eq!(v[0].details["capacity"], 19);
    assert_eq!(v[0].details["registered"], 20);
    assert_eq!(v[0].details["subject"], "theory");

    // Two theory sessions add up; a skill session with too few seats is its own failure.
    let mut split = short.clone();
    let mut second = split.sessions[0].clone();
    second.capacity = 1;
    split.sessions.push(second.clone());
    assert_eq!(submit(&split, Step::Arrangement, day), vec![]);
    second.subject = "skill".to_owned();
    second.capacity = 10;
    split.sessions.push(second);
    let v = submit(&split, Step::Arrangement, day);
    assert_eq!(codes(&v), vec![RuleCode::ArrangementCapacity]);
    assert_eq!(v[0].details["subject"], "skill");
}

// -- Change requests

#[test]
fn change_request_reruns_lead_time_and_arrangement_deadline_at_its_date() {
    // The plan was approved for 2026-03-10; on Thu 2026-02-12 the institution asks to move it.
    let approved = arrangement_ready();
    let asked = datetime!(2026-02-12 10:00 +8);
    let with = |start: time::Date, end: time::Date| {
        let mut after = approved.clone();
        after.exam_start = start;
        after.exam_end = end;
        after
    };
    // 2/13 (1), Sat 2/14 make-up day (2), 2/24 (3): 2/25 is the earliest exam day.
    assert_eq!(
        rules::change_violations(
            &with(date!(2026 - 02 - 25), date!(2026 - 02 - 25)),
            &cal(),
            asked
        ),
        vec![]
    );
    let v = rules::change_violations(
        &with(date!(2026 - 02 - 24), date!(2026 - 02 - 24)),
        &cal(),
        asked,
    );
    assert_eq!(codes(&v), vec![RuleCode::ExamLeadTime]);
    assert_eq!(v[0].step, Some(Step::Plan));

    // A venue change on 2026-03-09 for the 03-10 exam is past the arrangement deadline (03-08).
    let mut venue = approved.clone();
    venue.venue = "洛阳市另一考点".to_owned();
    let late = datetime!(2026-03-09 00:10 +8);
    let v = rules::change_violations(&venue, &cal(), late);
    assert!(has(&v, RuleCode::ArrangementDeadline), "{v:?}");
    assert!(
        v.iter()
            .any(|v| v.code == RuleCode::ArrangementDeadline && v.step == Some(Step::Arrangement))
    );

    // A new venue in another region needs the cross-region form; moving into next year is refused.
    let mut away = approved.clone();
    away.venue_region = Region::Zhengzhou;
    assert!(has(
        &rules::change_violations(&away, &cal(), asked),
        RuleCode::CrossRegionFormRequired
    ));
    let v = rules::change_violations(
        &with(date!(2026 - 03 - 10), date!(2027 - 01 - 02)),
        &cal(),
        asked,
    );
    assert!(has(&v, RuleCode::CrossYear), "{v:?}");
}

// -- ARRANGEMENT_MISMATCH

#[test]
fn arrangement_mismatch_against_the_approved_plan() {
    // seed §社会培训评价组织 二 4: "考试职业级别、时间、地点及工作人员等信息与考试计划申请报告一致，不得无故调整考试时间"
    let day = datetime!(2026-03-01 10:00 +8);
    let s = arrangement_ready();
    assert_eq!(submit(&s, Step::Arrangement, day), vec![]);

    let mut moved = s.clone();
    moved.sessions[0].date = date!(2026 - 03 - 12);
    moved.sessions[0].venue = "郑州市某酒店会议室".to_owned();
    let v = submit(&moved, Step::Arrangement, day);
    let fields: Vec<_> = v.iter().map(|v| v.field.clone().unwrap()).collect();
    assert_eq!(codes(&v), vec![RuleCode::ArrangementMismatch]);
    assert_eq!(fields, vec!["sessions[0].date", "sessions[0].venue"]);

    let mut other = s.clone();
    other.sessions[0].level = Level::Four;
    let v = submit(&other, Step::Arrangement, day);
    // The 四级 session is not in the plan, and the planned 五级 has no session.
    assert_eq!(v.len(), 2);
    assert!(v.iter().all(|v| v.code == RuleCode::ArrangementMismatch));

    // An approved change request updates the approved plan: the moved date then matches.
    let mut changed = moved.clone();
    let plan = changed.approved_plan.as_mut().unwrap();
    plan.exam_start = date!(2026 - 03 - 12);
    plan.exam_end = date!(2026 - 03 - 12);
    plan.venue = "郑州市某酒店会议室".to_owned();
    changed.exam_start = date!(2026 - 03 - 12);
    changed.exam_end = date!(2026 - 03 - 12);
    assert_eq!(submit(&changed, Step::Arrangement, day), vec![]);
}

// -- COMPLETION_WINDOW

fn certificate_ready() -> BatchSnapshot {
    let mut s = at_step(
        with_materials(social(), &[MaterialKind::InternalQaReport]),
        Step::Certificate,
    );
    s.candidates = vec![candidate("c1", Some(true)), candidate("c2", Some(false))];
    s
}

#[test]
fn completion_window_thirty_days_from_the_last_exam_day() {
    // seed §社会培训评价组织 二 6: "每一考试批次应在考试之日起 30 日内完成认定全部环节" — last exam day
    // 2026-03-11, so 2026-04-10 is the last day.
    let s = certificate_ready();
    assert_eq!(
        submit(&s, Step::Certificate, datetime!(2026-04-10 23:59 +8)),
        vec![]
    );
    let v = submit(&s, Step::Certificate, datetime!(2026-04-11 00:01 +8));
    assert_eq!(codes(&v), vec![RuleCode::CompletionWindow]);
    assert_eq!(v[0].details["deadline"], "2026-04-10");

    // A supervisor's extension moves it.
    let mut extended = s.clone();
    extended.completion_extended_to = Some(date!(2026 - 04 - 20));
    assert_eq!(
        submit(&extended, Step::Certificate, datetime!(2026-04-15 10:00 +8)),
        vec![]
    );
    assert!(has(
        &submit(&extended, Step::Certificate, datetime!(2026-04-21 10:00 +8)),
        RuleCode::CompletionWindow
    ));
}

// -- RESULTS_MISSING

#[test]
fn results_missing_before_the_last_exam_day_or_without_scores() {
    // SPEC §3: "The certificate, materials and data-audit steps can be submitted only after the
    // last exam (assessment) day, with results entered."
    let s = certificate_ready();
    let v = submit(&s, Step::Certificate, datetime!(2026-03-11 18:00 +8));
    assert_eq!(codes(&v), vec![RuleCode::ResultsMissing]);
    assert_eq!(
        submit(&s, Step::Certificate, datetime!(2026-03-12 08:00 +8)),
        vec![]
    );

    let mut pending = s.clone();
    pending.candidates.push(candidate("c3", None));
    let v = submit(&pending, Step::Certificate, datetime!(2026-03-12 08:00 +8));
    assert_eq!(codes(&v), vec![RuleCode::ResultsMissing]);
    assert_eq!(v[0].details["candidate_ids"], serde_json::json!(["c3"]));
    assert_eq!(v[0].field.as_deref(), Some("results"));

    // The self module's materials step checks the same.
    let self_materials = at_step(
        with_materials(
            batch_of(InstitutionKind::Employer, Module::SelfAssessed),
            &[
                MaterialKind::ImplementationNotice,
                MaterialKind::AssessmentPlan,
                MaterialKind::ParticipantRoster,
                MaterialKind::QualifiedConfirmation,
                MaterialKind::InternalQaReport,
            ],
        ),
        Step::Materials,
    );
    assert!(has(
        &submit(
            &self_materials,
            Step::Materials,
            datetime!(2026-03-10 10:00 +8)
        ),
        RuleCode::ResultsMissing
    ));
    assert_eq!(
        submit(
            &self_materials,
            Step::Materials,
            datetime!(2026-03-12 10:00 +8)
        ),
        vec![]
    );
}

// -- Every violation found at once

#[test]
fn a_submission_reports_every_violation_at_once() {
    // SPEC §4: "A rule failure answers 422 listing every violation at once."
    let mut s = social();
    s.venue_region = Region::Zhengzhou;
    s.exam_start = date!(2026 - 02 - 20);
    s.occupations = vec![line(ELECTRICIAN, Level::Five, 10, 0)];
    let v = submit(&s, Step::Plan, PLAN_DAY);
    let mut found = codes(&v);
    found.sort();
    assert_eq!(
        found,
        vec![
            RuleCode::MinHeadcount,
            RuleCode::ExamLeadTime,
            RuleCode::CrossRegionFormRequired,
            RuleCode::MaterialMissing,
        ]
    );
    assert!(v.iter().all(|v| v.step == Some(Step::Plan)));
    assert!(v.iter().all(|v| !v.message.is_empty()));
}

// -- Checklist and submission agree

fn checklist_violations(s: &BatchSnapshot, step: Step, at: OffsetDateTime) -> Vec<Violation> {
    let list = rules::checklist(s, &cal(), at);
    list.steps
        .into_iter()
        .find(|c| c.step == step)
        .unwrap()
        .rules
        .into_iter()
        .flat_map(|r| r.violations)
        .collect()
}

#[test]
fn checklist_shows_materials_and_rules_per_step() {
    let mut s = social();
    s.venue_region = Region::Zhengzhou;
    let list = rules::checklist(&s, &cal(), PLAN_DAY);
    assert_eq!(
        list.steps.iter().map(|c| c.step).collect::<Vec<_>>(),
        vec![
            Step::Plan,
            Step::Registration,
            Step::Arrangement,
            Step::Supervision,
            Step::Certificate,
            Step::Issuance
        ]
    );
    let plan = &list.steps[0];
    assert!(!plan.ready);
    let rows: Vec<_> = plan
        .materials
        .iter()
        .map(|m| (m.kind, m.required, m.present))
        .collect();
    assert_eq!(
        rows,
        vec![
            (MaterialKind::PlanApplication, true, false),
            (MaterialKind::CrossRegionApplication, true, false),
        ]
    );
    let failing: Vec<_> = plan
        .rules
        .iter()
        .filter(|r| !r.passed)
        .map(|r| r.code)
        .collect();
    assert_eq!(
        failing,
        vec![RuleCode::MaterialMissing, RuleCode::CrossRegionFormRequired]
    );
    // Every rule shows, passed or not, with its Chinese title.
    assert!(
        plan.rules
            .iter()
            .any(|r| r.code == RuleCode::ExamLeadTime && r.passed)
    );
    assert!(plan.rules.iter().all(|r| !r.title.is_empty()));
    // The later steps are blocked by order.
    assert!(
        list.steps[1]
            .rules
            .iter()
            .any(|r| r.code == RuleCode::StepOutOfOrder && !r.passed)
    );
}

#[test]
fn a_submitted_step_is_shown_as_evaluated_at_its_submission() {
    let mut s = social_plan_ready();
    s.steps[0] = StepFacts {
        step: Step::Plan,
        state: StepState::Submitted,
        submitted_at: Some(PLAN_DAY),
        first_submitted_at: None,
    };
    // Viewed a month later, the plan is still judged on the day it was filed.
    let list = rules::checklist(&s, &cal(), datetime!(2026-03-12 10:00 +8));
    assert_eq!(list.steps[0].evaluated_on, date!(2026 - 02 - 12));
    assert!(list.steps[0].ready);
    assert_eq!(list.steps[1].evaluated_on, date!(2026 - 03 - 12));
}

fn arb_snapshot() -> impl Strategy<Value = (BatchSnapshot, Step, OffsetDateTime)> {
    let kinds = prop_oneof![
        Just((InstitutionKind::Employer, Module::Supervised)),
        Just((InstitutionKind::Employer, Module::SelfAssessed)),
        Just((InstitutionKind::SocialTraining, Module::Supervised)),
        Just((InstitutionKind::TechSchool, Module::Supervised)),
        Just((InstitutionKind::TechSchool, Module::SelfAssessed)),
    ];
    (
        kinds,
        0usize..6,
        prop::collection::vec(0usize..MaterialKind::ALL.len(), 0..8),
        0u32..40,
        0u32..40,
        0i64..300,
        0i64..5,
        any::<bool>(),
        0i64..340,
        prop::collection::vec(prop::option::of(any::<bool>()), 0..40),
        any::<bool>(),
    )
        .prop_map(
            |(
                (kind, module),
                step_index,
                materials,
                planned,
                registered,
                start_offset,
                length,
                cross_region,
                submit_offset,
                results,
                warned,
            )| {
                let mut s = batch_of(kind, module);
                let process = s.process().unwrap();
                let gates: Vec<Step> = process
                    .steps
                    .iter()
                    .filter(|d| d.submitter == Submitter::Institution)
                    .map(|d| d.step)
                    .collect();
                let step = gates[step_index % gates.len()];
                s = at_step(s, step);
                s.materials = materials
                    .into_iter()
                    .map(|i| MaterialKind::ALL[i])
                    .collect();
                s.occupations = vec![line(ELECTRICIAN, Level::Five, planned, registered)];
                s.exam_start = date!(2026 - 01 - 05) + time::Duration::days(start_offset);
                s.exam_end = s.exam_start + time::Duration::days(length);
                if cross_region {
                    s.venue_region = Region::Zhengzhou;
                }
                s.candidates = results
                    .into_iter()
                    .enumerate()
                    .map(|(i, r)| candidate(&format!("c{i}"), r))
                    .collect();
                if warned {
                    s.warnings.push(WarningFacts {
                        candidate_id: "c0".to_owned(),
                        code: WarningCode::ConcurrentBatch,
                        disposition: None,
                    });
                }
                let at = datetime!(2026-01-02 09:00 +8) + time::Duration::days(submit_offset);
                (s, step, at)
            },
        )
}

proptest! {
    /// The preview and the enforcement are one computation (SPEC §4: "computed by the same code
    /// that blocks the submission").
    #[test]
    fn checklist_and_submission_never_disagree((s, step, at) in arb_snapshot()) {
        let submitted = submit(&s, step, at);
        let previewed = checklist_violations(&s, step, at);
        prop_assert_eq!(submitted, previewed);
    }
}

// -- Deadlines

#[test]
fn deadlines_of_a_social_training_batch() {
    // SPEC §4: every batch shows earliest exam date, arrangement deadline, completion deadline.
    let s = social_plan_ready();
    let d = rules::deadlines(&s, &cal(), PLAN_DAY);
    assert_eq!(d.earliest_exam_date, Some(date!(2026 - 02 - 25)));
    assert_eq!(d.arrangement_deadline, Some(date!(2026 - 03 - 08)));
    assert_eq!(d.completion_deadline, date!(2026 - 04 - 10));
    assert_eq!(d.year_end, date!(2026 - 12 - 31));
    assert_eq!(d.calendar_year_missing, None);

    // Once the plan is submitted, the earliest date counts from its submission, not from today.
    let mut submitted = s.clone();
    submitted.steps[0] = StepFacts {
        step: Step::Plan,
        state: StepState::Approved,
        submitted_at: Some(PLAN_DAY),
        first_submitted_at: None,
    };
    let later = rules::deadlines(&submitted, &cal(), datetime!(2026-03-01 10:00 +8));
    assert_eq!(later.earliest_exam_date, Some(date!(2026 - 02 - 25)));

    // A window running past the year end is capped at 31 December (不可跨年实施).
    let mut december = s.clone();
    december.exam_start = date!(2026 - 12 - 10);
    december.exam_end = date!(2026 - 12 - 12);
    let d = rules::deadlines(&december, &cal(), datetime!(2026-12-29 10:00 +8));
    assert_eq!(d.completion_deadline, date!(2026 - 12 - 31));
    assert_eq!(d.earliest_exam_date, None);
    assert_eq!(d.calendar_year_missing, Some(2027));
}

#[test]
fn deadlines_of_other_kinds_are_the_year_end() {
    // seed §省管用人单位 二: "每一考试批次原则上应在本年度内完成认定全部环节"
    let s = batch_of(InstitutionKind::Employer, Module::Supervised);
    let d = rules::deadlines(&s, &cal(), PLAN_DAY);
    assert_eq!(d.earliest_exam_date, None);
    assert_eq!(d.arrangement_deadline, None);
    assert_eq!(d.completion_deadline, date!(2026 - 12 - 31));
}

// -- Whole walks: rules and the state machine together

/// Walks a batch from its first step to completion: the institution submits each step when its
/// checks pass (certificate-type steps the day after the exams), reviewers approve.
fn walk(mut s: BatchSnapshot, candidates: Vec<CandidateFacts>) -> Vec<(Step, StepState)> {
    let process = s.process().unwrap();
    s.materials = MaterialKind::ALL.to_vec();
    s.candidates = candidates;
    s.approved_plan = Some(ApprovedPlan {
        exam_start: s.exam_start,
        exam_end: s.exam_end,
        venue: s.venue.clone(),
        occupations: vec![(occ(ELECTRICIAN), Level::Five)],
    });
    s.sessions = vec![SessionFacts {
        occupation_code: occ(ELECTRICIAN),
        level: Level::Five,
        subject: "theory".to_owned(),
        date: s.exam_start,
        venue: s.venue.clone(),
        capacity: 20,
    }];
    let mut states = StepStates::initial(process);
    let mut now = PLAN_DAY;
    let mut actions = 0;
    while let Some(current) = states.status(process).current_step {
        actions += 1;
        assert!(actions < 20, "the walk does not end: {states:?}");
        s.steps = states
            .iter(process)
            .map(|(step, state)| StepFacts {
                step,
                state,
                submitted_at: None,
                first_submitted_at: None,
            })
            .collect();
        let changes = if states.get(current) == Some(StepState::Submitted) {
            states
                .on_decision(process, current, Decision::Approve)
                .unwrap()
        } else {
            if process
                .step(current)
                .unwrap()
                .rules
                .contains(&RuleCode::ResultsMissing)
            {
                now = datetime!(2026-03-12 10:00 +8);
            }
            let v = rules::submission_violations(&s, &cal(), current, now).unwrap();
            assert_eq!(v, vec![], "{:?}/{:?} {current:?}", s.kind, s.module);
            let warned = rules::warnings_present(&s, current);
            states.on_submit(process, current, warned).unwrap()
        };
        states.apply(&changes);
    }
    states.iter(process).collect()
}

#[test]
fn every_kind_and_module_walks_to_completion() {
    for process in catalogue::PROCESSES {
        let s = batch_of(process.kind, process.module);
        // Graduating-year students for a March 2026 exam (tech_school/self checks it).
        let candidates = vec![
            CandidateFacts {
                graduation_year: Some(2026),
                ..candidate("c1", Some(true))
            },
            CandidateFacts {
                graduation_year: Some(2026),
                ..candidate("c2", Some(false))
            },
        ];
        let walked = walk(s, candidates);
        assert_eq!(walked.len(), process.steps.len());
        assert!(
            walked
                .iter()
                .all(|(_, state)| *state == StepState::Approved),
            "{:?}/{:?}: {walked:?}",
            process.kind,
            process.module
        );
    }
}

// -- Review findings: interpretations made beyond SPEC, each pinned

#[test]
fn a_december_plan_for_a_january_exam_is_not_cross_year() {
    // "不可跨年实施" forbids finishing in a later year; preparing ahead must be possible, or the
    // three-working-day lead time would make the first week of January unreachable.
    let mut s = social_plan_ready();
    s.exam_start = date!(2026 - 01 - 12);
    s.exam_end = date!(2026 - 01 - 12);
    assert_eq!(
        submit(&s, Step::Plan, datetime!(2025-12-29 10:00 +8)),
        vec![]
    );
}

#[test]
fn a_confirmed_warning_on_an_eligible_candidate_blocks() {
    // SPEC §5: a confirmed warning is true — the candidate must be found ineligible or withdrawn.
    let mut s = batch_of(InstitutionKind::Employer, Module::SelfAssessed);
    let day = datetime!(2026-03-01 10:00 +8);
    s.warnings = vec![WarningFacts {
        candidate_id: "c9".to_owned(),
        code: WarningCode::Blacklisted,
        disposition: Some(Disposition {
            decision: DispositionDecision::Confirmed,
            has_explanation: true,
            has_evidence: true,
        }),
    }];
    let v = submit(&s, Step::Registration, day);
    assert_eq!(codes(&v), vec![RuleCode::WarningsUnresolved]);
    assert_eq!(v[0].field.as_deref(), Some("candidates"));
    assert_eq!(v[0].details["by_code"]["BLACKLISTED"], 1);
    // Dismissed with explanation and evidence: resolved.
    s.warnings[0].disposition = Some(Disposition {
        decision: DispositionDecision::Dismissed,
        has_explanation: true,
        has_evidence: true,
    });
    assert_eq!(submit(&s, Step::Registration, day), vec![]);
}

#[test]
fn candidates_outside_the_filing_or_the_batch_are_caught() {
    // 备案范围 applies to the people certified, not only to the planned lines: self modules have
    // no plan step.
    let mut s = batch_of(InstitutionKind::Employer, Module::SelfAssessed);
    let day = datetime!(2026-03-01 10:00 +8);
    s.candidates = vec![CandidateFacts {
        occupation_code: occ("4-03-02-01"), // 中式烹调师, not filed, not planned
        level: Level::One,
        ..candidate("x1", None)
    }];
    let v = submit(&s, Step::Registration, day);
    let mut found = codes(&v);
    found.sort();
    assert_eq!(
        found,
        vec![RuleCode::OccupationNotFiled, RuleCode::Validation]
    );
    assert!(
        v.iter()
            .all(|v| v.details["candidate_ids"] == serde_json::json!(["x1"]))
    );
    s.candidates = vec![candidate("c1", None)];
    assert_eq!(submit(&s, Step::Registration, day), vec![]);
}

#[test]
fn a_returned_arrangement_keeps_its_first_submission_date_for_the_deadline() {
    // The institution met "考试日前两天"; the supervisor's return for corrections does not make the
    // corrected resubmission late.
    let mut s = arrangement_ready();
    s.steps.last_mut().unwrap().state = StepState::Returned;
    s.steps.last_mut().unwrap().first_submitted_at = Some(datetime!(2026-03-07 10:00 +8));
    assert_eq!(
        submit(&s, Step::Arrangement, datetime!(2026-03-09 09:00 +8)),
        vec![]
    );
    // Never submitted before: the deadline applies to this submission.
    s.steps.last_mut().unwrap().first_submitted_at = None;
    assert!(has(
        &submit(&s, Step::Arrangement, datetime!(2026-03-09 09:00 +8)),
        RuleCode::ArrangementDeadline
    ));
}

#[test]
fn the_completion_window_shows_the_same_capped_date_as_the_batch() {
    let mut s = certificate_ready();
    s.exam_start = date!(2026 - 12 - 09);
    s.exam_end = date!(2026 - 12 - 10);
    let late = datetime!(2027-01-02 10:00 +8);
    let v = submit(&s, Step::Certificate, late);
    let window = v
        .iter()
        .find(|v| v.code == RuleCode::CompletionWindow)
        .unwrap();
    assert_eq!(window.details["deadline"], "2026-12-31");
    assert!(has(&v, RuleCode::CrossYear));
    assert_eq!(
        rules::deadlines(&s, &cal(), late).completion_deadline,
        date!(2026 - 12 - 31)
    );
}

#[test]
fn a_submitted_plan_cannot_be_edited_only_changed_by_request() {
    // seed §社会培训评价组织 二 4: "不得无故调整考试时间等内容"
    let draft = social_plan_ready();
    let mut moved = draft.clone();
    moved.exam_start = date!(2026 - 03 - 17);
    moved.exam_end = date!(2026 - 03 - 18);
    assert_eq!(rules::edit_violations(&draft, &moved), vec![]);

    let mut submitted = draft.clone();
    submitted.steps[0].state = StepState::Submitted;
    let mut moved = submitted.clone();
    moved.exam_start = date!(2026 - 03 - 17);
    moved.venue = "另一考点".to_owned();
    let v = rules::edit_violations(&submitted, &moved);
    assert_eq!(codes(&v), vec![RuleCode::ArrangementMismatch]);
    let fields: Vec<_> = v.iter().map(|v| v.field.clone().unwrap()).collect();
    assert_eq!(fields, vec!["exam_start", "venue"]);
    // Changes that do not touch the plan are fine.
    let mut same = submitted.clone();
    same.materials.push(MaterialKind::InternalQaReport);
    assert_eq!(rules::edit_violations(&submitted, &same), vec![]);
}
