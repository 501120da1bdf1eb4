//! Candidates under a batch and their warnings (SPEC §5): create, list, read, edit, withdraw,
//! the institution's eligibility decision (资格审核), the audited reveal of the full ID and phone
//! numbers, and warning dispositions. Reads show `id_number_masked` and `phone_masked` only;
//! audit summaries never carry personal data.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    sea_query::Expr, sea_query::Query,
};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Value, json};
use skillcert_domain::Role;
use skillcert_domain::rules::{RuleCode, Violation};
use skillcert_domain::warnings::WarningCode;
use skillcert_domain::{Level, MaterialKind};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::{IdempotencyKey, Page, PageQuery, expected_version};
use crate::audit::{self, AuditCtx, RequestMeta};
use crate::auth::CurrentUser;
use crate::batches::{self, Loaded};
use crate::candidates::{self, CandidateInput};
use crate::entities::{batch, candidate, candidate_warning, material};
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use crate::tenancy;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_candidate)
        .service(list_candidates)
        .service(get_candidate)
        .service(patch_candidate)
        .service(withdraw_candidate)
        .service(decide_eligibility)
        .service(reveal_candidate)
        .service(list_warnings)
        .service(dispose_warning);
}

// ---------------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------------

/// A warning as shown with its candidate.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningBrief {
    pub id: Uuid,
    pub code: WarningCode,
    pub name: &'static str,
    /// `confirmed`, `dismissed`, or null while undecided.
    pub disposition: Option<String>,
    /// A disposition with a decision, an explanation and an evidence material.
    pub resolved: bool,
}

/// A candidate. ID and phone numbers are masked; `POST /candidates/{id}/reveal` shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateView {
    pub id: Uuid,
    pub batch_id: Uuid,
    pub institution_id: Uuid,
    pub name: String,
    pub id_type: String,
    /// First 6 and last 4 characters (居民身份证); other documents first 2 and last 2.
    pub id_number_masked: String,
    pub phone_masked: Option<String>,
    pub occupation_code: String,
    pub level: u8,
    pub level_name: Option<&'static str>,
    pub education: Option<String>,
    pub work_years: Option<i32>,
    pub student_no: Option<String>,
    pub graduation_year: Option<i32>,
    /// `pending`, `eligible` or `ineligible` (资格审核).
    pub eligibility: String,
    pub eligibility_reason: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub withdrawn_at: Option<OffsetDateTime>,
    pub warnings: Vec<WarningBrief>,
    pub version: i32,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// `Some(None)` for an explicit `null`, `None` when the field is absent.
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// [`present`] for a personal number, refusing non-strings without echoing them.
fn present_secret<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<String>>, D::Error> {
    candidates::optional_secret_text(deserializer).map(Some)
}

/// Changes to a candidate; absent fields stay, `null` clears an optional one. `version` (or
/// `If-Match`) must be the current one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CandidatePatch {
    pub version: Option<i32>,
    pub name: Option<String>,
    pub id_type: Option<String>,
    /// Write only.
    #[serde(default, deserialize_with = "candidates::optional_secret_text")]
    pub id_number: Option<String>,
    #[serde(default, deserialize_with = "present_secret")]
    #[schema(value_type = Option<String>)]
    pub phone: Option<Option<String>>,
    pub occupation_code: Option<String>,
    pub level: Option<u8>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub education: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>)]
    pub work_years: Option<Option<i32>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub student_no: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<i32>)]
    pub graduation_year: Option<Option<i32>>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawInput {
    pub version: Option<i32>,
    /// Why (e.g. 本人申请撤回, 预警核实属实).
    #[serde(default)]
    pub reason: String,
}

/// 资格审核: the institution's eligibility decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EligibilityInput {
    pub version: Option<i32>,
    pub eligible: bool,
    /// Required when not eligible.
    #[serde(default)]
    pub reason: String,
}

/// The full numbers, for the owning institution and supervisors; every reveal is audited.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevealView {
    pub id: Uuid,
    pub name: String,
    pub id_type: String,
    pub id_number: String,
    pub phone: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CandidateFilter {
    pub occupation_code: Option<String>,
    pub level: Option<u8>,
    /// Candidates with this warning.
    #[param(inline)]
    pub warning: Option<WarningCode>,
    #[param(inline)]
    pub eligibility: Option<EligibilityFilter>,
    /// `true`: withdrawn only; `false`: not withdrawn; absent: both.
    pub withdrawn: Option<bool>,
}

