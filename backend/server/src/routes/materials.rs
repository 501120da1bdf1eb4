//! Materials (材料): the PDFs a batch's steps ask for (SPEC §3), uploaded by the batch's
//! institution and read by everyone who may see the batch.
//!
//! An upload is streamed with a byte limit (`uploads.max_bytes`, 413 before the body is
//! buffered), checked to be a real PDF without active or hidden content (`pdf_check`, SPEC §9),
//! stored by its SHA-256 (`storage`) and only then recorded, with its audit event, in one write
//! transaction. A new upload of a kind supersedes the batch's current one of that kind and keeps
//! it as history. Touches `materials`, reads `batches` and `batch_steps`, writes files through
//! `state.storage`.

use actix_multipart::{Multipart, MultipartError};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::StreamExt;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skillcert_domain::catalogue::{self, Process};
use skillcert_domain::rules::{RuleCode, Violation};
use skillcert_domain::{InstitutionKind, MaterialKind, Module, Role, StepState};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::{IdempotencyKey, Page, PageQuery};
use crate::audit::{self, AuditCtx, RequestMeta};
use crate::auth::CurrentUser;
use crate::entities::{batch, batch_step, material};
use crate::error::ApiError;
use crate::pdf_check;
use crate::state::AppState;
use crate::storage::{self, Blob, BlobWriter};
use crate::tenancy;

/// Room for the multipart framing around the file (boundaries, part headers, the `kind`
/// field): a declared body larger than the file limit plus this cannot fit and is refused
/// before any of it is read.
pub(crate) const MULTIPART_OVERHEAD: u64 = 16 * 1024;
/// The longest text field accepted (a material kind code is a few dozen bytes).
const MAX_TEXT_FIELD: usize = 256;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(upload_material)
        .service(list_materials)
        .service(material_content);
}

/// One uploaded file.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MaterialView {
    pub id: Uuid,
    /// The batch it belongs to (none for institution-level files such as annual plan scans).
    pub batch_id: Option<Uuid>,
    /// A material kind code (SPEC §3), e.g. `plan_application`.
    pub kind: String,
    /// The kind's Chinese title as this batch's process names it.
    pub kind_name: String,
    /// The client's file name, sanitised, for display only.
    pub file_name: String,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    /// Bytes.
    pub size: i64,
    pub uploaded_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub uploaded_at: OffsetDateTime,
    /// When a newer upload of the same kind replaced it; null while it is current.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub superseded_at: Option<OffsetDateTime>,
}

/// The multipart form of an upload.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadMaterialForm {
    /// A material kind code (SPEC §3) that the batch's process asks for.
    kind: String,
    /// The PDF (at most `uploads.max_bytes`, 20 MiB by default).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// The bytes of a stored PDF (the download's body).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct PdfFile(Vec<u8>);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MaterialFilter {
    /// Also list superseded uploads (history); default false.
    pub include_history: Option<bool>,
}

/// The title of `kind` in `process` (the same kind is named differently per institution kind,
/// SPEC §3), else its generic name.
fn kind_title(process: Option<&Process>, kind: MaterialKind) -> &'static str {
    process
        .into_iter()
        .flat_map(|p| p.steps.iter())
        .flat_map(|step| step.materials.iter())
        .find(|requirement| requirement.kind == kind)
        .map_or(kind.name_zh(), |requirement| requirement.title)
}

fn batch_process(batch: &batch::Model) -> Result<Option<&'static Process>, ApiError> {
    let kind: InstitutionKind = batch
        .kind
        .parse()
        .map_err(|_| ApiError::Internal(format!("stored batch kind `{}`", batch.kind)))?;
    let module: Module = batch
        .module
        .parse()
        .map_err(|_| ApiError::Internal(format!("stored batch module `{}`", batch.module)))?;
    Ok(catalogue::process(kind, module))
}

fn view(row: material::Model, process: Option<&Process>) -> MaterialView {
    let kind_name = row.kind.parse::<MaterialKind>().map_or_else(
        |_| row.kind.clone(),
        |kind| kind_title(process, kind).to_owned(),
    );
    MaterialView {
        id: row.id,
        batch_id: row.batch_id,
        kind: row.kind,
        kind_name,
        file_name: row.file_name,
        sha256: row.sha256,
        size: row.size,
        uploaded_by: row.uploaded_by,
        uploaded_at: row.uploaded_at,
        superseded_at: row.superseded_at,
    }
}

