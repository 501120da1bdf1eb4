//! 双随机、一公开 through HTTP (SPEC §7): inspector affiliations, a draw's commitment published
//! before it runs and its seed only after, reproducibility and tamper detection (endpoint and
//! `skillcert verify-draw`'s function), conflict exclusion, refusals, roles, the inspector's
//! read-only view of assigned batches, reports with PDFs, and one social-training batch walked
//! from creation to the certificate decision with a draw and a report on the way.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::batches::{add_candidate, approve, create, state_of, submit, submit_ok};
use common::draws::{
    commit, draw_body, file_report, inspector, picks, public_get, report_form, run, run_ok,
    supervised_batch,
};
use common::fixtures::{attach, audit_count, token, user_id};
use common::ids::person;
use common::pdf::pdf;
use common::social::{arrangement, social_body};
use common::{TestApp, each_backend, problem, violation_fields};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use skillcert_domain::draw::{DrawInput, DrawResult, Seed, run_draw};
use skillcert_server::cli;
use skillcert_server::entities::{draw, inspection, inspection_file};
use uuid::Uuid;

// -- Setup & Fixtures

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

async fn json_of(response: reqwest::Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(actual, status, "{body}");
    body
}

async fn get_json(app: &TestApp, token: &str, path: &str) -> Value {
    json_of(app.get(token, path).await, 200).await
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_owned()
}

async fn draw_row(app: &TestApp, draw_id: &str) -> draw::Model {
    draw::Entity::find_by_id(draw_id.parse::<Uuid>().unwrap())
        .one(&app.state.db.conn)
        .await
        .unwrap()
        .unwrap()
}

/// Overwrites the stored published data of a draw with `row`'s (tampering, and restoring).
async fn store(app: &TestApp, row: &draw::Model) {
    let mut active: draw::ActiveModel = row.clone().into();
    active.pool_snapshot = Set(row.pool_snapshot.clone());
    active.result = Set(row.result.clone());
    active.seed = Set(row.seed.clone());
    active.update(&app.state.db.conn).await.unwrap();
}

async fn verify(app: &TestApp, draw_id: &str) -> Value {
    json_of(
        public_get(app, &format!("/api/v1/public/draws/{draw_id}/verify")).await,
        200,
    )
    .await
}

