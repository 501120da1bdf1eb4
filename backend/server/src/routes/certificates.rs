//! 证书 (SPEC §6, issue 7): issuance by 信息部 once the certificate (or data-audit) step is
//! approved, the batch's certificates, publication (证书上网), revocation, the public signing key
//! and the public lookup.
//!
//! Issuance is one write transaction per batch: every qualified candidate (合格人员, the same list
//! as `GET /batches/{id}/results/qualified`) gets a number whose serial comes from the
//! `certificate_serials` counter of its (site code, issue year, level). The counter row is
//! created if missing and then advanced with one `UPDATE … SET last_serial = last_serial + n …
//! RETURNING`: on PostgreSQL the update holds the row lock until commit, so a concurrent issuance
//! for the same key waits and continues after the committed value; SQLite has one writer. A
//! failed issuance rolls its counter back with it, so serials are unique and gap-free.
//!
//! Each certificate's content (`skillcert_domain::certificate`) is stored in its canonical JSON
//! with the Ed25519 signature. The public lookup rebuilds the content from the row's own columns
//! (name, number, ID, occupation, level, date) plus the stored JSON for the rest, and verifies
//! the signature, so a row changed behind the platform's back answers `signature_valid: false`.

use std::collections::{BTreeMap, HashMap};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, get, post, web};
use base64::Engine;
use sea_orm::sea_query::{Expr, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skillcert_domain::calendar::china_date;
use skillcert_domain::certificate::{self as signing, CertificateContent};
use skillcert_domain::codecs::certificate_number::{
    CertificateNumber, CertificateParts, default_kind_letter,
};
use skillcert_domain::rules::{RuleCode, Violation};
use skillcert_domain::state::Decision;
use skillcert_domain::{Level, Role, Step, StepState};
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::{IdempotencyKey, Page, PageQuery};
use crate::audit::{self, AuditCtx, RequestMeta};
use crate::auth::CurrentUser;
use crate::batches;
use crate::candidates::parse_id;
use crate::entities::{batch, certificate, certificate_serial, occupation};
use crate::error::{ApiError, ApiResult, Problem};
use crate::routes::results::qualified_candidates;
use crate::state::AppState;
use crate::tenancy;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(issue)
        .service(list)
        .service(publish)
        .service(revoke)
        .service(public_key)
        .service(public_lookup)
        .service(public_lookup_by_id);
}

/// Rows per multi-row insert (20 columns).
const CHUNK: usize = 200;

// ---------------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------------

/// A certificate as the info office and the institution see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateView {
    pub id: Uuid,
    pub batch_id: Option<Uuid>,
    pub candidate_id: Option<Uuid>,
    pub number: String,
    pub name: String,
    pub id_type: Option<String>,
    /// First 6 and last 4 digits visible.
    pub id_number_masked: Option<String>,
    pub occupation_code: String,
    pub occupation_name: Option<String>,
    /// 工种, when the occupation has one.
    pub work_type: Option<String>,
    pub level: u8,
    pub institution_name: Option<String>,
    #[schema(value_type = String, format = Date)]
    pub issued_on: Date,
    /// `issued`, `published` or `revoked`.
    pub status: String,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub published_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<OffsetDateTime>,
    pub revoke_reason: Option<String>,
    /// Ed25519 over the canonical content, 128 hex characters.
    pub signature: Option<String>,
    pub key_id: Option<String>,
    /// What the certificate's QR code opens: the public lookup with its number and the
    /// verification code that stands in for the holder's name (SPEC §6).
    pub verify_url: String,
}

