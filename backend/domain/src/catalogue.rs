//! The process catalogue of SPEC §3 as data: for each (institution kind, module) the ordered steps
//! of one batch, each step's materials (always required or triggered by a condition), who
//! submits it, who reviews it and which rules of SPEC §4 it checks; and the allowed-method matrix
//! of SPEC §2.
//!
//! A new year's regulation should be a change to these tables, not to the code that reads them.
//! Everything here is `'static` data; the rules themselves live in [`crate::rules`].

use serde::Serialize;

use crate::enums::{InstitutionKind, MaterialKind, Method, Module, Step};
use crate::rules::RuleCode;

/// When a material is required.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Condition {
    Always,
    /// 存在预警信息时: any candidate warning, or a batch-level warning such as PASS_RATE_ANOMALY.
    WhenWarnings,
    /// 跨区域开展认定工作: the exam venue is outside the institution's region.
    WhenCrossRegion,
}

/// Who reviews a step once it is submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Reviewer {
    /// Not reviewed (不审核): the step approves itself on a submission that passes its checks.
    None,
    /// 无预警信息无需审核: approves itself when there are no warnings, else the supervisor reviews.
    AutoUnlessWarnings,
    /// 省评价中心督导部.
    Supervisor,
    /// 信息部: numbers, printing, archive, online publication.
    InfoOffice,
}

/// Who moves a step from `draft` to `submitted`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Submitter {
    /// The institution submits it, and every check of the step applies at that instant.
    Institution,
    /// The platform submits it as soon as it opens: the work is the reviewer's (证书数据审核,
    /// 证书发放). A return of such a step sends the batch back to the previous step.
    System,
    /// Never submitted: a step that runs beside the others (外部质量督导).
    Nobody,
}

/// Whether a step is part of the sequence or runs beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "track")]
pub enum Track {
    /// Opens when the previous gate step is approved.
    Gate,
    /// Not a gate: opens when `opens_after` is approved and closes when `closes_with` is.
    Beside {
        opens_after: Step,
        closes_with: Step,
    },
}

/// One material a step asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MaterialRequirement {
    pub kind: MaterialKind,
    /// The title shown for this institution kind (the same `kind` has different titles).
    pub title: &'static str,
    pub when: Condition,
}

/// One step of a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StepDef {
    pub step: Step,
    pub track: Track,
    pub submitter: Submitter,
    pub reviewer: Reviewer,
    pub materials: &'static [MaterialRequirement],
    /// The step's own rules. Every step the institution submits also checks the batch rules,
    /// `MATERIAL_MISSING`, `STEP_OUT_OF_ORDER` and `CROSS_YEAR` (see [`crate::rules`]).
    pub rules: &'static [RuleCode],
}

impl StepDef {
    pub const fn is_gate(&self) -> bool {
        matches!(self.track, Track::Gate)
    }
}

/// The step list of one (kind, module).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Process {
    pub kind: InstitutionKind,
    pub module: Module,
    /// Where the seed describes it.
    pub source: &'static str,
    pub steps: &'static [StepDef],
}

impl Process {
    pub fn step(&self, step: Step) -> Option<&'static StepDef> {
        self.steps.iter().find(|def| def.step == step)
    }

    /// The gate steps in order.
    pub fn gates(&self) -> impl Iterator<Item = &'static StepDef> {
        self.steps.iter().filter(|def| def.is_gate())
    }

    /// The gate step that must be approved before `step` can open or be submitted; `None` for
    /// the first step. For a step beside the sequence, the step it opens after.
    pub fn previous(&self, step: Step) -> Option<Step> {
        let def = self.step(step)?;
        match def.track {
            Track::Beside { opens_after, .. } => Some(opens_after),
            Track::Gate => {
                let mut previous = None;
                for gate in self.gates() {
                    if gate.step == step {
                        return previous;
                    }
                    previous = Some(gate.step);
                }
                None
            }
        }
    }

    /// The gate step after `step`, if any.
    pub fn next_gate(&self, step: Step) -> Option<Step> {
        self.gates()
            .skip_while(|def| def.step != step)
            .nth(1)
            .map(|def| def.step)
    }

    pub fn first(&self) -> Option<Step> {
        self.gates().next().map(|def| def.step)
    }

    /// Whether any step of the process checks `code`.
    pub fn checks(&self, code: RuleCode) -> bool {
        self.steps.iter().any(|def| def.rules.contains(&code))
    }
}