/// A warning with its evidence and disposition.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarningView {
    pub id: Uuid,
    pub batch_id: Uuid,
    pub candidate_id: Uuid,
    pub candidate_name: String,
    pub id_number_masked: String,
    pub occupation_code: String,
    pub level: u8,
    pub code: WarningCode,
    pub name: &'static str,
    /// Why: e.g. the other batch (of this institution only), the blacklist entry's period.
    #[schema(value_type = Object)]
    pub evidence: Value,
    /// `confirmed` or `dismissed`; null until the institution decides.
    pub disposition: Option<String>,
    pub explanation: Option<String>,
    pub evidence_material_id: Option<Uuid>,
    pub resolved: bool,
    pub disposed_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub disposed_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WarningFilter {
    #[param(inline)]
    pub code: Option<WarningCode>,
    #[param(inline)]
    pub disposition: Option<DispositionFilter>,
    pub candidate_id: Option<Uuid>,
}

/// 资格审核: not decided yet, eligible or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EligibilityFilter {
    Pending,
    Eligible,
    Ineligible,
}

/// A warning's handling: `pending` (no decision yet), `confirmed` or `dismissed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DispositionFilter {
    Pending,
    Confirmed,
    Dismissed,
}

/// The institution's handling of a warning (SPEC §5).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DispositionInput {
    /// `confirmed` (the warning is true) or `dismissed` (it is not).
    pub decision: String,
    /// 情况说明.
    pub explanation: String,
    /// A current material of this batch of kind `eligibility_evidence`,
    /// `warning_verification_note` or `abnormality_verification`.
    pub evidence_material_id: Option<Uuid>,
}

/// The material kinds a disposition may cite as evidence.
const EVIDENCE_KINDS: [MaterialKind; 3] = [
    MaterialKind::EligibilityEvidence,
    MaterialKind::WarningVerificationNote,
    MaterialKind::AbnormalityVerification,
];

// ---------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------

fn warning_code(text: &str) -> Option<WarningCode> {
    WarningCode::ALL.iter().copied().find(|c| c.code() == text)
}

fn resolved(w: &candidate_warning::Model) -> bool {
    w.disposition.is_some()
        && w.explanation
            .as_deref()
            .is_some_and(|e| !e.trim().is_empty())
        && w.evidence_material_id.is_some()
}

fn level_name(level: i16) -> Option<&'static str> {
    u8::try_from(level)
        .ok()
        .and_then(|l| Level::try_from(l).ok())
        .map(Level::name_zh)
}

async fn views<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<candidate::Model>,
) -> ApiResult<Vec<CandidateView>> {
    let mut warnings: BTreeMap<Uuid, Vec<WarningBrief>> = BTreeMap::new();
    if !rows.is_empty() {
        for w in candidate_warning::Entity::find()
            .filter(candidate_warning::Column::CandidateId.is_in(rows.iter().map(|r| r.id)))
            .order_by_asc(candidate_warning::Column::Code)
            .all(conn)
            .await?
        {
            let Some(code) = warning_code(&w.code) else {
                continue;
            };
            warnings
                .entry(w.candidate_id)
                .or_default()
                .push(WarningBrief {
                    id: w.id,
                    code,
                    name: code.name_zh(),
                    resolved: resolved(&w),
                    disposition: w.disposition.clone(),
                });
        }
    }
    Ok(rows
        .into_iter()
        .map(|c| CandidateView {
            warnings: warnings.remove(&c.id).unwrap_or_default(),
            id: c.id,
            batch_id: c.batch_id,
            institution_id: c.institution_id,
            name: c.name,
            id_type: c.id_type,
            id_number_masked: c.id_masked,
            phone_masked: c.phone_masked,
            occupation_code: c.occupation_code,
            level: u8::try_from(c.level).unwrap_or(0),
            level_name: level_name(c.level),
            education: c.education,
            work_years: c.work_years,
            student_no: c.student_no,
            graduation_year: c.graduation_year,
            eligibility: c.eligibility,
            eligibility_reason: c.eligibility_reason,
            withdrawn_at: c.withdrawn_at,
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        })
        .collect())
}

