//! Inspections (SPEC §7): the assignments a draw made, and the inspector's report — a rating,
//! findings and PDFs — filed once and never changed. Inspectors see their own; supervisors see
//! all, and the reviewer of the certificate / data-audit step reads them per batch; an
//! institution sees those of its own batches (who came, how, and what they found), read only.
//!
//! A report is one multipart request: `rating`, `findings` and one or more `file` parts. Every
//! file is streamed within `uploads.max_bytes` (together), checked to be a real PDF without
//! active or hidden content (`pdf_check`, SPEC §9) and stored by its SHA-256 (`storage`) before
//! the report, its file rows and its audit event are written in one transaction.

use std::collections::{BTreeMap, BTreeSet};

use actix_multipart::{Multipart, MultipartError};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use futures_util::StreamExt;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skillcert_domain::calendar::iso_date;
use skillcert_domain::rules::{RuleCode, Violation};
use skillcert_domain::{InspectionMode, InspectionRating, Role};
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::{IdempotencyKey, Page, PageQuery};
use crate::audit::{self, AuditCtx, RequestMeta};
use crate::auth::CurrentUser;
use crate::entities::{batch, draw, inspection, inspection_file, institution, user};
use crate::error::{ApiError, ApiResult, Problem};
use crate::pdf_check;
use crate::routes::materials::{MULTIPART_OVERHEAD, check_declared_length};
use crate::state::AppState;
use crate::storage::{self, Blob, BlobWriter};
use crate::tenancy;

pub const ASSIGNED: &str = "assigned";
pub const REPORTED: &str = "reported";

/// At most this many PDFs in one report.
const MAX_FILES: usize = 5;
/// The rating code is a few bytes; findings at most this many characters.
const MAX_RATING_BYTES: usize = 64;
const MAX_FINDINGS_CHARS: usize = 10_000;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_inspections)
        .service(get_inspection)
        .service(file_report)
        .service(report_file_content)
        .service(batch_inspections);
}

fn status_name(status: &str) -> &'static str {
    match status {
        ASSIGNED => "待提交报告",
        REPORTED => "已提交报告",
        _ => "未知",
    }
}

// ---------------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionFileView {
    pub id: Uuid,
    /// The client's file name, sanitised, for display only.
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub uploaded_at: OffsetDateTime,
}

/// One inspector's assignment to one batch, with the report once filed.
#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionView {
    pub id: Uuid,
    pub draw_id: Uuid,
    pub draw_title: String,
    pub batch_id: Uuid,
    pub institution_id: Uuid,
    pub institution_name: String,
    /// Institution kind code.
    pub kind: String,
    pub module: String,
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub exam_start: Date,
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub exam_end: Date,
    pub venue: String,
    pub venue_region: String,
    pub inspector_id: Uuid,
    pub inspector_name: String,
    pub mode: InspectionMode,
    pub mode_name: &'static str,
    /// `assigned` or `reported`.
    pub status: String,
    pub status_name: &'static str,
    pub rating: Option<InspectionRating>,
    pub rating_name: Option<&'static str>,
    pub findings: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub reported_at: Option<OffsetDateTime>,
    pub files: Vec<InspectionFileView>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub assigned_at: OffsetDateTime,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InspectionFilter {
    pub batch_id: Option<Uuid>,
    pub draw_id: Option<Uuid>,
    #[param(inline)]
    pub status: Option<InspectionStatus>,
}

/// Where an inspection stands: assigned to its inspectors, or reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InspectionStatus {
    Assigned,
    Reported,
}

impl InspectionStatus {
    fn code(self) -> &'static str {
        match self {
            InspectionStatus::Assigned => ASSIGNED,
            InspectionStatus::Reported => REPORTED,
        }
    }
}

/// The multipart form of a report.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ReportForm {
    /// `good` (良好), `acceptable` (合格) or `poor` (不合格).
    rating: String,
    /// 督导发现: what was observed, required, at most 10 000 characters.
    findings: String,
    /// 1–5 PDFs (the signed report, photos as PDF…), together at most `uploads.max_bytes`.
    #[schema(value_type = Vec<String>, format = Binary)]
    file: Vec<Vec<u8>>,
}

// ---------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------

fn bad_stored(what: &str, value: &str) -> ApiError {
    ApiError::Internal(format!("stored {what} `{value}` is not valid"))
}

