//! Materials through HTTP (SPEC §9 uploads): real PDFs are stored by SHA-256, listed and
//! downloaded as attachments; HTML renamed `.pdf`, scripts, launch actions, attachments,
//! encryption, garbage and over-size bodies are refused with the right problem; client paths
//! never reach the disk; re-uploads supersede and keep history; tenants stay apart.
//!
//! The PDFs are built here with lopdf, a few hundred bytes each.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::fixtures::user_id;
use common::pdf::{pdf, pdf_with};
use common::{TestApp, each_backend, each_backend_with, problem};
use lopdf::{Document, Object, Stream, dictionary};
use reqwest::multipart::{Form, Part};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};
use skillcert_server::entities::{audit_event, batch, batch_step, material};
use uuid::Uuid;

// -- Setup & Fixtures

fn pdf_with_open_action_js() -> Vec<u8> {
    pdf_with(|doc, catalog| {
        let action = doc.add_object(dictionary! {
            "S" => "JavaScript",
            "JS" => Object::string_literal("app.alert('x')"),
        });
        catalog.set("OpenAction", action);
    })
}

fn pdf_with_launch_action() -> Vec<u8> {
    pdf_with(|_, catalog| {
        catalog.set(
            "OpenAction",
            dictionary! { "S" => "Launch", "F" => Object::string_literal("cmd.exe") },
        );
    })
}

fn pdf_with_embedded_file() -> Vec<u8> {
    pdf_with(|doc, catalog| {
        let file = doc.add_object(Stream::new(
            dictionary! { "Type" => "EmbeddedFile" },
            b"MZ payload".to_vec(),
        ));
        catalog.set(
            "Names",
            dictionary! { "EmbeddedFiles" => dictionary! {
                "Names" => vec![
                    Object::string_literal("payload.exe"),
                    dictionary! { "Type" => "Filespec", "F" => Object::string_literal("payload.exe"), "EF" => dictionary! { "F" => file } }.into(),
                ],
            } },
        );
    })
}

/// Really encrypted by lopdf (RC4 128, a user password is needed to open it): the trailer
/// carries `/Encrypt`.
fn encrypted_pdf() -> Vec<u8> {
    let mut doc = Document::load_mem(&pdf("secret")).unwrap();
    let id = Object::String(
        b"0123456789abcdef".to_vec(),
        lopdf::StringFormat::Hexadecimal,
    );
    doc.trailer.set("ID", vec![id.clone(), id]);
    let state = lopdf::EncryptionState::try_from(lopdf::EncryptionVersion::V2 {
        document: &doc,
        owner_password: "owner",
        user_password: "user",
        key_length: 128,
        permissions: lopdf::Permissions::all(),
    })
    .unwrap();
    doc.encrypt(&state).unwrap();
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    assert!(out.windows(8).any(|w| w == b"/Encrypt"));
    out
}

