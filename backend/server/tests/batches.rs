//! Batches through HTTP: each (kind, module) walked up to and including its certificate step,
//! the rule codes of SPEC §4 this issue can reach, tenancy and roles, optimistic versions,
//! concurrent decisions and writers, idempotency and the audit chain.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::batches::{
    CARER, ELECTRICIAN, SELF_MATERIALS, approve, batch_body, batch_body_lines, create, decide,
    state_of, submit, submit_ok,
};
use common::fixtures::{annual_plan, attach, token};
use common::jobs::get_json;
use common::social::{arrangement, social_at_arrangement};
use common::{each_backend, problem, violation_codes};
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};
use skillcert_server::audit;
use skillcert_server::entities::audit_event;

// -- Answers built from the rows written equal a later read

#[actix_web::test]
async fn create_and_decision_answers_equal_a_later_read() {
    each_backend(|app| async move {
        // -- Setup
        let cast = app.cast().await;
        annual_plan(&app, cast.employer, 2026).await;
        let emp = token(&app, "emp1").await;
        let sup = token(&app, "supervisor").await;
        // Lines given out of their stored order (code ascending, level descending).
        let body = batch_body_lines(
            "supervised",
            "exam",
            "4101",
            &[(ELECTRICIAN, 5, 10), (CARER, 4, 7), (ELECTRICIAN, 4, 5)],
        );
        // -- Exec & Check
        let created = create(&app, &emp, body).await;
        let path = format!("/api/v1/batches/{}", created["id"].as_str().unwrap());
        assert_eq!(get_json(&app, "emp1", &path).await, created);
        let lines: Vec<(&str, u64)> = created["occupations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["occupation_code"].as_str().unwrap(),
                    l["level"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(lines, [(CARER, 4), (ELECTRICIAN, 5), (ELECTRICIAN, 4)]);
        assert!(created["occupations"][0]["occupation_name"].is_string());

        attach(&app, &created, &["plan_application"]).await;
        submit_ok(&app, &emp, &created, "plan").await;
        let approved = approve(&app, &sup, &created, "plan").await;
        assert_eq!(state_of(&approved, "plan"), "approved");
        assert_eq!(get_json(&app, "emp1", &path).await, approved);
        app
    })
    .await;
}

// -- Walks: each (kind, module) up to and including the certificate step

#[actix_web::test]
async fn employer_supervised_walks_to_issuance() {
    each_backend(|app| async move {
        // -- Setup
        let cast = app.cast().await;
        annual_plan(&app, cast.employer, 2026).await;
        let emp = token(&app, "emp1").await;
        let sup = token(&app, "supervisor").await;
        // -- Exec & Check
        let batch = create(&app, &emp, batch_body("supervised", "exam", 20, "4101")).await;
        assert_eq!(batch["status"], "in_progress");
        assert_eq!(batch["current_step"], "plan");
        assert_eq!(batch["deadlines"]["completion_deadline"], "2026-12-31");

        // 制定计划: the application form is required.
        let body = problem(
            submit(&app, &emp, &batch, "plan").await,
            422,
            "MATERIAL_MISSING",
        )
        .await;
        assert_eq!(body["violations"][0]["field"], "materials.plan_application");
        attach(&app, &batch, &["plan_application"]).await;
        let batch = submit_ok(&app, &emp, &batch, "plan").await;
        assert_eq!(batch["status"], "under_review");
        let batch = approve(&app, &sup, &batch, "plan").await;
        assert_eq!(state_of(&batch, "registration"), "draft");

        // 考试报名 without warnings approves itself (无预警信息无需审核).
        let batch = submit_ok(&app, &emp, &batch, "registration").await;
        assert_eq!(state_of(&batch, "registration"), "approved");
        assert_eq!(state_of(&batch, "certificate"), "draft");

        // 证书管理: not before the last exam day has passed.
        attach(
            &app,
            &batch,
            &[
                "abnormality_verification",
                "qualified_confirmation",
                "internal_qa_report",
            ],
        )
        .await;
        problem(
            submit(&app, &emp, &batch, "certificate").await,
            422,
            "RESULTS_MISSING",
        )
        .await;
        app.set_now("2026-03-12T01:00:00Z");
        // Access tokens follow the same clock: a month later they have expired.
        problem(
            submit(&app, &emp, &batch, "certificate").await,
            401,
            "UNAUTHORIZED",
        )
        .await;
        let (emp, sup) = (token(&app, "emp1").await, token(&app, "supervisor").await);
        let batch = submit_ok(&app, &emp, &batch, "certificate").await;
        let batch = approve(&app, &sup, &batch, "certificate").await;
        assert_eq!(batch["status"], "issuing");
        assert_eq!(state_of(&batch, "issuance"), "submitted");
        app
    })
    .await;
}

#[actix_web::test]
async fn employer_self_walks_materials_then_data_audit() {
    each_backend(|app| async move {
        let cast = app.cast().await;
        annual_plan(&app, cast.employer, 2026).await;
        let emp = token(&app, "emp1").await;
        let batch = create(&app, &emp, batch_body("self", "direct", 20, "4101")).await;
        assert_eq!(batch["current_step"], "registration");
        let batch = submit_ok(&app, &emp, &batch, "registration").await;
        assert_eq!(state_of(&batch, "materials"), "draft");
        attach(&app, &batch, &SELF_MATERIALS).await;
        app.set_now("2026-03-12T01:00:00Z");
        let (emp, sup) = (token(&app, "emp1").await, token(&app, "supervisor").await);
        let batch = submit_ok(&app, &emp, &batch, "materials").await;
        // 上传材料 is not reviewed; 证书数据审核 is now in the supervisors' queue.
        assert_eq!(state_of(&batch, "materials"), "approved");
        assert_eq!(state_of(&batch, "data_audit"), "submitted");
        let queue: Value = app.get(&sup, "/api/v1/reviews").await.json().await.unwrap();
        assert_eq!(queue["total"], 1);
        assert_eq!(queue["items"][0]["step"], "data_audit");
        let batch = approve(&app, &sup, &batch, "data_audit").await;
        assert_eq!(batch["status"], "issuing");
        app
    })
    .await;
}

#[actix_web::test]
async fn tech_school_supervised_and_self_walk_to_their_certificate_steps() {
    each_backend(|app| async move {
        let cast = app.cast().await;
        annual_plan(&app, cast.school, 2026).await;
        let school = token(&app, "school1").await;
        let sup = token(&app, "supervisor").await;

        let batch = create(&app, &school, batch_body("supervised", "exam", 20, "4107")).await;
        attach(&app, &batch, &["plan_application"]).await;
        submit_ok(&app, &school, &batch, "plan").await;
        let batch = approve(&app, &sup, &batch, "plan").await;
        let batch = submit_ok(&app, &school, &batch, "registration").await;
        attach(
            &app,
            &batch,
            &["qualified_student_roster", "internal_qa_report"],
        )
        .await;

        let own = create(&app, &school, batch_body("self", "process", 20, "4107")).await;
        let own = submit_ok(&app, &school, &own, "registration").await;
        attach(&app, &own, &SELF_MATERIALS).await;

        app.set_now("2026-03-12T01:00:00Z");
        let (school, sup) = (
            token(&app, "school1").await,
            token(&app, "supervisor").await,
        );
        let batch = submit_ok(&app, &school, &batch, "certificate").await;
        let batch = approve(&app, &sup, &batch, "certificate").await;
        assert_eq!(batch["status"], "issuing");
        let own = submit_ok(&app, &school, &own, "materials").await;
        let own = approve(&app, &sup, &own, "data_audit").await;
        assert_eq!(own["status"], "issuing");
        app
    })
    .await;
}

#[actix_web::test]
async fn social_training_plan_rules_and_registration_headcount() {
    each_backend(|app| async move {
        app.cast().await;
        let train = token(&app, "train1").await;
        let sup = token(&app, "supervisor").await;

        // seed §社会培训评价组织 二 2: 每一职业考试人数不少于15人; 考试时间应安排在考试计划申报之日起三个工作日后;
        // 跨区域…需提交跨地区认定申请表. Submitted Thu 2026-02-12 (the test clock), exam 2026-02-24.
        let mut body = batch_body("supervised", "exam", 14, "4101");
        body["exam_start"] = json!("2026-02-24");
        body["exam_end"] = json!("2026-02-24");
        let batch = create(&app, &train, body).await;
        assert_eq!(batch["deadlines"]["earliest_exam_date"], "2026-02-25");
        let checklist: Value = app
            .get(&train, &format!("/api/v1/batches/{}/checklist", batch["id"].as_str().unwrap()))
            .await
            .json()
            .await
            .unwrap();
        let plan = &checklist["steps"][0];
        assert_eq!(plan["step"], "plan");
        assert_eq!(plan["ready"], false);
        let body = problem(submit(&app, &train, &batch, "plan").await, 422, "MATERIAL_MISSING").await;
        assert_eq!(
            violation_codes(&body),
            ["CROSS_REGION_FORM_REQUIRED", "EXAM_LEAD_TIME", "MATERIAL_MISSING", "MIN_HEADCOUNT"]
        );
        // The checklist flags exactly what the submission refused.
        let failing: Vec<&str> = plan["rules"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["passed"] == false)
            .map(|r| r["code"].as_str().unwrap())
            .collect();
        assert_eq!(failing.len(), 4, "{failing:?}");

        // Fix everything: a valid date and headcount by PATCH, the forms by upload.
        let id = batch["id"].as_str().unwrap();
        let response = app
            .patch(
                &train,
                &format!("/api/v1/batches/{id}"),
                json!({
                    "version": batch["version"],
                    "exam_start": "2026-03-10",
                    "exam_end": "2026-03-11",
                    "occupations": [{ "occupation_code": "6-31-01-03", "level": 5, "planned_count": 15 }],
                }),
            )
            .await;
        assert_eq!(response.status(), 200);
        let batch: Value = response.json().await.unwrap();
        attach(&app, &batch, &["plan_application", "cross_region_application"]).await;
        submit_ok(&app, &train, &batch, "plan").await;

        // Once submitted, the plan's dates change only by a change request.
        let response = app
            .patch(&train, &format!("/api/v1/batches/{id}"), json!({ "version": 2, "exam_start": "2026-03-17" }))
            .await;
        problem(response, 422, "ARRANGEMENT_MISMATCH").await;

        let batch = approve(&app, &sup, &batch, "plan").await;
        assert_eq!(state_of(&batch, "supervision"), "draft", "外部质量督导 runs beside the steps");
        attach(&app, &batch, &["eligibility_commitment", "personal_info_form"]).await;
        // Registration: nobody registered yet (candidates arrive with issue 4) — 0 vs 15 planned.
        let body = problem(submit(&app, &train, &batch, "registration").await, 422, "HEADCOUNT_TOLERANCE").await;
        assert_eq!(body["violations"][0]["details"]["planned"], 15);
        app
    })
    .await;
}

// -- Batch rules at creation

#[actix_web::test]
async fn creation_rules_answer_every_violation_at_once() {
    each_backend(|app| async move {
        let cast = app.cast().await;
        let emp = token(&app, "emp1").await;
        let school = token(&app, "school1").await;
        annual_plan(&app, cast.school, 2026).await;

        // ANNUAL_PLAN_REQUIRED + OCCUPATION_NOT_FILED (三级 is filed, 一级 is not) + CROSS_YEAR.
        let mut body = batch_body("supervised", "exam", 20, "4101");
        body["occupations"] = json!([{ "occupation_code": "6-31-01-03", "level": 1, "planned_count": 20 }]);
        body["exam_end"] = json!("2027-01-05");
        let body = problem(app.post(&emp, "/api/v1/batches", body).await, 422, "ANNUAL_PLAN_REQUIRED").await;
        assert_eq!(
            violation_codes(&body),
            ["ANNUAL_PLAN_REQUIRED", "CROSS_YEAR", "OCCUPATION_NOT_FILED"]
        );

        // METHOD_NOT_ALLOWED: tech schools have no 直接认定 (SPEC §2).
        let body = problem(
            app.post(&school, "/api/v1/batches", batch_body("self", "direct", 20, "4107")).await,
            422,
            "METHOD_NOT_ALLOWED",
        )
        .await;
        assert_eq!(body["violations"][0]["field"], "method");

        // VALIDATION: every malformed field named.
        let body = json!({
            "module": "supervised", "method": "exam", "year": 2026,
            "exam_start": "2026-13-01", "exam_end": "2026-03-11", "venue": "x", "venue_region": "4199",
            "occupations": [{ "occupation_code": "6-31-01", "level": 6, "planned_count": 20 },
                            { "occupation_code": "9-99-99-99", "level": 5, "planned_count": 20 }],
        });
        let body = problem(app.post(&school, "/api/v1/batches", body).await, 422, "VALIDATION").await;
        let fields: Vec<&str> = body["violations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            [
                "exam_start",
                "venue_region",
                "occupations[0].occupation_code",
                "occupations[0].level",
                "occupations[1].occupation_code"
            ]
        );

        // Malformed JSON and unknown fields are problems too, never 500.
        let response = app
            .client
            .post(app.url("/api/v1/batches"))
            .bearer_auth(&school)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        problem(response, 400, "BAD_REQUEST").await;
        let mut extra = batch_body("supervised", "exam", 20, "4107");
        extra["surprise"] = json!(1);
        problem(app.post(&school, "/api/v1/batches", extra).await, 422, "VALIDATION").await;
        app
    })
    .await;
}

#[actix_web::test]
async fn calendar_year_missing_and_step_out_of_order() {
    each_backend(|app| async move {
        app.cast().await;
        let train = token(&app, "train1").await;
        let mut body = batch_body("supervised", "exam", 20, "4103");
        body["exam_start"] = json!("2026-12-30");
        body["exam_end"] = json!("2026-12-31");
        let batch = create(&app, &train, body).await;
        attach(
            &app,
            &batch,
            &[
                "plan_application",
                "eligibility_commitment",
                "personal_info_form",
            ],
        )
        .await;

        // STEP_OUT_OF_ORDER: registration before the plan is approved.
        let body = problem(
            submit(&app, &train, &batch, "registration").await,
            422,
            "STEP_OUT_OF_ORDER",
        )
        .await;
        assert_eq!(
            violation_codes(&body),
            ["HEADCOUNT_TOLERANCE", "STEP_OUT_OF_ORDER"]
        );

        // A plan submitted on 2026-12-29 needs working days of 2027, which has no calendar yet.
        app.set_now("2026-12-29T02:00:00Z");
        let train = token(&app, "train1").await;
        let body = problem(
            submit(&app, &train, &batch, "plan").await,
            422,
            "CALENDAR_YEAR_MISSING",
        )
        .await;
        assert_eq!(body["violations"][0]["details"]["year"], 2027);
        assert_eq!(
            app.get(
                &train,
                &format!("/api/v1/batches/{}", batch["id"].as_str().unwrap())
            )
            .await
            .json::<Value>()
            .await
            .unwrap()["deadlines"]["calendar_year_missing"],
            2027
        );
        // Unknown step → 404; a system step → 409.
        problem(
            submit(&app, &train, &batch, "nonsense").await,
            404,
            "NOT_FOUND",
        )
        .await;
        problem(
            submit(&app, &train, &batch, "issuance").await,
            409,
            "INVALID_STATE",
        )
        .await;
        app
    })
    .await;
}

// -- Decisions

#[actix_web::test]
async fn decisions_need_reasons_the_right_role_and_a_submitted_step() {
    each_backend(|app| async move {
        let cast = app.cast().await;
        annual_plan(&app, cast.employer, 2026).await;
        let emp = token(&app, "emp1").await;
        let sup = token(&app, "supervisor").await;
        let info = token(&app, "info").await;
        let batch = create(&app, &emp, batch_body("supervised", "exam", 20, "4101")).await;

        // Not submitted yet: 409.
        problem(decide(&app, &sup, &batch, "plan", json!({"decision": "approve"})).await, 409, "INVALID_STATE").await;
        attach(&app, &batch, &["plan_application"]).await;
        let batch = submit_ok(&app, &emp, &batch, "plan").await;
        // Submitting twice: 409.
        problem(submit(&app, &emp, &batch, "plan").await, 409, "INVALID_STATE").await;
        // Institutions and the 信息部 cannot decide the plan.
        problem(decide(&app, &emp, &batch, "plan", json!({"decision": "approve"})).await, 403, "FORBIDDEN").await;
        problem(decide(&app, &info, &batch, "plan", json!({"decision": "approve"})).await, 403, "FORBIDDEN").await;
        // A return without reasons is 422.
        let body = problem(
            decide(&app, &sup, &batch, "plan", json!({"decision": "return", "comment": "请修改"})).await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(body["violations"][0]["field"], "reasons");
        // Returned with reasons; the institution resubmits; approved.
        let response = decide(
            &app,
            &sup,
            &batch,
            "plan",
            json!({"decision": "return", "comment": "计划申请表未盖章", "reasons": [{"code": "plan_application", "message": "计划申请表未盖章"}]}),
        )
        .await;
        let batch: Value = response.json().await.unwrap();
        assert_eq!(batch["status"], "returned");
        let batch = submit_ok(&app, &emp, &batch, "plan").await;
        approve(&app, &sup, &batch, "plan").await;

        // The audit log tells the story, newest first.
        let events: Value = app
            .get(&sup, &format!("/api/v1/audit-events?entity_id={}", batch["id"].as_str().unwrap()))
            .await
            .json()
            .await
            .unwrap();
        let actions: Vec<&str> = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            ["step.decision", "step.submit", "step.decision", "step.submit", "batch.create"]
        );
        app
    })
    .await;
}

#[actix_web::test]
async fn two_simultaneous_decisions_exactly_one_wins() {
    each_backend(|app| async move {
        let cast = app.cast().await;
        annual_plan(&app, cast.employer, 2026).await;
        let emp = token(&app, "emp1").await;
        let sup = token(&app, "supervisor").await;
        let batch = create(&app, &emp, batch_body("supervised", "exam", 20, "4101")).await;
        attach(&app, &batch, &["plan_application"]).await;
        let batch = submit_ok(&app, &emp, &batch, "plan").await;
        let approve = decide(&app, &sup, &batch, "plan", json!({"decision": "approve"}));
        let reject = decide(
            &app,
            &sup,
            &batch,
            "plan",
            json!({"decision": "return", "reasons": [{"code": "other", "message": "重复提交"}]}),
        );
        let (a, b) = futures_util::join!(approve, reject);
        let mut statuses = [a.status().as_u16(), b.status().as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 409]);
        app
    })
    .await;
}