/// The allowed methods for a (kind, module): SPEC §2 table. Empty means the module is closed to
/// the kind (social training has no self module).
pub const fn allowed_methods(kind: InstitutionKind, module: Module) -> &'static [Method] {
    use InstitutionKind::*;
    use Method::*;
    use Module::*;
    match (kind, module) {
        // seed §省管用人单位 一: 监管中心模块：考试考核；自主认定模块：直接认定、考试考核、过程化评价、技能竞赛选拔
        (Employer, Supervised) => &[Exam],
        (Employer, SelfAssessed) => &[Direct, Exam, Process, Competition],
        // seed §社会培训评价组织 一: 监管中心模块：考试考核
        (SocialTraining, Supervised) => &[Exam],
        (SocialTraining, SelfAssessed) => &[],
        // seed §技工院校 一: 自主认定模块：考试考核、过程化评价、技能竞赛选拔 (no 直接认定)
        (TechSchool, Supervised) => &[Exam],
        (TechSchool, SelfAssessed) => &[Exam, Process, Competition],
    }
}

pub fn method_allowed(kind: InstitutionKind, module: Module, method: Method) -> bool {
    allowed_methods(kind, module).contains(&method)
}

/// The process a batch of this (kind, module) runs; `None` where the module is closed to the kind.
pub const fn process(kind: InstitutionKind, module: Module) -> Option<&'static Process> {
    use InstitutionKind::*;
    use Module::*;
    match (kind, module) {
        (Employer, Supervised) => Some(&EMPLOYER_SUPERVISED),
        (Employer, SelfAssessed) => Some(&EMPLOYER_SELF),
        (SocialTraining, Supervised) => Some(&SOCIAL_TRAINING_SUPERVISED),
        (SocialTraining, SelfAssessed) => None,
        (TechSchool, Supervised) => Some(&TECH_SCHOOL_SUPERVISED),
        (TechSchool, SelfAssessed) => Some(&TECH_SCHOOL_SELF),
    }
}

/// Every process of the catalogue.
pub const PROCESSES: &[&Process] = &[
    &EMPLOYER_SUPERVISED,
    &EMPLOYER_SELF,
    &SOCIAL_TRAINING_SUPERVISED,
    &TECH_SCHOOL_SUPERVISED,
    &TECH_SCHOOL_SELF,
];

const fn material(kind: MaterialKind, title: &'static str, when: Condition) -> MaterialRequirement {
    MaterialRequirement { kind, title, when }
}

const ISSUANCE: StepDef = StepDef {
    step: Step::Issuance,
    track: Track::Gate,
    submitter: Submitter::System,
    reviewer: Reviewer::InfoOffice,
    materials: &[],
    rules: &[],
};

const INTERNAL_QA_REPORT: MaterialRequirement = material(
    MaterialKind::InternalQaReport,
    "本批次认定工作内部质量督导报告",
    Condition::Always,
);
const ABNORMALITY_IF_WARNINGS: MaterialRequirement = material(
    MaterialKind::AbnormalityVerification,
    "职业技能认定申报异常情况核实信息表",
    Condition::WhenWarnings,
);