/// The inspections of `draw_id`, as the supervisor lists them.
async fn inspections_of(app: &TestApp, sup: &str, draw_id: &str) -> Vec<Value> {
    get_json(
        app,
        sup,
        &format!("/api/v1/inspections?draw_id={draw_id}&page_size=200"),
    )
    .await["items"]
        .as_array()
        .unwrap()
        .clone()
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

// -- Inspector affiliations

#[actix_web::test]
async fn the_admin_records_inspector_affiliations() {
    each_backend(|app| async move {
        // -- Setup
        let cast = app.cast().await;
        let admin = token(&app, "admin").await;
        let new = |role: &str, affiliations: Vec<Value>| {
            json!({
                "username": format!("new.{role}"), "display_name": "张督导", "role": role,
                "password": "Inspector@2026", "affiliated_institution_ids": affiliations,
            })
        };

        // -- Exec & Check: sorted, without repeats.
        let created = json_of(
            app.post(
                &admin,
                "/api/v1/admin/users",
                new(
                    "inspector",
                    vec![json!(cast.train2), json!(cast.train1), json!(cast.train2)],
                ),
            )
            .await,
            201,
        )
        .await;
        assert_eq!(
            created["affiliated_institution_ids"],
            json!(sorted(vec![
                cast.train1.to_string(),
                cast.train2.to_string()
            ]))
        );
        // Only inspectors have affiliations, and only with institutions that exist.
        let body = problem(
            app.post(
                &admin,
                "/api/v1/admin/users",
                new("supervisor", vec![json!(cast.train1)]),
            )
            .await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(violation_fields(&body), ["affiliated_institution_ids"]);
        let body = problem(
            app.post(
                &admin,
                "/api/v1/admin/users",
                new("inspector", vec![json!(Uuid::now_v7())]),
            )
            .await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(violation_fields(&body), ["affiliated_institution_ids[0]"]);

        // A patch replaces them; the list shows them.
        let user = id(&created);
        let patched = json_of(
            app.patch(
                &admin,
                &format!("/api/v1/admin/users/{user}"),
                json!({ "version": 1, "affiliated_institution_ids": [cast.employer] }),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(
            patched["affiliated_institution_ids"],
            json!([cast.employer])
        );
        let listed = get_json(&app, &admin, "/api/v1/admin/users?role=inspector").await;
        let row = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["id"] == user.as_str())
            .unwrap();
        assert_eq!(row["affiliated_institution_ids"], json!([cast.employer]));
        // Leaving the inspector role leaves them.
        let demoted = json_of(
            app.patch(
                &admin,
                &format!("/api/v1/admin/users/{user}"),
                json!({ "version": 2, "role": "supervisor" }),
            )
            .await,
            200,
        )
        .await;
        assert_eq!(demoted["affiliated_institution_ids"], json!([]));
        let fetched = get_json(&app, &admin, &format!("/api/v1/admin/users/{user}")).await;
        assert_eq!(fetched["affiliated_institution_ids"], json!([]));
        assert_eq!(audit_count(&app, "user.create").await, 1);
        assert_eq!(audit_count(&app, "user.update").await, 2);
        app
    })
    .await;
}

// -- Commitment, reveal, reproducibility

#[actix_web::test]
async fn the_commitment_is_published_before_the_run_and_the_seed_only_after() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        inspector(&app, "inspector2", &[]).await;
        let train1 = token(&app, "train1").await;
        for username in ["train1", "train1", "train2"] {
            supervised_batch(&app, username).await;
        }
        // Plan not approved yet: not under supervision, never in the pool.
        let fresh = create(&app, &train1, social_body("4103")).await;
        let sup = token(&app, "supervisor").await;

        // -- Exec: commit.
        let committed = commit(&app, &sup, draw_body("2026年第一季度现场督导抽查", 2, 1)).await;
        let draw_id = id(&committed);

        // -- Check: commitment and pool published, seed and result not.
        let commitment = committed["commitment"].as_str().unwrap().to_owned();
        assert_eq!(commitment.len(), 64);
        assert!(committed["seed"].is_null());
        assert!(committed["result"].is_null());
        assert_eq!(committed["results"], json!([]));
        assert_eq!(committed["pool_batches"], 3);
        assert_eq!(committed["pool_inspectors"], 2);
        let snapshot = committed["pool_snapshot"].as_str().unwrap().to_owned();
        assert_eq!(sha256_hex(snapshot.as_bytes()), committed["pool_digest"]);
        assert!(!snapshot.contains(fresh["id"].as_str().unwrap()));
        assert!(snapshot.starts_with(r#"{"batch_count":2,"batches":[{"batch_id":"#));
        let listed = json_of(public_get(&app, "/api/v1/public/draws").await, 200).await;
        assert_eq!(listed["total"], 1);
        assert_eq!(listed["items"][0]["commitment"], commitment.as_str());
        assert!(listed["items"][0]["seed"].is_null());
        assert_eq!(listed["items"][0]["results"], json!([]));
        let public = json_of(
            public_get(&app, &format!("/api/v1/public/draws/{draw_id}")).await,
            200,
        )
        .await;
        assert!(public["seed"].is_null() && public["result"].is_null());
        assert_eq!(public["pool_snapshot"], snapshot.as_str());
        assert!(!public.to_string().contains("seed_sealed"));
        problem(
            public_get(&app, &format!("/api/v1/public/draws/{draw_id}/verify")).await,
            409,
            "INVALID_STATE",
        )
        .await;
        assert!(matches!(
            cli::verify_draw(&app.state.db.conn, draw_id.parse().unwrap()).await,
            Err(message) if message.contains("not drawn")
        ));
        // At rest the seed is only sealed until the run.
        let row = draw_row(&app, &draw_id).await;
        assert!(row.seed.is_none());
        assert!(row.seed_sealed.as_deref().is_some_and(|s| s.len() > 64));

        // -- Exec: run.
        let drawn = run_ok(&app, &sup, &committed).await;

        // -- Check: the seed is the committed one; the result recomputes.
        let seed = drawn["seed"].as_str().unwrap().to_owned();
        assert_eq!(sha256_hex(seed.as_bytes()), commitment);
        assert_eq!(drawn["commitment"], commitment.as_str());
        assert_eq!(drawn["pool_snapshot"], snapshot.as_str());
        let result: DrawResult = serde_json::from_value(drawn["result"].clone()).unwrap();
        let input: DrawInput = serde_json::from_str(&snapshot).unwrap();
        assert_eq!(
            run_draw(&input, &Seed::parse(&seed).unwrap()).unwrap(),
            result
        );
        assert_eq!(result.picks.len(), 2);
        assert_eq!(result.pool_digest, committed["pool_digest"].as_str().unwrap());
        let row = draw_row(&app, &draw_id).await;
        assert!(row.seed_sealed.is_none());
        // One draw.published event for webhooks, with the seed and the picks.
        let events: Vec<_> = skillcert_server::entities::outbox_event::Entity::find()
            .all(&app.state.db.conn)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.event_type == "draw.published")
            .collect();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].payload["draw"]["seed"], seed.as_str());
        assert_eq!(events[0].payload["draw"]["picks"].as_array().unwrap().len(), 2);

        // The public sees the seed and the results with names, dates and mode.
        let listed = json_of(public_get(&app, "/api/v1/public/draws").await, 200).await;
        let item = &listed["items"][0];
        assert_eq!(item["seed"], seed.as_str());
        assert_eq!(item["status"], "drawn");
        for pick in item["results"].as_array().unwrap() {
            assert!(
                ["洛阳示范培训评价组织", "郑州示范培训评价组织"]
                    .contains(&pick["institution_name"].as_str().unwrap())
            );
            assert_eq!(pick["exam_start"], "2026-03-10");
            assert_eq!(pick["mode"], "on_site");
            assert_eq!(pick["mode_name"], "现场督导");
            assert_eq!(pick["inspectors"].as_array().unwrap().len(), 1);
            assert!(
                ["inspector1", "inspector2"]
                    .contains(&pick["inspectors"][0]["display_name"].as_str().unwrap())
            );
        }
        let verdict = verify(&app, &draw_id).await;
        assert_eq!(
            verdict,
            json!({ "commitment_ok": true, "pool_digest_ok": true, "result_ok": true, "matches": true })
        );
        let (matches, report) = cli::verify_draw(&app.state.db.conn, draw_id.parse().unwrap())
            .await
            .unwrap();
        assert!(matches, "{report}");

        // One inspection per pick and inspector, in the draw's mode.
        let assigned = inspections_of(&app, &sup, &draw_id).await;
        assert_eq!(assigned.len(), 2);
        for (pick, inspectors) in picks(&drawn) {
            let found = assigned
                .iter()
                .find(|i| i["batch_id"] == pick.as_str())
                .unwrap();
            assert_eq!(found["inspector_id"], inspectors[0].as_str());
            assert_eq!(found["status"], "assigned");
            assert_eq!(found["mode"], "on_site");
        }
        assert_eq!(drawn["inspections_assigned"], 2);

        // A draw runs once.
        problem(run(&app, &sup, &committed).await, 409, "INVALID_STATE").await;
        assert_eq!(audit_count(&app, "draw.commit").await, 1);
        assert_eq!(audit_count(&app, "draw.run").await, 1);
        app
    })
    .await;
}

