//! `build_app(config)`: the one way the service is assembled — by `serve`, by `openapi` and by
//! every test.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{App, web};
use sea_orm_migration::MigratorTrait;
use skillcert_migrations::Migrator;
use utoipa::OpenApi;
use utoipa_actix_web::{AppExt, scope};
use utoipa_swagger_ui::SwaggerUi;

use crate::api;
use crate::config::Config;
use crate::openapi::ApiDoc;
use crate::request_id;
use crate::routes;
use crate::security_headers;
use crate::spa;
use crate::state::{AppState, StartError};
use crate::text_guard;

/// A configured service, ready to be served by any number of workers.
#[derive(Clone)]
pub struct BuiltApp {
    pub state: web::Data<AppState>,
}

/// Connects, migrates (unless disabled) and prepares the shared state.
pub async fn build_app(config: Config) -> Result<BuiltApp, StartError> {
    let migrate = config.database.migrate_on_start;
    let state = AppState::new(config).await?;
    if migrate {
        Migrator::up(&state.db.conn, None).await?;
    }
    Ok(BuiltApp {
        state: web::Data::new(state),
    })
}

/// The actix application for one worker, over shared state.
pub fn actix_app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let upload_limit = state.config.uploads.max_bytes;
    let (app, api) = App::new()
        .app_data(state)
        .app_data(api::json_config(text_guard::JSON_LIMIT))
        .app_data(api::path_config())
        .app_data(api::query_config())
        .app_data(web::PayloadConfig::new(upload_limit as usize + 64 * 1024))
        .wrap(from_fn(text_guard::middleware))
        .wrap(from_fn(security_headers::middleware))
        .wrap(from_fn(request_id::middleware))
        .service(routes::ops::healthz)
        .service(routes::ops::readyz)
        .service(routes::ops::metrics)
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(scope::scope("/api/v1").configure(routes::configure))
        .split_for_parts();
    let api = crate::openapi::finish(api);
    // `/api/v1/openapi.json` is answered inside the API scope (routes::ops::openapi_json);
    // Swagger UI reads it from there.
    app.app_data(web::Data::new(api.clone()))
        .service(SwaggerUi::new("/docs/{_:.*}").url("/api/v1/openapi.json", api))
        .default_service(web::to(spa::fallback))
}

/// The OpenAPI document, from the same route registration the server uses.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(scope::scope("/api/v1").configure(routes::configure))
        .split_for_parts();
    crate::openapi::finish(api)
}
