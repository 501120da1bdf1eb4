//! 成绩 (SPEC §5, issue 4 "Results"): scores per subject on the 100-point scale — 理论知识
//! (`theory`) and 操作技能 (`skill`) always, 综合评审 (`review`) only for 二级/技师 and 一级/高级技师
//! of an occupation that has it — entered as JSON or imported from a spreadsheet, the batch's
//! results with the pass-rate summary (`PASS_RATE_ANOMALY`), and the qualified list (合格人员)
//! that the certificate step and certificate issuance use.
//!
//! Whether a candidate passed is the domain's `candidate_passed` (60 passes each subject), stored
//! with the scores so the rules and the qualified list read one column. Every write is
//! all-or-nothing: one write transaction for the whole payload, every bad entry reported at once.
//! Touches `candidate_results`; reads `batches`, `batch_steps`, `candidates`, `occupations`.
//! Spreadsheet ID numbers are matched through the keyed blind index and never echoed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Cursor;

use actix_multipart::{Multipart, MultipartError};
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpRequest, get, post, put, web};
use bytes::Bytes;
use calamine::{Data, Reader};
use futures_util::StreamExt;
use sea_orm::sea_query::{OnConflict, Query, SelectStatement};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skillcert_domain::calendar::china_date;
use skillcert_domain::codecs::IdNumber;
use skillcert_domain::rules::{RuleCode, Violation};
use skillcert_domain::warnings::{SubjectScore, candidate_passed, is_pass_rate_anomaly};
use skillcert_domain::{Level, Role, Step, StepState};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::{Page, PageQuery};
use crate::audit::{self, AuditCtx, RequestMeta};
use crate::auth::CurrentUser;
use crate::batches::{self, Loaded};
use crate::entities::{candidate, candidate_result, occupation};
use crate::error::{ApiError, ApiResult, Problem};
use crate::pii::FieldCipher;
use crate::state::AppState;
use crate::tenancy;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(put_results)
        .service(list_results)
        .service(import_results)
        .service(list_qualified);
}

/// Rows per multi-row statement: 9 columns × 500 stays far below SQLite's parameter limit.
const CHUNK: usize = 500;
/// The most data rows one spreadsheet may hold.
const MAX_IMPORT_ROWS: usize = 100_000;
/// How many non-empty rows from the top may hold titles before the header.
const HEADER_SEARCH_ROWS: usize = 10;
/// Room for the multipart framing around the file.
const MULTIPART_OVERHEAD: u64 = 16 * 1024;
/// 资格审核 found the candidate not eligible: no results, no certificate.
const INELIGIBLE: &str = "ineligible";

// ---------------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------------

/// One candidate's scores. Null means "not entered" for a subject the candidate sits, and must
/// be null for a subject their occupation and level do not have. A PUT states all three: an
/// entry replaces the candidate's stored scores.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultInput {
    pub candidate_id: Uuid,
    /// 理论知识, 0–100, at most one decimal.
    #[serde(default)]
    pub theory: Option<f64>,
    /// 操作技能, 0–100, at most one decimal.
    #[serde(default)]
    pub skill: Option<f64>,
    /// 综合评审, 0–100, at most one decimal; only 二级/一级 of an occupation with 综合评审.
    #[serde(default)]
    pub review: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultsInput {
    pub results: Vec<ResultInput>,
}

/// A candidate with their scores.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResultView {
    pub candidate_id: Uuid,
    pub name: String,
    /// First 6 and last 4 characters visible.
    pub id_number_masked: String,
    pub occupation_code: String,
    pub occupation_name: Option<String>,
    pub level: u8,
    pub theory: Option<f64>,
    pub skill: Option<f64>,
    pub review: Option<f64>,
    /// Whether 综合评审 is part of this candidate's assessment (二级/一级 of an occupation that
    /// has it).
    pub review_applicable: bool,
    /// Null while a subject the candidate sits has no score.
    pub passed: Option<bool>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub updated_at: Option<OffsetDateTime>,
}

/// The batch's results at a glance, over its registered candidates (not withdrawn, not found
/// ineligible — the candidates the rules count, `batches::Loaded::snapshot`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResultsSummary {
    /// Registered candidates: not withdrawn, not found ineligible.
    pub candidates: u64,
    /// Of them, with every subject scored.
    pub assessed: u64,
    pub passed: u64,
    /// Candidates still lacking a score.
    pub pending: u64,
    /// `passed / assessed` (0–1); null before anyone is assessed.
    pub pass_rate: Option<f64>,
    /// `PASS_RATE_ANOMALY` (SPEC §5): at least 30 assessed and a pass rate above 95 % or below
    /// 50 %. Makes the 异常情况核实信息表 required at the certificate (or materials) step.
    pub pass_rate_anomaly: bool,
}

/// A page of results with the summary of the whole batch.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultsPage {
    pub items: Vec<ResultView>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
    pub summary: ResultsSummary,
}

/// What a write changed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultsWritten {
    /// Entries written.
    pub updated: u64,
    /// Of them, passed / failed / still lacking a score.
    pub passed: u64,
    pub failed: u64,
    pub pending: u64,
    pub summary: ResultsSummary,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ResultFilter {
    pub occupation_code: Option<String>,
    pub level: Option<u8>,
    #[param(inline)]
    pub status: Option<ResultStatus>,
}

/// A candidate's result: passed, failed, or `pending` (a subject without a score).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResultStatus {
    Passed,
    Failed,
    Pending,
}

/// The multipart form of an import.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ResultsImportForm {
    /// An .xlsx (or .xls) workbook; the first sheet's first non-empty row is the header:
    /// `证件号码` or `candidate_id`, `理论知识`, `操作技能`, and `综合评审` where it applies.
    /// The ID column must be text (an ID stored as a number has lost digits).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// The ids of the batch's registered candidates: not withdrawn and not found ineligible (a
