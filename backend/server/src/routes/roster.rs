//! Roster import and export (花名册, SPEC §5): the .xlsx template, the import of .xlsx / .xls /
//! .csv files with every bad row reported, the import job's progress, and the export of the
//! current roster with masked ID and phone numbers.
//!
//! An import reads the file on a blocking thread (`roster::read`). A file of at most
//! `roster::MAX_SYNC_ROWS` rows is answered within the request (201 with the job summary, or 422
//! listing every bad row); a larger one gets an `import_jobs` row and continues in a background
//! task that records `processed_rows` as it goes (202 + `Location: /api/v1/import-jobs/{id}`).
//! Either way the candidates are written in ONE write transaction (`candidates::insert_many`,
//! which also recomputes the warnings), so all-or-nothing holds, with the `roster.import` audit
//! event (counts only) in the same transaction. Touches `candidates` (through `candidates`),
//! `import_jobs`; reads `batches`, `occupations`, `candidate_warnings`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_multipart::{Multipart, MultipartError};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use bytes::Bytes;
use futures_util::StreamExt;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skillcert_domain::Role;
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::IdempotencyKey;
use crate::audit::{self, AuditCtx, RequestMeta};
use crate::auth::CurrentUser;
use crate::batches::{self, Loaded};
use crate::candidates;
use crate::entities::{batch, candidate, candidate_warning, import_job, occupation};
use crate::error::ApiError;
use crate::roster::{self, FileFormat, Outcome, RowContext, RowIssue};
use crate::state::AppState;
use crate::tenancy;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// Room for the multipart framing around the file.
const MULTIPART_OVERHEAD: u64 = 16 * 1024;
/// How often a running job records its progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(300);
/// Blind indexes per `IN (…)` list when looking for people already registered.
const BLIND_CHUNK: usize = 2000;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(roster_template)
        .service(import_roster)
        .service(import_job_status)
        .service(export_roster);
}

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

/// `all_or_nothing` (default): any bad row and nothing is imported. `valid_only`: the clean rows
/// are imported and the bad ones reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    AllOrNothing,
    ValidOnly,
}

impl ImportMode {
    const fn code(self) -> &'static str {
        match self {
            ImportMode::AllOrNothing => "all_or_nothing",
            ImportMode::ValidOnly => "valid_only",
        }
    }

    fn parse(text: &str) -> Option<ImportMode> {
        match text.trim() {
            "all_or_nothing" => Some(ImportMode::AllOrNothing),
            "valid_only" => Some(ImportMode::ValidOnly),
            _ => None,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Also accepted as a form field.
    #[param(inline)]
    pub mode: Option<ImportMode>,
}

/// The multipart form of an import.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ImportRosterForm {
    /// The roster: .xlsx, .xls or .csv (UTF-8, with or without BOM, or GBK), header in row 1
    /// as in the template.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `all_or_nothing` (default) or `valid_only`.
    mode: Option<String>,
}

/// An import job: its state and, when finished, what was imported and every bad row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportJobView {
    pub id: Uuid,
    pub batch_id: Uuid,
    /// `running`, `done` or `failed` (nothing imported: a bad file, or bad rows in
    /// `all_or_nothing` mode).
    pub status: String,
    /// `all_or_nothing` or `valid_only`.
    pub mode: String,
    /// Data rows in the file (an estimate from the file's declared size while running).
    pub total_rows: i32,
    /// Rows read and checked so far.
    pub processed_rows: i32,
    pub imported_rows: i32,
    /// Every bad row (row null: the file itself).
    pub errors: Vec<RowIssue>,
    /// Why a `failed` job imported nothing (null otherwise): `interrupted` (the server stopped
    /// mid-import — import the file again), `bad_rows` (bad rows in `all_or_nothing` mode, or
    /// no clean row), `bad_file` (unreadable, or no usable header or row), `batch_closed`
    /// (registration closed meanwhile) or `internal`.
    pub failure_reason: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub finished_at: Option<OffsetDateTime>,
}

/// A large import accepted for background processing.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportAccepted {
    pub job_id: Uuid,
    /// Always `running`.
    pub status: String,
    /// Data rows the file declares (0 when it does not say).
    pub total_rows: i32,
}

/// The bytes of an .xlsx download.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct XlsxFile(Vec<u8>);

