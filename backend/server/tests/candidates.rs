//! Candidates through HTTP (SPEC §5): create, list, read, edit, withdraw and eligibility with
//! masked personal data; the audited reveal; validation of ID numbers; tenancy and roles; and
//! that a full ID or phone number never reaches a response body, a database column other than
//! the ciphertext, or the audit log.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::batches::{add_candidate, at_registration, batch_body};
use common::fixtures::{attach, token};
use common::ids::person;
use common::{TestApp, each_backend, problem, violation_fields};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use skillcert_server::entities::{audit_event, candidate, candidate_warning};

// -- Setup & Fixtures

const ID: &str = "11010519491231002X";
const PHONE: &str = "13812345678";

fn candidate_body(name: &str, id: &str, level: u8) -> Value {
    json!({
        "name": name,
        "id_number": id,
        "phone": PHONE,
        "occupation_code": "6-31-01-03",
        "level": level,
        "education": "高中",
        "work_years": 3,
    })
}

async fn added(app: &TestApp, token: &str, batch: &Value, body: Value) -> Value {
    let response = add_candidate(app, token, batch, body).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, 201, "{text}");
    assert_no_secrets(&text);
    serde_json::from_str(&text).unwrap()
}

/// Fetches `path` and asserts the body carries no full ID or phone number.
async fn fetched(app: &TestApp, token: &str, path: &str) -> Value {
    let response = app.get(token, path).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, 200, "{path}: {text}");
    assert_no_secrets(&text);
    serde_json::from_str(&text).unwrap()
}

fn assert_no_secrets(text: &str) {
    assert!(!text.contains(ID), "full ID number leaked: {text}");
    assert!(
        !text.contains("19491231"),
        "birth date digits leaked: {text}"
    );
    assert!(!text.contains(PHONE), "full phone number leaked: {text}");
}

/// Every stored row of the personal-data tables and the audit log, as text.
async fn stored_text(app: &TestApp) -> String {
    let conn = &app.state.db.conn;
    let candidates = candidate::Entity::find().all(conn).await.unwrap();
    let warnings = candidate_warning::Entity::find().all(conn).await.unwrap();
    let audit = audit_event::Entity::find().all(conn).await.unwrap();
    format!("{candidates:?}\n{warnings:?}\n{audit:?}")
}

// -- Tests

#[actix_web::test]
async fn candidates_are_created_listed_and_read_masked() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let batch =
            at_registration(&app, "train1", batch_body("supervised", "exam", 15, "4103")).await;
        let train = token(&app, "train1").await;
        let sup = token(&app, "supervisor").await;
        let id = batch["id"].as_str().unwrap();

        // -- Exec
        let created = added(&app, &train, &batch, candidate_body("张三", ID, 5)).await;
        let response = app
            .client
            .post(app.url(&format!("/api/v1/batches/{id}/candidates")))
            .bearer_auth(&train)
            .header("Idempotency-Key", "cand-1")
            .json(&candidate_body("李四", &person(1), 5))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        let first: Value = response.json().await.unwrap();
        let replay = app
            .client
            .post(app.url(&format!("/api/v1/batches/{id}/candidates")))
            .bearer_auth(&train)
            .header("Idempotency-Key", "cand-1")
            .json(&candidate_body("李四", &person(1), 5))
            .send()
            .await
            .unwrap();
        assert_eq!(replay.status(), 201);
        let replayed: Value = replay.json().await.unwrap();

        // -- Check
        assert_eq!(created["id_number_masked"], "110105********002X");
        assert_eq!(created["phone_masked"], "138****5678");
        assert_eq!(created["eligibility"], "pending");
        assert_eq!(created["level_name"], "五级/初级工");
        assert!(created.get("id_number").is_none());
        assert!(created.get("phone").is_none());
        assert_eq!(
            first["id"], replayed["id"],
            "a retry answers the first time"
        );

        let list = fetched(&app, &train, &format!("/api/v1/batches/{id}/candidates")).await;
        assert_eq!(list["total"], 2);
        assert_eq!(list["items"][0]["name"], "张三");
        let one = fetched(
            &app,
            &sup,
            &format!("/api/v1/candidates/{}", created["id"].as_str().unwrap()),
        )
        .await;
        assert_eq!(one["id_number_masked"], "110105********002X");
        let filtered = fetched(
            &app,
            &train,
            &format!("/api/v1/batches/{id}/candidates?level=4"),
        )
        .await;
        assert_eq!(filtered["total"], 0);
        let filtered = fetched(
            &app,
            &train,
            &format!(
                "/api/v1/batches/{id}/candidates?occupation_code=6-31-01-03&eligibility=pending"
            ),
        )
        .await;
        assert_eq!(filtered["total"], 2);
        // The batch counts them as registered (pending eligibility counts).
        let view = fetched(&app, &train, &format!("/api/v1/batches/{id}")).await;
        assert_eq!(view["occupations"][0]["registered_count"], 2);
        app
    })
    .await;
}

