//! The rules of SPEC §4, one function per code, over a plain snapshot of a batch.
//!
//! [`checklist`] evaluates every step of a batch: each material present or missing, each rule
//! passed or failed with its violations. [`submission_violations`] is the same evaluation for
//! the step being submitted, so the preview the institution sees and the check that blocks a
//! submission are one computation and cannot disagree. [`batch_violations`] checks a batch when
//! it is created or edited.
//!
//! Pure: the snapshot, the calendar and the instant are inputs. "Now" is never read here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use crate::calendar::{self, WorkCalendar};
use crate::catalogue::{self, Condition, MaterialRequirement, Process, StepDef, Submitter};
use crate::codecs::{OccupationCode, Region};
use crate::enums::{InstitutionKind, Level, MaterialKind, Method, Module, Step, StepState};
use crate::state::{ProgressError, StepStates};
use crate::warnings::{self, WarningCode};

/// The rule codes of SPEC §4; part of the API contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RuleCode {
    MethodNotAllowed,
    AnnualPlanRequired,
    MinHeadcount,
    ExamLeadTime,
    CalendarYearMissing,
    HeadcountTolerance,
    ArrangementDeadline,
    ArrangementMismatch,
    ArrangementCapacity,
    StaffDoubleBooked,
    CompletionWindow,
    CrossYear,
    CrossRegionFormRequired,
    MaterialMissing,
    WarningsUnresolved,
    NotGraduatingYear,
    StepOutOfOrder,
    ResultsMissing,
    OccupationNotFiled,
    Validation,
}

impl RuleCode {
    pub const ALL: &'static [RuleCode] = &[
        RuleCode::MethodNotAllowed,
        RuleCode::AnnualPlanRequired,
        RuleCode::MinHeadcount,
        RuleCode::ExamLeadTime,
        RuleCode::CalendarYearMissing,
        RuleCode::HeadcountTolerance,
        RuleCode::ArrangementDeadline,
        RuleCode::ArrangementMismatch,
        RuleCode::ArrangementCapacity,
        RuleCode::StaffDoubleBooked,
        RuleCode::CompletionWindow,
        RuleCode::CrossYear,
        RuleCode::CrossRegionFormRequired,
        RuleCode::MaterialMissing,
        RuleCode::WarningsUnresolved,
        RuleCode::NotGraduatingYear,
        RuleCode::StepOutOfOrder,
        RuleCode::ResultsMissing,
        RuleCode::OccupationNotFiled,
        RuleCode::Validation,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            RuleCode::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            RuleCode::AnnualPlanRequired => "ANNUAL_PLAN_REQUIRED",
            RuleCode::MinHeadcount => "MIN_HEADCOUNT",
            RuleCode::ExamLeadTime => "EXAM_LEAD_TIME",
            RuleCode::CalendarYearMissing => "CALENDAR_YEAR_MISSING",
            RuleCode::HeadcountTolerance => "HEADCOUNT_TOLERANCE",
            RuleCode::ArrangementDeadline => "ARRANGEMENT_DEADLINE",
            RuleCode::ArrangementMismatch => "ARRANGEMENT_MISMATCH",
            RuleCode::ArrangementCapacity => "ARRANGEMENT_CAPACITY",
            RuleCode::StaffDoubleBooked => "STAFF_DOUBLE_BOOKED",
            RuleCode::CompletionWindow => "COMPLETION_WINDOW",
            RuleCode::CrossYear => "CROSS_YEAR",
            RuleCode::CrossRegionFormRequired => "CROSS_REGION_FORM_REQUIRED",
            RuleCode::MaterialMissing => "MATERIAL_MISSING",
            RuleCode::WarningsUnresolved => "WARNINGS_UNRESOLVED",
            RuleCode::NotGraduatingYear => "NOT_GRADUATING_YEAR",
            RuleCode::StepOutOfOrder => "STEP_OUT_OF_ORDER",
            RuleCode::ResultsMissing => "RESULTS_MISSING",
            RuleCode::OccupationNotFiled => "OCCUPATION_NOT_FILED",
            RuleCode::Validation => "VALIDATION",
        }
    }

    /// The rule's short Chinese title (the problem's `title`, the checklist row).
    pub const fn title_zh(self) -> &'static str {
        match self {
            RuleCode::MethodNotAllowed => "评价方式不在允许范围内",
            RuleCode::AnnualPlanRequired => "未申报本年度考试计划",
            RuleCode::MinHeadcount => "每一职业考试人数不少于15人",
            RuleCode::ExamLeadTime => "考试时间应在计划申报之日起三个工作日后",
            RuleCode::CalendarYearMissing => "缺少工作日历数据",
            RuleCode::HeadcountTolerance => "考试人数与计划申报人数误差不超过10人",
            RuleCode::ArrangementDeadline => "考务安排应在考试日前两天完成",
            RuleCode::ArrangementMismatch => "考务安排与考试计划申请报告不一致",
            RuleCode::ArrangementCapacity => "考试场次容量不足以容纳报名考生",
            RuleCode::StaffDoubleBooked => "考务人员在时间重叠的场次中重复安排",
            RuleCode::CompletionWindow => "考试之日起30日内完成认定全部环节",
            RuleCode::CrossYear => "不可跨年实施",
            RuleCode::CrossRegionFormRequired => "跨区域认定需提交跨地区认定申请表",
            RuleCode::MaterialMissing => "材料不全",
            RuleCode::WarningsUnresolved => "预警信息未处理",
            RuleCode::NotGraduatingYear => "非毕业学年学生",
            RuleCode::StepOutOfOrder => "上一环节尚未审核通过",
            RuleCode::ResultsMissing => "考试尚未结束或成绩未录入",
            RuleCode::OccupationNotFiled => "职业（工种）等级不在备案范围内",
            RuleCode::Validation => "输入数据不合法",
        }
    }
}

impl std::fmt::Display for RuleCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// One broken rule, as the API reports it (`violations[]` of SPEC §8).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    pub code: RuleCode,
    /// Chinese, specific: which occupation, which date, how many.
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<Step>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    pub details: Value,
}

