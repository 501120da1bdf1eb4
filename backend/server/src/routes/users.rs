//! `/admin/users`: accounts, managed by the admin only (SPEC §1). The work is in
//! [`crate::users`]; here are the HTTP shapes, the role check and the transaction.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use serde::Deserialize;
use skillcert_domain::Role;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::{IdempotencyKey, Page, PageQuery, expected_version};
use crate::audit::{AuditCtx, RequestMeta};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;
use crate::users::{self, NewUser, UserFilter, UserPatch, UserView};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(get_user)
        .service(patch_user);
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// Only this role.
    #[param(inline)]
    pub role: Option<Role>,
    /// Only the users of this institution.
    pub institution_id: Option<Uuid>,
}

/// List accounts, by username.
#[utoipa::path(
    tag = "users",
    params(PageQuery, UserListQuery),
    responses(
        (status = 200, body = Page<UserView>),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[get("/admin/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: web::Query<PageQuery>,
    query: web::Query<UserListQuery>,
) -> ApiResult<web::Json<Page<UserView>>> {
    user.require(&[Role::Admin])?;
    let (page_no, size) = page.resolve()?;
    let role = query.role;
    let filter = UserFilter {
        role,
        institution_id: query.institution_id,
    };
    let (rows, total) = users::list(&state.db.conn, &filter, page_no, size).await?;
    let now = state.clock.now();
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let mut affiliations = users::affiliations_of(&state.db.conn, &ids).await?;
    Ok(web::Json(Page {
        items: rows
            .iter()
            .map(|row| {
                Ok(UserView::from_model(row, now)?
                    .with_affiliations(affiliations.remove(&row.id).unwrap_or_default()))
            })
            .collect::<ApiResult<_>>()?,
        total,
        page: page_no,
        page_size: size,
    }))
}

/// Create an account. `institution_id` is required for, and only for, the `institution` role.
#[utoipa::path(
    tag = "users",
    request_body = NewUser,
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key returns the first answer")),
    responses(
        (status = 201, body = UserView),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem, description = "USERNAME_TAKEN"),
        (status = 422, body = Problem, description = "VALIDATION: every invalid field at once")
    ),
    security(("bearer" = []))
)]
#[post("/admin/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    req: HttpRequest,
    key: IdempotencyKey,
    body: web::Json<NewUser>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Admin])?;
    if let Some(replay) = key.replay(&state.db.conn, user.id, &req).await? {
        return Ok(replay);
    }
    let prepared = users::prepare_new(&state.db.conn, body.into_inner()).await?;
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    let created = users::insert(&*txn, &AuditCtx::for_user(&user, &meta), now, prepared).await?;
    let view = users::view_of(&*txn, &created, now).await?;
    key.remember(&*txn, user.id, &req, StatusCode::CREATED, &view, now)
        .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(view))
}

/// One account.
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = UserView),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)
    ),
    security(("bearer" = []))
)]
#[get("/admin/users/{id}")]
pub async fn get_user(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<UserView>> {
    user.require(&[Role::Admin])?;
    let row = users::find(&state.db.conn, id.into_inner()).await?;
    Ok(web::Json(
        users::view_of(&state.db.conn, &row, state.clock.now()).await?,
    ))
}

/// Change an account. Optimistic: a stale `version` (or `If-Match`) answers 409. Changing the
/// role, the institution or the password, or disabling, signs the user out everywhere at once;
/// a new password also lifts a lockout. Admins cannot disable themselves or change their own
/// role (409 `INVALID_STATE`).
#[utoipa::path(
    tag = "users",
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "The account's version")),
    request_body = UserPatch,
    responses(
        (status = 200, body = UserView),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "VERSION_CONFLICT or INVALID_STATE"),
        (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[patch("/admin/users/{id}")]
pub async fn patch_user(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Json<UserPatch>,
) -> ApiResult<web::Json<UserView>> {
    user.require(&[Role::Admin])?;
    let id = id.into_inner();
    let patch = body.into_inner();
    let expected = expected_version(&req, patch.version)?
        .ok_or_else(|| ApiError::validation("version", "请提供 version（或 If-Match）"))?;
    let prepared = users::prepare_patch(patch).await?;
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    let updated = users::update(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        id,
        expected,
        prepared,
    )
    .await?;
    let view = users::view_of(&*txn, &updated, now).await?;
    txn.commit().await?;
    Ok(web::Json(view))
}