async fn view_of<C: ConnectionTrait>(conn: &C, id: Uuid) -> ApiResult<CandidateView> {
    let row = candidate::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::Internal("candidate vanished".to_owned()))?;
    views(conn, vec![row])
        .await?
        .pop()
        .ok_or_else(|| ApiError::Internal("candidate view missing".to_owned()))
}

/// A candidate the caller may see (the tenant filter is in the query), or 404.
async fn find_candidate<C: ConnectionTrait>(
    conn: &C,
    user: &CurrentUser,
    id: Uuid,
) -> ApiResult<candidate::Model> {
    let condition = tenancy::institution_condition(user, candidate::Column::InstitutionId)
        .ok_or(ApiError::NotFound)?;
    candidate::Entity::find_by_id(id)
        .filter(condition)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound)
}

/// The batch of a candidate the caller is about to change: 409 `BATCH_ARCHIVED` once archived.
async fn batch_of<C: ConnectionTrait>(conn: &C, row: &candidate::Model) -> ApiResult<Loaded> {
    let batch = batch::Entity::find_by_id(row.batch_id)
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::Internal("candidate without batch".to_owned()))?;
    tenancy::ensure_writable(&batch)?;
    batches::load(conn, batch).await
}

/// Non-personal facts of a candidate for audit summaries.
fn audit_facts(c: &candidate::Model) -> Value {
    json!({
        "batch_id": c.batch_id,
        "occupation_code": c.occupation_code,
        "level": c.level,
        "eligibility": c.eligibility,
        "withdrawn": c.withdrawn_at.is_some(),
        "version": c.version,
    })
}

fn check_version(expected: Option<i32>, current: i32) -> ApiResult<()> {
    match expected {
        Some(v) if v != current => Err(ApiError::conflict_version()),
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Candidates
// ---------------------------------------------------------------------------------------------

/// Register one candidate (institution users of the owning institution) while the
/// registration step is in draft or returned (409 otherwise). The batch's warnings are
/// recomputed in the same transaction.
#[utoipa::path(
    tag = "candidates",
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key returns the first answer")),
    request_body = CandidateInput,
    responses(
        (status = 201, body = CandidateView),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "INVALID_STATE: registration is not open"),
        (status = 422, body = Problem, description = "VALIDATION, naming the field (id_number: bad checksum, 15-digit legacy number …; reason `already_registered`: the person is registered in this batch for this occupation and level already)")
    ),
    security(("bearer" = []))
)]
#[post("/batches/{id}/candidates")]
pub async fn create_candidate(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: web::Json<CandidateInput>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Institution])?;
    if let Some(replay) = key.replay(&state.db.conn, user.id, &req).await? {
        return Ok(replay);
    }
    let input = body.into_inner();
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    let batch = tenancy::find_batch_to_write(&*txn, &user, id.into_inner()).await?;
    let loaded = batches::load(&*txn, batch).await?;
    candidates::registration_open(&loaded)?;
    let new = candidates::validate(&state, &loaded, &input).map_err(ApiError::Unprocessable)?;
    // The same person for the same occupation and level once per batch (SPEC §5), checked
    // under the batch lock so two requests at once cannot both register them.
    candidates::lock_batch(&*txn, loaded.batch.id).await?;
    if candidates::already_registered(&*txn, loaded.batch.id, &new).await? {
        return Err(candidates::already_registered_error());
    }
    let ids = candidates::insert_many(&*txn, &state, &loaded, vec![new], user.id, now).await?;
    let candidate_id = ids
        .first()
        .copied()
        .ok_or_else(|| ApiError::Internal("no candidate inserted".to_owned()))?;
    let view = view_of(&*txn, candidate_id).await?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "candidate.create",
            entity_type: "candidate",
            entity_id: candidate_id.to_string(),
            institution_id: Some(loaded.batch.institution_id),
            summary: json!({
                "after": {
                    "batch_id": loaded.batch.id,
                    "occupation_code": view.occupation_code,
                    "level": view.level,
                    "warnings": view.warnings.iter().map(|w| w.code).collect::<Vec<_>>(),
                }
            }),
        },
    )
    .await?;
    key.remember(&*txn, user.id, &req, StatusCode::CREATED, &view, now)
        .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(view))
}