#[actix_web::test]
async fn a_changed_snapshot_result_or_seed_fails_verification() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        inspector(&app, "inspector2", &[]).await;
        supervised_batch(&app, "train1").await;
        supervised_batch(&app, "train2").await;
        let sup = token(&app, "supervisor").await;
        let drawn = run_ok(
            &app,
            &sup,
            &commit(&app, &sup, draw_body("远程视频督导", 2, 2)).await,
        )
        .await;
        let draw_id = id(&drawn);
        let original = draw_row(&app, &draw_id).await;
        let conn = &app.state.db.conn;
        let id_of_draw: Uuid = draw_id.parse().unwrap();
        assert_eq!(verify(&app, &draw_id).await["matches"], true);

        // -- Exec & Check: an inspector swapped in the stored pool snapshot.
        let inspector2 = user_id(&app, "inspector2").await.to_string();
        assert!(original.pool_snapshot.contains(&inspector2));
        let mut changed = original.clone();
        changed.pool_snapshot = original
            .pool_snapshot
            .replace(&inspector2, &Uuid::from_u128(1).to_string());
        store(&app, &changed).await;
        let verdict = verify(&app, &draw_id).await;
        assert_eq!(
            verdict,
            json!({ "commitment_ok": true, "pool_digest_ok": false, "result_ok": false, "matches": false })
        );
        let (matches, report) = cli::verify_draw(conn, id_of_draw).await.unwrap();
        assert!(!matches);
        assert!(
            report.contains("MISMATCH") && report.contains("does NOT match"),
            "{report}"
        );

        // A forged result: inspectors reordered.
        let mut changed = original.clone();
        let mut result: DrawResult =
            serde_json::from_value(original.result.clone().unwrap()).unwrap();
        result.picks[0].inspector_ids.reverse();
        changed.result = Some(serde_json::to_value(result).unwrap());
        store(&app, &changed).await;
        let verdict = verify(&app, &draw_id).await;
        assert_eq!(
            verdict,
            json!({ "commitment_ok": true, "pool_digest_ok": true, "result_ok": false, "matches": false })
        );
        assert!(!cli::verify_draw(conn, id_of_draw).await.unwrap().0);

        // Another seed than the committed one.
        let mut changed = original.clone();
        changed.seed = Some("0".repeat(64));
        store(&app, &changed).await;
        let verdict = verify(&app, &draw_id).await;
        assert_eq!(verdict["commitment_ok"], false);
        assert_eq!(verdict["matches"], false);

        // Restored: matches again.
        store(&app, &original).await;
        assert_eq!(verify(&app, &draw_id).await["matches"], true);
        assert!(cli::verify_draw(conn, id_of_draw).await.unwrap().0);
        assert!(cli::verify_draw(conn, Uuid::now_v7()).await.is_err());
        app
    })
    .await;
}

// -- Conflicts

