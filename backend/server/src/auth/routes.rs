//! `/auth/*` and `/me` (written with issue 3's auth work).

use utoipa_actix_web::service_config::ServiceConfig;

pub fn configure(_cfg: &mut ServiceConfig) {}