/// The candidates of a batch (anyone who sees the batch), oldest first.
#[utoipa::path(
    tag = "candidates",
    params(("id" = Uuid, Path), PageQuery, CandidateFilter),
    responses(
        (status = 200, body = Page<CandidateView>),
        (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[get("/batches/{id}/candidates")]
pub async fn list_candidates(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
    filter: web::Query<CandidateFilter>,
) -> ApiResult<web::Json<Page<CandidateView>>> {
    let (page_no, size) = page.resolve()?;
    let batch = tenancy::find_batch(&state.db.conn, &user, id.into_inner()).await?;
    let mut condition = Condition::all().add(candidate::Column::BatchId.eq(batch.id));
    if let Some(code) = &filter.occupation_code {
        condition = condition.add(candidate::Column::OccupationCode.eq(code.trim()));
    }
    if let Some(level) = filter.level {
        condition = condition.add(candidate::Column::Level.eq(i16::from(level)));
    }
    if let Some(eligibility) = filter.eligibility {
        let code = match eligibility {
            EligibilityFilter::Pending => "pending",
            EligibilityFilter::Eligible => "eligible",
            EligibilityFilter::Ineligible => "ineligible",
        };
        condition = condition.add(candidate::Column::Eligibility.eq(code));
    }
    match filter.withdrawn {
        Some(true) => condition = condition.add(candidate::Column::WithdrawnAt.is_not_null()),
        Some(false) => condition = condition.add(candidate::Column::WithdrawnAt.is_null()),
        None => {}
    }
    if let Some(code) = filter.warning {
        // Correlated on the (candidate_id, code) index.
        condition = condition.add(Expr::exists(
            Query::select()
                .expr(Expr::val(1))
                .from(candidate_warning::Entity)
                .and_where(
                    Expr::col((
                        candidate_warning::Entity,
                        candidate_warning::Column::CandidateId,
                    ))
                    .equals((candidate::Entity, candidate::Column::Id)),
                )
                .and_where(candidate_warning::Column::Code.eq(code.code()))
                .to_owned(),
        ));
    }
    let paginator = candidate::Entity::find()
        .filter(condition)
        .order_by_asc(candidate::Column::CreatedAt)
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

/// One candidate (anyone who sees its batch).
#[utoipa::path(
    tag = "candidates",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = CandidateView), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = []))
)]
#[get("/candidates/{id}")]
pub async fn get_candidate(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<CandidateView>> {
    let row = find_candidate(&state.db.conn, &user, id.into_inner()).await?;
    Ok(web::Json(
        views(&state.db.conn, vec![row])
            .await?
            .pop()
            .ok_or(ApiError::NotFound)?,
    ))
}

/// Edit a candidate (owning institution) while registration is in draft or returned.
/// Optimistic: a stale `version` (or `If-Match`) answers 409.
#[utoipa::path(
    tag = "candidates",
    params(("id" = Uuid, Path)),
    request_body = CandidatePatch,
    responses(
        (status = 200, body = CandidateView),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[patch("/candidates/{id}")]
pub async fn patch_candidate(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Json<CandidatePatch>,
) -> ApiResult<web::Json<CandidateView>> {
    user.require(&[Role::Institution])?;
    let patch = body.into_inner();
    let expected = expected_version(&req, patch.version)?
        .ok_or_else(|| ApiError::validation("version", "修改考生需提供 version 或 If-Match"))?;
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    let row = find_candidate(&*txn, &user, id.into_inner()).await?;
    let loaded = batch_of(&*txn, &row).await?;
    candidates::registration_open(&loaded)?;
    check_version(Some(expected), row.version)?;
    if row.withdrawn_at.is_some() {
        return Err(ApiError::invalid_state("考生已撤回报名，不能修改"));
    }
    let decrypt = |stored: &str| {
        state
            .pii
            .decrypt(stored)
            .map_err(|e| ApiError::Internal(e.to_string()))
    };
    let mut changed: Vec<&str> = Vec::new();
    let mut note = |field: &'static str, given: bool| {
        if given {
            changed.push(field);
        }
    };
    note("name", patch.name.is_some());
    note("id_type", patch.id_type.is_some());
    note("id_number", patch.id_number.is_some());
    note("phone", patch.phone.is_some());
    note("occupation_code", patch.occupation_code.is_some());
    note("level", patch.level.is_some());
    note("education", patch.education.is_some());
    note("work_years", patch.work_years.is_some());
    note("student_no", patch.student_no.is_some());
    note("graduation_year", patch.graduation_year.is_some());
    let input = CandidateInput {
        name: patch.name.unwrap_or_else(|| row.name.clone()),
        id_type: patch.id_type.unwrap_or_else(|| row.id_type.clone()),
        id_number: match patch.id_number {
            Some(number) => number,
            None => decrypt(&row.id_number_enc)?,
        },
        phone: match patch.phone {
            Some(phone) => phone,
            None => row.phone_enc.as_deref().map(decrypt).transpose()?,
        },
        occupation_code: patch
            .occupation_code
            .unwrap_or_else(|| row.occupation_code.clone()),
        level: match patch.level {
            Some(level) => level,
            None => u8::try_from(row.level).unwrap_or(0),
        },
        education: patch.education.unwrap_or_else(|| row.education.clone()),
        work_years: patch.work_years.unwrap_or(row.work_years),
        student_no: patch.student_no.unwrap_or_else(|| row.student_no.clone()),
        graduation_year: patch.graduation_year.unwrap_or(row.graduation_year),
    };
    let new = candidates::validate(&state, &loaded, &input).map_err(ApiError::Unprocessable)?;
    let old_blind = row.id_blind.clone();
    let blind_changed = new.id_blind != old_blind;
    let result = candidate::Entity::update_many()
        .col_expr(candidate::Column::Name, Expr::value(new.name))
        .col_expr(candidate::Column::IdType, Expr::value(new.id_type))
        .col_expr(
            candidate::Column::IdNumberEnc,
            Expr::value(new.id_number_enc),
        )
        .col_expr(candidate::Column::IdBlind, Expr::value(new.id_blind))
        .col_expr(candidate::Column::IdMasked, Expr::value(new.id_masked))
        .col_expr(candidate::Column::BirthDate, Expr::value(new.birth_date))
        .col_expr(candidate::Column::PhoneEnc, Expr::value(new.phone_enc))
        .col_expr(
            candidate::Column::PhoneMasked,
            Expr::value(new.phone_masked),
        )
        .col_expr(
            candidate::Column::OccupationCode,
            Expr::value(new.occupation_code),
        )
        .col_expr(candidate::Column::Level, Expr::value(new.level))
        .col_expr(candidate::Column::Education, Expr::value(new.education))
        .col_expr(candidate::Column::WorkYears, Expr::value(new.work_years))
        .col_expr(candidate::Column::StudentNo, Expr::value(new.student_no))
        .col_expr(
            candidate::Column::GraduationYear,
            Expr::value(new.graduation_year),
        )
        .col_expr(candidate::Column::Version, Expr::value(row.version + 1))
        .col_expr(candidate::Column::UpdatedAt, Expr::value(now))
        .filter(candidate::Column::Id.eq(row.id))
        .filter(candidate::Column::Version.eq(row.version))
        .exec(&*txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(ApiError::conflict_version());
    }
    let extra = if blind_changed {
        vec![old_blind]
    } else {
        Vec::new()
    };
    candidates::recompute_with(&*txn, &state, &loaded, &extra, now).await?;
    let after = candidate::Entity::find_by_id(row.id)
        .one(&*txn)
        .await?
        .ok_or_else(|| ApiError::Internal("candidate vanished".to_owned()))?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "candidate.update",
            entity_type: "candidate",
            entity_id: row.id.to_string(),
            institution_id: Some(row.institution_id),
            summary: json!({
                "fields": changed,
                "before": audit_facts(&row),
                "after": audit_facts(&after),
            }),
        },
    )
    .await?;
    let view = views(&*txn, vec![after])
        .await?
        .pop()
        .ok_or_else(|| ApiError::Internal("candidate view missing".to_owned()))?;
    txn.commit().await?;
    Ok(web::Json(view))
}