#[actix_web::test]
async fn affiliated_inspectors_and_last_draws_pairs_are_never_assigned() {
    each_backend(|app| async move {
        // -- Setup: a works for train1; b is free.
        let cast = app.cast().await;
        let a = inspector(&app, "insp.a", &[cast.train1]).await.to_string();
        let b = inspector(&app, "insp.b", &[]).await.to_string();
        let in_train1 = id(&supervised_batch(&app, "train1").await);
        let in_train2 = id(&supervised_batch(&app, "train2").await);
        let sup = token(&app, "supervisor").await;
        let body = || {
            let mut body = draw_body("冲突回避", 5, 2);
            body["inspector_ids"] = json!([a, b]);
            body
        };
        let assigned = |draw: &Value, batch: &str| -> (Vec<String>, u64) {
            let pick = draw["result"]["picks"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["batch_id"] == batch)
                .unwrap()
                .clone();
            let ids = pick["inspector_ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_str().unwrap().to_owned())
                .collect();
            (sorted(ids), pick["shortfall"].as_u64().unwrap())
        };

        let pool = get_json(&app, &sup, "/api/v1/inspectors").await;
        let listed_a = pool["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == a.as_str())
            .unwrap();
        assert_eq!(listed_a["affiliated_institution_ids"], json!([cast.train1]));
        assert_eq!(
            listed_a["affiliated_institution_names"],
            json!(["洛阳示范培训评价组织"])
        );

        // -- Exec & Check: the affiliated inspector never goes to train1.
        let first = run_ok(&app, &sup, &commit(&app, &sup, body()).await).await;
        assert!(first["previous_draw_id"].is_null());
        assert_eq!(assigned(&first, &in_train1), (vec![b.clone()], 1));
        assert_eq!(
            assigned(&first, &in_train2),
            (sorted(vec![a.clone(), b.clone()]), 0)
        );
        let published = &first["results"].as_array().unwrap();
        let to_train1 = published
            .iter()
            .find(|p| p["batch_id"] == in_train1.as_str())
            .unwrap();
        assert_eq!(to_train1["shortfall"], 1);
        assert_eq!(to_train1["inspectors"][0]["display_name"], "insp.b");

        // The next draw excludes the last draw's pairs: nobody is left for either batch.
        let second = commit(&app, &sup, body()).await;
        assert_eq!(second["previous_draw_id"], first["id"]);
        let pairs: Vec<(String, String)> = second["pool"]["previous_assignments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["inspector_id"].as_str().unwrap().to_owned(),
                    p["institution_id"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        let mut expected = vec![
            (a.clone(), cast.train2.to_string()),
            (b.clone(), cast.train1.to_string()),
            (b.clone(), cast.train2.to_string()),
        ];
        expected.sort();
        assert_eq!(pairs, expected);
        let second = run_ok(&app, &sup, &second).await;
        assert_eq!(assigned(&second, &in_train1), (vec![], 2));
        assert_eq!(assigned(&second, &in_train2), (vec![], 2));
        assert!(inspections_of(&app, &sup, &id(&second)).await.is_empty());
        assert_eq!(verify(&app, &id(&second)).await["matches"], true);

        // Only the last draw counts: the one after that may send them again.
        let third = run_ok(&app, &sup, &commit(&app, &sup, body()).await).await;
        assert_eq!(third["previous_draw_id"], second["id"]);
        assert_eq!(assigned(&third, &in_train1), (vec![b.clone()], 1));
        assert_eq!(assigned(&third, &in_train2).0.len(), 2);
        app
    })
    .await;
}

// -- Refusals and roles

#[actix_web::test]
async fn bad_draws_are_refused_with_every_violation_and_nothing_is_stored() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        supervised_batch(&app, "train1").await;
        let sup = token(&app, "supervisor").await;
        let supervisor_id = user_id(&app, "supervisor").await;
        let inspector1 = user_id(&app, "inspector1").await;

        // -- Exec & Check
        let body = problem(
            app.post(
                &sup,
                "/api/v1/draws",
                json!({ "title": " ", "mode": "by_phone", "batch_count": 0, "inspectors_per_batch": 0 }),
            )
            .await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(
            violation_fields(&body),
            ["title", "mode", "batch_count", "inspectors_per_batch"]
        );
        let mut unknown = draw_body("未知人员", 1, 1);
        unknown["inspector_ids"] = json!([Uuid::now_v7(), supervisor_id, inspector1, inspector1]);
        let body = problem(app.post(&sup, "/api/v1/draws", unknown).await, 422, "VALIDATION").await;
        assert_eq!(
            violation_fields(&body),
            ["inspector_ids[0]", "inspector_ids[1]", "inspector_ids[3]"]
        );
        let mut nobody = draw_body("无人", 1, 1);
        nobody["inspector_ids"] = json!([]);
        let body = problem(app.post(&sup, "/api/v1/draws", nobody).await, 422, "VALIDATION").await;
        assert_eq!(violation_fields(&body), ["inspector_ids"]);
        // An empty batch pool (no batch in 郑州), and malformed filters.
        let mut empty = draw_body("空池", 1, 1);
        empty["batch_filter"] = json!({ "region": "4101" });
        let body = problem(app.post(&sup, "/api/v1/draws", empty).await, 422, "VALIDATION").await;
        assert_eq!(violation_fields(&body), ["batch_filter"]);
        let mut bad = draw_body("坏筛选", 1, 1);
        bad["batch_filter"] = json!({
            "kind": "school", "region": "9999", "exam_from": "2026-04-01", "exam_to": "2026-03-01",
            "step": "nope",
        });
        let body = problem(app.post(&sup, "/api/v1/draws", bad).await, 422, "VALIDATION").await;
        assert_eq!(
            violation_fields(&body),
            [
                "batch_filter.kind",
                "batch_filter.region",
                "batch_filter.exam_to",
                "batch_filter.step",
                "batch_filter"
            ]
        );
        // The arrangement step is not open yet (registration is): filtered out.
        let mut step = draw_body("考务安排环节", 1, 1);
        step["batch_filter"] = json!({ "step": "arrangement" });
        let body = problem(app.post(&sup, "/api/v1/draws", step).await, 422, "VALIDATION").await;
        assert_eq!(violation_fields(&body), ["batch_filter"]);
        let mut extra = draw_body("多余字段", 1, 1);
        extra["seed"] = json!("0".repeat(64));
        problem(app.post(&sup, "/api/v1/draws", extra).await, 422, "VALIDATION").await;

        assert_eq!(draw::Entity::find().count(&app.state.db.conn).await.unwrap(), 0);
        assert_eq!(audit_count(&app, "draw.commit").await, 0);

        // The filters that do match: 洛阳, social training, March, supervision open.
        let mut good = draw_body("筛选", 1, 1);
        good["batch_filter"] = json!({
            "kind": "social_training", "region": "4103", "exam_from": "2026-03-11",
            "exam_to": "2026-03-31", "step": "supervision",
        });
        let committed = commit(&app, &sup, good).await;
        assert_eq!(committed["pool_batches"], 1);
        assert_eq!(committed["batch_filter"]["region"], "4103");
        // Exams 03-10/11 do not overlap 03-12…: an empty pool.
        let mut later = draw_body("四月", 1, 1);
        later["batch_filter"] = json!({ "exam_from": "2026-03-12" });
        problem(app.post(&sup, "/api/v1/draws", later).await, 422, "VALIDATION").await;
        app
    })
    .await;
}

#[actix_web::test]
async fn only_supervisors_create_run_and_list_draws() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        supervised_batch(&app, "train1").await;
        let sup = token(&app, "supervisor").await;
        let committed = commit(&app, &sup, draw_body("权限", 1, 1)).await;
        let draw_id = id(&committed);

        // -- Exec & Check
        for username in ["train1", "inspector1", "info", "admin"] {
            let t = token(&app, username).await;
            problem(
                app.post(&t, "/api/v1/draws", draw_body("越权", 1, 1)).await,
                403,
                "FORBIDDEN",
            )
            .await;
            problem(run(&app, &t, &committed).await, 403, "FORBIDDEN").await;
            problem(app.get(&t, "/api/v1/draws").await, 403, "FORBIDDEN").await;
            problem(
                app.get(&t, &format!("/api/v1/draws/{draw_id}")).await,
                403,
                "FORBIDDEN",
            )
            .await;
        }
        let anonymous = app
            .client
            .post(app.url("/api/v1/draws"))
            .json(&draw_body("匿名", 1, 1))
            .send()
            .await
            .unwrap();
        problem(anonymous, 401, "UNAUTHORIZED").await;
        assert_eq!(draw_row(&app, &draw_id).await.status, "committed");
        let missing = Uuid::now_v7();
        problem(
            app.get(&sup, &format!("/api/v1/draws/{missing}")).await,
            404,
            "NOT_FOUND",
        )
        .await;
        problem(
            app.post(&sup, &format!("/api/v1/draws/{missing}/run"), json!({}))
                .await,
            404,
            "NOT_FOUND",
        )
        .await;
        problem(
            public_get(&app, &format!("/api/v1/public/draws/{missing}")).await,
            404,
            "NOT_FOUND",
        )
        .await;
        for username in ["train1", "inspector1"] {
            let t = token(&app, username).await;
            problem(app.get(&t, "/api/v1/inspectors").await, 403, "FORBIDDEN").await;
        }
        let own = get_json(&app, &sup, &format!("/api/v1/draws/{draw_id}")).await;
        assert_eq!(own["batch_filter"]["kind"], Value::Null);
        assert!(own["seed"].is_null());
        assert_eq!(get_json(&app, &sup, "/api/v1/draws").await["total"], 1);
        // The supervisor's own copy is idempotent under a key.
        let keyed = |title: &str| {
            app.client
                .post(app.url("/api/v1/draws"))
                .bearer_auth(&sup)
                .header("Idempotency-Key", "draw-2026-q2")
                .json(&draw_body(title, 1, 1))
                .send()
        };
        let first = json_of(keyed("二季度").await.unwrap(), 201).await;
        let again = json_of(keyed("二季度").await.unwrap(), 201).await;
        assert_eq!(first["id"], again["id"]);
        assert_eq!(first["commitment"], again["commitment"]);
        assert_eq!(
            draw::Entity::find()
                .count(&app.state.db.conn)
                .await
                .unwrap(),
            2
        );
        app
    })
    .await;
}