/// candidate still `pending` 资格审核 counts), exactly the candidates the rules count
/// (`batches::Loaded::snapshot`), so this summary and `PASS_RATE_ANOMALY` agree.
fn registered_ids(batch_id: Uuid) -> SelectStatement {
    Query::select()
        .column(candidate::Column::Id)
        .from(candidate::Entity)
        .and_where(candidate::Column::BatchId.eq(batch_id))
        .and_where(candidate::Column::Eligibility.ne(INELIGIBLE))
        .and_where(candidate::Column::WithdrawnAt.is_null())
        .to_owned()
}

fn registered_condition(batch_id: Uuid) -> Condition {
    Condition::all()
        .add(candidate::Column::BatchId.eq(batch_id))
        .add(candidate::Column::Eligibility.ne(INELIGIBLE))
        .add(candidate::Column::WithdrawnAt.is_null())
}

/// The ids of the batch's candidates whose stored `passed` is `passed` (`None`: any verdict).
fn decided_ids(batch_id: Uuid, passed: Option<bool>) -> SelectStatement {
    let mut query = Query::select();
    query
        .column(candidate_result::Column::CandidateId)
        .from(candidate_result::Entity)
        .and_where(candidate_result::Column::BatchId.eq(batch_id));
    match passed {
        Some(value) => query.and_where(candidate_result::Column::Passed.eq(value)),
        None => query.and_where(candidate_result::Column::Passed.is_not_null()),
    };
    query.to_owned()
}

pub async fn summary<C: ConnectionTrait>(conn: &C, batch_id: Uuid) -> ApiResult<ResultsSummary> {
    let candidates = candidate::Entity::find()
        .filter(registered_condition(batch_id))
        .count(conn)
        .await?;
    let counted = |passed: Option<bool>| {
        candidate_result::Entity::find()
            .filter(candidate_result::Column::CandidateId.in_subquery(registered_ids(batch_id)))
            .filter(
                candidate_result::Column::CandidateId.in_subquery(decided_ids(batch_id, passed)),
            )
            .count(conn)
    };
    let assessed = counted(None).await?;
    let passed = counted(Some(true)).await?;
    let anomaly = is_pass_rate_anomaly(
        u32::try_from(assessed).unwrap_or(u32::MAX),
        u32::try_from(passed).unwrap_or(u32::MAX),
    );
    Ok(ResultsSummary {
        candidates,
        assessed,
        passed,
        pending: candidates.saturating_sub(assessed),
        #[allow(clippy::cast_precision_loss)]
        pass_rate: (assessed > 0).then(|| passed as f64 / assessed as f64),
        pass_rate_anomaly: anomaly,
    })
}

/// The qualified list (合格人员) of a batch: not withdrawn, found eligible (资格审核) and passed.
/// What certificate issuance certifies.
pub async fn qualified_candidates<C: ConnectionTrait>(
    conn: &C,
    batch_id: Uuid,
) -> ApiResult<Vec<candidate::Model>> {
    Ok(qualified_query(batch_id)
        .order_by_asc(candidate::Column::OccupationCode)
        .order_by_asc(candidate::Column::Level)
        .order_by_asc(candidate::Column::Id)
        .all(conn)
        .await?)
}

/// Passed, and found eligible by the institution (资格审核): a candidate whose eligibility was
/// never decided is not certified, however well they scored.
fn qualified_query(batch_id: Uuid) -> sea_orm::Select<candidate::Entity> {
    candidate::Entity::find()
        .filter(registered_condition(batch_id))
        .filter(candidate::Column::Eligibility.eq("eligible"))
        .filter(candidate::Column::Id.in_subquery(decided_ids(batch_id, Some(true))))
}

/// Whether 综合评审 is part of the assessment: 二级/技师 and 一级/高级技师 of an occupation that has
/// it (SPEC §5).
fn review_applies(has_review: bool, level: i16) -> bool {
    has_review && matches!(level, 1 | 2)
}

async fn review_flags<C: ConnectionTrait>(
    conn: &C,
    codes: impl IntoIterator<Item = String>,
) -> ApiResult<HashMap<String, (String, bool)>> {
    let codes: BTreeSet<String> = codes.into_iter().collect();
    let mut out = HashMap::new();
    let codes: Vec<String> = codes.into_iter().collect();
    for chunk in codes.chunks(CHUNK) {
        for row in occupation::Entity::find()
            .filter(occupation::Column::Code.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            out.insert(row.code, (row.name, row.has_review));
        }
    }
    Ok(out)
}

/// The views of `rows`, with their stored results.
async fn views<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<candidate::Model>,
) -> ApiResult<Vec<ResultView>> {
    let ids: Vec<Uuid> = rows.iter().map(|c| c.id).collect();
    let mut results: HashMap<Uuid, candidate_result::Model> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        for row in candidate_result::Entity::find()
            .filter(candidate_result::Column::CandidateId.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            results.insert(row.candidate_id, row);
        }
    }
    let occupations = review_flags(conn, rows.iter().map(|c| c.occupation_code.clone())).await?;
    Ok(rows
        .into_iter()
        .map(|c| {
            let result = results.remove(&c.id);
            let (occupation_name, has_review) = occupations
                .get(&c.occupation_code)
                .map_or((None, false), |(name, has)| (Some(name.clone()), *has));
            ResultView {
                candidate_id: c.id,
                name: c.name,
                id_number_masked: c.id_masked,
                occupation_name,
                level: u8::try_from(c.level).unwrap_or(0),
                review_applicable: review_applies(has_review, c.level),
                occupation_code: c.occupation_code,
                theory: result.as_ref().and_then(|r| r.theory),
                skill: result.as_ref().and_then(|r| r.skill),
                review: result.as_ref().and_then(|r| r.review),
                passed: result.as_ref().and_then(|r| r.passed),
                updated_at: result.map(|r| r.updated_at),
            }
        })
        .collect())
}