/// Materials can change while some step of the batch is still being prepared (`draft`) or was
/// sent back (`returned`); once everything is submitted or approved the file set is frozen.
async fn ensure_open_for_upload<C: ConnectionTrait>(
    conn: &C,
    batch_id: Uuid,
) -> Result<(), ApiError> {
    let open = batch_step::Entity::find()
        .filter(batch_step::Column::BatchId.eq(batch_id))
        .filter(
            batch_step::Column::State.is_in([StepState::Draft.code(), StepState::Returned.code()]),
        )
        .count(conn)
        .await?;
    if open == 0 {
        return Err(ApiError::invalid_state(
            "该批次没有办理中或被退回的环节，材料已不能再上传或替换",
        ));
    }
    Ok(())
}

fn multipart_error(err: MultipartError) -> ApiError {
    match err {
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible
        | MultipartError::BoundaryMissing => ApiError::UnsupportedMediaType(
            "请求体应为 multipart/form-data，包含 kind 与 file 两个字段".to_owned(),
        ),
        other => ApiError::BadRequest(format!("multipart 请求体无法解析：{other}")),
    }
}

/// 413 when the declared body cannot fit the limit: nothing of it is read.
pub(crate) fn check_declared_length(headers: &HeaderMap, limit: u64) -> Result<(), ApiError> {
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

/// The fields of an upload form.
pub struct UploadForm {
    pub kind: Option<String>,
    /// The sanitised display name and the content.
    pub file: Option<(String, Blob)>,
}

/// Reads a `kind` + `file` multipart body, streaming the file into memory no further than
/// `limit` bytes (413 as soon as it is crossed). Unknown fields and a second file are refused.
pub async fn read_upload_form(
    headers: &HeaderMap,
    payload: web::Payload,
    limit: u64,
) -> Result<UploadForm, ApiError> {
    let mut multipart = Multipart::new(headers, payload);
    let mut form = UploadForm {
        kind: None,
        file: None,
    };
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(multipart_error)?;
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "kind" => {
                let mut text = Vec::new();
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(multipart_error)?;
                    if text.len() + chunk.len() > MAX_TEXT_FIELD {
                        return Err(ApiError::validation("kind", "材料类别过长"));
                    }
                    text.extend_from_slice(&chunk);
                }
                let text = String::from_utf8(text)
                    .map_err(|_| ApiError::validation("kind", "材料类别应为 UTF-8 文本"))?;
                form.kind = Some(text.trim().to_owned());
            }
            "file" => {
                if form.file.is_some() {
                    return Err(ApiError::validation("file", "一次只能上传一个文件"));
                }
                let raw_name = field.content_disposition().and_then(|cd| {
                    cd.get_filename().map(str::to_owned).or_else(|| {
                        cd.get_filename_ext()
                            .map(|ext| String::from_utf8_lossy(&ext.value).into_owned())
                    })
                });
                let mut writer = BlobWriter::new(limit);
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(multipart_error)?;
                    writer
                        .push(&chunk)
                        .map_err(|too| ApiError::PayloadTooLarge { limit: too.limit })?;
                }
                form.file = Some((
                    storage::display_file_name(raw_name.as_deref()),
                    writer.finish()?,
                ));
            }
            other => {
                return Err(ApiError::validation(
                    other.to_owned(),
                    "不支持的表单字段：只接受 kind 与 file",
                ));
            }
        }
    }
    Ok(form)
}

