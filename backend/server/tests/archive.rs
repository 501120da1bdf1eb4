//! Batch archives through HTTP (issue 7): a completed batch sealed into a zip whose
//! `MANIFEST.sha256` holds for every file (checked in Rust and by `sha256sum -c` where it
//! exists), whose certificate list matches the database, with materials, decisions, audit events
//! and inspection reports; the batch read only afterwards (several endpoints answer 409
//! `BATCH_ARCHIVED`) except certificate revocation, which leaves the zip as it was; who may
//! download it; and the idempotent certificate issuance.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;

use bytes::Bytes;
use common::certificates::{AFTER_EXAMS, at_certificate, to_issuance};
use common::fixtures::{annual_plan, audit_count, token, user_id};
use common::pdf::pdf;
use common::{TestApp, each_backend, problem};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    sea_query::Expr,
};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use skillcert_server::entities::{
    audit_event, candidate, certificate, draw, inspection, inspection_file, material,
};
use skillcert_server::storage::{self, Blob};
use uuid::Uuid;

// -- Setup & Fixtures

fn id_of(batch: &Value) -> &str {
    batch["id"].as_str().unwrap()
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Gives every material row of the batch (the fixtures write them without content) a real PDF
/// in the store.
async fn store_material_files(app: &TestApp, batch_id: Uuid) {
    let conn = &app.state.db.conn;
    for row in material::Entity::find()
        .filter(material::Column::BatchId.eq(batch_id))
        .all(conn)
        .await
        .unwrap()
    {
        let blob = Blob::new(Bytes::from(pdf(&row.kind)));
        storage::put(&*app.state.storage, &blob).await.unwrap();
        material::Entity::update_many()
            .col_expr(material::Column::Sha256, Expr::value(blob.sha256()))
            .col_expr(material::Column::Size, Expr::value(blob.size() as i64))
            .filter(material::Column::Id.eq(row.id))
            .exec(conn)
            .await
            .unwrap();
    }
}

/// An inspection of the batch by `inspector1`, reported with one PDF (written directly: a draw
/// needs a pool of batches, tests/draws.rs walks it).
async fn reported_inspection(app: &TestApp, batch: &Value) -> (Uuid, String) {
    let conn = &app.state.db.conn;
    let now = app.state.clock.now();
    let supervisor = user_id(app, "supervisor").await;
    let inspector = user_id(app, "inspector1").await;
    let draw_id = Uuid::now_v7();
    draw::Entity::insert(draw::ActiveModel {
        id: Set(draw_id),
        title: Set("2026年第一次抽查".to_owned()),
        mode: Set("on_site".to_owned()),
        status: Set("drawn".to_owned()),
        batch_filter: Set(json!({})),
        batch_count: Set(1),
        inspectors_per_batch: Set(1),
        pool_snapshot: Set("{}".to_owned()),
        pool_digest: Set("0".repeat(64)),
        pool_labels: Set(json!({})),
        previous_draw_id: Set(None),
        commitment: Set("0".repeat(64)),
        seed_sealed: Set(None),
        seed: Set(Some("seed".to_owned())),
        result: Set(Some(json!({}))),
        created_by: Set(supervisor),
        committed_at: Set(now),
        drawn_by: Set(Some(supervisor)),
        drawn_at: Set(Some(now)),
        version: Set(1),
    })
    .exec(conn)
    .await
    .unwrap();
    let inspection_id = Uuid::now_v7();
    inspection::Entity::insert(inspection::ActiveModel {
        id: Set(inspection_id),
        draw_id: Set(draw_id),
        batch_id: Set(id_of(batch).parse().unwrap()),
        institution_id: Set(batch["institution_id"].as_str().unwrap().parse().unwrap()),
        inspector_id: Set(inspector),
        mode: Set("on_site".to_owned()),
        status: Set("reported".to_owned()),
        rating: Set(Some("good".to_owned())),
        findings: Set(Some("考场秩序良好".to_owned())),
        reported_at: Set(Some(now)),
        created_at: Set(now),
    })
    .exec(conn)
    .await
    .unwrap();
    let blob = Blob::new(Bytes::from(pdf("督导报告")));
    storage::put(&*app.state.storage, &blob).await.unwrap();
    inspection_file::Entity::insert(inspection_file::ActiveModel {
        id: Set(Uuid::now_v7()),
        inspection_id: Set(inspection_id),
        file_name: Set("督导报告.pdf".to_owned()),
        sha256: Set(blob.sha256().to_owned()),
        size: Set(blob.size() as i64),
        uploaded_at: Set(now),
    })
    .exec(conn)
    .await
    .unwrap();
    (inspection_id, blob.sha256().to_owned())
}

/// An employer batch (emp1) whose 3 candidates sat the exams, 2 passed: issued and published,
/// so `completed`, with real material files and an inspection report.
async fn completed_batch(app: &TestApp) -> (Value, Vec<Uuid>) {
    let cast = app.cast().await;
    annual_plan(app, cast.employer, 2026).await;
    let (batch, ids) = at_certificate(app, 1, 3).await;
    app.set_now(AFTER_EXAMS);
    let batch = to_issuance(app, &batch, &ids[..2], &ids[2..]).await;
    store_material_files(app, id_of(&batch).parse().unwrap()).await;
    reported_inspection(app, &batch).await;
    let info = token(app, "info").await;
    let response = issue(app, &info, &batch, None).await;
    assert_eq!(response.status(), 201);
    // Not yet: issued but not published.
    problem(
        archive(app, &info, &batch).await,
        409,
        "BATCH_NOT_COMPLETED",
    )
    .await;
    let response = app
        .post(
            &info,
            &format!("/api/v1/batches/{}/certificates/publish", id_of(&batch)),
            json!({}),
        )
        .await;
    let published: Value = response.json().await.unwrap();
    assert_eq!(published["batch_status"], "completed", "{published}");
    (get_batch(app, &info, &batch).await, ids)
}

async fn issue(app: &TestApp, token: &str, batch: &Value, key: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url(&format!(
            "/api/v1/batches/{}/certificates/issue",
            id_of(batch)
        )))
        .bearer_auth(token)
        .json(&json!({}));
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.unwrap()
}