/// The views of `rows`, loading what they refer to in a few queries.
async fn views<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<inspection::Model>,
) -> ApiResult<Vec<InspectionView>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids = |f: fn(&inspection::Model) -> Uuid| -> Vec<Uuid> {
        rows.iter()
            .map(f)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let draws: BTreeMap<Uuid, String> = draw::Entity::find()
        .filter(draw::Column::Id.is_in(ids(|r| r.draw_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.id, d.title))
        .collect();
    let batches: BTreeMap<Uuid, batch::Model> = batch::Entity::find()
        .filter(batch::Column::Id.is_in(ids(|r| r.batch_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|b| (b.id, b))
        .collect();
    let institutions: BTreeMap<Uuid, String> = institution::Entity::find()
        .filter(institution::Column::Id.is_in(ids(|r| r.institution_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|i| (i.id, i.name))
        .collect();
    let inspectors: BTreeMap<Uuid, String> = user::Entity::find()
        .filter(user::Column::Id.is_in(ids(|r| r.inspector_id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let mut files: BTreeMap<Uuid, Vec<InspectionFileView>> = BTreeMap::new();
    for f in inspection_file::Entity::find()
        .filter(inspection_file::Column::InspectionId.is_in(ids(|r| r.id)))
        .order_by_asc(inspection_file::Column::UploadedAt)
        .order_by_asc(inspection_file::Column::Id)
        .all(conn)
        .await?
    {
        files
            .entry(f.inspection_id)
            .or_default()
            .push(InspectionFileView {
                id: f.id,
                file_name: f.file_name,
                sha256: f.sha256,
                size: f.size,
                uploaded_at: f.uploaded_at,
            });
    }
    rows.into_iter()
        .map(|row| {
            let b = batches
                .get(&row.batch_id)
                .ok_or_else(|| ApiError::Internal(format!("inspection {} batch", row.id)))?;
            let mode: InspectionMode = row
                .mode
                .parse()
                .map_err(|_| bad_stored("inspection mode", &row.mode))?;
            let rating = match &row.rating {
                None => None,
                Some(code) => Some(
                    code.parse::<InspectionRating>()
                        .map_err(|_| bad_stored("rating", code))?,
                ),
            };
            Ok(InspectionView {
                id: row.id,
                draw_id: row.draw_id,
                draw_title: draws.get(&row.draw_id).cloned().unwrap_or_default(),
                batch_id: row.batch_id,
                institution_id: row.institution_id,
                institution_name: institutions
                    .get(&row.institution_id)
                    .cloned()
                    .unwrap_or_default(),
                kind: b.kind.clone(),
                module: b.module.clone(),
                exam_start: b.exam_start,
                exam_end: b.exam_end,
                venue: b.venue.clone(),
                venue_region: b.venue_region.clone(),
                inspector_id: row.inspector_id,
                inspector_name: inspectors
                    .get(&row.inspector_id)
                    .cloned()
                    .unwrap_or_default(),
                mode,
                mode_name: mode.name_zh(),
                status_name: status_name(&row.status),
                status: row.status,
                rating,
                rating_name: rating.map(InspectionRating::name_zh),
                findings: row.findings,
                reported_at: row.reported_at,
                files: files.remove(&row.id).unwrap_or_default(),
                assigned_at: row.created_at,
            })
        })
        .collect()
}

async fn view_of<C: ConnectionTrait>(
    conn: &C,
    row: inspection::Model,
) -> ApiResult<InspectionView> {
    views(conn, vec![row])
        .await?
        .pop()
        .ok_or_else(|| ApiError::Internal("inspection view".to_owned()))
}

/// The inspections the caller may see: supervisors all, an inspector their own, an institution
/// those of its batches; 403 for the other roles.
fn scope(user: &CurrentUser) -> ApiResult<Condition> {
    match user.role {
        Role::Supervisor => Ok(Condition::all()),
        Role::Inspector => Ok(Condition::all().add(inspection::Column::InspectorId.eq(user.id))),
        Role::Institution => {
            Ok(Condition::all().add(inspection::Column::InstitutionId.eq(user.own_institution()?)))
        }
        Role::InfoOfficer | Role::Admin => Err(ApiError::Forbidden),
    }
}

async fn find_visible<C: ConnectionTrait>(
    conn: &C,
    user: &CurrentUser,
    id: Uuid,
) -> ApiResult<inspection::Model> {
    let condition = scope(user)?;
    inspection::Entity::find_by_id(id)
        .filter(condition)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound)
}

// ---------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------

/// Inspections: an inspector's own assignments, an institution's those of its batches, or for
/// supervisors all of them (filter by batch, draw or status). Newest first.
#[utoipa::path(
    tag = "inspections",
    params(PageQuery, InspectionFilter),
    responses(
        (status = 200, body = Page<InspectionView>),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "信息部 and admins"),
        (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[get("/inspections")]
pub async fn list_inspections(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: web::Query<PageQuery>,
    filter: web::Query<InspectionFilter>,
) -> ApiResult<web::Json<Page<InspectionView>>> {
    let mut condition = scope(&user)?;
    let (page_no, size) = page.resolve()?;
    if let Some(batch_id) = filter.batch_id {
        condition = condition.add(inspection::Column::BatchId.eq(batch_id));
    }
    if let Some(draw_id) = filter.draw_id {
        condition = condition.add(inspection::Column::DrawId.eq(draw_id));
    }
    if let Some(status) = filter.status {
        condition = condition.add(inspection::Column::Status.eq(status.code()));
    }
    let query = inspection::Entity::find()
        .filter(condition)
        .order_by_desc(inspection::Column::CreatedAt)
        .order_by_asc(inspection::Column::Id);
    Ok(web::Json(
        page_of(&state.db.conn, query, page_no, size).await?,
    ))
}

/// One page of `query`'s inspections as views.
async fn page_of<C: ConnectionTrait>(
    conn: &C,
    query: sea_orm::Select<inspection::Entity>,
    page_no: u64,
    size: u64,
) -> ApiResult<Page<InspectionView>> {
    let paginator = query.paginate(conn, size);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page_no - 1).await?;
    Ok(Page {
        items: views(conn, rows).await?,
        total,
        page: page_no,
        page_size: size,
    })
}

/// One inspection (supervisors; an inspector only their own, an institution only those of its
/// batches — anything else answers 404).
#[utoipa::path(
    tag = "inspections",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = InspectionView),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)
    ),
    security(("bearer" = []))
)]
#[get("/inspections/{id}")]
pub async fn get_inspection(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<InspectionView>> {
    let row = find_visible(&state.db.conn, &user, id.into_inner()).await?;
    Ok(web::Json(view_of(&state.db.conn, row).await?))
}

/// A batch's inspections and their reports, for the reviewer of the certificate / data-audit
/// step (SPEC §3 `supervision`: the reports are shown to the reviewer). Supervisors see all; an
/// inspector their own of a batch assigned to them; the institution those of its own batch.
#[utoipa::path(
    tag = "inspections",
    params(("id" = Uuid, Path, description = "Batch id"), PageQuery),
    responses(
        (status = 200, body = Page<InspectionView>),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)
    ),
    security(("bearer" = []))
)]
#[get("/batches/{id}/inspections")]
pub async fn batch_inspections(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<InspectionView>>> {
    let condition = scope(&user)?;
    let (page_no, size) = page.resolve()?;
    let conn = &state.db.conn;
    let batch = tenancy::find_batch_to_read(conn, &user, id.into_inner()).await?;
    let query = inspection::Entity::find()
        .filter(condition)
        .filter(inspection::Column::BatchId.eq(batch.id))
        .order_by_asc(inspection::Column::CreatedAt)
        .order_by_asc(inspection::Column::Id);
    Ok(web::Json(page_of(conn, query, page_no, size).await?))
}

/// A PDF of a report, as a download (`attachment`, `nosniff`).
#[utoipa::path(
    tag = "inspections",
    params(("id" = Uuid, Path, description = "Inspection id"), ("file_id" = Uuid, Path)),
    responses(
        (status = 200, description = "The PDF", content_type = "application/pdf", body = crate::routes::materials::PdfFile),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)
    ),
    security(("bearer" = []))
)]
#[get("/inspections/{id}/files/{file_id}/content")]
pub async fn report_file_content(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, file_id) = path.into_inner();
    let conn = &state.db.conn;
    let row = find_visible(conn, &user, id).await?;
    let file = inspection_file::Entity::find_by_id(file_id)
        .filter(inspection_file::Column::InspectionId.eq(row.id))
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let opened = storage::open(&*state.storage, &file.sha256).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            header::CONTENT_DISPOSITION,
            crate::api::attachment_disposition(&file.file_name, None),
        ))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .no_chunking(opened.size)
        .streaming(opened.stream))
}

