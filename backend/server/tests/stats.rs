//! `GET /stats/overview` (the supervision dashboard): counts by status and current step, the
//! overdue batches against the SPEC §4 deadlines, pass rates — and the tenant filter.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{TestApp, each_backend};
use serde_json::{Value, json};

async fn overview(app: &TestApp, username: &str) -> Value {
    let token = app.login(username).await;
    let response = app.get(&token, "/api/v1/stats/overview?year=2026").await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn create_batch(app: &TestApp, username: &str, region: &str) {
    let token = app.login(username).await;
    let response = app
        .post(
            &token,
            "/api/v1/batches",
            json!({
                "module": "supervised",
                "method": "exam",
                "year": 2026,
                "exam_start": "2026-03-10",
                "exam_end": "2026-03-11",
                "venue": "职业技能实训基地",
                "venue_region": region,
                "occupations": [
                    { "occupation_code": "6-31-01-03", "level": 5, "planned_count": 20 },
                ],
            }),
        )
        .await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

#[actix_web::test]
async fn overview_counts_overdue_and_scope() {
    each_backend(|app| async move {
        // -- Setup: two social-training batches at their plan step.
        app.cast().await;
        create_batch(&app, "train1", "4103").await;
        create_batch(&app, "train2", "4101").await;

        // -- Exec & Check: before the exam, nothing is overdue.
        let all = overview(&app, "supervisor").await;
        assert_eq!(all["total_batches"], 2);
        assert_eq!(all["today"], "2026-02-12");
        assert_eq!(
            all["by_status"],
            json!([{ "status": "in_progress", "status_name": "办理中", "count": 2 }])
        );
        assert_eq!(all["by_step"][0]["kind"], "social_training");
        assert_eq!(all["by_step"][0]["step"], "plan");
        assert_eq!(all["by_step"][0]["count"], 2);
        assert_eq!(all["overdue_total"], 0);
        assert_eq!(all["pass_rates"], json!([]));

        // Past the arrangement deadline (10 March − 2) and the completion window (11 March + 30).
        app.set_now("2026-04-15T02:00:00Z");
        let all = overview(&app, "supervisor").await;
        assert_eq!(all["overdue_total"], 4);
        let codes: Vec<(&str, &str, i64)> = all["overdue"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["code"].as_str().unwrap(),
                    o["deadline"].as_str().unwrap(),
                    o["days_overdue"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            codes,
            [
                ("ARRANGEMENT_DEADLINE", "2026-03-08", 38),
                ("ARRANGEMENT_DEADLINE", "2026-03-08", 38),
                ("COMPLETION_WINDOW", "2026-04-10", 5),
                ("COMPLETION_WINDOW", "2026-04-10", 5),
            ]
        );

        // An institution sees only its own batches; an inspector (no assignments) none.
        let own = overview(&app, "train1").await;
        assert_eq!(own["total_batches"], 1);
        assert_eq!(own["overdue_total"], 2);
        assert!(
            own["overdue"]
                .as_array()
                .unwrap()
                .iter()
                .all(|o| o["institution_name"] == "洛阳示范培训评价组织")
        );
        let none = overview(&app, "inspector1").await;
        assert_eq!(none["total_batches"], 0);
        assert_eq!(none["overdue"], json!([]));

        // Another year has nothing.
        let token = app.login("supervisor").await;
        let other: Value = app
            .get(&token, "/api/v1/stats/overview?year=2025")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(other["total_batches"], 0);
        app
    })
    .await;
}