/// 自主认定批次上传材料 (1)–(6) (seed §省管用人单位 三 3, §技工院校 三 3); (3) and (4) are titled
/// differently for schools.
const fn self_materials(roster: &'static str, qualified: &'static str) -> [MaterialRequirement; 6] {
    [
        material(
            MaterialKind::ImplementationNotice,
            "职业技能等级认定实施公告",
            Condition::Always,
        ),
        material(
            MaterialKind::AssessmentPlan,
            "本批次考核方式实施计划和安排",
            Condition::Always,
        ),
        material(MaterialKind::ParticipantRoster, roster, Condition::Always),
        material(
            MaterialKind::QualifiedConfirmation,
            qualified,
            Condition::Always,
        ),
        INTERNAL_QA_REPORT,
        ABNORMALITY_IF_WARNINGS,
    ]
}

const EMPLOYER_SELF_MATERIALS: [MaterialRequirement; 6] = self_materials(
    "本批次参评人员花名册（公司或人事部门盖章）",
    "合格人员确认文件或合格人员成绩花名册（盖章）",
);

const TECH_SCHOOL_SELF_MATERIALS: [MaterialRequirement; 6] = self_materials(
    "本批次参评学生人员花名册、学生学籍表（盖章）",
    "合格人员成绩花名册（盖章）",
);

/// Supervised registration of employers and tech schools: "该环节需机构对考生报名条件和预警信息进行审核，
/// 如存在预警信息时需提交核查情况说明，经审核批复后实施。无预警信息无需审核。"
const SUPERVISED_REGISTRATION: StepDef = StepDef {
    step: Step::Registration,
    track: Track::Gate,
    submitter: Submitter::Institution,
    reviewer: Reviewer::AutoUnlessWarnings,
    materials: &[material(
        MaterialKind::WarningVerificationNote,
        "核查情况说明",
        Condition::WhenWarnings,
    )],
    rules: &[RuleCode::WarningsUnresolved],
};

/// 证书数据审核: "省评价中心根据评价机构提供的电子材料采取平台资料审核或随机现场抽查的方式对证书数据进行过程合规性审核".
/// It opens straight into the supervisors' queue when the materials are in.
const DATA_AUDIT: StepDef = StepDef {
    step: Step::DataAudit,
    track: Track::Gate,
    submitter: Submitter::System,
    reviewer: Reviewer::Supervisor,
    materials: &[],
    rules: &[],
};

/// seed §省管用人单位 二 (监管中心模块：考试考核).
pub const EMPLOYER_SUPERVISED: Process = Process {
    kind: InstitutionKind::Employer,
    module: Module::Supervised,
    source: "seed §省管用人单位评价机构 二",
    steps: &[
        // 2. 制定计划环节（平台操作、审核项）：需提交《职业技能等级认定计划申请表》PDF 格式扫描件（豫人社办【2020】19 号附件 1）
        StepDef {
            step: Step::Plan,
            track: Track::Gate,
            submitter: Submitter::Institution,
            reviewer: Reviewer::Supervisor,
            materials: &[material(
                MaterialKind::PlanApplication,
                "《职业技能等级认定计划申请表》（豫人社办〔2020〕19号附件1）",
                Condition::Always,
            )],
            rules: &[],
        },
        SUPERVISED_REGISTRATION,
        // 4. 证书管理环节：需提交职业技能认定申报异常情况核实信息表、合格人员确认文件、内部质量督导报告后，
        //    省评价中心进行过程合规性审核。(the 核实信息表 is listed without condition here: SPEC §3)
        StepDef {
            step: Step::Certificate,
            track: Track::Gate,
            submitter: Submitter::Institution,
            reviewer: Reviewer::Supervisor,
            materials: &[
                material(
                    MaterialKind::AbnormalityVerification,
                    "职业技能认定申报异常情况核实信息表",
                    Condition::Always,
                ),
                material(
                    MaterialKind::QualifiedConfirmation,
                    "合格人员确认文件",
                    Condition::Always,
                ),
                INTERNAL_QA_REPORT,
            ],
            rules: &[RuleCode::ResultsMissing, RuleCode::WarningsUnresolved],
        },
        ISSUANCE,
    ],
};