impl Violation {
    pub fn new(code: RuleCode, message: impl Into<String>) -> Self {
        Violation {
            code,
            message: message.into(),
            step: None,
            field: None,
            details: Value::Object(Default::default()),
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    fn at(mut self, step: Option<Step>) -> Self {
        self.step = step;
        self
    }
}

// ---------------------------------------------------------------------------------------------
// The snapshot
// ---------------------------------------------------------------------------------------------

/// Everything the rules read about one batch, gathered by the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchSnapshot {
    pub kind: InstitutionKind,
    pub module: Module,
    pub method: Method,
    /// The batch year (认定年度).
    pub year: i32,
    /// First and last exam (assessment) day, China dates.
    pub exam_start: Date,
    pub exam_end: Date,
    pub venue: String,
    pub venue_region: Region,
    pub institution_region: Region,
    /// An annual plan (年度考试计划) is on file for `year`.
    pub annual_plan_on_file: bool,
    /// The institution's filing scope (备案范围).
    pub filed: Vec<(OccupationCode, Level)>,
    pub occupations: Vec<OccupationLine>,
    /// Registered candidates the institution found eligible (withdrawn and ineligible excluded).
    pub candidates: Vec<CandidateFacts>,
    /// Material kinds with a current upload.
    pub materials: Vec<MaterialKind>,
    /// Candidate warnings as currently computed.
    pub warnings: Vec<WarningFacts>,
    pub steps: Vec<StepFacts>,
    /// The plan as approved (or as changed by an approved change request); `None` before.
    pub approved_plan: Option<ApprovedPlan>,
    /// 考务安排 sessions.
    pub sessions: Vec<SessionFacts>,
    /// A supervisor-recorded extension of the completion window.
    pub completion_extended_to: Option<Date>,
}

/// One planned occupation and level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OccupationLine {
    pub occupation_code: OccupationCode,
    pub level: Level,
    pub planned_count: u32,
    /// Eligible registered candidates of this line.
    pub registered_count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateFacts {
    pub id: String,
    pub occupation_code: OccupationCode,
    pub level: Level,
    pub graduation_year: Option<i32>,
    /// `None` while results are not complete.
    pub passed: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WarningFacts {
    pub candidate_id: String,
    pub code: WarningCode,
    pub disposition: Option<Disposition>,
}

/// The institution's handling of a warning (SPEC §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disposition {
    pub decision: DispositionDecision,
    pub has_explanation: bool,
    pub has_evidence: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DispositionDecision {
    Confirmed,
    Dismissed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepFacts {
    pub step: Step,
    pub state: StepState,
    /// The latest submission, if any.
    pub submitted_at: Option<OffsetDateTime>,
    /// The first submission, if any: deadlines are measured at it when a returned step is
    /// submitted again.
    pub first_submitted_at: Option<OffsetDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovedPlan {
    pub exam_start: Date,
    pub exam_end: Date,
    pub venue: String,
    pub occupations: Vec<(OccupationCode, Level)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFacts {
    pub occupation_code: OccupationCode,
    pub level: Level,
    /// `theory`, `skill` or `review`.
    pub subject: String,
    /// The China date the session starts.
    pub date: Date,
    pub venue: String,
    /// Seats (考位) in the session.
    pub capacity: u32,
}

impl BatchSnapshot {
    pub fn process(&self) -> Option<&'static Process> {
        catalogue::process(self.kind, self.module)
    }

    fn step_facts(&self, step: Step) -> Option<&StepFacts> {
        self.steps.iter().find(|facts| facts.step == step)
    }

    fn state(&self, step: Step) -> StepState {
        self.step_facts(step)
            .map_or(StepState::NotStarted, |facts| facts.state)
    }

    fn has_material(&self, kind: MaterialKind) -> bool {
        self.materials.contains(&kind)
    }

    fn is_cross_region(&self) -> bool {
        self.venue_region != self.institution_region
    }

    /// The batch-level `PASS_RATE_ANOMALY` (SPEC §5), over candidates with complete results.
    pub fn pass_rate_anomaly(&self) -> bool {
        let assessed = self
            .candidates
            .iter()
            .filter(|c| c.passed.is_some())
            .count();
        let passed = self
            .candidates
            .iter()
            .filter(|c| c.passed == Some(true))
            .count();
        warnings::is_pass_rate_anomaly(
            u32::try_from(assessed).unwrap_or(u32::MAX),
            u32::try_from(passed).unwrap_or(u32::MAX),
        )
    }

    /// The step states, for the state machine.
    pub fn step_states(&self, process: &Process) -> StepStates {
        StepStates::from_rows(process, self.steps.iter().map(|f| (f.step, f.state)))
    }
}

/// Whether warnings exist for the purpose of `step`: candidate warnings, and from the steps that
/// look at results on, the batch's pass-rate anomaly (异常情况). Decides the conditional
/// materials and the route of an `AutoUnlessWarnings` step.
pub fn warnings_present(s: &BatchSnapshot, step: Step) -> bool {
    let after_exams = s
        .process()
        .and_then(|p| p.step(step))
        .is_some_and(|def| def.rules.contains(&RuleCode::ResultsMissing));
    !s.warnings.is_empty() || (after_exams && s.pass_rate_anomaly())
}

// ---------------------------------------------------------------------------------------------
// Evaluation context and dispatch
// ---------------------------------------------------------------------------------------------

/// What a rule function sees.
struct Ctx<'a> {
    s: &'a BatchSnapshot,
    calendar: &'a WorkCalendar,
    /// The China date the check is made for (the submission date, or today for a preview).
    on: Date,
    /// The date deadline rules measure: the step's first submission when it was returned and is
    /// submitted again (the institution met the deadline; a return for corrections does not make
    /// it late), else `on`.
    deadline_on: Date,
    /// The step being checked; `None` for the batch rules at creation and edit.
    step: Option<(&'a Process, &'a StepDef)>,
}

impl Ctx<'_> {
    fn step_code(&self) -> Option<Step> {
        self.step.map(|(_, def)| def.step)
    }
}

/// Checked when a batch is created or edited, and again at every submission.
pub const BATCH_RULES: &[RuleCode] = &[
    RuleCode::Validation,
    RuleCode::MethodNotAllowed,
    RuleCode::AnnualPlanRequired,
    RuleCode::OccupationNotFiled,
    RuleCode::CrossYear,
];

/// Checked on every step the institution submits, besides the step's own rules.
pub const SUBMISSION_RULES: &[RuleCode] = &[
    RuleCode::StepOutOfOrder,
    RuleCode::MaterialMissing,
    RuleCode::CrossRegionFormRequired,
];

/// One function per code. No catch-all: a new code does not compile until it has a function.
fn run(code: RuleCode, ctx: &Ctx<'_>) -> Vec<Violation> {
    let violations = match code {
        RuleCode::MethodNotAllowed => method_not_allowed(ctx),
        RuleCode::AnnualPlanRequired => annual_plan_required(ctx),
        RuleCode::MinHeadcount => min_headcount(ctx),
        RuleCode::ExamLeadTime => exam_lead_time(ctx),
        RuleCode::CalendarYearMissing => calendar_year_missing(ctx),
        RuleCode::HeadcountTolerance => headcount_tolerance(ctx),
        RuleCode::ArrangementDeadline => arrangement_deadline(ctx),
        RuleCode::ArrangementMismatch => arrangement_mismatch(ctx),
        RuleCode::ArrangementCapacity => arrangement_capacity(ctx),
        // Across batches: checked when the arrangement is saved (`arrangement::double_bookings`),
        // where every other batch's bookings are at hand; a snapshot holds only its own batch.
        RuleCode::StaffDoubleBooked => Vec::new(),
        RuleCode::CompletionWindow => completion_window(ctx),
        RuleCode::CrossYear => cross_year(ctx),
        RuleCode::CrossRegionFormRequired => cross_region_form_required(ctx),
        RuleCode::MaterialMissing => material_missing(ctx),
        RuleCode::WarningsUnresolved => warnings_unresolved(ctx),
        RuleCode::NotGraduatingYear => not_graduating_year(ctx),
        RuleCode::StepOutOfOrder => step_out_of_order(ctx),
        RuleCode::ResultsMissing => results_missing(ctx),
        RuleCode::OccupationNotFiled => occupation_not_filed(ctx),
        RuleCode::Validation => validation(ctx),
    };
    let step = ctx.step_code();
    violations.into_iter().map(|v| v.at(step)).collect()
}

// ---------------------------------------------------------------------------------------------
// The rules
// ---------------------------------------------------------------------------------------------

/// VALIDATION: the batch itself is malformed (SPEC §4). Codec errors (ID numbers, occupation
/// codes, levels) are caught earlier, when input is parsed, and reported under the same code.
fn validation(ctx: &Ctx<'_>) -> Vec<Violation> {
    let s = ctx.s;
    let mut out = Vec::new();
    if s.exam_end < s.exam_start {
        out.push(
            Violation::new(
                RuleCode::Validation,
                format!("考试结束日期 {} 早于开始日期 {}", s.exam_end, s.exam_start),
            )
            .field("exam_end"),
        );
    }
    if s.venue.trim().is_empty() {
        out.push(Violation::new(RuleCode::Validation, "考试地点不能为空").field("venue"));
    }
    if s.occupations.is_empty() {
        out.push(
            Violation::new(RuleCode::Validation, "至少填写一个职业（工种）及等级")
                .field("occupations"),
        );
    }
    let mut seen = BTreeMap::new();
    for (index, line) in s.occupations.iter().enumerate() {
        if line.planned_count == 0 {
            out.push(
                Violation::new(
                    RuleCode::Validation,
                    format!(
                        "职业 {} {}级的计划人数应大于0",
                        line.occupation_code, line.level
                    ),
                )
                .field(format!("occupations[{index}].planned_count")),
            );
        }
        if let Some(first) = seen.insert((&line.occupation_code, line.level), index) {
            out.push(
                Violation::new(
                    RuleCode::Validation,
                    format!(
                        "职业 {} {}级重复填写（第 {} 行与第 {} 行）",
                        line.occupation_code,
                        line.level,
                        first + 1,
                        index + 1
                    ),
                )
                .field(format!("occupations[{index}]")),
            );
        }
    }
    let outside: Vec<&str> = s
        .candidates
        .iter()
        .filter(|c| !seen.contains_key(&(&c.occupation_code, c.level)))
        .map(|c| c.id.as_str())
        .collect();
    if !outside.is_empty() {
        out.push(
            Violation::new(
                RuleCode::Validation,
                format!("有 {} 名考生报考的职业等级不在本批次计划内", outside.len()),
            )
            .field("candidates")
            .details(json!({ "count": outside.len(), "candidate_ids": outside.iter().take(50).collect::<Vec<_>>() })),
        );
    }
    out
}

/// METHOD_NOT_ALLOWED: SPEC §2 table.
fn method_not_allowed(ctx: &Ctx<'_>) -> Vec<Violation> {
    let s = ctx.s;
    if catalogue::method_allowed(s.kind, s.module, s.method) {
        return Vec::new();
    }
    let allowed: Vec<&str> = catalogue::allowed_methods(s.kind, s.module)
        .iter()
        .map(|m| m.code())
        .collect();
    let message = if allowed.is_empty() {
        format!("{}不能使用{}", s.kind.name_zh(), s.module.name_zh())
    } else {
        format!(
            "{}的{}不能采用“{}”方式",
            s.kind.name_zh(),
            s.module.name_zh(),
            s.method.name_zh()
        )
    };
    vec![
        Violation::new(RuleCode::MethodNotAllowed, message)
            .field("method")
            .details(json!({ "kind": s.kind, "module": s.module, "method": s.method, "allowed": allowed })),
    ]
}

/// ANNUAL_PLAN_REQUIRED: "每年第一季度向省评价中心督导部申报本年度…考试计划" (seed §省管用人单位 二 1,
/// §技工院校 二 1). Social training publishes exam notices instead.
fn annual_plan_required(ctx: &Ctx<'_>) -> Vec<Violation> {
    let s = ctx.s;
    let needs_plan = match s.kind {
        InstitutionKind::Employer | InstitutionKind::TechSchool => true,
        InstitutionKind::SocialTraining => false,
    };
    if !needs_plan || s.annual_plan_on_file {
        return Vec::new();
    }
    vec![
        Violation::new(
            RuleCode::AnnualPlanRequired,
            format!(
                "本机构没有 {} 年度考试计划申报记录，请先申报年度考试计划",
                s.year
            ),
        )
        .field("year")
        .details(json!({ "year": s.year })),
    ]
}

/// OCCUPATION_NOT_FILED: an occupation/level outside the institution's filing (备案范围).
fn occupation_not_filed(ctx: &Ctx<'_>) -> Vec<Violation> {
    let s = ctx.s;
    let filed = |code: &OccupationCode, level: Level| {
        s.filed
            .iter()
            .any(|(filed_code, filed_level)| filed_code == code && *filed_level == level)
    };
    let mut out: Vec<Violation> = s
        .occupations
        .iter()
        .enumerate()
        .filter(|(_, line)| !filed(&line.occupation_code, line.level))
        .map(|(index, line)| {
            Violation::new(
                RuleCode::OccupationNotFiled,
                format!(
                    "职业 {} {}不在本机构备案范围内",
                    line.occupation_code,
                    line.level.name_zh()
                ),
            )
            .field(format!("occupations[{index}]"))
            .details(
                json!({ "occupation_code": line.occupation_code.as_str(), "level": line.level }),
            )
        })
        .collect();
    // Self modules have no plan to review: candidates are checked against the filing directly.
    let outside: Vec<&str> = s
        .candidates
        .iter()
        .filter(|c| !filed(&c.occupation_code, c.level))
        .map(|c| c.id.as_str())
        .collect();
    if !outside.is_empty() {
        out.push(
            Violation::new(
                RuleCode::OccupationNotFiled,
                format!("有 {} 名考生报考的职业等级不在本机构备案范围内", outside.len()),
            )
            .field("candidates")
            .details(json!({ "count": outside.len(), "candidate_ids": outside.iter().take(50).collect::<Vec<_>>() })),
        );
    }
    out
}

/// CROSS_YEAR: "原则上应在本年度内完成认定全部环节…不可跨年实施" — exam days inside the batch year, and
/// no step submitted after it. Applied to every (kind, module): the seed states it for all three
/// supervised modules, and a self-module batch is tied to its year by its annual plan.
fn cross_year(ctx: &Ctx<'_>) -> Vec<Violation> {
    let s = ctx.s;
    let mut out = Vec::new();
    for (field, date) in [("exam_start", s.exam_start), ("exam_end", s.exam_end)] {
        if date.year() != s.year {
            out.push(
                Violation::new(
                    RuleCode::CrossYear,
                    format!("考试日期 {date} 不在认定年度 {} 内，不可跨年实施", s.year),
                )
                .field(field)
                .details(json!({ "year": s.year, "date": date.to_string() })),
            );
        }
    }
    // Preparing ahead is allowed (a December plan for a January exam needs the lead time);
    // what the seed forbids is finishing in a later year.
    if ctx.step.is_some() && ctx.on.year() > s.year {
        out.push(
            Violation::new(
                RuleCode::CrossYear,
                format!(
                    "本批次认定年度为 {}，{} 已不在该年度内，不可跨年实施",
                    s.year, ctx.on
                ),
            )
            .details(json!({ "year": s.year, "submitted_on": ctx.on.to_string() })),
        );
    }
    out
}

/// MIN_HEADCOUNT: "考试计划申报每一职业考试人数不少于15人" — per occupation, all levels together.
fn min_headcount(ctx: &Ctx<'_>) -> Vec<Violation> {
    const MINIMUM: u32 = 15;
    let mut per_occupation: BTreeMap<&OccupationCode, u32> = BTreeMap::new();
    for line in &ctx.s.occupations {
        *per_occupation.entry(&line.occupation_code).or_default() += line.planned_count;
    }
    per_occupation
        .into_iter()
        .filter(|(_, planned)| *planned < MINIMUM)
        .map(|(code, planned)| {
            Violation::new(
                RuleCode::MinHeadcount,
                format!("职业 {code} 计划考试人数 {planned} 人，每一职业不少于 {MINIMUM} 人"),
            )
            .field("occupations")
            .details(
                json!({ "occupation_code": code.as_str(), "planned": planned, "minimum": MINIMUM }),
            )
        })
        .collect()
}

/// EXAM_LEAD_TIME: "考试时间应安排在考试计划申报之日起三个工作日后" — the first exam day must be
/// after the 3rd working day after the submission date. A missing calendar year is reported by
/// CALENDAR_YEAR_MISSING, never guessed.
fn exam_lead_time(ctx: &Ctx<'_>) -> Vec<Violation> {
    let Ok(earliest) = ctx.calendar.earliest_exam_date(ctx.on) else {
        return Vec::new();
    };
    if ctx.s.exam_start >= earliest.earliest_exam_date {
        return Vec::new();
    }
    let days: Vec<String> = earliest.working_days.iter().map(Date::to_string).collect();
    vec![
        Violation::new(
            RuleCode::ExamLeadTime,
            format!(
                "计划申报日 {}，其后三个工作日为 {}，考试最早可安排在 {}；首个考试日 {} 过早",
                ctx.on,
                days.join("、"),
                earliest.earliest_exam_date,
                ctx.s.exam_start
            ),
        )
        .field("exam_start")
        .details(json!({
            "submitted_on": ctx.on.to_string(),
            "working_days": days,
            "earliest_exam_date": earliest.earliest_exam_date.to_string(),
            "exam_start": ctx.s.exam_start.to_string(),
        })),
    ]
}

/// CALENDAR_YEAR_MISSING: the working-day count needs a year without calendar data.
fn calendar_year_missing(ctx: &Ctx<'_>) -> Vec<Violation> {
    match ctx.calendar.earliest_exam_date(ctx.on) {
        Ok(_) => Vec::new(),
        Err(missing) => vec![
            Violation::new(
                RuleCode::CalendarYearMissing,
                format!(
                    "{} 年的工作日历尚未导入，无法计算三个工作日，请联系系统管理员",
                    missing.year
                ),
            )
            .details(json!({ "year": missing.year })),
        ],
    }
}

/// HEADCOUNT_TOLERANCE: "各职业级别考试人数应与计划申报人数相符，误差不超过10人".
fn headcount_tolerance(ctx: &Ctx<'_>) -> Vec<Violation> {
    const TOLERANCE: u32 = 10;
    ctx.s
        .occupations
        .iter()
        .enumerate()
        .filter(|(_, line)| line.registered_count.abs_diff(line.planned_count) > TOLERANCE)
        .map(|(index, line)| {
            Violation::new(
                RuleCode::HeadcountTolerance,
                format!(
                    "职业 {} {}：报名 {} 人，计划 {} 人，误差超过 {TOLERANCE} 人",
                    line.occupation_code,
                    line.level.name_zh(),
                    line.registered_count,
                    line.planned_count
                ),
            )
            .field(format!("occupations[{index}]"))
            .details(json!({
                "occupation_code": line.occupation_code.as_str(),
                "level": line.level,
                "planned": line.planned_count,
                "registered": line.registered_count,
                "tolerance": TOLERANCE,
            }))
        })
        .collect()
}

/// ARRANGEMENT_DEADLINE: "该环节应在考试日前两天完成" — submitted on or before first exam day − 2.
fn arrangement_deadline(ctx: &Ctx<'_>) -> Vec<Violation> {
    let deadline = calendar::arrangement_deadline(ctx.s.exam_start, ctx.s.year);
    if ctx.deadline_on <= deadline {
        return Vec::new();
    }
    vec![
        Violation::new(
            RuleCode::ArrangementDeadline,
            format!(
                "考务安排应在 {deadline}（首个考试日 {} 前两天）前完成，提交日 {} 已晚",
                ctx.s.exam_start, ctx.deadline_on
            ),
        )
        .details(json!({
            "deadline": deadline.to_string(),
            "exam_start": ctx.s.exam_start.to_string(),
            "submitted_on": ctx.deadline_on.to_string(),
        })),
    ]
}

/// ARRANGEMENT_MISMATCH: "考试职业级别、时间、地点及工作人员等信息与考试计划申请报告一致，不得无故调整考试时间".
/// Compared with the plan as approved; an approved change request updates that plan.
fn arrangement_mismatch(ctx: &Ctx<'_>) -> Vec<Violation> {
    let Some(plan) = &ctx.s.approved_plan else {
        // Before the plan is approved STEP_OUT_OF_ORDER blocks the step.
        return Vec::new();
    };
    let mut out = Vec::new();
    for (index, session) in ctx.s.sessions.iter().enumerate() {
        let field = |name: &str| format!("sessions[{index}].{name}");
        if !plan
            .occupations
            .iter()
            .any(|(code, level)| *code == session.occupation_code && *level == session.level)
        {
            out.push(
                Violation::new(
                    RuleCode::ArrangementMismatch,
                    format!(
                        "场次 {}：职业 {} {}不在已批准的考试计划中",
                        index + 1,
                        session.occupation_code,
                        session.level.name_zh()
                    ),
                )
                .field(field("occupation_code"))
                .details(json!({ "occupation_code": session.occupation_code.as_str(), "level": session.level })),
            );
        }
        if session.date < plan.exam_start || session.date > plan.exam_end {
            out.push(
                Violation::new(
                    RuleCode::ArrangementMismatch,
                    format!(
                        "场次 {}：考试日期 {} 不在已批准的考试时间 {} 至 {} 内",
                        index + 1,
                        session.date,
                        plan.exam_start,
                        plan.exam_end
                    ),
                )
                .field(field("date"))
                .details(json!({
                    "date": session.date.to_string(),
                    "plan_exam_start": plan.exam_start.to_string(),
                    "plan_exam_end": plan.exam_end.to_string(),
                })),
            );
        }
        if session.venue.trim() != plan.venue.trim() {
            out.push(
                Violation::new(
                    RuleCode::ArrangementMismatch,
                    format!(
                        "场次 {}：考试地点“{}”与已批准的“{}”不一致",
                        index + 1,
                        session.venue,
                        plan.venue
                    ),
                )
                .field(field("venue"))
                .details(json!({ "venue": session.venue, "plan_venue": plan.venue })),
            );
        }
    }
    for (code, level) in &plan.occupations {
        let arranged = ctx
            .s
            .sessions
            .iter()
            .any(|session| session.occupation_code == *code && session.level == *level);
        if !arranged {
            out.push(
                Violation::new(
                    RuleCode::ArrangementMismatch,
                    format!(
                        "已批准计划中的职业 {code} {}没有安排考试场次",
                        level.name_zh()
                    ),
                )
                .field("sessions")
                .details(json!({ "occupation_code": code.as_str(), "level": level })),
            );
        }
    }
    out
}

/// ARRANGEMENT_CAPACITY: "考场安排满足考试需要" — for every planned occupation and level, the
/// sessions of each subject arranged for it seat all its registered candidates.
fn arrangement_capacity(ctx: &Ctx<'_>) -> Vec<Violation> {
    let mut seats: BTreeMap<(&OccupationCode, Level, &str), u32> = BTreeMap::new();
    for session in &ctx.s.sessions {
        *seats
            .entry((
                &session.occupation_code,
                session.level,
                session.subject.as_str(),
            ))
            .or_default() += session.capacity;
    }
    let mut out = Vec::new();
    for ((code, level, subject), capacity) in seats {
        let Some(line) = ctx
            .s
            .occupations
            .iter()
            .find(|line| line.occupation_code == *code && line.level == level)
        else {
            // A session outside the plan is ARRANGEMENT_MISMATCH's to report.
            continue;
        };
        if capacity >= line.registered_count {
            continue;
        }
        out.push(
            Violation::new(
                RuleCode::ArrangementCapacity,
                format!(
                    "{code} {}{}场次共 {capacity} 个考位，少于报名考生 {} 人",
                    level.name_zh(),
                    subject_zh(subject),
                    line.registered_count
                ),
            )
            .field("sessions")
            .details(json!({
                "occupation_code": code.as_str(),
                "level": level,
                "subject": subject,
                "capacity": capacity,
                "registered": line.registered_count,
            })),
        );
    }
    out
}

/// The Chinese name of an exam subject code.
pub fn subject_zh(subject: &str) -> &'static str {
    match subject {
        "theory" => "理论知识考试",
        "skill" => "操作技能考核",
        "review" => "综合评审",
        _ => "考试",
    }
}

/// COMPLETION_WINDOW: "每一考试批次应在考试之日起 30 日内完成认定全部环节" — counted from the day
/// after the last exam day (民法典 第201条), unless a supervisor recorded an extension; capped at
/// 31 December like every deadline (the same date the batch shows).
fn completion_window(ctx: &Ctx<'_>) -> Vec<Violation> {
    let ends =
        calendar::completion_deadline(ctx.s.exam_end, ctx.s.year, ctx.s.completion_extended_to);
    if ctx.deadline_on <= ends {
        return Vec::new();
    }
    vec![
        Violation::new(
            RuleCode::CompletionWindow,
            format!(
                "最后考试日 {} 起 30 日内（截至 {ends}）应完成认定全部环节，提交日 {} 已超期",
                ctx.s.exam_end, ctx.deadline_on
            ),
        )
        .details(json!({
            "exam_end": ctx.s.exam_end.to_string(),
            "deadline": ends.to_string(),
            "extended": ctx.s.completion_extended_to.map(|d| d.to_string()),
            "submitted_on": ctx.deadline_on.to_string(),
        })),
    ]
}

fn condition_holds(ctx: &Ctx<'_>, def: &StepDef, condition: Condition) -> bool {
    match condition {
        Condition::Always => true,
        Condition::WhenWarnings => warnings_present(ctx.s, def.step),
        Condition::WhenCrossRegion => ctx.s.is_cross_region(),
    }
}

fn missing_materials(
    ctx: &Ctx<'_>,
    wanted: fn(Condition) -> bool,
) -> Vec<&'static MaterialRequirement> {
    let Some((_, def)) = ctx.step else {
        return Vec::new();
    };
    def.materials
        .iter()
        .filter(|req| {
            wanted(req.when) && condition_holds(ctx, def, req.when) && !ctx.s.has_material(req.kind)
        })
        .collect()
}

