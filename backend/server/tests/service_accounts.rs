//! Service accounts through HTTP (issue 7, SPEC §1 第三方系统): the admin creates one and sees
//! its token once; a token reaches only the endpoints that declare its scope (deny by default),
//! 403 without the scope, 401 when unknown or revoked; nothing can be written with one; use is
//! recorded; creation and revocation are audited.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::batches::{batch_body, create};
use common::certificates::{AFTER_EXAMS, at_certificate, to_issuance};
use common::fixtures::{annual_plan, audit_count, token};
use common::ids::person;
use common::{TestApp, each_backend, problem, violation_fields};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use skillcert_server::entities::{audit_event, service_account};

// -- Setup & Fixtures

async fn create_account(app: &TestApp, admin: &str, name: &str, scopes: &[&str]) -> Value {
    let response = app
        .post(
            admin,
            "/api/v1/service-accounts",
            json!({ "name": name, "scopes": scopes }),
        )
        .await;
    let status = response.status();
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

/// emp1's batch with 考生1 and 考生2 issued and published.
async fn published_batch(app: &TestApp) -> Value {
    let cast = app.cast().await;
    annual_plan(app, cast.employer, 2026).await;
    let (batch, ids) = at_certificate(app, 1, 2).await;
    app.set_now(AFTER_EXAMS);
    let batch = to_issuance(app, &batch, &ids, &[]).await;
    let info = token(app, "info").await;
    let id = batch["id"].as_str().unwrap();
    for step in ["issue", "publish"] {
        let response = app
            .post(
                &info,
                &format!("/api/v1/batches/{id}/certificates/{step}"),
                json!({}),
            )
            .await;
        assert!(response.status().is_success(), "{step}");
    }
    batch
}

async fn status_of(response: reqwest::Response) -> u16 {
    response.status().as_u16()
}

// -- Tests

#[actix_web::test]
async fn the_admin_creates_lists_and_revokes_service_accounts() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let admin = token(&app, "admin").await;
        let info = token(&app, "info").await;

        // -- Exec & Check: only the admin
        let refused = app
            .post(
                &info,
                "/api/v1/service-accounts",
                json!({ "name": "国家系统", "scopes": ["certificates:read"] }),
            )
            .await;
        problem(refused, 403, "FORBIDDEN").await;
        problem(
            app.get(&info, "/api/v1/service-accounts").await,
            403,
            "FORBIDDEN",
        )
        .await;

        let created = create_account(
            &app,
            &admin,
            "国家职业技能等级认定信息系统",
            &["certificates:read", "certificates:read"],
        )
        .await;
        let token_text = created["token"].as_str().unwrap();
        assert!(token_text.starts_with("sk_") && token_text.len() == 46);
        let account = &created["account"];
        assert_eq!(account["scopes"], json!(["certificates:read"]));
        assert_eq!(account["status"], "active");
        assert_eq!(account["token_hint"], &token_text[..9]);
        assert_eq!(account["last_used_at"], Value::Null);
        // The token is kept only as its SHA-256.
        let row = service_account::Entity::find()
            .one(&app.state.db.conn)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.token_hash.len(), 64);
        assert_ne!(row.token_hash, token_text);

        // Bad input.
        let body = problem(
            app.post(
                &admin,
                "/api/v1/service-accounts",
                json!({ "name": " ", "scopes": ["batches:write"] }),
            )
            .await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(violation_fields(&body), ["name", "scopes"]);
        let body = problem(
            app.post(
                &admin,
                "/api/v1/service-accounts",
                json!({ "name": "空", "scopes": [] }),
            )
            .await,
            422,
            "VALIDATION",
        )
        .await;
        assert_eq!(violation_fields(&body), ["scopes"]);
        problem(
            app.post(
                &admin,
                "/api/v1/service-accounts",
                json!({ "name": "国家职业技能等级认定信息系统", "scopes": ["batches:read"] }),
            )
            .await,
            409,
            "SERVICE_ACCOUNT_EXISTS",
        )
        .await;

        // The list never shows a token.
        let list: Value = app
            .get(&admin, "/api/v1/service-accounts")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["total"], 1);
        assert!(!list.to_string().contains(token_text));

        // Revoke: once; then the token is unknown to the API.
        let path = format!(
            "/api/v1/service-accounts/{}/revoke",
            account["id"].as_str().unwrap()
        );
        problem(app.post(&info, &path, json!({})).await, 403, "FORBIDDEN").await;
        let response = app.post(&admin, &path, json!({})).await;
        assert_eq!(response.status(), 200);
        let revoked: Value = response.json().await.unwrap();
        assert_eq!(revoked["status"], "revoked");
        problem(
            app.post(&admin, &path, json!({})).await,
            409,
            "INVALID_STATE",
        )
        .await;
        problem(
            app.post(
                &admin,
                &format!("/api/v1/service-accounts/{}/revoke", uuid::Uuid::now_v7()),
                json!({}),
            )
            .await,
            404,
            "NOT_FOUND",
        )
        .await;
        let body = problem(
            app.get(token_text, "/api/v1/certificates").await,
            401,
            "UNAUTHORIZED",
        )
        .await;
        assert!(body["detail"].as_str().unwrap().contains("撤销"));
        assert_eq!(audit_count(&app, "service_account.create").await, 1);
        assert_eq!(audit_count(&app, "service_account.revoke").await, 1);
        app
    })
    .await;
}