/// An employer / supervised batch of `institution_id` written straight through the entities,
/// its `plan` step in `plan_state` and the others not started.
async fn batch_of(app: &TestApp, institution_id: Uuid, creator: &str, plan_state: &str) -> Uuid {
    let id = Uuid::now_v7();
    let now = app.state.clock.now();
    batch::Entity::insert(batch::ActiveModel {
        id: Set(id),
        institution_id: Set(institution_id),
        kind: Set("employer".to_owned()),
        module: Set("supervised".to_owned()),
        method: Set("exam".to_owned()),
        year: Set(2026),
        exam_start: Set(time::macros::date!(2026 - 04 - 20)),
        exam_end: Set(time::macros::date!(2026 - 04 - 21)),
        venue: Set("郑州市金水区示范路 1 号".to_owned()),
        venue_region: Set("4101".to_owned()),
        exam_notice_ids: Set(json!([])),
        approved_plan: Set(None),
        completion_extended_to: Set(None),
        archived_at: Set(None),
        version: Set(1),
        created_by: Set(user_id(app, creator).await),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec(&app.state.db.conn)
    .await
    .unwrap();
    for (step, state) in [
        ("plan", plan_state),
        ("registration", "not_started"),
        ("certificate", "not_started"),
        ("issuance", "not_started"),
    ] {
        batch_step::Entity::insert(batch_step::ActiveModel {
            batch_id: Set(id),
            step: Set(step.to_owned()),
            state: Set(state.to_owned()),
            submitted_at: Set(None),
            first_submitted_at: Set(None),
            decided_at: Set(None),
            version: Set(1),
        })
        .exec(&app.state.db.conn)
        .await
        .unwrap();
    }
    id
}

fn form(kind: &str, file_name: &str, bytes: Vec<u8>) -> Form {
    Form::new().text("kind", kind.to_owned()).part(
        "file",
        Part::bytes(bytes)
            .file_name(file_name.to_owned())
            .mime_str("application/pdf")
            .unwrap(),
    )
}

async fn upload_form(app: &TestApp, token: &str, batch_id: Uuid, form: Form) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/v1/batches/{batch_id}/materials")))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn upload(
    app: &TestApp,
    token: &str,
    batch_id: Uuid,
    kind: &str,
    file_name: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    upload_form(app, token, batch_id, form(kind, file_name, bytes)).await
}

async fn uploaded(
    app: &TestApp,
    token: &str,
    batch_id: Uuid,
    kind: &str,
    file_name: &str,
    bytes: Vec<u8>,
) -> Value {
    let response = upload(app, token, batch_id, kind, file_name, bytes).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

async fn list(app: &TestApp, token: &str, batch_id: Uuid, query: &str) -> Value {
    let response = app
        .get(
            token,
            &format!("/api/v1/batches/{batch_id}/materials{query}"),
        )
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn storage_root(app: &TestApp) -> PathBuf {
    app.state.config.storage.root.clone()
}

/// Every regular file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found
}

async fn material_rows(app: &TestApp) -> usize {
    material::Entity::find()
        .all(&app.state.db.conn)
        .await
        .unwrap()
        .len()
}

// -- Tests

#[actix_web::test]
async fn a_real_pdf_is_stored_by_its_digest_listed_and_downloaded_unchanged() {
    each_backend(|app| async move {
        // -- Setup & Fixtures
        let cast = app.cast().await;
        let token = app.login("emp1").await;
        let batch_id = batch_of(&app, cast.employer, "emp1", "draft").await;
        let bytes = pdf("plan");

        // -- Exec
        let created = uploaded(
            &app,
            &token,
            batch_id,
            "plan_application",
            "职业技能等级认定计划申请表.pdf",
            bytes.clone(),
        )
        .await;
        let listed = list(&app, &token, batch_id, "").await;
        let download = app
            .get(&token, &format!("/api/v1/materials/{}/content", created["id"].as_str().unwrap()))
            .await;

        // -- Check
        let digest = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(&bytes))
        };
        assert_eq!(created["batch_id"], batch_id.to_string());
        assert_eq!(created["kind"], "plan_application");
        assert!(created["kind_name"].as_str().unwrap().contains("申请表"), "{created}");
        assert_eq!(created["file_name"], "职业技能等级认定计划申请表.pdf");
        assert_eq!(created["sha256"], digest);
        assert_eq!(created["size"], bytes.len());
        assert_eq!(created["uploaded_by"], user_id(&app, "emp1").await.to_string());
        assert!(created["uploaded_at"].as_str().unwrap().starts_with("2026-02-12T"));
        assert_eq!(created["superseded_at"], Value::Null);
        assert_eq!(listed["total"], 1);
        assert_eq!(listed["items"][0], created);

        assert_eq!(download.status(), 200);
        let headers = download.headers().clone();
        assert_eq!(headers["content-type"], "application/pdf");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        let disposition = headers["content-disposition"].to_str().unwrap();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert!(
            disposition.contains(
                "filename*=UTF-8''%E8%81%8C%E4%B8%9A%E6%8A%80%E8%83%BD%E7%AD%89%E7%BA%A7%E8%AE%A4%E5%AE%9A%E8%AE%A1%E5%88%92%E7%94%B3%E8%AF%B7%E8%A1%A8.pdf"
            ),
            "{disposition}"
        );
        assert_eq!(download.bytes().await.unwrap().as_ref(), bytes.as_slice());

        let stored = storage_root(&app)
            .join("sha256")
            .join(&digest[0..2])
            .join(&digest[2..4])
            .join(&digest);
        assert_eq!(std::fs::read(&stored).unwrap(), bytes);
        assert_eq!(files_under(&storage_root(&app)), vec![stored]);

        let events = audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("material.upload"))
            .all(&app.state.db.conn)
            .await
            .unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].entity_id, created["id"].as_str().unwrap());
        assert_eq!(events[0].institution_id, Some(cast.employer));
        assert_eq!(events[0].summary["after"]["sha256"], digest);
        assert_eq!(events[0].summary["after"]["kind"], "plan_application");
        assert_eq!(events[0].summary["after"]["size"], bytes.len());
        app
    })
    .await;
}