/// What an issuance did.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssueResult {
    pub batch_id: Uuid,
    /// Certificates issued, one per qualified candidate.
    pub issued: u64,
    #[schema(value_type = String, format = Date)]
    pub issue_date: Date,
    /// The signing key's id.
    pub key_id: String,
    /// The numbers issued, per level: first and last (consecutive).
    pub ranges: Vec<NumberRange>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NumberRange {
    pub level: u8,
    pub first: String,
    pub last: String,
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublishResult {
    pub batch_id: Uuid,
    /// Certificates newly published (revoked ones are not).
    pub published: u64,
    /// The batch's status afterwards: publishing online (证书上网) completes the issuance step,
    /// so a batch whose issuance was awaiting the 信息部 is `completed`.
    pub batch_status: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeInput {
    /// Why (required, at most 500 characters); shown by the public lookup.
    pub reason: String,
}

/// The key that signs certificates.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateKey {
    /// Always `Ed25519`.
    pub algorithm: &'static str,
    /// First 16 hex characters of SHA-256 of the public key.
    pub key_id: String,
    /// The 32-byte public key, standard base64.
    pub public_key: String,
    /// The same key in hex.
    pub public_key_hex: String,
    /// The `format` member of the signed content.
    pub content_format: &'static str,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupQuery {
    /// The 22-character certificate number. Alone it answers only whether the certificate is
    /// valid (`validity`), never whose it is.
    pub number: Option<String>,
    /// The holder's name, to see the certificate's record (`items`).
    pub name: Option<String>,
    /// The verification code printed in the certificate's QR code; stands in for the name.
    pub code: Option<String>,
    /// Refused (422): a full ID number never travels in a URL; `POST
    /// /public/certificates/lookup` takes it in the body.
    #[param(ignore)]
    pub id_number: Option<String>,
}

/// `POST /public/certificates/lookup`: the holder's name and full ID number.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupByIdRequest {
    pub name: String,
    /// The full ID number (resident ID or passport).
    pub id_number: String,
}

/// What a certificate number alone answers: whether it is a published certificate and still
/// valid — nothing about whose it is (SPEC §6), so counting through numbers reveals no one.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateValidity {
    pub number: String,
    /// `valid` or `revoked`.
    pub status: &'static str,
    /// Whether the certificate's signature verifies with the published key.
    pub signature_valid: bool,
}

/// A published certificate as the public sees it: the ID masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicCertificate {
    pub number: String,
    pub name: String,
    pub id_type: String,
    /// First 6 and last 4 digits visible.
    pub id_number_masked: String,
    pub occupation_code: String,
    pub occupation_name: String,
    pub work_type: Option<String>,
    pub level: u8,
    pub institution_name: String,
    #[schema(value_type = String, format = Date)]
    pub issue_date: Date,
    /// `valid` or `revoked`.
    pub status: &'static str,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<OffsetDateTime>,
    pub revoke_reason: Option<String>,
    /// Whether the signature verifies over the content below with the published key.
    pub signature_valid: bool,
    pub signature: String,
    pub key_id: String,
    /// The canonical JSON that is signed (UTF-8), for checking offline.
    pub signed_content: String,
}

/// The lookup's answer: by number alone `validity` and no `items`; with the name or the
/// verification code (or by name + ID number) the matching certificates in `items`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LookupResult {
    /// Present only for a number alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validity: Option<CertificateValidity>,
    /// The matching certificates, the ID masked; empty for a number alone.
    pub items: Vec<PublicCertificate>,
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The content as stored in `content`, overridden by the row's own columns.
pub(crate) fn content_of(row: &certificate::Model) -> Option<CertificateContent> {
    let stored: CertificateContent = serde_json::from_str(row.content.as_deref()?).ok()?;
    Some(CertificateContent {
        number: row.number.clone(),
        name: row.name.clone(),
        id_type: row.id_type.clone().unwrap_or_default(),
        id_number_masked: row.id_masked.clone().unwrap_or_default(),
        occupation_code: row.occupation_code.clone(),
        level: u8::try_from(row.level).unwrap_or(0),
        issue_date: row.issued_on,
        ..stored
    })
}

