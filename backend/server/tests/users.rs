//! Accounts administration and the admin clock through HTTP (SPEC §1, §8, §9): admin-only
//! routes, validation, unique usernames, optimistic versions, sessions ended at once by
//! disabling or a role change, and moving the injectable clock.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{PASSWORD, TestApp, each_backend, each_backend_with, problem, violation_fields};
use serde_json::{Value, json};

const NEW_PASSWORD: &str = "Fresh@Start2026";

/// Looks a user up by username through the admin list.
async fn find_user(app: &TestApp, admin: &str, username: &str) -> Value {
    let page: Value = app
        .get(admin, "/api/v1/admin/users?page_size=200")
        .await
        .json()
        .await
        .unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == username)
        .cloned()
        .unwrap_or_else(|| panic!("{username} not listed"))
}

#[actix_web::test]
async fn the_admin_creates_an_account_that_can_sign_in() {
    each_backend(|app| async move {
        // -- Setup
        let cast = app.cast().await;
        let admin = app.login("admin").await;
        // -- Exec
        let response = app
            .post(
                &admin,
                "/api/v1/admin/users",
                json!({
                    "username": "emp2", "display_name": " 李四 ", "role": "institution",
                    "institution_id": cast.employer, "password": NEW_PASSWORD,
                }),
            )
            .await;
        // -- Check
        assert_eq!(response.status(), 201);
        let created: Value = response.json().await.unwrap();
        assert_eq!(created["username"], "emp2");
        assert_eq!(created["display_name"], "李四");
        assert_eq!(created["role"], "institution");
        assert_eq!(created["institution_id"], cast.employer.to_string());
        assert_eq!(created["version"], 1);
        assert_eq!(created["disabled"], false);
        assert!(created.get("password_hash").is_none() && created.get("password").is_none());
        let signed_in = app.login_with("emp2", NEW_PASSWORD).await;
        assert_eq!(signed_in.status(), 200);
        let fetched: Value = app
            .get(
                &admin,
                &format!("/api/v1/admin/users/{}", created["id"].as_str().unwrap()),
            )
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(fetched["username"], "emp2");
        app
    })
    .await;
}

#[actix_web::test]
async fn a_taken_username_is_409_username_taken() {
    each_backend(|app| async move {
        app.cast().await;
        let admin = app.login("admin").await;
        let response = app
            .post(
                &admin,
                "/api/v1/admin/users",
                json!({
                    "username": "supervisor", "display_name": "重复", "role": "supervisor",
                    "password": NEW_PASSWORD,
                }),
            )
            .await;
        problem(response, 409, "USERNAME_TAKEN").await;
        app
    })
    .await;
}

#[actix_web::test]
async fn every_invalid_field_is_reported_at_once() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let admin = app.login("admin").await;
        // -- Exec
        let response = app
            .post(
                &admin,
                "/api/v1/admin/users",
                json!({
                    "username": "No Spaces", "display_name": "  ", "role": "institution",
                    "password": "short",
                }),
            )
            .await;
        let unknown_institution = app
            .post(
                &admin,
                "/api/v1/admin/users",
                json!({
                    "username": "emp9", "display_name": "王五", "role": "institution",
                    "institution_id": uuid::Uuid::now_v7(), "password": NEW_PASSWORD,
                }),
            )
            .await;
        let supervisor_with_institution = app
            .post(
                &admin,
                "/api/v1/admin/users",
                json!({
                    "username": "sup2", "display_name": "赵六", "role": "supervisor",
                    "institution_id": uuid::Uuid::now_v7(), "password": NEW_PASSWORD,
                }),
            )
            .await;
        let bad_role = app
            .post(
                &admin,
                "/api/v1/admin/users",
                json!({
                    "username": "root", "display_name": "超级", "role": "superuser",
                    "password": NEW_PASSWORD,
                }),
            )
            .await;
        // -- Check
        let body = problem(response, 422, "VALIDATION").await;
        let mut fields = violation_fields(&body);
        fields.sort_unstable();
        assert_eq!(
            fields,
            ["display_name", "institution_id", "password", "username"]
        );
        let body = problem(unknown_institution, 422, "VALIDATION").await;
        assert_eq!(body["violations"][0]["field"], "institution_id");
        let body = problem(supervisor_with_institution, 422, "VALIDATION").await;
        assert_eq!(body["violations"][0]["field"], "institution_id");
        let body = problem(bad_role, 422, "VALIDATION").await;
        assert_eq!(body["violations"][0]["field"], "role");
        app
    })
    .await;
}