/// MATERIAL_MISSING: a required material, or one triggered by warnings, is absent.
fn material_missing(ctx: &Ctx<'_>) -> Vec<Violation> {
    missing_materials(ctx, |when| !matches!(when, Condition::WhenCrossRegion))
        .into_iter()
        .map(|req| {
            let why = match req.when {
                Condition::WhenWarnings => "（存在预警信息时需提交）",
                Condition::Always | Condition::WhenCrossRegion => "",
            };
            Violation::new(
                RuleCode::MaterialMissing,
                format!("缺少材料：{}{why}", req.title),
            )
            .field(format!("materials.{}", req.kind.code()))
            .details(json!({ "kind": req.kind, "title": req.title, "when": req.when }))
        })
        .collect()
}

/// CROSS_REGION_FORM_REQUIRED: "跨区域开展认定工作的需提交《河南省省属社会培训评价组织跨地区认定申请表》".
fn cross_region_form_required(ctx: &Ctx<'_>) -> Vec<Violation> {
    missing_materials(ctx, |when| matches!(when, Condition::WhenCrossRegion))
        .into_iter()
        .map(|req| {
            Violation::new(
                RuleCode::CrossRegionFormRequired,
                format!(
                    "考试地点位于{}，本机构属{}，跨区域开展认定需提交{}",
                    ctx.s.venue_region.name_zh(),
                    ctx.s.institution_region.name_zh(),
                    req.title
                ),
            )
            .field(format!("materials.{}", req.kind.code()))
            .details(json!({
                "kind": req.kind,
                "venue_region": ctx.s.venue_region,
                "institution_region": ctx.s.institution_region,
            }))
        })
        .collect()
}