pub(crate) fn view(state: &AppState, row: certificate::Model) -> CertificateView {
    let content = content_of(&row);
    CertificateView {
        verify_url: skillcert_certpdf::verification_url(
            &state.config.server.public_url,
            &row.number,
            &state.lookup.code(&row.number),
        ),
        id: row.id,
        batch_id: row.batch_id,
        candidate_id: row.candidate_id,
        number: row.number,
        name: row.name,
        id_type: row.id_type,
        id_number_masked: row.id_masked,
        occupation_code: row.occupation_code,
        occupation_name: content.as_ref().map(|c| c.occupation_name.clone()),
        work_type: content.as_ref().and_then(|c| c.work_type.clone()),
        level: u8::try_from(row.level).unwrap_or(0),
        institution_name: content.map(|c| c.institution_name),
        issued_on: row.issued_on,
        status: row.status,
        published_at: row.published_at,
        revoked_at: row.revoked_at,
        revoke_reason: row.revoke_reason,
        signature: row.signature,
        key_id: row.key_id,
    }
}

fn invalid_state(detail: impl Into<String>) -> ApiError {
    ApiError::Conflict {
        code: "INVALID_STATE",
        detail: detail.into(),
    }
}

/// Advances the (site, year, level) counter by `count` inside `conn`'s transaction and returns
/// the serials taken.
async fn take_serials<C: ConnectionTrait>(
    conn: &C,
    site_code: &str,
    year: i32,
    level: i16,
    count: u32,
) -> ApiResult<std::ops::RangeInclusive<u32>> {
    use certificate_serial::Column as S;
    let backend = conn.get_database_backend();
    let insert = Query::insert()
        .into_table(certificate_serial::Entity)
        .columns([S::SiteCode, S::Year, S::Level, S::LastSerial])
        .values([site_code.into(), year.into(), level.into(), 0i32.into()])
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .on_conflict(
            OnConflict::columns([S::SiteCode, S::Year, S::Level])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    conn.execute(backend.build(&insert)).await?;
    let update = Query::update()
        .table(certificate_serial::Entity)
        .value(
            S::LastSerial,
            Expr::col(S::LastSerial).add(i64::from(count)),
        )
        .and_where(S::SiteCode.into_expr().eq(site_code))
        .and_where(S::Year.into_expr().eq(year))
        .and_where(S::Level.into_expr().eq(level))
        .returning_col(S::LastSerial)
        .to_owned();
    let row = conn
        .query_one(backend.build(&update))
        .await?
        .ok_or_else(|| ApiError::Internal("serial counter row missing".to_owned()))?;
    let now_last: i32 = row.try_get("", "last_serial")?;
    let now_last = u32::try_from(now_last)
        .map_err(|_| ApiError::Internal("negative serial counter".to_owned()))?;
    signing::allocate_serials(now_last.saturating_sub(count), count).map_err(|e| {
        ApiError::Unprocessable(vec![
            Violation::new(RuleCode::Validation, e.to_string())
                .details(json!({ "reason": "serials_exhausted", "level": level })),
        ])
    })
}

// ---------------------------------------------------------------------------------------------
// Handlers
// ---------------------------------------------------------------------------------------------

/// Issues one certificate per qualified candidate of the batch, in one transaction: numbers per
/// SPEC §6 (gap-free serials per site, year and level), content signed with Ed25519. Only while
/// the issuance step is open (the certificate or data-audit step before it approved), once.
/// Accepts `Idempotency-Key`: a retry (say after a lost answer) returns the first answer, with
/// `Idempotent-Replay: true`, instead of 409 `CERTIFICATES_ALREADY_ISSUED`.
#[utoipa::path(
    tag = "certificates",
    params(
        ("id" = Uuid, Path),
        ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key returns the first answer")
    ),
    responses(
        (status = 201, body = IssueResult),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "Not 信息部"),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "CERTIFICATES_ALREADY_ISSUED: this batch's certificates were issued already (a retry with the first request's Idempotency-Key gets the first answer instead); INVALID_STATE: the issuance step is not open; BATCH_ARCHIVED"),
        (status = 422, body = Problem, description = "VALIDATION: no qualified candidates, the institution's filing or site code is unusable, or serials are exhausted")
    ),
    security(("bearer" = []))
)]
#[post("/batches/{id}/certificates/issue")]
pub async fn issue(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
) -> ApiResult<actix_web::HttpResponse> {
    let id = id.into_inner();
    // Another tenant's batch is missing before the role is checked (SPEC §8: 404).
    tenancy::find_batch(&state.db.conn, &user, id).await?;
    user.require(&[Role::InfoOfficer])?;
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        // Two issuances of one batch: the second waits here and then finds the certificates.
        batch::Entity::find_by_id(id)
            .lock_exclusive()
            .one(&*txn)
            .await?;
    }
    // After the lock: a retry racing its own first request finds the first answer here.
    if let Some(replay) = key.replay(&*txn, user.id, &req).await? {
        return Ok(replay);
    }
    let batch = tenancy::find_batch_to_write(&*txn, &user, id).await?;
    let loaded = batches::load(&*txn, batch).await?;
    let issuance = loaded
        .step_states()?
        .get(Step::Issuance)
        .ok_or_else(|| invalid_state("该批次没有证书发放环节"))?;
    if !matches!(issuance, StepState::Draft | StepState::Submitted) {
        return Err(invalid_state(
            "证书发放环节尚未开始：证书管理（或证书数据审核）环节审核通过后方可发证",
        ));
    }
    let existing = certificate::Entity::find()
        .filter(certificate::Column::BatchId.eq(id))
        .count(&*txn)
        .await?;
    if existing > 0 {
        return Err(ApiError::Conflict {
            code: "CERTIFICATES_ALREADY_ISSUED",
            detail: format!("该批次已发证（{existing} 本），不能重复发证"),
        });
    }
    let qualified = qualified_candidates(&*txn, id).await?;
    if qualified.is_empty() {
        return Err(ApiError::Unprocessable(vec![
            Violation::new(RuleCode::Validation, "该批次没有合格人员，无可发证书")
                .details(json!({ "reason": "no_qualified_candidates" })),
        ]));
    }

    let institution = &loaded.institution;
    let kind = loaded.kind()?;
    let issue_date = china_date(now);
    let year = issue_date.year();
    let names: HashMap<String, String> = occupation::Entity::find()
        .filter(
            occupation::Column::Code.is_in(
                qualified
                    .iter()
                    .map(|c| c.occupation_code.clone())
                    .collect::<std::collections::BTreeSet<_>>(),
            ),
        )
        .all(&*txn)
        .await?
        .into_iter()
        .map(|o| (o.code, o.name))
        .collect();

    // Level by level, in level order (a fixed lock order across concurrent issuances).
    let mut by_level: BTreeMap<i16, Vec<&crate::entities::candidate::Model>> = BTreeMap::new();
    for candidate in &qualified {
        by_level.entry(candidate.level).or_default().push(candidate);
    }
    let mut rows = Vec::with_capacity(qualified.len());
    let mut ranges = Vec::new();
    for (level_no, candidates) in by_level {
        let level = u8::try_from(level_no)
            .ok()
            .and_then(|n| Level::try_from(n).ok())
            .ok_or_else(|| ApiError::Internal(format!("stored level {level_no}")))?;
        let count = u32::try_from(candidates.len()).unwrap_or(u32::MAX);
        let serials = take_serials(&*txn, &institution.site_code, year, level_no, count).await?;
        let mut first = None;
        let mut last = None;
        for (serial, candidate) in serials.zip(candidates) {
            let number = CertificateNumber::build(&CertificateParts {
                kind_letter: default_kind_letter(kind),
                filing_code: institution.filing_code.clone(),
                site_code: institution.site_code.clone(),
                issue_year: year,
                level,
                serial,
            })
            .map_err(|e| {
                ApiError::Unprocessable(vec![
                    Violation::new(RuleCode::Validation, e.to_string())
                        .details(json!({ "reason": e.reason() })),
                ])
            })?;
            let content = CertificateContent {
                number: number.to_string(),
                name: candidate.name.clone(),
                id_type: candidate.id_type.clone(),
                id_number_masked: candidate.id_masked.clone(),
                occupation_code: candidate.occupation_code.clone(),
                occupation_name: names
                    .get(&candidate.occupation_code)
                    .cloned()
                    .unwrap_or_default(),
                work_type: None,
                level: level.number(),
                institution_name: institution.name.clone(),
                issue_date,
            };
            let signature = state.signer.sign(&content);
            first.get_or_insert_with(|| number.to_string());
            last = Some(number.to_string());
            rows.push(certificate::ActiveModel {
                id: Set(Uuid::now_v7()),
                number: Set(content.number.clone()),
                batch_id: Set(Some(id)),
                candidate_id: Set(Some(candidate.id)),
                institution_id: Set(Some(institution.id)),
                id_blind: Set(candidate.id_blind.clone()),
                name: Set(candidate.name.clone()),
                occupation_code: Set(candidate.occupation_code.clone()),
                level: Set(level_no),
                issued_on: Set(issue_date),
                status: Set("issued".to_owned()),
                created_at: Set(now),
                id_type: Set(Some(candidate.id_type.clone())),
                id_masked: Set(Some(candidate.id_masked.clone())),
                content: Set(Some(content.canonical_json())),
                signature: Set(Some(signature)),
                key_id: Set(Some(state.signer.key_id())),
                published_at: Set(None),
                revoked_at: Set(None),
                revoke_reason: Set(None),
            });
        }
        ranges.push(NumberRange {
            level: level.number(),
            first: first.unwrap_or_default(),
            last: last.unwrap_or_default(),
            count: u64::from(count),
        });
    }
    let issued = rows.len() as u64;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(CHUNK).collect();
        certificate::Entity::insert_many(chunk)
            .exec_without_returning(&*txn)
            .await?;
    }
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "certificates.issue",
            entity_type: "batch",
            entity_id: id.to_string(),
            institution_id: Some(institution.id),
            summary: json!({
                "after": {
                    "issued": issued,
                    "issue_date": issue_date.to_string(),
                    "key_id": state.signer.key_id(),
                    "ranges": ranges.iter().map(|r| json!({
                        "level": r.level, "first": r.first, "last": r.last, "count": r.count
                    })).collect::<Vec<_>>(),
                }
            }),
        },
    )
    .await?;
    let result = IssueResult {
        batch_id: id,
        issued,
        issue_date,
        key_id: state.signer.key_id(),
        ranges,
    };
    key.remember(&*txn, user.id, &req, StatusCode::CREATED, &result, now)
        .await?;
    txn.commit().await?;
    Ok(actix_web::HttpResponse::Created().json(result))
}