/// seed §省管用人单位 三 (自主认定模块).
pub const EMPLOYER_SELF: Process = Process {
    kind: InstitutionKind::Employer,
    module: Module::SelfAssessed,
    source: "seed §省管用人单位评价机构 三",
    steps: &[
        // 2. 评价机构在组织职工开展认定报名时，需审核职工的报名资质和预警信息情况，对存在预警信息的需上传佐证材料。
        StepDef {
            step: Step::Registration,
            track: Track::Gate,
            submitter: Submitter::Institution,
            reviewer: Reviewer::None,
            materials: &[],
            rules: &[RuleCode::WarningsUnresolved],
        },
        // 3. 自主认定批次上传材料（PDF 格式）(1)–(6)
        StepDef {
            step: Step::Materials,
            track: Track::Gate,
            submitter: Submitter::Institution,
            reviewer: Reviewer::None,
            materials: &EMPLOYER_SELF_MATERIALS,
            rules: &[RuleCode::ResultsMissing, RuleCode::WarningsUnresolved],
        },
        DATA_AUDIT,
        ISSUANCE,
    ],
};

/// seed §社会培训评价组织 二 (监管中心模块：考试考核).
pub const SOCIAL_TRAINING_SUPERVISED: Process = Process {
    kind: InstitutionKind::SocialTraining,
    module: Module::Supervised,
    source: "seed §社会培训评价组织 二",
    steps: &[
        // 2. 制定计划环节：需提交《职业技能等级认定考试计划申请报告》，要求考试计划申报每一职业考试人数不少于15人 …
        //    跨区域开展认定工作的需提交《河南省省属社会培训评价组织跨地区认定申请表》，此环节需督导部批复。
        //    考试时间应安排在考试计划申报之日起三个工作日后。
        StepDef {
            step: Step::Plan,
            track: Track::Gate,
            submitter: Submitter::Institution,
            reviewer: Reviewer::Supervisor,
            materials: &[
                material(
                    MaterialKind::PlanApplication,
                    "《职业技能等级认定考试计划申请报告》",
                    Condition::Always,
                ),
                material(
                    MaterialKind::CrossRegionApplication,
                    "《河南省省属社会培训评价组织跨地区认定申请表》",
                    Condition::WhenCrossRegion,
                ),
            ],
            rules: &[
                RuleCode::MinHeadcount,
                RuleCode::CalendarYearMissing,
                RuleCode::ExamLeadTime,
            ],
        },
        // 3. 考试报名环节：… 上传《考生报名资格审核合格承诺书》和《职业技能等级认定个人信息登记表》PDF 格式。
        //    如存在预警信息时还需上传符合报名条件佐证，经审核批复后实施。
        //    (2.) 各职业级别考试人数应与计划申报人数相符，误差不超过10人。
        StepDef {
            step: Step::Registration,
            track: Track::Gate,
            submitter: Submitter::Institution,
            reviewer: Reviewer::Supervisor,
            materials: &[
                material(
                    MaterialKind::EligibilityCommitment,
                    "《考生报名资格审核合格承诺书》",
                    Condition::Always,
                ),
                material(
                    MaterialKind::PersonalInfoForm,
                    "《职业技能等级认定个人信息登记表》",
                    Condition::Always,
                ),
                material(
                    MaterialKind::EligibilityEvidence,
                    "符合报名条件佐证",
                    Condition::WhenWarnings,
                ),
            ],
            rules: &[RuleCode::HeadcountTolerance, RuleCode::WarningsUnresolved],
        },
        // 4. 考务安排环节：该环节应在考试日前两天完成，经督导部批复后实施。考试职业级别、时间、地点及工作人员等
        //    信息与考试计划申请报告一致，不得无故调整考试时间等内容。
        StepDef {
            step: Step::Arrangement,
            track: Track::Gate,
            submitter: Submitter::Institution,
            reviewer: Reviewer::Supervisor,
            materials: &[],
            rules: &[
                RuleCode::ArrangementDeadline,
                RuleCode::ArrangementMismatch,
                RuleCode::ArrangementCapacity,
            ],
        },
        // 5. 外部质量督导环节：“双随机、一公开” — beside the other steps from plan approval to the
        //    certificate decision (SPEC §3).
        StepDef {
            step: Step::Supervision,
            track: Track::Beside {
                opens_after: Step::Plan,
                closes_with: Step::Certificate,
            },
            submitter: Submitter::Nobody,
            reviewer: Reviewer::None,
            materials: &[],
            rules: &[],
        },
        // 6. 证书管理环节：机构需再次对预警信息进行审核，并提交《内部质量督导报告》，存在预警信息时上传
        //    《职业技能认定申报异常情况核实信息表》… 每一考试批次应在考试之日起 30 日内完成认定全部环节。
        StepDef {
            step: Step::Certificate,
            track: Track::Gate,
            submitter: Submitter::Institution,
            reviewer: Reviewer::Supervisor,
            materials: &[
                material(
                    MaterialKind::InternalQaReport,
                    "《内部质量督导报告》",
                    Condition::Always,
                ),
                ABNORMALITY_IF_WARNINGS,
            ],
            rules: &[
                RuleCode::ResultsMissing,
                RuleCode::WarningsUnresolved,
                RuleCode::CompletionWindow,
            ],
        },
        ISSUANCE,
    ],
};

