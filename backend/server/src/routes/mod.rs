//! The `/api/v1` routes, one small module per resource with `#[utoipa::path]` on the real
//! handlers. `configure` registers them for both the server and the OpenAPI document.

use utoipa_actix_web::service_config::ServiceConfig;

pub mod ops;

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.map(|cfg| cfg.service(ops::openapi_json));
    crate::auth::routes::configure(cfg);
}