#[actix_web::test]
async fn an_html_page_renamed_pdf_is_415_and_nothing_is_kept() {
    each_backend(|app| async move {
        // -- Setup & Fixtures
        let cast = app.cast().await;
        let token = app.login("emp1").await;
        let batch_id = batch_of(&app, cast.employer, "emp1", "draft").await;
        let html = b"<!DOCTYPE html><html><body><script>alert(1)</script>%PDF-1.7</body></html>";

        // -- Exec
        let response = upload(
            &app,
            &token,
            batch_id,
            "plan_application",
            "计划.pdf",
            html.to_vec(),
        )
        .await;

        // -- Check
        let body = problem(response, 415, "UNSUPPORTED_MEDIA_TYPE").await;
        assert!(body["detail"].as_str().unwrap().contains("PDF"), "{body}");
        assert_eq!(material_rows(&app).await, 0);
        assert!(files_under(&storage_root(&app)).is_empty());
        app
    })
    .await;
}

#[actix_web::test]
async fn active_hidden_encrypted_or_broken_pdfs_are_422_on_file_not_500() {
    each_backend(|app| async move {
        // -- Setup & Fixtures
        let cast = app.cast().await;
        let token = app.login("emp1").await;
        let batch_id = batch_of(&app, cast.employer, "emp1", "draft").await;
        let mut garbage = b"%PDF-1.7\n".to_vec();
        garbage.extend((0..2048u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8));
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            (
                "OpenAction → JavaScript",
                pdf_with_open_action_js(),
                "javascript",
            ),
            ("encrypted (trailer /Encrypt)", encrypted_pdf(), "encrypted"),
            ("embedded file", pdf_with_embedded_file(), "embedded_file"),
            ("launch action", pdf_with_launch_action(), "launch_action"),
            ("garbage after %PDF-", garbage, "unreadable"),
            ("only the magic", b"%PDF-".to_vec(), "unreadable"),
        ];

        for (case, bytes, reason) in cases {
            // -- Exec
            let response = upload(&app, &token, batch_id, "plan_application", "a.pdf", bytes).await;

            // -- Check
            assert_eq!(response.status(), 422, "{case}");
            let body = problem(response, 422, "VALIDATION").await;
            assert_eq!(body["violations"][0]["field"], "file", "{case}: {body}");
            assert_eq!(
                body["violations"][0]["details"]["reason"], reason,
                "{case}: {body}"
            );
        }
        assert_eq!(material_rows(&app).await, 0);
        assert!(files_under(&storage_root(&app)).is_empty());
        app
    })
    .await;
}

fn small_uploads(config: &mut skillcert_server::config::Config) {
    config.uploads.max_bytes = 2048;
}

#[actix_web::test]
async fn over_size_uploads_are_413_while_streaming_and_from_the_declared_length() {
    each_backend_with(small_uploads, |app| async move {
        // -- Setup & Fixtures
        let cast = app.cast().await;
        let token = app.login("emp1").await;
        let batch_id = batch_of(&app, cast.employer, "emp1", "draft").await;
        let big = pdf_with(|doc, catalog| {
            let filler = doc.add_object(Stream::new(dictionary! {}, vec![b' '; 8 * 1024]));
            catalog.set("Filler", filler);
        });
        assert!(big.len() > 8 * 1024);

        // -- Exec
        // The declared length fits the multipart allowance, so the limit trips while streaming.
        let streamed = upload(&app, &token, batch_id, "plan_application", "big.pdf", big).await;
        // 100 MiB declared and never sent: the answer must come without reading the body.
        let addr = app.base.trim_start_matches("http://").to_owned();
        let path = format!("/api/v1/batches/{batch_id}/materials");
        let raw = tokio::task::spawn_blocking(move || {
            let mut stream = std::net::TcpStream::connect(&addr).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let head = format!(
                "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
                 Content-Type: multipart/form-data; boundary=XyZ\r\n\
                 Content-Length: 104857600\r\n\r\n--XyZ\r\n"
            );
            stream.write_all(head.as_bytes()).unwrap();
            let mut answer = vec![0u8; 4096];
            let n = stream.read(&mut answer).unwrap();
            String::from_utf8_lossy(&answer[..n]).into_owned()
        })
        .await
        .unwrap();

        // -- Check
        problem(streamed, 413, "PAYLOAD_TOO_LARGE").await;
        assert!(raw.starts_with("HTTP/1.1 413"), "{raw}");
        assert!(raw.contains("PAYLOAD_TOO_LARGE"), "{raw}");
        assert_eq!(material_rows(&app).await, 0);
        assert!(files_under(&storage_root(&app)).is_empty());
        // A file within the limit still goes through.
        uploaded(
            &app,
            &app.login("emp1").await,
            batch_id,
            "plan_application",
            "ok.pdf",
            pdf("ok"),
        )
        .await;
        app
    })
    .await;
}