#[actix_web::test]
async fn full_numbers_never_reach_responses_columns_or_the_audit_log() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let batch = at_registration(&app, "train1", batch_body("supervised", "exam", 15, "4103")).await;
        let train = token(&app, "train1").await;
        let id = batch["id"].as_str().unwrap();

        // -- Exec: every write path that takes the numbers
        let created = added(&app, &train, &batch, candidate_body("张三", ID, 5)).await;
        let cid = created["id"].as_str().unwrap();
        let response = app
            .patch(
                &train,
                &format!("/api/v1/candidates/{cid}"),
                json!({ "version": 1, "name": "张叁", "id_number": ID, "phone": PHONE }),
            )
            .await;
        let status = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(status, 200, "{text}");
        assert_no_secrets(&text);
        let bad = add_candidate(&app, &train, &batch, candidate_body("王五", "11010519491231002Y", 5)).await;
        let text = bad.text().await.unwrap();
        assert_no_secrets(&text);
        let sup = token(&app, "supervisor").await;
        let response = app
            .post(
                &sup,
                "/api/v1/blacklist",
                json!({ "name": "张叁", "id_number": ID, "reason": "替考", "ban_from": "2026-01-01", "ban_until": "2027-12-31" }),
            )
            .await;
        let text = response.text().await.unwrap();
        assert_no_secrets(&text);
        let warnings = fetched(&app, &train, &format!("/api/v1/batches/{id}/warnings")).await;
        assert_eq!(warnings["items"][0]["code"], "BLACKLISTED");
        fetched(&app, &sup, "/api/v1/blacklist").await;
        fetched(&app, &sup, "/api/v1/audit-events?page_size=200").await;
        let reveal = app
            .post(&train, &format!("/api/v1/candidates/{cid}/reveal"), json!({}))
            .await;
        assert_eq!(reveal.status(), 200);

        // -- Check: the database holds ciphertext, a blind index and masks only
        let stored = stored_text(&app).await;
        assert!(!stored.contains(ID), "a full ID number is stored in clear");
        assert!(!stored.contains(PHONE), "a full phone number is stored in clear");
        let row = candidate::Entity::find().one(&app.state.db.conn).await.unwrap().unwrap();
        assert_eq!(row.id_masked, "110105********002X");
        assert_eq!(app.state.pii.decrypt(&row.id_number_enc).unwrap(), ID);
        assert_eq!(row.id_blind, app.state.pii.blind(ID));
        let blacklist = skillcert_server::entities::blacklist_entry::Entity::find()
            .all(&app.state.db.conn)
            .await
            .unwrap();
        assert!(!format!("{blacklist:?}").contains(ID));
        app
    })
    .await;
}

#[actix_web::test]
async fn reveal_is_audited_and_only_for_the_owner_and_supervisors() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let batch =
            at_registration(&app, "train1", batch_body("supervised", "exam", 15, "4103")).await;
        let train = token(&app, "train1").await;
        let created = added(&app, &train, &batch, candidate_body("张三", ID, 5)).await;
        let cid = created["id"].as_str().unwrap();
        let path = format!("/api/v1/candidates/{cid}/reveal");

        // -- Exec & Check
        let response = app.post(&train, &path, json!({})).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["cache-control"], "no-store");
        let shown: Value = response.json().await.unwrap();
        assert_eq!(shown["id_number"], ID);
        assert_eq!(shown["phone"], PHONE);
        let sup = token(&app, "supervisor").await;
        assert_eq!(app.post(&sup, &path, json!({})).await.status(), 200);
        let other = token(&app, "train2").await;
        problem(app.post(&other, &path, json!({})).await, 404, "NOT_FOUND").await;
        for role in ["inspector1", "admin", "info"] {
            let t = token(&app, role).await;
            problem(app.post(&t, &path, json!({})).await, 403, "FORBIDDEN").await;
        }

        let reveals = audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("candidate.reveal"))
            .all(&app.state.db.conn)
            .await
            .unwrap();
        assert_eq!(reveals.len(), 2, "one event per successful reveal");
        assert_eq!(reveals[0].entity_id, cid);
        assert_eq!(reveals[0].actor_role, "institution");
        assert_eq!(reveals[1].actor_role, "supervisor");
        assert!(!format!("{reveals:?}").contains(ID));
        app
    })
    .await;
}