/// WARNINGS_UNRESOLVED: every warning needs a disposition — confirmed or dismissed, with an
/// explanation and an evidence material (SPEC §5; self modules: "对存在预警信息的需上传佐证材料").
/// A warning confirmed as true means the candidate may not go on: the institution must withdraw
/// the candidate or find them ineligible (the snapshot lists warnings of eligible candidates
/// only), so a confirmed warning still standing blocks the step as well.
fn warnings_unresolved(ctx: &Ctx<'_>) -> Vec<Violation> {
    let mut undisposed: Vec<&WarningFacts> = Vec::new();
    let mut confirmed: Vec<&WarningFacts> = Vec::new();
    for warning in &ctx.s.warnings {
        match warning.disposition {
            Some(d) if d.has_explanation && d.has_evidence => match d.decision {
                DispositionDecision::Dismissed => {}
                DispositionDecision::Confirmed => confirmed.push(warning),
            },
            Some(_) | None => undisposed.push(warning),
        }
    }
    let summary = |warnings: &[&WarningFacts]| {
        let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
        for warning in warnings {
            *by_code.entry(warning.code.code()).or_default() += 1;
        }
        let ids: Vec<&str> = warnings
            .iter()
            .take(50)
            .map(|w| w.candidate_id.as_str())
            .collect();
        json!({ "count": warnings.len(), "by_code": by_code, "candidate_ids": ids })
    };
    let mut out = Vec::new();
    if !undisposed.is_empty() {
        out.push(
            Violation::new(
                RuleCode::WarningsUnresolved,
                format!(
                    "有 {} 条预警信息尚未处理（需核实结论、情况说明和佐证材料）",
                    undisposed.len()
                ),
            )
            .field("warnings")
            .details(summary(&undisposed)),
        );
    }
    if !confirmed.is_empty() {
        out.push(
            Violation::new(
                RuleCode::WarningsUnresolved,
                format!(
                    "有 {} 条预警信息经核实属实，相关考生应取消报名资格或撤回报名",
                    confirmed.len()
                ),
            )
            .field("candidates")
            .details(summary(&confirmed)),
        );
    }
    out
}