fn view(row: import_job::Model) -> ImportJobView {
    let errors = serde_json::from_value(row.errors).unwrap_or_default();
    ImportJobView {
        id: row.id,
        batch_id: row.batch_id,
        status: row.status,
        mode: row.mode,
        total_rows: row.total_rows,
        processed_rows: row.processed_rows,
        imported_rows: row.imported_rows,
        errors,
        failure_reason: row.failure_reason,
        created_at: row.created_at,
        finished_at: row.finished_at,
    }
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

// ---------------------------------------------------------------------------------------------
// Downloads
// ---------------------------------------------------------------------------------------------

fn xlsx_download(bytes: Vec<u8>, ascii_name: &str, file_name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(XLSX)
        .insert_header((
            header::CONTENT_DISPOSITION,
            crate::api::attachment_disposition(file_name, Some(ascii_name)),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes)
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::Internal(format!("blocking task: {e}")))?
}

/// The roster template of a batch (.xlsx): the Chinese header row, the ID column formatted as
/// text so Excel keeps all 18 characters, a sample row (skipped on import), drop-down lists for
/// 证件类型, 等级 and the batch's occupations, and a sheet of instructions.
#[utoipa::path(
    tag = "roster",
    params(("id" = Uuid, Path, description = "Batch id")),
    responses(
        (status = 200, description = "The template", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = XlsxFile),
        (status = 401, description = "Not logged in", body = crate::error::Problem),
        (status = 404, description = "No such batch, or not visible to the caller", body = crate::error::Problem),
    ),
    security(("bearer" = []))
)]
#[get("/batches/{id}/roster/template")]
pub async fn roster_template(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let conn = &state.db.conn;
    let batch = tenancy::find_batch(conn, &user, path.into_inner()).await?;
    let loaded = batches::load(conn, batch).await?;
    let codes: Vec<String> = loaded
        .occupations
        .iter()
        .map(|l| l.occupation_code.clone())
        .collect();
    let names: HashMap<String, String> = occupation::Entity::find()
        .filter(occupation::Column::Code.is_in(codes))
        .all(conn)
        .await?
        .into_iter()
        .map(|o| (o.code, o.name))
        .collect();
    let bytes = blocking(move || roster::template(&loaded, &names)).await?;
    Ok(xlsx_download(
        bytes,
        "roster-template.xlsx",
        "考生花名册导入模板.xlsx",
    ))
}

/// The batch's current roster (withdrawn candidates left out) as .xlsx: the template's columns
/// with ID and phone numbers masked — never in full — plus 资格审核 and 预警信息 (warning codes).
#[utoipa::path(
    tag = "roster",
    params(("id" = Uuid, Path, description = "Batch id")),
    responses(
        (status = 200, description = "The roster", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = XlsxFile),
        (status = 401, description = "Not logged in", body = crate::error::Problem),
        (status = 404, description = "No such batch, or not visible to the caller", body = crate::error::Problem),
    ),
    security(("bearer" = []))
)]
#[get("/batches/{id}/candidates/export")]
pub async fn export_roster(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let conn = &state.db.conn;
    let batch = tenancy::find_batch(conn, &user, path.into_inner()).await?;
    let mut warnings: HashMap<Uuid, Vec<String>> = HashMap::new();
    let warning_rows: Vec<(Uuid, String)> = candidate_warning::Entity::find()
        .select_only()
        .column(candidate_warning::Column::CandidateId)
        .column(candidate_warning::Column::Code)
        .filter(candidate_warning::Column::BatchId.eq(batch.id))
        .order_by_asc(candidate_warning::Column::Code)
        .into_tuple()
        .all(conn)
        .await?;
    for (candidate_id, code) in warning_rows {
        warnings.entry(candidate_id).or_default().push(code);
    }
    let rows: Vec<roster::ExportRow> = candidate::Entity::find()
        .filter(candidate::Column::BatchId.eq(batch.id))
        .filter(candidate::Column::WithdrawnAt.is_null())
        .order_by_asc(candidate::Column::CreatedAt)
        .order_by_asc(candidate::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|c| roster::ExportRow {
            warnings: warnings.remove(&c.id).unwrap_or_default(),
            name: c.name,
            id_type: c.id_type,
            id_masked: c.id_masked,
            phone_masked: c.phone_masked,
            occupation_code: c.occupation_code,
            level: c.level,
            education: c.education,
            work_years: c.work_years,
            student_no: c.student_no,
            graduation_year: c.graduation_year,
            eligibility: c.eligibility,
        })
        .collect();
    let bytes = blocking(move || roster::export(&rows)).await?;
    let short = batch.id.simple().to_string();
    let short = short
        .get(short.len().saturating_sub(8)..)
        .unwrap_or_default();
    Ok(xlsx_download(
        bytes,
        &format!("roster-{}-{short}.xlsx", batch.year),
        &format!("考生花名册-{}-{short}.xlsx", batch.year),
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
            "请求体应为 multipart/form-data，包含 file 字段（可选 mode）".to_owned(),
        ),
        other => ApiError::BadRequest(format!("multipart 请求体无法解析：{other}")),
    }
}

