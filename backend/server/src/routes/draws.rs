//! 双随机、一公开 (SPEC §7): supervisors create (commit) and run draws; the public reads the
//! published data and asks the platform to recompute a draw. The work is in [`crate::draws`].

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;
use serde_json::json;
use skillcert_domain::codecs::Region;
use skillcert_domain::draw::{self, DrawResult, Verification};
use skillcert_domain::{InspectionMode, Role};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::{IdempotencyKey, Page, PageQuery};
use crate::audit::{self, AuditCtx, RequestMeta};
use crate::auth::CurrentUser;
use crate::draws::{self, COMMITTED, DRAWN, NewDraw, PoolLabels};
use crate::entities::{draw as draw_entity, inspection, institution, user};
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_draw)
        .service(list_draws)
        .service(get_draw)
        .service(run_draw)
        .service(public_draws)
        .service(public_draw)
        .service(verify_draw)
        .service(list_inspectors);
}

// ---------------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Serialize, ToSchema)]
pub struct PickInspectorView {
    pub inspector_id: String,
    pub display_name: String,
}

/// One picked batch as published: who inspects whom, when, and how.
#[derive(Debug, Serialize, ToSchema)]
pub struct DrawPickView {
    pub batch_id: String,
    pub institution_id: String,
    pub institution_name: String,
    /// Institution kind code.
    pub kind: String,
    #[schema(format = Date)]
    pub exam_start: String,
    #[schema(format = Date)]
    pub exam_end: String,
    pub venue_region: String,
    pub venue_region_name: String,
    /// In draw order.
    pub inspectors: Vec<PickInspectorView>,
    /// Inspectors requested but not assignable without a conflict.
    pub shortfall: u32,
    pub mode: InspectionMode,
    pub mode_name: &'static str,
}