/// The batch's certificates, by number.
#[utoipa::path(
    tag = "certificates",
    params(("id" = Uuid, Path), PageQuery),
    responses(
        (status = 200, body = Page<CertificateView>),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[get("/batches/{id}/certificates")]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<CertificateView>>> {
    // Institutions their own batches, the provincial roles all; inspectors none (404).
    let (page_no, size) = page.resolve()?;
    let batch = tenancy::find_batch(&state.db.conn, &user, id.into_inner()).await?;
    let paginator = certificate::Entity::find()
        .filter(certificate::Column::BatchId.eq(batch.id))
        .order_by_asc(certificate::Column::Number)
        .paginate(&state.db.conn, size);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page_no - 1).await?;
    Ok(web::Json(Page {
        items: rows.into_iter().map(|row| view(&state, row)).collect(),
        total,
        page: page_no,
        page_size: size,
    }))
}

/// 证书上网: makes the batch's issued certificates visible to the public lookup.
#[utoipa::path(
    tag = "certificates",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = PublishResult),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "Not 信息部"),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "INVALID_STATE: nothing issued, or everything already published")
    ),
    security(("bearer" = []))
)]
#[post("/batches/{id}/certificates/publish")]
pub async fn publish(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<PublishResult>> {
    let id = id.into_inner();
    tenancy::find_batch_to_write(&state.db.conn, &user, id).await?;
    user.require(&[Role::InfoOfficer])?;
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    let batch = tenancy::find_batch_to_write(&*txn, &user, id).await?;
    let publishing = certificate::Entity::find()
        .filter(certificate::Column::BatchId.eq(batch.id))
        .filter(certificate::Column::Status.eq("issued"))
        .order_by_asc(certificate::Column::Number)
        .all(&*txn)
        .await?;
    let result = certificate::Entity::update_many()
        .col_expr(certificate::Column::Status, Expr::value("published"))
        .col_expr(certificate::Column::PublishedAt, Expr::value(now))
        .filter(certificate::Column::BatchId.eq(batch.id))
        .filter(certificate::Column::Status.eq("issued"))
        .exec(&*txn)
        .await?;
    if result.rows_affected == 0 {
        return Err(invalid_state(
            "该批次没有待上网的证书（未发证或已全部上网）",
        ));
    }
    // 证书发放 ends with publication (SPEC §3 issuance: numbers, print, archive, publish online):
    // the 信息部's issuance step is approved with it, in the same transaction.
    let loaded = batches::load(&*txn, batch).await?;
    let process = loaded.process()?;
    let mut states = loaded.step_states()?;
    let changes = if states.get(Step::Issuance) == Some(StepState::Submitted) {
        states
            .on_decision(process, Step::Issuance, Decision::Approve)
            .map_err(crate::routes::batches::progress_error)?
    } else {
        Vec::new()
    };
    if !changes.is_empty() {
        batches::apply_changes(&*txn, &loaded, &changes, now).await?;
        let record = batches::DecisionRecord {
            batch_id: loaded.batch.id,
            step: Step::Issuance,
            decision: "approve",
            comment: "证书已编号发放并上网公布",
            reasons: json!([]),
            decided_by: Some(user.id),
            audit_method: None,
        };
        batches::record_decision(&*txn, &record, now).await?;
        batches::step_events(&*txn, &loaded, &changes, Some(&record), now).await?;
        states.apply(&changes);
    }
    crate::notices::insert_event(
        &*txn,
        crate::notices::CERTIFICATES_PUBLISHED,
        json!({
            "batch": crate::notices::batch_payload(&loaded.batch, &loaded.institution.name),
            "published": result.rows_affected,
            "published_by": user.id,
            "certificates": publishing
                .iter()
                .map(|c| json!({
                    "id": c.id,
                    "number": c.number,
                    "occupation_code": c.occupation_code,
                    "level": c.level,
                    "issued_on": c.issued_on.to_string(),
                }))
                .collect::<Vec<_>>(),
        }),
        None,
        now,
    )
    .await?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "certificates.publish",
            entity_type: "batch",
            entity_id: loaded.batch.id.to_string(),
            institution_id: Some(loaded.batch.institution_id),
            summary: json!({
                "after": { "published": result.rows_affected },
                "changes": batches::changes_summary(&changes),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(web::Json(PublishResult {
        batch_id: loaded.batch.id,
        published: result.rows_affected,
        batch_status: states.status(process).status.code().to_owned(),
    }))
}

/// Revokes a certificate with a reason; the public lookup then shows it as revoked. Allowed
/// after the batch is archived too (a certificate found obtained by fraud must stop verifying
/// whenever that is found): the certificate row changes and is audited, the sealed archive zip
/// does not, and the archive's metadata lists the revocation (`revoked_since_archive`).
#[utoipa::path(
    tag = "certificates",
    params(("id" = Uuid, Path)),
    request_body = RevokeInput,
    responses(
        (status = 200, body = CertificateView),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "Not 信息部"),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "INVALID_STATE: already revoked"),
        (status = 422, body = Problem, description = "VALIDATION: reason missing or too long")
    ),
    security(("bearer" = []))
)]
#[post("/certificates/{id}/revoke")]
pub async fn revoke(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    id: web::Path<Uuid>,
    body: web::Json<RevokeInput>,
) -> ApiResult<web::Json<CertificateView>> {
    let id = id.into_inner();
    let condition = tenancy::institution_condition(&user, certificate::Column::InstitutionId)
        .ok_or(ApiError::NotFound)?;
    // Another tenant's certificate is missing before the role is checked (SPEC §8: 404).
    certificate::Entity::find_by_id(id)
        .filter(condition.clone())
        .one(&state.db.conn)
        .await?
        .ok_or(ApiError::NotFound)?;
    user.require(&[Role::InfoOfficer])?;
    let reason = body.into_inner().reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::validation(
            "reason",
            "请填写撤销原因（不超过 500 字）",
        ));
    }
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    let row = certificate::Entity::find_by_id(id)
        .filter(condition)
        .one(&*txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    if row.status == "revoked" {
        return Err(invalid_state("该证书已撤销"));
    }
    let before = row.status.clone();
    let mut active = row.into_active_model();
    active.status = Set("revoked".to_owned());
    active.revoked_at = Set(Some(now));
    active.revoke_reason = Set(Some(reason.clone()));
    let row = active.update(&*txn).await?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "certificate.revoke",
            entity_type: "certificate",
            entity_id: row.id.to_string(),
            institution_id: row.institution_id,
            summary: json!({
                "before": { "status": before },
                "after": { "status": "revoked", "reason": reason, "number": row.number },
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(web::Json(view(&state, row)))
}

/// The Ed25519 public key that signs certificates (no sign-in).
#[utoipa::path(
    tag = "public",
    responses((status = 200, body = CertificateKey))
)]
#[get("/public/certificate-key")]
pub async fn public_key(state: web::Data<AppState>) -> web::Json<CertificateKey> {
    let key = state.signer.public_key();
    web::Json(CertificateKey {
        algorithm: "Ed25519",
        key_id: state.signer.key_id(),
        public_key: base64::engine::general_purpose::STANDARD.encode(key),
        public_key_hex: hex::encode(key),
        content_format: signing::FORMAT,
    })
}

