//! Webhooks (issue 7): the admin's subscriptions and their deliveries to a real receiver on
//! 127.0.0.1 that checks every signature over the exact bytes it got; retries with backoff as
//! the platform clock moves, dead letters and redelivery, event type filters, the admin-only
//! API, and each event delivered once with two server processes on one database — on SQLite and
//! PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use common::batches::{approve, submit_ok};
use common::certificates::{AFTER_EXAMS, at_certificate, to_issuance};
use common::fixtures::{annual_plan, attach, audit_count, token};
use common::jobs::{events, social_batch};
use common::{TestApp, backends, each_backend, problem};
use hmac::{Hmac, Mac};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use sha2::Sha256;
use skillcert_server::entities::{outbox_event, webhook_delivery, webhook_subscription};
use skillcert_server::notices;
use skillcert_server::webhooks::{self, RunOutcome};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

// -- The receiver

/// What the receiver answers.
#[derive(Clone, Copy, Debug)]
enum Mode {
    Ok,
    /// 503 for the first `n` requests of the hook, then 200.
    FailFirst(usize),
    /// 503 for the first attempt of each delivery id, 200 for the next.
    FailFirstAttempt,
    /// Always 500.
    Fail,
}

/// One request as received.
#[derive(Clone, Debug)]
struct Received {
    hook: String,
    event: String,
    delivery: String,
    attempt: String,
    timestamp: i64,
    signature: String,
    body: Vec<u8>,
    /// The signature checked against the hook's secret over the exact bytes received.
    signed: bool,
    answered: u16,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Default)]
struct Shared {
    secrets: BTreeMap<String, String>,
    modes: BTreeMap<String, Mode>,
    log: Vec<Received>,
}

/// A tiny HTTP server on 127.0.0.1:0: `POST /hook/{name}` verifies the signature with the secret
/// of `name` and answers as its mode says (401 for a bad signature).
struct Receiver {
    base: String,
    shared: Arc<Mutex<Shared>>,
    server: actix_web::dev::ServerHandle,
}

