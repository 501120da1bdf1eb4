//! The supervisors' blacklist of persons banned from assessment (禁考名单, SPEC §5 BLACKLISTED):
//! an ordinary table, maintained by supervisors and read by admins. A person is kept as a keyed
//! blind index and a masked number only, never the full number. Every change re-examines the
//! open batches the person is registered in.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skillcert_domain::Role;
use skillcert_domain::calendar::iso_date;
use skillcert_domain::rules::{RuleCode, Violation};
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::{IdempotencyKey, Page, PageQuery};
use crate::audit::{self, AuditCtx, RequestMeta};
use crate::auth::CurrentUser;
use crate::batches;
use crate::candidates;
use crate::entities::{batch, blacklist_entry};
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_blacklist)
        .service(create_blacklist_entry)
        .service(delete_blacklist_entry);
}

fn resident() -> String {
    "resident_id".to_owned()
}

/// A person to ban.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlacklistInput {
    pub name: String,
    /// `resident_id` (default) or another document type (see candidates).
    #[serde(default = "resident")]
    pub id_type: String,
    /// Write only: stored as a blind index and a masked form.
    #[serde(deserialize_with = "candidates::secret_text")]
    pub id_number: String,
    pub reason: String,
    #[schema(value_type = String, format = Date, example = "2026-01-01")]
    pub ban_from: String,
    #[schema(value_type = String, format = Date, example = "2028-12-31")]
    pub ban_until: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BlacklistView {
    pub id: Uuid,
    pub name: String,
    pub id_number_masked: String,
    pub reason: String,
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub ban_from: Date,
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub ban_until: Date,
    pub created_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

impl From<blacklist_entry::Model> for BlacklistView {
    fn from(row: blacklist_entry::Model) -> Self {
        BlacklistView {
            id: row.id,
            name: row.name,
            id_number_masked: row.id_masked,
            reason: row.reason,
            ban_from: row.ban_from,
            ban_until: row.ban_until,
            created_by: row.created_by,
            created_at: row.created_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BlacklistFilter {
    /// Part of the name.
    pub name: Option<String>,
    /// Entries whose ban covers this date (YYYY-MM-DD).
    pub active_on: Option<String>,
}

/// Re-examines every open batch with a candidate behind `blind`.
async fn recompute_for_person<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    blind: &str,
    now: OffsetDateTime,
) -> ApiResult<()> {
    for batch_id in candidates::open_batches_with(conn, blind).await? {
        let Some(row) = batch::Entity::find_by_id(batch_id).one(conn).await? else {
            continue;
        };
        let loaded = batches::load(conn, row).await?;
        candidates::recompute_warnings(conn, state, &loaded, now).await?;
    }
    Ok(())
}

/// The blacklist (supervisors and admins), latest ban end first.
#[utoipa::path(
    tag = "blacklist",
    params(PageQuery, BlacklistFilter),
    responses(
        (status = 200, body = Page<BlacklistView>),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[get("/blacklist")]
pub async fn list_blacklist(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: web::Query<PageQuery>,
    filter: web::Query<BlacklistFilter>,
) -> ApiResult<web::Json<Page<BlacklistView>>> {
    user.require(&[Role::Supervisor, Role::Admin])?;
    let (page_no, size) = page.resolve()?;
    let mut condition = Condition::all();
    if let Some(name) = filter
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        condition = condition.add(blacklist_entry::Column::Name.contains(name));
    }
    if let Some(text) = &filter.active_on {
        let day = iso_date::parse(text)
            .map_err(|_| ApiError::validation("active_on", "active_on 应为 YYYY-MM-DD"))?;
        condition = condition
            .add(blacklist_entry::Column::BanFrom.lte(day))
            .add(blacklist_entry::Column::BanUntil.gte(day));
    }
    let paginator = blacklist_entry::Entity::find()
        .filter(condition)
        .order_by_desc(blacklist_entry::Column::BanUntil)
        .order_by_desc(blacklist_entry::Column::Id)
        .paginate(&state.db.conn, size);
    let total = paginator.num_items().await?;
    let items = paginator
        .fetch_page(page_no - 1)
        .await?
        .into_iter()
        .map(BlacklistView::from)
        .collect();
    Ok(web::Json(Page {
        items,
        total,
        page: page_no,
        page_size: size,
    }))
}

/// Ban a person (supervisors). Candidates of open batches with the same ID number whose first
/// exam day falls in the ban get a BLACKLISTED warning at once.
#[utoipa::path(
    tag = "blacklist",
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key returns the first answer")),
    request_body = BlacklistInput,
    responses(
        (status = 201, body = BlacklistView),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/blacklist")]
pub async fn create_blacklist_entry(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    req: HttpRequest,
    key: IdempotencyKey,
    body: web::Json<BlacklistInput>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Supervisor])?;
    if let Some(replay) = key.replay(&state.db.conn, user.id, &req).await? {
        return Ok(replay);
    }
    let input = body.into_inner();
    let mut violations = Vec::new();
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 {
        violations
            .push(Violation::new(RuleCode::Validation, "姓名应为 1–100 个字符").field("name"));
    }
    let reason = input.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 1000 {
        violations.push(
            Violation::new(RuleCode::Validation, "禁考理由应为 1–1000 个字符").field("reason"),
        );
    }
    let id = match candidates::parse_id(input.id_type.trim(), &input.id_number, "id_number") {
        Ok(id) => Some(id),
        Err(v) => {
            violations.push(v);
            None
        }
    };
    let mut date = |field: &str, text: &str| match iso_date::parse(text) {
        Ok(d) => Some(d),
        Err(_) => {
            violations.push(
                Violation::new(RuleCode::Validation, format!("日期“{text}”应为 YYYY-MM-DD"))
                    .field(field),
            );
            None
        }
    };
    let from = date("ban_from", &input.ban_from);
    let until = date("ban_until", &input.ban_until);
    if let (Some(from), Some(until)) = (from, until)
        && until < from
    {
        violations.push(
            Violation::new(RuleCode::Validation, "禁考截止日期不能早于起始日期").field("ban_until"),
        );
    }
    let (Some(id), Some(ban_from), Some(ban_until)) = (id, from, until) else {
        return Err(ApiError::Unprocessable(violations));
    };
    if !violations.is_empty() {
        return Err(ApiError::Unprocessable(violations));
    }
    let now = state.clock.now();
    let entry_id = Uuid::now_v7();
    let blind = id.blind(&state);
    let txn = state.db.begin_write().await?;
    blacklist_entry::Entity::insert(blacklist_entry::ActiveModel {
        id: Set(entry_id),
        id_blind: Set(blind.clone()),
        id_masked: Set(id.masked.clone()),
        name: Set(name),
        reason: Set(reason.clone()),
        ban_from: Set(ban_from),
        ban_until: Set(ban_until),
        created_by: Set(user.id),
        created_at: Set(now),
    })
    .exec(&*txn)
    .await?;
    recompute_for_person(&*txn, &state, &blind, now).await?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "blacklist.create",
            entity_type: "blacklist_entry",
            entity_id: entry_id.to_string(),
            institution_id: None,
            summary: json!({
                "after": {
                    "id_number_masked": id.masked,
                    "reason": reason,
                    "ban_from": ban_from.to_string(),
                    "ban_until": ban_until.to_string(),
                }
            }),
        },
    )
    .await?;
    let row = blacklist_entry::Entity::find_by_id(entry_id)
        .one(&*txn)
        .await?
        .ok_or_else(|| ApiError::Internal("blacklist entry vanished".to_owned()))?;
    let view = BlacklistView::from(row);
    key.remember(&*txn, user.id, &req, StatusCode::CREATED, &view, now)
        .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(view))
}

/// Lift a ban (supervisors): the BLACKLISTED warnings it caused in open batches go away.
#[utoipa::path(
    tag = "blacklist",
    params(("id" = Uuid, Path)),
    responses(
        (status = 204),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)
    ),
    security(("bearer" = []))
)]
#[delete("/blacklist/{id}")]
pub async fn delete_blacklist_entry(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Supervisor])?;
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    let row = blacklist_entry::Entity::find_by_id(id.into_inner())
        .one(&*txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    blacklist_entry::Entity::delete_by_id(row.id)
        .exec(&*txn)
        .await?;
    recompute_for_person(&*txn, &state, &row.id_blind, now).await?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "blacklist.delete",
            entity_type: "blacklist_entry",
            entity_id: row.id.to_string(),
            institution_id: None,
            summary: json!({
                "before": {
                    "id_number_masked": row.id_masked,
                    "reason": row.reason,
                    "ban_from": row.ban_from.to_string(),
                    "ban_until": row.ban_until.to_string(),
                }
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}
