//! `/auth/login`, `/auth/refresh`, `/auth/logout` and `/me` (SPEC §8, §9).
//!
//! Login answers one generic 401 for a wrong password, a disabled account and an unknown name
//! alike, verifies a dummy hash when the name is unknown so it takes as long, and locks a name
//! after `auth.max_failed_logins` failures in a row for `auth.lockout_seconds` of the injectable
//! clock (429 with `Retry-After`) — for unknown names too, so nothing tells whether an account
//! exists (ASVS 2.2.1, 3.2). Touches `users` (failure count, lockout), `refresh_tokens`, and
//! audits logins, lockouts, logouts and refresh-token reuse.

use actix_web::{HttpResponse, get, post, web};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skillcert_domain::{InstitutionKind, Role};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::audit::{self, AuditCtx, RequestMeta};
use crate::auth::{CurrentUser, parse_role, password};
use crate::entities::{institution, user};
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;

use super::sessions::{self, Refresh, Session};
use super::throttle::retry_after;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login)
        .service(refresh)
        .service(logout)
        .service(me);
}

/// The one answer to every failed sign-in, whatever the reason.
fn wrong_credentials() -> ApiError {
    ApiError::Unauthorized("用户名或密码错误")
}

fn bad_refresh_token() -> ApiError {
    ApiError::Unauthorized("登录已失效，请重新登录")
}

// ---------------------------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

/// The signed-in user, as returned with a session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionUser {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub institution_id: Option<Uuid>,
}

/// A session: a short-lived access token (JWT) and a single-use refresh token.
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    /// Single use: `POST /auth/refresh` returns the next one. Presenting a used one again ends
    /// the session.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    pub user: SessionUser,
}

impl TokenResponse {
    fn new(session: Session, user: &user::Model) -> ApiResult<TokenResponse> {
        Ok(TokenResponse {
            access_token: session.access_token,
            refresh_token: session.refresh_token,
            token_type: "Bearer",
            expires_in: session.expires_in,
            user: SessionUser {
                id: user.id,
                username: user.username.clone(),
                display_name: user.display_name.clone(),
                role: parse_role(&user.role)?,
                institution_id: user.institution_id,
            },
        })
    }
}

/// The caller's institution.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeInstitution {
    pub id: Uuid,
    pub name: String,
    pub kind: InstitutionKind,
    /// The kind's Chinese name.
    pub kind_name: &'static str,
}

/// The caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The role's Chinese name.
    pub role_name: &'static str,
    pub institution_id: Option<Uuid>,
    /// Set for the `institution` role.
    pub institution: Option<MeInstitution>,
}

// ---------------------------------------------------------------------------------------------
// Login
// ---------------------------------------------------------------------------------------------

fn audit_ctx(user: &user::Model, meta: &RequestMeta) -> AuditCtx {
    AuditCtx {
        actor_id: Some(user.id),
        actor_role: user.role.clone(),
        request_id: meta.request_id.clone(),
        ip: meta.ip.clone(),
    }
}

/// Whoever sent the request, not (yet) known to be anyone: failed logins, a replayed token.
fn anonymous(meta: &RequestMeta) -> AuditCtx {
    AuditCtx {
        actor_id: None,
        actor_role: "anonymous".to_owned(),
        request_id: meta.request_id.clone(),
        ip: meta.ip.clone(),
    }
}

/// Password verifications running at once in this process: two per core. Each argon2id
/// verification holds 19 MiB for tens of milliseconds on the blocking pool (up to 512
/// threads), so a flood of logins would otherwise grow memory by gigabytes; past this bound
/// logins queue, and the per-username lockout still counts each one.
static VERIFICATIONS: std::sync::LazyLock<tokio::sync::Semaphore> =
    std::sync::LazyLock::new(|| {
        let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        tokio::sync::Semaphore::new(2 * cores)
    });

async fn verify_password(password: String, phc: String) -> ApiResult<bool> {
    let _permit = VERIFICATIONS
        .acquire()
        .await
        .map_err(|e| ApiError::Internal(format!("password verification permits: {e}")))?;
    // argon2id takes tens of milliseconds: keep it off the async workers.
    tokio::task::spawn_blocking(move || password::verify(&password, &phc))
        .await
        .map_err(|e| ApiError::Internal(format!("password verification task: {e}")))
}

fn too_many(retry_after_seconds: u64) -> ApiError {
    ApiError::TooManyRequests {
        retry_after_seconds,
    }
}

