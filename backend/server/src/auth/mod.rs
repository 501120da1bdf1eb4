//! Authentication and the caller's identity.
//!
//! Access tokens are HS256 JWTs with `exp`, `nbf`, `iss` and `aud` required and checked against
//! the injectable clock (SPEC §9), typed claims (a string-typed `exp` is rejected), and the
//! user's `token_version`: disabling a user or changing their role bumps it, so tokens already
//! handed out stop working at once. Passwords are argon2id. Service accounts' `sk_…` tokens are
//! refused here (deny by default) and admitted only by [`service::Scoped`] handlers.

pub mod password;
pub mod routes;
pub mod service;
pub mod sessions;
pub mod throttle;
pub mod tokens;

use std::future::Future;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use sea_orm::EntityTrait;
use skillcert_domain::Role;
use uuid::Uuid;

use crate::entities::user;
use crate::error::ApiError;
use crate::state::AppState;

/// The authenticated caller of a request.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub institution_id: Option<Uuid>,
}

impl CurrentUser {
    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }

    /// The institution an `institution` user belongs to; 403 for other roles.
    pub fn own_institution(&self) -> Result<Uuid, ApiError> {
        match (self.role, self.institution_id) {
            (Role::Institution, Some(id)) => Ok(id),
            _ => Err(ApiError::Forbidden),
        }
    }

    /// Which institutions' data the caller may see (SPEC §1). Inspectors see only what is
    /// assigned to them; until assignments exist that is nothing.
    pub fn scope(&self) -> Scope {
        match self.role {
            Role::Institution => match self.institution_id {
                Some(id) => Scope::Institution(id),
                None => Scope::Nothing,
            },
            Role::Supervisor | Role::InfoOfficer | Role::Admin => Scope::All,
            Role::Inspector => Scope::Assigned(self.id),
        }
    }
}

/// A tenant filter, applied inside every query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    Institution(Uuid),
    /// An inspector's assigned batches.
    Assigned(Uuid),
    Nothing,
}

pub(crate) fn bearer(req: &HttpRequest) -> Option<&str> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

pub(crate) fn parse_role(code: &str) -> Result<Role, ApiError> {
    code.parse()
        .map_err(|_| ApiError::Internal(format!("stored role `{code}` is unknown")))
}

pub(crate) async fn authenticate(
    state: web::Data<AppState>,
    token: Option<String>,
) -> Result<CurrentUser, ApiError> {
    let token = token.ok_or(ApiError::Unauthorized("缺少访问令牌"))?;
    if service::is_service_token(&token) {
        // A live service token on a handler that declares no scope for it: 403 (deny by
        // default); an unknown or revoked one: 401.
        service::authenticate_service(&state, &token).await?;
        return Err(ApiError::Forbidden);
    }
    let claims = state
        .tokens
        .verify_access(&token, state.clock.now())
        .map_err(|_| ApiError::Unauthorized("访问令牌无效或已过期"))?;
    let user = user::Entity::find_by_id(claims.sub)
        .one(&state.db.conn)
        .await?
        .ok_or(ApiError::Unauthorized("用户不存在"))?;
    if user.disabled || user.token_version != claims.tv {
        return Err(ApiError::Unauthorized("账号已停用或权限已变更，请重新登录"));
    }
    Ok(CurrentUser {
        id: user.id,
        username: user.username,
        display_name: user.display_name,
        role: parse_role(&user.role)?,
        institution_id: user.institution_id,
    })
}

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req).map(str::to_owned);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("no app state".to_owned()))?;
            authenticate(state, token).await
        })
    }
}
