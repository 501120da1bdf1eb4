//! `/admin/clock`: the injectable clock every rule, token and lockout reads (SPEC §9). Anyone
//! signed in may read it (the web app shows the date the rules use); only the admin may move
//! it, and only when `clock.adjustable` is set (never in a production profile). Audits a move.

use actix_web::{get, put, web};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skillcert_domain::Role;
use skillcert_domain::calendar::china_date;
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::audit::{self, AuditCtx, RequestMeta};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::state::AppState;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_clock).service(set_clock);
}

/// The platform's "now".
#[derive(Debug, Serialize, ToSchema)]
pub struct ClockView {
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub now: OffsetDateTime,
    /// The China date (UTC+8) of `now`: the day every date rule counts from.
    #[schema(value_type = String, format = Date)]
    pub today: Date,
    /// Whether an admin may move it (`clock.adjustable`; demos and tests only).
    pub adjustable: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClockInput {
    /// RFC 3339, e.g. `2026-03-20T09:00:00+08:00`. The clock runs on from it.
    #[schema(format = DateTime, example = "2026-03-20T09:00:00+08:00")]
    pub now: String,
}

fn view(state: &AppState) -> ClockView {
    ClockView {
        now: state.clock.now(),
        today: china_date(state.clock.now()),
        adjustable: state.clock.is_adjustable(),
    }
}

/// The time the rules use.
#[utoipa::path(
    tag = "clock",
    responses((status = 200, body = ClockView), (status = 401, body = Problem)),
    security(("bearer" = []))
)]
#[get("/admin/clock")]
pub async fn get_clock(
    state: web::Data<AppState>,
    _user: CurrentUser,
) -> ApiResult<web::Json<ClockView>> {
    Ok(web::Json(view(&state)))
}

/// Move the clock (admin; only when `clock.adjustable`). Deadlines, tokens and lockouts follow.
#[utoipa::path(
    tag = "clock",
    request_body = ClockInput,
    responses(
        (status = 200, body = ClockView),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem, description = "INVALID_STATE: the clock is not adjustable"),
        (status = 422, body = Problem)
    ),
    security(("bearer" = []))
)]
#[put("/admin/clock")]
pub async fn set_clock(
    state: web::Data<AppState>,
    user: CurrentUser,
    meta: RequestMeta,
    body: web::Json<ClockInput>,
) -> ApiResult<web::Json<ClockView>> {
    user.require(&[Role::Admin])?;
    if !state.clock.is_adjustable() {
        return Err(ApiError::invalid_state("时钟不可调整"));
    }
    let target = OffsetDateTime::parse(body.now.trim(), &Rfc3339).map_err(|_| {
        ApiError::validation(
            "now",
            format!(
                "“{}”不是 RFC 3339 时间，例如 2026-03-20T09:00:00+08:00",
                body.now
            ),
        )
    })?;
    let before = state.clock.now();
    let txn = state.db.begin_write().await?;
    audit::record(
        &*txn,
        &AuditCtx::for_user(&user, &meta),
        before,
        audit::Event {
            action: "clock.set",
            entity_type: "clock",
            entity_id: "clock".to_owned(),
            institution_id: None,
            summary: json!({
                "before": before.format(&Rfc3339).unwrap_or_default(),
                "after": target.format(&Rfc3339).unwrap_or_default(),
            }),
        },
    )
    .await?;
    txn.commit().await?;
    if !state.clock.set(target) {
        return Err(ApiError::invalid_state("时钟不可调整"));
    }
    Ok(web::Json(view(&state)))
}