/// Withdraw a candidate (owning institution) while the registration step — or, when the
/// warnings are re-checked, the certificate or materials step — is in draft or returned.
#[utoipa::path(
    tag = "candidates",
    params(("id" = Uuid, Path)),
    request_body = WithdrawInput,
    responses(
        (status = 200, body = CandidateView),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/candidates/{id}/withdraw")]
pub async fn withdraw_candidate(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Json<WithdrawInput>,
) -> ApiResult<web::Json<CandidateView>> {
    user.require(&[Role::Institution])?;
    let input = body.into_inner();
    let expected = expected_version(&req, input.version)?;
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    let row = find_candidate(&*txn, &user, id.into_inner()).await?;
    let loaded = batch_of(&*txn, &row).await?;
    candidates::warnings_step_open(&loaded)?;
    check_version(expected, row.version)?;
    if row.withdrawn_at.is_some() {
        return Err(ApiError::invalid_state("考生已撤回报名"));
    }
    let result = candidate::Entity::update_many()
        .col_expr(candidate::Column::WithdrawnAt, Expr::value(Some(now)))
        .col_expr(candidate::Column::Version, Expr::value(row.version + 1))
        .col_expr(candidate::Column::UpdatedAt, Expr::value(now))
        .filter(candidate::Column::Id.eq(row.id))
        .filter(candidate::Column::Version.eq(row.version))
        .exec(&*txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(ApiError::conflict_version());
    }
    candidates::recompute_warnings(&*txn, &state, &loaded, now).await?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "candidate.withdraw",
            entity_type: "candidate",
            entity_id: row.id.to_string(),
            institution_id: Some(row.institution_id),
            summary: json!({ "before": audit_facts(&row), "reason": input.reason.trim() }),
        },
    )
    .await?;
    let view = view_of(&*txn, row.id).await?;
    txn.commit().await?;
    Ok(web::Json(view))
}

