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

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    match (key.as_str(), inner) {
                        ("$ref", Value::String(target)) => out.push(target),
                        _ => refs(inner, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| refs(item, out)),
            _ => {}
        }
    }

    /// A `$ref` to a schema the document does not define breaks generated clients.
    #[test]
    fn every_schema_reference_resolves() {
        let doc = serde_json::to_value(crate::app::openapi()).unwrap();
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        let mut found = Vec::new();
        refs(&doc, &mut found);
        assert!(found.len() > 50, "only {} references", found.len());
        let missing: Vec<&&str> = found
            .iter()
            .filter(|r| {
                r.strip_prefix("#/components/schemas/")
                    .is_none_or(|name| !schemas.contains_key(name))
            })
            .collect();
        assert!(missing.is_empty(), "unresolved: {missing:?}");
    }
}
