//! Sign-in, sessions and access tokens through HTTP (SPEC §9, issue 3 "Auth"): login and `/me`,
//! one answer for a wrong password and an unknown name, lockout by the injectable clock, forged
//! and stale JWTs, refresh-token rotation and reuse detection, logout.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{PASSWORD, TestApp, each_backend, problem};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

/// tests/common/mod.rs configures this signing key, issuer and audience.
const SECRET: &[u8] = b"test-secret-test-secret-test-secret-0123";
const ISSUER: &str = "skillcert";
const AUDIENCE: &str = "skillcert-api";

/// Logs in and returns the whole session body.
async fn session(app: &TestApp, username: &str) -> Value {
    let response = app.login_with(username, PASSWORD).await;
    assert_eq!(response.status(), 200, "login {username}");
    response.json().await.unwrap()
}

async fn refresh(app: &TestApp, refresh_token: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/refresh"))
        .json(&json!({ "refresh_token": refresh_token }))
        .send()
        .await
        .unwrap()
}

async fn me_status(app: &TestApp, token: &str) -> u16 {
    app.get(token, "/api/v1/me").await.status().as_u16()
}

/// A problem body without its request id, for comparing two answers.
async fn comparable(response: reqwest::Response) -> (u16, Option<String>, Value) {
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let mut body: Value = response.json().await.unwrap();
    body.as_object_mut().unwrap().remove("request_id");
    (status, retry_after, body)
}

/// Claims as the server issues them for `user_id` at the test clock's start.
fn claims(user_id: &str) -> Value {
    let now = 1_770_861_600_i64; // 2026-02-12T02:00:00Z
    json!({
        "sub": user_id, "role": "institution", "tv": 1,
        "iss": ISSUER, "aud": AUDIENCE,
        "iat": now, "nbf": now, "exp": now + 900,
        "jti": "0195a2b0-0000-7000-8000-000000000000",
    })
}

fn sign(claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .unwrap()
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

#[actix_web::test]
async fn login_returns_a_session_and_me_names_the_caller_and_institution() {
    each_backend(|app| async move {
        // -- Setup
        let cast = app.cast().await;
        // -- Exec
        let body = session(&app, "emp1").await;
        let token = body["access_token"].as_str().unwrap();
        let me = app.get(token, "/api/v1/me").await;
        // -- Check
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 900);
        assert!(
            body["refresh_token"]
                .as_str()
                .is_some_and(|t| t.len() >= 40)
        );
        assert_eq!(body["user"]["username"], "emp1");
        assert_eq!(body["user"]["role"], "institution");
        assert_eq!(body["user"]["institution_id"], cast.employer.to_string());
        assert_eq!(me.status(), 200);
        let me: Value = me.json().await.unwrap();
        assert_eq!(me["username"], "emp1");
        assert_eq!(me["role"], "institution");
        assert_eq!(me["institution_id"], cast.employer.to_string());
        assert_eq!(me["institution"]["name"], "河南示范用人单位");
        assert_eq!(me["institution"]["kind"], "employer");

        let admin = app.login("admin").await;
        let me: Value = app.get(&admin, "/api/v1/me").await.json().await.unwrap();
        assert_eq!(me["role"], "admin");
        assert!(me["institution"].is_null());
        app
    })
    .await;
}

#[actix_web::test]
async fn me_without_a_token_is_401() {
    each_backend(|app| async move {
        let response = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
        problem(response, 401, "UNAUTHORIZED").await;
        app
    })
    .await;
}

#[actix_web::test]
async fn a_wrong_password_and_an_unknown_user_get_the_same_answer() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        // -- Exec
        let wrong_password = app.login_with("emp1", "Wrong@2026x").await;
        let unknown_user = app.login_with("nobody", "Wrong@2026x").await;
        let disabled = {
            app.user("gone", "supervisor", None).await;
            let conn = &app.state.db.conn;
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
            skillcert_server::entities::user::Entity::update_many()
                .col_expr(
                    skillcert_server::entities::user::Column::Disabled,
                    Expr::value(true),
                )
                .filter(skillcert_server::entities::user::Column::Username.eq("gone"))
                .exec(conn)
                .await
                .unwrap();
            app.login_with("gone", PASSWORD).await
        };
        // -- Check
        assert_eq!(
            wrong_password.headers().get("www-authenticate"),
            unknown_user.headers().get("www-authenticate")
        );
        let a = comparable(wrong_password).await;
        let b = comparable(unknown_user).await;
        let c = comparable(disabled).await;
        assert_eq!(a.0, 401);
        assert_eq!(a.2["code"], "UNAUTHORIZED");
        assert_eq!(a, b);
        assert_eq!(a, c);
        app
    })
    .await;
}