/// Sign in with a username and password.
///
/// A wrong password, a disabled account and an unknown username all answer the same 401.
/// After `auth.max_failed_logins` failures in a row (5 by default) the username is locked for
/// `auth.lockout_seconds` (15 minutes): 429 with `Retry-After`, whether or not it exists.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, body = Problem, description = "UNAUTHORIZED: wrong username or password"),
        (status = 422, body = Problem),
        (status = 429, body = Problem, description = "RATE_LIMITED: locked after repeated failures; see Retry-After",
            headers(("Retry-After" = u64, description = "Seconds until the lockout ends")))
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: web::Json<LoginRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let LoginRequest { username, password } = body.into_inner();
    let now = state.clock.now();
    let found = user::Entity::find()
        .filter(user::Column::Username.eq(&username))
        .one(&state.db.conn)
        .await?;
    let Some(found) = found else {
        return Err(unknown_user_login(&state, &username, password, now).await);
    };
    if let Some(seconds) = retry_after(found.locked_until, now) {
        return Err(too_many(seconds));
    }
    let verified = verify_password(password, found.password_hash.clone()).await?;
    if !verified || found.disabled {
        return Err(count_failure(&state, &meta, found.id, now).await?);
    }

    let txn = state.db.begin_write().await?;
    // Re-read under the write lock: a concurrent failure may have locked the account meanwhile.
    let current = user::Entity::find_by_id(found.id)
        .one(&*txn)
        .await?
        .ok_or_else(wrong_credentials)?;
    if current.disabled {
        return Err(wrong_credentials());
    }
    if let Some(seconds) = retry_after(current.locked_until, now) {
        return Err(too_many(seconds));
    }
    if current.failed_logins != 0 || current.locked_until.is_some() {
        user::Entity::update_many()
            .col_expr(user::Column::FailedLogins, Expr::value(0))
            .col_expr(
                user::Column::LockedUntil,
                Expr::value(None::<OffsetDateTime>),
            )
            .filter(user::Column::Id.eq(current.id))
            .exec(&*txn)
            .await?;
    }
    let session = sessions::issue(&*txn, &state.tokens, &current, None, now).await?;
    audit::record(
        &*txn,
        &audit_ctx(&current, &meta),
        now,
        audit::Event {
            action: "auth.login",
            entity_type: "user",
            entity_id: current.id.to_string(),
            institution_id: current.institution_id,
            summary: json!({ "username": current.username }),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(web::Json(TokenResponse::new(session, &current)?))
}

/// Counts a failed login of an existing account; the `max`-th in a row locks it. Returns the
/// answer to send: the generic 401, or the error that kept the count from being written.
async fn count_failure(
    state: &AppState,
    meta: &RequestMeta,
    id: Uuid,
    now: OffsetDateTime,
) -> ApiResult<ApiError> {
    let max = state.config.auth.max_failed_logins;
    let txn = state.db.begin_write().await?;
    let Some(current) = user::Entity::find_by_id(id).one(&*txn).await? else {
        return Ok(wrong_credentials());
    };
    if retry_after(current.locked_until, now).is_some() {
        // Locked by a concurrent attempt meanwhile: this one does not count.
        return Ok(wrong_credentials());
    }
    let failures = current.failed_logins + 1;
    let locks = max > 0 && failures >= max;
    let locked_until = locks.then(|| now + Duration::seconds(state.config.auth.lockout_seconds));
    user::Entity::update_many()
        .col_expr(
            user::Column::FailedLogins,
            Expr::value(if locks { 0 } else { failures }),
        )
        .col_expr(user::Column::LockedUntil, Expr::value(locked_until))
        .filter(user::Column::Id.eq(id))
        .exec(&*txn)
        .await?;
    if let Some(until) = locked_until {
        audit::record(
            &*txn,
            &anonymous(meta),
            now,
            audit::Event {
                action: "auth.lockout",
                entity_type: "user",
                entity_id: id.to_string(),
                institution_id: current.institution_id,
                summary: json!({
                    "failed_logins": failures,
                    "locked_until": until.unix_timestamp(),
                }),
            },
        )
        .await?;
        tracing::warn!(user_id = %id, "account locked after repeated failed logins");
    }
    txn.commit().await?;
    Ok(wrong_credentials())
}

/// An unknown username: the same work and the same answers as a real account.
async fn unknown_user_login(
    state: &AppState,
    username: &str,
    password: String,
    now: OffsetDateTime,
) -> ApiError {
    let throttle = &state.login_throttle;
    if let Some(seconds) = throttle.locked(username, now) {
        return too_many(seconds);
    }
    // Only for the time it takes; the answer is a failure either way.
    if let Err(e) = verify_password(password, password::dummy_hash().to_owned()).await {
        return e;
    }
    let lockout = Duration::seconds(state.config.auth.lockout_seconds);
    if throttle.fail(username, now, state.config.auth.max_failed_logins, lockout) {
        tracing::warn!("unknown username locked after repeated failed logins");
    }
    wrong_credentials()
}

// ---------------------------------------------------------------------------------------------
// Refresh and logout
// ---------------------------------------------------------------------------------------------

/// Exchange a refresh token for a new session.
///
/// The presented token is used up. Presenting one that was already used revokes every token of
/// its session (its family) and answers 401.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, body = TokenResponse),
        (status = 401, body = Problem, description = "UNAUTHORIZED: unknown, expired, revoked or reused refresh token"),
        (status = 422, body = Problem)
    )
)]
#[post("/auth/refresh")]
pub async fn refresh(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: web::Json<RefreshRequest>,
) -> ApiResult<web::Json<TokenResponse>> {
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    match sessions::rotate(&*txn, &state.tokens, &body.refresh_token, now).await? {
        Refresh::Rotated(session, user) => {
            txn.commit().await?;
            Ok(web::Json(TokenResponse::new(session, &user)?))
        }
        Refresh::Reused { user_id, family_id } => {
            let revoked = sessions::revoke_family(&*txn, family_id, now).await?;
            let owner = user::Entity::find_by_id(user_id).one(&*txn).await?;
            audit::record(
                &*txn,
                &anonymous(&meta),
                now,
                audit::Event {
                    action: "auth.refresh_reuse",
                    entity_type: "user",
                    entity_id: user_id.to_string(),
                    institution_id: owner.and_then(|o| o.institution_id),
                    summary: json!({ "family_id": family_id, "revoked_tokens": revoked }),
                },
            )
            .await?;
            txn.commit().await?;
            tracing::warn!(user_id = %user_id, family_id = %family_id, "refresh token reused: session revoked");
            Err(bad_refresh_token())
        }
        Refresh::Rejected => {
            // Rotation may have revoked the family of a disabled user.
            txn.commit().await?;
            Err(bad_refresh_token())
        }
    }
}

