//! Warnings (预警信息, SPEC §5) through HTTP: each code computed on every change, the evidence
//! (without naming another institution), dispositions, the supervisors' blacklist, and the
//! registration step's rules (WARNINGS_UNRESOLVED, HEADCOUNT_TOLERANCE, the conditional
//! materials, and supervised registration going to the supervisor when there are warnings).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::batches::{
    ELECTRICIAN, add_candidate, at_registration, batch_body_lines, state_of, submit,
};
use common::fixtures::{annual_plan, attach, token};
use common::ids::{born, person};
use common::{TestApp, each_backend, problem, violation_codes};
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};
use skillcert_server::entities::certificate;
use uuid::Uuid;

// -- Setup & Fixtures

fn candidate(id: &str, level: u8) -> Value {
    json!({ "name": "考生", "id_number": id, "occupation_code": "6-31-01-03", "level": level })
}

/// A batch of `username` (`module`, `method`) planning `planned` for 电工 五级 and as many for
/// 四级, at registration (see [`at_registration`]).
async fn two_levels(
    app: &TestApp,
    username: &str,
    module: &str,
    method: &str,
    planned: u32,
    region: &str,
) -> Value {
    let lines = [(ELECTRICIAN, 5, planned), (ELECTRICIAN, 4, planned)];
    at_registration(
        app,
        username,
        batch_body_lines(module, method, region, &lines),
    )
    .await
}

async fn social(app: &TestApp, username: &str, planned: u32) -> Value {
    let region = if username == "train1" { "4103" } else { "4101" };
    two_levels(app, username, "supervised", "exam", planned, region).await
}

async fn add(app: &TestApp, token: &str, batch: &Value, body: Value) -> Value {
    let response = add_candidate(app, token, batch, body).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let response = app.get(token, path).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// (candidate id, code) of every warning of the batch, sorted.
async fn warnings_of(app: &TestApp, token: &str, batch: &Value) -> Vec<(String, String)> {
    let id = batch["id"].as_str().unwrap();
    let page = get(
        app,
        token,
        &format!("/api/v1/batches/{id}/warnings?page_size=200"),
    )
    .await;
    let mut out: Vec<(String, String)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["candidate_id"].as_str().unwrap().to_owned(),
                w["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    out.sort();
    out
}

async fn warning_items(app: &TestApp, token: &str, batch: &Value) -> Vec<Value> {
    let id = batch["id"].as_str().unwrap();
    get(
        app,
        token,
        &format!("/api/v1/batches/{id}/warnings?page_size=200"),
    )
    .await["items"]
        .as_array()
        .unwrap()
        .clone()
}

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

// -- Tests

#[actix_web::test]
async fn the_same_person_twice_in_a_batch_is_duplicate_in_batch_until_withdrawn() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let batch = social(&app, "train1", 15).await;
        let train = token(&app, "train1").await;

        // -- Exec
        let a = add(&app, &train, &batch, candidate(&person(1), 5)).await;
        let b = add(&app, &train, &batch, candidate(&person(1), 4)).await;
        let c = add(&app, &train, &batch, candidate(&person(2), 5)).await;

        // -- Check
        assert_eq!(
            warnings_of(&app, &train, &batch).await,
            [
                (id_of(&a), "DUPLICATE_IN_BATCH".to_owned()),
                (id_of(&b), "DUPLICATE_IN_BATCH".to_owned())
            ]
        );
        let items = warning_items(&app, &train, &batch).await;
        assert_eq!(items[0]["evidence"]["count"], 2);
        assert_eq!(items[0]["name"], "一人多报");
        let listed = get(
            &app,
            &train,
            &format!(
                "/api/v1/batches/{}/candidates?warning=DUPLICATE_IN_BATCH",
                batch["id"].as_str().unwrap()
            ),
        )
        .await;
        assert_eq!(listed["total"], 2);
        let one = get(&app, &train, &format!("/api/v1/candidates/{}", id_of(&c))).await;
        assert_eq!(one["warnings"], json!([]));

        // Withdrawing one clears both.
        let response = app
            .post(
                &train,
                &format!("/api/v1/candidates/{}/withdraw", id_of(&b)),
                json!({ "version": 1 }),
            )
            .await;
        assert_eq!(response.status(), 200);
        assert!(warnings_of(&app, &train, &batch).await.is_empty());
        app
    })
    .await;
}