// -- Tenancy, roles, versions

#[actix_web::test]
async fn another_institution_gets_404_and_changes_nothing() {
    each_backend(|app| async move {
        app.cast().await;
        let train1 = token(&app, "train1").await;
        let train2 = token(&app, "train2").await;
        let inspector = token(&app, "inspector1").await;
        let batch = create(&app, &train1, batch_body("supervised", "exam", 20, "4103")).await;
        let id = batch["id"].as_str().unwrap();

        for path in [
            format!("/api/v1/batches/{id}"),
            format!("/api/v1/batches/{id}/checklist"),
        ] {
            problem(app.get(&train2, &path).await, 404, "NOT_FOUND").await;
            problem(app.get(&inspector, &path).await, 404, "NOT_FOUND").await;
        }
        problem(
            app.patch(
                &train2,
                &format!("/api/v1/batches/{id}"),
                json!({"version": 1, "venue": "别处"}),
            )
            .await,
            404,
            "NOT_FOUND",
        )
        .await;
        problem(
            submit(&app, &train2, &batch, "plan").await,
            404,
            "NOT_FOUND",
        )
        .await;
        // Lists are filtered in the query: train2 and the inspector see nothing.
        let list: Value = app
            .get(&train2, "/api/v1/batches")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["total"], 0);
        let list: Value = app
            .get(&inspector, "/api/v1/batches")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["total"], 0);
        // Unchanged.
        let after: Value = app
            .get(&train1, &format!("/api/v1/batches/{id}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(after["venue"], batch["venue"]);
        assert_eq!(after["version"], 1);
        // A malformed id is a 404 as well.
        problem(
            app.get(&train1, "/api/v1/batches/not-a-uuid").await,
            404,
            "NOT_FOUND",
        )
        .await;
        // Without a token: 401.
        let response = app
            .client
            .get(app.url("/api/v1/batches"))
            .send()
            .await
            .unwrap();
        problem(response, 401, "UNAUTHORIZED").await;
        app
    })
    .await;
}

