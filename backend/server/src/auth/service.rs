//! Service accounts (SPEC §1 第三方系统): systems that call the same REST API with a scoped token.
//!
//! A token is `sk_` + 43 URL-safe base64 characters (256 random bits), shown once when an admin
//! creates the account; the database keeps its SHA-256 only. Deny by default: [`CurrentUser`]
//! refuses every service token (403 for a live one, 401 for an unknown or revoked one), so a
//! service account reaches only the handlers that take [`Scoped<S>`] — which declares, in the
//! handler's signature, the one scope that admits it. Every scope is read only: no handler that
//! writes takes `Scoped`, so no service token can change anything.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use base64::Engine;
use rand::RngCore;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{CurrentUser, authenticate, bearer};
use crate::entities::service_account;
use crate::error::ApiError;
use crate::state::AppState;

/// Every service token starts with this.
pub const TOKEN_PREFIX: &str = "sk_";
/// `last_used_at` is written at most once per this many seconds per account.
const LAST_USED_GRANULARITY_SECONDS: i64 = 60;

/// What a service account may do. Each scope is read only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub enum ServiceScope {
    /// Certificates by number (`GET /api/v1/certificates?number=…`: the ID masked, as the public
    /// lookup shows it, without its rate limit).
    #[serde(rename = "certificates:read")]
    CertificatesRead,
    /// The national export (`GET /api/v1/certificates/export`): full ID numbers, so a scope of
    /// its own; every download is audited.
    #[serde(rename = "certificates:export")]
    CertificatesExport,
    /// Batches of every institution, read only (`GET /api/v1/batches`, `GET /api/v1/batches/{id}`).
    #[serde(rename = "batches:read")]
    BatchesRead,
}

impl ServiceScope {
    pub const ALL: &'static [ServiceScope] = &[
        ServiceScope::CertificatesRead,
        ServiceScope::CertificatesExport,
        ServiceScope::BatchesRead,
    ];

    pub const fn code(self) -> &'static str {
        match self {
            ServiceScope::CertificatesRead => "certificates:read",
            ServiceScope::CertificatesExport => "certificates:export",
            ServiceScope::BatchesRead => "batches:read",
        }
    }

    pub fn parse(code: &str) -> Option<ServiceScope> {
        ServiceScope::ALL.iter().copied().find(|s| s.code() == code)
    }
}

/// An authenticated service account.
#[derive(Clone, Debug)]
pub struct ServiceCaller {
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<ServiceScope>,
}

/// The caller of a handler that admits service accounts: a signed-in user (whose role the
/// handler still checks) or a service account holding the handler's scope.
#[derive(Clone, Debug)]
pub enum Caller {
    User(CurrentUser),
    Service(ServiceCaller),
}

/// A scope a handler declares by taking `Scoped<S>`.
pub trait RequiredScope {
    const SCOPE: ServiceScope;
}

/// Marker: `certificates:read`.
#[derive(Debug)]
pub struct CertificatesRead;
impl RequiredScope for CertificatesRead {
    const SCOPE: ServiceScope = ServiceScope::CertificatesRead;
}

/// Marker: `certificates:export`.
#[derive(Debug)]
pub struct CertificatesExport;
impl RequiredScope for CertificatesExport {
    const SCOPE: ServiceScope = ServiceScope::CertificatesExport;
}

/// Marker: `batches:read`.
#[derive(Debug)]
pub struct BatchesRead;
impl RequiredScope for BatchesRead {
    const SCOPE: ServiceScope = ServiceScope::BatchesRead;
}

/// The extractor of handlers that admit service accounts with scope `S` (403 without it).
#[derive(Debug)]
pub struct Scoped<S: RequiredScope> {
    pub caller: Caller,
    _scope: PhantomData<S>,
}

/// A new token: the prefix and 256 random bits.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// What the database keeps of a token.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The prefix shown in lists (`sk_` and 6 characters).
pub fn token_hint(token: &str) -> String {
    token.chars().take(TOKEN_PREFIX.len() + 6).collect()
}