#[actix_web::test]
async fn only_the_admin_manages_accounts() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let admin = app.login("admin").await;
        let target = find_user(&app, &admin, "emp1").await;
        let path = format!("/api/v1/admin/users/{}", target["id"].as_str().unwrap());
        // -- Exec & Check
        for who in ["supervisor", "info", "inspector1", "emp1"] {
            let token = app.login(who).await;
            problem(
                app.get(&token, "/api/v1/admin/users").await,
                403,
                "FORBIDDEN",
            )
            .await;
            problem(app.get(&token, &path).await, 403, "FORBIDDEN").await;
            let create = app
                .post(
                    &token,
                    "/api/v1/admin/users",
                    json!({
                        "username": "sneaky", "display_name": "x", "role": "admin",
                        "password": NEW_PASSWORD,
                    }),
                )
                .await;
            problem(create, 403, "FORBIDDEN").await;
            let patch = app
                .patch(&token, &path, json!({ "version": 1, "role": "admin" }))
                .await;
            problem(patch, 403, "FORBIDDEN").await;
            let clock = app
                .put(
                    &token,
                    "/api/v1/admin/clock",
                    json!({ "now": "2026-06-01T00:00:00Z" }),
                )
                .await;
            problem(clock, 403, "FORBIDDEN").await;
        }
        let anonymous = app
            .client
            .get(app.url("/api/v1/admin/users"))
            .send()
            .await
            .unwrap();
        problem(anonymous, 401, "UNAUTHORIZED").await;
        // Nothing changed.
        let after = find_user(&app, &admin, "emp1").await;
        assert_eq!(after["role"], "institution");
        assert_eq!(after["version"], 1);
        app
    })
    .await;
}

#[actix_web::test]
async fn the_list_filters_and_paginates() {
    each_backend(|app| async move {
        // -- Setup
        let cast = app.cast().await;
        let admin = app.login("admin").await;
        // -- Exec
        let institutions: Value = app
            .get(&admin, "/api/v1/admin/users?role=institution&page_size=3")
            .await
            .json()
            .await
            .unwrap();
        let second_page: Value = app
            .get(
                &admin,
                "/api/v1/admin/users?role=institution&page_size=3&page=2",
            )
            .await
            .json()
            .await
            .unwrap();
        let of_train1: Value = app
            .get(
                &admin,
                &format!("/api/v1/admin/users?institution_id={}", cast.train1),
            )
            .await
            .json()
            .await
            .unwrap();
        let bad_role = app.get(&admin, "/api/v1/admin/users?role=boss").await;
        let too_big = app.get(&admin, "/api/v1/admin/users?page_size=201").await;
        // -- Check
        assert_eq!(institutions["total"], 4);
        assert_eq!(institutions["page_size"], 3);
        assert_eq!(institutions["items"].as_array().unwrap().len(), 3);
        assert_eq!(second_page["items"].as_array().unwrap().len(), 1);
        assert_eq!(of_train1["total"], 1);
        assert_eq!(of_train1["items"][0]["username"], "train1");
        problem(bad_role, 422, "VALIDATION").await;
        problem(too_big, 422, "VALIDATION").await;
        app
    })
    .await;
}