// ---------------------------------------------------------------------------------------------
// Filing the report
// ---------------------------------------------------------------------------------------------

struct RawReport {
    rating: Option<String>,
    findings: Option<String>,
    files: Vec<(String, Blob)>,
}

fn multipart_error(err: MultipartError) -> ApiError {
    match err {
        MultipartError::ContentTypeMissing
        | MultipartError::ContentTypeParse
        | MultipartError::ContentTypeIncompatible
        | MultipartError::BoundaryMissing => ApiError::UnsupportedMediaType(
            "请求体应为 multipart/form-data，包含 rating、findings 与 file 字段".to_owned(),
        ),
        other => ApiError::BadRequest(format!("multipart 请求体无法解析：{other}")),
    }
}

async fn read_text(
    field: &mut actix_multipart::Field,
    name: &str,
    max: usize,
) -> ApiResult<String> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.next().await {
        let chunk = chunk.map_err(multipart_error)?;
        if bytes.len() + chunk.len() > max {
            return Err(ApiError::validation(name, format!("{name} 过长")));
        }
        bytes.extend_from_slice(&chunk);
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| ApiError::validation(name, format!("{name} 应为 UTF-8 文本")))?;
    crate::text_guard::refuse_unstorable(name, &text)?;
    Ok(text)
}

