//! The OpenAPI document's frame: info, security scheme and shared schemas. Paths come from the
//! `#[utoipa::path]` handlers registered in `routes::configure`.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "skillcert API",
        description = "河南省职业技能等级认定监管平台 API（豫职评〔2023〕230号）。Errors are application/problem+json with a stable `code`; rule failures list every violation.",
        version = "1.0.0"
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::error::Problem, crate::error::ViolationSchema))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}