#[actix_web::test]
async fn the_same_person_in_two_institutions_batches_warns_both_without_naming_the_other() {
    each_backend(|app| async move {
        // -- Setup
        let cast = app.cast().await;
        let first = social(&app, "train1", 15).await;
        let second = social(&app, "train2", 15).await;
        let (t1, t2) = (token(&app, "train1").await, token(&app, "train2").await);

        // -- Exec
        let a = add(&app, &t1, &first, candidate(&person(7), 5)).await;
        assert!(warnings_of(&app, &t1, &first).await.is_empty());
        let b = add(&app, &t2, &second, candidate(&person(7), 5)).await;
        // Another level is not the same registration.
        add(&app, &t2, &second, candidate(&person(8), 5)).await;
        add(&app, &t1, &first, candidate(&person(8), 4)).await;

        // -- Check: both sides warned
        assert_eq!(
            warnings_of(&app, &t1, &first).await,
            [(id_of(&a), "CONCURRENT_BATCH".to_owned())]
        );
        assert_eq!(
            warnings_of(&app, &t2, &second).await,
            [(id_of(&b), "CONCURRENT_BATCH".to_owned())]
        );
        for (token, mine, theirs, other_institution) in [
            (&t1, &first, &second, cast.train2),
            (&t2, &second, &first, cast.train1),
        ] {
            let items = warning_items(&app, token, mine).await;
            let text = items[0]["evidence"].to_string();
            assert!(text.contains("另一评价机构"), "{text}");
            assert!(
                !text.contains(theirs["id"].as_str().unwrap()),
                "names the other batch: {text}"
            );
            assert!(!text.contains(&other_institution.to_string()), "{text}");
            assert!(
                !text.contains(theirs["institution_name"].as_str().unwrap()),
                "{text}"
            );
        }

        // The same institution's other batch is named.
        let again = social(&app, "train1", 15).await;
        let c = add(&app, &t1, &again, candidate(&person(7), 5)).await;
        let items = warning_items(&app, &t1, &again).await;
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["candidate_id"], c["id"]);
        let others = items[0]["evidence"]["other_batches"].as_array().unwrap();
        assert!(
            others.contains(&json!({ "institution": "本机构", "batch_id": first["id"] })),
            "{others:?}"
        );
        assert!(
            others.contains(&json!({ "institution": "另一评价机构" })),
            "{others:?}"
        );

        // Withdrawals lift the warning on the other side too.
        for (token, cand) in [(&t2, &b), (&t1, &c)] {
            let response = app
                .post(
                    token,
                    &format!("/api/v1/candidates/{}/withdraw", id_of(cand)),
                    json!({}),
                )
                .await;
            assert_eq!(response.status(), 200);
        }
        assert!(warnings_of(&app, &t1, &first).await.is_empty());
        app
    })
    .await;
}

