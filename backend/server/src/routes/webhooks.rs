//! Webhook subscriptions and their deliveries (issue 7, docs/webhooks.md): the admin registers
//! where the platform's events are POSTed; the secret is generated here, shown once (on create
//! and on rotation) and kept only encrypted. Deliveries can be listed per subscription, the dead
//! letters across all, and a dead (or delivered) one sent again. Every change is audited,
//! without the secret.

use std::collections::{BTreeMap, BTreeSet};

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use skillcert_domain::Role;
use skillcert_domain::rules::{RuleCode, Violation};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::{IdempotencyKey, Page, PageQuery, expected_version};
use crate::audit::{self, AuditCtx, RequestMeta};
use crate::auth::CurrentUser;
use crate::config::Profile;
use crate::entities::{webhook_delivery, webhook_subscription};
use crate::error::{ApiError, ApiResult, Problem};
use crate::notices::EVENT_TYPES;
use crate::state::AppState;
use crate::webhooks::{self, DEAD, DELIVERED, MAX_ATTEMPTS, PENDING};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(event_types)
        .service(list_webhooks)
        .service(create_webhook)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(rotate_secret)
        .service(test_webhook)
        .service(webhook_deliveries)
        .service(list_deliveries)
        .service(redeliver);
}

/// The longest subscription name, URL and filter list accepted.
const NAME_LIMIT: usize = 100;
const URL_LIMIT: usize = 2048;
const FILTER_LIMIT: usize = 50;

#[derive(Debug, Serialize, ToSchema)]
pub struct EventTypeView {
    /// e.g. `step.submitted`.
    #[serde(rename = "type")]
    pub event_type: &'static str,
    /// Chinese.
    pub description: &'static str,
}

/// How a subscription's deliveries stand.
#[derive(Debug, Default, Clone, Serialize, ToSchema)]
pub struct DeliveryCounts {
    pub pending: u64,
    pub delivered: u64,
    pub dead: u64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: Uuid,
    pub name: String,
    /// `http` or `https`, without credentials.
    pub url: String,
    /// Exact event types, prefixes such as `step.*`, or `*` for every event.
    pub event_types: Vec<String>,
    /// An inactive subscription gets no new deliveries; its pending ones wait.
    pub active: bool,
    pub created_by: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
    pub version: i32,
    pub deliveries: DeliveryCounts,
}

/// A subscription with its signing secret: answered once, on create and on rotation.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    pub webhook: WebhookView,
    /// 64 hex characters; the HMAC-SHA256 key of `X-Skillcert-Signature`. Not shown again.
    pub secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    pub name: String,
    /// `http://` or `https://`, no user name or password, at most 2048 characters.
    pub url: String,
    /// At least one: exact types (`GET /webhook-event-types`), prefixes (`step.*`) or `*`.
    pub event_types: Vec<String>,
    /// Default true.
    pub active: Option<bool>,
}

