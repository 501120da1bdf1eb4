//! Nothing in the logs (issue 4): a global subscriber captures every event of every target at
//! `trace` (the app's request lines, actix, sqlx's statements, sea-orm's spans, the test's own
//! HTTP client) in the production JSON format, with each span's fields as it opens, while the
//! app is driven through each path that handles personal data, good and bad. No full ID number,
//! birth date of an ID number (its eight digits, or as a date) or full phone number may appear
//! in the capture — only masked forms. A failure lists each offending line by target, level and
//! the field (and span) that holds the value.
//!
//! The subscriber is the service's own log layer (`skillcert_server::logging::layer`), so the
//! test checks the production logging rules, not a test-only filter.
//!
//! The subscriber is global to this test binary, so this file holds a single test.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::batches::{add_candidate, at_registration, batch_body, import_roster};
use common::fixtures::token;
use common::ids::{born, wrong_check};
use common::sheets::{Cell, ROSTER_HEADER, roster_row, s, xlsx};
use common::{PASSWORD, TestApp, each_backend, problem};
use serde_json::{Value, json};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Everything the subscriber writes.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn install() -> Capture {
        let capture = Capture::default();
        let writer = capture.clone();
        // The service's own log layer, at the most verbose level for every target.
        tracing_subscriber::registry()
            .with(tracing_subscriber::EnvFilter::new("trace"))
            .with(skillcert_server::logging::layer(
                move || writer.clone(),
                tracing_subscriber::fmt::format::FmtSpan::NEW,
            ))
            .try_init()
            .expect("the only subscriber of this test binary");
        capture
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// A person's data as given to the app, and what must never be logged of it.
struct Person {
    id: String,
    phone: String,
}

impl Person {
    fn new(yyyymmdd: &str, n: u32, phone: &str) -> Person {
        Person {
            id: born(yyyymmdd, n),
            phone: phone.to_owned(),
        }
    }

    fn body(&self, name: &str) -> Value {
        json!({
            "name": name,
            "id_number": self.id,
            "phone": self.phone,
            "occupation_code": "6-31-01-03",
            "level": 5,
            "education": "高中",
            "work_years": 3,
        })
    }
}

/// The full number, the eight digits of its birth date, and that date written as a date.
fn secrets_of_id(id: &str) -> Vec<String> {
    let birth = &id[6..14];
    vec![
        id.to_owned(),
        birth.to_owned(),
        format!("{}-{}-{}", &birth[..4], &birth[4..6], &birth[6..]),
    ]
}

/// Where in a JSON log line `secret` stands: the event's target and level, and the path of
/// each field holding it (with the name of the span it belongs to), or the whole line when it
/// is no JSON.
fn whereabouts(line: &str, secret: &str) -> String {
    fn paths(value: &Value, secret: &str, at: &str, out: &mut Vec<String>) {
        match value {
            Value::String(text) if text.contains(secret) => out.push(at.to_owned()),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    paths(item, secret, &format!("{at}[{i}]"), out);
                }
            }
            Value::Object(map) => {
                let named = map
                    .get("name")
                    .and_then(Value::as_str)
                    .map_or_else(String::new, |name| format!("<{name}>"));
                for (key, item) in map {
                    paths(item, secret, &format!("{at}{named}.{key}"), out);
                }
            }
            _ => {}
        }
    }
    let Ok(event) = serde_json::from_str::<Value>(line) else {
        return format!("a line that is no JSON: {line}");
    };
    let mut found = Vec::new();
    paths(&event, secret, "", &mut found);
    format!(
        "target {} level {} in {} (statement: {})",
        event["target"],
        event["level"],
        found.join(", "),
        event["fields"]["summary"]
    )
}

async fn json_ok(response: reqwest::Response, status: u16, what: &str) -> Value {
    let actual = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(actual, status, "{what}: {body}");
    body
}