#[actix_web::test]
async fn a_blacklist_entry_covering_the_first_exam_day_warns() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let batch = social(&app, "train1", 15).await;
        let train = token(&app, "train1").await;
        let sup = token(&app, "supervisor").await;
        let a = add(&app, &train, &batch, candidate(&person(1), 5)).await;
        let b = add(&app, &train, &batch, candidate(&person(2), 5)).await;

        // -- Exec: one ban covers 2026-03-10, the other ended the day before
        let response = app
            .post(
                &sup,
                "/api/v1/blacklist",
                json!({ "name": "甲", "id_number": person(1), "reason": "2025年替考", "ban_from": "2025-06-01", "ban_until": "2026-03-10" }),
            )
            .await;
        assert_eq!(response.status(), 201);
        let entry: Value = response.json().await.unwrap();
        let response = app
            .post(
                &sup,
                "/api/v1/blacklist",
                json!({ "name": "乙", "id_number": person(2), "reason": "违纪", "ban_from": "2024-01-01", "ban_until": "2026-03-09" }),
            )
            .await;
        assert_eq!(response.status(), 201);
        // Registered after the ban: warned at once too.
        let c = add(&app, &train, &batch, candidate(&person(1), 4)).await;

        // -- Check
        let found = warnings_of(&app, &train, &batch).await;
        assert!(found.contains(&(id_of(&a), "BLACKLISTED".to_owned())));
        assert!(found.contains(&(id_of(&c), "BLACKLISTED".to_owned())));
        assert!(!found.iter().any(|(id, _)| *id == id_of(&b)));
        assert_eq!(entry["id_number_masked"], "410105********".to_owned() + &person(1)[14..]);
        let items = warning_items(&app, &train, &batch).await;
        let banned = items.iter().find(|w| w["code"] == "BLACKLISTED").unwrap();
        assert_eq!(banned["evidence"]["entries"][0]["ban_until"], "2026-03-10");

        // Roles: admins read, institutions do not, only supervisors write.
        let admin = token(&app, "admin").await;
        assert_eq!(get(&app, &admin, "/api/v1/blacklist").await["total"], 2);
        let active = get(&app, &sup, "/api/v1/blacklist?active_on=2026-03-10").await;
        assert_eq!(active["total"], 1);
        problem(app.get(&train, "/api/v1/blacklist").await, 403, "FORBIDDEN").await;
        problem(
            app.post(&admin, "/api/v1/blacklist", json!({ "name": "丙", "id_number": person(3), "reason": "x", "ban_from": "2026-01-01", "ban_until": "2026-12-31" }))
                .await,
            403,
            "FORBIDDEN",
        )
        .await;
        let body = problem(
            app.post(&sup, "/api/v1/blacklist", json!({ "name": "丙", "id_number": "110105491231002", "reason": "x", "ban_from": "2026-12-31", "ban_until": "2026-01-01" }))
                .await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(body["violations"].as_array().unwrap().len(), 2);

        // Lifting the ban lifts the warnings.
        let response = app
            .client
            .delete(app.url(&format!("/api/v1/blacklist/{}", entry["id"].as_str().unwrap())))
            .bearer_auth(&sup)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        assert!(!warnings_of(&app, &train, &batch).await.iter().any(|(_, code)| code == "BLACKLISTED"));
        app
    })
    .await;
}

#[actix_web::test]
async fn under_age_is_decided_on_the_first_exam_day() {
    each_backend(|app| async move {
        // -- Setup: first exam day 2026-03-10
        app.cast().await;
        let batch = social(&app, "train1", 15).await;
        let train = token(&app, "train1").await;

        // -- Exec
        let sixteen_that_day = add(&app, &train, &batch, candidate(&born("20100310", 1), 5)).await;
        let sixteen_next_day = add(&app, &train, &batch, candidate(&born("20100311", 2), 5)).await;

        // -- Check
        assert_eq!(
            warnings_of(&app, &train, &batch).await,
            [(id_of(&sixteen_next_day), "UNDER_AGE".to_owned())]
        );
        let items = warning_items(&app, &train, &batch).await;
        assert_eq!(items[0]["evidence"]["age_on_first_exam_day"], 15);
        assert_eq!(items[0]["evidence"]["first_exam_day"], "2026-03-10");
        assert!(!items[0]["evidence"].to_string().contains("20100311"));

        // Moving the birth date by an edit recomputes.
        let response = app
            .patch(
                &train,
                &format!("/api/v1/candidates/{}", id_of(&sixteen_that_day)),
                json!({ "version": 1, "id_number": born("20100312", 1) }),
            )
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(warnings_of(&app, &train, &batch).await.len(), 2);
        app
    })
    .await;
}