/// Changes to a subscription; absent fields stay. `version` (or `If-Match`) is required.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    pub version: Option<i32>,
    pub name: Option<String>,
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub active: Option<bool>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: Uuid,
    pub subscription_id: Uuid,
    pub subscription_name: String,
    /// The outbox event (`event_id` of the payload).
    pub event_id: Uuid,
    pub event_type: String,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    pub attempts: i32,
    pub max_attempts: i32,
    /// When a pending delivery is next tried; null once delivered or dead.
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub next_attempt_at: Option<OffsetDateTime>,
    /// The last answer's HTTP status (null: no answer, e.g. refused or timed out).
    pub last_status: Option<i32>,
    /// The last failure, at most 500 characters.
    pub last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub last_attempt_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub delivered_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryFilter {
    #[param(inline)]
    pub status: Option<DeliveryStatus>,
    /// Only this subscription's deliveries.
    pub subscription_id: Option<Uuid>,
    /// Only this event type.
    pub event_type: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TestResult {
    /// Whether the receiver answered 2xx.
    pub ok: bool,
    /// The HTTP status, if it answered.
    pub status: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: u64,
    /// The `X-Skillcert-Delivery` id the ping carried.
    pub delivery_id: Uuid,
}

fn violation(field: impl Into<String>, message: impl Into<String>) -> Violation {
    Violation::new(RuleCode::Validation, message).field(field)
}

fn check_name(value: &str, out: &mut Vec<Violation>) -> Option<String> {
    let name = value.trim();
    if name.is_empty() {
        out.push(violation("name", "名称不能为空"));
        None
    } else if name.chars().count() > NAME_LIMIT {
        out.push(violation(
            "name",
            format!("名称不能超过 {NAME_LIMIT} 个字符"),
        ));
        None
    } else {
        Some(name.to_owned())
    }
}

/// Which receivers a subscription may name (from the configuration).
#[derive(Debug, Clone, Copy)]
pub struct TargetPolicy {
    /// `webhooks.allow_private_targets`: non-public addresses and `localhost` too.
    pub allow_private: bool,
    /// `https` only: in the production profile, so that payloads (names, certificate numbers)
    /// and signatures never cross a network in clear.
    pub require_https: bool,
}

impl TargetPolicy {
    fn of(state: &AppState) -> Self {
        TargetPolicy {
            allow_private: state.config.webhooks.allow_private_targets,
            require_https: state.config.profile == Profile::Production,
        }
    }
}

/// An absolute `http`/`https` URL (`https` only under `require_https`) with a host and no
/// credentials or fragment; unless `allow_private`, not naming a non-public IP address or
/// `localhost` (host names are checked again at each delivery, resolved).
pub fn check_url(value: &str, policy: TargetPolicy, out: &mut Vec<Violation>) -> Option<String> {
    let text = value.trim();
    let fail = |out: &mut Vec<Violation>, reason: &str, message: &str| {
        out.push(violation("url", message).details(json!({ "reason": reason })));
        None
    };
    if text.chars().count() > URL_LIMIT {
        return fail(
            out,
            "too_long",
            &format!("推送地址不能超过 {URL_LIMIT} 个字符"),
        );
    }
    let Ok(url) = reqwest::Url::parse(text) else {
        return fail(
            out,
            "malformed",
            "推送地址不是有效的 URL（应为 https://… 或 http://…）",
        );
    };
    if !matches!(url.scheme(), "http" | "https") {
        return fail(out, "scheme", "推送地址只能使用 http 或 https 协议");
    }
    if policy.require_https && url.scheme() != "https" {
        return fail(
            out,
            "https_required",
            "推送地址必须使用 https：推送内容含个人信息和签名，不能明文传输",
        );
    }
    if url.host_str().is_none_or(str::is_empty) {
        return fail(out, "host", "推送地址缺少主机名");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return fail(
            out,
            "credentials",
            "推送地址不能包含用户名或密码：请用签名密钥校验来源",
        );
    }
    if url.fragment().is_some() {
        return fail(out, "fragment", "推送地址不能包含 # 片段");
    }
    if !policy.allow_private
        && let Some(host) = crate::webhook_targets::refused_host(&url)
    {
        return fail(
            out,
            "private_address",
            &format!("推送地址 {host} 不是公网地址：为防止探测内网，只能推送到公网地址"),
        );
    }
    Some(url.to_string())
}

/// The filter list, trimmed and without repeats; each entry `*`, a known type, or a prefix
/// `x.*` that selects at least one known type.
pub fn check_event_types(values: &[String], out: &mut Vec<Violation>) -> Option<Vec<String>> {
    if values.is_empty() {
        out.push(violation("event_types", "至少选择一种事件类型"));
        return None;
    }
    if values.len() > FILTER_LIMIT {
        out.push(violation(
            "event_types",
            format!("事件类型不能超过 {FILTER_LIMIT} 项"),
        ));
        return None;
    }
    let mut seen = BTreeSet::new();
    let mut list = Vec::new();
    let mut ok = true;
    for (i, value) in values.iter().enumerate() {
        let filter = value.trim();
        let known = filter == "*"
            || (filter.ends_with(".*") || EVENT_TYPES.iter().any(|(t, _)| *t == filter))
                && EVENT_TYPES
                    .iter()
                    .any(|(t, _)| webhooks::filter_matches(filter, t));
        if !known {
            out.push(
                violation(
                    format!("event_types[{i}]"),
                    format!(
                        "未知的事件类型“{filter}”（可用 GET /api/v1/webhook-event-types 查询）"
                    ),
                )
                .details(json!({ "reason": "unknown_event_type" })),
            );
            ok = false;
        } else if seen.insert(filter.to_owned()) {
            list.push(filter.to_owned());
        }
    }
    ok.then_some(list)
}

async fn counts<C: sea_orm::ConnectionTrait>(
    conn: &C,
    ids: &[Uuid],
) -> ApiResult<BTreeMap<Uuid, DeliveryCounts>> {
    let mut out: BTreeMap<Uuid, DeliveryCounts> = BTreeMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<(Uuid, String, i64)> = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::SubscriptionId.is_in(ids.iter().copied()))
        .select_only()
        .column(webhook_delivery::Column::SubscriptionId)
        .column(webhook_delivery::Column::Status)
        .column_as(webhook_delivery::Column::Id.count(), "n")
        .group_by(webhook_delivery::Column::SubscriptionId)
        .group_by(webhook_delivery::Column::Status)
        .into_tuple()
        .all(conn)
        .await?;
    for (id, status, n) in rows {
        let entry = out.entry(id).or_default();
        let n = u64::try_from(n).unwrap_or(0);
        match status.as_str() {
            PENDING => entry.pending += n,
            DELIVERED => entry.delivered += n,
            DEAD => entry.dead += n,
            _ => {}
        }
    }
    Ok(out)
}

