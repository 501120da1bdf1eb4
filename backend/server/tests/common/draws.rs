//! Draws and inspections through HTTP: social-training batches under supervision, inspectors
//! with affiliations, creating and running draws, filing reports.

use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};
use skillcert_server::entities::{inspector_affiliation, institution};
use uuid::Uuid;

use super::TestApp;
use super::batches::at_registration;
use super::fixtures::user_named;
use super::social::social_body;

/// A social-training batch of `username` with its plan approved: under external supervision.
/// The exams are in the institution's own region (no cross-region form needed).
pub async fn supervised_batch(app: &TestApp, username: &str) -> Value {
    let owner = user_named(app, username).await;
    let region = institution::Entity::find_by_id(owner.institution_id.unwrap())
        .one(&app.state.db.conn)
        .await
        .unwrap()
        .unwrap()
        .region;
    let body = social_body(&region);
    at_registration(app, username, body).await
}

/// An inspector account affiliated with `institutions`.
pub async fn inspector(app: &TestApp, username: &str, institutions: &[Uuid]) -> Uuid {
    let id = app.user(username, "inspector", None).await;
    for institution_id in institutions {
        inspector_affiliation::Entity::insert(inspector_affiliation::ActiveModel {
            inspector_id: Set(id),
            institution_id: Set(*institution_id),
        })
        .exec(&app.state.db.conn)
        .await
        .unwrap();
    }
    id
}

/// A draw body: on-site, over every supervised batch, k batches and m inspectors each.
pub fn draw_body(title: &str, k: i64, m: i64) -> Value {
    json!({
        "title": title,
        "mode": "on_site",
        "batch_filter": {},
        "batch_count": k,
        "inspectors_per_batch": m,
    })
}

/// Creates a draw, asserting 201.
pub async fn commit(app: &TestApp, token: &str, body: Value) -> Value {
    let response = app.post(token, "/api/v1/draws", body).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["status"], "committed");
    body
}

pub async fn run(app: &TestApp, token: &str, draw: &Value) -> reqwest::Response {
    app.post(
        token,
        &format!("/api/v1/draws/{}/run", draw["id"].as_str().unwrap()),
        json!({}),
    )
    .await
}

/// Runs a draw, asserting 200.
pub async fn run_ok(app: &TestApp, token: &str, draw: &Value) -> Value {
    let response = run(app, token, draw).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "drawn");
    body
}

/// GET without a token (public endpoints).
pub async fn public_get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).send().await.unwrap()
}

/// The picks of a drawn draw as (batch id, inspector ids).
pub fn picks(draw: &Value) -> Vec<(String, Vec<String>)> {
    draw["result"]["picks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["batch_id"].as_str().unwrap().to_owned(),
                p["inspector_ids"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

/// A report form: `rating`, `findings` and each `(file name, bytes)` as a `file` part.
pub fn report_form(
    rating: &str,
    findings: &str,
    files: Vec<(&str, Vec<u8>)>,
) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new()
        .text("rating", rating.to_owned())
        .text("findings", findings.to_owned());
    for (name, bytes) in files {
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(bytes)
                .file_name(name.to_owned())
                .mime_str("application/pdf")
                .unwrap(),
        );
    }
    form
}

pub async fn file_report(
    app: &TestApp,
    token: &str,
    inspection_id: &str,
    form: reqwest::multipart::Form,
) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/inspections/{inspection_id}/report")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}
