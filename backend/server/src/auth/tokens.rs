//! Access tokens (JWT, HS256) and refresh tokens (random, stored as SHA-256).
//!
//! jsonwebtoken checks the signature, the algorithm and that `exp`, `nbf`, `iss`, `aud` are
//! present; `exp` and `nbf` are then checked here against the injectable clock rather than the
//! system clock, so tokens follow the same time as every rule (SPEC §9).

use base64::Engine;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

/// Seconds of tolerated clock skew between servers.
const LEEWAY: i64 = 5;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub role: String,
    /// The user's token version when issued.
    pub tv: i32,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub jti: Uuid,
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("token rejected: {0}")]
    Invalid(#[from] jsonwebtoken::errors::Error),
    #[error("token expired")]
    Expired,
    #[error("token not yet valid")]
    NotYetValid,
}

pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
    audience: String,
    pub access_ttl_seconds: i64,
    pub refresh_ttl_seconds: i64,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    pub fn new(
        secret: &[u8],
        issuer: &str,
        audience: &str,
        access_ttl_seconds: i64,
        refresh_ttl_seconds: i64,
    ) -> Self {
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            access_ttl_seconds,
            refresh_ttl_seconds,
        }
    }

    pub fn issue_access(
        &self,
        user_id: Uuid,
        role: &str,
        token_version: i32,
        now: OffsetDateTime,
    ) -> Result<String, TokenError> {
        let now = now.unix_timestamp();
        let claims = Claims {
            sub: user_id,
            role: role.to_owned(),
            tv: token_version,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            nbf: now,
            exp: now + self.access_ttl_seconds,
            jti: Uuid::new_v4(),
        };
        Ok(jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    pub fn verify_access(&self, token: &str, now: OffsetDateTime) -> Result<Claims, TokenError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        // Checked below against the injectable clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation)?.claims;
        let now = now.unix_timestamp();
        if claims.exp <= now - LEEWAY {
            return Err(TokenError::Expired);
        }
        if claims.nbf > now + LEEWAY {
            return Err(TokenError::NotYetValid);
        }
        Ok(claims)
    }
}

/// A new opaque refresh token (256 random bits, URL-safe).
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a refresh token.
pub fn hash_refresh_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn keys() -> TokenKeys {
        TokenKeys::new(&[7u8; 32], "skillcert", "skillcert-api", 900, 3600)
    }

    #[test]
    fn issued_tokens_verify_until_they_expire_on_the_injected_clock() {
        let keys = keys();
        let now = datetime!(2026-02-12 02:00 UTC);
        let token = keys.issue_access(Uuid::nil(), "admin", 1, now).unwrap();
        assert!(keys.verify_access(&token, now).is_ok());
        assert!(matches!(
            keys.verify_access(&token, datetime!(2026-02-12 02:20 UTC)),
            Err(TokenError::Expired)
        ));
        assert!(matches!(
            keys.verify_access(&token, datetime!(2026-02-12 01:00 UTC)),
            Err(TokenError::NotYetValid)
        ));
    }

    #[test]
    fn another_key_or_audience_is_rejected() {
        let now = datetime!(2026-02-12 02:00 UTC);
        let token = keys().issue_access(Uuid::nil(), "admin", 1, now).unwrap();
        let other = TokenKeys::new(&[8u8; 32], "skillcert", "skillcert-api", 900, 3600);
        assert!(other.verify_access(&token, now).is_err());
        let other_aud = TokenKeys::new(&[7u8; 32], "skillcert", "elsewhere", 900, 3600);
        assert!(other_aud.verify_access(&token, now).is_err());
    }
}
