//! Tenant filters (SPEC §1): the caller's scope goes into the query itself, never applied after
//! loading, so another institution's id answers 404 exactly like a missing one.
//!
//! Two kinds of batch access. [`find_batch`] is the default, used by every handler that may
//! change a batch or its candidates: institutions see their own, the provincial roles all, and
//! inspectors none. [`find_batch_to_read`] is for the few read-only views an inspector needs
//! for the batches a draw assigned to them (SPEC §7: the batch, its checklist, arrangement and
//! materials); a batch not assigned to them answers 404 exactly like a missing one.

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use sea_orm::{QueryTrait, sea_query::SelectStatement};
use uuid::Uuid;

use crate::auth::{CurrentUser, Scope};
use crate::entities::{batch, inspection};
use crate::error::ApiError;

/// The condition on an `institution_id` column for the caller, or `None` when the caller can
/// see no rows at all (inspectors: they see assigned batches only, through
/// [`batch_read_condition`]).
pub fn institution_condition<C: ColumnTrait>(user: &CurrentUser, column: C) -> Option<Condition> {
    match user.scope() {
        Scope::All => Some(Condition::all()),
        Scope::Institution(id) => Some(Condition::all().add(column.eq(id))),
        Scope::Assigned(_) | Scope::Nothing => None,
    }
}

/// The ids of the batches a draw assigned to `inspector_id`.
fn assigned_batch_ids(inspector_id: Uuid) -> SelectStatement {
    inspection::Entity::find()
        .select_only()
        .column(inspection::Column::BatchId)
        .filter(inspection::Column::InspectorId.eq(inspector_id))
        .into_query()
}

/// The condition on `batches` for read-only views: the caller's tenant, or for an inspector the
/// batches assigned to them. `None` when the caller can see no batch at all.
pub fn batch_read_condition(user: &CurrentUser) -> Option<Condition> {
    match user.scope() {
        Scope::Assigned(inspector_id) => Some(
            Condition::all().add(batch::Column::Id.in_subquery(assigned_batch_ids(inspector_id))),
        ),
        _ => institution_condition(user, batch::Column::InstitutionId),
    }
}

/// A batch the caller may see and act on, or 404. Inspectors never get one here.
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

/// A batch the caller may read, or 404: as [`find_batch`], plus an inspector's assigned batches.
/// Only for handlers that change nothing.
pub async fn find_batch_to_read<C: ConnectionTrait>(
    conn: &C,
    user: &CurrentUser,
    id: Uuid,
) -> Result<batch::Model, ApiError> {
    let condition = batch_read_condition(user).ok_or(ApiError::NotFound)?;
    batch::Entity::find_by_id(id)
        .filter(condition)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound)
}