#[actix_web::test]
async fn repeated_failures_lock_real_and_unknown_names_alike_until_the_clock_moves_on() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let max = app.state.config.auth.max_failed_logins;
        // -- Exec
        for attempt in 1..=max {
            let real = comparable(app.login_with("train1", "Wrong@2026x").await).await;
            let unknown = comparable(app.login_with("no.such.user", "Wrong@2026x").await).await;
            assert_eq!(real.0, 401, "attempt {attempt}");
            assert_eq!(real, unknown, "attempt {attempt}");
        }
        let real = app.login_with("train1", "Wrong@2026x").await;
        let unknown = app.login_with("no.such.user", "Wrong@2026x").await;
        let right_password_while_locked = app.login_with("train1", PASSWORD).await;
        let other_user = app.login_with("train2", PASSWORD).await;
        // -- Check
        let real = comparable(real).await;
        let unknown = comparable(unknown).await;
        assert_eq!(real.0, 429);
        assert_eq!(real.2["code"], "RATE_LIMITED");
        let retry: u64 = real.1.as_deref().unwrap().parse().unwrap();
        assert!((890..=900).contains(&retry), "Retry-After {retry}");
        assert_eq!(real.2, unknown.2);
        assert_eq!(unknown.0, 429);
        assert!(unknown.1.is_some());
        problem(right_password_while_locked, 429, "RATE_LIMITED").await;
        assert_eq!(other_user.status(), 200);

        // -- Exec: after the lockout period
        app.set_now("2026-02-12T02:16:00Z");
        let real = app.login_with("train1", PASSWORD).await;
        let unknown = app.login_with("no.such.user", "Wrong@2026x").await;
        // -- Check
        assert_eq!(real.status(), 200);
        problem(unknown, 401, "UNAUTHORIZED").await;

        // A success resets the count: max − 1 failures do not lock.
        for _ in 1..max {
            problem(
                app.login_with("train1", "Wrong@2026x").await,
                401,
                "UNAUTHORIZED",
            )
            .await;
        }
        assert_eq!(app.login_with("train1", PASSWORD).await.status(), 200);
        app
    })
    .await;
}

#[actix_web::test]
async fn a_lockout_is_audited_and_the_password_never_is() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let max = app.state.config.auth.max_failed_logins;
        // -- Exec
        for _ in 0..max {
            app.login_with("school1", "Secret@Attempt1").await;
        }
        app.login("admin").await;
        // -- Check
        use sea_orm::EntityTrait;
        let events = skillcert_server::entities::audit_event::Entity::find()
            .all(&app.state.db.conn)
            .await
            .unwrap();
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert!(actions.contains(&"auth.lockout"), "{actions:?}");
        assert!(actions.contains(&"auth.login"), "{actions:?}");
        for event in &events {
            let text = event.summary.to_string();
            assert!(
                !text.contains("Secret@Attempt1") && !text.contains(PASSWORD),
                "{text}"
            );
        }
        app
    })
    .await;
}