#[actix_web::test]
async fn a_traversal_file_name_is_display_text_and_never_a_path() {
    each_backend(|app| async move {
        // -- Setup & Fixtures
        let cast = app.cast().await;
        let token = app.login("emp1").await;
        let batch_id = batch_of(&app, cast.employer, "emp1", "draft").await;
        let root = storage_root(&app);
        let sandbox = root.parent().unwrap().to_path_buf();

        // -- Exec
        let created = uploaded(
            &app,
            &token,
            batch_id,
            "plan_application",
            "../../etc/passwd.pdf",
            pdf("traversal"),
        )
        .await;
        let backslashes = uploaded(
            &app,
            &token,
            batch_id,
            "internal_qa_report",
            "..\\..\\windows\\win\u{202E}.ini\t.pdf",
            pdf("backslashes"),
        )
        .await;

        // -- Check
        assert_eq!(created["file_name"], "passwd.pdf");
        assert_eq!(backslashes["file_name"], "win.ini.pdf");
        for file in files_under(&sandbox) {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                !name.contains("passwd") && !name.contains("win.ini"),
                "{}",
                file.display()
            );
        }
        let stored = files_under(&root);
        assert_eq!(stored.len(), 2);
        for file in stored {
            let relative = file.strip_prefix(&root).unwrap();
            let parts: Vec<_> = relative
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            assert_eq!(parts.len(), 4, "{}", relative.display());
            assert_eq!(parts[0], "sha256");
            assert!(
                parts[3].len() == 64 && parts[3].starts_with(&format!("{}{}", parts[1], parts[2]))
            );
        }
        let download = app
            .get(
                &token,
                &format!(
                    "/api/v1/materials/{}/content",
                    created["id"].as_str().unwrap()
                ),
            )
            .await;
        let disposition = download.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(!disposition.contains('/'), "{disposition}");
        assert!(
            disposition.contains("filename*=UTF-8''passwd.pdf"),
            "{disposition}"
        );
        app
    })
    .await;
}

#[actix_web::test]
async fn kind_and_file_are_validated() {
    each_backend(|app| async move {
        // -- Setup & Fixtures
        let cast = app.cast().await;
        let token = app.login("emp1").await;
        let batch_id = batch_of(&app, cast.employer, "emp1", "draft").await;

        // -- Exec
        let unknown = upload(&app, &token, batch_id, "passport_scan", "a.pdf", pdf("a")).await;
        let not_in_process = upload(
            &app,
            &token,
            batch_id,
            "cross_region_application",
            "a.pdf",
            pdf("a"),
        )
        .await;
        let no_file = upload_form(
            &app,
            &token,
            batch_id,
            Form::new().text("kind", "plan_application"),
        )
        .await;
        let no_kind = upload_form(
            &app,
            &token,
            batch_id,
            Form::new().part("file", Part::bytes(pdf("a")).file_name("a.pdf")),
        )
        .await;
        let nothing = upload_form(&app, &token, batch_id, Form::new()).await;
        let extra_field = upload_form(
            &app,
            &token,
            batch_id,
            form("plan_application", "a.pdf", pdf("a")).text("path", "/etc"),
        )
        .await;
        let json_body = app
            .post(
                &token,
                &format!("/api/v1/batches/{batch_id}/materials"),
                json!({"kind": "plan_application"}),
            )
            .await;

        // -- Check
        let body = problem(unknown, 422, "VALIDATION").await;
        assert_eq!(body["violations"][0]["field"], "kind", "{body}");
        let body = problem(not_in_process, 422, "VALIDATION").await;
        assert_eq!(body["violations"][0]["field"], "kind", "{body}");
        assert!(
            body["violations"][0]["details"]["allowed"]
                .as_array()
                .unwrap()
                .contains(&json!("plan_application")),
            "{body}"
        );
        let body = problem(no_file, 422, "VALIDATION").await;
        assert_eq!(body["violations"][0]["field"], "file", "{body}");
        let body = problem(no_kind, 422, "VALIDATION").await;
        assert_eq!(body["violations"][0]["field"], "kind", "{body}");
        // A form without any part is not a multipart body at all (RFC 2046 §5.1.1).
        problem(nothing, 400, "BAD_REQUEST").await;
        let body = problem(extra_field, 422, "VALIDATION").await;
        assert_eq!(body["violations"][0]["field"], "path", "{body}");
        problem(json_body, 415, "UNSUPPORTED_MEDIA_TYPE").await;
        assert_eq!(material_rows(&app).await, 0);
        app
    })
    .await;
}

