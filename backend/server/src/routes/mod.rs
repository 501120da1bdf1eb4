//! The `/api/v1` routes, one small module per resource with `#[utoipa::path]` on the real
//! handlers. `configure` registers them for both the server and the OpenAPI document.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod annual_plans;
pub mod archive;
pub mod arrangement;
pub mod audit_events;
pub mod batches;
pub mod blacklist;
pub mod calendar;
pub mod candidates;
pub mod certificate_pdfs;
pub mod certificate_reports;
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
pub mod service_accounts;
pub mod stats;
pub mod users;
pub mod webhooks;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.map(|cfg| cfg.service(ops::openapi_json));
    // First: the public certificate lookup is the hot unauthenticated path, and actix tries the
    // routes in order, each `{id}` pattern with a regex capture (about 3 % of a lookup's CPU
    // when it came after the ~40 batch routes; BENCHMARKS.md S7).
    certificates::configure(cfg);
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
    certificate_reports::configure(cfg);
    archive::configure(cfg);
    certificate_pdfs::configure(cfg);
    blacklist::configure(cfg);
    audit_events::configure(cfg);
    stats::configure(cfg);
    notices::configure(cfg);
    draws::configure(cfg);
    inspections::configure(cfg);
    webhooks::configure(cfg);
    service_accounts::configure(cfg);
}