/// seed §技工院校 二 (监管中心模块：考试考核).
pub const TECH_SCHOOL_SUPERVISED: Process = Process {
    kind: InstitutionKind::TechSchool,
    module: Module::Supervised,
    source: "seed §技工院校评价机构 二",
    steps: &[
        // 2. 制定计划环节：需提交《河南省院校职业技能等级认定中心认定考试计划申请表》PDF 格式扫描件
        StepDef {
            step: Step::Plan,
            track: Track::Gate,
            submitter: Submitter::Institution,
            reviewer: Reviewer::Supervisor,
            materials: &[material(
                MaterialKind::PlanApplication,
                "《河南省院校职业技能等级认定中心认定考试计划申请表》",
                Condition::Always,
            )],
            rules: &[],
        },
        SUPERVISED_REGISTRATION,
        // 4. 证书管理环节：需提交合格人员学籍花名册、内部质量督导报告，存在预警信息的，还应提交职业技能认定申报
        //    异常情况核实信息表
        StepDef {
            step: Step::Certificate,
            track: Track::Gate,
            submitter: Submitter::Institution,
            reviewer: Reviewer::Supervisor,
            materials: &[
                material(
                    MaterialKind::QualifiedStudentRoster,
                    "合格人员学籍花名册",
                    Condition::Always,
                ),
                INTERNAL_QA_REPORT,
                ABNORMALITY_IF_WARNINGS,
            ],
            rules: &[RuleCode::ResultsMissing, RuleCode::WarningsUnresolved],
        },
        ISSUANCE,
    ],
};

/// seed §技工院校 三 (自主认定模块).
pub const TECH_SCHOOL_SELF: Process = Process {
    kind: InstitutionKind::TechSchool,
    module: Module::SelfAssessed,
    source: "seed §技工院校评价机构 三",
    steps: &[
        // 2. 评价机构在组织毕业学年学生开展认定报名时，需审核报名资格和预警信息情况，对存在预警信息的需上传佐证材料。
        StepDef {
            step: Step::Registration,
            track: Track::Gate,
            submitter: Submitter::Institution,
            reviewer: Reviewer::None,
            materials: &[],
            rules: &[RuleCode::WarningsUnresolved, RuleCode::NotGraduatingYear],
        },
        // 3. 自主认定批次上传材料（PDF 格式）(1)–(6)
        StepDef {
            step: Step::Materials,
            track: Track::Gate,
            submitter: Submitter::Institution,
            reviewer: Reviewer::None,
            materials: &TECH_SCHOOL_SELF_MATERIALS,
            rules: &[RuleCode::ResultsMissing, RuleCode::WarningsUnresolved],
        },
        DATA_AUDIT,
        ISSUANCE,
    ],
};