#[actix_web::test]
async fn forged_altered_and_stale_access_tokens_are_401() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let body = session(&app, "emp1").await;
        let user_id = body["user"]["id"].as_str().unwrap().to_owned();
        let genuine = body["access_token"].as_str().unwrap().to_owned();
        // A token crafted with the right key and claims is accepted: the attacks below fail for
        // what they change, not for how they were made.
        let control = sign(&claims(&user_id), SECRET);
        assert_eq!(me_status(&app, &control).await, 200);

        let alg_none = format!(
            "{}.{}.",
            b64(&json!({ "alg": "none", "typ": "JWT" })),
            b64(&claims(&user_id))
        );
        let wrong_key = sign(
            &claims(&user_id),
            b"another-secret-another-secret-another-1",
        );
        let tampered = {
            let parts: Vec<&str> = genuine.split('.').collect();
            let mut payload: Value =
                serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
            payload["role"] = json!("admin");
            format!("{}.{}.{}", parts[0], b64(&payload), parts[2])
        };
        let wrong_audience = {
            let mut c = claims(&user_id);
            c["aud"] = json!("somebody-else");
            sign(&c, SECRET)
        };
        let wrong_issuer = {
            let mut c = claims(&user_id);
            c["iss"] = json!("evil");
            sign(&c, SECRET)
        };
        let string_exp = {
            let mut c = claims(&user_id);
            c["exp"] = json!("9999999999");
            sign(&c, SECRET)
        };
        let no_exp = {
            let mut c = claims(&user_id);
            c.as_object_mut().unwrap().remove("exp");
            sign(&c, SECRET)
        };
        let not_yet_valid = {
            let mut c = claims(&user_id);
            c["nbf"] = json!(1_770_861_600_i64 + 3600);
            sign(&c, SECRET)
        };
        // -- Exec & Check
        for (name, token) in [
            ("alg none", alg_none.as_str()),
            ("wrong key", wrong_key.as_str()),
            ("tampered payload", tampered.as_str()),
            ("wrong audience", wrong_audience.as_str()),
            ("wrong issuer", wrong_issuer.as_str()),
            ("string-typed exp", string_exp.as_str()),
            ("no exp", no_exp.as_str()),
            ("nbf ahead", not_yet_valid.as_str()),
            ("garbage", "not-a-jwt"),
        ] {
            let response = app.get(token, "/api/v1/me").await;
            assert_eq!(response.status(), 401, "{name}");
            problem(response, 401, "UNAUTHORIZED").await;
        }

        // -- Exec: expired by the injectable clock
        assert_eq!(me_status(&app, &genuine).await, 200);
        app.set_now("2026-02-12T02:20:00Z");
        // -- Check
        assert_eq!(me_status(&app, &genuine).await, 401);
        assert_eq!(me_status(&app, &control).await, 401);
        app
    })
    .await;
}

#[actix_web::test]
async fn refresh_rotates_the_session() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let first = session(&app, "supervisor").await;
        // -- Exec
        let response = refresh(&app, first["refresh_token"].as_str().unwrap()).await;
        assert_eq!(response.status(), 200);
        let second: Value = response.json().await.unwrap();
        let third: Value = refresh(&app, second["refresh_token"].as_str().unwrap())
            .await
            .json()
            .await
            .unwrap();
        // -- Check
        assert_ne!(second["refresh_token"], first["refresh_token"]);
        assert_ne!(second["access_token"], first["access_token"]);
        assert_eq!(second["token_type"], "Bearer");
        assert_eq!(second["user"]["username"], "supervisor");
        assert_eq!(
            me_status(&app, second["access_token"].as_str().unwrap()).await,
            200
        );
        assert_eq!(
            me_status(&app, third["access_token"].as_str().unwrap()).await,
            200
        );
        // Stored hashed only.
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        use skillcert_server::entities::refresh_token;
        let raw = third["refresh_token"].as_str().unwrap();
        assert!(
            refresh_token::Entity::find()
                .filter(refresh_token::Column::TokenHash.eq(raw))
                .one(&app.state.db.conn)
                .await
                .unwrap()
                .is_none()
        );
        app
    })
    .await;
}

#[actix_web::test]
async fn reusing_a_rotated_refresh_token_revokes_its_whole_family() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let first = session(&app, "info").await;
        let other_session = session(&app, "info").await;
        let old = first["refresh_token"].as_str().unwrap().to_owned();
        let second: Value = refresh(&app, &old).await.json().await.unwrap();
        let newest = second["refresh_token"].as_str().unwrap().to_owned();
        // -- Exec
        let replay = refresh(&app, &old).await;
        let after = refresh(&app, &newest).await;
        let elsewhere = refresh(&app, other_session["refresh_token"].as_str().unwrap()).await;
        // -- Check
        problem(replay, 401, "UNAUTHORIZED").await;
        problem(after, 401, "UNAUTHORIZED").await;
        // Only that family: another session of the same user goes on.
        assert_eq!(elsewhere.status(), 200);
        use sea_orm::EntityTrait;
        let events = skillcert_server::entities::audit_event::Entity::find()
            .all(&app.state.db.conn)
            .await
            .unwrap();
        assert!(events.iter().any(|e| e.action == "auth.refresh_reuse"));
        app
    })
    .await;
}

#[actix_web::test]
async fn unknown_and_expired_refresh_tokens_are_401() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let body = session(&app, "admin").await;
        // -- Exec & Check
        problem(refresh(&app, "made-up").await, 401, "UNAUTHORIZED").await;
        app.set_now("2026-03-01T00:00:00Z");
        problem(
            refresh(&app, body["refresh_token"].as_str().unwrap()).await,
            401,
            "UNAUTHORIZED",
        )
        .await;
        app
    })
    .await;
}