fn header(req: &HttpRequest, name: &str) -> String {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

fn sign(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn hook(
    req: HttpRequest,
    name: web::Path<String>,
    body: web::Bytes,
    shared: web::Data<Arc<Mutex<Shared>>>,
) -> HttpResponse {
    let name = name.into_inner();
    let mut shared = shared.lock().unwrap();
    let timestamp = header(&req, "x-skillcert-timestamp");
    let signed = shared.secrets.get(&name).is_some_and(|secret| {
        sign(secret, &timestamp, &body) == header(&req, "x-skillcert-signature")
    });
    let delivery = header(&req, "x-skillcert-delivery");
    let seen_hook = shared.log.iter().filter(|r| r.hook == name).count();
    let seen_delivery = shared.log.iter().filter(|r| r.delivery == delivery).count();
    let status = if !signed {
        401
    } else {
        match shared.modes.get(&name).copied().unwrap_or(Mode::Ok) {
            Mode::Ok => 200,
            Mode::FailFirst(n) if seen_hook < n => 503,
            Mode::FailFirst(_) => 200,
            Mode::FailFirstAttempt if seen_delivery == 0 => 503,
            Mode::FailFirstAttempt => 204,
            Mode::Fail => 500,
        }
    };
    shared.log.push(Received {
        hook: name,
        event: header(&req, "x-skillcert-event"),
        delivery,
        attempt: header(&req, "x-skillcert-attempt"),
        timestamp: timestamp.parse().unwrap_or_default(),
        signature: header(&req, "x-skillcert-signature"),
        body: body.to_vec(),
        signed,
        answered: status,
    });
    let text = if status >= 400 {
        "接收方暂时不可用"
    } else {
        "ok"
    };
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).body(text)
}

impl Receiver {
    async fn start() -> Receiver {
        let shared = Arc::new(Mutex::new(Shared::default()));
        let data = web::Data::new(shared.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/hook/{name}", web::post().to(hook))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Receiver {
            base: format!("http://127.0.0.1:{port}"),
            shared,
            server: handle,
        }
    }

    fn url(&self, name: &str) -> String {
        format!("{}/hook/{name}", self.base)
    }

    fn secret(&self, name: &str, secret: &str) {
        self.shared
            .lock()
            .unwrap()
            .secrets
            .insert(name.to_owned(), secret.to_owned());
    }

    fn mode(&self, name: &str, mode: Mode) {
        self.shared
            .lock()
            .unwrap()
            .modes
            .insert(name.to_owned(), mode);
    }

    fn log(&self) -> Vec<Received> {
        self.shared.lock().unwrap().log.clone()
    }

    fn of(&self, name: &str) -> Vec<Received> {
        self.log().into_iter().filter(|r| r.hook == name).collect()
    }

    async fn stop(self) {
        self.server.stop(false).await;
    }
}

// -- Helpers

/// Creates a subscription to the receiver's hook `name` (as the admin) and tells the receiver
/// its secret; the answer.
/// `POST /webhooks/{id}/test` for a subscription as created, asserting 200; the answer.
async fn ping(app: &TestApp, admin: &str, subscription: &Value) -> Value {
    let id = subscription["webhook"]["id"].as_str().unwrap();
    let response = app
        .post(admin, &format!("/api/v1/webhooks/{id}/test"), json!({}))
        .await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

async fn subscribe(app: &TestApp, receiver: &Receiver, name: &str, types: &[&str]) -> Value {
    let admin = token(app, "admin").await;
    let response = app
        .post(
            &admin,
            "/api/v1/webhooks",
            json!({ "name": format!("{name} 接收端"), "url": receiver.url(name), "event_types": types }),
        )
        .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    receiver.secret(name, body["secret"].as_str().unwrap());
    body
}

async fn admin_json(app: &TestApp, path: &str) -> Value {
    let admin = token(app, "admin").await;
    let response = app.get(&admin, path).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

/// An outbox event written directly, as a change's transaction would.
async fn event(app: &TestApp, event_type: &str, n: usize) {
    assert!(
        notices::insert_event(
            &app.state.db.conn,
            event_type,
            json!({ "n": n, "title": "事件" }),
            None,
            app.state.clock.now(),
        )
        .await
        .unwrap()
    );
}

async fn run(app: &TestApp) -> RunOutcome {
    webhooks::run_once(&app.state).await.unwrap()
}

async fn deliveries(app: &TestApp) -> Vec<webhook_delivery::Model> {
    webhook_delivery::Entity::find()
        .all(&app.state.db.conn)
        .await
        .unwrap()
}

fn at(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &Rfc3339).unwrap()
}

fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap()
}

/// One of the concurrent webhook rounds of a test.
type Round<'a> = std::pin::Pin<
    Box<
        dyn std::future::Future<Output = Result<RunOutcome, skillcert_server::error::ApiError>>
            + 'a,
    >,
>;

// -- Tests

#[actix_web::test]
async fn events_reach_the_subscriptions_whose_filters_match_signed_over_the_exact_bytes() {
    each_backend(|app| async move {
        // -- Setup: three subscriptions — every step event; draws and certificates; an inactive
        // one for everything.
        let receiver = Receiver::start().await;
        app.cast().await;
        let steps = subscribe(&app, &receiver, "steps", &["step.*"]).await;
        let other = subscribe(
            &app,
            &receiver,
            "other",
            &["draw.published", "certificates.*"],
        )
        .await;
        let off = subscribe(&app, &receiver, "off", &["*"]).await;
        let admin = token(&app, "admin").await;
        let response = app
            .patch(
                &admin,
                &format!(
                    "/api/v1/webhooks/{}",
                    off["webhook"]["id"].as_str().unwrap()
                ),
                json!({ "version": 1, "active": false }),
            )
            .await;
        assert_eq!(response.status(), 200);

        // -- Exec: a plan submitted and approved (two step events), a draw event.
        let batch = social_batch(&app, "train1").await;
        attach(&app, &batch, &["plan_application"]).await;
        let train = token(&app, "train1").await;
        submit_ok(&app, &train, &batch, "plan").await;
        approve(&app, &token(&app, "supervisor").await, &batch, "plan").await;
        event(&app, "draw.published", 1).await;
        let outbox = events(&app).await;
        let types: Vec<&str> = outbox.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(types, ["step.submitted", "step.approved", "draw.published"]);
        let now = app.state.clock.now().unix_timestamp();
        let outcome = run(&app).await;

        // -- Check: dispatched once, one delivery per matching active subscription.
        assert_eq!(
            (
                outcome.events,
                outcome.created,
                outcome.sent,
                outcome.delivered
            ),
            (3, 3, 3, 3),
            "{outcome:?}"
        );
        assert!(
            events(&app).await.iter().all(|e| e.delivered_at.is_some()),
            "every event dispatched"
        );
        let again = run(&app).await;
        assert_eq!((again.events, again.created, again.sent), (0, 0, 0));
        let log = receiver.log();
        assert_eq!(log.len(), 3);
        assert!(log.iter().all(|r| r.signed && r.answered == 200), "{log:?}");
        assert!(receiver.of("off").is_empty());
        let got = receiver.of("steps");
        assert_eq!(
            got.iter().map(|r| r.event.as_str()).collect::<Vec<_>>(),
            ["step.submitted", "step.approved"]
        );
        for r in &log {
            // The body is the outbox payload, the headers name it.
            let body = r.json();
            let stored = outbox
                .iter()
                .find(|e| e.id.to_string() == body["event_id"].as_str().unwrap())
                .unwrap();
            assert_eq!(body, stored.payload);
            assert_eq!(body["event_type"], r.event.as_str());
            assert_eq!(r.attempt, "1");
            assert!(
                (r.timestamp - now).abs() <= 5,
                "platform clock: {}",
                r.timestamp
            );
        }
        let submitted = got[0].json();
        assert_eq!(submitted["batch"]["id"], batch["id"]);
        assert_eq!(
            submitted["batch"]["institution_name"],
            "洛阳示范培训评价组织"
        );
        assert_eq!(
            submitted["step"],
            json!({ "code": "plan", "name": "制定计划", "from": "draft", "to": "submitted" })
        );
        assert!(submitted.get("decision").is_none());
        let approved = got[1].json();
        assert_eq!(approved["step"]["to"], "approved");
        assert_eq!(approved["decision"]["decision"], "approve");
        assert_eq!(approved["decision"]["comment"], "同意");
        assert!(approved["decision"]["decided_by"].is_string());
        assert_eq!(receiver.of("other")[0].event, "draw.published");

        // The delivery id header is the delivery row; the API lists it as delivered.
        let list = admin_json(
            &app,
            &format!(
                "/api/v1/webhooks/{}/deliveries",
                steps["webhook"]["id"].as_str().unwrap()
            ),
        )
        .await;
        assert_eq!(list["total"], 2);
        let first = &list["items"][1];
        assert_eq!(first["event_type"], "step.submitted");
        assert_eq!(first["id"], got[0].delivery.as_str());
        assert_eq!(first["status"], "delivered");
        assert_eq!(first["attempts"], 1);
        assert_eq!(first["max_attempts"], 8);
        assert_eq!(first["last_status"], 200);
        assert_eq!(first["subscription_name"], "steps 接收端");
        assert!(first["next_attempt_at"].is_null());
        assert!(first["delivered_at"].is_string());
        let views = admin_json(&app, "/api/v1/webhooks").await;
        assert_eq!(views["total"], 3);
        let counts: Vec<(String, Value)> = views["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["name"].as_str().unwrap().to_owned(),
                    v["deliveries"].clone(),
                )
            })
            .collect();
        assert!(counts.contains(&(
            "steps 接收端".to_owned(),
            json!({ "pending": 0, "delivered": 2, "dead": 0 })
        )));
        assert!(!views.to_string().contains("secret"), "{views}");

        // -- A ping reaches the hook now, signed, and stores nothing.
        let ping = ping(&app, &admin, &other).await;
        assert_eq!(ping["ok"], true, "{ping}");
        assert_eq!(ping["status"], 200);
        let last = receiver.log().pop().unwrap();
        assert_eq!(last.event, "ping");
        assert!(last.signed);
        assert_eq!(last.delivery, ping["delivery_id"].as_str().unwrap());
        assert_eq!(last.json()["webhook"]["name"], "other 接收端");
        assert_eq!(deliveries(&app).await.len(), 3);

        // -- Re-enabled, the inactive subscription gets what happens from now on only.
        let response = app
            .patch(
                &admin,
                &format!(
                    "/api/v1/webhooks/{}",
                    off["webhook"]["id"].as_str().unwrap()
                ),
                json!({ "version": 2, "active": true }),
            )
            .await;
        assert_eq!(response.status(), 200);
        event(&app, "deadline.extended", 2).await;
        let outcome = run(&app).await;
        assert_eq!((outcome.created, outcome.delivered), (1, 1), "{outcome:?}");
        assert_eq!(receiver.of("off").len(), 1);
        receiver.stop().await;
        app
    })
    .await;
}