fn view(row: webhook_subscription::Model, counts: DeliveryCounts) -> WebhookView {
    WebhookView {
        event_types: webhooks::stored_filters(&row.event_types),
        id: row.id,
        name: row.name,
        url: row.url,
        active: row.active,
        created_by: row.created_by,
        created_at: row.created_at,
        updated_at: row.updated_at,
        version: row.version,
        deliveries: counts,
    }
}

async fn load_view<C: sea_orm::ConnectionTrait>(conn: &C, id: Uuid) -> ApiResult<WebhookView> {
    let row = find(conn, id).await?;
    let mut counts = counts(conn, &[id]).await?;
    Ok(view(row, counts.remove(&id).unwrap_or_default()))
}

async fn find<C: sea_orm::ConnectionTrait>(
    conn: &C,
    id: Uuid,
) -> ApiResult<webhook_subscription::Model> {
    webhook_subscription::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound)
}

fn delivery_view(row: webhook_delivery::Model, subscription_name: String) -> DeliveryView {
    DeliveryView {
        next_attempt_at: (row.status == PENDING).then_some(row.next_attempt_at),
        id: row.id,
        subscription_id: row.subscription_id,
        subscription_name,
        event_id: row.event_id,
        event_type: row.event_type,
        status: row.status,
        attempts: row.attempts,
        max_attempts: MAX_ATTEMPTS,
        last_status: row.last_status,
        last_error: row.last_error,
        last_attempt_at: row.last_attempt_at,
        delivered_at: row.delivered_at,
        created_at: row.created_at,
    }
}

/// What the audit log keeps of a subscription: never the secret.
fn audit_view(view: &WebhookView) -> Value {
    json!({
        "name": view.name,
        "url": view.url,
        "event_types": view.event_types,
        "active": view.active,
        "version": view.version,
    })
}

fn encrypt(state: &AppState, secret: &str) -> ApiResult<String> {
    state
        .pii
        .encrypt(secret)
        .map_err(|e| ApiError::Internal(format!("webhook secret: {e}")))
}