#[actix_web::test]
async fn a_certificate_at_this_or_a_higher_level_is_duplicate_certificate() {
    each_backend(|app| async move {
        // -- Setup: certificates written directly (issuance comes later)
        app.cast().await;
        let batch = social(&app, "train1", 15).await;
        let train = token(&app, "train1").await;
        let now = app.state.clock.now();
        for (n, level, status, id) in [
            (1, 4i16, "issued", person(1)),
            (2, 5, "issued", person(2)),
            (3, 4, "revoked", person(3)),
        ] {
            certificate::Entity::insert(certificate::ActiveModel {
                id: Set(Uuid::now_v7()),
                number: Set(format!("S0000000000000000000{n:02}")),
                batch_id: Set(None),
                candidate_id: Set(None),
                institution_id: Set(None),
                id_blind: Set(app.state.pii.blind(&id)),
                name: Set("持证人".to_owned()),
                occupation_code: Set("6-31-01-03".to_owned()),
                level: Set(level),
                issued_on: Set(time::macros::date!(2024 - 06 - 30)),
                status: Set(status.to_owned()),
                created_at: Set(now),
                ..Default::default()
            })
            .exec(&app.state.db.conn)
            .await
            .unwrap();
        }

        // -- Exec
        let higher_held = add(&app, &train, &batch, candidate(&person(1), 5)).await; // holds 4, applies 5
        let same_held = add(&app, &train, &batch, candidate(&person(1), 4)).await; // holds 4, applies 4
        add(&app, &train, &batch, candidate(&person(2), 4)).await; // holds 5, applies 4: a step up
        add(&app, &train, &batch, candidate(&person(3), 5)).await; // revoked

        // -- Check
        let found = warnings_of(&app, &train, &batch).await;
        let dup: Vec<&String> = found
            .iter()
            .filter(|(_, code)| code == "DUPLICATE_CERTIFICATE")
            .map(|(id, _)| id)
            .collect();
        let mut expected = [id_of(&higher_held), id_of(&same_held)];
        expected.sort();
        assert_eq!(dup, expected.iter().collect::<Vec<_>>());
        let items = warning_items(&app, &train, &batch).await;
        let evidence = &items
            .iter()
            .find(|w| w["code"] == "DUPLICATE_CERTIFICATE")
            .unwrap()["evidence"];
        assert_eq!(evidence["certificates"][0]["level"], 4);
        assert_eq!(evidence["certificates"][0]["issuer"], "另一评价机构");
        assert!(
            evidence["certificates"][0]
                .get("certificate_number")
                .is_none()
        );
        app
    })
    .await;
}