#[actix_web::test]
async fn stale_versions_conflict_and_idempotent_creation_replays() {
    each_backend(|app| async move {
        app.cast().await;
        let train = token(&app, "train1").await;
        let batch = create(&app, &train, batch_body("supervised", "exam", 20, "4103")).await;
        let id = batch["id"].as_str().unwrap();
        let ok = app
            .patch(
                &train,
                &format!("/api/v1/batches/{id}"),
                json!({"version": 1, "venue": "新考点"}),
            )
            .await;
        assert_eq!(ok.status(), 200);
        problem(
            app.patch(
                &train,
                &format!("/api/v1/batches/{id}"),
                json!({"version": 1, "venue": "旧考点"}),
            )
            .await,
            409,
            "VERSION_CONFLICT",
        )
        .await;
        let response = app
            .client
            .patch(app.url(&format!("/api/v1/batches/{id}")))
            .bearer_auth(&train)
            .header("if-match", "\"1\"")
            .json(&json!({"venue": "旧考点"}))
            .send()
            .await
            .unwrap();
        problem(response, 409, "VERSION_CONFLICT").await;

        let send = || {
            app.client
                .post(app.url("/api/v1/batches"))
                .bearer_auth(&train)
                .header("idempotency-key", "create-batch-0001")
                .json(&batch_body("supervised", "exam", 20, "4103"))
                .send()
        };
        let first: Value = send().await.unwrap().json().await.unwrap();
        let again = send().await.unwrap();
        assert_eq!(again.status(), 201);
        let again: Value = again.json().await.unwrap();
        assert_eq!(first["id"], again["id"]);
        let list: Value = app
            .get(&train, "/api/v1/batches")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["total"], 2);
        app
    })
    .await;
}