#[actix_web::test]
async fn a_test_ping_answers_the_receivers_status_not_its_page() {
    each_backend(|app| async move {
        // -- Setup: a receiver that answers 503 with a body.
        let receiver = Receiver::start().await;
        app.cast().await;
        receiver.mode("down", Mode::FailFirst(1));
        let sub = subscribe(&app, &receiver, "down", &["*"]).await;
        let admin = token(&app, "admin").await;
        // -- Exec
        let ping = ping(&app, &admin, &sub).await;
        // -- Check
        assert_eq!(ping["ok"], false, "{ping}");
        assert_eq!(ping["status"], 503);
        assert_eq!(ping["error"], "HTTP 503", "{ping}");
        assert_eq!(receiver.log().pop().unwrap().event, "ping");
        app
    })
    .await;
}

#[actix_web::test]
async fn a_failing_receiver_is_retried_with_backoff_until_it_answers() {
    each_backend(|app| async move {
        // -- Setup: a receiver that fails twice (503) and then answers.
        let receiver = Receiver::start().await;
        app.cast().await;
        receiver.mode("flaky", Mode::FailFirst(2));
        let sub = subscribe(&app, &receiver, "flaky", &["*"]).await;
        let t0 = at("2026-03-01T08:00:00Z");
        app.set_now(&rfc3339(t0));
        event(&app, "deadline.approaching", 1).await;

        // -- Attempt 1 fails: pending, retried in 30 s.
        let outcome = run(&app).await;
        assert_eq!((outcome.sent, outcome.failed), (1, 1), "{outcome:?}");
        let row = deliveries(&app).await.pop().unwrap();
        assert_eq!((row.status.as_str(), row.attempts), ("pending", 1));
        assert_eq!(row.last_status, Some(503));
        assert_eq!(
            row.last_error.as_deref(),
            Some("HTTP 503: 接收方暂时不可用")
        );
        assert!(row.lease_owner.is_none() && row.lease_until.is_none());
        let wait = row.next_attempt_at - row.last_attempt_at.unwrap();
        assert_eq!(wait.whole_seconds(), 30);

        // Not due yet: nothing is sent.
        app.set_now(&rfc3339(t0 + time::Duration::seconds(20)));
        assert_eq!(run(&app).await.sent, 0);

        // -- Attempt 2, after the backoff, fails again: retried in 60 s.
        app.set_now(&rfc3339(t0 + time::Duration::seconds(31)));
        assert_eq!(run(&app).await.failed, 1);
        let row = deliveries(&app).await.pop().unwrap();
        assert_eq!((row.status.as_str(), row.attempts), ("pending", 2));
        let wait = row.next_attempt_at - row.last_attempt_at.unwrap();
        assert_eq!(wait.whole_seconds(), 60);
        app.set_now(&rfc3339(t0 + time::Duration::seconds(80)));
        assert_eq!(run(&app).await.sent, 0);

        // -- Attempt 3 succeeds.
        app.set_now(&rfc3339(t0 + time::Duration::seconds(92)));
        let outcome = run(&app).await;
        assert_eq!((outcome.sent, outcome.delivered), (1, 1), "{outcome:?}");
        let row = deliveries(&app).await.pop().unwrap();
        assert_eq!((row.status.as_str(), row.attempts), ("delivered", 3));
        assert_eq!(row.last_status, Some(200));
        assert!(row.last_error.is_none());
        assert!(row.delivered_at.is_some());

        // The receiver saw the same delivery three times, numbered, each signed.
        let got = receiver.of("flaky");
        assert_eq!(
            got.iter()
                .map(|r| (r.attempt.as_str(), r.answered))
                .collect::<Vec<_>>(),
            [("1", 503), ("2", 503), ("3", 200)]
        );
        assert!(
            got.iter()
                .all(|r| r.signed && r.delivery == row.id.to_string())
        );
        assert!(got.iter().all(|r| r.body == got[0].body), "the same bytes");
        let view = admin_json(
            &app,
            &format!(
                "/api/v1/webhooks/{}",
                sub["webhook"]["id"].as_str().unwrap()
            ),
        )
        .await;
        assert_eq!(
            view["deliveries"],
            json!({ "pending": 0, "delivered": 1, "dead": 0 })
        );
        receiver.stop().await;
        app
    })
    .await;
}