/// Counts one lookup against the client's budget (per IPv4 address / IPv6 /64, see
/// `crate::public_lookup`): 429 with `Retry-After` when spent.
fn rate_limit(state: &AppState, req: &HttpRequest) -> ApiResult<()> {
    state
        .lookup
        .check(crate::client_ip::of(req))
        .map_err(|retry_after_seconds| ApiError::TooManyRequests {
            retry_after_seconds,
        })
}

/// Published certificates with readable content.
fn published() -> sea_orm::Select<certificate::Entity> {
    certificate::Entity::find()
        .filter(certificate::Column::PublishedAt.is_not_null())
        .filter(certificate::Column::Content.is_not_null())
}

fn status_of(row: &certificate::Model) -> &'static str {
    if row.revoked_at.is_some() {
        "revoked"
    } else {
        "valid"
    }
}

/// The masked record of each row, the signature checked; rows without readable content skipped.
fn public_records(state: &AppState, rows: Vec<certificate::Model>) -> Vec<PublicCertificate> {
    rows.into_iter()
        .filter_map(|row| {
            let content = content_of(&row)?;
            let signature = row.signature.clone().unwrap_or_default();
            Some(PublicCertificate {
                signature_valid: state.signer.verify(&content, &signature),
                signed_content: content.canonical_json(),
                number: content.number,
                name: content.name,
                id_type: content.id_type,
                id_number_masked: content.id_number_masked,
                occupation_code: content.occupation_code,
                occupation_name: content.occupation_name,
                work_type: content.work_type,
                level: content.level,
                institution_name: content.institution_name,
                issue_date: content.issue_date,
                status: status_of(&row),
                revoked_at: row.revoked_at,
                revoke_reason: row.revoke_reason,
                signature,
                key_id: row.key_id.unwrap_or_default(),
            })
        })
        .collect()
}