#[actix_web::test]
async fn legacy_and_bad_checksum_ids_are_422_naming_id_number() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let batch =
            at_registration(&app, "train1", batch_body("supervised", "exam", 15, "4103")).await;
        let train = token(&app, "train1").await;

        // -- Exec & Check
        let body = problem(
            add_candidate(
                &app,
                &train,
                &batch,
                candidate_body("甲", "110105491231002", 5),
            )
            .await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(body["violations"][0]["field"], "id_number");
        assert_eq!(
            body["violations"][0]["details"]["reason"],
            "legacy_15_digit"
        );
        assert!(!body.to_string().contains("110105491231002"));

        let body = problem(
            add_candidate(
                &app,
                &train,
                &batch,
                candidate_body("乙", "110105194912310021", 5),
            )
            .await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(body["violations"][0]["field"], "id_number");
        assert_eq!(body["violations"][0]["details"]["reason"], "bad_checksum");
        assert!(!body.to_string().contains("110105194912310021"));

        // An ID stored as a number has lost digits: refused without echoing it.
        let mut numeric = candidate_body("丁", "x", 5);
        numeric["id_number"] = json!(110105194912310021u64);
        let body = problem(
            add_candidate(&app, &train, &batch, numeric).await,
            422,
            "VALIDATION",
        )
        .await;
        assert!(!body.to_string().contains("110105194912310021"), "{body}");
        let mut numeric = candidate_body("丁", &person(3), 5);
        numeric["phone"] = json!(13812345678u64);
        let body = problem(
            add_candidate(&app, &train, &batch, numeric).await,
            422,
            "VALIDATION",
        )
        .await;
        assert!(!body.to_string().contains(PHONE), "{body}");

        // Every problem at once: name, occupation line not in the batch, phone.
        let mut wrong = candidate_body("", &person(1), 4);
        wrong["phone"] = json!("call me");
        let body = problem(
            add_candidate(&app, &train, &batch, wrong).await,
            422,
            "VALIDATION",
        )
        .await;
        let mut fields = violation_fields(&body);
        fields.sort_unstable();
        assert_eq!(fields, ["name", "occupation_code", "phone"]);

        // Unknown fields are refused; other document types are accepted without a checksum.
        let mut extra = candidate_body("丙", &person(2), 5);
        extra["sex"] = json!("male");
        problem(
            add_candidate(&app, &train, &batch, extra).await,
            422,
            "VALIDATION",
        )
        .await;
        let mut passport = candidate_body("Smith", "E12345678", 5);
        passport["id_type"] = json!("passport");
        let created = added(&app, &train, &batch, passport).await;
        assert_eq!(created["id_number_masked"], "E1*****78");

        let count = candidate::Entity::find()
            .all(&app.state.db.conn)
            .await
            .unwrap()
            .len();
        assert_eq!(count, 1, "nothing stored for refused input");
        app
    })
    .await;
}