#[actix_web::test]
async fn a_receiver_that_never_answers_yields_a_dead_letter_that_can_be_redelivered() {
    each_backend(|app| async move {
        // -- Setup: a receiver that always fails.
        let receiver = Receiver::start().await;
        app.cast().await;
        receiver.mode("down", Mode::Fail);
        subscribe(&app, &receiver, "down", &["deadline.*"]).await;
        let mut now = at("2026-03-01T08:00:00Z");
        app.set_now(&rfc3339(now));
        event(&app, "deadline.passed", 1).await;

        // -- Exec: eight attempts, each after the longest backoff; the eighth makes it dead.
        for attempt in 1..=8 {
            let outcome = run(&app).await;
            assert_eq!(outcome.sent, 1, "attempt {attempt}: {outcome:?}");
            let row = deliveries(&app).await.pop().unwrap();
            assert_eq!(row.attempts, attempt);
            let expected = if attempt < 8 { "pending" } else { "dead" };
            assert_eq!(row.status, expected, "attempt {attempt}");
            assert_eq!(outcome.dead, u32::from(attempt == 8));
            now += time::Duration::seconds(3601);
            app.set_now(&rfc3339(now));
        }
        assert_eq!(run(&app).await.sent, 0, "dead is not retried");
        assert_eq!(receiver.of("down").len(), 8);
        // A token of the moved clock's time.
        let admin = token(&app, "admin").await;

        // -- Check: the dead-letter view shows it with its last answer.
        let dead = admin_json(&app, "/api/v1/webhook-deliveries?status=dead").await;
        assert_eq!(dead["total"], 1);
        let letter = &dead["items"][0];
        assert_eq!(letter["status"], "dead");
        assert_eq!(letter["attempts"], 8);
        assert_eq!(letter["last_status"], 500);
        assert_eq!(letter["event_type"], "deadline.passed");
        assert_eq!(letter["subscription_name"], "down 接收端");
        assert!(letter["next_attempt_at"].is_null());
        assert_eq!(
            admin_json(&app, "/api/v1/webhook-deliveries?status=pending").await["total"],
            0
        );
        let response = app
            .get(&admin, "/api/v1/webhook-deliveries?status=lost")
            .await;
        problem(response, 422, "VALIDATION").await;

        // -- Redelivery: pending again with a fresh count; a pending one cannot be redelivered.
        let id = letter["id"].as_str().unwrap();
        let path = format!("/api/v1/webhook-deliveries/{id}/redeliver");
        let response = app.post(&admin, &path, json!({})).await;
        assert_eq!(response.status(), 200);
        let queued: Value = response.json().await.unwrap();
        assert_eq!(
            (queued["status"].clone(), queued["attempts"].clone()),
            (json!("pending"), json!(0))
        );
        problem(
            app.post(&admin, &path, json!({})).await,
            409,
            "INVALID_STATE",
        )
        .await;
        let missing = format!("/api/v1/webhook-deliveries/{}/redeliver", Uuid::now_v7());
        problem(
            app.post(&admin, &missing, json!({})).await,
            404,
            "NOT_FOUND",
        )
        .await;
        receiver.mode("down", Mode::Ok);
        let outcome = run(&app).await;
        assert_eq!((outcome.sent, outcome.delivered), (1, 1), "{outcome:?}");
        let got = receiver.of("down");
        assert_eq!(got.len(), 9);
        let last = got.last().unwrap();
        assert_eq!((last.attempt.as_str(), last.answered), ("1", 200));
        assert_eq!(last.delivery, id);
        assert_eq!(
            admin_json(&app, "/api/v1/webhook-deliveries?status=dead").await["total"],
            0
        );
        assert_eq!(audit_count(&app, "webhook_delivery.redeliver").await, 1);
        receiver.stop().await;
        app
    })
    .await;
}

