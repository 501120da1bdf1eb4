//! The vocabulary of the regulation: institution kinds, modules, methods, steps and their states,
//! material kinds, levels and roles. Codes are part of the API contract (SPEC §1–§3) and are
//! stored as strings; each value also has its Chinese display name.
//!
//! Pure data: no IO. Every `match` here is exhaustive, so a new value does not compile until it
//! has a code and a Chinese name.

use serde::{Deserialize, Serialize};

/// Implements `code()`, `name_zh()`, `ALL`, `Display` (the code) and `FromStr` (from the code)
/// for a fieldless enum whose serde representation is its snake_case code.
macro_rules! coded_enum {
    ($ty:ident { $($variant:ident => ($code:literal, $zh:literal)),+ $(,)? }) => {
        impl $ty {
            /// Every value, in the order the regulation lists them.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            /// The stable API/database code.
            pub const fn code(self) -> &'static str {
                match self { $($ty::$variant => $code),+ }
            }

            /// The Chinese name shown to users.
            pub const fn name_zh(self) -> &'static str {
                match self { $($ty::$variant => $zh),+ }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = UnknownCode;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok($ty::$variant),)+
                    other => Err(UnknownCode { kind: stringify!($ty), code: other.to_owned() }),
                }
            }
        }
    };
}

/// A string that names no value of the enum it was parsed as.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} code `{code}`")]
pub struct UnknownCode {
    pub kind: &'static str,
    pub code: String,
}

/// 评价机构类别 (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum InstitutionKind {
    Employer,
    SocialTraining,
    TechSchool,
}

coded_enum!(InstitutionKind {
    Employer => ("employer", "省管用人单位评价机构"),
    SocialTraining => ("social_training", "社会培训评价组织"),
    TechSchool => ("tech_school", "技工院校评价机构"),
});

/// 平台模块 (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Module {
    Supervised,
    #[serde(rename = "self")]
    SelfAssessed,
}

coded_enum!(Module {
    Supervised => ("supervised", "监管中心模块"),
    SelfAssessed => ("self", "自主认定模块"),
});

/// 评价方式 (SPEC §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Method {
    Exam,
    Direct,
    Process,
    Competition,
}

coded_enum!(Method {
    Exam => ("exam", "考试考核"),
    Direct => ("direct", "直接认定"),
    Process => ("process", "过程化评价"),
    Competition => ("competition", "技能竞赛选拔"),
});

/// 认定批次的环节 (SPEC §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Step {
    Plan,
    Registration,
    Arrangement,
    Supervision,
    Certificate,
    Materials,
    DataAudit,
    Issuance,
}

coded_enum!(Step {
    Plan => ("plan", "制定计划"),
    Registration => ("registration", "考试报名"),
    Arrangement => ("arrangement", "考务安排"),
    Supervision => ("supervision", "外部质量督导"),
    Certificate => ("certificate", "证书管理"),
    Materials => ("materials", "上传材料"),
    DataAudit => ("data_audit", "证书数据审核"),
    Issuance => ("issuance", "证书发放"),
});

/// The state of one step of one batch (SPEC §3); transitions live in [`crate::state`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum StepState {
    NotStarted,
    Draft,
    Submitted,
    Approved,
    Returned,
}

coded_enum!(StepState {
    NotStarted => ("not_started", "未开始"),
    Draft => ("draft", "办理中"),
    Submitted => ("submitted", "待审核"),
    Approved => ("approved", "已通过"),
    Returned => ("returned", "已退回"),
});

/// 材料类别 (SPEC §3). The title shown for a kind can depend on the institution kind; the
/// process catalogue carries the exact title per step, this is the generic one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MaterialKind {
    PlanApplication,
    CrossRegionApplication,
    WarningVerificationNote,
    EligibilityCommitment,
    PersonalInfoForm,
    EligibilityEvidence,
    AbnormalityVerification,
    QualifiedConfirmation,
    InternalQaReport,
    ImplementationNotice,
    AssessmentPlan,
    ParticipantRoster,
    QualifiedStudentRoster,
    AnnualPlanScan,
    InspectionReport,
}

coded_enum!(MaterialKind {
    PlanApplication => ("plan_application", "计划申请表"),
    CrossRegionApplication => ("cross_region_application", "河南省省属社会培训评价组织跨地区认定申请表"),
    WarningVerificationNote => ("warning_verification_note", "核查情况说明"),
    EligibilityCommitment => ("eligibility_commitment", "考生报名资格审核合格承诺书"),
    PersonalInfoForm => ("personal_info_form", "职业技能等级认定个人信息登记表"),
    EligibilityEvidence => ("eligibility_evidence", "符合报名条件佐证"),
    AbnormalityVerification => ("abnormality_verification", "职业技能认定申报异常情况核实信息表"),
    QualifiedConfirmation => ("qualified_confirmation", "合格人员确认文件或成绩花名册"),
    InternalQaReport => ("internal_qa_report", "内部质量督导报告"),
    ImplementationNotice => ("implementation_notice", "职业技能等级认定实施公告"),
    AssessmentPlan => ("assessment_plan", "考核方式实施计划和安排"),
    ParticipantRoster => ("participant_roster", "参评人员花名册"),
    QualifiedStudentRoster => ("qualified_student_roster", "合格人员学籍花名册"),
    AnnualPlanScan => ("annual_plan_scan", "年度考试计划申报（盖章扫描件）"),
    InspectionReport => ("inspection_report", "质量督导报告"),
});

/// 用户角色 (SPEC §1). Service accounts act with one of these roles and a narrower scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Role {
    Institution,
    Supervisor,
    Inspector,
    InfoOfficer,
    Admin,
}