/// The batch's registered candidates with their scores, and the summary of the whole batch.
#[utoipa::path(
    tag = "results",
    params(("id" = Uuid, Path, description = "Batch id"), PageQuery, ResultFilter),
    responses(
        (status = 200, body = ResultsPage),
        (status = 401, body = Problem),
        (status = 404, description = "No such batch, or another institution's", body = Problem),
        (status = 422, body = Problem),
    ),
    security(("bearer" = []))
)]
#[get("/batches/{id}/results")]
pub async fn list_results(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
    filter: web::Query<ResultFilter>,
) -> ApiResult<web::Json<ResultsPage>> {
    let (page_no, size) = page.resolve()?;
    let batch = tenancy::find_batch(&state.db.conn, &user, id.into_inner()).await?;
    let mut condition = registered_condition(batch.id);
    if let Some(code) = &filter.occupation_code {
        condition = condition.add(candidate::Column::OccupationCode.eq(code.clone()));
    }
    if let Some(level) = filter.level {
        condition = condition.add(candidate::Column::Level.eq(i16::from(level)));
    }
    match filter.status {
        None => {}
        Some(ResultStatus::Passed) => {
            condition =
                condition.add(candidate::Column::Id.in_subquery(decided_ids(batch.id, Some(true))));
        }
        Some(ResultStatus::Failed) => {
            condition = condition
                .add(candidate::Column::Id.in_subquery(decided_ids(batch.id, Some(false))));
        }
        Some(ResultStatus::Pending) => {
            condition =
                condition.add(candidate::Column::Id.not_in_subquery(decided_ids(batch.id, None)));
        }
    }
    let paginator = candidate::Entity::find()
        .filter(condition)
        .order_by_asc(candidate::Column::OccupationCode)
        .order_by_asc(candidate::Column::Level)
        .order_by_asc(candidate::Column::Id)
        .paginate(&state.db.conn, size);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page_no - 1).await?;
    Ok(web::Json(ResultsPage {
        items: views(&state.db.conn, rows).await?,
        total,
        page: page_no,
        page_size: size,
        summary: summary(&state.db.conn, batch.id).await?,
    }))
}

/// The qualified list (合格人员): candidates not withdrawn, found eligible in 资格审核 (one still
/// pending is not listed), who passed every subject they sit. Certificate issuance certifies
/// exactly these.
#[utoipa::path(
    tag = "results",
    params(("id" = Uuid, Path, description = "Batch id"), PageQuery),
    responses(
        (status = 200, body = Page<ResultView>),
        (status = 401, body = Problem),
        (status = 404, description = "No such batch, or another institution's", body = Problem),
        (status = 422, body = Problem),
    ),
    security(("bearer" = []))
)]
#[get("/batches/{id}/results/qualified")]
pub async fn list_qualified(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<ResultView>>> {
    let (page_no, size) = page.resolve()?;
    let batch = tenancy::find_batch(&state.db.conn, &user, id.into_inner()).await?;
    let paginator = qualified_query(batch.id)
        .order_by_asc(candidate::Column::OccupationCode)
        .order_by_asc(candidate::Column::Level)
        .order_by_asc(candidate::Column::Id)
        .paginate(&state.db.conn, size);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page_no - 1).await?;
    Ok(web::Json(Page {
        items: views(&state.db.conn, rows).await?,
        total,
        page: page_no,
        page_size: size,
    }))
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/// Where an entry came from, for naming it in a violation.
#[derive(Debug, Clone, Copy)]
enum At {
    /// `results[i]` of a JSON body.
    Json(usize),
    /// A spreadsheet row, numbered as Excel shows it.
    Row(u32),
}

impl At {
    fn field(self, name: &str) -> String {
        match self {
            At::Json(i) => format!("results[{i}].{name}"),
            At::Row(n) => format!("rows[{n}].{name}"),
        }
    }

    fn label(self) -> String {
        match self {
            At::Json(i) => format!("第 {} 条", i + 1),
            At::Row(n) => format!("第 {n} 行"),
        }
    }

    fn violation(self, name: &str, column_zh: &str, reason: &str) -> Violation {
        let details = match self {
            At::Json(i) => json!({ "index": i }),
            At::Row(n) => json!({ "row": n, "column": column_zh }),
        };
        Violation::new(
            RuleCode::Validation,
            format!("{}「{column_zh}」：{reason}", self.label()),
        )
        .field(self.field(name))
        .details(details)
    }
}

/// Who an entry is for.
#[derive(Debug, Clone)]
enum Who {
    Id(Uuid),
    /// A spreadsheet ID number, as its blind index; `error` when it is not a valid 居民身份证号码
    /// (reported only if no candidate of the batch has it under another ID type).
    Blind {
        blind: String,
        error: Option<String>,
    },
    /// The row names nobody usable: (field, column, reason).
    Invalid(&'static str, &'static str, String),
}

/// A cell's score: `Err` holds why it is not a number.
type Cell = Result<Option<f64>, String>;

#[derive(Debug, Clone)]
struct Entry {
    at: At,
    who: Who,
    theory: Cell,
    skill: Cell,
    review: Cell,
}

/// A score on the 100-point scale with at most one decimal, normalised to its tenths.
fn check_score(value: f64) -> Result<f64, &'static str> {
    if !value.is_finite() || !(0.0..=100.0).contains(&value) {
        return Err("成绩应在 0–100 分之间");
    }
    let tenths = value * 10.0;
    if (tenths - tenths.round()).abs() > 1e-6 {
        return Err("成绩最多保留一位小数");
    }
    Ok(tenths.round() / 10.0)
}

