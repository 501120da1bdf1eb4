//! Annual plans (Q1 window, late recording by supervisors only) and exam notices (published by
//! social training institutions within their filing scope; a public list), SPEC §3 and §4.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::fixtures::audit_count;
use common::{TestApp, each_backend, problem};
use serde_json::{Value, json};

async fn post_with_key(
    app: &TestApp,
    token: &str,
    path: &str,
    key: &str,
    body: Value,
) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

fn notice(occupation_code: &str, level: u8, exam_date: &str) -> Value {
    json!({
        "title": "2026年第一期养老护理员职业技能等级认定考试计划",
        "occupation_code": occupation_code,
        "level": level,
        "exam_date": exam_date,
        "subjects": ["理论知识", "操作技能"],
        "method": "exam",
        "exam_form": "online_computer"
    })
}

// -- Annual plans

#[actix_web::test]
async fn an_institution_files_its_annual_plan_in_the_first_quarter() {
    each_backend(|app| async move {
        // -- Setup (the test clock starts 2026-02-12)
        let cast = app.cast().await;
        let emp1 = app.login("emp1").await;

        // -- Exec
        let filed = app
            .post(
                &emp1,
                "/api/v1/annual-plans",
                json!({ "year": 2026, "note": "全年计划 3 批" }),
            )
            .await;
        let again = app
            .post(&emp1, "/api/v1/annual-plans", json!({ "year": 2026 }))
            .await;
        let next_year = app
            .post(&emp1, "/api/v1/annual-plans", json!({ "year": 2027 }))
            .await;
        let other_tenant = app
            .post(
                &emp1,
                "/api/v1/annual-plans",
                json!({ "year": 2026, "institution_id": cast.school }),
            )
            .await;

        // -- Check
        assert_eq!(filed.status(), 201);
        let filed: Value = filed.json().await.unwrap();
        assert_eq!(filed["institution_id"], cast.employer.to_string());
        assert_eq!(filed["institution_name"], "河南示范用人单位");
        assert_eq!(filed["year"], 2026);
        assert_eq!(filed["filed_on"], "2026-02-12");
        assert_eq!(filed["late"], false);
        assert_eq!(filed["note"], "全年计划 3 批");
        problem(again, 409, "ANNUAL_PLAN_EXISTS").await;
        let early = problem(next_year, 422, "VALIDATION").await;
        assert_eq!(early["violations"][0]["field"], "year");
        problem(other_tenant, 404, "NOT_FOUND").await;
        assert_eq!(audit_count(&app, "annual_plan.create").await, 1);
        app
    })
    .await;
}

#[actix_web::test]
async fn after_the_first_quarter_only_a_supervisor_records_a_late_plan() {
    each_backend(|app| async move {
        // -- Setup
        let cast = app.cast().await;
        app.set_now("2026-04-02T01:00:00Z");
        let school1 = app.login("school1").await;
        let supervisor = app.login("supervisor").await;
        let admin = app.login("admin").await;

        // -- Exec
        let by_institution = app
            .post(&school1, "/api/v1/annual-plans", json!({ "year": 2026 }))
            .await;
        let without_institution = app
            .post(&supervisor, "/api/v1/annual-plans", json!({ "year": 2026 }))
            .await;
        let recorded = app
            .post(
                &supervisor,
                "/api/v1/annual-plans",
                json!({ "year": 2026, "institution_id": cast.school, "note": "逾期补录" }),
            )
            .await;
        let by_admin = app
            .post(
                &admin,
                "/api/v1/annual-plans",
                json!({ "year": 2026, "institution_id": cast.employer }),
            )
            .await;

        // -- Check
        let refused = problem(by_institution, 422, "VALIDATION").await;
        assert_eq!(refused["violations"][0]["field"], "year");
        assert!(
            refused["violations"][0]["message"]
                .as_str()
                .unwrap()
                .contains("督导部"),
            "{refused}"
        );
        let missing = problem(without_institution, 422, "VALIDATION").await;
        assert_eq!(missing["violations"][0]["field"], "institution_id");
        assert_eq!(recorded.status(), 201);
        let recorded: Value = recorded.json().await.unwrap();
        assert_eq!(recorded["late"], true);
        assert_eq!(recorded["filed_on"], "2026-04-02");
        assert_eq!(recorded["institution_id"], cast.school.to_string());
        problem(by_admin, 403, "FORBIDDEN").await;
        app
    })
    .await;
}

#[actix_web::test]
async fn social_training_files_no_annual_plan() {
    each_backend(|app| async move {
        // -- Setup
        let cast = app.cast().await;
        let train1 = app.login("train1").await;
        let supervisor = app.login("supervisor").await;

        // -- Exec
        let own = app
            .post(&train1, "/api/v1/annual-plans", json!({ "year": 2026 }))
            .await;
        let recorded = app
            .post(
                &supervisor,
                "/api/v1/annual-plans",
                json!({ "year": 2026, "institution_id": cast.train1 }),
            )
            .await;

        // -- Check
        let own = problem(own, 422, "VALIDATION").await;
        assert_eq!(own["violations"][0]["field"], "institution_id");
        problem(recorded, 422, "VALIDATION").await;
        app
    })
    .await;
}