async fn archive(app: &TestApp, token: &str, batch: &Value) -> reqwest::Response {
    app.post(
        token,
        &format!("/api/v1/batches/{}/archive", id_of(batch)),
        json!({}),
    )
    .await
}

async fn get_batch(app: &TestApp, token: &str, batch: &Value) -> Value {
    let response = app
        .get(token, &format!("/api/v1/batches/{}", id_of(batch)))
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn download(app: &TestApp, token: &str, batch: &Value) -> reqwest::Response {
    app.get(
        token,
        &format!("/api/v1/batches/{}/archive/zip", id_of(batch)),
    )
    .await
}

/// Every file of the zip by path.
fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut files = BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let mut content = Vec::new();
        entry.read_to_end(&mut content).unwrap();
        files.insert(entry.name().unwrap().into_owned(), content);
    }
    files
}

fn json_file(files: &BTreeMap<String, Vec<u8>>, path: &str) -> Value {
    serde_json::from_slice(files.get(path).unwrap_or_else(|| panic!("{path} missing"))).unwrap()
}

// -- Tests

#[actix_web::test]
async fn a_completed_batch_is_sealed_into_a_zip_whose_manifest_holds() {
    each_backend(|app| async move {
        // -- Setup
        let (batch, _) = completed_batch(&app).await;
        let info = token(&app, "info").await;
        let emp = token(&app, "emp1").await;
        let train = token(&app, "train1").await;
        let supervisor = token(&app, "supervisor").await;
        let admin = token(&app, "admin").await;
        let inspector = token(&app, "inspector1").await;
        let path = format!("/api/v1/batches/{}/archive", id_of(&batch));
        problem(app.get(&info, &path).await, 404, "NOT_FOUND").await;

        // -- Exec & Check: only 信息部 archives; another institution finds nothing
        problem(archive(&app, &emp, &batch).await, 403, "FORBIDDEN").await;
        problem(archive(&app, &supervisor, &batch).await, 403, "FORBIDDEN").await;
        problem(archive(&app, &train, &batch).await, 404, "NOT_FOUND").await;
        let response = archive(&app, &info, &batch).await;
        assert_eq!(response.status(), 201);
        let meta: Value = response.json().await.unwrap();
        assert_eq!(meta["format"], "skillcert-archive/1");
        assert_eq!(meta["created_by_name"], "info");
        assert_eq!(meta["download_path"], format!("{path}/zip"));
        assert_eq!(get_batch(&app, &info, &batch).await["status"], "archived");
        assert_eq!(
            get_batch(&app, &info, &batch).await["status_name"],
            "已归档"
        );
        problem(archive(&app, &info, &batch).await, 409, "BATCH_ARCHIVED").await;
        assert_eq!(audit_count(&app, "batch.archive").await, 1);

        // The metadata: 信息部, supervisors and the batch's institution.
        for reader in [&info, &supervisor, &emp] {
            let response = app.get(reader, &path).await;
            assert_eq!(response.status(), 200);
            let again: Value = response.json().await.unwrap();
            assert_eq!(again["sha256"], meta["sha256"]);
            assert_eq!(again["revoked_since_archive"], json!([]));
        }

        // The zip hashes to the recorded SHA-256 and size.
        let response = download(&app, &info, &batch).await;
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["content-type"], "application/zip");
        assert_eq!(
            response.headers()["etag"].to_str().unwrap(),
            format!("\"{}\"", meta["sha256"].as_str().unwrap())
        );
        let bytes = response.bytes().await.unwrap();
        assert_eq!(sha256(&bytes), meta["sha256"]);
        assert_eq!(bytes.len() as i64, meta["size"].as_i64().unwrap());
        let files = unzip(&bytes);
        assert_eq!(files.len() as i64, meta["file_count"].as_i64().unwrap());

        // Every line of MANIFEST.sha256 names a file with that digest, and every other file
        // has a line.
        let checksums = String::from_utf8(files["MANIFEST.sha256"].clone()).unwrap();
        let mut listed = BTreeSet::new();
        for line in checksums.lines() {
            let (digest, name) = line.split_once("  ").unwrap();
            assert_eq!(sha256(&files[name]), digest, "{name}");
            listed.insert(name.to_owned());
        }
        let others: BTreeSet<String> = files
            .keys()
            .filter(|k| *k != "MANIFEST.sha256")
            .cloned()
            .collect();
        assert_eq!(listed, others);
        assert_eq!(sha256(&files["manifest.json"]), meta["manifest_sha256"]);
        let manifest = json_file(&files, "manifest.json");
        assert_eq!(manifest["batch_id"], batch["id"]);
        assert_eq!(manifest["created_by"]["username"], "info");
        for entry in manifest["files"].as_array().unwrap() {
            let name = entry["path"].as_str().unwrap();
            assert_eq!(sha256(&files[name]), entry["sha256"], "{name}");
            assert_eq!(files[name].len() as u64, entry["size"].as_u64().unwrap());
        }

        // And `sha256sum -c` agrees, where the tool exists.
        let dir = tempfile::tempdir().unwrap();
        for (name, content) in &files {
            let target = dir.path().join(name);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, content).unwrap();
        }
        if let Ok(out) = std::process::Command::new("sha256sum")
            .args(["-c", "--strict", "MANIFEST.sha256"])
            .current_dir(dir.path())
            .output()
        {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }

        // The certificate list matches the database: numbers, signed content, its SHA-256,
        // signatures.
        let conn = &app.state.db.conn;
        let rows = certificate::Entity::find()
            .filter(
                certificate::Column::BatchId.eq(batch["id"]
                    .as_str()
                    .unwrap()
                    .parse::<Uuid>()
                    .unwrap()),
            )
            .order_by_asc(certificate::Column::Number)
            .all(conn)
            .await
            .unwrap();
        assert_eq!(rows.len(), 2);
        let listed = json_file(&files, "certificates.json");
        let listed = listed.as_array().unwrap();
        assert_eq!(listed.len(), rows.len());
        for (entry, row) in listed.iter().zip(&rows) {
            assert_eq!(entry["number"], row.number);
            assert_eq!(entry["name"], row.name);
            assert_eq!(entry["status"], "published");
            assert_eq!(entry["signature"], json!(row.signature));
            let content = row.content.clone().unwrap();
            assert_eq!(entry["content"], content);
            assert_eq!(entry["content_sha256"], sha256(content.as_bytes()));
            assert!(!entry.to_string().contains("id_blind"));
        }
        let key = json_file(&files, "certificate-key.json");
        assert_eq!(key["key_id"], app.state.signer.key_id());

        // Materials with their PDFs, decisions, roster (masked), inspections, audit events.
        let materials = json_file(&files, "materials.json");
        let materials = materials.as_array().unwrap();
        assert_eq!(materials.len(), 4);
        for m in materials {
            let pdf = &files[m["path"].as_str().unwrap()];
            assert!(pdf.starts_with(b"%PDF"));
            assert_eq!(sha256(pdf), m["sha256"]);
        }
        let decisions = json_file(&files, "decisions.json");
        let steps: Vec<&str> = decisions["step_decisions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["step"].as_str().unwrap())
            .collect();
        assert!(
            steps.contains(&"plan")
                && steps.contains(&"certificate")
                && steps.contains(&"issuance"),
            "{steps:?}"
        );
        let candidates = json_file(&files, "candidates.json");
        assert_eq!(candidates.as_array().unwrap().len(), 3);
        assert!(
            candidates[0]["id_number_masked"]
                .as_str()
                .unwrap()
                .contains('*')
        );
        let full_ids = candidate::Entity::find().count(conn).await.unwrap();
        assert_eq!(full_ids, 3);
        let inspections = json_file(&files, "inspections.json");
        let file_path = inspections[0]["files"][0]["path"].as_str().unwrap();
        assert!(files[file_path].starts_with(b"%PDF"));
        assert_eq!(inspections[0]["rating"], "good");
        let events = json_file(&files, "audit-events.json");
        let events = events["events"].as_array().unwrap();
        let actions: Vec<&str> = events
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        for action in [
            "batch.create",
            "step.submit",
            "step.decision",
            "certificates.issue",
            "certificates.publish",
        ] {
            assert!(actions.contains(&action), "{action} in {actions:?}");
        }
        for event in events {
            let stored = audit_event::Entity::find_by_id(event["seq"].as_i64().unwrap())
                .one(conn)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(event["hash"], stored.hash);
            assert_eq!(event["prev_hash"], stored.prev_hash);
        }

        // -- Download roles: the batch's institution and supervisors too; not the admin, not
        // another institution, not an unassigned inspector.
        for reader in [&emp, &supervisor] {
            let response = download(&app, reader, &batch).await;
            assert_eq!(response.status(), 200);
            assert_eq!(sha256(&response.bytes().await.unwrap()), meta["sha256"]);
        }
        problem(download(&app, &admin, &batch).await, 403, "FORBIDDEN").await;
        problem(download(&app, &train, &batch).await, 404, "NOT_FOUND").await;
        problem(download(&app, &inspector, &batch).await, 404, "NOT_FOUND").await;
        problem(app.get(&train, &path).await, 404, "NOT_FOUND").await;
        app
    })
    .await;
}