coded_enum!(Role {
    Institution => ("institution", "评价机构经办人"),
    Supervisor => ("supervisor", "省评价中心督导部"),
    Inspector => ("inspector", "质量督导员"),
    InfoOfficer => ("info_officer", "信息部"),
    Admin => ("admin", "系统管理员"),
});

/// 督导方式 of a draw and of the inspections it assigns (SPEC §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum InspectionMode {
    OnSite,
    RemoteVideo,
    SpotCheck,
}

coded_enum!(InspectionMode {
    OnSite => ("on_site", "现场督导"),
    RemoteVideo => ("remote_video", "远程视频督导"),
    SpotCheck => ("spot_check", "抽查"),
});

/// 督导评价: an inspector's overall rating of a batch in the report (SPEC §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum InspectionRating {
    Good,
    Acceptable,
    Poor,
}

coded_enum!(InspectionRating {
    Good => ("good", "良好"),
    Acceptable => ("acceptable", "合格"),
    Poor => ("poor", "不合格"),
});

/// 职业技能等级: 5 五级/初级工 … 1 一级/高级技师. Serialised as its number (SPEC §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum Level {
    One = 1,
    Two = 2,
    Three = 3,
    Four = 4,
    Five = 5,
}

impl Level {
    /// From the highest (一级) to the lowest (五级).
    pub const ALL: &'static [Level] = &[
        Level::One,
        Level::Two,
        Level::Three,
        Level::Four,
        Level::Five,
    ];

    pub const fn number(self) -> u8 {
        self as u8
    }

    /// E.g. `五级/初级工`.
    pub const fn name_zh(self) -> &'static str {
        match self {
            Level::One => "一级/高级技师",
            Level::Two => "二级/技师",
            Level::Three => "三级/高级工",
            Level::Four => "四级/中级工",
            Level::Five => "五级/初级工",
        }
    }

    /// True when `self` is the same level as `other` or higher (一级 is the highest).
    pub const fn at_least(self, other: Level) -> bool {
        self.number() <= other.number()
    }
}

/// A level number outside 1–5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("职业技能等级应为 1–5，收到 {0}")]
pub struct InvalidLevel(pub u8);

impl TryFrom<u8> for Level {
    type Error = InvalidLevel;
    fn try_from(n: u8) -> Result<Self, Self::Error> {
        match n {
            1 => Ok(Level::One),
            2 => Ok(Level::Two),
            3 => Ok(Level::Three),
            4 => Ok(Level::Four),
            5 => Ok(Level::Five),
            other => Err(InvalidLevel(other)),
        }
    }
}

impl From<Level> for u8 {
    fn from(level: Level) -> u8 {
        level.number()
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.number())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_through_serde_and_from_str() {
        for kind in InstitutionKind::ALL {
            let json = serde_json::to_string(kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.code()));
            assert_eq!(kind.code().parse::<InstitutionKind>().unwrap(), *kind);
        }
        for step in Step::ALL {
            let json = serde_json::to_string(step).unwrap();
            assert_eq!(json, format!("\"{}\"", step.code()));
            assert_eq!(serde_json::from_str::<Step>(&json).unwrap(), *step);
        }
        for kind in MaterialKind::ALL {
            let json = serde_json::to_string(kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.code()));
        }
        for role in Role::ALL {
            assert_eq!(role.code().parse::<Role>().unwrap(), *role);
        }
        for mode in InspectionMode::ALL {
            let json = serde_json::to_string(mode).unwrap();
            assert_eq!(json, format!("\"{}\"", mode.code()));
            assert_eq!(mode.code().parse::<InspectionMode>().unwrap(), *mode);
        }
        for rating in InspectionRating::ALL {
            assert_eq!(rating.code().parse::<InspectionRating>().unwrap(), *rating);
        }
    }

    #[test]
    fn self_module_is_spelled_self() {
        // SPEC §2: modules are `supervised` and `self`.
        assert_eq!(
            serde_json::to_string(&Module::SelfAssessed).unwrap(),
            "\"self\""
        );
        assert_eq!("self".parse::<Module>().unwrap(), Module::SelfAssessed);
        assert!("selfassessed".parse::<Module>().is_err());
    }

    #[test]
    fn levels_serialise_as_numbers_and_reject_outside_one_to_five() {
        assert_eq!(serde_json::to_string(&Level::Five).unwrap(), "5");
        assert_eq!(serde_json::from_str::<Level>("1").unwrap(), Level::One);
        assert!(serde_json::from_str::<Level>("0").is_err());
        assert!(serde_json::from_str::<Level>("6").is_err());
        assert_eq!(Level::Five.name_zh(), "五级/初级工");
        assert_eq!(Level::One.name_zh(), "一级/高级技师");
        assert!(Level::Three.at_least(Level::Four));
        assert!(Level::Three.at_least(Level::Three));
        assert!(!Level::Four.at_least(Level::Three));
    }

    #[test]
    fn every_code_is_unique_within_its_enum() {
        fn unique<T: Copy>(all: &[T], code: fn(T) -> &'static str) {
            let mut codes: Vec<_> = all.iter().map(|v| code(*v)).collect();
            codes.sort_unstable();
            let before = codes.len();
            codes.dedup();
            assert_eq!(before, codes.len());
        }
        unique(InstitutionKind::ALL, InstitutionKind::code);
        unique(Module::ALL, Module::code);
        unique(Method::ALL, Method::code);
        unique(Step::ALL, Step::code);
        unique(StepState::ALL, StepState::code);
        unique(MaterialKind::ALL, MaterialKind::code);
        unique(Role::ALL, Role::code);
        unique(InspectionMode::ALL, InspectionMode::code);
        unique(InspectionRating::ALL, InspectionRating::code);
    }
}