#[actix_web::test]
async fn candidates_change_only_while_registration_is_draft_or_returned() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let train = token(&app, "train1").await;
        let response = app
            .post(
                &train,
                "/api/v1/batches",
                json!({
                    "module": "supervised", "method": "exam", "year": 2026,
                    "exam_start": "2026-03-10", "exam_end": "2026-03-11",
                    "venue": "职业技能实训基地", "venue_region": "4103",
                    "occupations": [{ "occupation_code": "6-31-01-03", "level": 5, "planned_count": 15 }],
                }),
            )
            .await;
        let draft_plan: Value = response.json().await.unwrap();

        // -- Exec & Check: registration not started yet
        problem(
            add_candidate(&app, &train, &draft_plan, candidate_body("甲", &person(1), 5)).await,
            409,
            "INVALID_STATE",
        )
        .await;

        // Open, then submitted: edits stop.
        let batch = at_registration(&app, "train1", batch_body("supervised", "exam", 15, "4103")).await;
        let id = batch["id"].as_str().unwrap();
        let mut cids = Vec::new();
        for n in 0..6 {
            let c = added(&app, &train, &batch, candidate_body("考生", &person(n), 5)).await;
            cids.push(c["id"].as_str().unwrap().to_owned());
        }
        for kind in ["eligibility_commitment", "personal_info_form"] {
            attach(&app, &batch, &[kind]).await;
        }
        let response = app
            .post(&train, &format!("/api/v1/batches/{id}/steps/registration/submit"), json!({}))
            .await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        problem(
            add_candidate(&app, &train, &batch, candidate_body("乙", &person(9), 5)).await,
            409,
            "INVALID_STATE",
        )
        .await;
        problem(
            app.patch(&train, &format!("/api/v1/candidates/{}", cids[0]), json!({ "version": 1, "name": "改" }))
                .await,
            409,
            "INVALID_STATE",
        )
        .await;
        problem(
            app.post(&train, &format!("/api/v1/candidates/{}/withdraw", cids[0]), json!({}))
                .await,
            409,
            "INVALID_STATE",
        )
        .await;

        // Returned: editable again.
        let sup = token(&app, "supervisor").await;
        let response = app
            .post(
                &sup,
                &format!("/api/v1/batches/{id}/steps/registration/decision"),
                json!({ "decision": "return", "comment": "补充", "reasons": [{ "code": "OTHER", "message": "请核对考生信息" }] }),
            )
            .await;
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
        added(&app, &train, &batch, candidate_body("乙", &person(9), 5)).await;
        app
    })
    .await;
}

#[actix_web::test]
async fn edits_are_versioned_and_withdrawal_and_eligibility_are_audited() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let batch =
            at_registration(&app, "train1", batch_body("supervised", "exam", 15, "4103")).await;
        let train = token(&app, "train1").await;
        let id = batch["id"].as_str().unwrap();
        let a = added(&app, &train, &batch, candidate_body("甲", &person(1), 5)).await;
        let b = added(&app, &train, &batch, candidate_body("乙", &person(2), 5)).await;
        let a_id = a["id"].as_str().unwrap();
        let b_id = b["id"].as_str().unwrap();

        // -- Exec & Check: PATCH with a version; a stale one conflicts
        let response = app
            .patch(
                &train,
                &format!("/api/v1/candidates/{a_id}"),
                json!({ "version": 1, "phone": null, "graduation_year": 2026 }),
            )
            .await;
        assert_eq!(response.status(), 200);
        let edited: Value = response.json().await.unwrap();
        assert_eq!(edited["version"], 2);
        assert_eq!(edited["phone_masked"], Value::Null);
        assert_eq!(edited["graduation_year"], 2026);
        assert_eq!(edited["name"], "甲");
        problem(
            app.patch(
                &train,
                &format!("/api/v1/candidates/{a_id}"),
                json!({ "version": 1, "name": "丙" }),
            )
            .await,
            409,
            "VERSION_CONFLICT",
        )
        .await;
        problem(
            app.patch(
                &train,
                &format!("/api/v1/candidates/{a_id}"),
                json!({ "name": "丙" }),
            )
            .await,
            422,
            "VALIDATION",
        )
        .await;
        problem(
            app.patch(
                &train,
                &format!("/api/v1/candidates/{a_id}"),
                json!({ "version": 2, "level": 3 }),
            )
            .await,
            422,
            "VALIDATION",
        )
        .await;

        // 资格审核: a reason is required to find someone ineligible.
        problem(
            app.post(
                &train,
                &format!("/api/v1/candidates/{b_id}/eligibility"),
                json!({ "eligible": false }),
            )
            .await,
            422,
            "VALIDATION",
        )
        .await;
        let response = app
            .post(
                &train,
                &format!("/api/v1/candidates/{b_id}/eligibility"),
                json!({ "eligible": false, "reason": "工作年限不足" }),
            )
            .await;
        assert_eq!(response.status(), 200);
        let judged: Value = response.json().await.unwrap();
        assert_eq!(judged["eligibility"], "ineligible");
        assert_eq!(judged["eligibility_reason"], "工作年限不足");
        let view = fetched(&app, &train, &format!("/api/v1/batches/{id}")).await;
        assert_eq!(
            view["occupations"][0]["registered_count"], 1,
            "ineligible do not count"
        );

        let response = app
            .post(
                &train,
                &format!("/api/v1/candidates/{a_id}/withdraw"),
                json!({ "reason": "本人申请" }),
            )
            .await;
        assert_eq!(response.status(), 200);
        let gone: Value = response.json().await.unwrap();
        assert!(gone["withdrawn_at"].is_string());
        problem(
            app.post(
                &train,
                &format!("/api/v1/candidates/{a_id}/withdraw"),
                json!({}),
            )
            .await,
            409,
            "INVALID_STATE",
        )
        .await;
        let view = fetched(&app, &train, &format!("/api/v1/batches/{id}")).await;
        assert_eq!(view["occupations"][0]["registered_count"], 0);
        let list = fetched(
            &app,
            &train,
            &format!("/api/v1/batches/{id}/candidates?withdrawn=false"),
        )
        .await;
        assert_eq!(list["total"], 1);

        let actions: Vec<String> = audit_event::Entity::find()
            .filter(audit_event::Column::EntityType.eq("candidate"))
            .order_by_asc(audit_event::Column::Seq)
            .all(&app.state.db.conn)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            actions,
            [
                "candidate.create",
                "candidate.create",
                "candidate.update",
                "candidate.eligibility",
                "candidate.withdraw"
            ]
        );
        app
    })
    .await;
}