// -- Inspections: who sees what

#[actix_web::test]
async fn an_inspector_reads_only_assigned_batches_and_own_inspections() {
    each_backend(|app| async move {
        // -- Setup: affiliations steer inspector1 to train1's batch and inspector2 to train2's.
        let cast = app.cast().await;
        let inspector1 = user_id(&app, "inspector1").await;
        common::draws::inspector(&app, "inspector2", &[cast.train1]).await;
        sea_orm::EntityTrait::insert(
            skillcert_server::entities::inspector_affiliation::ActiveModel {
                inspector_id: Set(inspector1),
                institution_id: Set(cast.train2),
            },
        )
        .exec(&app.state.db.conn)
        .await
        .unwrap();
        let mine = supervised_batch(&app, "train1").await;
        let theirs = supervised_batch(&app, "train2").await;
        let (mine_id, theirs_id) = (id(&mine), id(&theirs));
        let train1 = token(&app, "train1").await;
        let upload = app
            .client
            .post(app.url(&format!("/api/v1/batches/{mine_id}/materials")))
            .bearer_auth(&train1)
            .multipart(
                reqwest::multipart::Form::new()
                    .text("kind", "eligibility_commitment")
                    .part(
                        "file",
                        reqwest::multipart::Part::bytes(pdf("commitment"))
                            .file_name("承诺书.pdf")
                            .mime_str("application/pdf")
                            .unwrap(),
                    ),
            )
            .send()
            .await
            .unwrap();
        let material = json_of(upload, 201).await;
        let sup = token(&app, "supervisor").await;
        let drawn = run_ok(
            &app,
            &sup,
            &commit(&app, &sup, draw_body("分配", 2, 1)).await,
        )
        .await;
        let assigned = inspections_of(&app, &sup, &id(&drawn)).await;
        let of = |batch: &str| id(assigned.iter().find(|i| i["batch_id"] == batch).unwrap());
        let (my_inspection, their_inspection) = (of(&mine_id), of(&theirs_id));
        let insp1 = token(&app, "inspector1").await;
        let insp2 = token(&app, "inspector2").await;

        // -- Exec & Check: inspector1 reads the assigned batch, read only.
        let own = get_json(&app, &insp1, "/api/v1/inspections").await;
        assert_eq!(own["total"], 1);
        assert_eq!(own["items"][0]["batch_id"], mine_id.as_str());
        assert_eq!(own["items"][0]["institution_name"], "洛阳示范培训评价组织");
        let batches = get_json(&app, &insp1, "/api/v1/batches").await;
        assert_eq!(batches["total"], 1);
        assert_eq!(batches["items"][0]["id"], mine_id.as_str());
        for path in [
            format!("/api/v1/batches/{mine_id}"),
            format!("/api/v1/batches/{mine_id}/checklist"),
            format!("/api/v1/batches/{mine_id}/arrangement"),
            format!("/api/v1/batches/{mine_id}/inspections"),
        ] {
            assert_eq!(app.get(&insp1, &path).await.status(), 200, "{path}");
        }
        let materials = get_json(
            &app,
            &insp1,
            &format!("/api/v1/batches/{mine_id}/materials"),
        )
        .await;
        assert!(
            materials["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["id"] == material["id"])
        );
        let content = app
            .get(
                &insp1,
                &format!("/api/v1/materials/{}/content", id(&material)),
            )
            .await;
        assert_eq!(content.status(), 200);
        assert_eq!(content.bytes().await.unwrap().to_vec(), pdf("commitment"));
        // Not the candidates, and nothing that writes.
        for path in [
            format!("/api/v1/batches/{mine_id}/candidates"),
            format!("/api/v1/batches/{mine_id}/results"),
        ] {
            problem(app.get(&insp1, &path).await, 404, "NOT_FOUND").await;
        }
        problem(
            app.patch(
                &insp1,
                &format!("/api/v1/batches/{mine_id}"),
                json!({ "version": 1, "venue": "别处" }),
            )
            .await,
            403,
            "FORBIDDEN",
        )
        .await;
        problem(
            submit(&app, &insp1, &mine, "registration").await,
            403,
            "FORBIDDEN",
        )
        .await;
        problem(
            app.put(
                &insp1,
                &format!("/api/v1/batches/{mine_id}/arrangement"),
                arrangement("洛阳职业技能实训基地", "2026-03-10"),
            )
            .await,
            403,
            "FORBIDDEN",
        )
        .await;
        // Another inspector's batch and inspection are 404.
        for path in [
            format!("/api/v1/batches/{theirs_id}"),
            format!("/api/v1/batches/{theirs_id}/checklist"),
            format!("/api/v1/batches/{theirs_id}/arrangement"),
            format!("/api/v1/batches/{theirs_id}/materials"),
            format!("/api/v1/batches/{theirs_id}/inspections"),
            format!("/api/v1/inspections/{their_inspection}"),
        ] {
            problem(app.get(&insp1, &path).await, 404, "NOT_FOUND").await;
        }
        problem(
            app.get(&insp2, &format!("/api/v1/batches/{mine_id}")).await,
            404,
            "NOT_FOUND",
        )
        .await;
        problem(
            app.get(
                &insp2,
                &format!("/api/v1/materials/{}/content", id(&material)),
            )
            .await,
            404,
            "NOT_FOUND",
        )
        .await;
        let form = report_form("good", "越权", vec![("r.pdf", pdf("r"))]);
        problem(
            file_report(&app, &insp2, &my_inspection, form).await,
            404,
            "NOT_FOUND",
        )
        .await;

        // The institution sees its own batches' inspections, read only; other roles none.
        let by_train1 = get_json(&app, &train1, "/api/v1/inspections").await;
        assert_eq!(by_train1["total"], 1);
        assert_eq!(by_train1["items"][0]["id"], my_inspection.as_str());
        problem(
            app.get(&train1, &format!("/api/v1/inspections/{their_inspection}"))
                .await,
            404,
            "NOT_FOUND",
        )
        .await;
        let form = report_form("good", "机构自评", vec![("r.pdf", pdf("r"))]);
        problem(
            file_report(&app, &train1, &my_inspection, form).await,
            403,
            "FORBIDDEN",
        )
        .await;
        let info = token(&app, "info").await;
        problem(
            app.get(&info, "/api/v1/inspections").await,
            403,
            "FORBIDDEN",
        )
        .await;
        // Supervisors filter them.
        let by_batch = get_json(
            &app,
            &sup,
            &format!("/api/v1/inspections?batch_id={mine_id}"),
        )
        .await;
        assert_eq!(by_batch["total"], 1);
        let reported = get_json(&app, &sup, "/api/v1/inspections?status=reported").await;
        assert_eq!(reported["total"], 0);
        problem(
            app.get(&sup, "/api/v1/inspections?status=done").await,
            422,
            "VALIDATION",
        )
        .await;
        app
    })
    .await;
}

#[actix_web::test]
async fn a_report_is_filed_once_with_checked_pdfs() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let batch = supervised_batch(&app, "train1").await;
        let batch_id = id(&batch);
        let sup = token(&app, "supervisor").await;
        let inspector1 = user_id(&app, "inspector1").await;
        let mut body = draw_body("抽查", 1, 1);
        body["mode"] = json!("spot_check");
        body["inspector_ids"] = json!([inspector1]);
        let drawn = run_ok(&app, &sup, &commit(&app, &sup, body).await).await;
        let inspection_id = id(&inspections_of(&app, &sup, &id(&drawn)).await[0]);
        let insp = token(&app, "inspector1").await;

        // -- Exec & Check: every missing part at once; nothing stored.
        let body = problem(
            file_report(
                &app,
                &insp,
                &inspection_id,
                report_form("great", "   ", vec![]),
            )
            .await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(violation_fields(&body), ["rating", "findings", "file"]);
        let html = b"<html><body>not a pdf</body></html>".to_vec();
        problem(
            file_report(
                &app,
                &insp,
                &inspection_id,
                report_form("good", "考场秩序良好", vec![("report.pdf", html)]),
            )
            .await,
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        )
        .await;
        let not_multipart = app
            .post(
                &insp,
                &format!("/api/v1/inspections/{inspection_id}/report"),
                json!({ "rating": "good", "findings": "x" }),
            )
            .await;
        problem(not_multipart, 415, "UNSUPPORTED_MEDIA_TYPE").await;
        let unchanged =
            get_json(&app, &insp, &format!("/api/v1/inspections/{inspection_id}")).await;
        assert_eq!(unchanged["status"], "assigned");
        assert_eq!(
            inspection_file::Entity::find()
                .count(&app.state.db.conn)
                .await
                .unwrap(),
            0
        );
        problem(
            file_report(
                &app,
                &sup,
                &inspection_id,
                report_form("good", "督导部代填", vec![("r.pdf", pdf("r"))]),
            )
            .await,
            403,
            "FORBIDDEN",
        )
        .await;

        // Filed: rating, findings and both PDFs.
        let filed = json_of(
            file_report(
                &app,
                &insp,
                &inspection_id,
                report_form(
                    "acceptable",
                    "  考场秩序基本良好；第二考场监考人员迟到10分钟。  ",
                    vec![
                        ("督导报告.pdf", pdf("report")),
                        ("现场照片.pdf", pdf("photos")),
                    ],
                ),
            )
            .await,
            201,
        )
        .await;
        assert_eq!(filed["status"], "reported");
        assert_eq!(filed["rating"], "acceptable");
        assert_eq!(filed["rating_name"], "合格");
        assert_eq!(filed["mode"], "spot_check");
        assert_eq!(
            filed["findings"],
            "考场秩序基本良好；第二考场监考人员迟到10分钟。"
        );
        let files = filed["files"].as_array().unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0]["file_name"], "督导报告.pdf");
        assert_eq!(files[0]["sha256"], sha256_hex(&pdf("report")));
        let content = app
            .get(
                &insp,
                &format!(
                    "/api/v1/inspections/{inspection_id}/files/{}/content",
                    id(&files[1])
                ),
            )
            .await;
        assert_eq!(content.status(), 200);
        assert_eq!(content.headers()["content-type"], "application/pdf");
        assert_eq!(content.bytes().await.unwrap().to_vec(), pdf("photos"));
        let train1 = token(&app, "train1").await;
        let by_owner = app
            .get(
                &train1,
                &format!(
                    "/api/v1/inspections/{inspection_id}/files/{}/content",
                    id(&files[0])
                ),
            )
            .await;
        assert_eq!(by_owner.status(), 200);

        // Immutable: a second report is refused, the first one stays.
        problem(
            file_report(
                &app,
                &insp,
                &inspection_id,
                report_form("poor", "改口", vec![("r.pdf", pdf("again"))]),
            )
            .await,
            409,
            "INVALID_STATE",
        )
        .await;
        // The reviewer of the batch reads it.
        let for_review = get_json(
            &app,
            &sup,
            &format!("/api/v1/batches/{batch_id}/inspections"),
        )
        .await;
        assert_eq!(for_review["total"], 1);
        assert_eq!(for_review["items"][0]["rating"], "acceptable");
        assert_eq!(for_review["items"][0]["files"].as_array().unwrap().len(), 2);
        let row = inspection::Entity::find_by_id(inspection_id.parse::<Uuid>().unwrap())
            .one(&app.state.db.conn)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.rating.as_deref(), Some("acceptable"));
        assert_eq!(audit_count(&app, "inspection.report").await, 1);
        app
    })
    .await;
}