/// 413 when the declared body cannot fit the limit: nothing of it is read.
fn check_declared_length(headers: &HeaderMap, limit: u64) -> Result<(), ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(length) if length > limit.saturating_add(MULTIPART_OVERHEAD) => {
            Err(ApiError::PayloadTooLarge { limit })
        }
        _ => Ok(()),
    }
}

struct ImportForm {
    /// The client's file name (only its extension is used) and the content.
    file: Option<(String, Bytes)>,
    mode: Option<String>,
}

/// Reads `file` (at most `limit` bytes: 413 as soon as it is crossed) and `mode`.
async fn read_form(
    headers: &HeaderMap,
    payload: web::Payload,
    limit: u64,
) -> Result<ImportForm, ApiError> {
    let mut multipart = Multipart::new(headers, payload);
    let mut form = ImportForm {
        file: None,
        mode: None,
    };
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(multipart_error)?;
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "mode" => {
                let mut text = Vec::new();
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(multipart_error)?;
                    if text.len() + chunk.len() > 64 {
                        return Err(ApiError::validation("mode", "导入方式过长"));
                    }
                    text.extend_from_slice(&chunk);
                }
                form.mode = Some(String::from_utf8_lossy(&text).trim().to_owned());
            }
            "file" => {
                if form.file.is_some() {
                    return Err(ApiError::validation("file", "一次只能导入一个文件"));
                }
                let file_name = field
                    .content_disposition()
                    .and_then(|cd| cd.get_filename().map(str::to_owned))
                    .unwrap_or_default();
                // Spooled to disk past a few hundred KiB while it arrives.
                let mut writer = crate::storage::BlobWriter::new(limit);
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(multipart_error)?;
                    writer
                        .push(&chunk)
                        .map_err(|too| ApiError::PayloadTooLarge { limit: too.limit })?;
                }
                form.file = Some((file_name, writer.finish()?.bytes().clone()));
            }
            other => {
                return Err(ApiError::validation(
                    other.to_owned(),
                    "不支持的表单字段：只接受 file 与 mode",
                ));
            }
        }
    }
    Ok(form)
}

fn resolve_mode(query: Option<ImportMode>, form: Option<&str>) -> Result<ImportMode, ApiError> {
    let form = match form {
        None | Some("") => None,
        Some(text) => Some(ImportMode::parse(text).ok_or_else(|| {
            ApiError::validation("mode", "导入方式应为 all_or_nothing 或 valid_only")
        })?),
    };
    match (query, form) {
        (Some(a), Some(b)) if a != b => Err(ApiError::validation(
            "mode",
            "查询参数与表单中的导入方式不一致",
        )),
        (a, b) => Ok(a.or(b).unwrap_or(ImportMode::AllOrNothing)),
    }
}

/// The occupation codes of the catalogue.
async fn catalogue<C: ConnectionTrait>(conn: &C) -> Result<HashSet<String>, ApiError> {
    let codes: Vec<String> = occupation::Entity::find()
        .select_only()
        .column(occupation::Column::Code)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(codes.into_iter().collect())
}

/// The batch again, inside the write transaction, locked on PostgreSQL so two imports into one
/// batch do not interleave (SQLite has a single writer already); registration must still be
/// open.
async fn batch_for_write<C: ConnectionTrait>(conn: &C, batch_id: Uuid) -> Result<Loaded, ApiError> {
    // The lock of every registration into the batch (see `candidates::lock_batch`).
    candidates::lock_batch(conn, batch_id).await?;
    let batch = batch::Entity::find_by_id(batch_id)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let loaded = batches::load(conn, batch).await?;
    candidates::registration_open(&loaded)?;
    Ok(loaded)
}

/// What [`Finish::commit`] did.
enum Committed {
    Done(ImportJobView),
    /// Nothing written: with the people already registered taken out, the import is refused
    /// (`all_or_nothing` with a bad row, or no clean row left); the outcome lists every bad row.
    Refused(Outcome),
    /// Nothing written: the same `Idempotency-Key` was answered meanwhile; its first answer.
    Replay(HttpResponse),
    /// Nothing written: the job is no longer this process's (its lease lapsed and it was ended
    /// as interrupted).
    Lost,
}