// -- Concurrency on SQLite, and the audit chain

#[actix_web::test]
async fn fifty_concurrent_writers_never_see_database_is_locked() {
    each_backend(|app| async move {
        app.cast().await;
        let train = token(&app, "train1").await;
        let requests = (0..50).map(|_| {
            app.post(
                &train,
                "/api/v1/batches",
                batch_body("supervised", "exam", 20, "4103"),
            )
        });
        let responses = futures_util::future::join_all(requests).await;
        for response in responses {
            assert_eq!(response.status(), 201);
        }
        let list: Value = app
            .get(&train, "/api/v1/batches?page_size=200")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["total"], 50);
        assert_eq!(audit::verify(&app.state.db.conn).await.unwrap(), Ok(50));
        app
    })
    .await;
}

#[actix_web::test]
async fn tampering_with_one_audit_row_is_detected() {
    each_backend(|app| async move {
        app.cast().await;
        let train = token(&app, "train1").await;
        for _ in 0..3 {
            create(&app, &train, batch_body("supervised", "exam", 20, "4103")).await;
        }
        assert_eq!(audit::verify(&app.state.db.conn).await.unwrap(), Ok(3));
        let second = audit_event::Entity::find_by_id(2i64)
            .one(&app.state.db.conn)
            .await
            .unwrap()
            .unwrap();
        let mut active: audit_event::ActiveModel = second.into();
        active.actor_role = Set("admin".to_owned());
        sea_orm::ActiveModelTrait::update(active, &app.state.db.conn)
            .await
            .unwrap();
        let broken = audit::verify(&app.state.db.conn)
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(broken.seq, 2);
        app
    })
    .await;
}

