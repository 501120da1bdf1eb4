//! `/notices`: the in-app notices of the deadline clock and of supervisors' extensions (issue 6).
//! Institution users see their institution's notices, supervisors the supervisors' ones; other
//! roles have none (403). Another institution's notice answers 404 like a missing one. Read
//! marks are per user; marking a notice read changes nothing anybody else sees, so it is not an
//! audited change.

use std::collections::BTreeMap;

use actix_web::{get, post, web};
use sea_orm::sea_query::{Alias, Expr, OnConflict, Query};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use skillcert_domain::alerts::DeadlineKind;
use skillcert_domain::calendar::iso_date;
use time::{Date, OffsetDateTime};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::PageQuery;
use crate::auth::CurrentUser;
use crate::entities::{institution, notice, notice_read};
use crate::error::{ApiError, ApiResult, Problem};
use crate::notices;
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_notices)
        .service(unread_count)
        .service(read_all)
        .service(read_notice);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeView {
    pub id: Uuid,
    /// The event type: `deadline.approaching`, `deadline.passed` or `deadline.extended`.
    pub kind: String,
    /// `arrangement`, `completion` or `year_end` for deadline notices.
    pub deadline_kind: Option<DeadlineKind>,
    #[serde(with = "iso_date::option")]
    #[schema(value_type = Option<String>, format = Date)]
    pub deadline: Option<Date>,
    pub title: String,
    pub body: String,
    pub batch_id: Option<Uuid>,
    /// The batch number people see (the id's last 8 hex digits).
    pub batch_number: Option<String>,
    pub institution_id: Uuid,
    pub institution_name: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    pub read: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub read_at: Option<OffsetDateTime>,
}

/// A page of notices, newest first, with the caller's unread count.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeList {
    pub items: Vec<NoticeView>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
    /// Unread notices in the caller's scope, over all pages.
    pub unread_count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnreadCount {
    pub unread_count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReadAllResult {
    /// Notices newly marked read.
    pub marked: u64,
    pub unread_count: u64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoticeFilter {
    /// Only unread notices.
    pub unread: Option<bool>,
    /// Only the notices of this batch.
    pub batch_id: Option<Uuid>,
}

/// Notices the caller has not read, as a condition.
fn unread_by(user_id: Uuid) -> Condition {
    Condition::all().add(
        notice::Column::Id.not_in_subquery(
            Query::select()
                .column(notice_read::Column::NoticeId)
                .from(notice_read::Entity)
                .and_where(notice_read::Column::UserId.eq(user_id))
                .to_owned(),
        ),
    )
}

async fn count_unread(state: &AppState, user: &CurrentUser) -> Result<u64, ApiError> {
    let scope = notices::scope(user)?;
    Ok(notice::Entity::find()
        .filter(scope)
        .filter(unread_by(user.id))
        .count(&state.db.conn)
        .await?)
}

async fn views(
    state: &AppState,
    user: &CurrentUser,
    rows: Vec<notice::Model>,
) -> Result<Vec<NoticeView>, ApiError> {
    let conn = &state.db.conn;
    let reads: BTreeMap<Uuid, OffsetDateTime> = notice_read::Entity::find()
        .filter(notice_read::Column::UserId.eq(user.id))
        .filter(notice_read::Column::NoticeId.is_in(rows.iter().map(|n| n.id)))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.notice_id, r.read_at))
        .collect();
    let names: BTreeMap<Uuid, String> = institution::Entity::find()
        .filter(institution::Column::Id.is_in(rows.iter().map(|n| n.institution_id)))
        .select_only()
        .column(institution::Column::Id)
        .column(institution::Column::Name)
        .into_tuple::<(Uuid, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|n| {
            let read_at = reads.get(&n.id).copied();
            NoticeView {
                id: n.id,
                deadline_kind: n.deadline_kind.as_deref().and_then(|k| k.parse().ok()),
                deadline: n.deadline,
                title: n.title,
                body: n.body,
                batch_id: n.batch_id,
                batch_number: n.batch_id.map(notices::batch_no),
                institution_name: names.get(&n.institution_id).cloned().unwrap_or_default(),
                institution_id: n.institution_id,
                kind: n.kind,
                created_at: n.created_at,
                read: read_at.is_some(),
                read_at,
            }
        })
        .collect())
}