#[actix_web::test]
async fn a_service_token_reaches_only_what_its_scope_declares_and_writes_nothing() {
    each_backend(|app| async move {
        // -- Setup
        let batch = published_batch(&app).await;
        let batch_id = batch["id"].as_str().unwrap();
        let admin = token(&app, "admin").await;
        let certificates = create_account(&app, &admin, "国家系统", &["certificates:read"]).await;
        let certificates = certificates["token"].as_str().unwrap().to_owned();
        let batches = create_account(&app, &admin, "统计系统", &["batches:read"]).await;
        let batches = batches["token"].as_str().unwrap().to_owned();
        let exporter = create_account(&app, &admin, "上报系统", &["certificates:export"]).await;
        let exporter = exporter["token"].as_str().unwrap().to_owned();
        // Another institution's batch: a batches:read account sees every institution's.
        let train = token(&app, "train1").await;
        create(&app, &train, batch_body("supervised", "exam", 20, "4103")).await;
        let events_before = audit_event::Entity::find()
            .count(&app.state.db.conn)
            .await
            .unwrap();

        // -- Exec & Check: certificates:read
        let found: Value = app
            .get(
                &certificates,
                "/api/v1/certificates?number=Y000041410001265000002",
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(found["total"], 1);
        assert_eq!(found["items"][0]["name"], "考生2");
        assert!(
            found["items"][0]["id_number_masked"]
                .as_str()
                .unwrap()
                .contains('*')
        );
        // Full ID numbers need their own scope: certificates:read is not enough.
        problem(
            app.get(
                &certificates,
                "/api/v1/certificates/export?from=2026-01-01&to=2026-12-31",
            )
            .await,
            403,
            "FORBIDDEN",
        )
        .await;
        let export = app
            .get(
                &exporter,
                "/api/v1/certificates/export?from=2026-01-01&to=2026-12-31",
            )
            .await;
        assert_eq!(export.status(), 200);
        assert!(export.text().await.unwrap().contains(&person(1)));
        let audited = audit_event::Entity::find()
            .filter(audit_event::Column::Action.eq("certificates.export"))
            .one(&app.state.db.conn)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(audited.actor_role, "service_account");
        // Not its scope: 403.
        problem(
            app.get(&certificates, "/api/v1/batches").await,
            403,
            "FORBIDDEN",
        )
        .await;

        // batches:read: every institution's batches, read only.
        let list: Value = app
            .get(&batches, "/api/v1/batches")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["total"], 2);
        let one = app
            .get(&batches, &format!("/api/v1/batches/{batch_id}"))
            .await;
        assert_eq!(one.status(), 200);
        problem(
            app.get(&batches, "/api/v1/certificates").await,
            403,
            "FORBIDDEN",
        )
        .await;

        // Deny by default: an endpoint that declares no scope refuses both tokens, reads and
        // writes alike.
        for token in [&certificates, &batches] {
            assert_eq!(status_of(app.get(token, "/api/v1/me").await).await, 403);
            assert_eq!(
                status_of(
                    app.get(token, &format!("/api/v1/batches/{batch_id}/checklist"))
                        .await
                )
                .await,
                403
            );
            assert_eq!(
                status_of(app.get(token, "/api/v1/audit-events").await).await,
                403
            );
            assert_eq!(
                status_of(
                    app.post(
                        token,
                        "/api/v1/batches",
                        batch_body("self", "exam", 20, "4101")
                    )
                    .await
                )
                .await,
                403
            );
            assert_eq!(
                status_of(
                    app.patch(
                        token,
                        &format!("/api/v1/batches/{batch_id}"),
                        json!({ "version": 1, "venue": "别处" })
                    )
                    .await
                )
                .await,
                403
            );
            assert_eq!(
                status_of(
                    app.post(
                        token,
                        &format!("/api/v1/batches/{batch_id}/archive"),
                        json!({})
                    )
                    .await
                )
                .await,
                403
            );
            assert_eq!(
                status_of(
                    app.post(
                        token,
                        "/api/v1/service-accounts",
                        json!({ "name": "自建", "scopes": ["batches:read"] })
                    )
                    .await
                )
                .await,
                403
            );
        }
        // Unknown tokens: 401, on scoped and unscoped endpoints alike.
        let unknown = "sk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        problem(
            app.get(unknown, "/api/v1/batches").await,
            401,
            "UNAUTHORIZED",
        )
        .await;
        problem(app.get(unknown, "/api/v1/me").await, 401, "UNAUTHORIZED").await;

        // Nothing but the export's own audit event was written; use is recorded.
        let events: Vec<String> = audit_event::Entity::find()
            .order_by_asc(audit_event::Column::Seq)
            .all(&app.state.db.conn)
            .await
            .unwrap()
            .into_iter()
            .skip(events_before as usize)
            .map(|e| e.action)
            .collect();
        assert_eq!(events, ["certificates.export"]);
        let list: Value = app
            .get(&admin, "/api/v1/service-accounts")
            .await
            .json()
            .await
            .unwrap();
        for account in list["items"].as_array().unwrap() {
            assert!(account["last_used_at"].is_string(), "{account}");
        }
        // Users keep working as before on the scoped endpoints.
        let emp = token(&app, "emp1").await;
        let own: Value = app.get(&emp, "/api/v1/batches").await.json().await.unwrap();
        assert_eq!(own["total"], 1);
        let own: Value = app
            .get(&emp, "/api/v1/certificates")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(own["total"], 2);
        let other: Value = app
            .get(&train, "/api/v1/certificates")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(other["total"], 0);
        app
    })
    .await;
}