#[actix_web::test]
async fn a_stale_version_is_409_and_a_current_one_applies() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let admin = app.login("admin").await;
        let target = find_user(&app, &admin, "info").await;
        let path = format!("/api/v1/admin/users/{}", target["id"].as_str().unwrap());
        // -- Exec
        let first = app
            .patch(
                &admin,
                &path,
                json!({ "version": 1, "display_name": "信息部 甲" }),
            )
            .await;
        let stale = app
            .patch(
                &admin,
                &path,
                json!({ "version": 1, "display_name": "信息部 乙" }),
            )
            .await;
        let no_version = app
            .patch(&admin, &path, json!({ "display_name": "信息部 丙" }))
            .await;
        let missing = app
            .patch(
                &admin,
                &format!("/api/v1/admin/users/{}", uuid::Uuid::now_v7()),
                json!({ "version": 1, "display_name": "无人" }),
            )
            .await;
        // -- Check
        assert_eq!(first.status(), 200);
        let first: Value = first.json().await.unwrap();
        assert_eq!(first["version"], 2);
        assert_eq!(first["display_name"], "信息部 甲");
        problem(stale, 409, "VERSION_CONFLICT").await;
        problem(no_version, 422, "VALIDATION").await;
        problem(missing, 404, "NOT_FOUND").await;
        let now = find_user(&app, &admin, "info").await;
        assert_eq!(now["display_name"], "信息部 甲");
        // A display name change keeps the session.
        let info = app.login("info").await;
        let again = app
            .patch(
                &admin,
                &path,
                json!({ "version": 2, "display_name": "信息部" }),
            )
            .await;
        assert_eq!(again.status(), 200);
        assert_eq!(app.get(&info, "/api/v1/me").await.status(), 200);
        app
    })
    .await;
}

#[actix_web::test]
async fn disabling_ends_the_users_sessions_at_once() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let admin = app.login("admin").await;
        let session: Value = app
            .login_with("train2", PASSWORD)
            .await
            .json()
            .await
            .unwrap();
        let access = session["access_token"].as_str().unwrap();
        assert_eq!(app.get(access, "/api/v1/me").await.status(), 200);
        let target = find_user(&app, &admin, "train2").await;
        let path = format!("/api/v1/admin/users/{}", target["id"].as_str().unwrap());
        // -- Exec
        let response = app
            .patch(&admin, &path, json!({ "version": 1, "disabled": true }))
            .await;
        // -- Check
        assert_eq!(response.status(), 200);
        problem(app.get(access, "/api/v1/me").await, 401, "UNAUTHORIZED").await;
        let refreshed = app
            .client
            .post(app.url("/api/v1/auth/refresh"))
            .json(&json!({ "refresh_token": session["refresh_token"] }))
            .send()
            .await
            .unwrap();
        problem(refreshed, 401, "UNAUTHORIZED").await;
        problem(
            app.login_with("train2", PASSWORD).await,
            401,
            "UNAUTHORIZED",
        )
        .await;

        // Enabled again, the user signs in afresh.
        let enabled = app
            .patch(&admin, &path, json!({ "version": 2, "disabled": false }))
            .await;
        assert_eq!(enabled.status(), 200);
        assert_eq!(app.login_with("train2", PASSWORD).await.status(), 200);
        app
    })
    .await;
}

#[actix_web::test]
async fn a_role_change_ends_the_users_sessions_at_once() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let admin = app.login("admin").await;
        let inspector = app.login("inspector1").await;
        let target = find_user(&app, &admin, "inspector1").await;
        let path = format!("/api/v1/admin/users/{}", target["id"].as_str().unwrap());
        // -- Exec
        let response = app
            .patch(&admin, &path, json!({ "version": 1, "role": "supervisor" }))
            .await;
        // -- Check
        assert_eq!(response.status(), 200);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["role"], "supervisor");
        problem(app.get(&inspector, "/api/v1/me").await, 401, "UNAUTHORIZED").await;
        let fresh = app.login("inspector1").await;
        let me: Value = app.get(&fresh, "/api/v1/me").await.json().await.unwrap();
        assert_eq!(me["role"], "supervisor");
        app
    })
    .await;
}

#[actix_web::test]
async fn moving_a_user_to_the_institution_role_needs_an_institution() {
    each_backend(|app| async move {
        // -- Setup
        let cast = app.cast().await;
        let admin = app.login("admin").await;
        let target = find_user(&app, &admin, "supervisor").await;
        let path = format!("/api/v1/admin/users/{}", target["id"].as_str().unwrap());
        // -- Exec
        let without = app
            .patch(
                &admin,
                &path,
                json!({ "version": 1, "role": "institution" }),
            )
            .await;
        let with = app
            .patch(
                &admin,
                &path,
                json!({ "version": 1, "role": "institution", "institution_id": cast.school }),
            )
            .await;
        let back = app
            .patch(&admin, &path, json!({ "version": 2, "role": "supervisor" }))
            .await;
        // -- Check
        let body = problem(without, 422, "VALIDATION").await;
        assert_eq!(body["violations"][0]["field"], "institution_id");
        let with: Value = with.json().await.unwrap();
        assert_eq!(with["institution_id"], cast.school.to_string());
        let back: Value = back.json().await.unwrap();
        assert_eq!(back["role"], "supervisor");
        assert!(back["institution_id"].is_null());
        app
    })
    .await;
}