#[actix_web::test]
async fn dispositions_with_evidence_resolve_warnings_unresolved_at_registration() {
    each_backend(|app| async move {
        // -- Setup: 社会培训 registration needs its forms; a warning adds 符合报名条件佐证
        app.cast().await;
        let batch = social(&app, "train1", 15).await;
        let train = token(&app, "train1").await;
        let id = batch["id"].as_str().unwrap();
        for kind in ["eligibility_commitment", "personal_info_form"] {
            attach(&app, &batch, &[kind]).await;
        }
        for n in 0..5 {
            add(&app, &train, &batch, candidate(&person(n), 5)).await;
        }
        let young = add(&app, &train, &batch, candidate(&born("20110101", 1), 4)).await;
        for n in 10..15 {
            add(&app, &train, &batch, candidate(&person(n), 4)).await;
        }

        // -- Exec & Check: undisposed, and the evidence material missing
        let body = problem(submit(&app, &train, &batch, "registration").await, 422, "MATERIAL_MISSING").await;
        assert_eq!(violation_codes(&body), ["MATERIAL_MISSING", "WARNINGS_UNRESOLVED"]);
        let warning = &warning_items(&app, &train, &batch).await[0];
        let wid = warning["id"].as_str().unwrap();
        assert_eq!(warning["code"], "UNDER_AGE");
        let checklist = get(&app, &train, &format!("/api/v1/batches/{id}/checklist")).await;
        assert!(checklist.to_string().contains("WARNINGS_UNRESOLVED"));

        // A material of another kind, or of another batch, is not evidence.
        let wrong_kind = attach(&app, &batch, &["personal_info_form"]).await[0];
        let other_batch = social(&app, "train1", 15).await;
        let elsewhere = attach(&app, &other_batch, &["eligibility_evidence"]).await[0];
        for material_id in [wrong_kind, elsewhere] {
            let body = problem(
                app.post(
                    &train,
                    &format!("/api/v1/warnings/{wid}/disposition"),
                    json!({ "decision": "dismissed", "explanation": "已核实", "evidence_material_id": material_id }),
                )
                .await,
                422,
                "VALIDATION",
            )
            .await;
            assert_eq!(body["violations"][0]["field"], "evidence_material_id");
        }
        problem(
            app.post(&train, &format!("/api/v1/warnings/{wid}/disposition"), json!({ "decision": "maybe", "explanation": "" }))
                .await,
            422,
            "VALIDATION",
        )
        .await;
        let other = token(&app, "train2").await;
        problem(
            app.post(&other, &format!("/api/v1/warnings/{wid}/disposition"), json!({ "decision": "dismissed", "explanation": "x" }))
                .await,
            404,
            "NOT_FOUND",
        )
        .await;

        // Confirmed as true: still blocking until the candidate leaves.
        let evidence = attach(&app, &batch, &["eligibility_evidence"]).await[0];
        let response = app
            .post(
                &train,
                &format!("/api/v1/warnings/{wid}/disposition"),
                json!({ "decision": "confirmed", "explanation": "出生日期核实无误", "evidence_material_id": evidence }),
            )
            .await;
        assert_eq!(response.status(), 200);
        let disposed: Value = response.json().await.unwrap();
        assert_eq!(disposed["resolved"], true);
        let body = problem(submit(&app, &train, &batch, "registration").await, 422, "WARNINGS_UNRESOLVED").await;
        assert_eq!(body["violations"][0]["field"], "candidates");

        // Dismissed with explanation and evidence: resolved; the supervisor reviews.
        let response = app
            .post(
                &train,
                &format!("/api/v1/warnings/{wid}/disposition"),
                json!({ "decision": "dismissed", "explanation": "证件信息录入有误，已核对户口簿", "evidence_material_id": evidence }),
            )
            .await;
        assert_eq!(response.status(), 200);
        let one = get(&app, &train, &format!("/api/v1/candidates/{}", id_of(&young))).await;
        assert_eq!(one["warnings"][0]["disposition"], "dismissed");
        let response = submit(&app, &train, &batch, "registration").await;
        let status = response.status();
        let submitted: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "{submitted}");
        assert_eq!(state_of(&submitted, "registration"), "submitted");
        app
    })
    .await;
}

