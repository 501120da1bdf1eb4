//! `/auth/login`, `/auth/refresh`, `/auth/logout` and `/me` (SPEC §8, §9).
//!
//! Login answers one generic 401 for a wrong password, a disabled account and an unknown name
//! alike, verifies a dummy hash when the name is unknown so it takes as long, and counts
//! attempts in the database before any password is checked (`throttle`): a username locks after
//! `auth.max_failed_logins` failures, a client address after
//! `auth.max_failed_logins_per_address`, for `auth.lockout_seconds` of the injectable clock (429
//! with `Retry-After`) — for unknown names too, so nothing tells whether an account exists or
//! whether a password was right (ASVS 2.2.1, 3.2). Touches `login_attempts`, `users` (lockout
//! shown to admins), `refresh_tokens`, and audits logins, lockouts, logouts and refresh-token
//! reuse.

use actix_web::{HttpResponse, get, post, web};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skillcert_domain::{InstitutionKind, Role};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::audit::{self, AuditCtx, RequestMeta};
use crate::auth::{CurrentUser, parse_role, password};
use crate::entities::{institution, user};
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;

use super::sessions::{self, Refresh, Session};
use super::throttle::{Attempt, Reservation};

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
/// Each attempt first reserves a slot on its username and on its client address, in the
/// database: after `auth.max_failed_logins` failures (5 by default) on a username, or
/// `auth.max_failed_logins_per_address` from one address (IPv6: per /64), within
/// `auth.lockout_seconds` (15 minutes), further attempts are not checked at all and answer 429
/// with `Retry-After` — the right password exactly like a wrong one, known and unknown names
/// alike. Slots held by attempts still being checked count, so concurrent guesses never exceed
/// the limit.
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
    let auth = &state.config.auth;
    let attempt = Attempt::new(
        &username,
        &meta.ip,
        auth.max_failed_logins,
        auth.max_failed_logins_per_address,
        auth.lockout_seconds,
    );
    if let Reservation::Refused(seconds) = attempt.reserve(&state.db, now).await? {
        return Err(too_many(seconds));
    }
    let found = user::Entity::find()
        .filter(user::Column::Username.eq(&username))
        .one(&state.db.conn)
        .await?;
    // An unknown name verifies a dummy hash, only for the time it takes.
    let phc = found.as_ref().map_or_else(
        || password::dummy_hash().to_owned(),
        |found| found.password_hash.clone(),
    );
    let verified = verify_password(password, phc).await?;

    let txn = state.db.begin_write().await?;
    // Re-read under the write lock: the account may have been disabled meanwhile.
    let current = match &found {
        Some(found) if verified => user::Entity::find_by_id(found.id)
            .one(&*txn)
            .await?
            .filter(|current| !current.disabled),
        _ => None,
    };
    let Some(current) = current else {
        count_failure(&*txn, &attempt, &meta, found.as_ref(), now).await?;
        txn.commit().await?;
        return Err(wrong_credentials());
    };
    attempt.succeeded(&*txn, now).await?;
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

/// Counts a failed login; when it locks an existing account, notes the lockout on the account
/// (shown to admins) and audits it.
async fn count_failure<C: ConnectionTrait>(
    conn: &C,
    attempt: &Attempt,
    meta: &RequestMeta,
    found: Option<&user::Model>,
    now: OffsetDateTime,
) -> ApiResult<()> {
    let failed = attempt.failed(conn, now).await?;
    let (Some(until), Some(found)) = (failed.locked_until, found) else {
        return Ok(());
    };
    user::Entity::update_many()
        .col_expr(user::Column::FailedLogins, Expr::value(0))
        .col_expr(user::Column::LockedUntil, Expr::value(Some(until)))
        .filter(user::Column::Id.eq(found.id))
        .exec(conn)
        .await?;
    audit::record(
        conn,
        &anonymous(meta),
        now,
        audit::Event {
            action: "auth.lockout",
            entity_type: "user",
            entity_id: found.id.to_string(),
            institution_id: found.institution_id,
            summary: json!({
                "failed_logins": failed.failures,
                "locked_until": until.unix_timestamp(),
            }),
        },
    )
    .await?;
    tracing::warn!(user_id = %found.id, "account locked after repeated failed logins");
    Ok(())
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
