//! Batches through HTTP: creation bodies, step submissions and decisions, and a batch brought
//! to its registration step.

use serde_json::{Value, json};

use super::TestApp;
use super::fixtures::{attach, token};

pub const ELECTRICIAN: &str = "6-31-01-03";
pub const CARER: &str = "4-10-01-05";

/// What a self-assessed batch's materials step asks for.
pub const SELF_MATERIALS: [&str; 5] = [
    "implementation_notice",
    "assessment_plan",
    "participant_roster",
    "qualified_confirmation",
    "internal_qa_report",
];

/// A creation body for 2026, exams on 2026-03-10 and 11 at 职业技能实训基地 in `region`, with
/// one occupation line per `(occupation code, level, planned count)`.
pub fn batch_body_lines(
    module: &str,
    method: &str,
    region: &str,
    lines: &[(&str, u8, u32)],
) -> Value {
    let occupations: Vec<Value> = lines
        .iter()
        .map(|(code, level, planned)| {
            json!({ "occupation_code": code, "level": level, "planned_count": planned })
        })
        .collect();
    json!({
        "module": module,
        "method": method,
        "year": 2026,
        "exam_start": "2026-03-10",
        "exam_end": "2026-03-11",
        "venue": "职业技能实训基地",
        "venue_region": region,
        "occupations": occupations,
    })
}

/// The same with a single line: 电工 五级, `planned` candidates.
pub fn batch_body(module: &str, method: &str, planned: u32, region: &str) -> Value {
    batch_body_lines(module, method, region, &[(ELECTRICIAN, 5, planned)])
}

/// Creates a batch, asserting 201.
pub async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let response = app.post(token, "/api/v1/batches", body).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

pub async fn submit(app: &TestApp, token: &str, batch: &Value, step: &str) -> reqwest::Response {
    app.post(
        token,
        &format!(
            "/api/v1/batches/{}/steps/{step}/submit",
            batch["id"].as_str().unwrap()
        ),
        json!({}),
    )
    .await
}

/// Submits `step`, asserting 200; the batch.
pub async fn submit_ok(app: &TestApp, token: &str, batch: &Value, step: &str) -> Value {
    let response = submit(app, token, batch, step).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "submit {step}: {body}");
    body
}

pub async fn decide(
    app: &TestApp,
    token: &str,
    batch: &Value,
    step: &str,
    body: Value,
) -> reqwest::Response {
    app.post(
        token,
        &format!(
            "/api/v1/batches/{}/steps/{step}/decision",
            batch["id"].as_str().unwrap()
        ),
        body,
    )
    .await
}

/// Approves `step` ("同意"), asserting 200; the batch.
pub async fn approve(app: &TestApp, token: &str, batch: &Value, step: &str) -> Value {
    let response = decide(
        app,
        token,
        batch,
        step,
        json!({ "decision": "approve", "comment": "同意" }),
    )
    .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "approve {step}: {body}");
    body
}

/// The state of `step` in a batch body.
pub fn state_of<'a>(batch: &'a Value, step: &str) -> &'a str {
    batch["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == step)
        .unwrap()["state"]
        .as_str()
        .unwrap()
}

/// A batch of `username` created from `body`, with registration in draft: a self-assessed one
/// as created; any other with its plan application attached, its plan submitted and approved
/// by the supervisor.
pub async fn at_registration(app: &TestApp, username: &str, body: Value) -> Value {
    let owner = token(app, username).await;
    let self_assessed = body["module"] == "self";
    let batch = create(app, &owner, body).await;
    if self_assessed {
        return batch;
    }
    attach(app, &batch, &["plan_application"]).await;
    submit_ok(app, &owner, &batch, "plan").await;
    let sup = token(app, "supervisor").await;
    approve(app, &sup, &batch, "plan").await
}

/// Adds a candidate to `batch`.
pub async fn add_candidate(
    app: &TestApp,
    token: &str,
    batch: &Value,
    body: Value,
) -> reqwest::Response {
    app.post(
        token,
        &format!(
            "/api/v1/batches/{}/candidates",
            batch["id"].as_str().unwrap()
        ),
        body,
    )
    .await
}

/// Uploads a roster file to `batch` (its id), with `mode` (`valid_only`) when given.
pub async fn import_roster(
    app: &TestApp,
    token: &str,
    batch: &str,
    bytes: Vec<u8>,
    file_name: &str,
    mode: Option<&str>,
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()),
    );
    if let Some(mode) = mode {
        form = form.text("mode", mode.to_owned());
    }
    app.client
        .post(app.url(&format!("/api/v1/batches/{batch}/candidates/import")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}