/// A draw as listed (supervisors and the public). The seed and the results appear once drawn.
#[derive(Debug, Serialize, ToSchema)]
pub struct DrawSummary {
    pub id: Uuid,
    pub title: String,
    pub mode: InspectionMode,
    pub mode_name: &'static str,
    /// `committed` (seed committed, not yet drawn) or `drawn`.
    pub status: String,
    pub status_name: &'static str,
    /// k as requested.
    pub batch_count: i32,
    /// m as requested.
    pub inspectors_per_batch: i32,
    /// Batches in the pool snapshot.
    pub pool_batches: usize,
    /// Inspectors in the pool snapshot.
    pub pool_inspectors: usize,
    /// SHA-256 of the seed's 64 hex characters, published before the draw.
    pub commitment: String,
    /// SHA-256 of the canonical pool snapshot, published with the commitment.
    pub pool_digest: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub committed_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub drawn_at: Option<OffsetDateTime>,
    /// The revealed seed (64 lowercase hex characters); null until drawn.
    pub seed: Option<String>,
    /// The picks with names and dates; empty until drawn.
    pub results: Vec<DrawPickView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PoolBatchView {
    pub batch_id: String,
    pub institution_id: String,
    pub institution_name: String,
    pub kind: String,
    #[schema(format = Date)]
    pub exam_start: String,
    #[schema(format = Date)]
    pub exam_end: String,
    pub venue_region: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PoolInspectorView {
    pub inspector_id: String,
    pub display_name: String,
    pub affiliated_institution_ids: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreviousPairView {
    pub inspector_id: String,
    pub institution_id: String,
    pub institution_name: Option<String>,
}

/// The pool snapshot with names, for reading (the snapshot text is what is hashed).
#[derive(Debug, Serialize, ToSchema)]
pub struct DrawPoolView {
    pub batches: Vec<PoolBatchView>,
    pub inspectors: Vec<PoolInspectorView>,
    /// Inspector–institution pairs of the previous draw, excluded as conflicts.
    pub previous_assignments: Vec<PreviousPairView>,
}

/// Everything published about one draw: enough to recompute it by hand (see
/// `skillcert_domain::draw` and `backend/domain/tools/recompute_draw.py`).
#[derive(Debug, Serialize, ToSchema)]
pub struct DrawDetail {
    #[serde(flatten)]
    pub summary: DrawSummary,
    /// The draw whose assignments were carried over as conflicts.
    pub previous_draw_id: Option<Uuid>,
    /// The canonical pool JSON, exactly the bytes whose SHA-256 is `pool_digest`.
    pub pool_snapshot: String,
    /// The procedure's output as published (inspector and institution ids); null until drawn.
    pub result: Option<DrawResult>,
    pub pool: DrawPoolView,
}

/// A draw as its supervisors see it: the published detail, the filter and who acted.
#[derive(Debug, Serialize, ToSchema)]
pub struct DrawView {
    #[serde(flatten)]
    pub detail: DrawDetail,
    /// The batch filter as applied (normalised).
    #[schema(value_type = Object)]
    pub batch_filter: serde_json::Value,
    pub created_by: Uuid,
    pub drawn_by: Option<Uuid>,
    /// The inspections the run assigned.
    pub inspections_assigned: u64,
}

// ---------------------------------------------------------------------------------------------
// Views
// ---------------------------------------------------------------------------------------------

fn mode_of(row: &draw_entity::Model) -> ApiResult<InspectionMode> {
    row.mode
        .parse()
        .map_err(|_| ApiError::Internal(format!("stored draw mode `{}`", row.mode)))
}

fn region_name(code: &str) -> String {
    code.parse::<Region>()
        .map_or_else(|_| code.to_owned(), |r| r.name_zh().to_owned())
}

fn picks_view(result: &DrawResult, labels: &PoolLabels, mode: InspectionMode) -> Vec<DrawPickView> {
    result
        .picks
        .iter()
        .map(|pick| {
            let label = labels.batches.get(&pick.batch_id);
            DrawPickView {
                batch_id: pick.batch_id.clone(),
                institution_id: pick.institution_id.clone(),
                institution_name: label.map_or_else(String::new, |l| l.institution_name.clone()),
                kind: label.map_or_else(String::new, |l| l.kind.clone()),
                exam_start: label.map_or_else(String::new, |l| l.exam_start.clone()),
                exam_end: label.map_or_else(String::new, |l| l.exam_end.clone()),
                venue_region: label.map_or_else(String::new, |l| l.venue_region.clone()),
                venue_region_name: label.map_or_else(String::new, |l| region_name(&l.venue_region)),
                inspectors: pick
                    .inspector_ids
                    .iter()
                    .map(|id| PickInspectorView {
                        inspector_id: id.clone(),
                        display_name: labels
                            .inspectors
                            .get(id)
                            .map_or_else(String::new, |l| l.display_name.clone()),
                    })
                    .collect(),
                shortfall: pick.shortfall,
                mode,
                mode_name: mode.name_zh(),
            }
        })
        .collect()
}

fn summary(row: &draw_entity::Model) -> ApiResult<DrawSummary> {
    let mode = mode_of(row)?;
    let labels = draws::stored_labels(row);
    let drawn = row.status == DRAWN;
    let results = if drawn {
        picks_view(&draws::stored_result(row)?, &labels, mode)
    } else {
        Vec::new()
    };
    Ok(DrawSummary {
        id: row.id,
        title: row.title.clone(),
        mode,
        mode_name: mode.name_zh(),
        status: row.status.clone(),
        status_name: draws::status_name(&row.status),
        batch_count: row.batch_count,
        inspectors_per_batch: row.inspectors_per_batch,
        pool_batches: labels.batches.len(),
        pool_inspectors: labels.inspectors.len(),
        commitment: row.commitment.clone(),
        pool_digest: row.pool_digest.clone(),
        committed_at: row.committed_at,
        drawn_at: row.drawn_at,
        // Only ever the revealed seed: the sealed one never leaves the server.
        seed: if drawn { row.seed.clone() } else { None },
        results,
    })
}

fn detail(row: &draw_entity::Model) -> ApiResult<DrawDetail> {
    let labels = draws::stored_labels(row);
    let input: Option<draw::DrawInput> = serde_json::from_str(&row.pool_snapshot).ok();
    let pool = match input {
        None => DrawPoolView {
            batches: Vec::new(),
            inspectors: Vec::new(),
            previous_assignments: Vec::new(),
        },
        Some(input) => DrawPoolView {
            batches: input
                .batches
                .iter()
                .map(|b| {
                    let label = labels.batches.get(&b.batch_id);
                    PoolBatchView {
                        batch_id: b.batch_id.clone(),
                        institution_id: b.institution_id.clone(),
                        institution_name: label
                            .map_or_else(String::new, |l| l.institution_name.clone()),
                        kind: label.map_or_else(String::new, |l| l.kind.clone()),
                        exam_start: label.map_or_else(String::new, |l| l.exam_start.clone()),
                        exam_end: label.map_or_else(String::new, |l| l.exam_end.clone()),
                        venue_region: label.map_or_else(String::new, |l| l.venue_region.clone()),
                    }
                })
                .collect(),
            inspectors: input
                .inspectors
                .iter()
                .map(|i| PoolInspectorView {
                    inspector_id: i.inspector_id.clone(),
                    display_name: labels
                        .inspectors
                        .get(&i.inspector_id)
                        .map_or_else(String::new, |l| l.display_name.clone()),
                    affiliated_institution_ids: i.affiliated_institution_ids.clone(),
                })
                .collect(),
            previous_assignments: input
                .previous_assignments
                .iter()
                .map(|p| PreviousPairView {
                    inspector_id: p.inspector_id.clone(),
                    institution_id: p.institution_id.clone(),
                    institution_name: labels.institutions.get(&p.institution_id).cloned(),
                })
                .collect(),
        },
    };
    let result = if row.status == DRAWN {
        Some(draws::stored_result(row)?)
    } else {
        None
    };
    Ok(DrawDetail {
        summary: summary(row)?,
        previous_draw_id: row.previous_draw_id,
        pool_snapshot: row.pool_snapshot.clone(),
        result,
        pool,
    })
}

async fn supervisor_view<C: sea_orm::ConnectionTrait>(
    conn: &C,
    row: &draw_entity::Model,
) -> ApiResult<DrawView> {
    let assigned = inspection::Entity::find()
        .filter(inspection::Column::DrawId.eq(row.id))
        .count(conn)
        .await?;
    Ok(DrawView {
        detail: detail(row)?,
        batch_filter: row.batch_filter.clone(),
        created_by: row.created_by,
        drawn_by: row.drawn_by,
        inspections_assigned: assigned,
    })
}

async fn find_draw<C: sea_orm::ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> ApiResult<draw_entity::Model> {
    draw_entity::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound)
}

async fn page_of(state: &AppState, page: &PageQuery) -> ApiResult<Page<DrawSummary>> {
    let (page_no, size) = page.resolve()?;
    let paginator = draw_entity::Entity::find()
        .order_by_desc(draw_entity::Column::CommittedAt)
        .order_by_desc(draw_entity::Column::Id)
        .paginate(&state.db.conn, size);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page_no - 1).await?;
    Ok(Page {
        items: rows.iter().map(summary).collect::<ApiResult<_>>()?,
        total,
        page: page_no,
        page_size: size,
    })
}

// ---------------------------------------------------------------------------------------------
// Supervisors
// ---------------------------------------------------------------------------------------------

/// Define a draw (supervisors). Both pools are snapshotted at once — the batches matching the
/// filter that are under external supervision (plan approved, certificate decision not yet
/// made), the inspectors (default: every active inspector) with their affiliations, and the
/// previous draw's inspector–institution pairs — and a fresh 32-byte seed is drawn from the
/// operating system's CSPRNG and kept sealed. Published at once: the seed's commitment
/// SHA-256(seed) and the pool snapshot with its digest. Status `committed`.
#[utoipa::path(
    tag = "draws",
    request_body = NewDraw,
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key returns the first answer")),
    responses(
        (status = 201, body = DrawView),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "Not a supervisor"),
        (status = 422, body = Problem, description = "VALIDATION: bad field, k or m out of range, an empty pool, unknown or unusable inspector ids — every violation at once")
    ),
    security(("bearer" = []))
)]
#[post("/draws")]
pub async fn create_draw(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    req: HttpRequest,
    key: IdempotencyKey,
    body: web::Json<NewDraw>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Supervisor])?;
    if let Some(replay) = key.replay(&state.db.conn, user.id, &req).await? {
        return Ok(replay);
    }
    let new = body.into_inner();
    let (title, mode, pool) = draws::prepare(&state.db.conn, &new).await?;
    let seed = draws::fresh_seed()?;
    let commitment = draw::commitment(&seed);
    let sealed = state
        .pii
        .encrypt(seed.as_str())
        .map_err(|e| ApiError::Internal(format!("sealing the seed: {e}")))?;
    let snapshot = draw::canonical_json(&pool.input);
    let digest = draw::pool_digest(&pool.input);
    let labels = serde_json::to_value(&pool.labels)
        .map_err(|e| ApiError::Internal(format!("pool labels: {e}")))?;
    let now = state.clock.now_stored();
    let id = Uuid::now_v7();
    let txn = state.db.begin_write().await?;
    draw_entity::Entity::insert(draw_entity::ActiveModel {
        id: Set(id),
        title: Set(title.clone()),
        mode: Set(mode.code().to_owned()),
        status: Set(COMMITTED.to_owned()),
        batch_filter: Set(pool.filter.clone()),
        batch_count: Set(i32::try_from(pool.input.batch_count).unwrap_or(i32::MAX)),
        inspectors_per_batch: Set(
            i32::try_from(pool.input.inspectors_per_batch).unwrap_or(i32::MAX)
        ),
        pool_snapshot: Set(snapshot),
        pool_digest: Set(digest.clone()),
        pool_labels: Set(labels),
        previous_draw_id: Set(pool.previous_draw_id),
        commitment: Set(commitment.clone()),
        seed_sealed: Set(Some(sealed)),
        seed: Set(None),
        result: Set(None),
        created_by: Set(user.id),
        committed_at: Set(now),
        drawn_by: Set(None),
        drawn_at: Set(None),
        version: Set(1),
    })
    .exec(&*txn)
    .await?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "draw.commit",
            entity_type: "draw",
            entity_id: id.to_string(),
            institution_id: None,
            summary: json!({
                "after": {
                    "title": title,
                    "mode": mode,
                    "batch_filter": pool.filter,
                    "batch_count": pool.input.batch_count,
                    "inspectors_per_batch": pool.input.inspectors_per_batch,
                    "pool_batches": pool.input.batches.len(),
                    "pool_inspectors": pool.input.inspectors.len(),
                    "previous_draw_id": pool.previous_draw_id,
                    "pool_digest": digest,
                    "commitment": commitment,
                },
            }),
        },
    )
    .await?;
    let row = find_draw(&*txn, id).await?;
    let view = supervisor_view(&*txn, &row).await?;
    key.remember(&*txn, user.id, &req, StatusCode::CREATED, &view, now)
        .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(view))
}