/// The event types a subscription may filter on.
#[utoipa::path(
    tag = "webhooks",
    responses(
        (status = 200, body = Vec<EventTypeView>),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "Not admin"),
    ),
    security(("bearer" = []))
)]
#[get("/webhook-event-types")]
pub async fn event_types(user: CurrentUser) -> ApiResult<web::Json<Vec<EventTypeView>>> {
    user.require(&[Role::Admin])?;
    Ok(web::Json(
        EVENT_TYPES
            .iter()
            .map(|(event_type, description)| EventTypeView {
                event_type,
                description,
            })
            .collect(),
    ))
}

/// The webhook subscriptions, newest first, with their delivery counts.
#[utoipa::path(
    tag = "webhooks",
    params(PageQuery),
    responses(
        (status = 200, body = Page<WebhookView>),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "Not admin"),
        (status = 422, body = Problem),
    ),
    security(("bearer" = []))
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<WebhookView>>> {
    user.require(&[Role::Admin])?;
    let (page_no, size) = page.resolve()?;
    let conn = &state.db.conn;
    let query = webhook_subscription::Entity::find();
    let total = query.clone().count(conn).await?;
    let rows = query
        .order_by_desc(webhook_subscription::Column::CreatedAt)
        .order_by_desc(webhook_subscription::Column::Id)
        .offset((page_no - 1) * size)
        .limit(size)
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut counts = counts(conn, &ids).await?;
    Ok(web::Json(Page {
        items: rows
            .into_iter()
            .map(|row| {
                let c = counts.remove(&row.id).unwrap_or_default();
                view(row, c)
            })
            .collect(),
        total,
        page: page_no,
        page_size: size,
    }))
}

/// Registers a subscription. The answer carries the generated secret — the only time it is
/// shown. Accepts `Idempotency-Key`.
#[utoipa::path(
    tag = "webhooks",
    request_body = CreateWebhook,
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key answers the first result")),
    responses(
        (status = 201, body = WebhookWithSecret),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "Not admin"),
        (status = 409, body = Problem, description = "IDEMPOTENCY_KEY_REUSED"),
        (status = 422, body = Problem, description = "VALIDATION: name, url (details.reason: malformed, scheme, host, credentials, fragment, too_long, private_address) or event_types (unknown_event_type)"),
    ),
    security(("bearer" = []))
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    req: HttpRequest,
    key: IdempotencyKey,
    body: web::Json<CreateWebhook>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Admin])?;
    if let Some(replay) = key.replay(&state.db.conn, user.id, &req).await? {
        return Ok(replay);
    }
    let input = body.into_inner();
    let mut violations = Vec::new();
    let name = check_name(&input.name, &mut violations);
    let url = check_url(&input.url, TargetPolicy::of(&state), &mut violations);
    let filters = check_event_types(&input.event_types, &mut violations);
    let (Some(name), Some(url), Some(filters), true) = (name, url, filters, violations.is_empty())
    else {
        return Err(ApiError::Unprocessable(violations));
    };
    let secret = webhooks::fresh_secret()?;
    let now = state.clock.now_stored();
    let id = Uuid::now_v7();
    let txn = state.db.begin_write().await?;
    webhook_subscription::Entity::insert(webhook_subscription::ActiveModel {
        id: Set(id),
        name: Set(name),
        url: Set(url),
        secret_enc: Set(encrypt(&state, &secret)?),
        event_types: Set(json!(filters)),
        active: Set(input.active.unwrap_or(true)),
        created_by: Set(Some(user.id)),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
    })
    .exec(&*txn)
    .await?;
    let created = load_view(&*txn, id).await?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "webhook.create",
            entity_type: "webhook_subscription",
            entity_id: id.to_string(),
            institution_id: None,
            summary: json!({ "after": audit_view(&created) }),
        },
    )
    .await?;
    let answer = WebhookWithSecret {
        webhook: created,
        secret,
    };
    key.remember(&*txn, user.id, &req, StatusCode::CREATED, &answer, now)
        .await?;
    txn.commit().await?;
    Ok(HttpResponse::Created().json(answer))
}

