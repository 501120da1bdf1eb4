//! Operations endpoints, problem+json for unknown routes, the request id, the OpenAPI contract.

mod common;

use common::{each_backend, problem};

#[actix_web::test]
async fn health_readiness_and_metrics() {
    each_backend(|app| async move {
        // -- Exec
        let health = app.client.get(app.url("/healthz")).send().await.unwrap();
        let ready = app.client.get(app.url("/readyz")).send().await.unwrap();
        let metrics = app.client.get(app.url("/metrics")).send().await.unwrap();
        // -- Check
        assert_eq!(health.status(), 200);
        assert!(health.headers().contains_key("x-request-id"));
        assert_eq!(ready.status(), 200);
        let text = metrics.text().await.unwrap();
        assert!(text.contains("skillcert_http_requests_total"), "{text}");
        app
    })
    .await;
}

#[actix_web::test]
async fn every_answer_carries_the_security_headers_and_api_answers_are_not_stored() {
    each_backend(|app| async move {
        let health = app.client.get(app.url("/healthz")).send().await.unwrap();
        let login = app.login_with("nobody", "wrong password").await;
        let spa = app.client.get(app.url("/")).send().await.unwrap();
        for response in [&health, &login, &spa] {
            let headers = response.headers();
            assert_eq!(headers["x-content-type-options"], "nosniff");
            assert_eq!(headers["referrer-policy"], "same-origin");
            assert_eq!(headers["x-frame-options"], "SAMEORIGIN");
        }
        assert_eq!(login.status(), 401);
        assert_eq!(login.headers()["cache-control"], "no-store");
        assert!(!health.headers().contains_key("cache-control"));
        app
    })
    .await;
}

#[actix_web::test]
async fn unknown_routes_answer_problem_json_with_the_request_id() {
    each_backend(|app| async move {
        let response = app
            .client
            .get(app.url("/api/v1/no-such-thing"))
            .header("x-request-id", "test-request-0001")
            .send()
            .await
            .unwrap();
        let body = problem(response, 404, "NOT_FOUND").await;
        assert_eq!(body["request_id"], "test-request-0001");
        app
    })
    .await;
}

#[actix_web::test]
async fn the_openapi_document_is_served_and_swagger_ui_too() {
    each_backend(|app| async move {
        let doc: serde_json::Value = app
            .client
            .get(app.url("/api/v1/openapi.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        let ui = app.client.get(app.url("/docs/")).send().await.unwrap();
        assert_eq!(ui.status(), 200);
        app
    })
    .await;
}