#[actix_web::test]
async fn headcount_tolerance_is_ten_per_line_counting_registered_candidates() {
    each_backend(|app| async move {
        // -- Setup: planned 20 on each of two lines (level 5 and 4)
        app.cast().await;
        let batch = social(&app, "train1", 20).await;
        let train = token(&app, "train1").await;
        for kind in ["eligibility_commitment", "personal_info_form"] {
            attach(&app, &batch, &[kind]).await;
        }
        let mut level5 = Vec::new();
        for n in 0..10 {
            level5.push(add(&app, &train, &batch, candidate(&person(n), 5)).await);
        }
        for n in 100..110 {
            add(&app, &train, &batch, candidate(&person(n), 4)).await;
        }

        // -- Exec & Check: one found ineligible — 9 of 20 fails
        let response = app
            .post(
                &train,
                &format!("/api/v1/candidates/{}/eligibility", id_of(&level5[0])),
                json!({ "eligible": false, "reason": "不符合申报条件" }),
            )
            .await;
        assert_eq!(response.status(), 200);
        let body = problem(
            submit(&app, &train, &batch, "registration").await,
            422,
            "HEADCOUNT_TOLERANCE",
        )
        .await;
        assert_eq!(body["violations"].as_array().unwrap().len(), 1);
        assert_eq!(body["violations"][0]["details"]["registered"], 9);
        assert_eq!(body["violations"][0]["details"]["planned"], 20);
        assert_eq!(body["violations"][0]["details"]["level"], 5);

        // Back to 10 of 20 (pending eligibility counts): passes.
        let response = app
            .post(
                &train,
                &format!("/api/v1/candidates/{}/eligibility", id_of(&level5[0])),
                json!({ "eligible": true, "version": 2 }),
            )
            .await;
        assert_eq!(response.status(), 200);
        let response = submit(&app, &train, &batch, "registration").await;
        let status = response.status();
        let submitted: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "{submitted}");
        assert_eq!(submitted["occupations"][0]["registered_count"], 10);
        app
    })
    .await;
}

#[actix_web::test]
async fn employer_supervised_registration_with_a_warning_goes_to_the_supervisor() {
    each_backend(|app| async move {
        // -- Setup
        let cast = app.cast().await;
        annual_plan(&app, cast.employer, 2026).await;
        let emp = token(&app, "emp1").await;
        let warned = two_levels(&app, "emp1", "supervised", "exam", 20, "4101").await;
        let clean = two_levels(&app, "emp1", "supervised", "exam", 20, "4101").await;
        add(&app, &emp, &warned, candidate(&person(1), 5)).await;
        add(&app, &emp, &warned, candidate(&person(1), 4)).await;
        add(&app, &emp, &clean, candidate(&person(2), 5)).await;

        // -- Exec & Check: without warnings, registration approves itself
        let response = submit(&app, &emp, &clean, "registration").await;
        assert_eq!(response.status(), 200);
        let clean: Value = response.json().await.unwrap();
        assert_eq!(state_of(&clean, "registration"), "approved");

        // With warnings: 核查情况说明 and dispositions first, then the supervisor decides.
        let body = problem(submit(&app, &emp, &warned, "registration").await, 422, "MATERIAL_MISSING").await;
        assert_eq!(violation_codes(&body), ["MATERIAL_MISSING", "WARNINGS_UNRESOLVED"]);
        let note = attach(&app, &warned, &["warning_verification_note"]).await[0];
        for w in warning_items(&app, &emp, &warned).await {
            let response = app
                .post(
                    &emp,
                    &format!("/api/v1/warnings/{}/disposition", w["id"].as_str().unwrap()),
                    json!({ "decision": "dismissed", "explanation": "同一职工报考两个等级，已核实", "evidence_material_id": note }),
                )
                .await;
            assert_eq!(response.status(), 200);
        }
        let response = submit(&app, &emp, &warned, "registration").await;
        let status = response.status();
        let warned: Value = response.json().await.unwrap();
        assert_eq!(status, 200, "{warned}");
        assert_eq!(state_of(&warned, "registration"), "submitted");
        let sup = token(&app, "supervisor").await;
        let queue = get(&app, &sup, "/api/v1/reviews").await;
        assert!(
            queue["items"].as_array().unwrap().iter().any(|i| i["batch_id"] == warned["id"] && i["step"] == "registration"),
            "{queue}"
        );
        app
    })
    .await;
}

