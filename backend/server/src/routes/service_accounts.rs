//! Service accounts (SPEC §1 第三方系统; `crate::auth::service`): the admin creates one for a
//! system that calls the API, gets its token once, lists them, renews and revokes them. Tokens
//! expire (90 days unless chosen, at most 365; docs/security.md 2.10); creation, renewal and
//! revocation are audited.
//!
//! Creation takes no `Idempotency-Key`: its answer carries the token, and a stored answer to
//! replay would be a second, lasting copy of it. A lost answer is fixed by revoking the account
//! and creating another.

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    sea_query::Expr,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skillcert_domain::Role;
use skillcert_domain::rules::{RuleCode, Violation};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::{Page, PageQuery};
use crate::audit::{self, AuditCtx, RequestMeta};
use crate::auth::CurrentUser;
use crate::auth::service::{self, ServiceScope};
use crate::entities::service_account;
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_service_account)
        .service(list_service_accounts)
        .service(renew_service_account)
        .service(revoke_service_account);
}

const MAX_NAME_CHARS: usize = 100;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccountInput {
    /// Which system this is (unique, at most 100 characters), e.g. `国家职业技能等级认定信息系统`.
    pub name: String,
    /// At least one of `certificates:read` (certificates by number, ID masked),
    /// `certificates:export` (the national export, full ID numbers) and `batches:read` (every
    /// institution's batches, read only). No scope allows a write.
    pub scopes: Vec<String>,
    /// Days until the token expires: 1–365, 90 when neither this nor `expires_at` is given.
    pub expires_in_days: Option<i64>,
    /// When the token expires (RFC 3339), instead of `expires_in_days`: within 365 days.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<OffsetDateTime>,
}

/// A renewal: the token keeps working for `expires_in_days` from now.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenewInput {
    /// 1–365; 90 when absent.
    pub expires_in_days: Option<i64>,
}

/// A service account as the admin sees it (never its token).
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceAccountView {
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<ServiceScope>,
    /// The token's first characters (`sk_` and 6 more), to tell tokens apart.
    pub token_hint: String,
    /// `active`, `expired` or `revoked`.
    pub status: &'static str,
    /// After this the token answers 401.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: OffsetDateTime,
    pub created_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<OffsetDateTime>,
    /// The last request made with the token (to the minute).
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_used_at: Option<OffsetDateTime>,
}

/// A new account and its token, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedServiceAccount {
    pub account: ServiceAccountView,
    /// `sk_…`: send as `Authorization: Bearer sk_…`. Not stored; not shown again.
    pub token: String,
}

fn view(row: service_account::Model, now: OffsetDateTime) -> ServiceAccountView {
    let expires_at = service::expires_at(&row);
    let scopes = serde_json::from_value::<Vec<String>>(row.scopes)
        .unwrap_or_default()
        .iter()
        .filter_map(|code| ServiceScope::parse(code))
        .collect();
    ServiceAccountView {
        id: row.id,
        name: row.name,
        scopes,
        token_hint: row.token_hint,
        status: if row.revoked_at.is_some() {
            "revoked"
        } else if expires_at <= now {
            "expired"
        } else {
            "active"
        },
        expires_at,
        created_by: row.created_by,
        created_at: row.created_at,
        revoked_at: row.revoked_at,
        last_used_at: row.last_used_at,
    }
}

fn name_taken() -> ApiError {
    ApiError::Conflict {
        code: "SERVICE_ACCOUNT_EXISTS",
        detail: "已有同名的服务账号".to_owned(),
    }
}