/// The caller's notices, newest first (institution users: their institution's; supervisors:
/// the supervisors').
#[utoipa::path(
    tag = "notices",
    params(PageQuery, NoticeFilter),
    responses(
        (status = 200, body = NoticeList),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[get("/notices")]
pub async fn list_notices(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: web::Query<PageQuery>,
    filter: web::Query<NoticeFilter>,
) -> ApiResult<web::Json<NoticeList>> {
    let (page_no, size) = page.resolve()?;
    let mut condition = notices::scope(&user)?;
    if filter.unread == Some(true) {
        condition = condition.add(unread_by(user.id));
    }
    if let Some(batch_id) = filter.batch_id {
        condition = condition.add(notice::Column::BatchId.eq(batch_id));
    }
    let paginator = notice::Entity::find()
        .filter(condition)
        .order_by_desc(notice::Column::CreatedAt)
        .order_by_desc(notice::Column::Id)
        .paginate(&state.db.conn, size);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page_no - 1).await?;
    let items = views(&state, &user, rows).await?;
    Ok(web::Json(NoticeList {
        items,
        total,
        page: page_no,
        page_size: size,
        unread_count: count_unread(&state, &user).await?,
    }))
}

/// How many of the caller's notices are unread (the header bell polls this).
#[utoipa::path(
    tag = "notices",
    responses(
        (status = 200, body = UnreadCount),
        (status = 401, body = Problem), (status = 403, body = Problem)
    ),
    security(("bearer" = []))
)]
#[get("/notices/unread-count")]
pub async fn unread_count(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> ApiResult<web::Json<UnreadCount>> {
    Ok(web::Json(UnreadCount {
        unread_count: count_unread(&state, &user).await?,
    }))
}

/// Mark one notice read (idempotent).
#[utoipa::path(
    tag = "notices",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = NoticeView),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/notices/{id}/read")]
pub async fn read_notice(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<NoticeView>> {
    let scope = notices::scope(&user)?;
    let row = notice::Entity::find_by_id(id.into_inner())
        .filter(scope)
        .one(&state.db.conn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let txn = state.db.begin_write().await?;
    notice_read::Entity::insert(notice_read::ActiveModel {
        notice_id: Set(row.id),
        user_id: Set(user.id),
        read_at: Set(state.clock.now_stored()),
    })
    .on_conflict(
        OnConflict::columns([notice_read::Column::NoticeId, notice_read::Column::UserId])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&*txn)
    .await?;
    txn.commit().await?;
    let mut items = views(&state, &user, vec![row]).await?;
    items.pop().map(web::Json).ok_or(ApiError::NotFound)
}

/// Mark every notice of the caller read.
#[utoipa::path(
    tag = "notices",
    responses(
        (status = 200, body = ReadAllResult),
        (status = 401, body = Problem), (status = 403, body = Problem)
    ),
    security(("bearer" = []))
)]
#[post("/notices/read-all")]
pub async fn read_all(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> ApiResult<web::Json<ReadAllResult>> {
    let scope = notices::scope(&user)?.add(unread_by(user.id));
    let now = state.clock.now_stored();
    let unread = Query::select()
        .column(notice::Column::Id)
        .expr_as(Expr::value(user.id), Alias::new("user_id"))
        .expr_as(Expr::value(now), Alias::new("read_at"))
        .from(notice::Entity)
        .cond_where(scope)
        .to_owned();
    let insert = Query::insert()
        .into_table(notice_read::Entity)
        .columns([
            notice_read::Column::NoticeId,
            notice_read::Column::UserId,
            notice_read::Column::ReadAt,
        ])
        .select_from(unread)
        .map_err(|e| ApiError::Internal(format!("read-all: {e}")))?
        .on_conflict(
            OnConflict::columns([notice_read::Column::NoticeId, notice_read::Column::UserId])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    let txn = state.db.begin_write().await?;
    let marked = sea_orm::ConnectionTrait::execute(&*txn, state.db.backend().build(&insert))
        .await?
        .rows_affected();
    txn.commit().await?;
    Ok(web::Json(ReadAllResult {
        marked,
        unread_count: count_unread(&state, &user).await?,
    }))
}
