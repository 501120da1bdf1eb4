//! Results (成绩) through HTTP: entry and recomputation of `passed` (60 passes each subject,
//! 综合评审 only for technicians of occupations that have it), every bad entry at once and
//! all-or-nothing, another batch's candidate, the step state, the exam start, the pass-rate
//! anomaly in the summary and in the checklist, spreadsheet import by ID number, tenancy.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::batches::{
    CARER, ELECTRICIAN, SELF_MATERIALS, batch_body_lines, create, state_of, submit,
};
use common::fixtures::{annual_plan, attach, token};
use common::ids::{person, wrong_check};
use common::sheets::Cell::{Empty, N};
use common::sheets::{Cell, s, xlsx_rows};
use common::{TestApp, each_backend, problem, violation_fields};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};
use skillcert_server::entities::{audit_event, candidate, institution_filing, occupation};
use uuid::Uuid;

// -- Setup & Fixtures

/// The cast, with 电工 having 综合评审 and both occupations filed at 二级/技师 for the employer.
async fn setup(app: &TestApp) -> common::Cast {
    let cast = app.cast().await;
    annual_plan(app, cast.employer, 2026).await;
    occupation::Entity::update_many()
        .col_expr(occupation::Column::HasReview, Expr::value(true))
        .filter(occupation::Column::Code.eq("6-31-01-03"))
        .exec(&app.state.db.conn)
        .await
        .unwrap();
    for code in [ELECTRICIAN, CARER] {
        institution_filing::Entity::insert(institution_filing::ActiveModel {
            institution_id: Set(cast.employer),
            occupation_code: Set(code.to_owned()),
            level: Set(2),
        })
        .exec(&app.state.db.conn)
        .await
        .unwrap();
    }
    cast
}

/// 电工 五级 (40) and 二级 (5), 养老护理员 二级 (5), in 4101.
fn batch_body(module: &str, method: &str) -> Value {
    batch_body_lines(
        module,
        method,
        "4101",
        &[(ELECTRICIAN, 5, 40), (ELECTRICIAN, 2, 5), (CARER, 2, 5)],
    )
}

fn id_of(batch: &Value) -> &str {
    batch["id"].as_str().unwrap()
}

/// An employer self-assessment batch whose materials step (where results are entered) is open.
async fn self_batch(app: &TestApp, emp: &str) -> Value {
    let batch = create(app, emp, batch_body("self", "direct")).await;
    let response = submit(app, emp, &batch, "registration").await;
    let batch: Value = response.json().await.unwrap();
    assert_eq!(state_of(&batch, "materials"), "draft", "{batch}");
    batch
}