/// Uploads a PDF material to a batch. A new upload of the same kind supersedes the current one.
#[utoipa::path(
    tag = "materials",
    params(
        ("id" = Uuid, Path, description = "Batch id"),
        ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key returns the first answer"),
    ),
    request_body(content = UploadMaterialForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored; any previous current material of the kind is now superseded", body = MaterialView),
        (status = 401, description = "Not logged in", body = crate::error::Problem),
        (status = 403, description = "Not an institution user", body = crate::error::Problem),
        (status = 404, description = "No such batch, or another institution's", body = crate::error::Problem),
        (status = 409, description = "INVALID_STATE: no step of the batch is in draft or returned", body = crate::error::Problem),
        (status = 413, description = "PAYLOAD_TOO_LARGE: over `uploads.max_bytes`", body = crate::error::Problem),
        (status = 415, description = "UNSUPPORTED_MEDIA_TYPE: not multipart, or the file is not a PDF", body = crate::error::Problem),
        (status = 422, description = "VALIDATION: unknown or unexpected `kind`; `file` missing, unreadable, encrypted, with JavaScript, launch actions or embedded files, or past the check's bounds on pages, objects and inflated size (`details.reason` `too_large`)", body = crate::error::Problem),
        (status = 503, description = "BUSY: as many PDFs as `permits.pdf_checks` are being checked; retry after `Retry-After` seconds", body = crate::error::Problem, headers(("Retry-After" = u64, description = "Seconds to wait"))),
    ),
    security(("bearer" = []))
)]
#[post("/batches/{id}/materials")]
pub async fn upload_material(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    req: HttpRequest,
    idempotency: IdempotencyKey,
    path: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    // Supervisors will upload inspection reports with issue 6; today only institutions upload.
    user.require(&[Role::Institution])?;
    let limit = state.config.uploads.max_bytes;
    check_declared_length(req.headers(), limit)?;
    if let Some(replay) = idempotency.replay(&state.db.conn, user.id, &req).await? {
        return Ok(replay);
    }
    let batch = tenancy::find_batch_to_write(&state.db.conn, &user, path.into_inner()).await?;
    let process = batch_process(&batch)?;
    // Fail before reading the body when the batch is closed; checked again when writing.
    ensure_open_for_upload(&state.db.conn, batch.id).await?;

    let form = read_upload_form(req.headers(), payload, limit).await?;
    let mut violations = Vec::new();
    let kind = match form.kind.as_deref() {
        None | Some("") => {
            violations.push(field_violation("kind", "请选择材料类别（kind）"));
            None
        }
        Some(code) => match code.parse::<MaterialKind>() {
            Err(_) => {
                violations.push(field_violation("kind", format!("未知的材料类别：{code}")));
                None
            }
            Ok(kind) if !process_asks_for(process, kind) => {
                violations.push(
                    field_violation(
                        "kind",
                        format!("该批次的认定流程不需要“{}”（{code}）", kind.name_zh()),
                    )
                    .details(json!({ "allowed": allowed_kinds(process) })),
                );
                None
            }
            Ok(kind) => Some(kind),
        },
    };
    if form.file.is_none() {
        violations.push(field_violation("file", "请选择要上传的 PDF 文件（file）"));
    }
    let (Some(kind), Some((file_name, blob)), true) = (kind, form.file, violations.is_empty())
    else {
        return Err(ApiError::Unprocessable(violations));
    };
    pdf_check::check(&state.permits, blob.bytes().clone(), "file").await?;

    // The file first: a crash from here on leaves an unreferenced file, never a row without one.
    storage::put(&*state.storage, &blob).await?;

    let now = state.clock.now_stored();
    let txn = state.db.begin_write().await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        // Serialises uploads to one batch, so two concurrent ones cannot both stay current.
        // (SQLite has a single writer already.)
        batch::Entity::find_by_id(batch.id)
            .lock_exclusive()
            .one(&*txn)
            .await?;
    }
    ensure_open_for_upload(&*txn, batch.id).await?;
    let superseded: Vec<Uuid> = material::Entity::find()
        .filter(material::Column::BatchId.eq(batch.id))
        .filter(material::Column::Kind.eq(kind.code()))
        .filter(material::Column::SupersededAt.is_null())
        .all(&*txn)
        .await?
        .into_iter()
        .map(|row| row.id)
        .collect();
    if !superseded.is_empty() {
        material::Entity::update_many()
            .col_expr(material::Column::SupersededAt, Expr::value(now))
            .filter(material::Column::Id.is_in(superseded.clone()))
            .exec(&*txn)
            .await?;
    }
    let row = material::Model {
        id: Uuid::now_v7(),
        batch_id: Some(batch.id),
        institution_id: batch.institution_id,
        kind: kind.code().to_owned(),
        file_name,
        sha256: blob.sha256().to_owned(),
        size: i64::try_from(blob.size()).map_err(|_| ApiError::PayloadTooLarge { limit })?,
        uploaded_by: user.id,
        uploaded_at: now,
        superseded_at: None,
    };
    material::Entity::insert(material::ActiveModel {
        id: Set(row.id),
        batch_id: Set(row.batch_id),
        institution_id: Set(row.institution_id),
        kind: Set(row.kind.clone()),
        file_name: Set(row.file_name.clone()),
        sha256: Set(row.sha256.clone()),
        size: Set(row.size),
        uploaded_by: Set(row.uploaded_by),
        uploaded_at: Set(row.uploaded_at),
        superseded_at: Set(None),
    })
    .exec(&*txn)
    .await?;
    let created = view(row, process);
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "material.upload",
            entity_type: "material",
            entity_id: created.id.to_string(),
            institution_id: Some(batch.institution_id),
            summary: json!({
                "before": null,
                "after": {
                    "batch_id": batch.id,
                    "kind": created.kind,
                    "sha256": created.sha256,
                    "size": created.size,
                },
                "superseded": superseded,
            }),
        },
    )
    .await?;
    idempotency
        .remember(&*txn, user.id, &req, StatusCode::CREATED, &created, now)
        .await?;
    txn.commit().await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(created))
}

