//! Sessions: an access token plus a rotating refresh token (SPEC §9). Every refresh token
//! belongs to a family started at login; refreshing marks the presented token rotated and
//! issues the next one in the family. Presenting an already rotated token means it was copied:
//! the whole family is revoked (OAuth 2.0 Security BCP §4.14.2). Only the SHA-256 of a refresh
//! token is stored. Touches `refresh_tokens`, reads `users`.

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::auth::tokens::{self, TokenKeys};
use crate::entities::{refresh_token, user};
use crate::error::ApiError;

/// What a client receives at login and refresh.
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
}

/// Issues an access token and a refresh token in `family` (a new family when `None`).
pub async fn issue<C: ConnectionTrait>(
    conn: &C,
    keys: &TokenKeys,
    user: &user::Model,
    family: Option<Uuid>,
    now: OffsetDateTime,
) -> Result<Session, ApiError> {
    let access_token = keys
        .issue_access(user.id, &user.role, user.token_version, now)
        .map_err(|e| ApiError::Internal(format!("issue access token: {e}")))?;
    let refresh_token = tokens::new_refresh_token();
    refresh_token::Entity::insert(refresh_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(user.id),
        family_id: Set(family.unwrap_or_else(Uuid::now_v7)),
        token_hash: Set(tokens::hash_refresh_token(&refresh_token)),
        expires_at: Set(now + Duration::seconds(keys.refresh_ttl_seconds)),
        rotated_at: Set(None),
        revoked_at: Set(None),
        created_at: Set(now),
    })
    .exec(conn)
    .await?;
    Ok(Session {
        access_token,
        refresh_token,
        expires_in: keys.access_ttl_seconds,
    })
}

/// The answer to a refresh attempt.
pub enum Refresh {
    /// A new session for `user`, in the same family.
    Rotated(Session, Box<user::Model>),
    /// A rotated token came back: its family must be revoked.
    Reused { user_id: Uuid, family_id: Uuid },
    /// Unknown, expired or revoked, or the user may no longer sign in.
    Rejected,
}

/// Rotates `presented`, in the caller's write transaction, with the user's row locked.
pub async fn rotate<C: ConnectionTrait>(
    conn: &C,
    keys: &TokenKeys,
    presented: &str,
    now: OffsetDateTime,
) -> Result<Refresh, ApiError> {
    // Lock the owner's row before reading anything (PostgreSQL: the row lock; SQLite: this
    // write takes the writer lock), so an admin's password reset, disable or role change —
    // which bumps `token_version` and revokes the user's tokens in its own transaction on the
    // same row — runs wholly before or wholly after this refresh, and always wins.
    let hash = tokens::hash_refresh_token(presented);
    user::Entity::update_many()
        .col_expr(
            user::Column::TokenVersion,
            Expr::col(user::Column::TokenVersion).into(),
        )
        .filter(
            user::Column::Id.in_subquery(
                Query::select()
                    .column(refresh_token::Column::UserId)
                    .from(refresh_token::Entity)
                    .and_where(refresh_token::Column::TokenHash.eq(hash.clone()))
                    .to_owned(),
            ),
        )
        .exec(conn)
        .await?;
    let Some(row) = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash))
        .one(conn)
        .await?
    else {
        return Ok(Refresh::Rejected);
    };
    if row.revoked_at.is_some() {
        return Ok(Refresh::Rejected);
    }
    let reused = Refresh::Reused {
        user_id: row.user_id,
        family_id: row.family_id,
    };
    if row.rotated_at.is_some() {
        return Ok(reused);
    }
    if row.expires_at <= now {
        return Ok(Refresh::Rejected);
    }
    let user = match user::Entity::find_by_id(row.user_id).one(conn).await? {
        Some(user) if !user.disabled => user,
        _ => {
            revoke_family(conn, row.family_id, now).await?;
            return Ok(Refresh::Rejected);
        }
    };
    // Conditional, so of two concurrent refreshes with one token only one rotates it; the
    // other counts as reuse.
    let marked = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RotatedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(row.id))
        .filter(refresh_token::Column::RotatedAt.is_null())
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    if marked.rows_affected != 1 {
        return Ok(reused);
    }
    let session = issue(conn, keys, &user, Some(row.family_id), now).await?;
    Ok(Refresh::Rotated(session, Box::new(user)))
}

/// The user and family of a refresh token, if it exists.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    presented: &str,
) -> Result<Option<refresh_token::Model>, ApiError> {
    Ok(refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(tokens::hash_refresh_token(presented)))
        .one(conn)
        .await?)
}

/// Revokes every still valid token of a family; returns how many.
pub async fn revoke_family<C: ConnectionTrait>(
    conn: &C,
    family_id: Uuid,
    now: OffsetDateTime,
) -> Result<u64, ApiError> {
    let result = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::FamilyId.eq(family_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// Revokes every refresh token of a user (disabled, new role, new password).
pub async fn revoke_user<C: ConnectionTrait>(
    conn: &C,
    user_id: Uuid,
    now: OffsetDateTime,
) -> Result<u64, ApiError> {
    let result = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RevokedAt, Expr::value(now))
        .filter(refresh_token::Column::UserId.eq(user_id))
        .filter(refresh_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}