/// One subscription (without its secret).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = WebhookView),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "Not admin"),
        (status = 404, body = Problem),
    ),
    security(("bearer" = []))
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<WebhookView>> {
    user.require(&[Role::Admin])?;
    Ok(web::Json(load_view(&state.db.conn, id.into_inner()).await?))
}

/// Changes a subscription: name, URL, event types, active.
#[utoipa::path(
    tag = "webhooks",
    params(
        ("id" = Uuid, Path),
        ("If-Match" = Option<String>, Header, description = "The version read, instead of `version` in the body"),
    ),
    request_body = UpdateWebhook,
    responses(
        (status = 200, body = WebhookView),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "Not admin"),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "VERSION_CONFLICT"),
        (status = 422, body = Problem, description = "VALIDATION: as on create; `version` is required"),
    ),
    security(("bearer" = []))
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: web::Json<UpdateWebhook>,
) -> ApiResult<web::Json<WebhookView>> {
    user.require(&[Role::Admin])?;
    let id = id.into_inner();
    let input = body.into_inner();
    let expected = expected_version(&req, input.version)?;
    let mut violations = Vec::new();
    if expected.is_none() {
        violations.push(violation(
            "version",
            "请提供读取时的 version（或 If-Match 请求头）",
        ));
    }
    let name = input
        .name
        .as_deref()
        .map(|v| check_name(v, &mut violations));
    let policy = TargetPolicy::of(&state);
    let url = input
        .url
        .as_deref()
        .map(|v| check_url(v, policy, &mut violations));
    let filters = input
        .event_types
        .as_deref()
        .map(|v| check_event_types(v, &mut violations));
    let txn = state.db.begin_write().await?;
    let before = load_view(&*txn, id).await?;
    if !violations.is_empty() {
        return Err(ApiError::Unprocessable(violations));
    }
    if expected != Some(before.version) {
        return Err(ApiError::conflict_version());
    }
    let now = state.clock.now_stored();
    let mut update = webhook_subscription::ActiveModel {
        version: Set(before.version + 1),
        updated_at: Set(now),
        ..Default::default()
    };
    if let Some(name) = name.flatten() {
        update.name = Set(name);
    }
    if let Some(url) = url.flatten() {
        update.url = Set(url);
    }
    if let Some(filters) = filters.flatten() {
        update.event_types = Set(json!(filters));
    }
    if let Some(active) = input.active {
        update.active = Set(active);
    }
    let result = webhook_subscription::Entity::update_many()
        .set(update)
        .filter(webhook_subscription::Column::Id.eq(id))
        .filter(webhook_subscription::Column::Version.eq(before.version))
        .exec(&*txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(ApiError::conflict_version());
    }
    let after = load_view(&*txn, id).await?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "webhook.update",
            entity_type: "webhook_subscription",
            entity_id: id.to_string(),
            institution_id: None,
            summary: json!({ "before": audit_view(&before), "after": audit_view(&after) }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(web::Json(after))
}

/// Removes a subscription and its deliveries (dead letters included).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "Not admin"),
        (status = 404, body = Problem),
    ),
    security(("bearer" = []))
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(&[Role::Admin])?;
    let id = id.into_inner();
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    let before = load_view(&*txn, id).await?;
    webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::SubscriptionId.eq(id))
        .exec(&*txn)
        .await?;
    webhook_subscription::Entity::delete_by_id(id)
        .exec(&*txn)
        .await?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "webhook.delete",
            entity_type: "webhook_subscription",
            entity_id: id.to_string(),
            institution_id: None,
            summary: json!({ "before": audit_view(&before), "deliveries": before.deliveries }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Replaces the signing secret with a fresh one, answered once. Deliveries sent from now on
/// (retries included) are signed with the new secret.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = WebhookWithSecret),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "Not admin"),
        (status = 404, body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/webhooks/{id}/rotate-secret")]
pub async fn rotate_secret(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<WebhookWithSecret>> {
    user.require(&[Role::Admin])?;
    let id = id.into_inner();
    let secret = webhooks::fresh_secret()?;
    let now = state.clock.now_stored();
    let txn = state.db.begin_write().await?;
    let before = find(&*txn, id).await?;
    webhook_subscription::Entity::update_many()
        .col_expr(
            webhook_subscription::Column::SecretEnc,
            Expr::value(encrypt(&state, &secret)?),
        )
        .col_expr(
            webhook_subscription::Column::Version,
            Expr::value(before.version + 1),
        )
        .col_expr(webhook_subscription::Column::UpdatedAt, Expr::value(now))
        .filter(webhook_subscription::Column::Id.eq(id))
        .exec(&*txn)
        .await?;
    let after = load_view(&*txn, id).await?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "webhook.rotate_secret",
            entity_type: "webhook_subscription",
            entity_id: id.to_string(),
            institution_id: None,
            summary: json!({ "version": after.version }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(web::Json(WebhookWithSecret {
        webhook: after,
        secret,
    }))
}

/// Sends a signed `ping` event to the subscription now (active or not) and answers how the
/// receiver answered. Nothing is stored.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = TestResult),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "Not admin"),
        (status = 404, body = Problem),
    ),
    security(("bearer" = []))
)]
#[post("/webhooks/{id}/test")]
pub async fn test_webhook(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<TestResult>> {
    user.require(&[Role::Admin])?;
    let row = find(&state.db.conn, id.into_inner()).await?;
    let secret = state
        .pii
        .decrypt(&row.secret_enc)
        .map_err(|e| ApiError::Internal(format!("webhook {} secret: {e}", row.id)))?;
    let now = state.clock.now_stored();
    let event_id = Uuid::now_v7();
    let delivery_id = Uuid::now_v7();
    let body = serde_json::to_vec(&json!({
        "event_id": event_id,
        "event_type": "ping",
        "occurred_at": now.format(&Rfc3339).unwrap_or_default(),
        "webhook": { "id": row.id, "name": row.name },
    }))
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    let result = webhooks::post(
        &state.webhook_client,
        &state,
        &row.url,
        &secret,
        "ping",
        delivery_id,
        1,
        &body,
    )
    .await;
    // A receiver's status, not its answer: the endpoint must not read other servers' pages
    // back to the caller (the dead letters keep the start of an answer for the log).
    let error = match result.status {
        Some(status) if !result.ok => Some(format!("HTTP {status}")),
        _ => result.error.as_deref().map(webhooks::truncate),
    };
    Ok(web::Json(TestResult {
        ok: result.ok,
        status: result.status,
        error,
        duration_ms: result.duration_ms,
        delivery_id,
    }))
}

/// Where a delivery stands: waiting for (another) attempt, delivered, or given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Dead,
}

impl DeliveryStatus {
    fn code(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => PENDING,
            DeliveryStatus::Delivered => DELIVERED,
            DeliveryStatus::Dead => DEAD,
        }
    }
}