#[actix_web::test]
async fn other_tenants_get_404_and_other_roles_403_or_read_only() {
    each_backend(|app| async move {
        // -- Setup & Fixtures
        let cast = app.cast().await;
        let emp1 = app.login("emp1").await;
        let train1 = app.login("train1").await;
        let supervisor = app.login("supervisor").await;
        let inspector = app.login("inspector1").await;
        let batch_id = batch_of(&app, cast.employer, "emp1", "draft").await;
        let created = uploaded(&app, &emp1, batch_id, "plan_application", "a.pdf", pdf("a")).await;
        let content = format!(
            "/api/v1/materials/{}/content",
            created["id"].as_str().unwrap()
        );
        let listing = format!("/api/v1/batches/{batch_id}/materials");

        // -- Exec & Check
        // Another institution: the batch and its material do not exist for it.
        problem(
            upload(
                &app,
                &train1,
                batch_id,
                "plan_application",
                "b.pdf",
                pdf("b"),
            )
            .await,
            404,
            "NOT_FOUND",
        )
        .await;
        problem(app.get(&train1, &listing).await, 404, "NOT_FOUND").await;
        problem(app.get(&train1, &content).await, 404, "NOT_FOUND").await;
        // A missing batch or material looks the same.
        problem(
            upload(
                &app,
                &emp1,
                Uuid::now_v7(),
                "plan_application",
                "b.pdf",
                pdf("b"),
            )
            .await,
            404,
            "NOT_FOUND",
        )
        .await;
        problem(
            app.get(
                &emp1,
                &format!("/api/v1/materials/{}/content", Uuid::now_v7()),
            )
            .await,
            404,
            "NOT_FOUND",
        )
        .await;
        problem(
            app.get(&emp1, "/api/v1/materials/not-a-uuid/content").await,
            404,
            "NOT_FOUND",
        )
        .await;
        // Supervisors read but do not upload (yet); inspectors see nothing unassigned.
        problem(
            upload(
                &app,
                &supervisor,
                batch_id,
                "plan_application",
                "b.pdf",
                pdf("b"),
            )
            .await,
            403,
            "FORBIDDEN",
        )
        .await;
        assert_eq!(list(&app, &supervisor, batch_id, "").await["total"], 1);
        assert_eq!(app.get(&supervisor, &content).await.status(), 200);
        problem(app.get(&inspector, &listing).await, 404, "NOT_FOUND").await;
        problem(app.get(&inspector, &content).await, 404, "NOT_FOUND").await;
        // No token at all.
        let anonymous = app.client.get(app.url(&content)).send().await.unwrap();
        problem(anonymous, 401, "UNAUTHORIZED").await;
        // Nothing changed.
        assert_eq!(material_rows(&app).await, 1);
        assert_eq!(files_under(&storage_root(&app)).len(), 1);
        app
    })
    .await;
}

