//! The OpenAPI document's frame: info, security scheme and shared schemas. Paths come from the
//! `#[utoipa::path]` handlers registered in `routes::configure`.

use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};

/// The media type every error answer carries (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

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

/// A problem+json answer for `description`.
fn problem_response(description: &str) -> RefOr<Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build(),
    )
}

/// The answers every operation of a kind can give whatever its handler does, because the
/// layers in front of every handler give them: the bearer check (401, 403 for a role the
/// operation is not for), the path extractor (404 for a segment that names nothing or does not parse), the JSON and multipart extractors (400 malformed body, 413 too
/// large, 415 wrong media type) and the query and path extractors (422 malformed parameter).
fn common_answers(
    operation: &utoipa::openapi::path::Operation,
) -> Vec<(&'static str, &'static str)> {
    let mut answers = Vec::new();
    if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
        answers.push(("401", "UNAUTHORIZED: no, expired or revoked token"));
        answers.push(("403", "FORBIDDEN: the role may not do this"));
    }
    if operation.request_body.is_some() || idempotent(operation) || conditional(operation) {
        answers.push((
            "400",
            "BAD_REQUEST: the body does not parse, or a malformed Idempotency-Key",
        ));
    }
    if operation.request_body.is_some() {
        answers.push(("413", "PAYLOAD_TOO_LARGE"));
        answers.push(("415", "UNSUPPORTED_MEDIA_TYPE"));
    }
    if operation
        .parameters
        .iter()
        .flatten()
        .any(|p| p.parameter_in == ParameterIn::Path)
    {
        answers.push((
            "404",
            "NOT_FOUND: nothing by that path (also a path segment that is not a valid id or year)",
        ));
    }
    if operation.request_body.is_some()
        || operation.parameters.as_ref().is_some_and(|p| !p.is_empty())
    {
        answers.push((
            "422",
            "VALIDATION: a malformed field or parameter, each named",
        ));
    }
    answers
}

/// Whether `operation` takes an `Idempotency-Key` (SPEC §8).
fn idempotent(operation: &utoipa::openapi::path::Operation) -> bool {
    operation
        .parameters
        .iter()
        .flatten()
        .any(|p| p.name == IDEMPOTENCY_KEY)
}

/// Whether `operation` reads an `If-Match`.
fn conditional(operation: &utoipa::openapi::path::Operation) -> bool {
    operation
        .parameters
        .iter()
        .flatten()
        .any(|p| p.name == IF_MATCH)
}

const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
const IF_MATCH: &str = "If-Match";

/// What the server reads as an `If-Match` (`api::if_match`): a version, quoted or not.
fn if_match_schema() -> RefOr<Schema> {
    RefOr::T(Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .pattern(Some(crate::api::IF_MATCH_PATTERN))
            .build(),
    ))
}

/// What the server accepts as an `Idempotency-Key` (`api::idempotency_key`): 1–128 visible
/// ASCII characters.
fn idempotency_key_schema() -> RefOr<Schema> {
    RefOr::T(Schema::Object(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(Some(1))
            .max_length(Some(128))
            .pattern(Some("^[!-~]+$"))
            .build(),
    ))
}

/// The finishing pass over the whole document, once the handlers' paths are in: an answer
/// documented with the `Problem` schema is declared as `application/problem+json`, the media
/// type the server sends (`#[utoipa::path]` only knows `application/json` for a body), every
/// operation documents the answers the layers in front of it give ([`common_answers`]), an
/// operation open to anyone says so (`security: []`) rather than leaving it unsaid, and the
/// document names its server: the origin it is served from (paths carry `/api/v1`).
pub fn finish(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let problem = "#/components/schemas/Problem";
    api.servers = Some(vec![
        utoipa::openapi::server::ServerBuilder::new()
            .url("/")
            .description(Some("the skillcert server this document is served by"))
            .build(),
    ]);
    for item in api.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            operation.security.get_or_insert_with(Vec::new);
            for parameter in operation.parameters.iter_mut().flatten() {
                if parameter.name == IDEMPOTENCY_KEY {
                    parameter.schema = Some(idempotency_key_schema());
                }
                if parameter.name == IF_MATCH {
                    parameter.schema = Some(if_match_schema());
                }
            }
            for (status, description) in common_answers(operation) {
                let responses = &mut operation.responses.responses;
                if !responses.contains_key(status) {
                    responses.insert(status.to_owned(), problem_response(description));
                }
            }
            for response in operation.responses.responses.values_mut() {
                let RefOr::T(Response { content, .. }) = response else {
                    continue;
                };
                let is_problem = content.get("application/json").is_some_and(
                    |c| matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location == problem),
                );
                if is_problem && let Some(body) = content.shift_remove("application/json") {
                    content.insert(PROBLEM_JSON.to_owned(), body);
                }
            }
        }
    }
    api
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    /// Every error answer is declared as problem+json, never as plain JSON.
    #[test]
    fn problems_are_documented_as_problem_json() {
        let doc = serde_json::to_value(crate::app::openapi()).unwrap();
        let mut problems = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                for (status, response) in op["responses"].as_object().unwrap() {
                    let content = &response["content"];
                    let plain = content["application/json"]["schema"]["$ref"].as_str();
                    assert_ne!(
                        plain,
                        Some("#/components/schemas/Problem"),
                        "{method} {path} {status}"
                    );
                    if content[super::PROBLEM_JSON].is_object() {
                        problems += 1;
                    }
                }
            }
        }
        assert!(problems > 100, "only {problems} problem answers");
    }

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

    /// Every operation says who may call it — `security: []` for the public ones — and the
    /// document names its server (Redocly's `security-defined` and `no-empty-servers`).
    #[test]
    fn every_operation_declares_its_security_and_the_server_is_named() {
        let doc = serde_json::to_value(crate::app::openapi()).unwrap();
        assert_eq!(doc["servers"][0]["url"], "/");
        let mut public = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let security = op["security"].as_array();
                assert!(security.is_some(), "{method} {path}");
                public += usize::from(security.is_some_and(Vec::is_empty));
            }
        }
        assert!(public >= 9, "{public} public operations");
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
