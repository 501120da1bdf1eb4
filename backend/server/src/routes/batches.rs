//! Batches and their steps (SPEC §3, §4, §8): create, list, read, edit with a version, the
//! checklist, submission, review decisions and the supervisors' review queue.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, put, web};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skillcert_domain::alerts::{self, AlertInput, AlertState, DeadlineAlert, DeadlineKind};
use skillcert_domain::calendar::{WorkCalendar, china_date, iso_date};
use skillcert_domain::catalogue::{self, Reviewer, Submitter};
use skillcert_domain::codecs::{OccupationCode, Region};
use skillcert_domain::rules::{self, RuleCode, Violation};
use skillcert_domain::state::{Decision, ProgressError, StepStates};
use skillcert_domain::{InstitutionKind, Level, Method, Module, Role, Step, StepState};
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::{IdempotencyKey, Page, PageQuery, expected_version};
use crate::audit::{self, AuditCtx, RequestMeta};
use crate::auth::CurrentUser;
use crate::auth::service::{BatchesRead, Scoped};
use crate::batches::{self, Loaded, PlanFields, StoredPlan};
use crate::entities::{batch, batch_occupation, batch_step, inspection, institution, occupation};
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use crate::tenancy;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_batch)
        .service(list_batches)
        .service(get_batch)
        .service(patch_batch)
        .service(get_checklist)
        .service(submit_step)
        .service(decide_step)
        .service(record_extension)
        .service(review_queue);
}

// ---------------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OccupationInput {
    /// 国家职业分类大典 code, e.g. `6-31-01-03`.
    pub occupation_code: String,
    /// 1 (一级/高级技师) … 5 (五级/初级工).
    pub level: u8,
    pub planned_count: u32,
}

/// A new batch (SPEC §8 batch body).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchInput {
    /// `supervised` or `self`.
    pub module: String,
    /// `exam`, `direct`, `process` or `competition`.
    pub method: String,
    pub year: i32,
    #[schema(value_type = String, format = Date, example = "2026-03-10")]
    pub exam_start: String,
    #[schema(value_type = String, format = Date, example = "2026-03-11")]
    pub exam_end: String,
    pub venue: String,
    /// Henan 地市 code, e.g. `4103` (洛阳).
    pub venue_region: String,
    pub occupations: Vec<OccupationInput>,
    /// Social training: the published exam notices this batch implements.
    #[serde(default)]
    pub exam_notice_ids: Vec<Uuid>,
}