/// Public certificate lookup by number (no sign-in), SPEC §6. A `number` alone answers only
/// `validity` (valid or revoked, and whether the signature verifies), never whose certificate
/// it is; with the holder's `name` or the QR code's verification `code` it answers the record
/// (`items`), the ID masked, the signature verified, a revoked certificate with its reason. A
/// missing or unpublished certificate, a wrong name and a wrong code all answer the same 404.
/// A full ID number is refused here (422): it goes in the body of `POST
/// /public/certificates/lookup`, never in a URL. Rate limited per IPv4 address / IPv6 /64
/// (429 with `Retry-After`), shared with that POST: the peer address, or behind a proxy listed
/// in `server.trusted_proxies` the rightmost `X-Forwarded-For` hop that is not one.
#[utoipa::path(
    tag = "public",
    params(LookupQuery),
    responses(
        (status = 200, body = LookupResult),
        (status = 404, body = Problem, description = "NOT_FOUND: no published certificate matches"),
        (status = 422, body = Problem, description = "VALIDATION: no number, a malformed one, or an id_number in the URL"),
        (status = 429, body = Problem, description = "RATE_LIMITED, with Retry-After")
    )
)]
#[get("/public/certificates")]
pub async fn public_lookup(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<LookupQuery>,
) -> ApiResult<web::Json<LookupResult>> {
    rate_limit(&state, &req)?;
    let query = query.into_inner();
    if query.id_number.is_some() {
        return Err(ApiError::validation(
            "id_number",
            "完整证件号码不能放在网址中，请用 POST /api/v1/public/certificates/lookup 提交姓名与证件号码",
        ));
    }
    let Some(number) = query.number.as_deref() else {
        return Err(ApiError::validation(
            "number",
            "请输入证书编号；按姓名与证件号码查询请用 POST /api/v1/public/certificates/lookup",
        ));
    };
    let number = CertificateNumber::parse(number).map_err(|e| {
        ApiError::Unprocessable(vec![
            Violation::new(RuleCode::Validation, e.to_string())
                .field("number")
                .details(json!({ "reason": e.reason() })),
        ])
    })?;
    let name = query
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let code = query
        .code
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if let Some(code) = code
        && !state.lookup.code_matches(number.as_str(), code)
    {
        return Err(ApiError::NotFound);
    }
    let mut select = published().filter(certificate::Column::Number.eq(number.as_str()));
    if let Some(name) = name {
        select = select.filter(certificate::Column::Name.eq(name));
    }
    let row = select
        .one(&state.db.conn)
        .await?
        .ok_or(ApiError::NotFound)?;
    if name.is_none() && code.is_none() {
        let signature_valid = content_of(&row).is_some_and(|content| {
            state
                .signer
                .verify(&content, row.signature.as_deref().unwrap_or_default())
        });
        return Ok(web::Json(LookupResult {
            validity: Some(CertificateValidity {
                number: row.number.clone(),
                status: status_of(&row),
                signature_valid,
            }),
            items: Vec::new(),
        }));
    }
    let items = public_records(&state, vec![row]);
    if items.is_empty() {
        return Err(ApiError::NotFound);
    }
    Ok(web::Json(LookupResult {
        validity: None,
        items,
    }))
}