fn field_violation(field: &str, message: impl Into<String>) -> Violation {
    Violation::new(RuleCode::Validation, message).field(field)
}

fn process_asks_for(process: Option<&Process>, kind: MaterialKind) -> bool {
    process.is_some_and(|p| {
        p.steps
            .iter()
            .any(|step| step.materials.iter().any(|m| m.kind == kind))
    })
}

fn allowed_kinds(process: Option<&Process>) -> Vec<&'static str> {
    MaterialKind::ALL
        .iter()
        .filter(|kind| process_asks_for(process, **kind))
        .map(|kind| kind.code())
        .collect()
}

/// A batch's materials: the current one of each kind, or with `include_history=true` also the
/// superseded ones. Anyone who may see the batch may list them.
#[utoipa::path(
    tag = "materials",
    params(("id" = Uuid, Path, description = "Batch id"), MaterialFilter, PageQuery),
    responses(
        (status = 200, description = "Materials, newest first", body = Page<MaterialView>),
        (status = 401, description = "Not logged in", body = crate::error::Problem),
        (status = 404, description = "No such batch, or not visible to the caller", body = crate::error::Problem),
        (status = 422, description = "Bad paging or filter", body = crate::error::Problem),
    ),
    security(("bearer" = []))
)]
#[get("/batches/{id}/materials")]
pub async fn list_materials(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<Uuid>,
    page: web::Query<PageQuery>,
    filter: web::Query<MaterialFilter>,
) -> Result<web::Json<Page<MaterialView>>, ApiError> {
    let (page_no, size) = page.resolve()?;
    let conn = &state.db.conn;
    let batch = tenancy::find_batch_to_read(conn, &user, path.into_inner()).await?;
    let process = batch_process(&batch)?;
    let mut query = material::Entity::find().filter(material::Column::BatchId.eq(batch.id));
    if !filter.include_history.unwrap_or(false) {
        query = query.filter(material::Column::SupersededAt.is_null());
    }
    let total = query.clone().count(conn).await?;
    let rows = query
        .order_by_desc(material::Column::UploadedAt)
        .order_by_desc(material::Column::Id)
        .offset((page_no - 1) * size)
        .limit(size)
        .all(conn)
        .await?;
    Ok(web::Json(Page {
        items: rows.into_iter().map(|row| view(row, process)).collect(),
        total,
        page: page_no,
        page_size: size,
    }))
}

/// The stored PDF, as a download (`attachment`, `nosniff`): never rendered inline by the API's
/// origin.
#[utoipa::path(
    tag = "materials",
    params(("id" = Uuid, Path, description = "Material id")),
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf", body = PdfFile),
        (status = 401, description = "Not logged in", body = crate::error::Problem),
        (status = 404, description = "No such material, or its batch is not visible to the caller", body = crate::error::Problem),
    ),
    security(("bearer" = []))
)]
#[get("/materials/{id}/content")]
pub async fn material_content(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let conn = &state.db.conn;
    let tenant = match tenancy::institution_condition(&user, material::Column::InstitutionId) {
        Some(tenant) => tenant,
        // Inspectors: only a batch's materials, and only of a batch assigned to them (below).
        None if matches!(user.scope(), crate::auth::Scope::Assigned(_)) => {
            sea_orm::Condition::all().add(material::Column::BatchId.is_not_null())
        }
        None => return Err(ApiError::NotFound),
    };
    let row = material::Entity::find_by_id(path.into_inner())
        .filter(tenant)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound)?;
    if let Some(batch_id) = row.batch_id {
        // Visible only through its batch (SPEC §1), whatever the batch scope rules become.
        tenancy::find_batch_to_read(conn, &user, batch_id).await?;
    }
    let opened = storage::open(&*state.storage, &row.sha256).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            crate::api::attachment_disposition(&row.file_name, None),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .no_chunking(opened.size)
        .streaming(opened.stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_follow_the_process() {
        let tech = catalogue::process(InstitutionKind::TechSchool, Module::Supervised);
        let employer = catalogue::process(InstitutionKind::Employer, Module::Supervised);
        let tech_title = kind_title(tech, MaterialKind::PlanApplication);
        assert!(!tech_title.is_empty());
        assert!(process_asks_for(employer, MaterialKind::PlanApplication));
        assert!(!process_asks_for(employer, MaterialKind::InspectionReport));
        assert_eq!(
            kind_title(None, MaterialKind::InternalQaReport),
            MaterialKind::InternalQaReport.name_zh()
        );
    }
}