// -- The whole walk

#[actix_web::test]
async fn a_social_training_batch_walks_from_creation_to_certificate_with_a_draw_and_a_report() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let (train, sup) = (token(&app, "train1").await, token(&app, "supervisor").await);

        // -- 1 plan
        let batch = create(&app, &train, social_body("4103")).await;
        let batch_id = id(&batch);
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
        submit_ok(&app, &train, &batch, "plan").await;
        let batch = approve(&app, &sup, &batch, "plan").await;
        assert_eq!(state_of(&batch, "supervision"), "draft");

        // -- 2 registration: two candidates, reviewed.
        for (n, level) in [(1, 5), (2, 4)] {
            let response = add_candidate(
                &app,
                &train,
                &batch,
                json!({
                    "name": format!("考生{n}"), "id_number": person(n), "phone": "13800000000",
                    "occupation_code": "6-31-01-03", "level": level, "education": "高中",
                    "work_years": 12,
                }),
            )
            .await;
            assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
        }
        submit_ok(&app, &train, &batch, "registration").await;
        let batch = approve(&app, &sup, &batch, "registration").await;

        // -- 3 arrangement
        json_of(
            app.put(
                &train,
                &format!("/api/v1/batches/{batch_id}/arrangement"),
                arrangement("洛阳职业技能实训基地", "2026-03-10"),
            )
            .await,
            200,
        )
        .await;
        submit_ok(&app, &train, &batch, "arrangement").await;
        let batch = approve(&app, &sup, &batch, "arrangement").await;

        // -- 4 supervision: a draw over 洛阳's social-training batches in March picks it.
        let mut body = draw_body("2026年3月洛阳社会培训评价组织现场督导", 1, 1);
        body["batch_filter"] = json!({
            "kind": "social_training", "region": "4103", "exam_from": "2026-03-01",
            "exam_to": "2026-03-31", "step": "supervision",
        });
        let committed = commit(&app, &sup, body).await;
        assert_eq!(committed["pool_batches"], 1);
        let drawn = run_ok(&app, &sup, &committed).await;
        assert_eq!(picks(&drawn)[0].0, batch_id);
        let inspector1 = user_id(&app, "inspector1").await.to_string();
        assert_eq!(picks(&drawn)[0].1, vec![inspector1]);
        assert_eq!(verify(&app, &id(&drawn)).await["matches"], true);
        let public = json_of(public_get(&app, "/api/v1/public/draws").await, 200).await;
        assert_eq!(
            public["items"][0]["results"][0]["institution_name"],
            "洛阳示范培训评价组织"
        );

        // On the exam day the inspector reads the arrangement and files the report.
        app.set_now("2026-03-10T06:00:00Z");
        let insp = token(&app, "inspector1").await;
        let arranged = get_json(
            &app,
            &insp,
            &format!("/api/v1/batches/{batch_id}/arrangement"),
        )
        .await;
        assert_eq!(arranged["sessions"].as_array().unwrap().len(), 2);
        let mine = get_json(&app, &insp, "/api/v1/inspections").await;
        let inspection_id = id(&mine["items"][0]);
        json_of(
            file_report(
                &app,
                &insp,
                &inspection_id,
                report_form(
                    "good",
                    "理论考试按计划在线机考，考场秩序良好，身份核验规范。",
                    vec![("现场督导报告.pdf", pdf("on-site"))],
                ),
            )
            .await,
            201,
        )
        .await;

        // -- 5 results and certificate
        app.set_now("2026-03-12T02:00:00Z");
        let (train, sup) = (token(&app, "train1").await, token(&app, "supervisor").await);
        let candidates = get_json(
            &app,
            &train,
            &format!("/api/v1/batches/{batch_id}/candidates"),
        )
        .await;
        let results: Vec<Value> = candidates["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| json!({ "candidate_id": c["id"], "theory": 82, "skill": 76 }))
            .collect();
        assert_eq!(results.len(), 2);
        json_of(
            app.put(
                &train,
                &format!("/api/v1/batches/{batch_id}/results"),
                json!({ "results": results }),
            )
            .await,
            200,
        )
        .await;
        attach(&app, &batch, &["internal_qa_report"]).await;
        let batch = submit_ok(&app, &train, &batch, "certificate").await;
        assert_eq!(state_of(&batch, "certificate"), "submitted");
        // The certificate reviewer sees the inspection's findings.
        let findings = get_json(
            &app,
            &sup,
            &format!("/api/v1/batches/{batch_id}/inspections"),
        )
        .await;
        assert_eq!(findings["items"][0]["status"], "reported");
        assert_eq!(findings["items"][0]["rating_name"], "良好");
        assert!(
            findings["items"][0]["findings"]
                .as_str()
                .unwrap()
                .contains("考场秩序良好")
        );
        let batch = approve(&app, &sup, &batch, "certificate").await;
        assert_eq!(state_of(&batch, "supervision"), "approved");
        assert_eq!(batch["status"], "issuing");
        // Supervision is over: the batch is in no later pool.
        problem(
            app.post(&sup, "/api/v1/draws", draw_body("之后", 1, 1))
                .await,
            422,
            "VALIDATION",
        )
        .await;
        app
    })
    .await;
}