/// Takes the job for the commit, inside its transaction: still running and still this
/// process's. The UPDATE locks the job row (PostgreSQL) until the commit, so a sweep in another
/// process waits and then finds the job finished instead of ending it under a live import.
async fn claim_job<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    job_id: Uuid,
) -> Result<bool, ApiError> {
    let claimed = import_job::Entity::update_many()
        .col_expr(
            import_job::Column::LeaseExpiresAt,
            Expr::value(crate::jobs::import_lease_until(state)),
        )
        .filter(import_job::Column::Id.eq(job_id))
        .filter(import_job::Column::Status.eq("running"))
        .filter(import_job::Column::LeaseOwner.eq(state.instance.to_string()))
        .exec(conn)
        .await?
        .rows_affected;
    Ok(claimed > 0)
}

/// Who of `good` is registered in the batch already for the same occupation and level:
/// (blind index, occupation, level). Withdrawn candidates do not count: a withdrawal (退报)
/// ends that registration, so the person may register again — as DUPLICATE_IN_BATCH also
/// counts only candidates not withdrawn.
async fn registered<C: ConnectionTrait>(
    conn: &C,
    batch_id: Uuid,
    good: &[candidates::NewCandidate],
) -> Result<HashSet<(String, String, i16)>, ApiError> {
    let blinds: Vec<String> = good
        .iter()
        .map(|c| c.id_blind.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let mut found = HashSet::new();
    for chunk in blinds.chunks(BLIND_CHUNK) {
        let rows: Vec<(String, String, i16)> = candidate::Entity::find()
            .select_only()
            .column(candidate::Column::IdBlind)
            .column(candidate::Column::OccupationCode)
            .column(candidate::Column::Level)
            .filter(candidate::Column::BatchId.eq(batch_id))
            .filter(candidate::Column::WithdrawnAt.is_null())
            .filter(candidate::Column::IdBlind.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(conn)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// Everything a finished import needs to write.
struct Finish {
    state: web::Data<AppState>,
    batch_id: Uuid,
    institution_id: Uuid,
    user_id: Uuid,
    audit: AuditCtx,
    mode: ImportMode,
    /// Unknown for a job found interrupted.
    format: Option<FileFormat>,
}

impl Finish {
    /// Inserts the good rows, writes the job row (new or existing) and the audit event in one
    /// transaction. Inside it, under the batch lock, rows whose person is already registered
    /// in the batch for the same occupation and level become bad rows (`already_registered`):
    /// two imports of one file into one batch are serialised there (the batch row locked on
    /// PostgreSQL; SQLite's single writer), so the second one sees the first one's candidates
    /// and nobody is registered twice.
    async fn commit(
        &self,
        job_id: Uuid,
        existing: bool,
        mut outcome: Outcome,
        remember: Option<(&IdempotencyKey, &HttpRequest)>,
    ) -> Result<Committed, ApiError> {
        let state = &self.state;
        let now = state.clock.now_stored();
        let txn = state.db.begin_write().await?;
        let loaded = batch_for_write(&*txn, self.batch_id).await?;
        if let Some((idempotency, req)) = remember
            && let Some(replay) = idempotency.replay(&*txn, self.user_id, req).await?
        {
            // The same request committed meanwhile (a retry sent while the first was running).
            return Ok(Committed::Replay(replay));
        }
        if existing && !claim_job(&*txn, state, job_id).await? {
            return Ok(Committed::Lost);
        }
        let registered = registered(&*txn, self.batch_id, &outcome.good).await?;
        if outcome.refuse_registered(&registered) > 0 && refusal(&outcome, self.mode) {
            // Nothing written: the transaction rolls back when dropped.
            return Ok(Committed::Refused(outcome));
        }
        let rows = outcome.rows;
        let rejected = rows - outcome.good.len();
        let ids =
            candidates::insert_many(&*txn, state, &loaded, outcome.good, self.user_id, now).await?;
        let errors = serde_json::to_value(&outcome.issues)
            .map_err(|e| ApiError::Internal(format!("serialise: {e}")))?;
        let job = import_job::Model {
            id: job_id,
            batch_id: self.batch_id,
            status: "done".to_owned(),
            mode: self.mode.code().to_owned(),
            total_rows: count(rows),
            processed_rows: count(rows),
            imported_rows: count(ids.len()),
            errors,
            created_by: self.user_id,
            created_at: now,
            finished_at: Some(now),
            lease_owner: None,
            lease_expires_at: None,
            failure_reason: None,
        };
        let job = if existing {
            import_job::Entity::update_many()
                .col_expr(import_job::Column::Status, Expr::value("done"))
                .col_expr(import_job::Column::TotalRows, Expr::value(job.total_rows))
                .col_expr(
                    import_job::Column::ProcessedRows,
                    Expr::value(job.processed_rows),
                )
                .col_expr(
                    import_job::Column::ImportedRows,
                    Expr::value(job.imported_rows),
                )
                .col_expr(import_job::Column::Errors, Expr::value(job.errors.clone()))
                .col_expr(import_job::Column::FinishedAt, Expr::value(now))
                .filter(import_job::Column::Id.eq(job_id))
                .exec(&*txn)
                .await?;
            import_job::Entity::find_by_id(job_id)
                .one(&*txn)
                .await?
                .ok_or(ApiError::NotFound)?
        } else {
            insert_job(&*txn, &job).await?;
            job
        };
        self.audit(&*txn, &job, rows, ids.len(), rejected, now)
            .await?;
        let view = view(job);
        if let Some((idempotency, req)) = remember {
            idempotency
                .remember(&*txn, self.user_id, req, StatusCode::CREATED, &view, now)
                .await?;
        }
        txn.commit().await?;
        Ok(Committed::Done(view))
    }

    /// Marks a background job failed: nothing imported, `reason` (the job's `failure_reason`)
    /// and `errors` say why.
    async fn fail(
        &self,
        job_id: Uuid,
        rows: usize,
        reason: &str,
        issues: &[RowIssue],
    ) -> Result<(), ApiError> {
        let state = &self.state;
        let now = state.clock.now_stored();
        let errors = serde_json::to_value(issues)
            .map_err(|e| ApiError::Internal(format!("serialise: {e}")))?;
        let txn = state.db.begin_write().await?;
        let mut update = import_job::Entity::update_many()
            .col_expr(import_job::Column::Status, Expr::value("failed"))
            .col_expr(import_job::Column::FailureReason, Expr::value(reason))
            .col_expr(import_job::Column::ImportedRows, Expr::value(0))
            .col_expr(import_job::Column::Errors, Expr::value(errors))
            .col_expr(import_job::Column::FinishedAt, Expr::value(now));
        if rows > 0 {
            update = update
                .col_expr(import_job::Column::TotalRows, Expr::value(count(rows)))
                .col_expr(import_job::Column::ProcessedRows, Expr::value(count(rows)));
        }
        let changed = update
            .filter(import_job::Column::Id.eq(job_id))
            .filter(import_job::Column::Status.eq("running"))
            .exec(&*txn)
            .await?;
        if changed.rows_affected == 0 {
            // Already finished (or already marked): nothing to record.
            return Ok(());
        }
        let job = import_job::Entity::find_by_id(job_id)
            .one(&*txn)
            .await?
            .ok_or(ApiError::NotFound)?;
        let rejected = issues
            .iter()
            .filter_map(|i| i.row)
            .collect::<HashSet<_>>()
            .len();
        self.audit(&*txn, &job, rows, 0, rejected, now).await?;
        txn.commit().await?;
        Ok(())
    }

    /// `roster.import`, counts only: never a name or a number from the file.
    async fn audit<C: ConnectionTrait>(
        &self,
        conn: &C,
        job: &import_job::Model,
        rows: usize,
        imported: usize,
        rejected: usize,
        now: OffsetDateTime,
    ) -> Result<(), ApiError> {
        audit::record(
            conn,
            &self.audit,
            now,
            audit::Event {
                action: "roster.import",
                entity_type: "import_job",
                entity_id: job.id.to_string(),
                institution_id: Some(self.institution_id),
                summary: json!({
                    "before": null,
                    "after": {
                        "batch_id": self.batch_id,
                        "status": job.status,
                        "mode": job.mode,
                        "format": self.format.map(|f| format!("{f:?}").to_lowercase()),
                        "total_rows": rows,
                        "imported_rows": imported,
                        "rejected_rows": rejected,
                    },
                }),
            },
        )
        .await
    }
}

async fn insert_job<C: ConnectionTrait>(conn: &C, job: &import_job::Model) -> Result<(), ApiError> {
    import_job::Entity::insert(import_job::ActiveModel {
        id: Set(job.id),
        batch_id: Set(job.batch_id),
        status: Set(job.status.clone()),
        mode: Set(job.mode.clone()),
        total_rows: Set(job.total_rows),
        processed_rows: Set(job.processed_rows),
        imported_rows: Set(job.imported_rows),
        errors: Set(job.errors.clone()),
        created_by: Set(job.created_by),
        created_at: Set(job.created_at),
        finished_at: Set(job.finished_at),
        lease_owner: Set(job.lease_owner.clone()),
        lease_expires_at: Set(job.lease_expires_at),
        failure_reason: Set(job.failure_reason.clone()),
    })
    .exec(conn)
    .await?;
    Ok(())
}

type Reading = tokio::task::JoinHandle<Result<Outcome, roster::FileError>>;

/// Why a finished reading imports nothing, if it does not.
fn refusal(outcome: &Outcome, mode: ImportMode) -> bool {
    outcome.good.is_empty() || (mode == ImportMode::AllOrNothing && !outcome.issues.is_empty())
}

/// The background half of a large import: records progress while the file is read, then
/// imports (or fails) the job.
async fn run_job(finish: Finish, job_id: Uuid, mut reading: Reading, progress: Arc<AtomicUsize>) {
    // Renews the job's lease while this task lives; dropped (the lease left to lapse) when it
    // ends in any way.
    let _lease = crate::jobs::LeaseKeeper::start(finish.state.clone(), job_id);
    let mut recorded = 0usize;
    let result = loop {
        tokio::select! {
            result = &mut reading => break result,
            () = tokio::time::sleep(PROGRESS_EVERY) => {
                let processed = progress.load(Ordering::Relaxed);
                if processed != recorded {
                    recorded = processed;
                    if let Err(e) = record_progress(&finish.state, job_id, processed).await {
                        tracing::warn!(job_id = %job_id, error = %e, "import progress not recorded");
                    }
                }
            }
        }
    };
    // Every row read: the bar shows 100 % while the one insert transaction runs.
    let processed = progress.load(Ordering::Relaxed);
    if processed != recorded
        && let Err(e) = record_progress(&finish.state, job_id, processed).await
    {
        tracing::warn!(job_id = %job_id, error = %e, "import progress not recorded");
    }
    let done = match result {
        Err(e) => Err(ApiError::Internal(format!("roster reader: {e}"))),
        Ok(Err(file)) => finish.fail(job_id, 0, "bad_file", &[file.issue()]).await,
        Ok(Ok(outcome)) if refusal(&outcome, finish.mode) => {
            finish
                .fail(job_id, outcome.rows, "bad_rows", &outcome.issues)
                .await
        }
        Ok(Ok(outcome)) => {
            let rows = outcome.rows;
            match finish.commit(job_id, true, outcome, None).await {
                Ok(Committed::Done(_) | Committed::Replay(_)) => Ok(()),
                Ok(Committed::Lost) => {
                    tracing::warn!(job_id = %job_id, "import job ended elsewhere as interrupted; nothing imported");
                    Ok(())
                }
                Ok(Committed::Refused(outcome)) => {
                    finish
                        .fail(job_id, outcome.rows, "bad_rows", &outcome.issues)
                        .await
                }
                Err(ApiError::Internal(e)) => Err(ApiError::Internal(e)),
                Err(refused) => {
                    // The batch changed under the job (e.g. registration was submitted).
                    let message = match &refused {
                        ApiError::Conflict { detail, .. } => detail.clone(),
                        _ => "导入时批次已不可修改".to_owned(),
                    };
                    let issue = RowIssue {
                        row: None,
                        column: None,
                        reason: "batch_closed".to_owned(),
                        message,
                    };
                    finish.fail(job_id, rows, "batch_closed", &[issue]).await
                }
            }
        }
    };
    if let Err(e) = done {
        tracing::error!(job_id = %job_id, error = %e, "import job failed");
        let issue = RowIssue {
            row: None,
            column: None,
            reason: "internal".to_owned(),
            message: "导入过程中服务器出错，未导入任何考生，请稍后重试".to_owned(),
        };
        if let Err(e) = finish.fail(job_id, 0, "internal", &[issue]).await {
            tracing::error!(job_id = %job_id, error = %e, "import job could not be marked failed");
        }
    }
}

async fn record_progress(state: &AppState, job_id: Uuid, processed: usize) -> Result<(), ApiError> {
    let txn = state.db.begin_write().await?;
    let processed = count(processed);
    // The declared total is an estimate: never let the bar run past 100 %.
    import_job::Entity::update_many()
        .col_expr(import_job::Column::ProcessedRows, Expr::value(processed))
        .col_expr(
            import_job::Column::TotalRows,
            Expr::case(
                Expr::col(import_job::Column::TotalRows).lt(processed),
                processed,
            )
            .finally(Expr::col(import_job::Column::TotalRows))
            .into(),
        )
        .filter(import_job::Column::Id.eq(job_id))
        .filter(import_job::Column::Status.eq("running"))
        .exec(&*txn)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// Imports a roster into a batch (SPEC §5). Every bad row is reported with its row number
/// (header = row 1), column and reason. `all_or_nothing` (default) imports nothing while any
/// row is bad; `valid_only` imports the clean rows. Files of at most 2,000 rows are answered at
/// once (201, or 422 with every bad row as `rows[N].列名` violations); larger files run as a job
/// (202 with `Location` of `GET /import-jobs/{id}`).
#[utoipa::path(
    tag = "roster",
    params(
        ("id" = Uuid, Path, description = "Batch id"),
        ImportQuery,
        ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key returns the first answer"),
    ),
    request_body(content = ImportRosterForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Imported (a small file); `errors` lists the rows left out in `valid_only` mode", body = ImportJobView),
        (status = 202, description = "A large file: importing in the background; poll the `Location`", body = ImportAccepted),
        (status = 401, description = "Not logged in", body = crate::error::Problem),
        (status = 403, description = "Not an institution user", body = crate::error::Problem),
        (status = 404, description = "No such batch, or another institution's", body = crate::error::Problem),
        (status = 409, description = "INVALID_STATE: the registration step is not in draft or returned", body = crate::error::Problem),
        (status = 413, description = "PAYLOAD_TOO_LARGE: over `uploads.max_bytes`", body = crate::error::Problem),
        (status = 415, description = "UNSUPPORTED_MEDIA_TYPE: not multipart, or not an .xlsx/.xls/.csv file", body = crate::error::Problem),
        (status = 422, description = "VALIDATION: the file is unreadable or its header incomplete (`file`), or rows are bad (`rows[N].列名`, details {row, column, reason}); nothing imported", body = crate::error::Problem),
        (status = 503, description = "BUSY: as many files as `permits.imports` are being read; retry after `Retry-After` seconds", body = crate::error::Problem, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
    security(("bearer" = []))
)]
#[post("/batches/{id}/candidates/import")]
#[allow(clippy::too_many_arguments)]
pub async fn import_roster(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    req: HttpRequest,
    idempotency: IdempotencyKey,
    path: web::Path<Uuid>,
    query: web::Query<ImportQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Institution])?;
    let limit = state.config.uploads.max_bytes;
    check_declared_length(req.headers(), limit)?;
    if let Some(replay) = idempotency.replay(&state.db.conn, user.id, &req).await? {
        return Ok(replay);
    }
    let conn = &state.db.conn;
    let batch = tenancy::find_batch_to_write(conn, &user, path.into_inner()).await?;
    let loaded = batches::load(conn, batch).await?;
    // Fail before reading the body when registration is closed; checked again when writing.
    candidates::registration_open(&loaded)?;

    // Taken before the body is read, so uploads waiting for a place are not held in memory; the
    // reading thread keeps it until the file is read (a background job's too).
    let permit = state.permits.try_acquire(crate::permits::Work::Import)?;
    let form = read_form(req.headers(), payload, limit).await?;
    let mode = resolve_mode(query.mode, form.mode.as_deref())?;
    let Some((file_name, file)) = form.file else {
        return Err(ApiError::validation(
            "file",
            "请选择要导入的花名册文件（file）",
        ));
    };
    let format = FileFormat::detect(&file, &file_name)?;
    let catalogue = catalogue(conn).await?;

    // Read on a blocking thread; it says how many rows to expect once the header checks out.
    let progress = Arc::new(AtomicUsize::new(0));
    let (total_tx, total_rx) = tokio::sync::oneshot::channel();
    let reading: Reading = tokio::task::spawn_blocking({
        let state = state.clone();
        let loaded = loaded.clone();
        let progress = progress.clone();
        move || {
            let _permit = permit;
            let ctx = RowContext {
                state: &state,
                batch: &loaded,
                catalogue,
            };
            roster::read(file, format, &ctx, &progress, move |total| {
                let _ = total_tx.send(total);
            })
        }
    });
    let finish = Finish {
        state: state.clone(),
        batch_id: loaded.batch.id,
        institution_id: loaded.batch.institution_id,
        user_id: user.id,
        audit: AuditCtx::for_user(&user, &meta),
        mode,
        format: Some(format),
    };
    // `Some(total)` when the file goes to a background job: more rows than MAX_SYNC_ROWS, or a
    // sheet that does not declare its size.
    let large = match total_rx.await {
        // No usable header (or an unreadable file): the reader's error says why, below.
        Err(_) => None,
        Ok(Some(n)) if n <= roster::MAX_SYNC_ROWS => None,
        Ok(total) => Some(total),
    };

    if let Some(total) = large {
        let now = state.clock.now_stored();
        let job = import_job::Model {
            id: Uuid::now_v7(),
            batch_id: loaded.batch.id,
            status: "running".to_owned(),
            mode: mode.code().to_owned(),
            total_rows: count(total.unwrap_or(0)),
            processed_rows: 0,
            imported_rows: 0,
            errors: json!([]),
            created_by: user.id,
            created_at: now,
            finished_at: None,
            lease_owner: Some(state.instance.to_string()),
            lease_expires_at: Some(crate::jobs::import_lease_until(&state)),
            failure_reason: None,
        };
        let accepted = ImportAccepted {
            job_id: job.id,
            status: job.status.clone(),
            total_rows: job.total_rows,
        };
        let txn = state.db.begin_write().await?;
        if idempotency.0.is_some() {
            // A retry sent while the first request was still reading its file: under the batch
            // lock, the first one's job (if it got one) is the answer, and no second job runs.
            batch_for_write(&*txn, loaded.batch.id).await?;
            if let Some(replay) = idempotency.replay(&*txn, user.id, &req).await? {
                return Ok(replay);
            }
        }
        insert_job(&*txn, &job).await?;
        idempotency
            .remember(&*txn, user.id, &req, StatusCode::ACCEPTED, &accepted, now)
            .await?;
        txn.commit().await?;
        actix_web::rt::spawn(run_job(finish, job.id, reading, progress));
        return Ok(HttpResponse::Accepted()
            .insert_header((header::LOCATION, format!("/api/v1/import-jobs/{}", job.id)))
            .json(accepted));
    }

    let outcome = reading
        .await
        .map_err(|e| ApiError::Internal(format!("roster reader: {e}")))??;
    if refusal(&outcome, mode) {
        return Err(ApiError::Unprocessable(
            outcome.issues.iter().map(RowIssue::violation).collect(),
        ));
    }
    let created = match finish
        .commit(Uuid::now_v7(), false, outcome, Some((&idempotency, &req)))
        .await?
    {
        Committed::Done(view) => view,
        Committed::Replay(replay) => return Ok(replay),
        Committed::Refused(outcome) => {
            return Err(ApiError::Unprocessable(
                outcome.issues.iter().map(RowIssue::violation).collect(),
            ));
        }
        Committed::Lost => {
            return Err(ApiError::Internal(
                "a new import job cannot be lost".to_owned(),
            ));
        }
    };
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/api/v1/import-jobs/{}", created.id),
        ))
        .json(created))
}

