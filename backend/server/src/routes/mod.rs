//! The `/api/v1` routes, one small module per resource with `#[utoipa::path]` on the real
//! handlers. `configure` registers them for both the server and the OpenAPI document.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod annual_plans;
pub mod arrangement;
pub mod audit_events;
pub mod batches;
pub mod blacklist;
pub mod calendar;
pub mod candidates;
pub mod certificates;
pub mod change_requests;
pub mod clock;
pub mod draws;
pub mod exam_notices;
pub mod inspections;
pub mod institutions;
pub mod materials;
pub mod notices;
pub mod occupations;
pub mod ops;
pub mod results;
pub mod roster;
pub mod stats;
pub mod users;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.map(|cfg| cfg.service(ops::openapi_json));
    crate::auth::routes::configure(cfg);
    users::configure(cfg);
    clock::configure(cfg);
    institutions::configure(cfg);
    occupations::configure(cfg);
    calendar::configure(cfg);
    annual_plans::configure(cfg);
    exam_notices::configure(cfg);
    materials::configure(cfg);
    batches::configure(cfg);
    arrangement::configure(cfg);
    change_requests::configure(cfg);
    candidates::configure(cfg);
    roster::configure(cfg);
    results::configure(cfg);
    certificates::configure(cfg);
    blacklist::configure(cfg);
    audit_events::configure(cfg);
    stats::configure(cfg);
    notices::configure(cfg);
    draws::configure(cfg);
    inspections::configure(cfg);
}