/// The step whose work includes entering results: 证书管理 (supervised) or 自主认定批次上传材料
/// (self), SPEC §3.
fn results_step(loaded: &Loaded) -> ApiResult<Step> {
    let process = loaded.process()?;
    [Step::Certificate, Step::Materials]
        .into_iter()
        .find(|step| process.step(*step).is_some())
        .ok_or_else(|| ApiError::invalid_state("本批次的流程没有录入成绩的环节"))
}

/// Results change only while the results step is being prepared or was returned (409
/// otherwise), and only once the exams have started (China date).
fn ensure_writable(loaded: &Loaded, now: OffsetDateTime) -> ApiResult<()> {
    let step = results_step(loaded)?;
    let current = loaded
        .step_states()?
        .get(step)
        .unwrap_or(StepState::NotStarted);
    if !batches::open_for_work(current) {
        return Err(ApiError::invalid_state(format!(
            "“{}”环节当前为“{}”，只有办理中或已退回时可以录入成绩",
            step.name_zh(),
            current.name_zh()
        )));
    }
    if china_date(now) < loaded.batch.exam_start {
        return Err(ApiError::validation(
            "exam_start",
            format!(
                "考试尚未开始：首个考试日为 {}，之后才能录入成绩",
                loaded.batch.exam_start
            ),
        ));
    }
    Ok(())
}

/// One validated row to store.
struct Scored {
    candidate_id: Uuid,
    theory: Option<f64>,
    skill: Option<f64>,
    review: Option<f64>,
    passed: Option<bool>,
}

fn subject(score: Option<f64>) -> SubjectScore {
    score.map_or(SubjectScore::Pending, SubjectScore::Scored)
}

