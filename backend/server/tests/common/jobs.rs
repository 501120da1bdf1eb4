//! The deadline clock in tests: a second server process on the first one's database (what
//! several `serve` processes behind a load balancer are), ticks run directly, and the notices,
//! events and job runs read back.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use skillcert_server::entities::{job_run, notice, outbox_event};
use skillcert_server::jobs::{self, TickOutcome};
use skillcert_server::{build_app, cli};

use super::TestApp;
use super::batches::{ELECTRICIAN, batch_body_lines, create};
use super::fixtures::token;

impl TestApp {
    /// Another server on this app's database, data directory (secrets) and file storage, with
    /// its own connection pool, clock (set to this app's now) and lease holder name. On
    /// PostgreSQL the two share the test database; on SQLite the same file.
    pub async fn spawn_sharing(&self) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let config = (*self.state.config).clone();
        let app = build_app(config).await.unwrap();
        assert!(app.state.clock.set(self.state.clock.now()));
        let state = app.state.clone();
        assert_ne!(state.instance, self.state.instance);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = cli::serve(app, listener).unwrap();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        TestApp {
            backend: self.backend,
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
            state,
            server: handle,
            // The first app drops the database when it finishes.
            pg_database: None,
            _dir: dir,
        }
    }

    /// One tick of the deadline clock in this process.
    pub async fn tick(&self) -> TickOutcome {
        jobs::tick(&self.state).await.unwrap()
    }
}

/// A social-training batch of `username` (exams 2026-03-10 and 11, so the arrangement is due
/// 03-08 and the completion window ends 04-10), at its plan step.
pub async fn social_batch(app: &TestApp, username: &str) -> Value {
    let owner = token(app, username).await;
    let mut body = batch_body_lines(
        "supervised",
        "exam",
        "4103",
        &[(ELECTRICIAN, 5, 8), (ELECTRICIAN, 4, 7)],
    );
    body["venue"] = json!("洛阳职业技能实训基地");
    create(app, &owner, body).await
}

/// GET `path` as `username` (a token minted at the app's current time), asserting 200.
pub async fn get_json(app: &TestApp, username: &str, path: &str) -> Value {
    let token = token(app, username).await;
    let response = app.get(&token, path).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "GET {path} as {username}: {body}");
    body
}

/// The notices `username` sees (first page of 200).
pub async fn notices_of(app: &TestApp, username: &str) -> Value {
    get_json(app, username, "/api/v1/notices?page_size=200").await
}

/// (kind, deadline_kind, deadline) of each notice in a list, newest first.
pub fn notice_keys(list: &Value) -> Vec<(String, String, String)> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["kind"].as_str().unwrap().to_owned(),
                n["deadline_kind"].as_str().unwrap_or_default().to_owned(),
                n["deadline"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

pub async fn all_notices(app: &TestApp) -> Vec<notice::Model> {
    notice::Entity::find()
        .order_by_asc(notice::Column::CreatedAt)
        .all(&app.state.db.conn)
        .await
        .unwrap()
}

pub async fn events(app: &TestApp) -> Vec<outbox_event::Model> {
    outbox_event::Entity::find()
        .order_by_asc(outbox_event::Column::CreatedAt)
        .order_by_asc(outbox_event::Column::Id)
        .all(&app.state.db.conn)
        .await
        .unwrap()
}

pub async fn runs(app: &TestApp) -> Vec<job_run::Model> {
    job_run::Entity::find()
        .filter(job_run::Column::Name.eq(jobs::DEADLINES))
        .order_by_asc(job_run::Column::Slot)
        .all(&app.state.db.conn)
        .await
        .unwrap()
}