/// 资格审核: the owning institution finds a candidate eligible or not (a reason is required
/// when not). Ineligible candidates do not count as registered and their warnings no longer
/// block a step.
#[utoipa::path(
    tag = "candidates",
    params(("id" = Uuid, Path)),
    request_body = EligibilityInput,
    responses(
        (status = 200, body = CandidateView),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/candidates/{id}/eligibility")]
pub async fn decide_eligibility(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Json<EligibilityInput>,
) -> ApiResult<web::Json<CandidateView>> {
    user.require(&[Role::Institution])?;
    let input = body.into_inner();
    let reason = input.reason.trim().to_owned();
    if !input.eligible && reason.is_empty() {
        return Err(ApiError::validation(
            "reason",
            "认定考生不符合报名条件时必须说明理由",
        ));
    }
    if reason.chars().count() > 500 {
        return Err(ApiError::validation("reason", "理由不能超过 500 个字符"));
    }
    let expected = expected_version(&req, input.version)?;
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    let row = find_candidate(&*txn, &user, id.into_inner()).await?;
    let loaded = batch_of(&*txn, &row).await?;
    candidates::warnings_step_open(&loaded)?;
    check_version(expected, row.version)?;
    if row.withdrawn_at.is_some() {
        return Err(ApiError::invalid_state("考生已撤回报名"));
    }
    let eligibility = if input.eligible {
        "eligible"
    } else {
        "ineligible"
    };
    let result = candidate::Entity::update_many()
        .col_expr(candidate::Column::Eligibility, Expr::value(eligibility))
        .col_expr(
            candidate::Column::EligibilityReason,
            Expr::value((!reason.is_empty()).then(|| reason.clone())),
        )
        .col_expr(candidate::Column::Version, Expr::value(row.version + 1))
        .col_expr(candidate::Column::UpdatedAt, Expr::value(now))
        .filter(candidate::Column::Id.eq(row.id))
        .filter(candidate::Column::Version.eq(row.version))
        .exec(&*txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(ApiError::conflict_version());
    }
    candidates::recompute_warnings(&*txn, &state, &loaded, now).await?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "candidate.eligibility",
            entity_type: "candidate",
            entity_id: row.id.to_string(),
            institution_id: Some(row.institution_id),
            summary: json!({
                "before": { "eligibility": row.eligibility },
                "after": { "eligibility": eligibility },
                "reason": reason,
            }),
        },
    )
    .await?;
    let view = view_of(&*txn, row.id).await?;
    txn.commit().await?;
    Ok(web::Json(view))
}

/// The full ID and phone numbers of one candidate, for the owning institution and supervisors
/// only; every reveal writes a `candidate.reveal` audit event (without the numbers).
#[utoipa::path(
    tag = "candidates",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = RevealView),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/candidates/{id}/reveal")]
