//! Batches brought to 证书发放 (issuance) with qualified candidates, for the certificate tests.

use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use super::TestApp;
use super::batches::{approve, batch_body, create, submit_ok};
use super::fixtures::{attach, token};
use super::ids::person;
use skillcert_server::entities::candidate;

/// The day after the exams of `batch_body` (2026-03-10 and 11).
pub const AFTER_EXAMS: &str = "2026-03-12T01:00:00Z";

/// An employer supervised batch of `emp1` (电工 五级) with its plan approved, registration
/// approved and the certificate step in draft, holding `count` eligible candidates: persons
/// `first..first + count`, named `考生{n}`. Call before the clock passes the exams.
pub async fn at_certificate(app: &TestApp, first: u32, count: u32) -> (Value, Vec<Uuid>) {
    let emp = token(app, "emp1").await;
    let sup = token(app, "supervisor").await;
    let batch = create(app, &emp, batch_body("supervised", "exam", 20, "4101")).await;
    attach(app, &batch, &["plan_application"]).await;
    submit_ok(app, &emp, &batch, "plan").await;
    let batch = approve(app, &sup, &batch, "plan").await;
    let mut ids = Vec::new();
    for n in first..first + count {
        ids.push(candidate(app, &batch, n).await);
    }
    let batch = submit_ok(app, &emp, &batch, "registration").await;
    attach(
        app,
        &batch,
        &[
            "abnormality_verification",
            "qualified_confirmation",
            "internal_qa_report",
        ],
    )
    .await;
    (batch, ids)
}

/// Enters passing results for `passed` and failing ones for `failed`, submits the certificate
/// step and has the supervisor approve it: the issuance step is then open. The clock must be
/// past the exams ([`AFTER_EXAMS`]).
pub async fn to_issuance(app: &TestApp, batch: &Value, passed: &[Uuid], failed: &[Uuid]) -> Value {
    let emp = token(app, "emp1").await;
    let sup = token(app, "supervisor").await;
    let mut results: Vec<Value> = passed
        .iter()
        .map(|id| json!({ "candidate_id": id, "theory": 80, "skill": 75 }))
        .collect();
    results.extend(
        failed
            .iter()
            .map(|id| json!({ "candidate_id": id, "theory": 40, "skill": 75 })),
    );
    let response = app
        .put(
            &emp,
            &format!("/api/v1/batches/{}/results", batch["id"].as_str().unwrap()),
            json!({ "results": results }),
        )
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let batch = submit_ok(app, &emp, batch, "certificate").await;
    approve(app, &sup, &batch, "certificate").await
}

/// A registered, eligible candidate written through the entity (ID encrypted and blinded).
pub async fn candidate(app: &TestApp, batch: &Value, n: u32) -> Uuid {
    let number = person(n);
    let id = Uuid::now_v7();
    let now = app.state.clock.now();
    candidate::Entity::insert(candidate::ActiveModel {
        id: Set(id),
        batch_id: Set(batch["id"].as_str().unwrap().parse().unwrap()),
        institution_id: Set(batch["institution_id"].as_str().unwrap().parse().unwrap()),
        name: Set(format!("考生{n}")),
        id_type: Set("resident_id".to_owned()),
        id_number_enc: Set(app.state.pii.encrypt(&number).unwrap()),
        id_blind: Set(app.state.pii.blind(&number)),
        id_masked: Set(format!("{}********{}", &number[..6], &number[14..])),
        birth_date: Set(None),
        phone_enc: Set(None),
        phone_masked: Set(None),
        occupation_code: Set("6-31-01-03".to_owned()),
        level: Set(5),
        education: Set(None),
        work_years: Set(None),
        student_no: Set(None),
        graduation_year: Set(None),
        eligibility: Set("eligible".to_owned()),
        eligibility_reason: Set(None),
        withdrawn_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec(&app.state.db.conn)
    .await
    .unwrap();
    id
}