/// Reads the form, the files together no further than `limit` bytes (413 once crossed).
async fn read_report_form(
    headers: &HeaderMap,
    payload: web::Payload,
    limit: u64,
) -> ApiResult<RawReport> {
    let mut multipart = Multipart::new(headers, payload);
    let mut form = RawReport {
        rating: None,
        findings: None,
        files: Vec::new(),
    };
    let mut used: u64 = 0;
    while let Some(field) = multipart.next().await {
        let mut field = field.map_err(multipart_error)?;
        let name = field.name().unwrap_or_default().to_owned();
        match name.as_str() {
            "rating" => {
                form.rating = Some(read_text(&mut field, "rating", MAX_RATING_BYTES).await?)
            }
            // Four bytes a character at most in UTF-8.
            "findings" => {
                form.findings =
                    Some(read_text(&mut field, "findings", MAX_FINDINGS_CHARS * 4).await?);
            }
            "file" => {
                if form.files.len() == MAX_FILES {
                    return Err(ApiError::validation(
                        "file",
                        format!("一份报告最多附 {MAX_FILES} 个 PDF 文件"),
                    ));
                }
                let raw_name = field.content_disposition().and_then(|cd| {
                    cd.get_filename().map(str::to_owned).or_else(|| {
                        cd.get_filename_ext()
                            .map(|ext| String::from_utf8_lossy(&ext.value).into_owned())
                    })
                });
                let mut writer = BlobWriter::new(limit.saturating_sub(used));
                while let Some(chunk) = field.next().await {
                    let chunk = chunk.map_err(multipart_error)?;
                    writer
                        .push(&chunk)
                        .map_err(|_| ApiError::PayloadTooLarge { limit })?;
                }
                let blob = writer.finish()?;
                used += blob.size();
                form.files
                    .push((storage::display_file_name(raw_name.as_deref()), blob));
            }
            other => {
                return Err(ApiError::validation(
                    other.to_owned(),
                    "不支持的表单字段：只接受 rating、findings 与 file",
                ));
            }
        }
    }
    Ok(form)
}