/// Matches every entry to a candidate of the batch and checks it; all violations at once.
async fn validate<C: ConnectionTrait>(
    conn: &C,
    batch_id: Uuid,
    entries: &[Entry],
) -> ApiResult<Result<Vec<Scored>, Vec<Violation>>> {
    let ids: Vec<Uuid> = entries
        .iter()
        .filter_map(|e| match e.who {
            Who::Id(id) => Some(id),
            _ => None,
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let blinds: Vec<String> = entries
        .iter()
        .filter_map(|e| match &e.who {
            Who::Blind { blind, .. } => Some(blind.clone()),
            _ => None,
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // Only this batch's candidates are looked up: another batch's (or tenant's) id is simply
    // not found, and the answer does not say whether it exists elsewhere.
    let mut by_id: HashMap<Uuid, candidate::Model> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        for row in candidate::Entity::find()
            .filter(candidate::Column::BatchId.eq(batch_id))
            .filter(candidate::Column::Id.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            by_id.insert(row.id, row);
        }
    }
    let mut by_blind: HashMap<String, Vec<candidate::Model>> = HashMap::new();
    for chunk in blinds.chunks(CHUNK) {
        for row in candidate::Entity::find()
            .filter(candidate::Column::BatchId.eq(batch_id))
            .filter(candidate::Column::IdBlind.is_in(chunk.to_vec()))
            .order_by_asc(candidate::Column::Id)
            .all(conn)
            .await?
        {
            by_blind.entry(row.id_blind.clone()).or_default().push(row);
        }
    }
    let occupations = review_flags(
        conn,
        by_id
            .values()
            .chain(by_blind.values().flatten())
            .map(|c| c.occupation_code.clone()),
    )
    .await?;

    let mut violations = Vec::new();
    let mut out = Vec::with_capacity(entries.len());
    let mut seen: HashMap<Uuid, At> = HashMap::new();
    for entry in entries {
        let at = entry.at;
        let before = violations.len();
        let found: Option<&candidate::Model> = match &entry.who {
            Who::Invalid(field, column, reason) => {
                violations.push(at.violation(field, column, reason));
                None
            }
            Who::Id(id) => {
                let found = by_id.get(id);
                if found.is_none() {
                    violations.push(at.violation("candidate_id", "考生", "不是本批次的考生"));
                }
                found
            }
            Who::Blind { blind, error } => {
                let matches = by_blind.get(blind).map(Vec::as_slice).unwrap_or_default();
                let active: Vec<&candidate::Model> = matches
                    .iter()
                    .filter(|c| c.withdrawn_at.is_none())
                    .collect();
                match (active.as_slice(), matches.first()) {
                    ([one], _) => Some(*one),
                    ([], Some(withdrawn)) => Some(withdrawn),
                    ([], None) => {
                        let reason = error
                            .clone()
                            .unwrap_or_else(|| "本批次没有该证件号码的考生".to_owned());
                        violations.push(at.violation("id_number", "证件号码", &reason));
                        None
                    }
                    (_, _) => {
                        violations.push(at.violation(
                            "id_number",
                            "证件号码",
                            "本批次有多名考生使用该证件号码，请改用 candidate_id 列",
                        ));
                        None
                    }
                }
            }
        };
        let who_field = match entry.who {
            Who::Blind { .. } => ("id_number", "证件号码"),
            _ => ("candidate_id", "考生"),
        };
        if let Some(c) = found {
            if c.withdrawn_at.is_some() {
                violations.push(at.violation(who_field.0, who_field.1, "该考生已退出本批次"));
            } else if c.eligibility == INELIGIBLE {
                violations.push(at.violation(
                    who_field.0,
                    who_field.1,
                    "该考生资格审核不合格，不能录入成绩",
                ));
            }
            if let Some(first) = seen.insert(c.id, at) {
                violations.push(at.violation(
                    who_field.0,
                    who_field.1,
                    &format!("与{}是同一名考生，每名考生只能出现一次", first.label()),
                ));
            }
        }
        let mut score = |cell: &Cell, name: &str, column: &str| -> Option<f64> {
            match cell {
                Err(reason) => {
                    violations.push(at.violation(name, column, reason));
                    None
                }
                Ok(None) => None,
                Ok(Some(value)) => match check_score(*value) {
                    Ok(value) => Some(value),
                    Err(reason) => {
                        violations.push(at.violation(name, column, reason));
                        None
                    }
                },
            }
        };
        let theory = score(&entry.theory, "theory", "理论知识");
        let skill = score(&entry.skill, "skill", "操作技能");
        let review = score(&entry.review, "review", "综合评审");
        let Some(c) = found else { continue };
        let has_review = occupations
            .get(&c.occupation_code)
            .is_some_and(|(_, has)| *has);
        let applies = review_applies(has_review, c.level);
        if !applies && matches!(entry.review, Ok(Some(_))) {
            let level = u8::try_from(c.level)
                .ok()
                .and_then(|n| Level::try_from(n).ok())
                .map_or("该等级", Level::name_zh);
            let reason = if has_review {
                format!("综合评审只适用于二级/技师和一级/高级技师，{level}应留空")
            } else {
                "该职业没有综合评审，应留空".to_owned()
            };
            violations.push(at.violation("review", "综合评审", &reason).details(json!({
                "occupation_code": c.occupation_code,
                "level": c.level,
                "has_review": has_review,
            })));
        }
        if violations.len() > before {
            continue;
        }
        let review_subject = if applies {
            subject(review)
        } else {
            SubjectScore::NotAssessed
        };
        out.push(Scored {
            candidate_id: c.id,
            theory,
            skill,
            review: if applies { review } else { None },
            passed: candidate_passed(&[subject(theory), subject(skill), review_subject]),
        });
    }
    Ok(if violations.is_empty() {
        Ok(out)
    } else {
        Err(violations)
    })
}

/// Validates and stores `entries` for the batch in one write transaction, or nothing.
async fn write(
    state: &AppState,
    user: &CurrentUser,
    meta: &RequestMeta,
    batch_id: Uuid,
    entries: Vec<Entry>,
    source: &'static str,
) -> ApiResult<ResultsWritten> {
    if entries.is_empty() {
        return Err(ApiError::validation("results", "没有要录入的成绩"));
    }
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    // Checked again inside the transaction: the step may have been submitted meanwhile.
    let batch = tenancy::find_batch_to_write(&*txn, user, batch_id).await?;
    let loaded = batches::load(&*txn, batch).await?;
    ensure_writable(&loaded, now)?;
    let rows = validate(&*txn, batch_id, &entries)
        .await?
        .map_err(ApiError::Unprocessable)?;
    for chunk in rows.chunks(CHUNK) {
        let models = chunk.iter().map(|r| candidate_result::ActiveModel {
            candidate_id: Set(r.candidate_id),
            batch_id: Set(batch_id),
            theory: Set(r.theory),
            skill: Set(r.skill),
            review: Set(r.review),
            passed: Set(r.passed),
            updated_by: Set(user.id),
            updated_at: Set(now),
        });
        candidate_result::Entity::insert_many(models)
            .on_conflict(
                OnConflict::column(candidate_result::Column::CandidateId)
                    .update_columns([
                        candidate_result::Column::BatchId,
                        candidate_result::Column::Theory,
                        candidate_result::Column::Skill,
                        candidate_result::Column::Review,
                        candidate_result::Column::Passed,
                        candidate_result::Column::UpdatedBy,
                        candidate_result::Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(&*txn)
            .await?;
    }
    let count = |want: Option<bool>| rows.iter().filter(|r| r.passed == want).count() as u64;
    let (passed, failed, pending) = (count(Some(true)), count(Some(false)), count(None));
    // Counts only: no names, ID numbers or scores in the audit log.
    audit::record(
        &*txn,
        &AuditCtx::for_user(user, meta),
        now,
        audit::Event {
            action: if source == "json" {
                "results.put"
            } else {
                "results.import"
            },
            entity_type: "batch",
            entity_id: batch_id.to_string(),
            institution_id: Some(loaded.batch.institution_id),
            summary: json!({
                "source": source,
                "entries": rows.len(),
                "passed": passed,
                "failed": failed,
                "pending": pending,
            }),
        },
    )
    .await?;
    let summary = summary(&*txn, batch_id).await?;
    txn.commit().await?;
    Ok(ResultsWritten {
        updated: rows.len() as u64,
        passed,
        failed,
        pending,
        summary,
    })
}

/// Enter or correct scores. Each entry states a candidate's three scores (null: not entered, or
/// not part of their assessment); `passed` is recomputed. All entries are stored, or none.
#[utoipa::path(
    tag = "results",
    params(("id" = Uuid, Path, description = "Batch id")),
    request_body = ResultsInput,
    responses(
        (status = 200, body = ResultsWritten),
        (status = 401, body = Problem),
        (status = 403, description = "Not an institution user", body = Problem),
        (status = 404, description = "No such batch, or another institution's", body = Problem),
        (status = 409, description = "INVALID_STATE: the certificate (or materials) step is not in draft or returned", body = Problem),
        (status = 422, description = "VALIDATION: exams not started (`exam_start`), or every bad entry (`results[i].theory`, …)", body = Problem),
    ),
    security(("bearer" = []))
)]
#[put("/batches/{id}/results")]
pub async fn put_results(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    id: web::Path<Uuid>,
    body: web::Json<ResultsInput>,
) -> ApiResult<web::Json<ResultsWritten>> {
    user.require(&[Role::Institution])?;
    let entries = body
        .into_inner()
        .results
        .into_iter()
        .enumerate()
        .map(|(i, r)| Entry {
            at: At::Json(i),
            who: Who::Id(r.candidate_id),
            theory: Ok(r.theory),
            skill: Ok(r.skill),
            review: Ok(r.review),
        })
        .collect();
    Ok(web::Json(
        write(&state, &user, &meta, id.into_inner(), entries, "json").await?,
    ))
}

// ---------------------------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------------------------

fn multipart_error(err: MultipartError) -> ApiError {
    match err {
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible
        | MultipartError::BoundaryMissing => ApiError::UnsupportedMediaType(
            "请求体应为 multipart/form-data，包含 file 字段".to_owned(),
        ),
        other => ApiError::BadRequest(format!("multipart 请求体无法解析：{other}")),
    }
}

/// The `file` field of a multipart body, no larger than `limit` (413 as soon as it is crossed).
async fn read_file(headers: &HeaderMap, payload: web::Payload, limit: u64) -> ApiResult<Bytes> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit.saturating_add(MULTIPART_OVERHEAD)) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let mut multipart = Multipart::new(headers, payload);
    let mut file: Option<Bytes> = None;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(multipart_error)?;
        if field.name() != Some("file") {
            return Err(ApiError::validation(
                field.name().unwrap_or_default().to_owned(),
                "不支持的表单字段：只接受 file",
            ));
        }
        if file.is_some() {
            return Err(ApiError::validation("file", "一次只能上传一个文件"));
        }
        // Spooled to disk past a few hundred KiB while it arrives (`storage::BlobWriter`).
        let mut writer = crate::storage::BlobWriter::new(limit);
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(multipart_error)?;
            writer
                .push(&chunk)
                .map_err(|too| ApiError::PayloadTooLarge { limit: too.limit })?;
        }
        file = Some(writer.finish()?.bytes().clone());
    }
    file.ok_or_else(|| ApiError::validation("file", "请选择要导入的成绩表文件（file）"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Column {
    IdNumber,
    CandidateId,
    Theory,
    Skill,
    Review,
}

/// The column a header names: the Chinese titles of the template, or the API field names.
fn column_of(header: &str) -> Option<Column> {
    let text: String = header.chars().filter(|c| !c.is_whitespace()).collect();
    let text = text.trim_end_matches("成绩").trim_end_matches("（分）");
    match text {
        "证件号码" | "身份证号码" | "身份证号" | "id_number" => Some(Column::IdNumber),
        "candidate_id" | "考生编号" => Some(Column::CandidateId),
        "理论知识" | "theory" => Some(Column::Theory),
        "操作技能" | "skill" => Some(Column::Skill),
        "综合评审" | "review" => Some(Column::Review),
        _ => None,
    }
}

fn header_columns(cells: &[Data]) -> BTreeMap<Column, usize> {
    let mut columns = BTreeMap::new();
    for (position, cell) in cells.iter().enumerate() {
        if let Some(column) = column_of(&text_of(cell)) {
            columns.entry(column).or_insert(position);
        }
    }
    columns
}

fn text_of(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.trim().to_owned(),
        Data::Empty => String::new(),
        other => other.to_string().trim().to_owned(),
    }
}

fn score_cell(cell: Option<&Data>) -> Cell {
    match cell {
        None | Some(Data::Empty) => Ok(None),
        Some(Data::Float(f)) => Ok(Some(*f)),
        #[allow(clippy::cast_precision_loss)]
        Some(Data::Int(i)) => Ok(Some(*i as f64)),
        Some(Data::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Data::String(s)) => s
            .trim()
            .parse::<f64>()
            .map(Some)
            .map_err(|_| "应为 0–100 的数字".to_owned()),
        Some(_) => Err("应为 0–100 的数字".to_owned()),
    }
}

/// Who a row names. The ID number is blinded here and goes no further.
fn who_of(pii: &FieldCipher, id_cell: Option<&Data>, candidate_cell: Option<&Data>) -> Who {
    if let Some(cell) = candidate_cell {
        let text = text_of(cell);
        if !text.is_empty() {
            return match text.parse::<Uuid>() {
                Ok(id) => Who::Id(id),
                Err(_) => Who::Invalid("candidate_id", "candidate_id", "不是有效的考生编号".into()),
            };
        }
    }
    match id_cell {
        None | Some(Data::Empty) => Who::Invalid(
            "id_number",
            "证件号码",
            "缺少证件号码（或 candidate_id）".into(),
        ),
        Some(Data::String(s)) if s.trim().is_empty() => Who::Invalid(
            "id_number",
            "证件号码",
            "缺少证件号码（或 candidate_id）".into(),
        ),
        Some(Data::String(s)) => match IdNumber::parse(s) {
            Ok(id) => Who::Blind {
                blind: pii.blind(id.expose()),
                error: None,
            },
            // Perhaps another ID type (护照 …): normalised as `candidates::parse_id` does for
            // those (whitespace removed, ASCII uppercase) and looked up the same way.
            Err(e) => Who::Blind {
                blind: pii.blind(
                    &s.chars()
                        .filter(|c| !c.is_whitespace())
                        .map(|c| c.to_ascii_uppercase())
                        .collect::<String>(),
                ),
                error: Some(e.to_string()),
            },
        },
        Some(Data::Float(_) | Data::Int(_)) => Who::Invalid(
            "id_number",
            "证件号码",
            "证件号码以数字格式保存，可能已丢失位数；请将该列设置为文本格式后重新填写".into(),
        ),
        Some(_) => Who::Invalid("id_number", "证件号码", "证件号码应为文本".into()),
    }
}

/// The most cells the first sheet's grid (the bounding box of its cells) may span. calamine
/// allocates the whole grid: two cells at A1 and XFD1048576 would ask for 17 billion cells and
/// abort the process (found by `fuzz/` target `roster`). 100,000 rows of 80 columns fit.
const MAX_GRID_CELLS: u64 = 8_000_000;

/// Whether the first sheet of an .xlsx spans at most `max_cells`, read cell by cell without
/// building the grid; `None` when it is not an .xlsx. A sheet that fails to read part-way
/// passes: the reader's own error follows.
fn xlsx_grid_within(bytes: &Bytes, max_cells: u64) -> Option<bool> {
    let mut workbook = calamine::Xlsx::new(Cursor::new(bytes.clone())).ok()?;
    let Some(name) = workbook.sheet_names().first().cloned() else {
        return Some(true);
    };
    let Ok(mut cells) = workbook.worksheet_cells_reader(&name) else {
        return Some(true);
    };
    let (mut top, mut bottom, mut left, mut right) = (u32::MAX, 0, u32::MAX, 0);
    while let Ok(Some(cell)) = cells.next_cell() {
        let (row, col) = cell.get_position();
        top = top.min(row);
        bottom = bottom.max(row);
        left = left.min(col);
        right = right.max(col);
    }
    if top > bottom {
        return Some(true);
    }
    let spanned = (u64::from(bottom - top) + 1) * (u64::from(right - left) + 1);
    Some(spanned <= max_cells)
}

/// How many entries a sheet reads as, or why it is refused: [`parse_sheet`] for
/// `crate::fuzzing`, which drives it with hostile files.
pub(crate) fn sheet_entries(bytes: Bytes, pii: &FieldCipher) -> ApiResult<usize> {
    parse_sheet(bytes, pii).map(|entries| entries.len())
}

/// Reads the first sheet into entries, or the problems with the file as a whole.
fn parse_sheet(bytes: Bytes, pii: &FieldCipher) -> ApiResult<Vec<Entry>> {
    let not_a_sheet =
        || ApiError::UnsupportedMediaType("无法读取该文件：请上传 .xlsx 格式的成绩表".to_owned());
    let is_zip = bytes.starts_with(b"PK\x03\x04");
    let is_ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
    if !is_zip && !is_ole {
        return Err(not_a_sheet());
    }
    if !crate::zip_bounds::within(&bytes, crate::zip_bounds::MAX_EXPANDED_BYTES) {
        return Err(ApiError::validation(
            "file",
            "文件解压后过大（超过 256 MiB）、部件过多、声明的内容多于文件所含或结构已损坏，不像是正常的成绩表",
        ));
    }
    // An archive must be an .xlsx (not .ods or .xlsb) whose grid is bounded: the reader below
    // builds the whole grid of the sheet.
    if is_zip && !xlsx_grid_within(&bytes, MAX_GRID_CELLS).ok_or_else(not_a_sheet)? {
        return Err(ApiError::validation(
            "file",
            format!("工作表的数据范围过大（超过 {MAX_GRID_CELLS} 个单元格），请只保留成绩数据"),
        ));
    }
    if is_ole && !crate::xls_bounds::within(&bytes, crate::xls_bounds::MAX_GRID_CELLS) {
        return Err(ApiError::validation(
            "file",
            "工作表的数据范围过大或文件结构已损坏，请只保留成绩数据",
        ));
    }
    let mut workbook =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|_| not_a_sheet())?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| ApiError::validation("file", "文件中没有工作表"))?
        .map_err(|_| not_a_sheet())?;
    let first_row = range.start().map_or(0, |(row, _)| row);
    let mut rows = range
        .rows()
        .enumerate()
        .filter(|(_, cells)| cells.iter().any(|c| !text_of(c).is_empty()))
        .peekable();
    // The header is the first row naming a column we know; title rows above it are skipped.
    let Some(&(first_index, _)) = rows.peek() else {
        return Err(ApiError::validation("file", "文件中没有成绩数据"));
    };
    let mut header = None;
    for _ in 0..HEADER_SEARCH_ROWS {
        let Some((index, cells)) = rows.next() else {
            break;
        };
        let columns = header_columns(cells);
        if !columns.is_empty() {
            header = Some((index, columns));
            break;
        }
    }
    let (header_index, columns) = header.unwrap_or((first_index, BTreeMap::new()));
    let mut missing = Vec::new();
    if !columns.contains_key(&Column::IdNumber) && !columns.contains_key(&Column::CandidateId) {
        missing.push("证件号码");
    }
    if !columns.contains_key(&Column::Theory) {
        missing.push("理论知识");
    }
    if !columns.contains_key(&Column::Skill) {
        missing.push("操作技能");
    }
    if !missing.is_empty() {
        let excel_row = u64::from(first_row) + header_index as u64 + 1;
        return Err(ApiError::Unprocessable(vec![
            Violation::new(
                RuleCode::Validation,
                format!("表头（第 {excel_row} 行）缺少列：{}", missing.join("、")),
            )
            .field("file")
            .details(json!({ "row": excel_row, "missing_columns": missing })),
        ]));
    }
    let cell = |cells: &[Data], column: Column| -> Option<Data> {
        columns
            .get(&column)
            .and_then(|position| cells.get(*position))
            .cloned()
    };
    let mut entries = Vec::new();
    for (index, cells) in rows {
        if entries.len() >= MAX_IMPORT_ROWS {
            return Err(ApiError::validation(
                "file",
                format!("一次最多导入 {MAX_IMPORT_ROWS} 行成绩"),
            ));
        }
        let row = u32::try_from(u64::from(first_row) + index as u64 + 1).unwrap_or(u32::MAX);
        entries.push(Entry {
            at: At::Row(row),
            who: who_of(
                pii,
                cell(cells, Column::IdNumber).as_ref(),
                cell(cells, Column::CandidateId).as_ref(),
            ),
            theory: score_cell(cell(cells, Column::Theory).as_ref()),
            skill: score_cell(cell(cells, Column::Skill).as_ref()),
            review: score_cell(cell(cells, Column::Review).as_ref()),
        });
    }
    if entries.is_empty() {
        return Err(ApiError::validation("file", "文件中没有成绩数据"));
    }
    Ok(entries)
}