#[actix_web::test]
async fn annual_plans_are_listed_per_tenant_and_creation_is_idempotent() {
    each_backend(|app| async move {
        // -- Setup
        let cast = app.cast().await;
        let emp1 = app.login("emp1").await;
        let school1 = app.login("school1").await;
        let supervisor = app.login("supervisor").await;
        let inspector = app.login("inspector1").await;

        // -- Exec
        let first = post_with_key(
            &app,
            &emp1,
            "/api/v1/annual-plans",
            "plan-emp1-2026",
            json!({ "year": 2026 }),
        )
        .await;
        let retry = post_with_key(
            &app,
            &emp1,
            "/api/v1/annual-plans",
            "plan-emp1-2026",
            json!({ "year": 2026 }),
        )
        .await;
        let school = app
            .post(&school1, "/api/v1/annual-plans", json!({ "year": 2026 }))
            .await;
        assert_eq!(school.status(), 201);
        let own: Value = app
            .get(&emp1, "/api/v1/annual-plans")
            .await
            .json()
            .await
            .unwrap();
        let sneaky: Value = app
            .get(
                &emp1,
                &format!("/api/v1/annual-plans?institution_id={}", cast.school),
            )
            .await
            .json()
            .await
            .unwrap();
        let all: Value = app
            .get(&supervisor, "/api/v1/annual-plans?year=2026")
            .await
            .json()
            .await
            .unwrap();
        let filtered: Value = app
            .get(
                &supervisor,
                &format!("/api/v1/annual-plans?institution_id={}", cast.school),
            )
            .await
            .json()
            .await
            .unwrap();
        let other_year: Value = app
            .get(&supervisor, "/api/v1/annual-plans?year=2025")
            .await
            .json()
            .await
            .unwrap();
        let by_inspector = app.get(&inspector, "/api/v1/annual-plans").await;

        // -- Check
        assert_eq!(first.status(), 201);
        assert_eq!(retry.status(), 201);
        assert_eq!(retry.headers().get("idempotent-replay").unwrap(), "true");
        let first: Value = first.json().await.unwrap();
        let retry: Value = retry.json().await.unwrap();
        assert_eq!(first, retry);
        assert_eq!(own["total"], 1);
        assert_eq!(own["items"][0]["id"], first["id"]);
        assert_eq!(sneaky["total"], 0, "another tenant's plans stay hidden");
        assert_eq!(all["total"], 2);
        assert_eq!(filtered["total"], 1);
        assert_eq!(
            filtered["items"][0]["institution_id"],
            cast.school.to_string()
        );
        assert_eq!(other_year["total"], 0);
        problem(by_inspector, 403, "FORBIDDEN").await;
        assert_eq!(audit_count(&app, "annual_plan.create").await, 2);
        app
    })
    .await;
}

// -- Exam notices