pub async fn reveal_candidate(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Institution, Role::Supervisor])?;
    let row = find_candidate(&state.db.conn, &user, id.into_inner()).await?;
    let decrypt = |stored: &str| {
        state
            .pii
            .decrypt(stored)
            .map_err(|e| ApiError::Internal(e.to_string()))
    };
    let view = RevealView {
        id: row.id,
        name: row.name.clone(),
        id_type: row.id_type.clone(),
        id_number: decrypt(&row.id_number_enc)?,
        phone: row.phone_enc.as_deref().map(decrypt).transpose()?,
    };
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "candidate.reveal",
            entity_type: "candidate",
            entity_id: row.id.to_string(),
            institution_id: Some(row.institution_id),
            summary: json!({
                "batch_id": row.batch_id,
                "fields": if row.phone_enc.is_some() { vec!["id_number", "phone"] } else { vec!["id_number"] },
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(view))
}

// ---------------------------------------------------------------------------------------------
// Warnings
// ---------------------------------------------------------------------------------------------

fn warning_view(w: candidate_warning::Model, c: &candidate::Model) -> Option<WarningView> {
    let code = warning_code(&w.code)?;
    Some(WarningView {
        resolved: resolved(&w),
        id: w.id,
        batch_id: w.batch_id,
        candidate_id: w.candidate_id,
        candidate_name: c.name.clone(),
        id_number_masked: c.id_masked.clone(),
        occupation_code: c.occupation_code.clone(),
        level: u8::try_from(c.level).unwrap_or(0),
        code,
        name: code.name_zh(),
        evidence: w.evidence,
        disposition: w.disposition,
        explanation: w.explanation,
        evidence_material_id: w.evidence_material_id,
        disposed_by: w.disposed_by,
        disposed_at: w.disposed_at,
        created_at: w.created_at,
    })
}