#[actix_web::test]
async fn only_the_admin_manages_webhooks_and_every_change_is_validated_and_audited() {
    each_backend(|app| async move {
        // -- Setup
        let receiver = Receiver::start().await;
        app.cast().await;
        let admin = token(&app, "admin").await;
        let created = subscribe(&app, &receiver, "main", &["step.submitted"]).await;
        let id = created["webhook"]["id"].as_str().unwrap().to_owned();
        let secret = created["secret"].as_str().unwrap().to_owned();
        assert_eq!(secret.len(), 64);
        assert!(secret.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(created["webhook"]["version"], 1);
        assert_eq!(created["webhook"]["active"], true);
        assert_eq!(created["webhook"]["event_types"], json!(["step.submitted"]));

        // The secret is stored only encrypted.
        let row = webhook_subscription::Entity::find_by_id(id.parse::<Uuid>().unwrap())
            .one(&app.state.db.conn)
            .await
            .unwrap()
            .unwrap();
        assert!(!row.secret_enc.contains(&secret));
        assert_eq!(app.state.pii.decrypt(&row.secret_enc).unwrap(), secret);
        let view = admin_json(&app, &format!("/api/v1/webhooks/{id}")).await;
        assert!(view.get("secret").is_none());
        assert!(!view.to_string().contains(&secret));

        // -- Roles: everyone but the admin is refused, on every route.
        event(&app, "step.submitted", 1).await;
        run(&app).await;
        let delivery = deliveries(&app).await.pop().unwrap().id;
        let routes: Vec<(&str, String, Value)> = vec![
            ("GET", "/api/v1/webhook-event-types".to_owned(), json!(null)),
            ("GET", "/api/v1/webhooks".to_owned(), json!(null)),
            (
                "POST",
                "/api/v1/webhooks".to_owned(),
                json!({ "name": "x", "url": "https://example.cn/", "event_types": ["*"] }),
            ),
            ("GET", format!("/api/v1/webhooks/{id}"), json!(null)),
            ("PATCH", format!("/api/v1/webhooks/{id}"), json!({ "version": 1, "active": false })),
            ("DELETE", format!("/api/v1/webhooks/{id}"), json!(null)),
            ("POST", format!("/api/v1/webhooks/{id}/rotate-secret"), json!({})),
            ("POST", format!("/api/v1/webhooks/{id}/test"), json!({})),
            ("GET", format!("/api/v1/webhooks/{id}/deliveries"), json!(null)),
            ("GET", "/api/v1/webhook-deliveries?status=dead".to_owned(), json!(null)),
            (
                "POST",
                format!("/api/v1/webhook-deliveries/{delivery}/redeliver"),
                json!({}),
            ),
        ];
        for username in ["supervisor", "info", "inspector1", "train1", "emp1"] {
            let token = token(&app, username).await;
            for (method, path, body) in &routes {
                let request = app
                    .client
                    .request(method.parse().unwrap(), app.url(path))
                    .bearer_auth(&token);
                let request = if body.is_null() { request } else { request.json(body) };
                let response = request.send().await.unwrap();
                problem(response, 403, "FORBIDDEN").await;
            }
        }
        let anonymous = app.client.get(app.url("/api/v1/webhooks")).send().await.unwrap();
        problem(anonymous, 401, "UNAUTHORIZED").await;
        assert_eq!(receiver.log().len(), 1, "no ping went out");
        let types = admin_json(&app, "/api/v1/webhook-event-types").await;
        let types: Vec<&str> = types
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["type"].as_str().unwrap())
            .collect();
        for wanted in [
            "step.submitted",
            "step.approved",
            "step.returned",
            "deadline.approaching",
            "draw.published",
            "certificates.published",
        ] {
            assert!(types.contains(&wanted), "{wanted}");
        }

        // -- Validation: every bad field at once, with a stable reason.
        let response = app
            .post(
                &admin,
                "/api/v1/webhooks",
                json!({ "name": " ", "url": "ftp://example.cn/hook", "event_types": ["steps.*", "*"] }),
            )
            .await;
        let body = problem(response, 422, "VALIDATION").await;
        assert_eq!(
            common::violation_fields(&body),
            ["name", "url", "event_types[0]"]
        );
        assert_eq!(body["violations"][1]["details"]["reason"], "scheme");
        assert_eq!(
            body["violations"][2]["details"]["reason"],
            "unknown_event_type"
        );
        for (url, reason) in [
            ("https://user:pw@example.cn/hook", "credentials"),
            ("not a url", "malformed"),
            ("https://example.cn/hook#x", "fragment"),
        ] {
            let response = app
                .post(
                    &admin,
                    "/api/v1/webhooks",
                    json!({ "name": "x", "url": url, "event_types": ["*"] }),
                )
                .await;
            let body = problem(response, 422, "VALIDATION").await;
            assert_eq!(body["violations"][0]["details"]["reason"], reason, "{url}");
        }
        let response = app
            .post(
                &admin,
                "/api/v1/webhooks",
                json!({ "name": "x", "url": "https://example.cn/", "event_types": [] }),
            )
            .await;
        problem(response, 422, "VALIDATION").await;
        let response = app
            .post(&admin, "/api/v1/webhooks", json!({ "name": "x" }))
            .await;
        problem(response, 422, "VALIDATION").await;

        // -- Idempotent creation: a retry with the same key answers the first result.
        let again = |key: &'static str| {
            app.client
                .post(app.url("/api/v1/webhooks"))
                .bearer_auth(&admin)
                .header("Idempotency-Key", key)
                .json(&json!({ "name": "国家平台", "url": "https://example.cn/hook", "event_types": ["certificates.published"] }))
                .send()
        };
        let first: Value = again("k-1").await.unwrap().json().await.unwrap();
        let replay = again("k-1").await.unwrap();
        assert_eq!(replay.status(), 201);
        let replay: Value = replay.json().await.unwrap();
        assert_eq!(replay["webhook"]["id"], first["webhook"]["id"]);
        assert_eq!(admin_json(&app, "/api/v1/webhooks").await["total"], 2);

        // -- Changes: the version is required and checked.
        let path = format!("/api/v1/webhooks/{id}");
        let response = app.patch(&admin, &path, json!({ "active": false })).await;
        problem(response, 422, "VALIDATION").await;
        let response = app
            .patch(&admin, &path, json!({ "version": 7, "active": false }))
            .await;
        problem(response, 409, "VERSION_CONFLICT").await;
        let response = app
            .patch(
                &admin,
                &path,
                json!({ "version": 1, "name": "主接收端", "event_types": ["step.*", "deadline.passed"] }),
            )
            .await;
        assert_eq!(response.status(), 200);
        let changed: Value = response.json().await.unwrap();
        assert_eq!(changed["name"], "主接收端");
        assert_eq!(changed["event_types"], json!(["step.*", "deadline.passed"]));
        assert_eq!(changed["version"], 2);
        let response = app
            .patch(&admin, &path, json!({ "version": 2, "url": "javascript:alert(1)" }))
            .await;
        problem(response, 422, "VALIDATION").await;

        // -- Rotation: a new secret, shown once; later deliveries are signed with it.
        let response = app
            .post(&admin, &format!("{path}/rotate-secret"), json!({}))
            .await;
        assert_eq!(response.status(), 200);
        let rotated: Value = response.json().await.unwrap();
        let new_secret = rotated["secret"].as_str().unwrap();
        assert_ne!(new_secret, secret);
        assert_eq!(rotated["webhook"]["version"], 3);
        event(&app, "step.approved", 2).await;
        run(&app).await;
        let last = receiver.log().pop().unwrap();
        assert!(!last.signed, "the old secret no longer verifies");
        assert_eq!(last.answered, 401);
        assert_eq!(
            last.timestamp.to_string().len(),
            10,
            "unix seconds: {}",
            last.timestamp
        );
        assert_eq!(
            last.signature,
            sign(new_secret, &last.timestamp.to_string(), &last.body)
        );

        // -- Deletion takes the deliveries along.
        let response = app
            .client
            .delete(app.url(&path))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 204);
        problem(app.get(&admin, &path).await, 404, "NOT_FOUND").await;
        problem(
            app.get(&admin, &format!("{path}/deliveries")).await,
            404,
            "NOT_FOUND",
        )
        .await;
        assert!(deliveries(&app).await.is_empty());

        // Every change audited, never with the secret.
        assert_eq!(audit_count(&app, "webhook.create").await, 2);
        assert_eq!(audit_count(&app, "webhook.update").await, 1);
        assert_eq!(audit_count(&app, "webhook.rotate_secret").await, 1);
        assert_eq!(audit_count(&app, "webhook.delete").await, 1);
        let audit = skillcert_server::entities::audit_event::Entity::find()
            .all(&app.state.db.conn)
            .await
            .unwrap();
        let text = serde_json::to_string(
            &audit.iter().map(|a| a.summary.clone()).collect::<Vec<_>>(),
        )
        .unwrap();
        assert!(!text.contains(&secret) && !text.contains(new_secret));
        receiver.stop().await;
        app
    })
    .await;
}