#[actix_web::test]
async fn social_training_publishes_exam_notices_seen_by_its_tenant_and_the_public() {
    each_backend(|app| async move {
        // -- Setup
        let cast = app.cast().await;
        let train1 = app.login("train1").await;
        let train2 = app.login("train2").await;
        let supervisor = app.login("supervisor").await;

        // -- Exec
        let published = post_with_key(
            &app,
            &train1,
            "/api/v1/exam-notices",
            "notice-1",
            notice("4-10-01-05", 4, "2026-03-20"),
        )
        .await;
        let retry = post_with_key(
            &app,
            &train1,
            "/api/v1/exam-notices",
            "notice-1",
            notice("4-10-01-05", 4, "2026-03-20"),
        )
        .await;
        let mut electrician = notice("6-31-01-03", 5, "2026-05-10");
        electrician["exam_form"] = json!("practical");
        let other = app.post(&train2, "/api/v1/exam-notices", electrician).await;

        // -- Check
        assert_eq!(published.status(), 201);
        let published: Value = published.json().await.unwrap();
        assert_eq!(published["institution_id"], cast.train1.to_string());
        assert_eq!(published["institution_name"], "洛阳示范培训评价组织");
        assert_eq!(published["occupation_name"], "养老护理员");
        assert_eq!(published["exam_form_name"], "集中在线机考");
        assert_eq!(published["exam_date"], "2026-03-20");
        assert_eq!(published["subjects"], json!(["理论知识", "操作技能"]));
        assert_eq!(published["published"], true);
        let retry: Value = retry.json().await.unwrap();
        assert_eq!(retry["id"], published["id"]);
        assert_eq!(other.status(), 201);
        let other: Value = other.json().await.unwrap();
        let id = published["id"].as_str().unwrap();

        let own: Value = app
            .get(&train2, "/api/v1/exam-notices")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(own["total"], 1, "train2 sees only its own: {own}");
        assert_eq!(own["items"][0]["id"], other["id"]);
        let foreign = app
            .get(&train2, &format!("/api/v1/exam-notices/{id}"))
            .await;
        problem(foreign, 404, "NOT_FOUND").await;
        let mine = app
            .get(&train1, &format!("/api/v1/exam-notices/{id}"))
            .await;
        assert_eq!(mine.status(), 200);
        let all: Value = app
            .get(&supervisor, "/api/v1/exam-notices")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(all["total"], 2);

        let public = app
            .client
            .get(app.url("/api/v1/public/exam-notices"))
            .send()
            .await
            .unwrap();
        assert_eq!(public.status(), 200);
        let public: Value = public.json().await.unwrap();
        assert_eq!(public["total"], 2);
        assert_eq!(
            public["items"][0]["id"], published["id"],
            "ordered by exam date"
        );
        assert_eq!(
            public["items"][1]["institution_name"],
            "郑州示范培训评价组织"
        );
        let filtered: Value = app
            .client
            .get(app.url("/api/v1/public/exam-notices?occupation_code=6-31-01-03&from=2026-04-01"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(filtered["total"], 1);
        assert_eq!(filtered["items"][0]["id"], other["id"]);
        let late: Value = app
            .client
            .get(app.url("/api/v1/public/exam-notices?from=2026-06-01"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(late["total"], 0);
        let bad_filter = app
            .client
            .get(app.url("/api/v1/public/exam-notices?from=tomorrow"))
            .send()
            .await
            .unwrap();
        problem(bad_filter, 422, "VALIDATION").await;
        assert_eq!(audit_count(&app, "exam_notice.publish").await, 2);
        app
    })
    .await;
}

#[actix_web::test]
async fn a_notice_outside_the_filing_scope_is_occupation_not_filed() {
    each_backend(|app| async move {
        // -- Setup (train1 is filed for 电工 and 养老护理员 at levels 5–3)
        app.cast().await;
        app.occupation("4-03-02-01", "中式烹调师", &[5, 4, 3, 2, 1])
            .await;
        let train1 = app.login("train1").await;

        // -- Exec
        let level_not_filed = app
            .post(
                &train1,
                "/api/v1/exam-notices",
                notice("6-31-01-03", 1, "2026-03-20"),
            )
            .await;
        let occupation_not_filed = app
            .post(
                &train1,
                "/api/v1/exam-notices",
                notice("4-03-02-01", 5, "2026-03-20"),
            )
            .await;

        // -- Check
        let body = problem(level_not_filed, 422, "OCCUPATION_NOT_FILED").await;
        assert_eq!(body["violations"][0]["code"], "OCCUPATION_NOT_FILED");
        assert_eq!(body["violations"][0]["details"]["level"], 1);
        problem(occupation_not_filed, 422, "OCCUPATION_NOT_FILED").await;
        assert_eq!(audit_count(&app, "exam_notice.publish").await, 0);
        app
    })
    .await;
}

#[actix_web::test]
async fn exam_notices_are_validated_and_only_social_training_publishes() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let train1 = app.login("train1").await;
        let emp1 = app.login("emp1").await;
        let supervisor = app.login("supervisor").await;
        let mut direct = notice("4-10-01-05", 4, "2026-03-20");
        direct["method"] = json!("direct");
        let invalid = json!({
            "title": " ",
            "occupation_code": "4-10-01",
            "level": 6,
            "exam_date": "2026-02-01",
            "subjects": [],
            "method": "exam",
            "exam_form": "written"
        });

        // -- Exec
        let by_employer = app
            .post(
                &emp1,
                "/api/v1/exam-notices",
                notice("4-10-01-05", 4, "2026-03-20"),
            )
            .await;
        let by_supervisor = app
            .post(
                &supervisor,
                "/api/v1/exam-notices",
                notice("4-10-01-05", 4, "2026-03-20"),
            )
            .await;
        let direct = app.post(&train1, "/api/v1/exam-notices", direct).await;
        let invalid = app.post(&train1, "/api/v1/exam-notices", invalid).await;

        // -- Check
        let by_employer = problem(by_employer, 422, "VALIDATION").await;
        assert_eq!(by_employer["violations"][0]["field"], "institution");
        problem(by_supervisor, 403, "FORBIDDEN").await;
        let direct = problem(direct, 422, "METHOD_NOT_ALLOWED").await;
        assert_eq!(direct["violations"][0]["field"], "method");
        let invalid = problem(invalid, 422, "VALIDATION").await;
        let fields: Vec<&str> = invalid["violations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            vec![
                "title",
                "occupation_code",
                "level",
                "exam_date",
                "subjects",
                "exam_form"
            ]
        );
        app
    })
    .await;
}