#[actix_web::test]
async fn the_admin_cannot_disable_or_demote_themselves() {
    each_backend(|app| async move {
        app.cast().await;
        let admin = app.login("admin").await;
        let me: Value = app.get(&admin, "/api/v1/me").await.json().await.unwrap();
        let path = format!("/api/v1/admin/users/{}", me["id"].as_str().unwrap());
        let disable = app
            .patch(&admin, &path, json!({ "version": 1, "disabled": true }))
            .await;
        let demote = app
            .patch(&admin, &path, json!({ "version": 1, "role": "supervisor" }))
            .await;
        problem(disable, 409, "INVALID_STATE").await;
        problem(demote, 409, "INVALID_STATE").await;
        assert_eq!(app.get(&admin, "/api/v1/me").await.status(), 200);
        app
    })
    .await;
}

#[actix_web::test]
async fn a_new_password_replaces_the_old_and_lifts_a_lockout() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let admin = app.login("admin").await;
        let old_session = app.login("emp1").await;
        for _ in 0..app.state.config.auth.max_failed_logins {
            app.login_with("emp1", "Wrong@2026x").await;
        }
        problem(app.login_with("emp1", PASSWORD).await, 429, "RATE_LIMITED").await;
        let target = find_user(&app, &admin, "emp1").await;
        assert!(target["locked_until"].is_string());
        let path = format!("/api/v1/admin/users/{}", target["id"].as_str().unwrap());
        // -- Exec
        let weak = app
            .patch(&admin, &path, json!({ "version": 1, "password": "123" }))
            .await;
        let reset = app
            .patch(
                &admin,
                &path,
                json!({ "version": 1, "password": NEW_PASSWORD }),
            )
            .await;
        // -- Check
        problem(weak, 422, "VALIDATION").await;
        assert_eq!(reset.status(), 200);
        let reset: Value = reset.json().await.unwrap();
        assert!(reset["locked_until"].is_null());
        problem(
            app.get(&old_session, "/api/v1/me").await,
            401,
            "UNAUTHORIZED",
        )
        .await;
        problem(app.login_with("emp1", PASSWORD).await, 401, "UNAUTHORIZED").await;
        assert_eq!(app.login_with("emp1", NEW_PASSWORD).await.status(), 200);
        app
    })
    .await;
}

#[actix_web::test]
async fn a_retried_creation_with_the_same_idempotency_key_returns_the_first_answer() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let admin = app.login("admin").await;
        let send = || {
            app.client
                .post(app.url("/api/v1/admin/users"))
                .bearer_auth(&admin)
                .header("idempotency-key", "create-sup3")
                .json(&json!({
                    "username": "sup3", "display_name": "督导三", "role": "supervisor",
                    "password": NEW_PASSWORD,
                }))
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
        assert_eq!(first["id"], second["id"]);
        let list: Value = app
            .get(&admin, "/api/v1/admin/users?role=supervisor")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["total"], 2);
        app
    })
    .await;
}

#[actix_web::test]
async fn account_changes_are_audited_without_passwords() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let admin = app.login("admin").await;
        // -- Exec
        let created: Value = app
            .post(
                &admin,
                "/api/v1/admin/users",
                json!({
                    "username": "audited", "display_name": "审计", "role": "info_officer",
                    "password": NEW_PASSWORD,
                }),
            )
            .await
            .json()
            .await
            .unwrap();
        let path = format!("/api/v1/admin/users/{}", created["id"].as_str().unwrap());
        app.patch(
            &admin,
            &path,
            json!({ "version": 1, "password": "Another@Pass2026" }),
        )
        .await;
        // -- Check
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        use skillcert_server::entities::audit_event;
        let events = audit_event::Entity::find()
            .filter(audit_event::Column::EntityId.eq(created["id"].as_str().unwrap()))
            .order_by_asc(audit_event::Column::Seq)
            .all(&app.state.db.conn)
            .await
            .unwrap();
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["user.create", "user.update"]);
        assert_eq!(events[1].summary["password_changed"], true);
        assert_eq!(events[1].actor_role, "admin");
        for event in &events {
            let text = event.summary.to_string();
            assert!(!text.contains(NEW_PASSWORD) && !text.contains("Another@Pass2026"));
            assert!(!text.contains("argon2"));
        }
        assert!(
            skillcert_server::audit::verify(&app.state.db.conn)
                .await
                .unwrap()
                .is_ok()
        );
        app
    })
    .await;
}