async fn delivery_page(
    state: &AppState,
    condition: Condition,
    page: &PageQuery,
) -> ApiResult<Page<DeliveryView>> {
    let (page_no, size) = page.resolve()?;
    let conn = &state.db.conn;
    let query = webhook_delivery::Entity::find().filter(condition);
    let total = query.clone().count(conn).await?;
    let rows = query
        .order_by_desc(webhook_delivery::Column::CreatedAt)
        .order_by_desc(webhook_delivery::Column::Id)
        .offset((page_no - 1) * size)
        .limit(size)
        .all(conn)
        .await?;
    let names: BTreeMap<Uuid, String> = webhook_subscription::Entity::find()
        .filter(
            webhook_subscription::Column::Id.is_in(
                rows.iter()
                    .map(|r| r.subscription_id)
                    .collect::<BTreeSet<_>>(),
            ),
        )
        .select_only()
        .column(webhook_subscription::Column::Id)
        .column(webhook_subscription::Column::Name)
        .into_tuple::<(Uuid, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    Ok(Page {
        items: rows
            .into_iter()
            .map(|row| {
                let name = names.get(&row.subscription_id).cloned().unwrap_or_default();
                delivery_view(row, name)
            })
            .collect(),
        total,
        page: page_no,
        page_size: size,
    })
}

fn delivery_condition(filter: &DeliveryFilter) -> ApiResult<Condition> {
    let mut condition = Condition::all();
    if let Some(status) = filter.status {
        condition = condition.add(webhook_delivery::Column::Status.eq(status.code()));
    }
    if let Some(id) = filter.subscription_id {
        condition = condition.add(webhook_delivery::Column::SubscriptionId.eq(id));
    }
    if let Some(event_type) = filter.event_type.as_deref().map(str::trim)
        && !event_type.is_empty()
    {
        condition = condition.add(webhook_delivery::Column::EventType.eq(event_type));
    }
    Ok(condition)
}

/// One subscription's deliveries, newest first.
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path), DeliveryFilter, PageQuery),
    responses(
        (status = 200, body = Page<DeliveryView>),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "Not admin"),
        (status = 404, body = Problem), (status = 422, body = Problem),
    ),
    security(("bearer" = []))
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn webhook_deliveries(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    filter: web::Query<DeliveryFilter>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<DeliveryView>>> {
    user.require(&[Role::Admin])?;
    let id = id.into_inner();
    find(&state.db.conn, id).await?;
    let condition =
        delivery_condition(&filter)?.add(webhook_delivery::Column::SubscriptionId.eq(id));
    Ok(web::Json(delivery_page(&state, condition, &page).await?))
}

/// Deliveries across subscriptions, newest first: `?status=dead` is the dead-letter view.
#[utoipa::path(
    tag = "webhooks",
    params(DeliveryFilter, PageQuery),
    responses(
        (status = 200, body = Page<DeliveryView>),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "Not admin"),
        (status = 422, body = Problem),
    ),
    security(("bearer" = []))
)]
#[get("/webhook-deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    user: CurrentUser,
    filter: web::Query<DeliveryFilter>,
    page: web::Query<PageQuery>,
) -> ApiResult<web::Json<Page<DeliveryView>>> {
    user.require(&[Role::Admin])?;
    let condition = delivery_condition(&filter)?;
    Ok(web::Json(delivery_page(&state, condition, &page).await?))
}