#[actix_web::test]
async fn a_re_upload_supersedes_and_history_keeps_both() {
    each_backend(|app| async move {
        // -- Setup & Fixtures
        let cast = app.cast().await;
        let token = app.login("emp1").await;
        let batch_id = batch_of(&app, cast.employer, "emp1", "returned").await;
        let first = uploaded(
            &app,
            &token,
            batch_id,
            "plan_application",
            "v1.pdf",
            pdf("v1"),
        )
        .await;
        let other = uploaded(
            &app,
            &token,
            batch_id,
            "internal_qa_report",
            "qa.pdf",
            pdf("qa"),
        )
        .await;

        // -- Exec
        let second = uploaded(
            &app,
            &token,
            batch_id,
            "plan_application",
            "v2.pdf",
            pdf("v2"),
        )
        .await;
        // The same content again, under another kind: one stored file serves both rows.
        let again = uploaded(
            &app,
            &token,
            batch_id,
            "abnormality_verification",
            "v2-copy.pdf",
            pdf("v2"),
        )
        .await;

        // -- Check
        let current = list(&app, &token, batch_id, "").await;
        let ids: Vec<_> = current["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].clone())
            .collect();
        assert_eq!(current["total"], 3);
        assert!(
            ids.contains(&second["id"]) && ids.contains(&other["id"]) && ids.contains(&again["id"])
        );
        assert!(!ids.contains(&first["id"]));

        let history = list(&app, &token, batch_id, "?include_history=true").await;
        assert_eq!(history["total"], 4);
        let old = history["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == first["id"])
            .unwrap();
        assert!(old["superseded_at"].is_string(), "{old}");
        assert_eq!(old["file_name"], "v1.pdf");
        // The superseded file stays downloadable.
        let download = app
            .get(
                &token,
                &format!(
                    "/api/v1/materials/{}/content",
                    first["id"].as_str().unwrap()
                ),
            )
            .await;
        assert_eq!(
            download.bytes().await.unwrap().as_ref(),
            pdf("v1").as_slice()
        );

        assert_eq!(again["sha256"], second["sha256"]);
        assert_eq!(files_under(&storage_root(&app)).len(), 3);

        let events = audit_event::Entity::find()
            .filter(audit_event::Column::EntityId.eq(second["id"].as_str().unwrap()))
            .all(&app.state.db.conn)
            .await
            .unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].summary["superseded"], json!([first["id"]]));
        // Paging applies to the list.
        let paged = list(
            &app,
            &token,
            batch_id,
            "?include_history=true&page=2&page_size=3",
        )
        .await;
        assert_eq!(paged["items"].as_array().unwrap().len(), 1);
        assert_eq!(paged["total"], 4);
        app
    })
    .await;
}

#[actix_web::test]
async fn uploads_stop_when_no_step_is_in_draft_or_returned() {
    each_backend(|app| async move {
        // -- Setup & Fixtures
        let cast = app.cast().await;
        let token = app.login("emp1").await;
        let batch_id = batch_of(&app, cast.employer, "emp1", "submitted").await;

        // -- Exec
        let response = upload(
            &app,
            &token,
            batch_id,
            "plan_application",
            "a.pdf",
            pdf("a"),
        )
        .await;

        // -- Check
        problem(response, 409, "INVALID_STATE").await;
        assert_eq!(material_rows(&app).await, 0);
        assert!(files_under(&storage_root(&app)).is_empty());
        app
    })
    .await;
}

#[actix_web::test]
async fn a_retried_upload_with_the_same_idempotency_key_answers_the_first_time() {
    each_backend(|app| async move {
        // -- Setup & Fixtures
        let cast = app.cast().await;
        let token = app.login("emp1").await;
        let batch_id = batch_of(&app, cast.employer, "emp1", "draft").await;
        let send = || {
            app.client
                .post(app.url(&format!("/api/v1/batches/{batch_id}/materials")))
                .bearer_auth(&token)
                .header("Idempotency-Key", "upload-plan-1")
                .multipart(form("plan_application", "a.pdf", pdf("a")))
                .send()
        };

        // -- Exec
        let first = send().await.unwrap();
        let second = send().await.unwrap();

        // -- Check
        assert_eq!(first.status(), 201);
        assert_eq!(second.status(), 201);
        let first: Value = first.json().await.unwrap();
        let second: Value = second.json().await.unwrap();
        assert_eq!(first, second);
        assert_eq!(material_rows(&app).await, 1);
        app
    })
    .await;
}