/// Run a committed draw (supervisors): the seed is unsealed and checked against its
/// commitment, `skillcert_domain::draw::run_draw` runs on the stored pool snapshot, the seed and
/// the result are published (status `drawn`) and one inspection is assigned per picked batch
/// and inspector, in the draw's mode. A draw runs once: again answers 409.
#[utoipa::path(
    tag = "draws",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = DrawView),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "INVALID_STATE: already drawn")
    ),
    security(("bearer" = []))
)]
#[post("/draws/{id}/run")]
pub async fn run_draw(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<DrawView>> {
    user.require(&[Role::Supervisor])?;
    let id = id.into_inner();
    let now = state.clock.now_stored();
    let txn = state.db.begin_write().await?;
    let row = find_draw(&*txn, id).await?;
    if row.status != COMMITTED {
        return Err(ApiError::invalid_state("该抽查已经抽取，不能重复抽取"));
    }
    let seed = draws::unseal(&state, &row)?;
    let input: draw::DrawInput = serde_json::from_str(&row.pool_snapshot)
        .map_err(|e| ApiError::Internal(format!("draw {id} pool snapshot: {e}")))?;
    if draw::pool_digest(&input) != row.pool_digest {
        return Err(ApiError::Internal(format!(
            "draw {id} pool snapshot does not match its digest"
        )));
    }
    let result = draw::run_draw(&input, &seed).map_err(|e| {
        ApiError::Unprocessable(vec![skillcert_domain::rules::Violation::new(
            skillcert_domain::rules::RuleCode::Validation,
            e.to_string(),
        )])
    })?;
    let mode = mode_of(&row)?;
    let result_json =
        serde_json::to_value(&result).map_err(|e| ApiError::Internal(format!("result: {e}")))?;
    // Conditional on the status read above: of two concurrent runs exactly one wins.
    let updated = draw_entity::Entity::update_many()
        .set(draw_entity::ActiveModel {
            status: Set(DRAWN.to_owned()),
            seed: Set(Some(seed.as_str().to_owned())),
            seed_sealed: Set(None),
            result: Set(Some(result_json)),
            drawn_by: Set(Some(user.id)),
            drawn_at: Set(Some(now)),
            version: Set(row.version + 1),
            ..Default::default()
        })
        .filter(draw_entity::Column::Id.eq(id))
        .filter(draw_entity::Column::Status.eq(COMMITTED))
        .filter(draw_entity::Column::Version.eq(row.version))
        .exec(&*txn)
        .await?;
    if updated.rows_affected != 1 {
        return Err(ApiError::invalid_state("该抽查已经抽取，不能重复抽取"));
    }
    let mut assigned = Vec::new();
    for pick in &result.picks {
        let (Ok(batch_id), Ok(institution_id)) = (
            pick.batch_id.parse::<Uuid>(),
            pick.institution_id.parse::<Uuid>(),
        ) else {
            return Err(ApiError::Internal(format!(
                "draw {id} picked a malformed batch id"
            )));
        };
        for inspector in &pick.inspector_ids {
            let inspector_id = inspector
                .parse::<Uuid>()
                .map_err(|_| ApiError::Internal(format!("draw {id} malformed inspector id")))?;
            let inspection_id = Uuid::now_v7();
            inspection::Entity::insert(inspection::ActiveModel {
                id: Set(inspection_id),
                draw_id: Set(id),
                batch_id: Set(batch_id),
                institution_id: Set(institution_id),
                inspector_id: Set(inspector_id),
                mode: Set(mode.code().to_owned()),
                status: Set(crate::routes::inspections::ASSIGNED.to_owned()),
                rating: Set(None),
                findings: Set(None),
                reported_at: Set(None),
                created_at: Set(now),
            })
            .exec(&*txn)
            .await?;
            assigned.push(json!({
                "inspection_id": inspection_id,
                "batch_id": batch_id,
                "inspector_id": inspector_id,
            }));
        }
    }
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "draw.run",
            entity_type: "draw",
            entity_id: id.to_string(),
            institution_id: None,
            summary: json!({
                "before": { "status": COMMITTED },
                "after": {
                    "status": DRAWN,
                    "seed": seed.as_str(),
                    "pool_digest": result.pool_digest,
                    "picks": result.picks.len(),
                    "inspections": assigned,
                },
            }),
        },
    )
    .await?;
    // For webhooks (docs/events.md): the published result, once.
    crate::notices::insert_event(
        &*txn,
        crate::notices::DRAW_PUBLISHED,
        json!({
            "draw": {
                "id": id,
                "title": row.title,
                "mode": mode.code(),
                "commitment": row.commitment,
                "seed": seed.as_str(),
                "pool_digest": result.pool_digest,
                "picks": result.picks,
                "public_url": format!("/api/v1/public/draws/{id}"),
            },
        }),
        Some(format!("{}:{id}", crate::notices::DRAW_PUBLISHED)),
        now,
    )
    .await?;
    let row = find_draw(&*txn, id).await?;
    let view = supervisor_view(&*txn, &row).await?;
    txn.commit().await?;
    Ok(web::Json(view))
}