#[actix_web::test]
async fn publication_and_decisions_are_events_delivered_to_their_subscribers() {
    each_backend(|app| async move {
        // -- Setup: a subscriber of certificate events and one of returns.
        let receiver = Receiver::start().await;
        let cast = app.cast().await;
        subscribe(&app, &receiver, "certs", &["certificates.published"]).await;
        subscribe(&app, &receiver, "returns", &["step.returned"]).await;
        annual_plan(&app, cast.employer, 2026).await;

        // A return with reasons.
        let train = token(&app, "train1").await;
        let sup = token(&app, "supervisor").await;
        let batch = social_batch(&app, "train1").await;
        attach(&app, &batch, &["plan_application"]).await;
        submit_ok(&app, &train, &batch, "plan").await;
        let response = common::batches::decide(
            &app,
            &sup,
            &batch,
            "plan",
            json!({ "decision": "return", "comment": "请补充", "reasons": [{ "code": "VALIDATION", "message": "考场地址不完整" }] }),
        )
        .await;
        assert_eq!(response.status(), 200);

        // A batch issued and published.
        let (cert_batch, ids) = at_certificate(&app, 1, 2).await;
        app.set_now(AFTER_EXAMS);
        let cert_batch = to_issuance(&app, &cert_batch, &ids, &[]).await;
        let info = token(&app, "info").await;
        let id = cert_batch["id"].as_str().unwrap();
        let response = app
            .post(&info, &format!("/api/v1/batches/{id}/certificates/issue"), json!({}))
            .await;
        assert_eq!(response.status(), 201);
        let response = app
            .post(&info, &format!("/api/v1/batches/{id}/certificates/publish"), json!({}))
            .await;
        assert_eq!(response.status(), 200);

        // -- Exec
        let outcome = run(&app).await;
        assert_eq!((outcome.sent, outcome.delivered), (2, 2), "{outcome:?}");

        // -- Check: the return with its reasons; the publication with its numbers.
        let returned = receiver.of("returns")[0].json();
        assert_eq!(returned["event_type"], "step.returned");
        assert_eq!(returned["step"]["code"], "plan");
        assert_eq!(returned["decision"]["reasons"][0]["message"], "考场地址不完整");
        let published = receiver.of("certs")[0].json();
        assert_eq!(published["event_type"], "certificates.published");
        assert_eq!(published["batch"]["id"], id);
        assert_eq!(published["published"], 2);
        let numbers: Vec<&str> = published["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["number"].as_str().unwrap())
            .collect();
        assert_eq!(numbers.len(), 2);
        assert!(numbers[0] < numbers[1]);
        assert!(!published.to_string().contains("考生1"), "no names");
        // The issuance step's approval by publication is an event too, after the publication's
        // own changes, and the whole walk wrote every step change.
        let types: Vec<String> = events(&app)
            .await
            .into_iter()
            .filter(|e| e.payload["batch"]["id"] == id)
            .map(|e| {
                format!(
                    "{}:{}",
                    e.event_type,
                    e.payload["step"]["code"].as_str().unwrap_or("-")
                )
            })
            .collect();
        assert_eq!(
            types.last().map(String::as_str),
            Some("certificates.published:-")
        );
        for wanted in [
            "step.submitted:plan",
            "step.approved:plan",
            "step.submitted:registration",
            "step.submitted:certificate",
            "step.approved:certificate",
            "step.approved:issuance",
        ] {
            assert!(types.iter().any(|t| t == wanted), "{wanted} in {types:?}");
        }
        receiver.stop().await;
        app
    })
    .await;
}

/// Without `webhooks.allow_private_targets` (the default) an admin cannot point a subscription
/// at the server's own network: loopback, private and link-local (cloud metadata) addresses
/// and `localhost` are refused, and nothing is stored.
#[actix_web::test]
async fn subscriptions_to_non_public_addresses_are_refused_by_default() {
    for backend in backends() {
        let app = TestApp::spawn(backend, |config| {
            config.webhooks.allow_private_targets = false;
        })
        .await;
        app.cast().await;
        let admin = token(&app, "admin").await;
        for url in [
            "http://127.0.0.1:9/hook",
            "http://localhost:8080/hook",
            "http://169.254.169.254/latest/meta-data/",
            "http://192.168.1.10/hook",
            "http://[::1]/hook",
        ] {
            let response = app
                .post(
                    &admin,
                    "/api/v1/webhooks",
                    json!({ "name": "内网", "url": url, "event_types": ["*"] }),
                )
                .await;
            let body = problem(response, 422, "VALIDATION").await;
            assert_eq!(body["violations"][0]["field"], "url", "{url}: {body}");
            assert_eq!(
                body["violations"][0]["details"]["reason"], "private_address",
                "{url}: {body}"
            );
        }
        let stored = webhook_subscription::Entity::find()
            .count(&app.state.db.conn)
            .await
            .unwrap();
        assert_eq!(stored, 0);
        app.finish().await;
    }
}

#[actix_web::test]
async fn two_servers_on_one_database_deliver_each_event_exactly_once() {
    for backend in backends() {
        // -- Setup: two server processes on one database, two subscribers whose receivers fail
        // each delivery's first attempt, so every delivery is also retried once.
        // Ticks of 30 s: each round below (31 s apart) is a slot of its own.
        let one = TestApp::spawn(backend, |config| config.jobs.tick_seconds = 30).await;
        let two = one.spawn_sharing().await;
        let receiver = Receiver::start().await;
        one.cast().await;
        receiver.mode("a", Mode::FailFirstAttempt);
        receiver.mode("b", Mode::FailFirstAttempt);
        subscribe(&one, &receiver, "a", &["*"]).await;
        subscribe(&two, &receiver, "b", &["deadline.*", "draw.published"]).await;
        let start = at("2026-03-01T08:00:00Z");

        // -- Exec: 12 rounds 31 s apart; in each, both servers write events and then fan out
        // and send at once, three times each (ticks and lease-free rounds mixed).
        let kinds = ["deadline.approaching", "draw.published", "step.submitted"];
        let mut written = 0;
        for round in 0..12i64 {
            let now = rfc3339(start + time::Duration::seconds(31 * round));
            one.set_now(&now);
            two.set_now(&now);
            if round < 8 {
                for n in 0..3 {
                    let app = if n % 2 == 0 { &one } else { &two };
                    event(app, kinds[(written + n) % 3], written + n).await;
                }
                written += 3;
            }
            let results: Vec<RunOutcome> = futures_util::future::join_all([
                Box::pin(webhooks::run_once(&one.state)) as Round<'_>,
                Box::pin(webhooks::run_once(&two.state)),
                Box::pin(webhooks::tick(&one.state)),
                Box::pin(webhooks::tick(&two.state)),
                Box::pin(webhooks::run_once(&one.state)),
                Box::pin(webhooks::run_once(&two.state)),
            ])
            .await
            .into_iter()
            .map(|r| r.unwrap())
            .collect();
            let ticks_ran = results[2..4].iter().filter(|r| r.ran).count();
            assert_eq!(ticks_ran, 1, "one tick per slot ({backend:?})");
        }

        // -- Check: every event dispatched once; every delivery sent twice (a failure, then a
        // success), never twice the same attempt; each event accepted once per subscriber.
        let outbox = outbox_event::Entity::find()
            .all(&one.state.db.conn)
            .await
            .unwrap();
        assert_eq!(outbox.len(), 24);
        assert!(outbox.iter().all(|e| e.delivered_at.is_some()));
        let matching_b = outbox
            .iter()
            .filter(|e| e.event_type != "step.submitted")
            .count();
        let rows = deliveries(&one).await;
        assert_eq!(rows.len(), 24 + matching_b, "{backend:?}");
        assert!(
            rows.iter()
                .all(|r| r.status == "delivered" && r.attempts == 2),
            "{backend:?}: {:?}",
            rows.iter()
                .filter(|r| r.status != "delivered" || r.attempts != 2)
                .collect::<Vec<_>>()
        );
        let log = receiver.log();
        assert!(log.iter().all(|r| r.signed));
        let mut per_attempt: BTreeMap<(String, String), usize> = BTreeMap::new();
        let mut accepted_delivery: BTreeMap<String, usize> = BTreeMap::new();
        let mut accepted_event: BTreeMap<(String, String), usize> = BTreeMap::new();
        for r in &log {
            *per_attempt
                .entry((r.delivery.clone(), r.attempt.clone()))
                .or_default() += 1;
            if r.answered < 300 {
                *accepted_delivery.entry(r.delivery.clone()).or_default() += 1;
                let event_id = r.json()["event_id"].as_str().unwrap().to_owned();
                *accepted_event
                    .entry((r.hook.clone(), event_id))
                    .or_default() += 1;
            }
        }
        assert_eq!(log.len(), 2 * rows.len(), "{backend:?}");
        assert!(per_attempt.values().all(|n| *n == 1), "{per_attempt:?}");
        assert_eq!(accepted_delivery.len(), rows.len());
        assert!(accepted_delivery.values().all(|n| *n == 1));
        assert_eq!(accepted_event.len(), rows.len());
        assert!(accepted_event.values().all(|n| *n == 1));
        let events_a: BTreeSet<&String> = accepted_event
            .keys()
            .filter(|(hook, _)| hook == "a")
            .map(|(_, e)| e)
            .collect();
        assert_eq!(events_a.len(), 24);

        receiver.stop().await;
        two.finish().await;
        one.finish().await;
    }
}