#[actix_web::test]
async fn logout_ends_the_session() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let body = session(&app, "emp1").await;
        let refresh_token = body["refresh_token"].as_str().unwrap();
        // -- Exec
        let out = app
            .client
            .post(app.url("/api/v1/auth/logout"))
            .json(&json!({ "refresh_token": refresh_token }))
            .send()
            .await
            .unwrap();
        let unknown = app
            .client
            .post(app.url("/api/v1/auth/logout"))
            .json(&json!({ "refresh_token": "made-up" }))
            .send()
            .await
            .unwrap();
        // -- Check
        assert_eq!(out.status(), 204);
        assert_eq!(unknown.status(), 204);
        problem(refresh(&app, refresh_token).await, 401, "UNAUTHORIZED").await;
        app
    })
    .await;
}

#[actix_web::test]
async fn malformed_login_bodies_are_problems_not_500s() {
    each_backend(|app| async move {
        let missing = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "username": "emp1" }))
            .send()
            .await
            .unwrap();
        problem(missing, 422, "VALIDATION").await;
        let broken = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        problem(broken, 400, "BAD_REQUEST").await;
        app
    })
    .await;
}

#[actix_web::test]
async fn concurrent_guesses_check_at_most_the_limit_and_the_right_password_looks_like_a_wrong_one()
{
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let max = app.state.config.auth.max_failed_logins;
        // -- Exec: 30 wrong passwords and the right one, all at once
        let mut attempts: Vec<_> = (0..30)
            .map(|_| app.login_with("train1", "Wrong@2026x"))
            .collect();
        attempts.push(app.login_with("train1", PASSWORD));
        let answers = futures_util::future::join_all(attempts).await;
        let mut answers_seen = Vec::new();
        for answer in answers {
            answers_seen.push(comparable(answer).await);
        }
        // -- Check
        let right = answers_seen.pop().unwrap();
        let checked = answers_seen.iter().filter(|a| a.0 == 401).count();
        assert!(checked <= max as usize, "{checked} wrong passwords checked");
        assert!(answers_seen.iter().all(|a| a.0 == 401 || a.0 == 429));
        let locked: Vec<_> = answers_seen.iter().filter(|a| a.0 == 429).collect();
        assert!(!locked.is_empty());
        if right.0 != 200 {
            // During the lockout the right password gets the lockout answer, like a wrong one.
            let mut right_body = right.2.clone();
            let mut wrong_body = locked[0].2.clone();
            right_body["request_id"] = Value::Null;
            wrong_body["request_id"] = Value::Null;
            assert_eq!((right.0, &right_body), (429, &wrong_body));
            assert!(right.1.is_some());
        }
        app
    })
    .await;
}

#[actix_web::test]
async fn failures_from_one_address_lock_it_whatever_the_names() {
    each_backend(|app| async move {
        // -- Setup
        app.cast().await;
        let per_address = app.state.config.auth.max_failed_logins_per_address;
        // -- Exec: one failure each on many names, from one address
        for i in 0..per_address {
            problem(
                app.login_with(&format!("nobody{i}"), "Wrong@2026x").await,
                401,
                "UNAUTHORIZED",
            )
            .await;
        }
        // -- Check: the address is locked, even for a right password of a fresh name
        problem(
            app.login_with("train2", PASSWORD).await,
            429,
            "RATE_LIMITED",
        )
        .await;
        app.set_now("2026-02-12T02:16:00Z");
        assert_eq!(app.login_with("train2", PASSWORD).await.status(), 200);
        app
    })
    .await;
}

#[actix_web::test]
async fn an_institution_sees_roles_and_actions_but_no_actor_ids_or_addresses() {
    each_backend(|app| async move {
        // -- Setup: a supervisor acts on the institution (logins are audited with its id)
        app.cast().await;
        let school = app.login("school1").await;
        let admin = app.login("admin").await;
        // -- Exec
        let own: Value = app
            .get(&school, "/api/v1/audit-events")
            .await
            .json()
            .await
            .unwrap();
        let full: Value = app
            .get(&admin, "/api/v1/audit-events")
            .await
            .json()
            .await
            .unwrap();
        // -- Check
        let own = own["items"].as_array().unwrap();
        assert!(!own.is_empty());
        for event in own {
            assert!(event["actor_id"].is_null(), "{event}");
            assert!(event["ip"].is_null(), "{event}");
            assert!(event["actor_role"].is_string() && event["action"].is_string());
        }
        let full = full["items"].as_array().unwrap();
        assert!(full.iter().any(|e| e["actor_id"].is_string()));
        assert!(full.iter().all(|e| e["ip"].is_string()));
        app
    })
    .await;
}