#[actix_web::test]
async fn an_archived_batch_refuses_every_write_but_revocation_which_leaves_the_zip_alone() {
    each_backend(|app| async move {
        // -- Setup
        let (batch, ids) = completed_batch(&app).await;
        let info = token(&app, "info").await;
        let emp = token(&app, "emp1").await;
        let supervisor = token(&app, "supervisor").await;
        let response = archive(&app, &info, &batch).await;
        assert_eq!(response.status(), 201);
        let meta: Value = response.json().await.unwrap();
        let zip_before = download(&app, &info, &batch).await.bytes().await.unwrap();
        let events_before = audit_event::Entity::find().count(&app.state.db.conn).await.unwrap();
        let id = id_of(&batch);
        let batch_now = get_batch(&app, &info, &batch).await;

        // -- Exec & Check: writes on the batch and under it
        let attempts: Vec<(&str, &str, String, Value)> = vec![
            (&emp, "PATCH", format!("/api/v1/batches/{id}"), json!({ "version": batch_now["version"], "venue": "别处" })),
            (&emp, "POST", format!("/api/v1/batches/{id}/steps/certificate/submit"), json!({})),
            (&info, "POST", format!("/api/v1/batches/{id}/steps/issuance/decision"), json!({ "decision": "approve", "comment": "再次" })),
            (&supervisor, "PUT", format!("/api/v1/batches/{id}/completion-extension"), json!({ "extended_to": "2026-06-30", "reason": "延期" })),
            (&emp, "POST", format!("/api/v1/batches/{id}/candidates"), json!({ "name": "新考生", "id_number": common::ids::person(9), "occupation_code": "6-31-01-03", "level": 5 })),
            (&emp, "PATCH", format!("/api/v1/candidates/{}", ids[0]), json!({ "version": 1, "name": "改名" })),
            (&emp, "POST", format!("/api/v1/candidates/{}/withdraw", ids[2]), json!({ "reason": "放弃" })),
            (&emp, "PUT", format!("/api/v1/batches/{id}/results"), json!({ "results": [{ "candidate_id": ids[2], "theory": 90, "skill": 90 }] })),
            (&emp, "PUT", format!("/api/v1/batches/{id}/arrangement"), json!({ "sessions": [], "staff": [] })),
            (&emp, "POST", format!("/api/v1/batches/{id}/change-requests"), json!({ "venue": "别处", "reason": "场地检修" })),
            (&info, "POST", format!("/api/v1/batches/{id}/certificates/issue"), json!({})),
            (&info, "POST", format!("/api/v1/batches/{id}/certificates/publish"), json!({})),
        ];
        for (token, method, path, body) in attempts {
            let response = app
                .client
                .request(method.parse().unwrap(), app.url(&path))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = response.status();
            let text = response.text().await.unwrap();
            assert_eq!(status, 409, "{method} {path}: {text}");
            assert!(text.contains("BATCH_ARCHIVED"), "{method} {path}: {text}");
        }
        let upload = app
            .client
            .post(app.url(&format!("/api/v1/batches/{id}/materials")))
            .bearer_auth(&emp)
            .multipart(
                reqwest::multipart::Form::new()
                    .text("kind", "internal_qa_report")
                    .part(
                        "file",
                        reqwest::multipart::Part::bytes(pdf("late"))
                            .file_name("late.pdf")
                            .mime_str("application/pdf")
                            .unwrap(),
                    ),
            )
            .send()
            .await
            .unwrap();
        problem(upload, 409, "BATCH_ARCHIVED").await;
        // Nothing was written.
        assert_eq!(
            audit_event::Entity::find().count(&app.state.db.conn).await.unwrap(),
            events_before
        );
        assert_eq!(get_batch(&app, &info, &batch).await["version"], batch_now["version"]);

        // Revocation stays possible (a fraud found later must stop verifying); the zip does not
        // change, its metadata lists the revocation.
        let certificates = app
            .get(&info, &format!("/api/v1/batches/{id}/certificates"))
            .await
            .json::<Value>()
            .await
            .unwrap();
        let first = &certificates["items"][0];
        app.set_now("2026-04-01T02:00:00Z");
        let info = token(&app, "info").await;
        let response = app
            .post(
                &info,
                &format!("/api/v1/certificates/{}/revoke", first["id"].as_str().unwrap()),
                json!({ "reason": "查实替考" }),
            )
            .await;
        assert_eq!(response.status(), 200);
        let after: Value = app
            .get(&info, &format!("/api/v1/batches/{id}/archive"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(after["sha256"], meta["sha256"]);
        assert_eq!(after["revoked_since_archive"][0]["number"], first["number"]);
        assert_eq!(after["revoked_since_archive"][0]["reason"], "查实替考");
        let zip_after = download(&app, &info, &batch).await.bytes().await.unwrap();
        assert_eq!(zip_before, zip_after);
        app
    })
    .await;
}

#[actix_web::test]
async fn issuance_with_an_idempotency_key_answers_a_retry_with_the_first_answer() {
    each_backend(|app| async move {
        // -- Setup
        let cast = app.cast().await;
        annual_plan(&app, cast.employer, 2026).await;
        let (batch, ids) = at_certificate(&app, 1, 2).await;
        app.set_now(AFTER_EXAMS);
        let batch = to_issuance(&app, &batch, &ids, &[]).await;
        let info = token(&app, "info").await;

        // -- Exec
        let first = issue(&app, &info, &batch, Some("issue-1")).await;
        assert_eq!(first.status(), 201);
        let first: Value = first.json().await.unwrap();
        let retry = issue(&app, &info, &batch, Some("issue-1")).await;

        // -- Check: the same answer, marked as a replay, nothing issued twice
        assert_eq!(retry.status(), 201);
        assert_eq!(retry.headers()["idempotent-replay"], "true");
        let retry: Value = retry.json().await.unwrap();
        assert_eq!(retry, first);
        assert_eq!(audit_count(&app, "certificates.issue").await, 1);
        assert_eq!(
            certificate::Entity::find()
                .count(&app.state.db.conn)
                .await
                .unwrap(),
            2
        );
        // Without the key (or with another): a clear 409.
        let body = problem(
            issue(&app, &info, &batch, None).await,
            409,
            "CERTIFICATES_ALREADY_ISSUED",
        )
        .await;
        assert!(body["detail"].as_str().unwrap().contains("2 本"), "{body}");
        problem(
            issue(&app, &info, &batch, Some("issue-2")).await,
            409,
            "CERTIFICATES_ALREADY_ISSUED",
        )
        .await;
        // The same key on another request is refused.
        let response = app
            .client
            .post(app.url(&format!("/api/v1/batches/{}/archive", id_of(&batch))))
            .bearer_auth(&info)
            .header("Idempotency-Key", "issue-1")
            .send()
            .await
            .unwrap();
        problem(response, 409, "IDEMPOTENCY_KEY_REUSED").await;
        app
    })
    .await;
}
