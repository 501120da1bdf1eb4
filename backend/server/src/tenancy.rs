//! Tenant filters (SPEC §1): the caller's scope goes into the query itself, never applied after
//! loading, so another institution's id answers 404 exactly like a missing one.

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::{CurrentUser, Scope};
use crate::entities::batch;
use crate::error::ApiError;

/// The condition on an `institution_id` column for the caller, or `None` when the caller can
/// see no rows at all (inspectors until batches are assigned to them, issue 6).
pub fn institution_condition<C: ColumnTrait>(user: &CurrentUser, column: C) -> Option<Condition> {
    match user.scope() {
        Scope::All => Some(Condition::all()),
        Scope::Institution(id) => Some(Condition::all().add(column.eq(id))),
        Scope::Assigned(_) | Scope::Nothing => None,
    }
}

/// A batch the caller may see, or 404.
pub async fn find_batch<C: ConnectionTrait>(
    conn: &C,
    user: &CurrentUser,
    id: Uuid,
) -> Result<batch::Model, ApiError> {
    let condition =
        institution_condition(user, batch::Column::InstitutionId).ok_or(ApiError::NotFound)?;
    batch::Entity::find_by_id(id)
        .filter(condition)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound)
}