/// Public certificate lookup by the holder's name and full ID number (no sign-in), SPEC §6: the
/// ID number travels in the body, never in a URL (so no proxy or browser history keeps it). The
/// holder's published certificates, the ID masked; no match answers 404. Shares the rate limit
/// of `GET /public/certificates`.
#[utoipa::path(
    tag = "public",
    request_body = LookupByIdRequest,
    responses(
        (status = 200, body = LookupResult),
        (status = 404, body = Problem, description = "NOT_FOUND: no published certificate matches"),
        (status = 422, body = Problem, description = "VALIDATION: a missing name or a malformed ID number"),
        (status = 429, body = Problem, description = "RATE_LIMITED, with Retry-After")
    )
)]
#[post("/public/certificates/lookup")]
pub async fn public_lookup_by_id(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LookupByIdRequest>,
) -> ApiResult<web::Json<LookupResult>> {
    rate_limit(&state, &req)?;
    let body = body.into_inner();
    let name = body.name.trim();
    if name.is_empty() {
        return Err(ApiError::validation("name", "请输入姓名"));
    }
    let parsed = parse_id("resident_id", &body.id_number, "id_number")
        .or_else(|_| parse_id("passport", &body.id_number, "id_number"))
        .map_err(|v| ApiError::Unprocessable(vec![v]))?;
    let rows = published()
        .filter(certificate::Column::IdBlind.eq(parsed.blind(&state)))
        .filter(certificate::Column::Name.eq(name))
        .order_by_asc(certificate::Column::Number)
        .limit(50)
        .all(&state.db.conn)
        .await?;
    let items = public_records(&state, rows);
    if items.is_empty() {
        return Err(ApiError::NotFound);
    }
    Ok(web::Json(LookupResult {
        validity: None,
        items,
    }))
}