/// Import scores from a spreadsheet: the same checks as the PUT, every bad row reported with its
/// row number, and nothing stored unless every row is clean. Candidates are matched by ID number
/// (through its blind index) or by `candidate_id`, within the batch.
#[utoipa::path(
    tag = "results",
    params(("id" = Uuid, Path, description = "Batch id")),
    request_body(content = ResultsImportForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, body = ResultsWritten),
        (status = 401, body = Problem),
        (status = 403, description = "Not an institution user", body = Problem),
        (status = 404, description = "No such batch, or another institution's", body = Problem),
        (status = 409, description = "INVALID_STATE: the certificate (or materials) step is not in draft or returned", body = Problem),
        (status = 413, description = "PAYLOAD_TOO_LARGE", body = Problem),
        (status = 415, description = "UNSUPPORTED_MEDIA_TYPE: not multipart, or not a spreadsheet", body = Problem),
        (status = 422, description = "VALIDATION: exams not started, missing columns, or every bad row (`rows[n].theory`, `details.row`); a file whose parts expand too far, declare more than they hold or do not read (`file`)", body = Problem),
        (status = 503, description = "BUSY: as many sheets as `permits.imports` are being read; retry after `Retry-After` seconds", body = Problem, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
    security(("bearer" = []))
)]
#[post("/batches/{id}/results/import")]
pub async fn import_results(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    req: HttpRequest,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> ApiResult<web::Json<ResultsWritten>> {
    user.require(&[Role::Institution])?;
    let batch_id = id.into_inner();
    // Fail before reading the body when the batch is not the caller's or not open for results.
    let batch = tenancy::find_batch_to_write(&state.db.conn, &user, batch_id).await?;
    let loaded = batches::load(&state.db.conn, batch).await?;
    ensure_writable(&loaded, state.clock.now())?;
    // Taken before the body is read, so uploads waiting for a place are not held in memory; the
    // reading thread keeps it until the sheet is read.
    let permit = state.permits.try_acquire(crate::permits::Work::Import)?;
    let bytes = read_file(req.headers(), payload, state.config.uploads.max_bytes).await?;
    let pii = state.pii.clone();
    let entries = web::block(move || {
        let entries = parse_sheet(bytes, &pii);
        drop(permit);
        entries
    })
    .await
    .map_err(|e| ApiError::Internal(format!("spreadsheet parsing: {e}")))??;
    Ok(web::Json(
        write(&state, &user, &meta, batch_id, entries, "xlsx").await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_on_the_100_point_scale_with_one_decimal() {
        // SPEC §5: 100-point scores.
        assert_eq!(check_score(59.5), Ok(59.5));
        assert_eq!(check_score(0.0), Ok(0.0));
        assert_eq!(check_score(100.0), Ok(100.0));
        assert_eq!(check_score(72.3), Ok(72.3));
        assert!(check_score(100.5).is_err());
        assert!(check_score(-0.5).is_err());
        assert!(check_score(60.25).is_err());
        assert!(check_score(f64::NAN).is_err());
    }

    #[test]
    fn review_applies_to_technicians_of_occupations_that_have_it() {
        assert!(review_applies(true, 1));
        assert!(review_applies(true, 2));
        assert!(!review_applies(true, 3));
        assert!(!review_applies(false, 2));
    }

    #[test]
    fn headers_are_read_in_chinese_or_as_field_names() {
        assert_eq!(column_of(" 证件号码 "), Some(Column::IdNumber));
        assert_eq!(column_of("理论知识成绩"), Some(Column::Theory));
        assert_eq!(column_of("skill"), Some(Column::Skill));
        assert_eq!(column_of("综合评审"), Some(Column::Review));
        assert_eq!(column_of("姓名"), None);
    }

    #[test]
    fn an_id_stored_as_a_number_is_refused() {
        let pii = FieldCipher::new(&[1u8; 32]).unwrap();
        assert!(matches!(
            who_of(&pii, Some(&Data::Float(1.101_051_949_123_1e17)), None),
            Who::Invalid("id_number", _, _)
        ));
        assert!(matches!(
            who_of(&pii, Some(&Data::String("11010519491231002X".into())), None),
            Who::Blind { error: None, .. }
        ));
    }

    #[test]
    fn a_sheet_spanning_the_whole_grid_is_refused_not_allocated() {
        // -- Setup & Fixtures: two cells at opposite corners (16,384 x 1,048,576 cells between).
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (col, header) in ["证件号码", "理论知识", "操作技能"].into_iter().enumerate()
        {
            sheet.write_string(0, col as u16, header).unwrap();
        }
        sheet.write_string(1_048_575, 16_383, "x").unwrap();
        let bytes = Bytes::from(book.save_to_buffer().unwrap());
        let pii = FieldCipher::new(&[1u8; 32]).unwrap();
        // -- Exec
        let err = parse_sheet(bytes, &pii).err().unwrap();
        // -- Check: 422, and the process is still here.
        assert!(matches!(err, ApiError::Unprocessable(_)), "{err}");
        assert_eq!(
            xlsx_grid_within(&Bytes::from_static(b"PK\x03\x04"), 1),
            None
        );
    }
}