/// File the report of an inspection (the assigned inspector only): `rating`, `findings`
/// (required) and 1–5 PDFs, as multipart. Every PDF is checked like every upload. A report is
/// filed once: a second one answers 409. Shown to the reviewer of the batch's certificate /
/// data-audit step.
#[utoipa::path(
    tag = "inspections",
    params(
        ("id" = Uuid, Path, description = "Inspection id"),
        ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key returns the first answer"),
    ),
    request_body(content = ReportForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = InspectionView),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "Not an inspector"),
        (status = 404, body = Problem, description = "No such inspection, or another inspector's"),
        (status = 409, body = Problem, description = "INVALID_STATE: the report is already filed"),
        (status = 413, body = Problem), (status = 415, body = Problem, description = "Not multipart, or a file is not a PDF"),
        (status = 422, body = Problem, description = "VALIDATION: rating, findings or files missing or invalid; a PDF encrypted, with JavaScript, launch actions or embedded files, or past the check's bounds (`too_large`)"),
        (status = 503, body = Problem, description = "BUSY: as many PDFs as `permits.pdf_checks` are being checked; retry after `Retry-After` seconds", headers(("Retry-After" = u64, description = "Seconds to wait")))
    ),
    security(("bearer" = []))
)]
#[post("/inspections/{id}/report")]
pub async fn file_report(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    req: HttpRequest,
    idempotency: IdempotencyKey,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Inspector])?;
    let limit = state.config.uploads.max_bytes;
    check_declared_length(
        req.headers(),
        limit.saturating_add(MULTIPART_OVERHEAD * 4 + (MAX_FINDINGS_CHARS * 4) as u64),
    )?;
    if let Some(replay) = idempotency.replay(&state.db.conn, user.id, &req).await? {
        return Ok(replay);
    }
    let row = find_visible(&state.db.conn, &user, id.into_inner()).await?;
    if row.status != ASSIGNED {
        return Err(ApiError::invalid_state(
            "督导报告已提交，不能修改或重复提交",
        ));
    }
    // A report belongs to its batch's dossier: an archived batch takes no more.
    let inspected = batch::Entity::find_by_id(row.batch_id)
        .one(&state.db.conn)
        .await?
        .ok_or_else(|| ApiError::Internal("inspection without batch".to_owned()))?;
    tenancy::ensure_writable(&inspected)?;
    let form = read_report_form(req.headers(), payload, limit).await?;
    let mut violations = Vec::new();
    let rating = match form.rating.as_deref().map(str::trim) {
        None | Some("") => {
            violations.push(
                Violation::new(RuleCode::Validation, "请选择督导评价（rating）").field("rating"),
            );
            None
        }
        Some(code) => match code.parse::<InspectionRating>() {
            Ok(rating) => Some(rating),
            Err(_) => {
                violations.push(
                    Violation::new(
                        RuleCode::Validation,
                        "督导评价应为 good（良好）、acceptable（合格）或 poor（不合格）",
                    )
                    .field("rating"),
                );
                None
            }
        },
    };
    let findings = form
        .findings
        .as_deref()
        .unwrap_or_default()
        .trim()
        .to_owned();
    if findings.is_empty() {
        violations.push(
            Violation::new(RuleCode::Validation, "请填写督导发现（findings）").field("findings"),
        );
    } else if findings.chars().count() > MAX_FINDINGS_CHARS {
        violations.push(
            Violation::new(
                RuleCode::Validation,
                format!("督导发现最多 {MAX_FINDINGS_CHARS} 个字符"),
            )
            .field("findings"),
        );
    }
    if form.files.is_empty() {
        violations
            .push(Violation::new(RuleCode::Validation, "请上传督导报告 PDF（file）").field("file"));
    }
    let (Some(rating), true) = (rating, violations.is_empty()) else {
        return Err(ApiError::Unprocessable(violations));
    };
    for (index, (_, blob)) in form.files.iter().enumerate() {
        pdf_check::check(
            &state.permits,
            blob.bytes().clone(),
            &format!("file[{index}]"),
        )
        .await?;
    }
    // The files first: a crash from here on leaves unreferenced files, never a row without one.
    for (_, blob) in &form.files {
        storage::put(&*state.storage, blob).await?;
    }

    let now = state.clock.now_stored();
    let txn = state.db.begin_write().await?;
    // Conditional on the state read above: of two concurrent filings exactly one wins.
    let updated = inspection::Entity::update_many()
        .set(inspection::ActiveModel {
            status: Set(REPORTED.to_owned()),
            rating: Set(Some(rating.code().to_owned())),
            findings: Set(Some(findings.clone())),
            reported_at: Set(Some(now)),
            ..Default::default()
        })
        .filter(inspection::Column::Id.eq(row.id))
        .filter(inspection::Column::Status.eq(ASSIGNED))
        .exec(&*txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ApiError::invalid_state(
            "督导报告已提交，不能修改或重复提交",
        ));
    }
    let mut stored = Vec::with_capacity(form.files.len());
    for (file_name, blob) in &form.files {
        let file_id = Uuid::now_v7();
        inspection_file::Entity::insert(inspection_file::ActiveModel {
            id: Set(file_id),
            inspection_id: Set(row.id),
            file_name: Set(file_name.clone()),
            sha256: Set(blob.sha256().to_owned()),
            size: Set(i64::try_from(blob.size()).map_err(|_| ApiError::PayloadTooLarge { limit })?),
            uploaded_at: Set(now),
        })
        .exec(&*txn)
        .await?;
        stored.push(json!({ "id": file_id, "sha256": blob.sha256(), "size": blob.size() }));
    }
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "inspection.report",
            entity_type: "inspection",
            entity_id: row.id.to_string(),
            institution_id: Some(row.institution_id),
            summary: json!({
                "before": { "status": ASSIGNED },
                "after": {
                    "status": REPORTED,
                    "batch_id": row.batch_id,
                    "draw_id": row.draw_id,
                    "rating": rating,
                    "findings_chars": findings.chars().count(),
                    "files": stored,
                },
            }),
        },
    )
    .await?;
    let reported = inspection::Entity::find_by_id(row.id)
        .one(&*txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let view = view_of(&*txn, reported).await?;
    idempotency
        .remember(&*txn, user.id, &req, StatusCode::CREATED, &view, now)
        .await?;
    txn.commit().await?;
    Ok(HttpResponse::build(StatusCode::CREATED).json(view))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_have_chinese_names() {
        assert_eq!(status_name(ASSIGNED), "待提交报告");
        assert_eq!(status_name(REPORTED), "已提交报告");
    }
}