// -- A self module's 证书数据审核 decided by a drawn on-site check

#[actix_web::test]
async fn a_data_audit_is_decided_by_document_review_or_a_drawn_on_site_check() {
    each_backend(|app| async move {
        // -- Setup: an employer's self-assessed batch with its data audit in the queue
        let cast = app.cast().await;
        common::fixtures::annual_plan(&app, cast.employer, 2026).await;
        let emp = token(&app, "emp1").await;
        let batch = create(
            &app,
            &emp,
            common::batches::batch_body("self", "direct", 20, "4101"),
        )
        .await;
        submit_ok(&app, &emp, &batch, "registration").await;
        attach(&app, &batch, &common::batches::SELF_MATERIALS).await;
        app.set_now("2026-03-12T01:00:00Z");
        let (emp, sup) = (token(&app, "emp1").await, token(&app, "supervisor").await);
        let batch = submit_ok(&app, &emp, &batch, "materials").await;
        assert_eq!(state_of(&batch, "data_audit"), "submitted");
        let batch_id = id(&batch);
        let decide = |body: Value| {
            let (app, sup, batch_id) = (&app, sup.clone(), batch_id.clone());
            async move {
                app.post(
                    &sup,
                    &format!("/api/v1/batches/{batch_id}/steps/data_audit/decision"),
                    body,
                )
                .await
            }
        };

        // -- Exec & Check: an on-site check needs a drawn inspection with a filed report
        let body = problem(
            decide(json!({ "decision": "approve", "audit_method": "on_site_check" })).await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(violation_fields(&body), vec!["audit_method"]);
        let body = problem(
            decide(json!({ "decision": "approve", "audit_method": "phone_call" })).await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(violation_fields(&body), vec!["audit_method"]);
        problem(
            decide(json!({
                "decision": "return", "audit_method": "document_review",
                "reasons": [{ "code": "other", "message": "材料不清晰" }],
            }))
            .await,
            422,
            "VALIDATION",
        )
        .await;

        // The supervisors draw among the batches waiting for their data audit.
        let mut body = draw_body("证书数据审核现场抽查", 1, 1);
        body["batch_filter"] = json!({ "step": "data_audit" });
        let draw = commit(&app, &sup, body).await;
        let draw = run_ok(&app, &sup, &draw).await;
        assert_eq!(picks(&draw)[0].0, batch_id);
        let assigned = inspections_of(&app, &sup, &id(&draw)).await;
        assert_eq!(assigned.len(), 1);
        let inspector_id = assigned[0]["inspector_id"].as_str().unwrap();
        let username = if inspector_id == user_id(&app, "inspector1").await.to_string() {
            "inspector1"
        } else {
            "inspector2"
        };
        let inspector = token(&app, username).await;
        let filed = file_report(
            &app,
            &inspector,
            assigned[0]["id"].as_str().unwrap(),
            report_form("good", "现场核对花名册与成绩，一致", vec![("现场.pdf", pdf("on-site"))]),
        )
        .await;
        assert_eq!(filed.status(), 201);

        let response = decide(json!({ "decision": "approve", "audit_method": "on_site_check", "comment": "现场抽查无异常" })).await;
        assert_eq!(response.status(), 200);
        let decided: Value = response.json().await.unwrap();
        assert_eq!(decided["status"], "issuing");
        let row = skillcert_server::entities::step_decision::Entity::find()
            .all(&app.state.db.conn)
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.step == "data_audit" && d.decision == "approve")
            .unwrap();
        assert_eq!(row.audit_method.as_deref(), Some("on_site_check"));
        app
    })
    .await;
}