/// Every draw, newest first (supervisors).
#[utoipa::path(
    tag = "draws",
    params(PageQuery),
    responses(
        (status = 200, body = Page<DrawSummary>),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[get("/draws")]
pub async fn list_draws(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<DrawSummary>>> {
    user.require(&[Role::Supervisor])?;
    Ok(web::Json(page_of(&state, &page).await?))
}

/// One draw with its pools, filter and assignments count (supervisors). The seed stays hidden
/// until the draw has run.
#[utoipa::path(
    tag = "draws",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = DrawView),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)
    ),
    security(("bearer" = []))
)]
#[get("/draws/{id}")]
pub async fn get_draw(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<DrawView>> {
    user.require(&[Role::Supervisor])?;
    let row = find_draw(&state.db.conn, id.into_inner()).await?;
    Ok(web::Json(supervisor_view(&state.db.conn, &row).await?))
}

// ---------------------------------------------------------------------------------------------
// Public (一公开, no login)
// ---------------------------------------------------------------------------------------------

/// Published draws, newest first (no login): title, mode, the seed commitment and pool digest
/// from the start; once drawn also the seed and the results (institution, batch, exam dates,
/// inspectors, mode).
#[utoipa::path(
    tag = "public",
    params(PageQuery),
    responses(
        (status = 200, body = Page<DrawSummary>),
        (status = 422, body = Problem, description = "Bad paging")
    )
)]
#[get("/public/draws")]
pub async fn public_draws(
    state: web::Data<AppState>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<DrawSummary>>> {
    Ok(web::Json(page_of(&state, &page).await?))
}

/// One published draw with what is needed to recompute it (no login): the canonical pool
/// snapshot exactly as hashed, the commitment, and once drawn the seed and the result.
#[utoipa::path(
    tag = "public",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = DrawDetail), (status = 404, body = Problem))
)]
#[get("/public/draws/{id}")]
pub async fn public_draw(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<DrawDetail>> {
    let row = find_draw(&state.db.conn, id.into_inner()).await?;
    Ok(web::Json(detail(&row)?))
}

/// Recompute a drawn draw from its published data (no login): the seed against the commitment,
/// the snapshot against the pool digest, and the procedure's output against the published
/// result. `matches` is true only when all three hold. 409 while the draw is only committed.
#[utoipa::path(
    tag = "public",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = Verification),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "INVALID_STATE: not drawn yet")
    )
)]
#[get("/public/draws/{id}/verify")]
pub async fn verify_draw(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<Verification>> {
    let row = find_draw(&state.db.conn, id.into_inner()).await?;
    draws::verify(&row)
        .map(web::Json)
        .ok_or_else(|| ApiError::invalid_state("该抽查尚未抽取，种子尚未公开，暂不能复算"))
}

// ---------------------------------------------------------------------------------------------
// The inspector pool
// ---------------------------------------------------------------------------------------------

/// An active inspector account, as the supervisor picks the inspector pool.
#[derive(Debug, Serialize, ToSchema)]
pub struct InspectorView {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    /// Institutions the inspector is never drawn to (SPEC §7 conflicts), sorted.
    pub affiliated_institution_ids: Vec<Uuid>,
    /// Their names, in the same order.
    pub affiliated_institution_names: Vec<String>,
}

/// The active inspector accounts with their affiliations (supervisors), by name: the default
/// inspector pool of a draw.
#[utoipa::path(
    tag = "draws",
    params(PageQuery),
    responses(
        (status = 200, body = Page<InspectorView>),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[get("/inspectors")]
pub async fn list_inspectors(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<InspectorView>>> {
    user.require(&[Role::Supervisor])?;
    let (page_no, size) = page.resolve()?;
    let conn = &state.db.conn;
    let paginator = user::Entity::find()
        .filter(user::Column::Role.eq(Role::Inspector.code()))
        .filter(user::Column::Disabled.eq(false))
        .order_by_asc(user::Column::DisplayName)
        .order_by_asc(user::Column::Id)
        .paginate(conn, size);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page_no - 1).await?;
    let ids: Vec<Uuid> = rows.iter().map(|u| u.id).collect();
    let mut affiliations = crate::users::affiliations_of(conn, &ids).await?;
    let institution_ids: Vec<Uuid> = affiliations.values().flatten().copied().collect();
    let names: std::collections::BTreeMap<Uuid, String> = if institution_ids.is_empty() {
        std::collections::BTreeMap::new()
    } else {
        institution::Entity::find()
            .filter(institution::Column::Id.is_in(institution_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|i| (i.id, i.name))
            .collect()
    };
    let items = rows
        .into_iter()
        .map(|u| {
            let affiliated = affiliations.remove(&u.id).unwrap_or_default();
            InspectorView {
                affiliated_institution_names: affiliated
                    .iter()
                    .map(|id| names.get(id).cloned().unwrap_or_default())
                    .collect(),
                affiliated_institution_ids: affiliated,
                id: u.id,
                username: u.username,
                display_name: u.display_name,
            }
        })
        .collect();
    Ok(web::Json(Page {
        items,
        total,
        page: page_no,
        page_size: size,
    }))
}
