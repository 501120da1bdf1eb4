//! Deny by default (ASVS 4.1.1, 等保 访问控制), swept over the OpenAPI document itself: every
//! operation that declares a security requirement answers 401 `UNAUTHORIZED` (problem+json)
//! to a caller without a token and to one with a forged token, whatever its path parameters
//! and body; and the operations that declare none are exactly the public ones listed here, so
//! a new route documented without security fails this test until it is added on purpose.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{each_backend, problem};
use reqwest::Method;
use serde_json::Value;

/// The operations anyone may call: login and the session endpoints, and the public pages.
const PUBLIC: &[(&str, &str)] = &[
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/logout"),
    ("post", "/api/v1/auth/refresh"),
    ("get", "/api/v1/public/certificate-key"),
    ("get", "/api/v1/public/certificates"),
    ("post", "/api/v1/public/certificates/lookup"),
    ("get", "/api/v1/public/draws"),
    ("get", "/api/v1/public/draws/{id}"),
    ("get", "/api/v1/public/draws/{id}/verify"),
    ("get", "/api/v1/public/exam-notices"),
];

/// Every operation of the document: (method, path template, declares security).
fn operations() -> Vec<(String, String, bool)> {
    let doc = serde_json::to_value(skillcert_server::app::openapi()).unwrap();
    let mut operations = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            let secured = operation["security"]
                .as_array()
                .is_some_and(|s| !s.is_empty());
            operations.push((method.clone(), template.clone(), secured));
        }
    }
    operations
}

/// The template with every parameter filled: a year for `{year}`, an occupation code for
/// `{code}`, a step name for `{step}`, a fresh UUID for the rest.
fn filled(template: &str) -> String {
    template
        .replace("{year}", "2026")
        .replace("{code}", "6-31-01-03")
        .replace("{step}", "plan")
        .split('/')
        .map(|part| {
            if part.starts_with('{') {
                uuid::Uuid::new_v4().to_string()
            } else {
                part.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn the_operations_without_security_are_exactly_the_public_ones() {
    let mut open: Vec<_> = operations()
        .into_iter()
        .filter(|(_, _, secured)| !secured)
        .map(|(method, template, _)| (method, template))
        .collect();
    open.sort();
    let mut expected: Vec<_> = PUBLIC
        .iter()
        .map(|(m, t)| ((*m).to_owned(), (*t).to_owned()))
        .collect();
    expected.sort();
    assert_eq!(open, expected);
}

#[actix_web::test]
async fn every_secured_operation_refuses_a_caller_without_a_valid_token() {
    each_backend(|app| async move {
        let secured: Vec<_> = operations()
            .into_iter()
            .filter(|(_, _, secured)| *secured)
            .collect();
        assert!(secured.len() > 90, "{} secured operations", secured.len());
        let forged = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsInJvbGUiOiJhZG1pbiJ9.c2lnbmF0dXJl";
        for (method, template, _) in &secured {
            let url = app.url(&filled(template));
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            for token in [None, Some(forged)] {
                let mut request = app.client.request(method.clone(), &url);
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                if method != Method::GET && method != Method::DELETE {
                    request = request.json(&Value::Object(Default::default()));
                }
                let response = request.send().await.unwrap();
                let what = format!("{method} {template} (token: {})", token.is_some());
                assert_eq!(response.status(), 401, "{what}");
                problem(response, 401, "UNAUTHORIZED").await;
            }
        }
        app
    })
    .await;
}