/// An import job: progress while running (`processed_rows` of `total_rows`), then what was
/// imported and every bad row. Visible to whoever may see the job's batch. A job still
/// `running` whose process went away (its lease lapsed: a crash or restart mid-import) is
/// reported — and recorded — as `failed` with `failure_reason` `interrupted`, nothing imported
/// (its one transaction never committed).
#[utoipa::path(
    tag = "roster",
    params(("id" = Uuid, Path, description = "Import job id")),
    responses(
        (status = 200, description = "The job", body = ImportJobView),
        (status = 401, description = "Not logged in", body = crate::error::Problem),
        (status = 404, description = "No such job, or its batch is not visible to the caller", body = crate::error::Problem),
    ),
    security(("bearer" = []))
)]
#[get("/import-jobs/{id}")]
pub async fn import_job_status(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    path: web::Path<Uuid>,
) -> Result<web::Json<ImportJobView>, ApiError> {
    let conn = &state.db.conn;
    let job = import_job::Entity::find_by_id(path.into_inner())
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound)?;
    tenancy::find_batch(conn, &user, job.batch_id).await?;
    // A lapsed lease is ended here too, not only by the sweep: whoever looks sees the truth.
    // Checked before writing, so polling a live job never waits for the writer.
    if crate::jobs::lease_lapsed(&state, &job)
        && crate::jobs::interrupt_if_lapsed(&state, job.id, &meta.request_id).await?
    {
        let job = import_job::Entity::find_by_id(job.id)
            .one(conn)
            .await?
            .ok_or(ApiError::NotFound)?;
        return Ok(web::Json(view(job)));
    }
    Ok(web::Json(view(job)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_come_from_query_or_form() {
        assert_eq!(resolve_mode(None, None).unwrap(), ImportMode::AllOrNothing);
        assert_eq!(
            resolve_mode(None, Some("valid_only")).unwrap(),
            ImportMode::ValidOnly
        );
        assert_eq!(
            resolve_mode(Some(ImportMode::ValidOnly), Some("")).unwrap(),
            ImportMode::ValidOnly
        );
        assert!(resolve_mode(Some(ImportMode::ValidOnly), Some("all_or_nothing")).is_err());
        assert!(resolve_mode(None, Some("some")).is_err());
    }
}