/// A registered candidate, written through the entity with its ID encrypted and blinded.
async fn candidate(
    app: &TestApp,
    batch: &Value,
    occupation_code: &str,
    level: i16,
    n: u32,
    eligibility: &str,
) -> Uuid {
    let number = person(n);
    let id = Uuid::now_v7();
    let now = app.state.clock.now();
    candidate::Entity::insert(candidate::ActiveModel {
        id: Set(id),
        batch_id: Set(id_of(batch).parse().unwrap()),
        institution_id: Set(batch["institution_id"].as_str().unwrap().parse().unwrap()),
        name: Set(format!("考生{n}")),
        id_type: Set("resident_id".to_owned()),
        id_number_enc: Set(app.state.pii.encrypt(&number).unwrap()),
        id_blind: Set(app.state.pii.blind(&number)),
        id_masked: Set(format!("{}********{}", &number[..6], &number[14..])),
        birth_date: Set(None),
        phone_enc: Set(None),
        phone_masked: Set(None),
        occupation_code: Set(occupation_code.to_owned()),
        level: Set(level),
        education: Set(None),
        work_years: Set(None),
        student_no: Set(None),
        graduation_year: Set(None),
        eligibility: Set(eligibility.to_owned()),
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

async fn put_results(
    app: &TestApp,
    token: &str,
    batch: &Value,
    results: Value,
) -> reqwest::Response {
    app.put(
        token,
        &format!("/api/v1/batches/{}/results", id_of(batch)),
        json!({ "results": results }),
    )
    .await
}

async fn put_ok(app: &TestApp, token: &str, batch: &Value, results: Value) -> Value {
    let response = put_results(app, token, batch, results).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

async fn results(app: &TestApp, token: &str, batch: &Value) -> Value {
    let response = app
        .get(
            token,
            &format!("/api/v1/batches/{}/results?page_size=200", id_of(batch)),
        )
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn row(page: &Value, candidate_id: Uuid) -> &Value {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["candidate_id"] == candidate_id.to_string())
        .unwrap()
}

/// Exams start on 2026-03-10 (China time); 10:00 that day.
fn exam_day(app: &TestApp) {
    app.set_now("2026-03-10T02:00:00Z");
}

async fn upload(app: &TestApp, token: &str, batch: &Value, bytes: Vec<u8>) -> reqwest::Response {
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name("成绩.xlsx"),
    );
    app.client
        .post(app.url(&format!("/api/v1/batches/{}/results/import", id_of(batch))))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

fn header() -> Vec<Cell> {
    ["证件号码", "姓名", "理论知识", "操作技能", "综合评审"]
        .into_iter()
        .map(s)
        .collect()
}

// -- Entry and recomputation

#[actix_web::test]
async fn scores_are_entered_and_passed_is_recomputed() {
    each_backend(|app| async move {
        // -- Setup
        setup(&app).await;
        let emp = token(&app, "emp1").await;
        let batch = self_batch(&app, &emp).await;
        let junior = candidate(&app, &batch, ELECTRICIAN, 5, 1, "eligible").await;
        let technician = candidate(&app, &batch, ELECTRICIAN, 2, 2, "eligible").await;
        // 资格审核 still pending: registered all the same (the rules count them too).
        let carer = candidate(&app, &batch, CARER, 2, 3, "pending").await;

        // -- Exec & Check: nothing before the first exam day.
        let body = problem(
            put_results(
                &app,
                &emp,
                &batch,
                json!([{ "candidate_id": junior, "theory": 80, "skill": 80 }]),
            )
            .await,
            422,
            "VALIDATION",
        )
        .await;
        assert!(
            body["detail"].as_str().unwrap().contains("考试尚未开始"),
            "{body}"
        );
        assert_eq!(body["violations"][0]["field"], "exam_start");
        exam_day(&app);
        let emp = token(&app, "emp1").await;

        // 59.5 fails, 60 passes (SPEC §5: 60 passes each).
        let written = put_ok(
            &app,
            &emp,
            &batch,
            json!([{ "candidate_id": junior, "theory": 59.5, "skill": 80 }]),
        )
        .await;
        assert_eq!(
            (written["updated"].as_u64(), written["failed"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(
            row(&results(&app, &emp, &batch).await, junior)["passed"],
            false
        );
        put_ok(
            &app,
            &emp,
            &batch,
            json!([
                { "candidate_id": junior, "theory": 60, "skill": 80 },
                // 二级 of an occupation with 综合评审: still pending without it.
                { "candidate_id": technician, "theory": 70, "skill": 70.5, "review": null },
            ]),
        )
        .await;
        let page = results(&app, &emp, &batch).await;
        assert_eq!(row(&page, junior)["passed"], true);
        assert_eq!(row(&page, junior)["review_applicable"], false);
        assert_eq!(row(&page, technician)["passed"], Value::Null);
        assert_eq!(row(&page, technician)["review_applicable"], true);
        assert_eq!(row(&page, technician)["skill"], 70.5);

        put_ok(
            &app,
            &emp,
            &batch,
            json!([{ "candidate_id": technician, "theory": 70, "skill": 70, "review": 59.5 }]),
        )
        .await;
        assert_eq!(
            row(&results(&app, &emp, &batch).await, technician)["passed"],
            false
        );
        put_ok(
            &app,
            &emp,
            &batch,
            json!([{ "candidate_id": technician, "theory": 70, "skill": 70, "review": 60 }]),
        )
        .await;

        // 养老护理员 has no 综合评审, at any level; 电工 五级 neither.
        let body = problem(
            put_results(
                &app,
                &emp,
                &batch,
                json!([
                    { "candidate_id": carer, "theory": 80, "skill": 80, "review": 80 },
                    { "candidate_id": junior, "theory": 80, "skill": 80, "review": 80 },
                ]),
            )
            .await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(
            violation_fields(&body),
            ["results[0].review", "results[1].review"]
        );
        put_ok(
            &app,
            &emp,
            &batch,
            json!([{ "candidate_id": carer, "theory": 80, "skill": null }]),
        )
        .await;

        let page = results(&app, &emp, &batch).await;
        assert_eq!(page["total"], 3);
        let summary = &page["summary"];
        assert_eq!(summary["candidates"], 3);
        assert_eq!(summary["assessed"], 2);
        assert_eq!(summary["passed"], 2);
        assert_eq!(summary["pending"], 1);
        assert_eq!(summary["pass_rate"], 1.0);
        assert_eq!(
            summary["pass_rate_anomaly"], false,
            "fewer than 30 assessed"
        );
        assert_eq!(
            row(&page, junior)["id_number_masked"],
            format!("410105********{}", &person(1)[14..])
        );

        let pending: Value = app
            .get(
                &emp,
                &format!("/api/v1/batches/{}/results?status=pending", id_of(&batch)),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(pending["total"], 1);
        assert_eq!(pending["items"][0]["candidate_id"], carer.to_string());

        let qualified: Value = app
            .get(
                &emp,
                &format!("/api/v1/batches/{}/results/qualified", id_of(&batch)),
            )
            .await
            .json()
            .await
            .unwrap();
        let mut ids: Vec<&str> = qualified["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["candidate_id"].as_str().unwrap())
            .collect();
        ids.sort_unstable();
        let mut expected = vec![junior.to_string(), technician.to_string()];
        expected.sort();
        assert_eq!(ids, expected);

        // Audited with counts only.
        let events = audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("results.put"))
            .all(&app.state.db.conn)
            .await
            .unwrap();
        assert_eq!(events.len(), 5);
        for event in events {
            let text = event.summary.to_string();
            assert!(!text.contains("410105"), "{text}");
            assert!(event.summary["entries"].is_u64());
        }
        app
    })
    .await;
}

#[actix_web::test]
async fn every_bad_entry_is_reported_and_nothing_is_stored() {
    each_backend(|app| async move {
        // -- Setup
        setup(&app).await;
        let emp = token(&app, "emp1").await;
        let batch = self_batch(&app, &emp).await;
        let a = candidate(&app, &batch, ELECTRICIAN, 5, 1, "eligible").await;
        let b = candidate(&app, &batch, ELECTRICIAN, 5, 2, "eligible").await;
        let carer = candidate(&app, &batch, CARER, 2, 3, "eligible").await;
        let refused = candidate(&app, &batch, ELECTRICIAN, 5, 4, "ineligible").await;
        let gone = candidate(&app, &batch, ELECTRICIAN, 5, 5, "eligible").await;
        candidate::Entity::update_many()
            .col_expr(
                candidate::Column::WithdrawnAt,
                Expr::value(app.state.clock.now()),
            )
            .filter(candidate::Column::Id.eq(gone))
            .exec(&app.state.db.conn)
            .await
            .unwrap();
        exam_day(&app);
        let emp = token(&app, "emp1").await;

        // -- Exec
        let body = problem(
            put_results(
                &app,
                &emp,
                &batch,
                json!([
                    { "candidate_id": a, "theory": 100.5, "skill": 80 },
                    { "candidate_id": b, "theory": 60.25, "skill": -1 },
                    { "candidate_id": carer, "theory": 70, "skill": 70, "review": 70 },
                    { "candidate_id": Uuid::now_v7(), "theory": 70, "skill": 70 },
                    { "candidate_id": a, "theory": 70, "skill": 70 },
                    { "candidate_id": refused, "theory": 70, "skill": 70 },
                    { "candidate_id": gone, "theory": 70, "skill": 70 },
                ]),
            )
            .await,
            422,
            "VALIDATION",
        )
        .await;

        // -- Check
        assert_eq!(
            violation_fields(&body),
            [
                "results[0].theory",
                "results[1].theory",
                "results[1].skill",
                "results[2].review",
                "results[3].candidate_id",
                "results[4].candidate_id",
                "results[5].candidate_id",
                "results[6].candidate_id",
            ]
        );
        let page = results(&app, &emp, &batch).await;
        assert!(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["updated_at"].is_null()),
            "all or nothing: {page}"
        );
        assert_eq!(
            page["total"], 3,
            "ineligible and withdrawn candidates are not listed"
        );

        // Malformed shapes are problems too.
        problem(
            app.put(
                &emp,
                &format!("/api/v1/batches/{}/results", id_of(&batch)),
                json!({ "results": [{ "candidate_id": a, "theory": "80" }] }),
            )
            .await,
            422,
            "VALIDATION",
        )
        .await;
        problem(
            put_results(&app, &emp, &batch, json!([])).await,
            422,
            "VALIDATION",
        )
        .await;
        app
    })
    .await;
}

#[actix_web::test]
async fn another_batchs_candidate_is_refused() {
    each_backend(|app| async move {
        // -- Setup
        setup(&app).await;
        let emp = token(&app, "emp1").await;
        let batch = self_batch(&app, &emp).await;
        let other = self_batch(&app, &emp).await;
        let mine = candidate(&app, &batch, ELECTRICIAN, 5, 1, "eligible").await;
        let theirs = candidate(&app, &other, ELECTRICIAN, 5, 2, "eligible").await;
        exam_day(&app);
        let emp = token(&app, "emp1").await;

        // -- Exec
        let body = problem(
            put_results(
                &app,
                &emp,
                &batch,
                json!([
                    { "candidate_id": mine, "theory": 80, "skill": 80 },
                    { "candidate_id": theirs, "theory": 80, "skill": 80 },
                ]),
            )
            .await,
            422,
            "VALIDATION",
        )
        .await;

        // -- Check
        assert_eq!(violation_fields(&body), ["results[1].candidate_id"]);
        assert!(
            body["violations"][0]["message"]
                .as_str()
                .unwrap()
                .contains("第 2 条")
        );
        assert!(row(&results(&app, &emp, &batch).await, mine)["passed"].is_null());
        app
    })
    .await;
}

#[actix_web::test]
async fn results_change_only_while_the_results_step_is_open() {
    each_backend(|app| async move {
        // -- Setup
        setup(&app).await;
        let emp = token(&app, "emp1").await;
        let supervised = create(&app, &emp, batch_body("supervised", "exam")).await;
        let early = candidate(&app, &supervised, ELECTRICIAN, 5, 1, "eligible").await;
        let batch = self_batch(&app, &emp).await;
        let a = candidate(&app, &batch, ELECTRICIAN, 5, 2, "eligible").await;
        exam_day(&app);
        let emp = token(&app, "emp1").await;

        // -- Exec & Check: the certificate step of the supervised batch has not started.
        let body = problem(
            put_results(
                &app,
                &emp,
                &supervised,
                json!([{ "candidate_id": early, "theory": 80, "skill": 80 }]),
            )
            .await,
            409,
            "INVALID_STATE",
        )
        .await;
        assert!(
            body["detail"].as_str().unwrap().contains("证书管理"),
            "{body}"
        );

        // Once the materials step is submitted, results are frozen.
        put_ok(
            &app,
            &emp,
            &batch,
            json!([{ "candidate_id": a, "theory": 80, "skill": 80 }]),
        )
        .await;
        attach(&app, &batch, &SELF_MATERIALS).await;
        app.set_now("2026-03-12T01:00:00Z");
        let emp = token(&app, "emp1").await;
        let response = submit(&app, &emp, &batch, "materials").await;
        let status = response.status();
        let submitted: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "{submitted}");
        assert_eq!(state_of(&submitted, "materials"), "approved");
        problem(
            put_results(
                &app,
                &emp,
                &batch,
                json!([{ "candidate_id": a, "theory": 50, "skill": 80 }]),
            )
            .await,
            409,
            "INVALID_STATE",
        )
        .await;
        assert_eq!(row(&results(&app, &emp, &batch).await, a)["theory"], 80.0);
        app
    })
    .await;
}

// -- The pass-rate anomaly

#[actix_web::test]
async fn thirty_passing_candidates_make_a_pass_rate_anomaly() {
    each_backend(|app| async move {
        // -- Setup
        setup(&app).await;
        let emp = token(&app, "emp1").await;
        let batch = self_batch(&app, &emp).await;
        let mut ids = Vec::new();
        for n in 0..30 {
            ids.push(candidate(&app, &batch, ELECTRICIAN, 5, 100 + n, "eligible").await);
        }
        exam_day(&app);
        let emp = token(&app, "emp1").await;
        let abnormality_required = |checklist: &Value| -> bool {
            let step = checklist["steps"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["step"] == "materials")
                .unwrap();
            step["materials"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["kind"] == "abnormality_verification")
                .unwrap()["required"]
                .as_bool()
                .unwrap()
        };
        let checklist_path = format!("/api/v1/batches/{}/checklist", id_of(&batch));

        // -- Exec & Check: 29 all passing is no anomaly (n ≥ 30 is required).
        let entries: Vec<Value> = ids
            .iter()
            .map(|id| json!({ "candidate_id": id, "theory": 85, "skill": 90 }))
            .collect();
        let written = put_ok(&app, &emp, &batch, json!(entries[..29])).await;
        assert_eq!(written["summary"]["assessed"], 29);
        assert_eq!(written["summary"]["pass_rate_anomaly"], false);
        let checklist: Value = app.get(&emp, &checklist_path).await.json().await.unwrap();
        assert!(!abnormality_required(&checklist), "{checklist}");

        // The 30th: 100 % of 30 passed — above 95 % (SPEC §5 PASS_RATE_ANOMALY).
        let written = put_ok(&app, &emp, &batch, json!(entries[29..])).await;
        assert_eq!(written["summary"]["assessed"], 30);
        assert_eq!(written["summary"]["pass_rate_anomaly"], true);
        let summary = &results(&app, &emp, &batch).await["summary"];
        assert_eq!(summary["pass_rate"], 1.0);
        assert_eq!(summary["pass_rate_anomaly"], true);
        let checklist: Value = app.get(&emp, &checklist_path).await.json().await.unwrap();
        assert!(
            abnormality_required(&checklist),
            "异常情况核实信息表 now required: {checklist}"
        );
        app
    })
    .await;
}

// -- Import

#[actix_web::test]
async fn import_matches_candidates_by_id_number() {
    each_backend(|app| async move {
        // -- Setup
        setup(&app).await;
        let emp = token(&app, "emp1").await;
        let batch = self_batch(&app, &emp).await;
        let a = candidate(&app, &batch, ELECTRICIAN, 5, 1, "eligible").await;
        let technician = candidate(&app, &batch, ELECTRICIAN, 2, 2, "eligible").await;
        let carer = candidate(&app, &batch, CARER, 2, 3, "eligible").await;

        // Not before the exams.
        let clean = xlsx_rows(&[
            header(),
            vec![s(&person(1)), s("考生1"), N(60.0), N(80.0), Empty],
            vec![s(&person(2)), s("考生2"), N(70.0), s("75"), N(61.0)],
            // Surrounding spaces are not part of the number.
            vec![
                s(&format!(" {} ", person(3))),
                s("考生3"),
                N(59.0),
                N(90.0),
                s(""),
            ],
        ]);
        problem(
            upload(&app, &emp, &batch, clean.clone()).await,
            422,
            "VALIDATION",
        )
        .await;
        exam_day(&app);
        let emp = token(&app, "emp1").await;

        // -- Exec: every bad row at once, with its row number.
        let bad_checksum = wrong_check(&person(4));
        let stranger = person(9);
        let numeric: f64 = person(1)[..15].parse().unwrap();
        let bad = xlsx_rows(&[
            vec![s("成绩登记表")],
            header(),
            vec![s(&person(1)), s("考生1"), N(60.0), N(80.0), Empty],
            vec![s(&bad_checksum), s("某人"), N(60.0), N(80.0), Empty],
            vec![N(numeric), s("考生2"), N(60.0), N(80.0), Empty],
            vec![s(&person(3)), s("考生3"), s("缺"), N(80.0), N(70.0)],
            vec![s(&stranger), s("某人"), N(60.0), N(80.0), Empty],
            vec![s(&person(2)), s("考生2"), N(60.0), N(101.0), Empty],
        ]);
        let body = problem(upload(&app, &emp, &batch, bad).await, 422, "VALIDATION").await;

        // -- Check
        assert_eq!(
            violation_fields(&body),
            [
                "rows[4].id_number",
                "rows[5].id_number",
                "rows[6].theory",
                "rows[6].review",
                "rows[7].id_number",
                "rows[8].skill",
            ]
        );
        assert_eq!(body["violations"][0]["details"]["row"], 4);
        assert!(
            body["violations"][0]["message"]
                .as_str()
                .unwrap()
                .contains("校验码")
        );
        assert!(
            body["violations"][1]["message"]
                .as_str()
                .unwrap()
                .contains("文本")
        );
        let text = body.to_string();
        for n in [1, 2, 3, 9] {
            assert!(!text.contains(&person(n)), "no ID number in an answer");
        }
        assert!(!text.contains(&bad_checksum));
        assert!(
            results(&app, &emp, &batch).await["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["updated_at"].is_null())
        );

        // A clean file is stored whole.
        let response = upload(&app, &emp, &batch, clean).await;
        let status = response.status();
        let written: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "{written}");
        assert_eq!(written["updated"], 3);
        assert_eq!(
            (written["passed"].as_u64(), written["failed"].as_u64()),
            (Some(2), Some(1))
        );
        let page = results(&app, &emp, &batch).await;
        assert_eq!(row(&page, a)["passed"], true);
        assert_eq!(row(&page, technician)["review"], 61.0);
        assert_eq!(row(&page, technician)["passed"], true);
        assert_eq!(row(&page, carer)["passed"], false);
        let events = audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("results.import"))
            .all(&app.state.db.conn)
            .await
            .unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].summary["entries"], 3);

        // By candidate_id as well; a missing column and a file that is no spreadsheet.
        let by_id = xlsx_rows(&[
            vec![s("candidate_id"), s("theory"), s("skill")],
            vec![s(&a.to_string()), N(50.0), N(80.0)],
        ]);
        let written: Value = upload(&app, &emp, &batch, by_id)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(written["failed"], 1, "{written}");
        let body = problem(
            upload(
                &app,
                &emp,
                &batch,
                xlsx_rows(&[
                    vec![s("证件号码"), s("理论知识")],
                    vec![s(&person(1)), N(60.0)],
                ]),
            )
            .await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(body["violations"][0]["field"], "file");
        assert_eq!(
            body["violations"][0]["details"]["missing_columns"],
            json!(["操作技能"])
        );
        problem(
            upload(&app, &emp, &batch, b"%PDF-1.4 not a sheet".to_vec()).await,
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        )
        .await;
        app
    })
    .await;
}

// -- Tenancy and roles

#[actix_web::test]
async fn other_tenants_get_404_and_only_institutions_write() {
    each_backend(|app| async move {
        // -- Setup
        setup(&app).await;
        let emp = token(&app, "emp1").await;
        let batch = self_batch(&app, &emp).await;
        let a = candidate(&app, &batch, ELECTRICIAN, 5, 1, "eligible").await;
        exam_day(&app);
        let emp = token(&app, "emp1").await;
        put_ok(
            &app,
            &emp,
            &batch,
            json!([{ "candidate_id": a, "theory": 80, "skill": 80 }]),
        )
        .await;
        let (train, sup, inspector) = (
            token(&app, "train1").await,
            token(&app, "supervisor").await,
            token(&app, "inspector1").await,
        );
        let base = format!("/api/v1/batches/{}/results", id_of(&batch));

        // -- Exec & Check
        for path in [base.clone(), format!("{base}/qualified")] {
            problem(app.get(&train, &path).await, 404, "NOT_FOUND").await;
            problem(app.get(&inspector, &path).await, 404, "NOT_FOUND").await;
            assert_eq!(app.get(&sup, &path).await.status(), 200);
        }
        problem(
            put_results(
                &app,
                &train,
                &batch,
                json!([{ "candidate_id": a, "theory": 10, "skill": 10 }]),
            )
            .await,
            404,
            "NOT_FOUND",
        )
        .await;
        problem(
            upload(&app, &train, &batch, xlsx_rows(&[header()])).await,
            404,
            "NOT_FOUND",
        )
        .await;
        problem(
            put_results(
                &app,
                &sup,
                &batch,
                json!([{ "candidate_id": a, "theory": 10, "skill": 10 }]),
            )
            .await,
            403,
            "FORBIDDEN",
        )
        .await;
        let page = results(&app, &sup, &batch).await;
        assert_eq!(row(&page, a)["theory"], 80.0);
        assert_eq!(page["summary"]["passed"], 1);
        app
    })
    .await;
}