/// End a session: revokes the refresh token's whole family. Answers 204 whatever the token, so
/// it tells nothing about tokens.
#[utoipa::path(
    tag = "auth",
    request_body = RefreshRequest,
    responses((status = 204, description = "Signed out"), (status = 422, body = Problem))
)]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    meta: RequestMeta,
    body: web::Json<RefreshRequest>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    let txn = state.db.begin_write().await?;
    if let Some(row) = sessions::find(&*txn, &body.refresh_token).await? {
        let revoked = sessions::revoke_family(&*txn, row.family_id, now).await?;
        if revoked > 0
            && let Some(owner) = user::Entity::find_by_id(row.user_id).one(&*txn).await?
        {
            audit::record(
                &*txn,
                &audit_ctx(&owner, &meta),
                now,
                audit::Event {
                    action: "auth.logout",
                    entity_type: "user",
                    entity_id: owner.id.to_string(),
                    institution_id: owner.institution_id,
                    summary: json!({ "family_id": row.family_id, "revoked_tokens": revoked }),
                },
            )
            .await?;
        }
    }
    txn.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---------------------------------------------------------------------------------------------
// Me
// ---------------------------------------------------------------------------------------------

async fn me_view<C: ConnectionTrait>(conn: &C, user: CurrentUser) -> ApiResult<MeView> {
    let institution = match user.institution_id {
        None => None,
        Some(id) => match institution::Entity::find_by_id(id).one(conn).await? {
            None => None,
            Some(row) => {
                let kind: InstitutionKind = row.kind.parse().map_err(|_| {
                    ApiError::Internal(format!("stored institution kind `{}` is unknown", row.kind))
                })?;
                Some(MeInstitution {
                    id: row.id,
                    name: row.name,
                    kind,
                    kind_name: kind.name_zh(),
                })
            }
        },
    };
    Ok(MeView {
        id: user.id,
        username: user.username,
        display_name: user.display_name,
        role: user.role,
        role_name: user.role.name_zh(),
        institution_id: user.institution_id,
        institution,
    })
}

/// The caller: account, role and institution.
#[utoipa::path(
    tag = "auth",
    responses((status = 200, body = MeView), (status = 401, body = Problem)),
    security(("bearer" = []))
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, user: CurrentUser) -> ApiResult<web::Json<MeView>> {
    Ok(web::Json(me_view(&state.db.conn, user).await?))
}
