//! 批次归档 (issue 7): the 信息部 seals a completed batch's dossier (`crate::archive` builds the
//! zip), after which the batch is read only (`tenancy::find_batch_to_write` answers 409
//! `BATCH_ARCHIVED` to every write on it or under it); its metadata and the zip download.
//!
//! Revoking a certificate stays possible after archiving (`POST /certificates/{id}/revoke`): a
//! certificate found obtained by fraud years later must stop verifying, and the certificate is
//! the holder's, not the batch's working file. The revocation changes the certificate row and
//! is audited; the archive zip is never rewritten — it is the record of the batch as it was
//! sealed — and its metadata lists the revocations made since (`revoked_since_archive`).

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use serde_json::json;
use skillcert_domain::Role;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::IdempotencyKey;
use crate::archive;
use crate::audit::{self, AuditCtx, RequestMeta};
use crate::auth::CurrentUser;
use crate::batches;
use crate::entities::{batch, batch_archive, certificate, user};
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use crate::storage;
use crate::tenancy;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_archive)
        .service(get_archive)
        .service(download_archive);
}

/// Who may read an archive: the 信息部, the supervisors, and the batch's own institution
/// (`find_batch` keeps other institutions and inspectors out with 404).
const READERS: &[Role] = &[Role::InfoOfficer, Role::Supervisor, Role::Institution];

/// A batch's sealed dossier.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArchiveView {
    pub batch_id: Uuid,
    /// SHA-256 of the zip (lower-case hex): what `GET …/archive/zip` returns hashes to this, and
    /// it is the zip's `ETag`.
    pub sha256: String,
    /// Bytes of the zip.
    pub size: i64,
    /// Files in the zip, `manifest.json` and `MANIFEST.sha256` included.
    pub file_count: i32,
    /// SHA-256 of `manifest.json` inside the zip.
    pub manifest_sha256: String,
    /// The layout's version: `skillcert-archive/1` (see docs/archive.md).
    pub format: String,
    pub created_by: Uuid,
    pub created_by_name: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// Where to download the zip.
    pub download_path: String,
    /// Certificates of the batch revoked after it was archived (the zip still shows them as they
    /// were; the public lookup shows them revoked).
    pub revoked_since_archive: Vec<LaterRevocation>,
}

/// A revocation made after archiving.
#[derive(Debug, Serialize, ToSchema)]
pub struct LaterRevocation {
    pub certificate_id: Uuid,
    pub number: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub revoked_at: OffsetDateTime,
    pub reason: Option<String>,
}

/// The zip (`application/zip`).
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub struct ZipFile(Vec<u8>);

async fn view_of(state: &AppState, row: batch_archive::Model) -> ApiResult<ArchiveView> {
    let conn = &state.db.conn;
    let created_by_name = user::Entity::find_by_id(row.created_by)
        .one(conn)
        .await?
        .map(|u| u.display_name);
    let revoked_since_archive = certificate::Entity::find()
        .filter(certificate::Column::BatchId.eq(row.batch_id))
        .filter(certificate::Column::RevokedAt.gt(row.created_at))
        .order_by_asc(certificate::Column::RevokedAt)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|c| {
            Some(LaterRevocation {
                certificate_id: c.id,
                number: c.number,
                revoked_at: c.revoked_at?,
                reason: c.revoke_reason,
            })
        })
        .collect();
    Ok(ArchiveView {
        download_path: format!("/api/v1/batches/{}/archive/zip", row.batch_id),
        batch_id: row.batch_id,
        sha256: row.sha256,
        size: row.size,
        file_count: row.file_count,
        manifest_sha256: row.manifest_sha256,
        format: row.format,
        created_by: row.created_by,
        created_by_name,
        created_at: row.created_at,
        revoked_since_archive,
    })
}