/// The warnings of a batch's candidates with their evidence and dispositions (anyone who sees
/// the batch).
#[utoipa::path(
    tag = "candidates",
    params(("id" = Uuid, Path), PageQuery, WarningFilter),
    responses(
        (status = 200, body = Page<WarningView>),
        (status = 401, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[get("/batches/{id}/warnings")]
pub async fn list_warnings(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
    filter: web::Query<WarningFilter>,
) -> ApiResult<web::Json<Page<WarningView>>> {
    let (page_no, size) = page.resolve()?;
    let batch = tenancy::find_batch(&state.db.conn, &user, id.into_inner()).await?;
    let mut condition = Condition::all().add(
        candidate_warning::Column::CandidateId.in_subquery(
            Query::select()
                .column(candidate::Column::Id)
                .from(candidate::Entity)
                .and_where(candidate::Column::BatchId.eq(batch.id))
                .to_owned(),
        ),
    );
    if let Some(code) = filter.code {
        condition = condition.add(candidate_warning::Column::Code.eq(code.code()));
    }
    match filter.disposition {
        None => {}
        Some(DispositionFilter::Pending) => {
            condition = condition.add(candidate_warning::Column::Disposition.is_null())
        }
        Some(DispositionFilter::Confirmed) => {
            condition = condition.add(candidate_warning::Column::Disposition.eq("confirmed"));
        }
        Some(DispositionFilter::Dismissed) => {
            condition = condition.add(candidate_warning::Column::Disposition.eq("dismissed"));
        }
    }
    if let Some(candidate_id) = filter.candidate_id {
        condition = condition.add(candidate_warning::Column::CandidateId.eq(candidate_id));
    }
    let paginator = candidate_warning::Entity::find()
        .filter(condition)
        .order_by_asc(candidate_warning::Column::CreatedAt)
        .order_by_asc(candidate_warning::Column::Id)
        .paginate(&state.db.conn, size);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page_no - 1).await?;
    let people: BTreeMap<Uuid, candidate::Model> = if rows.is_empty() {
        BTreeMap::new()
    } else {
        candidate::Entity::find()
            .filter(candidate::Column::Id.is_in(rows.iter().map(|w| w.candidate_id)))
            .all(&state.db.conn)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect()
    };
    let items = rows
        .into_iter()
        .filter_map(|w| {
            let c = people.get(&w.candidate_id)?;
            warning_view(w, c)
        })
        .collect();
    Ok(web::Json(Page {
        items,
        total,
        page: page_no,
        page_size: size,
    }))
}

/// The owning institution's disposition of a warning: confirmed or dismissed, an explanation,
/// and an evidence material of the batch. A confirmed warning still blocks the step until the
/// candidate is withdrawn or found ineligible (WARNINGS_UNRESOLVED).
#[utoipa::path(
    tag = "candidates",
    params(("id" = Uuid, Path)),
    request_body = DispositionInput,
    responses(
        (status = 200, body = WarningView),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/warnings/{id}/disposition")]
pub async fn dispose_warning(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    id: web::Path<Uuid>,
    body: web::Json<DispositionInput>,
) -> ApiResult<web::Json<WarningView>> {
    user.require(&[Role::Institution])?;
    let input = body.into_inner();
    let mut violations = Vec::new();
    if !["confirmed", "dismissed"].contains(&input.decision.as_str()) {
        violations.push(
            Violation::new(RuleCode::Validation, "decision 应为 confirmed 或 dismissed")
                .field("decision"),
        );
    }
    let explanation = input.explanation.trim().to_owned();
    if explanation.is_empty() {
        violations
            .push(Violation::new(RuleCode::Validation, "请填写情况说明").field("explanation"));
    } else if explanation.chars().count() > 2000 {
        violations.push(
            Violation::new(RuleCode::Validation, "情况说明不能超过 2000 个字符")
                .field("explanation"),
        );
    }
    if !violations.is_empty() {
        return Err(ApiError::Unprocessable(violations));
    }
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    let warning = candidate_warning::Entity::find_by_id(id.into_inner())
        .one(&*txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    // The tenant filter: the warning's candidate must be the caller's.
    let row = find_candidate(&*txn, &user, warning.candidate_id).await?;
    let loaded = batch_of(&*txn, &row).await?;
    candidates::warnings_step_open(&loaded)?;
    if let Some(material_id) = input.evidence_material_id {
        let kinds: Vec<&str> = EVIDENCE_KINDS.iter().map(|k| k.code()).collect();
        let found = material::Entity::find_by_id(material_id)
            .filter(material::Column::BatchId.eq(warning.batch_id))
            .filter(material::Column::SupersededAt.is_null())
            .filter(material::Column::Kind.is_in(kinds.clone()))
            .one(&*txn)
            .await?;
        if found.is_none() {
            return Err(ApiError::validation(
                "evidence_material_id",
                format!(
                    "佐证材料应为本批次当前有效的材料，类型为 {}",
                    kinds.join("、")
                ),
            ));
        }
    }
    let before = json!({
        "disposition": warning.disposition,
        "evidence_material_id": warning.evidence_material_id,
    });
    candidate_warning::Entity::update_many()
        .col_expr(
            candidate_warning::Column::Disposition,
            Expr::value(Some(input.decision.clone())),
        )
        .col_expr(
            candidate_warning::Column::Explanation,
            Expr::value(Some(explanation.clone())),
        )
        .col_expr(
            candidate_warning::Column::EvidenceMaterialId,
            Expr::value(input.evidence_material_id),
        )
        .col_expr(
            candidate_warning::Column::DisposedBy,
            Expr::value(Some(user.id)),
        )
        .col_expr(
            candidate_warning::Column::DisposedAt,
            Expr::value(Some(now)),
        )
        .filter(candidate_warning::Column::Id.eq(warning.id))
        .exec(&*txn)
        .await?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "warning.disposition",
            entity_type: "candidate_warning",
            entity_id: warning.id.to_string(),
            institution_id: Some(row.institution_id),
            summary: json!({
                "candidate_id": row.id,
                "batch_id": warning.batch_id,
                "code": warning.code,
                "before": before,
                "after": {
                    "disposition": input.decision,
                    "evidence_material_id": input.evidence_material_id,
                    "explanation_chars": explanation.chars().count(),
                },
            }),
        },
    )
    .await?;
    let updated = candidate_warning::Entity::find_by_id(warning.id)
        .one(&*txn)
        .await?
        .ok_or_else(|| ApiError::Internal("warning vanished".to_owned()))?;
    let view = warning_view(updated, &row)
        .ok_or_else(|| ApiError::Internal("stored warning code unknown".to_owned()))?;
    txn.commit().await?;
    Ok(web::Json(view))
}