/// Drives every path that handles personal data; returns the numbers and phones it used.
async fn drive(app: &TestApp) -> Vec<String> {
    let mut secrets: Vec<String> = Vec::new();
    let mut remember = |ids: &[&str], phones: &[&str]| {
        for id in ids {
            secrets.extend(secrets_of_id(id));
        }
        secrets.extend(phones.iter().map(|p| (*p).to_owned()));
    };

    app.cast().await;
    let batch = at_registration(app, "train1", batch_body("supervised", "exam", 15, "4103")).await;
    let batch_id = batch["id"].as_str().unwrap().to_owned();
    let train = token(app, "train1").await;
    let sup = token(app, "supervisor").await;

    // Candidates: two created, one refused for its check character, one whose number arrives
    // as a JSON number.
    let a = Person::new("19850317", 11, "13912340001");
    let b = Person::new("19880422", 12, "13912340002");
    let refused = Person::new("19830109", 14, "13912340004");
    let refused_id = wrong_check(&refused.id);
    let numeric = (15..)
        .map(|n| Person::new("19860211", n, "13912340005"))
        .find(|p| !p.id.ends_with('X'))
        .unwrap();
    remember(
        &[&a.id, &b.id, &refused.id, &refused_id, &numeric.id],
        &[&a.phone, &b.phone, &refused.phone, &numeric.phone],
    );
    let created_a = json_ok(
        add_candidate(app, &train, &batch, a.body("甲")).await,
        201,
        "create a",
    )
    .await;
    let created_b = json_ok(
        add_candidate(app, &train, &batch, b.body("乙")).await,
        201,
        "create b",
    )
    .await;
    let mut body = refused.body("丙");
    body["id_number"] = json!(refused_id);
    let problem_body = problem(
        add_candidate(app, &train, &batch, body).await,
        422,
        "VALIDATION",
    )
    .await;
    assert_eq!(problem_body["violations"][0]["field"], "id_number");
    let mut body = numeric.body("丁");
    body["id_number"] = json!(numeric.id.parse::<u64>().unwrap());
    problem(
        add_candidate(app, &train, &batch, body).await,
        422,
        "VALIDATION",
    )
    .await;

    // B's number and phone change; then a change refused for its check character.
    let b2 = Person::new("19910805", 13, "13912340003");
    let b_refused = Person::new("19920614", 16, "13912340006");
    let b_refused_id = wrong_check(&b_refused.id);
    remember(&[&b2.id, &b_refused.id, &b_refused_id], &[&b2.phone]);
    let b_path = format!("/api/v1/candidates/{}", created_b["id"].as_str().unwrap());
    json_ok(
        app.patch(
            &train,
            &b_path,
            json!({ "version": 1, "id_number": b2.id, "phone": b2.phone }),
        )
        .await,
        200,
        "patch b",
    )
    .await;
    problem(
        app.patch(
            &train,
            &b_path,
            json!({ "version": 2, "id_number": b_refused_id }),
        )
        .await,
        422,
        "VALIDATION",
    )
    .await;

    // A roster: two clean rows, one with a bad check character and one for an occupation the
    // batch does not plan; refused whole, then imported with valid_only.
    let r1 = Person::new("19820930", 21, "13912340021");
    let r2 = Person::new("19790512", 22, "13912340022");
    let r3 = Person::new("19840707", 23, "13912340023");
    let r3_id = wrong_check(&r3.id);
    let r4 = Person::new("19870228", 24, "13912340024");
    remember(
        &[&r1.id, &r2.id, &r3.id, &r3_id, &r4.id],
        &[&r1.phone, &r2.phone, &r3.phone, &r4.phone],
    );
    let mut unknown_occupation = roster_row("考生四", &r4.id, &r4.phone);
    unknown_occupation[4] = s("6-99-99-99");
    let rows: Vec<Vec<Cell>> = vec![
        roster_row("考生一", &r1.id, &r1.phone),
        roster_row("考生二", &r2.id, &r2.phone),
        roster_row("考生三", &r3_id, &r3.phone),
        unknown_occupation,
    ];
    let file = xlsx(&ROSTER_HEADER, &rows);
    problem(
        import_roster(app, &train, &batch_id, file.clone(), "花名册.xlsx", None).await,
        422,
        "VALIDATION",
    )
    .await;
    let imported = json_ok(
        import_roster(
            app,
            &train,
            &batch_id,
            file,
            "花名册.xlsx",
            Some("valid_only"),
        )
        .await,
        201,
        "valid_only import",
    )
    .await;
    assert_eq!(imported["imported_rows"], 2, "{imported}");
    assert_eq!(
        imported["errors"].as_array().unwrap().len(),
        2,
        "{imported}"
    );

    // The supervisors' blacklist: A is banned (a warning for A), a bad number is refused.
    let banned_refused = Person::new("19760308", 32, "");
    let banned_refused_id = wrong_check(&banned_refused.id);
    remember(&[&banned_refused.id, &banned_refused_id], &[]);
    let ban = |id: &str| {
        json!({
            "name": "甲", "id_number": id, "reason": "替考",
            "ban_from": "2026-01-01", "ban_until": "2028-12-31",
        })
    };
    json_ok(
        app.post(&sup, "/api/v1/blacklist", ban(&a.id)).await,
        201,
        "blacklist a",
    )
    .await;
    problem(
        app.post(&sup, "/api/v1/blacklist", ban(&banned_refused_id))
            .await,
        422,
        "VALIDATION",
    )
    .await;

    // Reading: lists, one candidate, warnings, the blacklist, the export.
    let a_path = format!("/api/v1/candidates/{}", created_a["id"].as_str().unwrap());
    for (who, path) in [
        (&train, format!("/api/v1/batches/{batch_id}/candidates")),
        (&sup, format!("/api/v1/batches/{batch_id}/candidates")),
        (&train, a_path.clone()),
        (&train, b_path.clone()),
        (&train, format!("/api/v1/batches/{batch_id}/warnings")),
        (&sup, format!("/api/v1/batches/{batch_id}/warnings")),
        (&sup, "/api/v1/blacklist".to_owned()),
    ] {
        json_ok(app.get(who, &path).await, 200, &path).await;
    }
    let warnings = json_ok(
        app.get(&train, &format!("/api/v1/batches/{batch_id}/warnings"))
            .await,
        200,
        "warnings",
    )
    .await;
    assert!(
        warnings["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["code"] == "BLACKLISTED"),
        "{warnings}"
    );
    let export = app
        .get(
            &train,
            &format!("/api/v1/batches/{batch_id}/candidates/export"),
        )
        .await;
    assert_eq!(export.status(), 200);

    // The audited reveal, by the owner and by a supervisor: the full numbers do pass through.
    for who in [&train, &sup] {
        let revealed = json_ok(
            app.post(who, &format!("{a_path}/reveal"), json!({})).await,
            200,
            "reveal",
        )
        .await;
        assert_eq!(revealed["id_number"], a.id);
        assert_eq!(revealed["phone"], a.phone);
    }

    // Logins whose username is an ID number, with a wrong password until locked: an unknown
    // name and a real account.
    let unknown = Person::new("19810615", 41, "");
    let account = Person::new("19800716", 42, "");
    remember(&[&unknown.id, &account.id], &[]);
    app.user(&account.id, "inspector", None).await;
    let max = app.state.config.auth.max_failed_logins;
    for username in [&unknown.id, &account.id] {
        for _ in 0..max {
            problem(
                app.login_with(username, "Wrong@2026x").await,
                401,
                "UNAUTHORIZED",
            )
            .await;
        }
        problem(
            app.login_with(username, PASSWORD).await,
            429,
            "RATE_LIMITED",
        )
        .await;
    }
    secrets
}

#[actix_web::test]
async fn no_full_id_or_phone_number_reaches_the_logs() {
    let capture = Capture::install();
    let secrets = Arc::new(Mutex::new(Vec::new()));
    each_backend(|app| {
        let secrets = secrets.clone();
        async move {
            let used = drive(&app).await;
            secrets.lock().unwrap().extend(used);
            app
        }
    })
    .await;
    tracing::info!(target: "logs_test", "done");

    let log = capture.text();
    let secrets = secrets.lock().unwrap().clone();
    // The capture works: request lines with their ids, the app's and sqlx's events.
    assert!(log.lines().count() > 100, "{log}");
    assert!(log.contains("\"request_id\""), "no request ids logged");
    assert!(
        log.contains("/api/v1/candidates/"),
        "no request paths logged"
    );
    assert!(log.contains("/reveal"), "no reveal request logged");
    assert!(
        log.contains("\"message\":\"response\""),
        "no response lines"
    );
    assert!(log.contains("sqlx::query"), "no SQL statements logged");
    assert!(log.contains("logs_test"));
    assert!(!secrets.is_empty());

    let mut leaks = Vec::new();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        for line in log.lines().filter(|line| line.contains(secret.as_str())) {
            leaks.push(format!("{secret} at {}", whereabouts(line, secret)));
        }
    }
    if !leaks.is_empty() {
        let mut out = std::io::stderr();
        for leak in &leaks {
            writeln!(out, "LEAK {leak}").unwrap();
        }
    }
    assert!(
        leaks.is_empty(),
        "{} log lines hold personal data; the first: {}",
        leaks.len(),
        leaks[0]
    );
}