/// Creates a service account (admin) and returns its token once.
#[utoipa::path(
    tag = "service-accounts",
    request_body = ServiceAccountInput,
    responses(
        (status = 201, body = CreatedServiceAccount, description = "The token is in this answer only"),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "Not admin"),
        (status = 409, body = Problem, description = "SERVICE_ACCOUNT_EXISTS: the name is taken"),
        (status = 422, body = Problem, description = "VALIDATION: name empty or too long, no scope, an unknown scope")
    ),
    security(("bearer" = []))
)]
#[post("/service-accounts")]
pub async fn create_service_account(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    body: web::Json<ServiceAccountInput>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Admin])?;
    let input = body.into_inner();
    let name = input.name.trim().to_owned();
    let mut violations = Vec::new();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        violations.push(
            Violation::new(
                RuleCode::Validation,
                format!("请填写服务账号名称（不超过 {MAX_NAME_CHARS} 个字符）"),
            )
            .field("name"),
        );
    }
    let mut scopes = Vec::new();
    for code in &input.scopes {
        match ServiceScope::parse(code.trim()) {
            Some(scope) if !scopes.contains(&scope) => scopes.push(scope),
            Some(_) => {}
            None => violations.push(
                Violation::new(
                    RuleCode::Validation,
                    format!(
                        "未知的权限范围“{code}”，应为 {} 之一",
                        ServiceScope::ALL
                            .iter()
                            .map(|s| s.code())
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                )
                .field("scopes"),
            ),
        }
    }
    let now = state.clock.now();
    let expires_at = match (input.expires_in_days, input.expires_at) {
        (Some(_), Some(_)) => {
            violations.push(
                Violation::new(RuleCode::Validation, "有效期天数与到期时间只能填写其一")
                    .field("expires_at"),
            );
            now
        }
        (None, Some(at)) if at <= now || at > now + Duration::days(service::MAX_EXPIRY_DAYS) => {
            violations.push(expiry_violation("expires_at"));
            now
        }
        (None, Some(at)) => at,
        (days, None) => match expiry_from_days(days, now) {
            Some(at) => at,
            None => {
                violations.push(expiry_violation("expires_in_days"));
                now
            }
        },
    };
    if input.scopes.is_empty() {
        violations
            .push(Violation::new(RuleCode::Validation, "至少选择一个权限范围").field("scopes"));
    }
    if !violations.is_empty() {
        return Err(ApiError::Unprocessable(violations));
    }
    scopes.sort();
    let txn = state.db.begin_write().await?;
    let taken = service_account::Entity::find()
        .filter(service_account::Column::Name.eq(name.clone()))
        .count(&*txn)
        .await?;
    if taken > 0 {
        return Err(name_taken());
    }
    let token = service::new_token();
    let codes: Vec<&str> = scopes.iter().map(|s| s.code()).collect();
    let row = service_account::Entity::insert(service_account::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name.clone()),
        scopes: Set(json!(codes)),
        token_hash: Set(service::hash_token(&token)),
        token_hint: Set(service::token_hint(&token)),
        created_by: Set(user.id),
        created_at: Set(now),
        revoked_at: Set(None),
        revoked_by: Set(None),
        last_used_at: Set(None),
        expires_at: Set(Some(expires_at)),
    })
    .exec_with_returning(&*txn)
    .await?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "service_account.create",
            entity_type: "service_account",
            entity_id: row.id.to_string(),
            institution_id: None,
            summary: json!({
                "after": {
                    "name": name,
                    "scopes": codes,
                    "token_hint": row.token_hint,
                    "expires_at": expires_at.unix_timestamp(),
                },
            }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CreatedServiceAccount {
            account: view(row, now),
            token,
        }))
}