/// Queues a dead (or delivered) delivery again: pending, due now, its attempts counted afresh.
/// The next webhook tick sends it (with the same `X-Skillcert-Delivery` id).
#[utoipa::path(
    tag = "webhooks",
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, body = DeliveryView),
        (status = 401, body = Problem), (status = 403, body = Problem, description = "Not admin"),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "INVALID_STATE: the delivery is still pending"),
    ),
    security(("bearer" = []))
)]
#[post("/webhook-deliveries/{id}/redeliver")]
pub async fn redeliver(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    id: web::Path<Uuid>,
) -> ApiResult<web::Json<DeliveryView>> {
    user.require(&[Role::Admin])?;
    let id = id.into_inner();
    let now = state.clock.now_stored();
    let txn = state.db.begin_write().await?;
    let before = webhook_delivery::Entity::find_by_id(id)
        .one(&*txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    let queued = webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::Status, Expr::value(PENDING))
        .col_expr(webhook_delivery::Column::Attempts, Expr::value(0))
        .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(now))
        .col_expr(
            webhook_delivery::Column::LeaseOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            webhook_delivery::Column::LeaseUntil,
            Expr::value(Option::<OffsetDateTime>::None),
        )
        .col_expr(
            webhook_delivery::Column::DeliveredAt,
            Expr::value(Option::<OffsetDateTime>::None),
        )
        .filter(webhook_delivery::Column::Id.eq(id))
        .filter(webhook_delivery::Column::Status.is_in([DEAD, DELIVERED]))
        .exec(&*txn)
        .await?;
    if queued.rows_affected != 1 {
        return Err(ApiError::invalid_state("该投递仍在等待发送，无需重新投递"));
    }
    let subscription = find(&*txn, before.subscription_id).await?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        now,
        audit::Event {
            action: "webhook_delivery.redeliver",
            entity_type: "webhook_delivery",
            entity_id: id.to_string(),
            institution_id: None,
            summary: json!({
                "subscription_id": before.subscription_id,
                "event_id": before.event_id,
                "event_type": before.event_type,
                "before": { "status": before.status, "attempts": before.attempts },
            }),
        },
    )
    .await?;
    let after = webhook_delivery::Entity::find_by_id(id)
        .one(&*txn)
        .await?
        .ok_or(ApiError::NotFound)?;
    txn.commit().await?;
    Ok(web::Json(delivery_view(after, subscription.name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Result<String, String> {
        checked_url(text, true)
    }

    fn checked_url(text: &str, allow_private: bool) -> Result<String, String> {
        policy_url(
            text,
            TargetPolicy {
                allow_private,
                require_https: false,
            },
        )
    }

    fn policy_url(text: &str, policy: TargetPolicy) -> Result<String, String> {
        let mut out = Vec::new();
        check_url(text, policy, &mut out).ok_or_else(|| {
            out[0].details["reason"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
    }

    #[test]
    fn urls_are_http_or_https_without_credentials() {
        assert_eq!(
            url(" https://hooks.example.cn/skillcert?x=1 ").as_deref(),
            Ok("https://hooks.example.cn/skillcert?x=1")
        );
        assert!(url("http://127.0.0.1:8080/hook").is_ok());
        assert_eq!(url("ftp://example.cn/").unwrap_err(), "scheme");
        assert_eq!(
            url("https://user:pw@example.cn/").unwrap_err(),
            "credentials"
        );
        assert_eq!(url("https://user@example.cn/").unwrap_err(), "credentials");
        assert_eq!(url("example.cn/hook").unwrap_err(), "malformed");
        assert_eq!(url("https://example.cn/#x").unwrap_err(), "fragment");
        assert_eq!(url("file:///etc/passwd").unwrap_err(), "scheme");
        let long = format!("https://example.cn/{}", "a".repeat(URL_LIMIT));
        assert_eq!(url(&long).unwrap_err(), "too_long");
    }

    #[test]
    fn non_public_targets_are_refused_unless_allowed() {
        let public_only = |text: &str| checked_url(text, false);
        for text in [
            "http://127.0.0.1:8080/hook",
            "http://localhost/hook",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.5/hook",
            "http://[::1]/hook",
        ] {
            assert_eq!(public_only(text).unwrap_err(), "private_address", "{text}");
        }
        assert!(public_only("https://hooks.example.cn/skillcert").is_ok());
    }

    #[test]
    fn production_takes_https_receivers_only() {
        let production = |text: &str| {
            policy_url(
                text,
                TargetPolicy {
                    allow_private: false,
                    require_https: true,
                },
            )
        };
        assert_eq!(
            production("http://hooks.example.cn/skillcert").unwrap_err(),
            "https_required"
        );
        assert_eq!(
            production("HTTPS://hooks.example.cn/skillcert").as_deref(),
            Ok("https://hooks.example.cn/skillcert")
        );
        assert_eq!(production("ftp://hooks.example.cn/").unwrap_err(), "scheme");
    }

    #[test]
    fn event_type_filters_name_known_types() {
        let mut out = Vec::new();
        let list = check_event_types(
            &[
                "step.*".to_owned(),
                " draw.published ".to_owned(),
                "step.*".to_owned(),
                "*".to_owned(),
            ],
            &mut out,
        );
        assert_eq!(
            list,
            Some(vec![
                "step.*".to_owned(),
                "draw.published".to_owned(),
                "*".to_owned()
            ])
        );
        for bad in ["steps.*", "step.finished", "", "step", "ping"] {
            let mut out = Vec::new();
            assert!(
                check_event_types(&[bad.to_owned()], &mut out).is_none(),
                "{bad}"
            );
            assert_eq!(out[0].field.as_deref(), Some("event_types[0]"));
        }
        let mut out = Vec::new();
        assert!(check_event_types(&[], &mut out).is_none());
    }
}