/// Changes to a batch; `version` (or `If-Match`) must be the current one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchPatch {
    pub version: Option<i32>,
    pub method: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub exam_start: Option<String>,
    #[schema(value_type = Option<String>, format = Date)]
    pub exam_end: Option<String>,
    pub venue: Option<String>,
    pub venue_region: Option<String>,
    pub occupations: Option<Vec<OccupationInput>>,
    pub exam_notice_ids: Option<Vec<Uuid>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OccupationLineView {
    pub occupation_code: String,
    pub occupation_name: Option<String>,
    pub level: u8,
    pub level_name: &'static str,
    pub planned_count: u32,
    pub registered_count: u32,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepView {
    pub step: Step,
    pub name: &'static str,
    pub state: StepState,
    pub state_name: &'static str,
    /// `none`, `auto_unless_warnings`, `supervisor` or `info_office`.
    pub reviewer: Reviewer,
    /// Runs beside the other steps (外部质量督导) rather than in sequence.
    pub beside: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub submitted_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub decided_at: Option<OffsetDateTime>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlinesView {
    /// Social training: the first legal exam day (EXAM_LEAD_TIME), from the plan's submission.
    #[serde(with = "iso_date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub earliest_exam_date: Option<Date>,
    /// Social training: the arrangement step's last day (first exam day − 2).
    #[serde(with = "iso_date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub arrangement_deadline: Option<Date>,
    /// Last exam day + 30 (social training) or 31 December; never later than 31 December.
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub completion_deadline: Date,
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub year_end: Date,
    /// Set when the working-day count needs a calendar year that is not loaded.
    pub calendar_year_missing: Option<i32>,
    /// The completion window's end as a supervisor extended it, if they did.
    #[serde(with = "iso_date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub completion_extended_to: Option<Date>,
    /// The open deadlines that are approaching or passed today (China date): what the deadline
    /// clock notifies about and what the lists show as badges.
    pub alerts: Vec<DeadlineAlertView>,
}

/// An open deadline that needs attention (issue 6 deadline clock).
#[derive(Debug, Serialize, ToSchema)]
pub struct DeadlineAlertView {
    /// `arrangement`, `completion` or `year_end`.
    pub kind: DeadlineKind,
    pub kind_name: &'static str,
    /// `approaching` (due within 2 / 5 / 15 days, or today) or `passed`.
    pub state: AlertState,
    pub state_name: &'static str,
    /// `ARRANGEMENT_DEADLINE`, `COMPLETION_WINDOW` or `CROSS_YEAR`.
    pub rule: RuleCode,
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub deadline: Date,
    /// Days from today to the deadline: 0 on the day, negative once passed.
    pub days_left: i64,
}

impl From<DeadlineAlert> for DeadlineAlertView {
    fn from(a: DeadlineAlert) -> Self {
        DeadlineAlertView {
            kind: a.kind,
            kind_name: a.kind.name_zh(),
            state: a.state,
            state_name: a.state.name_zh(),
            rule: a.kind.rule(),
            deadline: a.deadline,
            days_left: a.days_left,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchView {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub institution_name: String,
    pub kind: String,
    pub module: String,
    pub method: String,
    pub year: i32,
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub exam_start: Date,
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub exam_end: Date,
    pub venue: String,
    pub venue_region: String,
    pub occupations: Vec<OccupationLineView>,
    pub exam_notice_ids: Vec<Uuid>,
    /// `in_progress`, `under_review`, `returned`, `issuing`, `completed` or `archived` (read
    /// only: every write on the batch answers 409 `BATCH_ARCHIVED`).
    pub status: String,
    pub status_name: &'static str,
    pub current_step: Option<Step>,
    pub steps: Vec<StepView>,
    pub deadlines: DeadlinesView,
    pub version: i32,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ViolationView {
    pub code: RuleCode,
    pub message: String,
    pub step: Option<Step>,
    pub field: Option<String>,
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl From<Violation> for ViolationView {
    fn from(v: Violation) -> Self {
        ViolationView {
            code: v.code,
            message: v.message,
            step: v.step,
            field: v.field,
            details: v.details,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RuleCheckView {
    pub code: RuleCode,
    pub title: &'static str,
    pub passed: bool,
    pub violations: Vec<ViolationView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MaterialCheckView {
    pub kind: skillcert_domain::MaterialKind,
    pub title: &'static str,
    /// `always`, `when_warnings` or `when_cross_region`.
    pub condition: catalogue::Condition,
    pub required: bool,
    pub present: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StepChecklistView {
    pub step: Step,
    pub name: &'static str,
    pub state: StepState,
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub evaluated_on: Date,
    pub materials: Vec<MaterialCheckView>,
    pub rules: Vec<RuleCheckView>,
    pub ready: bool,
}

/// Each step's materials and rules, computed by the code that blocks a submission.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChecklistView {
    pub batch: Vec<RuleCheckView>,
    pub steps: Vec<StepChecklistView>,
}

fn rule_checks(checks: Vec<rules::RuleCheck>) -> Vec<RuleCheckView> {
    checks
        .into_iter()
        .map(|c| RuleCheckView {
            code: c.code,
            title: c.title,
            passed: c.passed,
            violations: c.violations.into_iter().map(Into::into).collect(),
        })
        .collect()
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnReason {
    /// The failing rule code or material kind, or `other`.
    pub code: String,
    pub message: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// `approve` or `return`.
    pub decision: String,
    #[serde(default)]
    pub comment: String,
    /// Required (non-empty) for `return`.
    #[serde(default)]
    pub reasons: Vec<ReturnReason>,
    /// Only for approving `data_audit` (证书数据审核, SPEC §3 self modules): `document_review`
    /// (书面审核, the default) or `on_site_check` (现场抽查, drawn as SPEC §7 says: the batch needs
    /// a filed report of an inspection a draw assigned to it).
    pub audit_method: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Parsing input
// ---------------------------------------------------------------------------------------------

struct Parsed<T> {
    value: Option<T>,
}

fn parse_field<T, E: std::fmt::Display>(
    violations: &mut Vec<Violation>,
    field: &str,
    result: Result<T, E>,
) -> Parsed<T> {
    match result {
        Ok(value) => Parsed { value: Some(value) },
        Err(e) => {
            violations.push(Violation::new(RuleCode::Validation, e.to_string()).field(field));
            Parsed { value: None }
        }
    }
}

fn parse_date(text: &str) -> Result<Date, String> {
    iso_date::parse(text).map_err(|_| format!("日期“{text}”应为 YYYY-MM-DD"))
}

/// The valid lines of `input` (each problem added to `violations`) and the catalogue names
/// of their occupations.
async fn parse_occupations(
    state: &AppState,
    input: &[OccupationInput],
    violations: &mut Vec<Violation>,
) -> ApiResult<(Vec<(OccupationCode, Level, u32)>, BTreeMap<String, String>)> {
    let known: BTreeMap<String, occupation::Model> = occupation::Entity::find()
        .all(&state.db.conn)
        .await?
        .into_iter()
        .map(|o| (o.code.clone(), o))
        .collect();
    let mut names = BTreeMap::new();
    let mut lines = Vec::new();
    for (index, line) in input.iter().enumerate() {
        let field = format!("occupations[{index}]");
        let code = parse_field(
            violations,
            &format!("{field}.occupation_code"),
            OccupationCode::parse(&line.occupation_code),
        );
        let level = parse_field(
            violations,
            &format!("{field}.level"),
            Level::try_from(line.level),
        );
        if let (Some(code), Some(level)) = (code.value, level.value) {
            match known.get(code.as_str()) {
                None => violations.push(
                    Violation::new(
                        RuleCode::Validation,
                        format!("职业代码 {code} 不在职业目录中"),
                    )
                    .field(format!("{field}.occupation_code")),
                ),
                Some(known)
                    if !known.levels.as_array().is_some_and(|l| {
                        l.iter()
                            .any(|v| v.as_u64() == Some(u64::from(level.number())))
                    }) =>
                {
                    violations.push(
                        Violation::new(
                            RuleCode::Validation,
                            format!("职业 {code} 不开展{}认定", level.name_zh()),
                        )
                        .field(format!("{field}.level")),
                    )
                }
                Some(known) => {
                    names.insert(known.code.clone(), known.name.clone());
                    lines.push((code, level, line.planned_count));
                }
            }
        }
    }
    Ok((lines, names))
}

// ---------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------

/// The API view of a batch, read through `conn` (inside a write transaction, pass the
/// transaction: taking a second pooled connection while holding one can exhaust the pool).
/// What the views of several batches read beyond their rows, in two queries whatever their
/// number: the registered counts per line and the occupations' names.
struct ViewData {
    registered: BTreeMap<(Uuid, String, i16), u32>,
    names: BTreeMap<String, String>,
}

async fn view_data<C: sea_orm::ConnectionTrait>(
    conn: &C,
    loaded: &[Loaded],
) -> ApiResult<ViewData> {
    let ids: Vec<Uuid> = loaded.iter().map(|l| l.batch.id).collect();
    let codes: BTreeSet<String> = loaded
        .iter()
        .flat_map(|l| l.occupations.iter().map(|o| o.occupation_code.clone()))
        .collect();
    let names = occupation::Entity::find()
        .filter(occupation::Column::Code.is_in(codes))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.code, o.name))
        .collect();
    Ok(ViewData {
        registered: batches::registered_counts(conn, &ids).await?,
        names,
    })
}

async fn view_in<C: sea_orm::ConnectionTrait>(
    state: &AppState,
    conn: &C,
    loaded: &Loaded,
    calendar: &WorkCalendar,
) -> ApiResult<BatchView> {
    let data = view_data(conn, std::slice::from_ref(loaded)).await?;
    view_from(state, loaded, &data, calendar)
}

/// Several batches' views (lists) with a fixed number of queries (also the S2 bench's floor).
pub async fn views(
    state: &AppState,
    rows: Vec<batch::Model>,
    calendar: &WorkCalendar,
) -> ApiResult<Vec<BatchView>> {
    let loaded = batches::load_many(&state.db.conn, rows).await?;
    let data = view_data(&state.db.conn, &loaded).await?;
    loaded
        .iter()
        .map(|l| view_from(state, l, &data, calendar))
        .collect()
}

fn view_from(
    state: &AppState,
    loaded: &Loaded,
    data: &ViewData,
    calendar: &WorkCalendar,
) -> ApiResult<BatchView> {
    let process = loaded.process()?;
    let states = loaded.step_states()?;
    let snapshot = loaded.view_snapshot(&data.registered)?;
    let deadlines = rules::deadlines(&snapshot, calendar, state.clock.now());
    let progress = states.status_archived(process, loaded.batch.archived_at.is_some());
    let names = &data.names;
    let steps = process
        .steps
        .iter()
        .map(|def| {
            let row = loaded.step_row(def.step);
            StepView {
                step: def.step,
                name: def.step.name_zh(),
                state: states.get(def.step).unwrap_or(StepState::NotStarted),
                state_name: states
                    .get(def.step)
                    .unwrap_or(StepState::NotStarted)
                    .name_zh(),
                reviewer: def.reviewer,
                beside: !def.is_gate(),
                submitted_at: row.and_then(|r| r.submitted_at),
                decided_at: row.and_then(|r| r.decided_at),
            }
        })
        .collect();
    let occupations = snapshot
        .occupations
        .iter()
        .map(|line| OccupationLineView {
            occupation_code: line.occupation_code.as_str().to_owned(),
            occupation_name: names.get(line.occupation_code.as_str()).cloned(),
            level: line.level.number(),
            level_name: line.level.name_zh(),
            planned_count: line.planned_count,
            registered_count: line.registered_count,
        })
        .collect();
    let b = &loaded.batch;
    Ok(BatchView {
        id: b.id,
        institution_id: b.institution_id,
        institution_name: loaded.institution.name.clone(),
        kind: b.kind.clone(),
        module: b.module.clone(),
        method: b.method.clone(),
        year: b.year,
        exam_start: b.exam_start,
        exam_end: b.exam_end,
        venue: b.venue.clone(),
        venue_region: b.venue_region.clone(),
        occupations,
        exam_notice_ids: serde_json::from_value(b.exam_notice_ids.clone()).unwrap_or_default(),
        status: progress.status.code().to_owned(),
        status_name: progress.status.name_zh(),
        current_step: progress.current_step,
        steps,
        deadlines: DeadlinesView {
            earliest_exam_date: deadlines.earliest_exam_date,
            arrangement_deadline: deadlines.arrangement_deadline,
            completion_deadline: deadlines.completion_deadline,
            year_end: deadlines.year_end,
            calendar_year_missing: deadlines.calendar_year_missing,
            completion_extended_to: b.completion_extended_to,
            alerts: alerts::deadline_alerts(
                &AlertInput {
                    process,
                    states: &states,
                    year: b.year,
                    exam_start: b.exam_start,
                    exam_end: b.exam_end,
                    completion_extended_to: b.completion_extended_to,
                },
                china_date(state.clock.now()),
            )
            .into_iter()
            .map(Into::into)
            .collect(),
        },
        version: b.version,
        created_at: b.created_at,
        updated_at: b.updated_at,
    })
}

async fn view(state: &AppState, loaded: &Loaded, calendar: &WorkCalendar) -> ApiResult<BatchView> {
    view_in(state, &state.db.conn, loaded, calendar).await
}

async fn visible(state: &AppState, user: &CurrentUser, id: Uuid) -> ApiResult<Loaded> {
    let batch = tenancy::find_batch(&state.db.conn, user, id).await?;
    batches::load(&state.db.conn, batch).await
}

/// For writes: as [`visible`], and 409 `BATCH_ARCHIVED` once archived.
async fn writable(state: &AppState, user: &CurrentUser, id: Uuid) -> ApiResult<Loaded> {
    let batch = tenancy::find_batch_to_write(&state.db.conn, user, id).await?;
    batches::load(&state.db.conn, batch).await
}

/// For read-only views: also an inspector's assigned batches (SPEC §7).
async fn readable(state: &AppState, user: &CurrentUser, id: Uuid) -> ApiResult<Loaded> {
    let batch = tenancy::find_batch_to_read(&state.db.conn, user, id).await?;
    batches::load(&state.db.conn, batch).await
}

// ---------------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------------

/// Create a batch (institution users). Every batch rule of SPEC §4 is checked; all violations
/// are answered at once.
#[utoipa::path(
    tag = "batches",
    request_body = BatchInput,
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key returns the first answer")),
    responses(
        (status = 201, body = BatchView),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem, description = "VALIDATION, METHOD_NOT_ALLOWED, ANNUAL_PLAN_REQUIRED, OCCUPATION_NOT_FILED, CROSS_YEAR")
    ),
    security(("bearer" = []))
)]
#[post("/batches")]
pub async fn create_batch(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    req: HttpRequest,
    key: IdempotencyKey,
    body: web::Json<BatchInput>,
) -> ApiResult<HttpResponse> {
    let institution_id = user.own_institution()?;
    if let Some(replay) = key.replay(&state.db.conn, user.id, &req).await? {
        return Ok(replay);
    }
    let input = body.into_inner();
    let mut violations = Vec::new();
    let module = parse_field(&mut violations, "module", input.module.parse::<Module>());
    let method = parse_field(&mut violations, "method", input.method.parse::<Method>());
    let start = parse_field(&mut violations, "exam_start", parse_date(&input.exam_start));
    let end = parse_field(&mut violations, "exam_end", parse_date(&input.exam_end));
    let region = parse_field(
        &mut violations,
        "venue_region",
        input.venue_region.parse::<Region>(),
    );
    if !(2000..=2099).contains(&input.year) {
        violations
            .push(Violation::new(RuleCode::Validation, "认定年度应为 2000–2099").field("year"));
    }
    let (lines, names) = parse_occupations(&state, &input.occupations, &mut violations).await?;
    let (Some(module), Some(method), Some(exam_start), Some(exam_end), Some(venue_region)) = (
        module.value,
        method.value,
        start.value,
        end.value,
        region.value,
    ) else {
        return Err(ApiError::Unprocessable(violations));
    };
    if !violations.is_empty() {
        return Err(ApiError::Unprocessable(violations));
    }
    let institution = institution::Entity::find_by_id(institution_id)
        .one(&state.db.conn)
        .await?
        .ok_or(ApiError::Forbidden)?;
    let fields = PlanFields {
        module,
        method,
        year: input.year,
        exam_start,
        exam_end,
        venue: input.venue.trim().to_owned(),
        venue_region,
        occupations: lines,
    };
    let facts = batches::institution_facts(&state.db.conn, &institution, fields.year).await?;
    let snapshot = batches::plan_snapshot(&fields, &facts, Vec::new());
    let calendar = state.calendar().await?;
    let now = state.clock.now_stored();
    let violations = rules::batch_violations(&snapshot, &calendar, now);
    if !violations.is_empty() {
        return Err(ApiError::Unprocessable(violations));
    }
    let process = catalogue::process(facts.kind, module)
        .ok_or_else(|| ApiError::Internal("allowed batch without process".to_owned()))?;
    let id = Uuid::now_v7();
    // The rows are built here and the answer from them: nothing is read back inside the write
    // transaction, which on SQLite holds the one writer lock (and on PostgreSQL the audit
    // chain's lock from the audit row on).
    let batch = batch::Model {
        id,
        institution_id,
        kind: facts.kind.code().to_owned(),
        module: module.code().to_owned(),
        method: method.code().to_owned(),
        year: fields.year,
        exam_start,
        exam_end,
        venue: fields.venue.clone(),
        venue_region: venue_region.code().to_owned(),
        exam_notice_ids: json!(input.exam_notice_ids),
        approved_plan: None,
        completion_extended_to: None,
        archived_at: None,
        version: 1,
        created_by: user.id,
        created_at: now,
        updated_at: now,
    };
    let steps: Vec<batch_step::Model> = StepStates::initial(process)
        .iter(process)
        .map(|(step, step_state)| batch_step::Model {
            batch_id: id,
            step: step.code().to_owned(),
            state: step_state.code().to_owned(),
            submitted_at: None,
            first_submitted_at: None,
            decided_at: None,
            version: 1,
        })
        .collect();
    let loaded = Loaded {
        occupations: line_rows(id, &fields),
        steps,
        institution,
        batch,
    };
    let data = ViewData {
        registered: BTreeMap::new(),
        names,
    };
    let view = view_from(&state, &loaded, &data, &calendar)?;
    let txn = state.db.begin_write().await?;
    batch::Entity::insert(loaded.batch.clone().into_active_model().reset_all())
        .exec_without_returning(&*txn)
        .await?;
    insert_lines(&*txn, &loaded.occupations).await?;
    batch_step::Entity::insert_many(
        loaded
            .steps
            .iter()
            .map(|row| row.clone().into_active_model().reset_all()),
    )
    .exec_without_returning(&*txn)
    .await?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "batch.create",
            entity_type: "batch",
            entity_id: id.to_string(),
            institution_id: Some(institution_id),
            summary: json!({ "after": plan_summary(&fields) }),
        },
    )
    .await?;
    key.remember(&*txn, user.id, &req, StatusCode::CREATED, &view, now)
        .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(view))
}

fn plan_summary(fields: &PlanFields) -> serde_json::Value {
    json!({
        "module": fields.module,
        "method": fields.method,
        "year": fields.year,
        "exam_start": fields.exam_start.to_string(),
        "exam_end": fields.exam_end.to_string(),
        "venue": fields.venue,
        "venue_region": fields.venue_region,
        "occupations": fields.occupations.iter().map(|(c, l, n)| json!([c.as_str(), l.number(), n])).collect::<Vec<_>>(),
    })
}

/// A batch's occupation lines as stored, in the order [`batches::load`] reads them.
fn line_rows(batch_id: Uuid, fields: &PlanFields) -> Vec<batch_occupation::Model> {
    let mut rows: Vec<batch_occupation::Model> = fields
        .occupations
        .iter()
        .map(|(code, level, planned)| batch_occupation::Model {
            batch_id,
            occupation_code: code.as_str().to_owned(),
            level: i16::from(level.number()),
            planned_count: i32::try_from(*planned).unwrap_or(i32::MAX),
        })
        .collect();
    rows.sort_by(|a, b| {
        a.occupation_code
            .cmp(&b.occupation_code)
            .then(b.level.cmp(&a.level))
    });
    rows
}

/// One statement for all the lines.
async fn insert_lines<C: sea_orm::ConnectionTrait>(
    conn: &C,
    rows: &[batch_occupation::Model],
) -> ApiResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    batch_occupation::Entity::insert_many(
        rows.iter()
            .map(|row| row.clone().into_active_model().reset_all()),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BatchFilter {
    pub year: Option<i32>,
    #[param(inline)]
    pub module: Option<Module>,
    #[param(inline)]
    pub kind: Option<InstitutionKind>,
    pub institution_id: Option<Uuid>,
}

/// List the batches the caller may see, newest first (inspectors: those assigned to them;
/// service accounts with `batches:read`: every institution's).
#[utoipa::path(
    tag = "batches",
    params(PageQuery, BatchFilter),
    responses(
        (status = 200, body = Page<BatchView>), (status = 401, body = Problem),
        (status = 403, body = Problem, description = "A service token without `batches:read`"),
        (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[get("/batches")]
pub async fn list_batches(
    state: web::Data<AppState>,
    caller: Scoped<BatchesRead>,
    page: web::Query<PageQuery>,
    filter: web::Query<BatchFilter>,
) -> ApiResult<web::Json<Page<BatchView>>> {
    let (page_no, size) = page.resolve()?;
    let Some(scope) = tenancy::batch_read_condition_for(&caller.caller) else {
        return Ok(web::Json(Page::empty(page_no, size)));
    };
    let mut condition = Condition::all().add(scope);
    if let Some(year) = filter.year {
        condition = condition.add(batch::Column::Year.eq(year));
    }
    if let Some(module) = filter.module {
        condition = condition.add(batch::Column::Module.eq(module.code()));
    }
    if let Some(kind) = filter.kind {
        condition = condition.add(batch::Column::Kind.eq(kind.code()));
    }
    if let Some(institution_id) = filter.institution_id {
        condition = condition.add(batch::Column::InstitutionId.eq(institution_id));
    }
    let paginator = batch::Entity::find()
        .filter(condition)
        .order_by_desc(batch::Column::CreatedAt)
        .order_by_desc(batch::Column::Id)
        .paginate(&state.db.conn, size);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page_no - 1).await?;
    let calendar = state.calendar().await?;
    let items = views(&state, rows, &calendar).await?;
    Ok(web::Json(Page {
        items,
        total,
        page: page_no,
        page_size: size,
    }))
}

/// One batch with its steps and deadlines (also for service accounts with `batches:read`).
#[utoipa::path(
    tag = "batches",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = BatchView), (status = 401, body = Problem),
        (status = 403, body = Problem, description = "A service token without `batches:read`"),
        (status = 404, body = Problem)
    ),
    security(("bearer" = []))
)]
#[get("/batches/{id}")]
pub async fn get_batch(
    state: web::Data<AppState>,
    caller: Scoped<BatchesRead>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<BatchView>> {
    let batch =
        tenancy::find_batch_to_read_for(&state.db.conn, &caller.caller, id.into_inner()).await?;
    let loaded = batches::load(&state.db.conn, batch).await?;
    let calendar = state.calendar().await?;
    Ok(web::Json(view(&state, &loaded, &calendar).await?))
}

/// Edit a batch. Optimistic: a stale `version` (or `If-Match`) answers 409. Once the plan is
/// submitted its dates, venue and occupations change only by a change request
/// (ARRANGEMENT_MISMATCH).
#[utoipa::path(
    tag = "batches",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The batch's version")),
    request_body = BatchPatch,
    responses(
        (status = 200, body = BatchView), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[patch("/batches/{id}")]
pub async fn patch_batch(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Json<BatchPatch>,
) -> ApiResult<web::Json<BatchView>> {
    user.require(&[Role::Institution])?;
    let id = id.into_inner();
    let input = body.into_inner();
    let expected = expected_version(&req, input.version)?
        .ok_or_else(|| ApiError::validation("version", "修改批次需提供 version 或 If-Match"))?;
    let loaded = writable(&state, &user, id).await?;
    if loaded.batch.version != expected {
        return Err(ApiError::conflict_version());
    }
    let before = loaded.plan_fields()?;
    let mut after = before.clone();
    let mut violations = Vec::new();
    if let Some(method) = &input.method
        && let Some(method) = parse_field(&mut violations, "method", method.parse::<Method>()).value
    {
        after.method = method;
    }
    if let Some(text) = &input.exam_start
        && let Some(date) = parse_field(&mut violations, "exam_start", parse_date(text)).value
    {
        after.exam_start = date;
    }
    if let Some(text) = &input.exam_end
        && let Some(date) = parse_field(&mut violations, "exam_end", parse_date(text)).value
    {
        after.exam_end = date;
    }
    if let Some(venue) = &input.venue {
        after.venue = venue.trim().to_owned();
    }
    if let Some(region) = &input.venue_region
        && let Some(region) =
            parse_field(&mut violations, "venue_region", region.parse::<Region>()).value
    {
        after.venue_region = region;
    }
    if let Some(lines) = &input.occupations {
        after.occupations = parse_occupations(&state, lines, &mut violations).await?.0;
    }
    if !violations.is_empty() {
        return Err(ApiError::Unprocessable(violations));
    }
    let facts = batches::institution_facts(&state.db.conn, &loaded.institution, after.year).await?;
    let steps = loaded.step_facts()?;
    let before_snapshot = batches::plan_snapshot(&before, &facts, steps.clone());
    let after_snapshot = batches::plan_snapshot(&after, &facts, steps);
    let calendar = state.calendar().await?;
    let now = state.clock.now();
    let mut violations = rules::edit_violations(&before_snapshot, &after_snapshot);
    violations.extend(rules::batch_violations(&after_snapshot, &calendar, now));
    if !violations.is_empty() {
        return Err(ApiError::Unprocessable(violations));
    }
    let txn = state.db.begin_write().await?;
    let mut active: batch::ActiveModel = loaded.batch.clone().into();
    active.method = Set(after.method.code().to_owned());
    active.exam_start = Set(after.exam_start);
    active.exam_end = Set(after.exam_end);
    active.venue = Set(after.venue.clone());
    active.venue_region = Set(after.venue_region.code().to_owned());
    if let Some(ids) = &input.exam_notice_ids {
        active.exam_notice_ids = Set(json!(ids));
    }
    active.version = Set(expected + 1);
    active.updated_at = Set(now);
    let result = batch::Entity::update_many()
        .set(active)
        .filter(batch::Column::Id.eq(id))
        .filter(batch::Column::Version.eq(expected))
        .exec(&*txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(ApiError::conflict_version());
    }
    if input.occupations.is_some() {
        batch_occupation::Entity::delete_many()
            .filter(batch_occupation::Column::BatchId.eq(id))
            .exec(&*txn)
            .await?;
        insert_lines(&*txn, &line_rows(id, &after)).await?;
    }
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "batch.update",
            entity_type: "batch",
            entity_id: id.to_string(),
            institution_id: Some(loaded.batch.institution_id),
            summary: json!({ "before": plan_summary(&before), "after": plan_summary(&after) }),
        },
    )
    .await?;
    txn.commit().await?;
    let loaded = visible(&state, &user, id).await?;
    // UNDER_AGE, BLACKLISTED and NOT_GRADUATING_YEAR depend on the first exam day.
    if before.exam_start != after.exam_start {
        let txn = state.db.begin_write().await?;
        crate::candidates::recompute_warnings(&*txn, &state, &loaded, now).await?;
        txn.commit().await?;
    }
    Ok(web::Json(view(&state, &loaded, &calendar).await?))
}

/// The checklist of every step: materials present or missing, rules passed or failed, computed
/// by the same code that blocks a submission.
#[utoipa::path(
    tag = "batches",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ChecklistView), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[get("/batches/{id}/checklist")]
pub async fn get_checklist(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ChecklistView>> {
    let loaded = readable(&state, &user, id.into_inner()).await?;
    let snapshot = loaded.snapshot(&state.db.conn).await?;
    let calendar = state.calendar().await?;
    let checklist = rules::checklist(&snapshot, &calendar, state.clock.now());
    Ok(web::Json(ChecklistView {
        batch: rule_checks(checklist.batch),
        steps: checklist
            .steps
            .into_iter()
            .map(|s| StepChecklistView {
                step: s.step,
                name: s.step.name_zh(),
                state: s.state,
                evaluated_on: s.evaluated_on,
                materials: s
                    .materials
                    .into_iter()
                    .map(|m| MaterialCheckView {
                        kind: m.kind,
                        title: m.title,
                        condition: m.condition,
                        required: m.required,
                        present: m.present,
                    })
                    .collect(),
                rules: rule_checks(s.rules),
                ready: s.ready,
            })
            .collect(),
    }))
}

fn step_from_path(text: &str) -> ApiResult<Step> {
    text.parse().map_err(|_| ApiError::NotFound)
}

pub(crate) fn progress_error(err: ProgressError) -> ApiError {
    match err {
        ProgressError::UnknownStep(_) => ApiError::NotFound,
        ProgressError::NotSubmittable(step) => {
            ApiError::invalid_state(format!("“{}”环节不由机构提交", step.name_zh()))
        }
        ProgressError::NotReviewable(step) => {
            ApiError::invalid_state(format!("“{}”环节没有审核", step.name_zh()))
        }
        ProgressError::Transition(t) => ApiError::invalid_state(t.to_string()),
    }
}

/// Submit a step (institution users). Every violation is answered at once (422); a step in the
/// wrong state answers 409. Steps that approve themselves (no warnings, or not reviewed) are
/// approved in the same transaction and the next step opens.
#[utoipa::path(
    tag = "batches",
    params(("id" = Uuid, Path), ("step" = String, Path, description = "plan, registration, arrangement, certificate, materials")),
    responses(
        (status = 200, body = BatchView), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/batches/{id}/steps/{step}/submit")]
pub async fn submit_step(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    path: web::Path<(Uuid, String)>,
) -> ApiResult<web::Json<BatchView>> {
    user.require(&[Role::Institution])?;
    let (id, step) = path.into_inner();
    let step = step_from_path(&step)?;
    let loaded = writable(&state, &user, id).await?;
    let process = loaded.process()?;
    let calendar = state.calendar().await?;
    let now = state.clock.now();
    // Steps that check warnings see them recomputed now (SPEC §5: re-checked at the certificate
    // step): another batch may have closed, a certificate been issued, a ban begun.
    if process
        .step(step)
        .is_some_and(|def| def.rules.contains(&RuleCode::WarningsUnresolved))
    {
        let txn = state.db.begin_write().await?;
        crate::candidates::recompute_warnings(&*txn, &state, &loaded, now).await?;
        txn.commit().await?;
    }
    let snapshot = loaded.snapshot(&state.db.conn).await?;
    let violations =
        rules::submission_violations(&snapshot, &calendar, step, now).map_err(progress_error)?;
    if !violations.is_empty() {
        return Err(ApiError::Unprocessable(violations));
    }
    let warned = rules::warnings_present(&snapshot, step);
    let changes = loaded
        .step_states()?
        .on_submit(process, step, warned)
        .map_err(progress_error)?;
    let txn = state.db.begin_write().await?;
    batches::apply_changes(&*txn, &loaded, &changes, now).await?;
    let auto = batches::DecisionRecord {
        batch_id: id,
        step,
        decision: "approve",
        comment: "符合自动通过条件（无预警信息或本环节不审核）",
        reasons: json!([]),
        decided_by: None,
        audit_method: None,
    };
    for change in &changes {
        if change.event == skillcert_domain::state::StepEvent::Approve {
            batches::record_decision(
                &*txn,
                &batches::DecisionRecord {
                    step: change.step,
                    reasons: json!([]),
                    ..auto
                },
                now,
            )
            .await?;
        }
    }
    batches::step_events(&*txn, &loaded, &changes, Some(&auto), now).await?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "step.submit",
            entity_type: "batch",
            entity_id: id.to_string(),
            institution_id: Some(loaded.batch.institution_id),
            summary: json!({ "step": step, "changes": batches::changes_summary(&changes) }),
        },
    )
    .await?;
    txn.commit().await?;
    let loaded = visible(&state, &user, id).await?;
    Ok(web::Json(view(&state, &loaded, &calendar).await?))
}

/// Decide a submitted step: approve, or return with reasons. Supervisors decide the reviewed
/// steps, the 信息部 the issuance. Deciding a step that is not submitted answers 409; of two
/// simultaneous decisions exactly one wins.
#[utoipa::path(
    tag = "reviews",
    params(("id" = Uuid, Path), ("step" = String, Path)),
    request_body = DecisionInput,
    responses(
        (status = 200, body = BatchView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/batches/{id}/steps/{step}/decision")]
pub async fn decide_step(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    path: web::Path<(Uuid, String)>,
    body: web::Json<DecisionInput>,
) -> ApiResult<web::Json<BatchView>> {
    user.require(&[Role::Supervisor, Role::InfoOfficer])?;
    let (id, step) = path.into_inner();
    let step = step_from_path(&step)?;
    let input = body.into_inner();
    let decision = match input.decision.as_str() {
        "approve" => Decision::Approve,
        "return" => Decision::Return,
        other => {
            return Err(ApiError::validation(
                "decision",
                format!("decision 应为 approve 或 return，收到“{other}”"),
            ));
        }
    };
    if decision == Decision::Return
        && (input.reasons.is_empty() || input.reasons.iter().any(|r| r.message.trim().is_empty()))
    {
        return Err(ApiError::validation(
            "reasons",
            "退回必须列明理由（不符合的材料或规则）",
        ));
    }
    let mut loaded = writable(&state, &user, id).await?;
    let process = loaded.process()?;
    let reviewer = batches::reviewer_for(process, step).ok_or(ApiError::NotFound)?;
    let allowed = match reviewer {
        Reviewer::Supervisor | Reviewer::AutoUnlessWarnings => user.role == Role::Supervisor,
        Reviewer::InfoOffice => user.role == Role::InfoOfficer,
        Reviewer::None => false,
    };
    if !allowed {
        return Err(ApiError::Forbidden);
    }
    if loaded
        .step_states()?
        .get(step)
        .is_some_and(|s| s != StepState::Submitted)
    {
        return Err(ApiError::invalid_state(format!(
            "“{}”环节当前不是待审核状态",
            step.name_zh()
        )));
    }
    let audit_method = audit_method(&state, &input, step, decision, id).await?;
    let changes = loaded
        .step_states()?
        .on_decision(process, step, decision)
        .map_err(progress_error)?;
    let now = state.clock.now_stored();
    let txn = state.db.begin_write().await?;
    let steps_after = batches::apply_changes(&*txn, &loaded, &changes, now).await?;
    let reasons = json!(
        input
            .reasons
            .iter()
            .map(|r| json!({ "code": r.code, "message": r.message }))
            .collect::<Vec<_>>()
    );
    let record = batches::DecisionRecord {
        batch_id: id,
        step,
        decision: match decision {
            Decision::Approve => "approve",
            Decision::Return => "return",
        },
        comment: &input.comment,
        reasons: reasons.clone(),
        decided_by: Some(user.id),
        audit_method,
    };
    batches::record_decision(&*txn, &record, now).await?;
    batches::step_events(&*txn, &loaded, &changes, Some(&record), now).await?;
    if step == Step::Plan && decision == Decision::Approve {
        let plan = StoredPlan::from_fields(&loaded.plan_fields()?);
        let mut active: batch::ActiveModel = loaded.batch.clone().into();
        active.approved_plan = Set(Some(
            serde_json::to_value(&plan).map_err(|e| ApiError::Internal(e.to_string()))?,
        ));
        active.updated_at = Set(now);
        loaded.batch = active.update(&*txn).await?;
    }
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "step.decision",
            entity_type: "batch",
            entity_id: id.to_string(),
            institution_id: Some(loaded.batch.institution_id),
            summary: json!({
                "step": step,
                "decision": input.decision,
                "comment": input.comment,
                "reasons": reasons,
                "audit_method": audit_method,
                "changes": batches::changes_summary(&changes),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    // The answer from the rows as written, not read back.
    loaded.steps = steps_after;
    let calendar = state.calendar().await?;
    Ok(web::Json(view(&state, &loaded, &calendar).await?))
}

/// How a `data_audit` approval was decided (SPEC §3: "document review or random on-site check").
/// An on-site check must have happened: a draw assigned the batch and the inspector's report is
/// filed. Other steps and returns take no method.
async fn audit_method(
    state: &AppState,
    input: &DecisionInput,
    step: Step,
    decision: Decision,
    batch_id: Uuid,
) -> ApiResult<Option<&'static str>> {
    let wanted = input.audit_method.as_deref().map(str::trim);
    if step != Step::DataAudit || decision != Decision::Approve {
        return match wanted {
            None => Ok(None),
            Some(_) => Err(ApiError::validation(
                "audit_method",
                "只有通过证书数据审核时才填写审核方式",
            )),
        };
    }
    match wanted.unwrap_or("document_review") {
        "document_review" => Ok(Some("document_review")),
        "on_site_check" => {
            let reported = inspection::Entity::find()
                .filter(inspection::Column::BatchId.eq(batch_id))
                .filter(inspection::Column::Status.eq("reported"))
                .count(&state.db.conn)
                .await?;
            if reported == 0 {
                return Err(ApiError::validation(
                    "audit_method",
                    "现场抽查须由随机抽取（双随机）选中本批次，且督导员已提交督导报告",
                ));
            }
            Ok(Some("on_site_check"))
        }
        other => Err(ApiError::validation(
            "audit_method",
            format!(
                "审核方式应为 document_review（书面审核）或 on_site_check（现场抽查），收到“{other}”"
            ),
        )),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReviewFilter {
    #[param(inline)]
    pub kind: Option<InstitutionKind>,
    #[param(inline)]
    pub step: Option<Step>,
    /// The exam venue's 地市 code.
    pub venue_region: Option<String>,
    pub institution_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewItem {
    pub batch_id: Uuid,
    pub institution_id: Uuid,
    pub institution_name: String,
    pub kind: String,
    pub module: String,
    pub step: Step,
    pub step_name: &'static str,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub submitted_at: Option<OffsetDateTime>,
    /// Decide by this date: the first exam day for the steps before the exam, the completion
    /// deadline for those after it.
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub due: Date,
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub exam_start: Date,
    pub venue_region: String,
}

/// The review queue: submitted steps awaiting the caller (supervisors: the reviewed steps;
/// 信息部: issuance), the most urgent first.
#[utoipa::path(
    tag = "reviews",
    params(PageQuery, ReviewFilter),
    responses((status = 200, body = Page<ReviewItem>), (status = 403, body = Problem)),
    security(("bearer" = []))
)]
#[get("/reviews")]
pub async fn review_queue(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: web::Query<PageQuery>,
    filter: web::Query<ReviewFilter>,
) -> ApiResult<web::Json<Page<ReviewItem>>> {
    user.require(&[Role::Supervisor, Role::InfoOfficer])?;
    let (page_no, size) = page.resolve()?;
    let step_filter = filter.step;
    let pending = batch_step::Entity::find()
        .filter(batch_step::Column::State.eq(StepState::Submitted.code()))
        .all(&state.db.conn)
        .await?;
    let pending: Vec<(batch_step::Model, Step)> = pending
        .into_iter()
        .filter_map(|row| {
            let step = row.step.parse::<Step>().ok()?;
            step_filter.is_none_or(|s| s == step).then_some((row, step))
        })
        .collect();
    let mut condition = Condition::all().add(
        batch::Column::Id.is_in(
            pending
                .iter()
                .map(|(row, _)| row.batch_id)
                .collect::<BTreeSet<_>>(),
        ),
    );
    if let Some(kind) = filter.kind {
        condition = condition.add(batch::Column::Kind.eq(kind.code()));
    }
    if let Some(region) = &filter.venue_region {
        condition = condition.add(batch::Column::VenueRegion.eq(region.clone()));
    }
    if let Some(institution_id) = filter.institution_id {
        condition = condition.add(batch::Column::InstitutionId.eq(institution_id));
    }
    let rows = batch::Entity::find()
        .filter(condition)
        .all(&state.db.conn)
        .await?;
    let loaded: BTreeMap<Uuid, Loaded> = batches::load_many(&state.db.conn, rows)
        .await?
        .into_iter()
        .map(|l| (l.batch.id, l))
        .collect();
    let calendar = state.calendar().await?;
    let now = state.clock.now();
    let no_counts = BTreeMap::new();
    let mut items = Vec::new();
    for (row, step) in pending {
        let Some(loaded) = loaded.get(&row.batch_id) else {
            continue;
        };
        let process = loaded.process()?;
        let mine = match batches::reviewer_for(process, step) {
            Some(Reviewer::Supervisor | Reviewer::AutoUnlessWarnings) => {
                user.role == Role::Supervisor
            }
            Some(Reviewer::InfoOffice) => user.role == Role::InfoOfficer,
            Some(Reviewer::None) | None => false,
        };
        let submitted_by_institution = process.step(step).is_some_and(|def| {
            def.submitter == Submitter::Institution || def.submitter == Submitter::System
        });
        if !mine || !submitted_by_institution {
            continue;
        }
        // The due date reads the deadlines only: the plan, the steps and the extension.
        let snapshot = loaded.view_snapshot(&no_counts)?;
        let due = batches::review_due(&snapshot, step, &calendar, now);
        items.push(ReviewItem {
            batch_id: loaded.batch.id,
            institution_id: loaded.batch.institution_id,
            institution_name: loaded.institution.name.clone(),
            kind: loaded.batch.kind.clone(),
            module: loaded.batch.module.clone(),
            step,
            step_name: step.name_zh(),
            submitted_at: row.submitted_at,
            due,
            exam_start: loaded.batch.exam_start,
            venue_region: loaded.batch.venue_region.clone(),
        });
    }
    items.sort_by_key(|item| (item.due, item.submitted_at));
    let total = items.len() as u64;
    let start = ((page_no - 1) * size) as usize;
    let items = items.into_iter().skip(start).take(size as usize).collect();
    Ok(web::Json(Page {
        items,
        total,
        page: page_no,
        page_size: size,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionInput {
    /// The new last day of the completion window (capped at 31 December like every deadline).
    #[schema(value_type = String, format = Date)]
    pub extended_to: String,
    pub reason: String,
}

/// A supervisor extends a batch's completion window (SPEC §4 COMPLETION_WINDOW: "unless a
/// supervisor recorded an extension"), with a reason.
#[utoipa::path(
    tag = "reviews",
    params(("id" = Uuid, Path)),
    request_body = ExtensionInput,
    responses(
        (status = 200, body = BatchView), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[put("/batches/{id}/completion-extension")]
pub async fn record_extension(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    id: web::Path<Uuid>,
    body: web::Json<ExtensionInput>,
) -> ApiResult<web::Json<BatchView>> {
    user.require(&[Role::Supervisor])?;
    let input = body.into_inner();
    let mut violations = Vec::new();
    let extended_to = parse_field(
        &mut violations,
        "extended_to",
        parse_date(&input.extended_to),
    )
    .value;
    if input.reason.trim().is_empty() {
        violations.push(Violation::new(RuleCode::Validation, "延期须说明理由").field("reason"));
    }
    let loaded = writable(&state, &user, id.into_inner()).await?;
    if let Some(date) = extended_to
        && (date <= loaded.batch.exam_end || date.year() != loaded.batch.year)
    {
        violations.push(
            Violation::new(
                RuleCode::Validation,
                format!(
                    "延期日期应在最后考试日之后且不晚于 {} 年 12 月 31 日",
                    loaded.batch.year
                ),
            )
            .field("extended_to"),
        );
    }
    let (Some(extended_to), true) = (extended_to, violations.is_empty()) else {
        return Err(ApiError::Unprocessable(violations));
    };
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    let before = loaded.batch.completion_extended_to;
    let mut active: batch::ActiveModel = loaded.batch.clone().into();
    active.completion_extended_to = Set(Some(extended_to));
    active.version = Set(loaded.batch.version + 1);
    active.updated_at = Set(now);
    active.update(&*txn).await?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "batch.extension",
            entity_type: "batch",
            entity_id: loaded.batch.id.to_string(),
            institution_id: Some(loaded.batch.institution_id),
            summary: json!({
                "before": before.map(|d| d.to_string()),
                "after": extended_to.to_string(),
                "reason": input.reason,
            }),
        },
    )
    .await?;
    extension_notice(
        &*txn,
        &loaded,
        before,
        extended_to,
        input.reason.trim(),
        user.id,
        now,
    )
    .await?;
    txn.commit().await?;
    let loaded = visible(&state, &user, loaded.batch.id).await?;
    let calendar = state.calendar().await?;
    Ok(web::Json(view(&state, &loaded, &calendar).await?))
}

/// Tells the institution about a recorded extension (a notice for its users) and webhook
/// subscribers (a `deadline.extended` event), in the extension's transaction.
async fn extension_notice<C: sea_orm::ConnectionTrait>(
    conn: &C,
    loaded: &Loaded,
    before: Option<Date>,
    extended_to: Date,
    reason: &str,
    by: Uuid,
    now: OffsetDateTime,
) -> ApiResult<()> {
    let b = &loaded.batch;
    let old = skillcert_domain::calendar::completion_deadline(b.exam_end, b.year, before);
    let new =
        skillcert_domain::calendar::completion_deadline(b.exam_end, b.year, Some(extended_to));
    let number = crate::notices::batch_no(b.id);
    let id = Uuid::now_v7();
    crate::notices::insert_notice(
        conn,
        crate::notices::NewNotice {
            audience: crate::notices::Audience::Institution,
            institution_id: b.institution_id,
            batch_id: Some(b.id),
            kind: crate::notices::DEADLINE_EXTENDED,
            deadline_kind: Some(DeadlineKind::Completion),
            deadline: Some(new),
            title: "认定完成期限已延期".to_owned(),
            body: format!(
                "督导部已将认定批次 {number}（考试日期 {}）的认定完成期限由 {old} 延至 {new}。理由：{reason}",
                crate::notices::exam_days(b)
            ),
            dedupe_key: format!("{}:{}:{id}", crate::notices::DEADLINE_EXTENDED, b.id),
        },
        now,
    )
    .await?;
    crate::notices::insert_event(
        conn,
        crate::notices::DEADLINE_EXTENDED,
        json!({
            "batch": crate::notices::batch_payload(b, &loaded.institution.name),
            "deadline": {
                "kind": DeadlineKind::Completion.code(),
                "rule": RuleCode::CompletionWindow.code(),
                "date": new.to_string(),
                "before": old.to_string(),
                "extended_to": extended_to.to_string(),
            },
            "reason": reason,
            "recorded_by": by,
        }),
        None,
        now,
    )
    .await?;
    Ok(())
}