#[actix_web::test]
async fn tokens_expire_and_the_admin_renews_them() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let admin = token(&app, "admin").await;
        let default = create_account(&app, &admin, "默认期限", &["batches:read"]).await;
        let short = app
            .post(
                &admin,
                "/api/v1/service-accounts",
                json!({ "name": "短期", "scopes": ["batches:read"], "expires_in_days": 10 }),
            )
            .await;
        let short: Value = short.json().await.unwrap();
        let id = short["account"]["id"].as_str().unwrap().to_owned();
        let sk = short["token"].as_str().unwrap().to_owned();
        // -- Check: 90 days unless chosen; at most 365; one of the two fields only
        let created = time::OffsetDateTime::parse(
            default["account"]["created_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        let expires = |v: &Value| {
            time::OffsetDateTime::parse(
                v.as_str().unwrap(),
                &time::format_description::well_known::Rfc3339,
            )
            .unwrap()
        };
        let left = expires(&default["account"]["expires_at"]) - created - time::Duration::days(90);
        assert!(left.abs() < time::Duration::minutes(1), "{left}");
        let left = expires(&short["account"]["expires_at"]) - created - time::Duration::days(10);
        assert!(left.abs() < time::Duration::minutes(1), "{left}");
        for body in [
            json!({ "name": "太长", "scopes": ["batches:read"], "expires_in_days": 366 }),
            json!({ "name": "为零", "scopes": ["batches:read"], "expires_in_days": 0 }),
            json!({ "name": "两者", "scopes": ["batches:read"], "expires_in_days": 5,
                    "expires_at": "2026-03-01T00:00:00Z" }),
            json!({ "name": "过去", "scopes": ["batches:read"], "expires_at": "2020-01-01T00:00:00Z" }),
        ] {
            let body = problem(
                app.post(&admin, "/api/v1/service-accounts", body).await,
                422,
                "VALIDATION",
            )
            .await;
            let fields = violation_fields(&body);
            assert!(
                fields.iter().any(|f| f == "expires_in_days" || f == "expires_at"),
                "{fields:?}"
            );
        }
        assert_eq!(
            status_of(app.get(&sk, "/api/v1/batches").await).await,
            200
        );

        // -- Exec: eleven days on
        app.set_now("2026-02-23T02:00:00Z");
        // -- Check: expired answers 401 like revoked, and the list says so
        problem(app.get(&sk, "/api/v1/batches").await, 401, "UNAUTHORIZED").await;
        let admin = token(&app, "admin").await;
        let list: Value = app
            .get(&admin, "/api/v1/service-accounts")
            .await
            .json()
            .await
            .unwrap();
        let listed = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id.as_str())
            .unwrap();
        assert_eq!(listed["status"], "expired");

        // -- Exec: renewal (admin only, audited)
        let emp = token(&app, "emp1").await;
        let path = format!("/api/v1/service-accounts/{id}/renew");
        assert_eq!(
            status_of(app.post(&emp, &path, json!({ "expires_in_days": 30 })).await).await,
            403
        );
        problem(
            app.post(&admin, &path, json!({ "expires_in_days": 400 })).await,
            422,
            "VALIDATION",
        )
        .await;
        let renewed = app.post(&admin, &path, json!({ "expires_in_days": 30 })).await;
        assert_eq!(renewed.status(), 200);
        let renewed: Value = renewed.json().await.unwrap();
        // -- Check
        assert_eq!(renewed["status"], "active");
        assert!(
            renewed["expires_at"]
                .as_str()
                .unwrap()
                .starts_with("2026-03-25T02:0"),
            "{renewed}"
        );
        assert_eq!(
            status_of(app.get(&sk, "/api/v1/batches").await).await,
            200
        );
        assert_eq!(audit_count(&app, "service_account.renew").await, 1);
        // A revoked account is not renewed.
        app.post(&admin, &format!("/api/v1/service-accounts/{id}/revoke"), json!({}))
            .await;
        problem(
            app.post(&admin, &path, json!({})).await,
            409,
            "INVALID_STATE",
        )
        .await;
        app
    })
    .await;
}
