//! The process catalogue against SPEC §2–§3 and the seed: for every (kind, module) its exact step
//! list, each step's reviewer, materials (with their conditions) and own rules.

// Test helpers outside #[test] functions may unwrap: a failure is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use skillcert_domain::catalogue::{
    self, Condition, Process, Reviewer, Submitter, Track, allowed_methods, method_allowed,
};
use skillcert_domain::rules::RuleCode;
use skillcert_domain::{InstitutionKind, MaterialKind, Method, Module, Step};

use Condition::{Always, WhenCrossRegion, WhenWarnings};
use InstitutionKind::{Employer, SocialTraining, TechSchool};
use MaterialKind as M;
use Module::{SelfAssessed, Supervised};

type Expected = (
    Step,
    Reviewer,
    &'static [(MaterialKind, Condition)],
    &'static [RuleCode],
);

fn assert_process(kind: InstitutionKind, module: Module, expected: &[Expected]) {
    let process: &Process = catalogue::process(kind, module).expect("process exists");
    assert_eq!((process.kind, process.module), (kind, module));
    let actual: Vec<Expected> = process
        .steps
        .iter()
        .map(|def| {
            let materials: Vec<(MaterialKind, Condition)> =
                def.materials.iter().map(|m| (m.kind, m.when)).collect();
            (def.step, def.reviewer, leak(materials), def.rules)
        })
        .collect();
    assert_eq!(
        actual.len(),
        expected.len(),
        "{kind:?}/{module:?} step count"
    );
    for (actual, expected) in actual.iter().zip(expected) {
        assert_eq!(actual, expected, "{kind:?}/{module:?}");
    }
}

fn leak(v: Vec<(MaterialKind, Condition)>) -> &'static [(MaterialKind, Condition)] {
    Box::leak(v.into_boxed_slice())
}

#[test]
fn employer_supervised() {
    // seed §省管用人单位 二: 2. 制定计划环节（审核项）需提交《职业技能等级认定计划申请表》；
    // 3. 考试报名环节：如存在预警信息时需提交核查情况说明，经审核批复后实施。无预警信息无需审核；
    // 4. 证书管理环节：需提交…异常情况核实信息表、合格人员确认文件、内部质量督导报告后，省评价中心进行过程合规性审核。
    assert_process(
        Employer,
        Supervised,
        &[
            (
                Step::Plan,
                Reviewer::Supervisor,
                &[(M::PlanApplication, Always)],
                &[],
            ),
            (
                Step::Registration,
                Reviewer::AutoUnlessWarnings,
                &[(M::WarningVerificationNote, WhenWarnings)],
                &[RuleCode::WarningsUnresolved],
            ),
            (
                Step::Certificate,
                Reviewer::Supervisor,
                &[
                    (M::AbnormalityVerification, Always),
                    (M::QualifiedConfirmation, Always),
                    (M::InternalQaReport, Always),
                ],
                &[RuleCode::ResultsMissing, RuleCode::WarningsUnresolved],
            ),
            (Step::Issuance, Reviewer::InfoOffice, &[], &[]),
        ],
    );
}

#[test]
fn employer_self() {
    // seed §省管用人单位 三: 2. 对存在预警信息的需上传佐证材料；3. 上传材料 (1)–(6)，(6) 存在预警信息需上传；
    // 4. 证书数据审核：省评价中心…采取平台资料审核或随机现场抽查的方式…进行过程合规性审核。
    assert_process(
        Employer,
        SelfAssessed,
        &[
            (
                Step::Registration,
                Reviewer::None,
                &[],
                &[RuleCode::WarningsUnresolved],
            ),
            (
                Step::Materials,
                Reviewer::None,
                &[
                    (M::ImplementationNotice, Always),
                    (M::AssessmentPlan, Always),
                    (M::ParticipantRoster, Always),
                    (M::QualifiedConfirmation, Always),
                    (M::InternalQaReport, Always),
                    (M::AbnormalityVerification, WhenWarnings),
                ],
                &[RuleCode::ResultsMissing, RuleCode::WarningsUnresolved],
            ),
            (Step::DataAudit, Reviewer::Supervisor, &[], &[]),
            (Step::Issuance, Reviewer::InfoOffice, &[], &[]),
        ],
    );
}