/// The service accounts, newest first (admin).
#[utoipa::path(
    tag = "service-accounts",
    params(PageQuery),
    responses(
        (status = 200, body = Page<ServiceAccountView>),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "Not admin"),
        (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[get("/service-accounts")]
pub async fn list_service_accounts(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<ServiceAccountView>>> {
    user.require(&[Role::Admin])?;
    let (page_no, size) = page.resolve()?;
    let paginator = service_account::Entity::find()
        .order_by_desc(service_account::Column::CreatedAt)
        .order_by_desc(service_account::Column::Id)
        .paginate(&state.db.conn, size);
    let total = paginator.num_items().await?;
    let rows = paginator.fetch_page(page_no - 1).await?;
    let now = state.clock.now();
    Ok(web::Json(Page {
        items: rows.into_iter().map(|row| view(row, now)).collect(),
        total,
        page: page_no,
        page_size: size,
    }))
}

/// Revokes a service account (admin): its token answers 401 from now on.
#[utoipa::path(
    tag = "service-accounts",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = ServiceAccountView),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "Not admin"),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "INVALID_STATE: revoked already")
    ),
    security(("bearer" = []))
)]
#[post("/service-accounts/{id}/revoke")]
pub async fn revoke_service_account(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<ServiceAccountView>> {
    user.require(&[Role::Admin])?;
    let id = id.into_inner();
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    let row = service_account::Entity::find_by_id(id)
        .one(&*txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let revoked = service_account::Entity::update_many()
        .col_expr(service_account::Column::RevokedAt, Expr::value(Some(now)))
        .col_expr(
            service_account::Column::RevokedBy,
            Expr::value(Some(user.id)),
        )
        .filter(service_account::Column::Id.eq(id))
        .filter(service_account::Column::RevokedAt.is_null())
        .exec(&*txn)
        .await?;
    if revoked.rows_affected != 1 {
        return Err(ApiError::invalid_state("该服务账号已撤销"));
    }
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "service_account.revoke",
            entity_type: "service_account",
            entity_id: id.to_string(),
            institution_id: None,
            summary: json!({
                "before": { "status": "active" },
                "after": { "status": "revoked", "name": row.name },
            }),
        },
    )
    .await?;
    let row = service_account::Entity::find_by_id(id)
        .one(&*txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    txn.commit().await?;
    Ok(web::Json(view(row, now)))
}

fn expiry_from_days(days: Option<i64>, now: OffsetDateTime) -> Option<OffsetDateTime> {
    let days = days.unwrap_or(service::DEFAULT_EXPIRY_DAYS);
    (1..=service::MAX_EXPIRY_DAYS)
        .contains(&days)
        .then(|| now + Duration::days(days))
}

fn expiry_violation(field: &str) -> Violation {
    Violation::new(
        RuleCode::Validation,
        format!(
            "有效期应为 1–{} 天（到期时间须在今后 {} 天之内）",
            service::MAX_EXPIRY_DAYS,
            service::MAX_EXPIRY_DAYS
        ),
    )
    .field(field)
}

/// Renews a service account's token (admin): it keeps working for `expires_in_days` (90 by
/// default, at most 365) from now, an expired one included. Audited.
#[utoipa::path(
    tag = "service-accounts",
    params(("id" = Uuid, Path)),
    request_body = RenewInput,
    responses(
        (status = 200, body = ServiceAccountView),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "Not admin"),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "INVALID_STATE: revoked"),
        (status = 422, body = Problem, description = "VALIDATION: expires_in_days not 1–365")
    ),
    security(("bearer" = []))
)]
#[post("/service-accounts/{id}/renew")]
pub async fn renew_service_account(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    id: web::Path<Uuid>,
    body: web::Json<RenewInput>,
) -> ApiResult<web::Json<ServiceAccountView>> {
    user.require(&[Role::Admin])?;
    let id = id.into_inner();
    let now = state.clock.now();
    let expires_at = expiry_from_days(body.expires_in_days, now)
        .ok_or_else(|| ApiError::Unprocessable(vec![expiry_violation("expires_in_days")]))?;
    let txn = state.db.begin_write().await?;
    let row = service_account::Entity::find_by_id(id)
        .one(&*txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let before = service::expires_at(&row);
    let renewed = service_account::Entity::update_many()
        .col_expr(
            service_account::Column::ExpiresAt,
            Expr::value(Some(expires_at)),
        )
        .filter(service_account::Column::Id.eq(id))
        .filter(service_account::Column::RevokedAt.is_null())
        .exec(&*txn)
        .await?;
    if renewed.rows_affected != 1 {
        return Err(ApiError::invalid_state("该服务账号已撤销，不能续期"));
    }
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "service_account.renew",
            entity_type: "service_account",
            entity_id: id.to_string(),
            institution_id: None,
            summary: json!({
                "before": { "expires_at": before.unix_timestamp() },
                "after": { "expires_at": expires_at.unix_timestamp(), "name": row.name },
            }),
        },
    )
    .await?;
    let row = service_account::Entity::find_by_id(id)
        .one(&*txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    txn.commit().await?;
    Ok(web::Json(view(row, now)))
}
