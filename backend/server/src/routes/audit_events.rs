//! `GET /audit-events`: the audit log (SPEC §9). Supervisors and admins see everything;
//! institution users see the events of their own institution — who did it by role, what, when
//! and on what, but never an actor's user id or client address (those of supervisors and other
//! staff are not theirs to know; docs/security.md 7.1); others nothing.

use actix_web::{get, web};
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde::{Deserialize, Serialize};
use skillcert_domain::Role;
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::api::{Page, PageQuery};
use crate::auth::CurrentUser;
use crate::entities::audit_event;
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_audit_events);
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventView {
    pub seq: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
    /// Null in an institution's view: it sees the actor's role, never their user id.
    pub actor_id: Option<Uuid>,
    pub actor_role: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub institution_id: Option<Uuid>,
    #[schema(value_type = Object)]
    pub summary: serde_json::Value,
    pub request_id: String,
    /// The actor's client address; null in an institution's view.
    pub ip: Option<String>,
    pub hash: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilter {
    /// e.g. `batch`, `user`, `institution`.
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub action: Option<String>,
}

/// Audit events, newest first.
#[utoipa::path(
    tag = "audit",
    params(PageQuery, AuditFilter),
    responses((status = 200, body = Page<AuditEventView>), (status = 401, body = Problem), (status = 403, body = Problem)),
    security(("bearer" = []))
)]
#[get("/audit-events")]
pub async fn list_audit_events(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: web::Query<PageQuery>,
    filter: web::Query<AuditFilter>,
) -> ApiResult<web::Json<Page<AuditEventView>>> {
    let (page_no, size) = page.resolve()?;
    let full_view = matches!(user.role, Role::Supervisor | Role::Admin);
    let mut condition = match user.role {
        Role::Supervisor | Role::Admin => Condition::all(),
        Role::Institution => {
            Condition::all().add(audit_event::Column::InstitutionId.eq(user.own_institution()?))
        }
        Role::Inspector | Role::InfoOfficer => return Err(ApiError::Forbidden),
    };
    if let Some(entity_type) = &filter.entity_type {
        condition = condition.add(audit_event::Column::EntityType.eq(entity_type.clone()));
    }
    if let Some(entity_id) = &filter.entity_id {
        condition = condition.add(audit_event::Column::EntityId.eq(entity_id.clone()));
    }
    if let Some(action) = &filter.action {
        condition = condition.add(audit_event::Column::Action.eq(action.clone()));
    }
    let paginator = audit_event::Entity::find()
        .filter(condition)
        .order_by_desc(audit_event::Column::Seq)
        .paginate(&state.db.conn, size);
    let total = paginator.num_items().await?;
    let items = paginator
        .fetch_page(page_no - 1)
        .await?
        .into_iter()
        .map(|e| AuditEventView {
            seq: e.seq,
            at: e.at,
            actor_id: e.actor_id.filter(|_| full_view),
            actor_role: e.actor_role,
            action: e.action,
            entity_type: e.entity_type,
            entity_id: e.entity_id,
            institution_id: e.institution_id,
            summary: e.summary,
            request_id: e.request_id,
            ip: full_view.then_some(e.ip),
            hash: e.hash,
        })
        .collect();
    Ok(web::Json(Page {
        items,
        total,
        page: page_no,
        page_size: size,
    }))
}