#[test]
fn social_training_supervised() {
    // seed §社会培训评价组织 二: 2. 制定计划（审核项）：《职业技能等级认定考试计划申请报告》，每一职业不少于15人，
    // 跨区域需提交《…跨地区认定申请表》，考试时间应安排在考试计划申报之日起三个工作日后；
    // 3. 考试报名：上传《考生报名资格审核合格承诺书》和《职业技能等级认定个人信息登记表》，如存在预警信息时还需
    // 上传符合报名条件佐证，经审核批复后实施；误差不超过10人；4. 考务安排：考试日前两天完成，与计划一致；
    // 5. 外部质量督导；6. 证书管理：再次审核预警信息，《内部质量督导报告》，存在预警信息时上传异常情况核实信息表；30 日内。
    assert_process(
        SocialTraining,
        Supervised,
        &[
            (
                Step::Plan,
                Reviewer::Supervisor,
                &[
                    (M::PlanApplication, Always),
                    (M::CrossRegionApplication, WhenCrossRegion),
                ],
                &[
                    RuleCode::MinHeadcount,
                    RuleCode::CalendarYearMissing,
                    RuleCode::ExamLeadTime,
                ],
            ),
            (
                Step::Registration,
                Reviewer::Supervisor,
                &[
                    (M::EligibilityCommitment, Always),
                    (M::PersonalInfoForm, Always),
                    (M::EligibilityEvidence, WhenWarnings),
                ],
                &[RuleCode::HeadcountTolerance, RuleCode::WarningsUnresolved],
            ),
            (
                Step::Arrangement,
                Reviewer::Supervisor,
                &[],
                &[
                    RuleCode::ArrangementDeadline,
                    RuleCode::ArrangementMismatch,
                    RuleCode::ArrangementCapacity,
                ],
            ),
            (Step::Supervision, Reviewer::None, &[], &[]),
            (
                Step::Certificate,
                Reviewer::Supervisor,
                &[
                    (M::InternalQaReport, Always),
                    (M::AbnormalityVerification, WhenWarnings),
                ],
                &[
                    RuleCode::ResultsMissing,
                    RuleCode::WarningsUnresolved,
                    RuleCode::CompletionWindow,
                ],
            ),
            (Step::Issuance, Reviewer::InfoOffice, &[], &[]),
        ],
    );
    let process = catalogue::process(SocialTraining, Supervised).unwrap();
    let supervision = process.step(Step::Supervision).unwrap();
    assert_eq!(
        supervision.track,
        Track::Beside {
            opens_after: Step::Plan,
            closes_with: Step::Certificate
        },
        "SPEC §3: not a gate, from plan approval to the certificate decision"
    );
    assert_eq!(supervision.submitter, Submitter::Nobody);
    assert_eq!(process.previous(Step::Certificate), Some(Step::Arrangement));
}

#[test]
fn tech_school_supervised() {
    // seed §技工院校 二: 2. 《河南省院校职业技能等级认定中心认定考试计划申请表》；3. 同用人单位；
    // 4. 合格人员学籍花名册、内部质量督导报告，存在预警信息的还应提交异常情况核实信息表。
    assert_process(
        TechSchool,
        Supervised,
        &[
            (
                Step::Plan,
                Reviewer::Supervisor,
                &[(M::PlanApplication, Always)],
                &[],
            ),
            (
                Step::Registration,
                Reviewer::AutoUnlessWarnings,
                &[(M::WarningVerificationNote, WhenWarnings)],
                &[RuleCode::WarningsUnresolved],
            ),
            (
                Step::Certificate,
                Reviewer::Supervisor,
                &[
                    (M::QualifiedStudentRoster, Always),
                    (M::InternalQaReport, Always),
                    (M::AbnormalityVerification, WhenWarnings),
                ],
                &[RuleCode::ResultsMissing, RuleCode::WarningsUnresolved],
            ),
            (Step::Issuance, Reviewer::InfoOffice, &[], &[]),
        ],
    );
}

