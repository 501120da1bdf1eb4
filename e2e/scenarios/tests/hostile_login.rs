//! Hostile sign-ins through the real binary, on each database (docs/security.md 2.2.1, 3.5.2):
//! a burst of concurrent guesses on one account checks at most `auth.max_failed_logins`
//! passwords and the right password, once locked, gets exactly the lockout answer a wrong one
//! gets; one client address is limited across names; a refresh racing an admin's password reset
//! never outlives it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use reqwest::Method;
use serde_json::{Value, json};
use skillcert_e2e::{Answer, Api, Body, PASSWORD, Site, backends};
use tokio::task::JoinSet;

const GUESSES: usize = 30;

async fn login_with(api: &Api, username: &str, password: &str) -> Answer {
    api.call(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Body::Json(json!({ "username": username, "password": password })),
    )
    .await
}

/// A problem body without what differs per request.
fn shape(answer: &Answer) -> Value {
    let mut body = answer.json.clone();
    body["request_id"] = Value::Null;
    body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_guesses_check_at_most_the_limit_and_the_right_password_looks_wrong() {
    for backend in backends() {
        let label = format!("{backend:?}");
        let site = Site::new(backend, &[]).await;
        let server = site.serve().await;
        let api = server.api.clone();
        // -- Exec: 30 wrong passwords and the right one, at once, on one demo account
        let mut set = JoinSet::new();
        for i in 0..=GUESSES {
            let api = api.clone();
            let password = if i == GUESSES / 2 {
                PASSWORD.to_owned()
            } else {
                format!("Wrong@2026x{i}")
            };
            set.spawn(async move {
                (
                    password == PASSWORD,
                    login_with(&api, "train1", &password).await,
                )
            });
        }
        let mut wrong = Vec::new();
        let mut right = None;
        while let Some(joined) = set.join_next().await {
            let (is_right, answer) = joined.unwrap();
            if is_right {
                right = Some(answer);
            } else {
                wrong.push(answer);
            }
        }
        let right = right.unwrap();
        // -- Check
        let checked = wrong.iter().filter(|a| a.status == 401).count();
        let locked: Vec<&Answer> = wrong.iter().filter(|a| a.status == 429).collect();
        println!(
            "{label}: {checked} of {GUESSES} concurrent wrong passwords checked, {} refused; right password answered {}",
            locked.len(),
            right.status
        );
        assert!(checked <= 5, "{label}: {checked} wrong passwords checked");
        assert_eq!(checked + locked.len(), GUESSES, "{label}");
        assert!(locked.iter().all(|a| a.code() == "RATE_LIMITED"));
        if right.status != 200 {
            assert_eq!(right.status, 429, "{label}");
            assert_eq!(shape(&right), shape(locked[0]), "{label}");
        }
        // Afterwards the account is locked for everyone, the right password included.
        let after = login_with(&api, "train1", PASSWORD).await;
        let after_wrong = login_with(&api, "train1", "Wrong@2026y").await;
        if right.status != 200 {
            assert_eq!(
                (after.status, shape(&after)),
                (after_wrong.status, shape(&after_wrong))
            );
        }
        drop(server);
        site.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_address_is_limited_across_names() {
    for backend in backends() {
        let site = Site::new(
            backend,
            &[("SKILLCERT__AUTH__MAX_FAILED_LOGINS_PER_ADDRESS", "8")],
        )
        .await;
        let server = site.serve().await;
        let api = server.api.clone();
        // -- Exec: one wrong password on each of eight names
        for i in 0..8 {
            assert_eq!(
                login_with(&api, &format!("nobody{i}"), "Wrong@2026x")
                    .await
                    .status,
                401
            );
        }
        // -- Check: the address is locked, for a real name with its right password too
        let refused = login_with(&api, "train2", PASSWORD).await;
        assert_eq!((refused.status, refused.code()), (429, "RATE_LIMITED"));
        drop(server);
        site.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_password_reset_racing_a_refresh_wins() {
    for backend in backends() {
        let site = Site::new(backend, &[]).await;
        let server = site.serve().await;
        let api = server.api.clone();
        let admin = api.login("admin").await;
        let users = api.get(&admin, "/api/v1/admin/users?page_size=100").await;
        let train = users.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == "train2")
            .unwrap()
            .clone();
        let id = train["id"].as_str().unwrap().to_owned();
        let (mut refresh_first, mut reset_first) = (0, 0);
        for round in 0..5 {
            let session = login_with(&api, "train2", PASSWORD).await;
            assert_eq!(session.status, 200);
            let refresh_token = session.json["refresh_token"].as_str().unwrap().to_owned();
            let version = api
                .get(&admin, &format!("/api/v1/admin/users/{id}"))
                .await
                .json["version"]
                .clone();
            // -- Exec: the refresh and the reset at once
            let path = format!("/api/v1/admin/users/{id}");
            let (refreshed, reset) = tokio::join!(
                api.call(
                    Method::POST,
                    "/api/v1/auth/refresh",
                    None,
                    Body::Json(json!({ "refresh_token": refresh_token })),
                ),
                api.patch(
                    &admin,
                    &path,
                    json!({ "version": version, "password": PASSWORD }),
                ),
            );
            // -- Check: whatever the order, nothing issued before or during the reset survives it
            assert_eq!(reset.status, 200, "round {round}: {}", reset.json);
            if refreshed.status == 200 {
                refresh_first += 1;
                let access = refreshed.json["access_token"].as_str().unwrap();
                let me = api.get(access, "/api/v1/me").await;
                assert_eq!(
                    me.status, 401,
                    "round {round}: the new access token outlived the reset"
                );
                let next = api
                    .call(
                        Method::POST,
                        "/api/v1/auth/refresh",
                        None,
                        Body::Json(json!({ "refresh_token": refreshed.json["refresh_token"] })),
                    )
                    .await;
                assert_eq!(
                    next.status, 401,
                    "round {round}: the new refresh token outlived the reset"
                );
            } else {
                reset_first += 1;
                assert_eq!(refreshed.status, 401, "round {round}");
            }
        }
        println!(
            "{backend:?}: refresh answered 200 in {refresh_first} rounds (its tokens then refused), 401 in {reset_first}"
        );
        drop(server);
        site.finish().await;
    }
}