// -- Social training through arrangement and certificate

#[actix_web::test]
async fn social_training_walks_through_arrangement_and_certificate() {
    each_backend(|app| async move {
        app.cast().await;
        let batch = social_at_arrangement(&app).await;
        let (train, sup) = (token(&app, "train1").await, token(&app, "supervisor").await);
        let id = batch["id"].as_str().unwrap().to_owned();
        assert_eq!(state_of(&batch, "arrangement"), "draft");

        // Nothing arranged: every planned line lacks a session (ARRANGEMENT_MISMATCH).
        let body = problem(
            submit(&app, &train, &batch, "arrangement").await,
            422,
            "ARRANGEMENT_MISMATCH",
        )
        .await;
        assert_eq!(body["violations"].as_array().unwrap().len(), 2);
        // seed §社会培训评价组织 一: theory is 集中在线机考.
        let mut paper = arrangement("洛阳职业技能实训基地", "2026-03-10");
        paper["sessions"][0]["exam_form"] = json!("practical");
        let body = problem(
            app.put(&train, &format!("/api/v1/batches/{id}/arrangement"), paper)
                .await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(body["violations"][0]["field"], "sessions[0].exam_form");
        // Another venue than the approved plan's: refused.
        let moved = arrangement("另一考点", "2026-03-10");
        assert_eq!(
            app.put(&train, &format!("/api/v1/batches/{id}/arrangement"), moved)
                .await
                .status(),
            200
        );
        problem(
            submit(&app, &train, &batch, "arrangement").await,
            422,
            "ARRANGEMENT_MISMATCH",
        )
        .await;
        // As planned: accepted, reviewed, approved.
        let ok = arrangement("洛阳职业技能实训基地", "2026-03-10");
        assert_eq!(
            app.put(&train, &format!("/api/v1/batches/{id}/arrangement"), ok)
                .await
                .status(),
            200
        );
        let stored: Value = app
            .get(&train, &format!("/api/v1/batches/{id}/arrangement"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(stored["sessions"].as_array().unwrap().len(), 2);
        let batch = submit_ok(&app, &train, &batch, "arrangement").await;
        assert_eq!(state_of(&batch, "arrangement"), "submitted");
        // Once submitted the arrangement is frozen.
        problem(
            app.put(
                &train,
                &format!("/api/v1/batches/{id}/arrangement"),
                arrangement("洛阳职业技能实训基地", "2026-03-10"),
            )
            .await,
            409,
            "INVALID_STATE",
        )
        .await;
        approve(&app, &sup, &batch, "arrangement").await;

        // 证书管理 after the exams, within 30 days.
        attach(&app, &batch, &["internal_qa_report"]).await;
        app.set_now("2026-03-20T02:00:00Z");
        let (train, sup) = (token(&app, "train1").await, token(&app, "supervisor").await);
        let batch = submit_ok(&app, &train, &batch, "certificate").await;
        let batch = approve(&app, &sup, &batch, "certificate").await;
        assert_eq!(
            state_of(&batch, "supervision"),
            "approved",
            "督导 closes with the certificate decision"
        );
        assert_eq!(batch["status"], "issuing");
        app
    })
    .await;
}

#[actix_web::test]
async fn arrangement_deadline_and_completion_window_through_http() {
    each_backend(|app| async move {
        app.cast().await;
        let batch = social_at_arrangement(&app).await;
        let id = batch["id"].as_str().unwrap().to_owned();
        let train = token(&app, "train1").await;
        app.put(
            &train,
            &format!("/api/v1/batches/{id}/arrangement"),
            arrangement("洛阳职业技能实训基地", "2026-03-10"),
        )
        .await;
        // seed §社会培训评价组织 二 4: 该环节应在考试日前两天完成 — 2026-03-09 00:10 China time is too late.
        app.set_now("2026-03-08T16:10:00Z");
        let train = token(&app, "train1").await;
        let body = problem(
            submit(&app, &train, &batch, "arrangement").await,
            422,
            "ARRANGEMENT_DEADLINE",
        )
        .await;
        assert_eq!(body["violations"][0]["details"]["deadline"], "2026-03-08");
        // 23:30 China time on 03-08 is in time (tokens minted later are not valid yet: re-mint).
        app.set_now("2026-03-08T15:30:00Z");
        let (train, sup) = (token(&app, "train1").await, token(&app, "supervisor").await);
        let batch = submit_ok(&app, &train, &batch, "arrangement").await;
        approve(&app, &sup, &batch, "arrangement").await;
        attach(&app, &batch, &["internal_qa_report"]).await;

        // seed §社会培训评价组织 二 6: 考试之日起 30 日内 — last exam day 03-11, so 04-11 is late.
        app.set_now("2026-04-11T02:00:00Z");
        let (train, sup) = (token(&app, "train1").await, token(&app, "supervisor").await);
        let body = problem(
            submit(&app, &train, &batch, "certificate").await,
            422,
            "COMPLETION_WINDOW",
        )
        .await;
        assert_eq!(body["violations"][0]["details"]["deadline"], "2026-04-10");
        // A supervisor records an extension with a reason; then it passes.
        problem(
            app.put(
                &sup,
                &format!("/api/v1/batches/{id}/completion-extension"),
                json!({"extended_to": "2026-04-20", "reason": " "}),
            )
            .await,
            422,
            "VALIDATION",
        )
        .await;
        problem(
            app.put(
                &train,
                &format!("/api/v1/batches/{id}/completion-extension"),
                json!({"extended_to": "2026-04-20", "reason": "疫情"}),
            )
            .await,
            403,
            "FORBIDDEN",
        )
        .await;
        let extended: Value = app
            .put(
                &sup,
                &format!("/api/v1/batches/{id}/completion-extension"),
                json!({"extended_to": "2026-04-20", "reason": "考点停电，成绩复核延后"}),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(extended["deadlines"]["completion_deadline"], "2026-04-20");
        submit_ok(&app, &train, &batch, "certificate").await;
        app
    })
    .await;
}
