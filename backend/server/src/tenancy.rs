//! Tenant filters (SPEC §1): the caller's scope goes into the query itself, never applied after
//! loading, so another institution's id answers 404 exactly like a missing one.
//!
//! Three kinds of batch access. [`find_batch`]: institutions see their own, the provincial roles
//! all, and inspectors none. [`find_batch_to_write`] is the same for every handler that changes a
//! batch or anything under it, and refuses an archived batch with 409 `BATCH_ARCHIVED`: archiving
//! seals the batch's dossier (SPEC §1 信息部; `BatchStatus::accepts_writes`), and this is the one
//! place that says so — handlers reaching a batch through a child row (a candidate, a warning, a
//! change request, an inspection) call [`ensure_writable`] on it. [`find_batch_to_read`] is for
//! the few read-only views an inspector needs for the batches a draw assigned to them (SPEC §7:
//! the batch, its checklist, arrangement and materials); a batch not assigned to them answers
//! 404 exactly like a missing one.

use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use sea_orm::{QueryTrait, sea_query::SelectStatement};
use uuid::Uuid;

use crate::auth::service::Caller;
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

/// As [`batch_read_condition`] for a handler that admits service accounts: a `batches:read`
/// account reads every institution's batches.
pub fn batch_read_condition_for(caller: &Caller) -> Option<Condition> {
    match caller {
        Caller::User(user) => batch_read_condition(user),
        Caller::Service(_) => Some(Condition::all()),
    }
}

/// As [`find_batch_to_read`] for a handler that admits service accounts.
pub async fn find_batch_to_read_for<C: ConnectionTrait>(
    conn: &C,
    caller: &Caller,
    id: Uuid,
) -> Result<batch::Model, ApiError> {
    let condition = batch_read_condition_for(caller).ok_or(ApiError::NotFound)?;
    batch::Entity::find_by_id(id)
        .filter(condition)
        .one(conn)
        .await?
        .ok_or(ApiError::NotFound)
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

/// A batch the caller may change: as [`find_batch`] (404), and 409 `BATCH_ARCHIVED` once the
/// batch is archived. Call it inside the write transaction where the handler has one, so an
/// archive committed meanwhile is seen.
pub async fn find_batch_to_write<C: ConnectionTrait>(
    conn: &C,
    user: &CurrentUser,
    id: Uuid,
) -> Result<batch::Model, ApiError> {
    let batch = find_batch(conn, user, id).await?;
    ensure_writable(&batch)?;
    Ok(batch)
}

/// 409 `BATCH_ARCHIVED` for an archived batch (its status `archived`, which accepts no writes).
pub fn ensure_writable(batch: &batch::Model) -> Result<(), ApiError> {
    match batch.archived_at {
        Some(_) => Err(ApiError::batch_archived()),
        None => Ok(()),
    }
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