#[test]
fn tech_school_self() {
    // seed §技工院校 三: 2. 组织毕业学年学生开展认定报名…对存在预警信息的需上传佐证材料；3. (1)–(6)，
    // (3) 参评学生人员花名册、学生学籍表，(4) 合格人员成绩花名册；4. 证书数据审核。
    assert_process(
        TechSchool,
        SelfAssessed,
        &[
            (
                Step::Registration,
                Reviewer::None,
                &[],
                &[RuleCode::WarningsUnresolved, RuleCode::NotGraduatingYear],
            ),
            (
                Step::Materials,
                Reviewer::None,
                &[
                    (M::ImplementationNotice, Always),
                    (M::AssessmentPlan, Always),
                    (M::ParticipantRoster, Always),
                    (M::QualifiedConfirmation, Always),
                    (M::InternalQaReport, Always),
                    (M::AbnormalityVerification, WhenWarnings),
                ],
                &[RuleCode::ResultsMissing, RuleCode::WarningsUnresolved],
            ),
            (Step::DataAudit, Reviewer::Supervisor, &[], &[]),
            (Step::Issuance, Reviewer::InfoOffice, &[], &[]),
        ],
    );
    let process = catalogue::process(TechSchool, SelfAssessed).unwrap();
    let roster = &process.step(Step::Materials).unwrap().materials[2];
    assert!(roster.title.contains("学生学籍表"), "{}", roster.title);
}

#[test]
fn social_training_has_no_self_module() {
    // SPEC §2: social_training / self — not allowed.
    assert!(catalogue::process(SocialTraining, SelfAssessed).is_none());
}

#[test]
fn method_matrix_matches_spec_section_2() {
    // SPEC §2 table; every other combination is METHOD_NOT_ALLOWED.
    let table: &[(InstitutionKind, Module, &[Method])] = &[
        (Employer, Supervised, &[Method::Exam]),
        (
            Employer,
            SelfAssessed,
            &[
                Method::Direct,
                Method::Exam,
                Method::Process,
                Method::Competition,
            ],
        ),
        (SocialTraining, Supervised, &[Method::Exam]),
        (SocialTraining, SelfAssessed, &[]),
        (TechSchool, Supervised, &[Method::Exam]),
        (
            TechSchool,
            SelfAssessed,
            &[Method::Exam, Method::Process, Method::Competition],
        ),
    ];
    for (kind, module, allowed) in table {
        assert_eq!(allowed_methods(*kind, *module), *allowed);
        for method in Method::ALL {
            assert_eq!(
                method_allowed(*kind, *module, *method),
                allowed.contains(method),
                "{kind:?}/{module:?}/{method:?}"
            );
        }
    }
}

#[test]
fn every_process_is_well_formed() {
    for process in catalogue::PROCESSES {
        // The last step is always the 信息部's issuance, submitted by the platform.
        let last = process.steps.last().unwrap();
        assert_eq!(last.step, Step::Issuance);
        assert_eq!(last.submitter, Submitter::System);
        // Steps are unique and every beside-step refers to steps of the same process.
        let mut steps: Vec<Step> = process.steps.iter().map(|d| d.step).collect();
        steps.sort();
        steps.dedup();
        assert_eq!(steps.len(), process.steps.len());
        for def in process.steps {
            if let Track::Beside {
                opens_after,
                closes_with,
            } = def.track
            {
                assert!(process.step(opens_after).is_some_and(|d| d.is_gate()));
                assert!(process.step(closes_with).is_some_and(|d| d.is_gate()));
            }
            // Steps nobody submits check nothing: their checks would never run.
            if def.submitter != Submitter::Institution {
                assert!(def.rules.is_empty(), "{:?}", def.step);
                assert!(def.materials.is_empty(), "{:?}", def.step);
            }
        }
        // Material titles are Chinese and non-empty.
        for def in process.steps {
            for m in def.materials {
                assert!(!m.title.is_empty());
            }
        }
    }
}