#[actix_web::test]
async fn other_tenants_get_404_and_other_roles_403() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let batch =
            at_registration(&app, "train1", batch_body("supervised", "exam", 15, "4103")).await;
        let train = token(&app, "train1").await;
        let id = batch["id"].as_str().unwrap();
        let created = added(&app, &train, &batch, candidate_body("甲", &person(1), 5)).await;
        let cid = created["id"].as_str().unwrap();
        let other = token(&app, "train2").await;
        let inspector = token(&app, "inspector1").await;
        let sup = token(&app, "supervisor").await;

        // -- Exec & Check
        for t in [&other, &inspector] {
            problem(
                app.get(t, &format!("/api/v1/candidates/{cid}")).await,
                404,
                "NOT_FOUND",
            )
            .await;
            problem(
                app.get(t, &format!("/api/v1/batches/{id}/candidates"))
                    .await,
                404,
                "NOT_FOUND",
            )
            .await;
            problem(
                app.get(t, &format!("/api/v1/batches/{id}/warnings")).await,
                404,
                "NOT_FOUND",
            )
            .await;
        }
        problem(
            add_candidate(&app, &other, &batch, candidate_body("乙", &person(2), 5)).await,
            404,
            "NOT_FOUND",
        )
        .await;
        problem(
            app.patch(
                &other,
                &format!("/api/v1/candidates/{cid}"),
                json!({ "version": 1, "name": "改" }),
            )
            .await,
            404,
            "NOT_FOUND",
        )
        .await;
        problem(
            app.post(
                &other,
                &format!("/api/v1/candidates/{cid}/withdraw"),
                json!({}),
            )
            .await,
            404,
            "NOT_FOUND",
        )
        .await;
        problem(
            app.post(
                &other,
                &format!("/api/v1/candidates/{cid}/eligibility"),
                json!({ "eligible": true }),
            )
            .await,
            404,
            "NOT_FOUND",
        )
        .await;
        problem(
            add_candidate(&app, &sup, &batch, candidate_body("乙", &person(2), 5)).await,
            403,
            "FORBIDDEN",
        )
        .await;
        fetched(&app, &sup, &format!("/api/v1/candidates/{cid}")).await;

        let unchanged = candidate::Entity::find()
            .all(&app.state.db.conn)
            .await
            .unwrap();
        assert_eq!(unchanged.len(), 1);
        assert_eq!(unchanged[0].version, 1);
        assert_eq!(unchanged[0].name, "甲");
        app
    })
    .await;
}