/// NOT_GRADUATING_YEAR: "评价机构在组织毕业学年学生开展认定报名时" (seed §技工院校 三 2) — every
/// eligible candidate is in the graduating year on the first exam day.
fn not_graduating_year(ctx: &Ctx<'_>) -> Vec<Violation> {
    let outside: Vec<&CandidateFacts> = ctx
        .s
        .candidates
        .iter()
        .filter(|c| {
            !c.graduation_year
                .is_some_and(|year| warnings::is_graduating_year(year, ctx.s.exam_start))
        })
        .collect();
    if outside.is_empty() {
        return Vec::new();
    }
    let ids: Vec<&str> = outside.iter().take(50).map(|c| c.id.as_str()).collect();
    vec![
        Violation::new(
            RuleCode::NotGraduatingYear,
            format!(
                "有 {} 名考生不是毕业学年学生（或未填写毕业年份），自主认定只面向毕业学年学生",
                outside.len()
            ),
        )
        .field("candidates")
        .details(json!({ "count": outside.len(), "candidate_ids": ids })),
    ]
}

/// STEP_OUT_OF_ORDER: a step opens when the previous one is approved (SPEC §3).
fn step_out_of_order(ctx: &Ctx<'_>) -> Vec<Violation> {
    let Some((process, def)) = ctx.step else {
        return Vec::new();
    };
    let Some(previous) = process.previous(def.step) else {
        return Vec::new();
    };
    let state = ctx.s.state(previous);
    if state == StepState::Approved {
        return Vec::new();
    }
    vec![
        Violation::new(
            RuleCode::StepOutOfOrder,
            format!(
                "上一环节“{}”当前为“{}”，审核通过后才能提交“{}”",
                previous.name_zh(),
                state.name_zh(),
                def.step.name_zh()
            ),
        )
        .details(json!({ "previous_step": previous, "previous_state": state })),
    ]
}