pub fn is_service_token(token: &str) -> bool {
    token.starts_with(TOKEN_PREFIX)
}

/// Days a token lives when its creator does not say.
pub const DEFAULT_EXPIRY_DAYS: i64 = 90;
/// The longest a token may live from its creation or renewal.
pub const MAX_EXPIRY_DAYS: i64 = 365;

/// When the account's token stops working; rows older than expiry last
/// `DEFAULT_EXPIRY_DAYS` from their creation.
pub fn expires_at(row: &service_account::Model) -> time::OffsetDateTime {
    row.expires_at
        .unwrap_or(row.created_at + time::Duration::days(DEFAULT_EXPIRY_DAYS))
}

/// The live account a token names, or 401 (unknown, revoked or expired); notes when it was used.
pub async fn authenticate_service(
    state: &AppState,
    token: &str,
) -> Result<ServiceCaller, ApiError> {
    let row = service_account::Entity::find()
        .filter(service_account::Column::TokenHash.eq(hash_token(token)))
        .one(&state.db.conn)
        .await?
        .ok_or(ApiError::Unauthorized("服务账号令牌无效"))?;
    if row.revoked_at.is_some() {
        return Err(ApiError::Unauthorized("服务账号令牌已撤销"));
    }
    let now = state.clock.now();
    if expires_at(&row) <= now {
        return Err(ApiError::Unauthorized("服务账号令牌已过期"));
    }
    let stale = row
        .last_used_at
        .is_none_or(|at| (now - at).whole_seconds() >= LAST_USED_GRANULARITY_SECONDS || at > now);
    if stale {
        // Conditional, so concurrent requests write it once; a failure here fails nothing.
        let cutoff = now - time::Duration::seconds(LAST_USED_GRANULARITY_SECONDS);
        let txn = state.db.begin_write().await?;
        service_account::Entity::update_many()
            .col_expr(service_account::Column::LastUsedAt, Expr::value(Some(now)))
            .filter(service_account::Column::Id.eq(row.id))
            .filter(
                Condition::any()
                    .add(service_account::Column::LastUsedAt.is_null())
                    .add(service_account::Column::LastUsedAt.lt(cutoff))
                    .add(service_account::Column::LastUsedAt.gt(now)),
            )
            .exec(&*txn)
            .await?;
        txn.commit().await?;
    }
    let scopes = serde_json::from_value::<Vec<String>>(row.scopes)
        .unwrap_or_default()
        .iter()
        .filter_map(|code| ServiceScope::parse(code))
        .collect();
    Ok(ServiceCaller {
        id: row.id,
        name: row.name,
        scopes,
    })
}

impl<S: RequiredScope + 'static> FromRequest for Scoped<S> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req).map(str::to_owned);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal("no app state".to_owned()))?;
            let caller = match token {
                Some(token) if is_service_token(&token) => {
                    let service = authenticate_service(&state, &token).await?;
                    if !service.scopes.contains(&S::SCOPE) {
                        return Err(ApiError::Forbidden);
                    }
                    Caller::Service(service)
                }
                token => Caller::User(authenticate(state, token).await?),
            };
            Ok(Scoped {
                caller,
                _scope: PhantomData,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_and_hashed() {
        let a = new_token();
        let b = new_token();
        assert!(a.starts_with("sk_") && a.len() == 3 + 43, "{a}");
        assert_ne!(a, b);
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), hash_token(&b));
        assert_eq!(token_hint(&a).len(), 9);
        assert!(a.starts_with(&token_hint(&a)));
    }

    #[test]
    fn scopes_round_trip_through_their_codes() {
        for scope in ServiceScope::ALL {
            assert_eq!(ServiceScope::parse(scope.code()), Some(*scope));
            let json = serde_json::to_value(scope).unwrap();
            assert_eq!(json, scope.code());
        }
        assert_eq!(ServiceScope::parse("batches:write"), None);
    }
}