#[actix_web::test]
async fn the_admin_moves_the_clock_and_everyone_reads_it() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let admin = app.login("admin").await;
        let emp = app.login("emp1").await;
        // -- Exec
        let before: Value = app
            .get(&emp, "/api/v1/admin/clock")
            .await
            .json()
            .await
            .unwrap();
        let bad = app
            .put(
                &admin,
                "/api/v1/admin/clock",
                json!({ "now": "next tuesday" }),
            )
            .await;
        let moved = app
            .put(
                &admin,
                "/api/v1/admin/clock",
                json!({ "now": "2026-03-20T09:00:00+08:00" }),
            )
            .await;
        // -- Check
        assert_eq!(before["adjustable"], true);
        assert!(
            before["now"]
                .as_str()
                .unwrap()
                .starts_with("2026-02-12T02:0")
        );
        assert_eq!(moved.status(), 200);
        let moved: Value = moved.json().await.unwrap();
        assert!(
            moved["now"]
                .as_str()
                .unwrap()
                .starts_with("2026-03-20T01:00:0"),
            "{moved}"
        );
        problem(bad, 422, "VALIDATION").await;
        // Tokens follow the clock: five weeks on, the access tokens have expired.
        problem(
            app.get(&admin, "/api/v1/admin/clock").await,
            401,
            "UNAUTHORIZED",
        )
        .await;
        let read = time::OffsetDateTime::parse(
            moved["now"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap();
        assert!(app.state.clock.now() >= read);
        app
    })
    .await;
}

#[actix_web::test]
async fn a_fixed_clock_cannot_be_moved() {
    each_backend_with(
        |config| config.clock.adjustable = false,
        |app| async move {
            app.cast().await;
            let admin = app.login("admin").await;
            let response = app
                .put(
                    &admin,
                    "/api/v1/admin/clock",
                    json!({ "now": "2026-03-20T09:00:00+08:00" }),
                )
                .await;
            let body = problem(response, 409, "INVALID_STATE").await;
            assert_eq!(body["detail"], "时钟不可调整");
            let read: Value = app
                .get(&admin, "/api/v1/admin/clock")
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(read["adjustable"], false);
            app
        },
    )
    .await;
}

#[actix_web::test]
async fn create_user_from_the_command_line_finds_the_institution_by_its_uscc() {
    each_backend(|app| async move {
        // -- Setup
        let institution = app
            .institution("employer", "福州示范企业", "91350100M000100Y43", "4101")
            .await;
        let command = |username: &str, uscc: Option<&str>| skillcert_server::users::CliNewUser {
            username: username.to_owned(),
            display_name: "命令行".to_owned(),
            role: "institution".to_owned(),
            institution_uscc: uscc.map(str::to_owned),
            password: NEW_PASSWORD.to_owned(),
        };
        // -- Exec
        let created = skillcert_server::users::create_from_cli(
            &app.state,
            command("cli.user", Some("91350100m000100y43")),
        )
        .await;
        let unknown = skillcert_server::users::create_from_cli(
            &app.state,
            command("cli.other", Some("91350100MA2XN1C16E")),
        )
        .await;
        let without =
            skillcert_server::users::create_from_cli(&app.state, command("cli.none", None)).await;
        let again = skillcert_server::users::create_from_cli(
            &app.state,
            command("cli.user", Some("91350100M000100Y43")),
        )
        .await;
        // -- Check
        let created = created.unwrap();
        assert_eq!(created.institution_id, Some(institution));
        assert!(unknown.is_err());
        assert!(without.unwrap_err().contains("institution_id"));
        assert!(again.unwrap_err().contains("已被使用"));
        let response = app.login_with("cli.user", NEW_PASSWORD).await;
        assert_eq!(response.status(), 200);
        app
    })
    .await;
}