/// RESULTS_MISSING: the certificate, materials and data-audit steps come after the last exam
/// day, with the results of every eligible candidate entered (SPEC §3, §4).
fn results_missing(ctx: &Ctx<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    if ctx.on <= ctx.s.exam_end {
        out.push(
            Violation::new(
                RuleCode::ResultsMissing,
                format!("最后考试日 {} 之后才能提交本环节", ctx.s.exam_end),
            )
            .details(json!({
                "exam_end": ctx.s.exam_end.to_string(),
                "submitted_on": ctx.on.to_string(),
            })),
        );
    }
    let pending: Vec<&str> = ctx
        .s
        .candidates
        .iter()
        .filter(|c| c.passed.is_none())
        .map(|c| c.id.as_str())
        .collect();
    if !pending.is_empty() {
        out.push(
            Violation::new(
                RuleCode::ResultsMissing,
                format!("有 {} 名考生的成绩尚未录入完整", pending.len()),
            )
            .field("results")
            .details(json!({
                "count": pending.len(),
                "candidate_ids": pending.iter().take(50).collect::<Vec<_>>(),
            })),
        );
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Checklist, submission, batch checks, deadlines
// ---------------------------------------------------------------------------------------------

/// One rule's verdict in a checklist.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleCheck {
    pub code: RuleCode,
    pub title: &'static str,
    pub passed: bool,
    pub violations: Vec<Violation>,
}

/// One material's row in a checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MaterialCheck {
    pub kind: MaterialKind,
    pub title: &'static str,
    pub condition: Condition,
    /// The condition holds now, so the material is needed.
    pub required: bool,
    pub present: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepChecklist {
    pub step: Step,
    pub state: StepState,
    /// The China date the step was evaluated for: its submission date once submitted, else today.
    pub evaluated_on: Date,
    pub materials: Vec<MaterialCheck>,
    pub rules: Vec<RuleCheck>,
    /// Every rule passes.
    pub ready: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Checklist {
    pub batch: Vec<RuleCheck>,
    pub steps: Vec<StepChecklist>,
}

fn rule_checks(codes: &[RuleCode], ctx: &Ctx<'_>) -> Vec<RuleCheck> {
    codes
        .iter()
        .map(|&code| {
            let violations = run(code, ctx);
            RuleCheck {
                code,
                title: code.title_zh(),
                passed: violations.is_empty(),
                violations,
            }
        })
        .collect()
}

fn step_checklist(
    s: &BatchSnapshot,
    calendar: &WorkCalendar,
    process: &'static Process,
    def: &'static StepDef,
    on: Date,
) -> StepChecklist {
    let first_submitted = s
        .step_facts(def.step)
        .and_then(|facts| facts.first_submitted_at)
        .map(calendar::china_date);
    let ctx = Ctx {
        s,
        calendar,
        on,
        deadline_on: first_submitted.map_or(on, |first| first.min(on)),
        step: Some((process, def)),
    };
    let materials = def
        .materials
        .iter()
        .map(|req| MaterialCheck {
            kind: req.kind,
            title: req.title,
            condition: req.when,
            required: condition_holds(&ctx, def, req.when),
            present: s.has_material(req.kind),
        })
        .collect();
    let mut codes: Vec<RuleCode> = Vec::new();
    match def.submitter {
        Submitter::Institution => {
            codes.extend_from_slice(BATCH_RULES);
            codes.extend_from_slice(SUBMISSION_RULES);
        }
        Submitter::System | Submitter::Nobody => {}
    }
    for code in def.rules {
        if !codes.contains(code) {
            codes.push(*code);
        }
    }
    let rules = rule_checks(&codes, &ctx);
    StepChecklist {
        step: def.step,
        state: s.state(def.step),
        evaluated_on: on,
        ready: rules.iter().all(|check| check.passed),
        materials,
        rules,
    }
}

/// The checklist of every step of the batch. A step already submitted or approved is shown as it
/// was evaluated at its submission; the others as they would be if submitted at `now`.
pub fn checklist(s: &BatchSnapshot, calendar: &WorkCalendar, now: OffsetDateTime) -> Checklist {
    let today = calendar::china_date(now);
    let batch_ctx = Ctx {
        s,
        calendar,
        on: today,
        deadline_on: today,
        step: None,
    };
    let batch = rule_checks(BATCH_RULES, &batch_ctx);
    let steps = s
        .process()
        .map(|process| {
            process
                .steps
                .iter()
                .map(|def| {
                    let on = match s.step_facts(def.step) {
                        Some(StepFacts {
                            state: StepState::Submitted | StepState::Approved,
                            submitted_at: Some(at),
                            ..
                        }) => calendar::china_date(*at),
                        Some(_) | None => today,
                    };
                    step_checklist(s, calendar, process, def, on)
                })
                .collect()
        })
        .unwrap_or_default();
    Checklist { batch, steps }
}

/// Every violation that blocks submitting `step` at `at`: the same evaluation as the checklist.
pub fn submission_violations(
    s: &BatchSnapshot,
    calendar: &WorkCalendar,
    step: Step,
    at: OffsetDateTime,
) -> Result<Vec<Violation>, ProgressError> {
    let Some(process) = s.process() else {
        // The (kind, module) has no process: the batch rules say why.
        return Ok(batch_violations(s, calendar, at));
    };
    let def = process.step(step).ok_or(ProgressError::UnknownStep(step))?;
    match def.submitter {
        Submitter::Institution => {}
        Submitter::System | Submitter::Nobody => return Err(ProgressError::NotSubmittable(step)),
    }
    let checked = step_checklist(s, calendar, process, def, calendar::china_date(at));
    Ok(checked
        .rules
        .into_iter()
        .flat_map(|check| check.violations)
        .collect())
}

/// Violations of the batch rules, for creating or editing a batch at `now`.
pub fn batch_violations(
    s: &BatchSnapshot,
    calendar: &WorkCalendar,
    now: OffsetDateTime,
) -> Vec<Violation> {
    let today = calendar::china_date(now);
    let ctx = Ctx {
        s,
        calendar,
        on: today,
        deadline_on: today,
        step: None,
    };
    BATCH_RULES
        .iter()
        .flat_map(|&code| run(code, &ctx))
        .collect()
}

/// Violations of changing a batch from `before` to `after` (SPEC §4 ARRANGEMENT_MISMATCH: "不得无故
/// 调整考试时间"): once the plan is submitted, its exam dates, venue and occupations change only
/// through a change request that a supervisor re-reviews, never by editing the batch.
pub fn edit_violations(before: &BatchSnapshot, after: &BatchSnapshot) -> Vec<Violation> {
    let Some(process) = before.process() else {
        return Vec::new();
    };
    let Some(plan_step) = process.step(Step::Plan) else {
        return Vec::new();
    };
    let locked = match before.state(plan_step.step) {
        StepState::NotStarted | StepState::Draft | StepState::Returned => false,
        StepState::Submitted | StepState::Approved => true,
    };
    if !locked {
        return Vec::new();
    }
    let lines = |s: &BatchSnapshot| {
        let mut lines: Vec<(OccupationCode, Level, u32)> = s
            .occupations
            .iter()
            .map(|l| (l.occupation_code.clone(), l.level, l.planned_count))
            .collect();
        lines.sort();
        lines
    };
    let changed: Vec<&str> = [
        ("exam_start", before.exam_start != after.exam_start),
        ("exam_end", before.exam_end != after.exam_end),
        ("venue", before.venue.trim() != after.venue.trim()),
        ("venue_region", before.venue_region != after.venue_region),
        ("occupations", lines(before) != lines(after)),
        ("year", before.year != after.year),
        ("method", before.method != after.method),
    ]
    .into_iter()
    .filter(|(_, changed)| *changed)
    .map(|(field, _)| field)
    .collect();
    changed
        .into_iter()
        .map(|field| {
            Violation::new(
                RuleCode::ArrangementMismatch,
                format!("考试计划已提交或已批准，{field} 不能直接修改，请提交变更申请并说明理由"),
            )
            .field(field)
            .at(Some(Step::Plan))
        })
        .collect()
}

/// Violations of a change request (SPEC §4 ARRANGEMENT_MISMATCH: "a change carries a reason and
/// is re-reviewed"): `after` is the batch with the requested exam dates and venue, checked at the
/// request's date `at` as if the plan were filed again — the batch rules, the plan's lead time
/// and cross-region form, and the arrangement deadline the new first exam day sets.
pub fn change_violations(
    after: &BatchSnapshot,
    calendar: &WorkCalendar,
    at: OffsetDateTime,
) -> Vec<Violation> {
    let on = calendar::china_date(at);
    let mut out = batch_violations(after, calendar, at);
    let Some(process) = after.process() else {
        return out;
    };
    for (step, codes) in [
        (
            Step::Plan,
            &[
                RuleCode::CalendarYearMissing,
                RuleCode::ExamLeadTime,
                RuleCode::CrossRegionFormRequired,
            ][..],
        ),
        (Step::Arrangement, &[RuleCode::ArrangementDeadline][..]),
    ] {
        let Some(def) = process.step(step) else {
            continue;
        };
        let ctx = Ctx {
            s: after,
            calendar,
            on,
            deadline_on: on,
            step: Some((process, def)),
        };
        for &code in codes {
            if def.rules.contains(&code) || SUBMISSION_RULES.contains(&code) {
                out.extend(run(code, &ctx));
            }
        }
    }
    out
}

/// The dates every batch shows (SPEC §4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadlines {
    /// Where EXAM_LEAD_TIME applies: from the plan's submission date, or today before it.
    pub earliest_exam_date: Option<Date>,
    /// Where the process has an arrangement step.
    pub arrangement_deadline: Option<Date>,
    /// The 30-day window where COMPLETION_WINDOW applies, else the end of the year; always
    /// capped at 31 December.
    pub completion_deadline: Date,
    pub year_end: Date,
    /// The calendar year that was needed and missing, if any.
    pub calendar_year_missing: Option<i32>,
}

pub fn deadlines(s: &BatchSnapshot, calendar: &WorkCalendar, now: OffsetDateTime) -> Deadlines {
    let process = s.process();
    let checks = |code| process.is_some_and(|p| p.checks(code));
    let mut calendar_year_missing = None;
    let earliest_exam_date = if checks(RuleCode::ExamLeadTime) {
        let plan_submitted = s
            .step_facts(Step::Plan)
            .and_then(|facts| match facts.state {
                StepState::Submitted | StepState::Approved => facts.submitted_at,
                StepState::NotStarted | StepState::Draft | StepState::Returned => None,
            });
        let from = calendar::china_date(plan_submitted.unwrap_or(now));
        match calendar.earliest_exam_date(from) {
            Ok(earliest) => Some(earliest.earliest_exam_date),
            Err(missing) => {
                calendar_year_missing = Some(missing.year);
                None
            }
        }
    } else {
        None
    };
    let arrangement_deadline = process
        .and_then(|p| p.step(Step::Arrangement))
        .map(|_| calendar::arrangement_deadline(s.exam_start, s.year));
    let completion_deadline = if checks(RuleCode::CompletionWindow) {
        calendar::completion_deadline(s.exam_end, s.year, s.completion_extended_to)
    } else {
        calendar::year_end(s.year)
    };
    Deadlines {
        earliest_exam_date,
        arrangement_deadline,
        completion_deadline,
        year_end: calendar::year_end(s.year),
        calendar_year_missing,
    }
}