/// The archive row of a batch the caller may read, or 404 (not archived, or not visible).
async fn readable_archive(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> ApiResult<batch_archive::Model> {
    tenancy::find_batch(&state.db.conn, user, id).await?;
    user.require(READERS)?;
    batch_archive::Entity::find_by_id(id)
        .one(&state.db.conn)
        .await?
        .ok_or(ApiError::NotFound)
}

/// 归档: seals a completed batch (certificates issued and published) into one zip — the batch,
/// its step decisions and change requests, roster with results (ID masked), audit events with
/// their hash-chain fields, materials, inspection reports and files, the certificate list with
/// each certificate's signed content, its SHA-256 and signature, and `MANIFEST.sha256`
/// (`sha256sum -c` passes after unzipping) — stored by its SHA-256. The batch's status becomes
/// `archived`: from then on every write on the batch or anything under it answers 409
/// `BATCH_ARCHIVED` (revoking a certificate stays possible and leaves the zip as it was).
#[utoipa::path(
    tag = "archive",
    params(
        ("id" = Uuid, Path, description = "Batch id"),
        ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key returns the first answer")
    ),
    responses(
        (status = 201, body = ArchiveView, description = "Archived; the batch is now read only"),
        (status = 401, body = Problem),
        (status = 403, body = Problem, description = "Not 信息部"),
        (status = 404, body = Problem, description = "No such batch, or another institution's"),
        (status = 409, body = Problem, description = "BATCH_NOT_COMPLETED: the batch's status is not `completed` (certificates not yet published); BATCH_ARCHIVED: archived already"),
        (status = 503, body = Problem, description = "BUSY: as many archives as `permits.archives` are being built; retry after `Retry-After` seconds", headers(("Retry-After" = u64, description = "Seconds to wait")))
    ),
    security(("bearer" = []))
)]
#[post("/batches/{id}/archive")]
pub async fn create_archive(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    req: HttpRequest,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let batch = tenancy::find_batch(&state.db.conn, &user, id).await?;
    user.require(&[Role::InfoOfficer])?;
    if let Some(replay) = key.replay(&state.db.conn, user.id, &req).await? {
        return Ok(replay);
    }
    tenancy::ensure_writable(&batch)?;
    let loaded = batches::load(&state.db.conn, batch).await?;
    let status = loaded
        .step_states()?
        .status_archived(loaded.process()?, false)
        .status;
    if !status.can_archive() {
        return Err(ApiError::Conflict {
            code: "BATCH_NOT_COMPLETED",
            detail: format!(
                "批次状态为“{}”：证书发放并上网公布、批次办结后方可归档",
                status.name_zh()
            ),
        });
    }
    let archived_by = user::Entity::find_by_id(user.id)
        .one(&state.db.conn)
        .await?
        .ok_or(ApiError::Unauthorized("用户不存在"))?;
    // Microseconds: what both databases keep, so the zip and the row agree on the instant.
    let now = state.clock.now_stored();
    // Held while the dossier is built; a client that goes away drops the build and the permit.
    let _permit = state.permits.try_acquire(crate::permits::Work::Archive)?;
    let built = archive::build(&state, &loaded, &archived_by, now).await?;

    let txn = state.db.begin_write().await?;
    // Conditional: of two concurrent archivings exactly one seals the batch. The version moves
    // on, so a write that read the batch before the seal and updates on its version fails.
    let sealed = batch::Entity::update_many()
        .col_expr(batch::Column::ArchivedAt, Expr::value(Some(now)))
        .col_expr(batch::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            batch::Column::Version,
            Expr::col(batch::Column::Version).add(1),
        )
        .filter(batch::Column::Id.eq(id))
        .filter(batch::Column::ArchivedAt.is_null())
        .exec(&*txn)
        .await?;
    if sealed.rows_affected != 1 {
        return Err(ApiError::batch_archived());
    }
    let row = batch_archive::Entity::insert(batch_archive::ActiveModel {
        batch_id: Set(id),
        sha256: Set(built.sha256.clone()),
        size: Set(i64::try_from(built.size).unwrap_or(i64::MAX)),
        file_count: Set(i32::try_from(built.file_count).unwrap_or(i32::MAX)),
        manifest_sha256: Set(built.manifest_sha256.clone()),
        format: Set(archive::FORMAT.to_owned()),
        created_by: Set(user.id),
        created_at: Set(now),
    })
    .exec_with_returning(&*txn)
    .await?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "batch.archive",
            entity_type: "batch",
            entity_id: id.to_string(),
            institution_id: Some(loaded.batch.institution_id),
            summary: json!({
                "before": { "status": status.code() },
                "after": {
                    "status": "archived",
                    "sha256": built.sha256,
                    "size": built.size,
                    "file_count": built.file_count,
                    "manifest_sha256": built.manifest_sha256,
                    "format": archive::FORMAT,
                },
            }),
        },
    )
    .await?;
    let view = ArchiveView {
        download_path: format!("/api/v1/batches/{id}/archive/zip"),
        batch_id: id,
        sha256: row.sha256,
        size: row.size,
        file_count: row.file_count,
        manifest_sha256: row.manifest_sha256,
        format: row.format,
        created_by: row.created_by,
        created_by_name: Some(archived_by.display_name),
        created_at: row.created_at,
        revoked_since_archive: Vec::new(),
    };
    key.remember(&*txn, user.id, &req, StatusCode::CREATED, &view, now)
        .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(view))
}

/// The archive's metadata: when and by whom, the zip's SHA-256, size and file count, and the
/// revocations made since. 404 while the batch is not archived.
#[utoipa::path(
    tag = "archive",
    params(("id" = Uuid, Path, description = "Batch id")),
    responses(
        (status = 200, body = ArchiveView),
        (status = 401, body = Problem),
        (status = 403, body = Problem, description = "Not 信息部, a supervisor or the batch's institution"),
        (status = 404, body = Problem, description = "No such batch, another institution's, or not archived")
    ),
    security(("bearer" = []))
)]
#[get("/batches/{id}/archive")]
pub async fn get_archive(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ArchiveView>> {
    let row = readable_archive(&state, &user, id.into_inner()).await?;
    Ok(web::Json(view_of(&state, row).await?))
}

/// Downloads the archive zip. Its SHA-256 is the `ETag` and the metadata's `sha256`; after
/// unzipping, `sha256sum -c MANIFEST.sha256` checks every file.
#[utoipa::path(
    tag = "archive",
    params(("id" = Uuid, Path, description = "Batch id")),
    responses(
        (status = 200, description = "The zip", content_type = "application/zip", body = ZipFile),
        (status = 401, body = Problem),
        (status = 403, body = Problem, description = "Not 信息部, a supervisor or the batch's institution"),
        (status = 404, body = Problem, description = "No such batch, another institution's, or not archived")
    ),
    security(("bearer" = []))
)]
#[get("/batches/{id}/archive/zip")]
pub async fn download_archive(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let row = readable_archive(&state, &user, id.into_inner()).await?;
    let opened = storage::open(&*state.storage, &row.sha256).await?;
    let name = format!("batch-{}-archive.zip", row.batch_id);
    Ok(HttpResponse::Ok()
        .content_type("application/zip")
        .insert_header((
            header::CONTENT_DISPOSITION,
            crate::api::attachment_disposition(&name, None),
        ))
        .insert_header((header::ETAG, format!("\"{}\"", row.sha256)))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .no_chunking(opened.size)
        .streaming(opened.stream))
}