#[actix_web::test]
async fn tech_school_self_warns_outside_the_graduating_year() {
    each_backend(|app| async move {
        // -- Setup: first exam day 2026-03-10 — the graduating year is 2026
        let cast = app.cast().await;
        annual_plan(&app, cast.school, 2026).await;
        let school = token(&app, "school1").await;
        let batch = two_levels(&app, "school1", "self", "process", 20, "4107").await;

        // -- Exec
        let mut graduating = candidate(&person(1), 5);
        graduating["graduation_year"] = json!(2026);
        graduating["student_no"] = json!("XJ2023001");
        add(&app, &school, &batch, graduating).await;
        let mut next_year = candidate(&person(2), 5);
        next_year["graduation_year"] = json!(2027);
        let late = add(&app, &school, &batch, next_year).await;
        let unknown = add(&app, &school, &batch, candidate(&person(3), 5)).await;

        // -- Check
        let mut expected = vec![
            (id_of(&late), "NOT_GRADUATING_YEAR".to_owned()),
            (id_of(&unknown), "NOT_GRADUATING_YEAR".to_owned()),
        ];
        expected.sort();
        assert_eq!(warnings_of(&app, &school, &batch).await, expected);
        let response = submit(&app, &school, &batch, "registration").await;
        assert_eq!(response.status(), 422);
        let body: Value = response.json().await.unwrap();
        assert_eq!(
            violation_codes(&body),
            ["NOT_GRADUATING_YEAR", "WARNINGS_UNRESOLVED"]
        );

        // Fixing the graduation year by an edit lifts the warning.
        let response = app
            .patch(
                &school,
                &format!("/api/v1/candidates/{}", id_of(&late)),
                json!({ "version": 1, "graduation_year": 2026 }),
            )
            .await;
        assert_eq!(response.status(), 200);
        assert_eq!(warnings_of(&app, &school, &batch).await.len(), 1);
        app
    })
    .await;
}

#[actix_web::test]
async fn simultaneous_registrations_of_one_person_all_get_their_warnings() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let first = social(&app, "train1", 15).await;
        let second = social(&app, "train2", 15).await;
        let (t1, t2) = (token(&app, "train1").await, token(&app, "train2").await);
        let path = |batch: &Value| {
            format!(
                "/api/v1/batches/{}/candidates",
                batch["id"].as_str().unwrap()
            )
        };
        let (p1, p2) = (path(&first), path(&second));

        // -- Exec: six at once into train1's batch (three for each of its levels), two into
        // train2's (one for each level). The same person registers once per occupation and
        // level (SPEC §5): per batch and level one request wins, the others are
        // `already_registered`.
        let mut requests = Vec::new();
        for n in 0..8 {
            let (t, p) = if n < 6 { (&t1, &p1) } else { (&t2, &p2) };
            requests.push(app.post(t, p, candidate(&person(5), 4 + (n % 2) as u8)));
        }
        let mut created = 0;
        for response in futures_util::future::join_all(requests).await {
            let status = response.status();
            let body: Value = response.json().await.unwrap();
            if status == 201 {
                created += 1;
            } else {
                assert_eq!(status, 422, "{body}");
                assert_eq!(
                    body["violations"][0]["details"]["reason"],
                    "already_registered"
                );
            }
        }
        assert_eq!(created, 4);

        // -- Check: nobody missed the others
        let codes = |found: Vec<(String, String)>| {
            let mut by_candidate: std::collections::BTreeMap<String, Vec<String>> =
                Default::default();
            for (id, code) in found {
                by_candidate.entry(id).or_default().push(code);
            }
            by_candidate
        };
        let mine = codes(warnings_of(&app, &t1, &first).await);
        assert_eq!(mine.len(), 2);
        for found in mine.values() {
            assert_eq!(found, &["CONCURRENT_BATCH", "DUPLICATE_IN_BATCH"]);
        }
        let theirs = codes(warnings_of(&app, &t2, &second).await);
        assert_eq!(theirs.len(), 2);
        for found in theirs.values() {
            assert_eq!(found, &["CONCURRENT_BATCH", "DUPLICATE_IN_BATCH"]);
        }
        app
    })
    .await;
}
