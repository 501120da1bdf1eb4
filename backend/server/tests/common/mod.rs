//! The test harness: the real app on 127.0.0.1:0 with a fresh database per test — a temporary
//! SQLite file always, and a fresh PostgreSQL database as well when `TEST_DATABASE_URL` is set —
//! talked to over HTTP with reqwest. Fixtures write directly through the entities.
//!
//! The helpers several test files share live in the submodules: `fixtures` (tokens, annual
//! plans, materials and users written through the entities), `batches` (creation bodies, step
//! submissions and decisions, a batch at registration, candidates and roster imports through
//! HTTP), `ids` (valid and invalid ID numbers), `sheets` (.xlsx files), `pdf` (small PDFs) and `social` (a social-training batch at its
//! arrangement step) and `walk` (a batch of any variant walked through its catalogue to published
//! certificates).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod batches;
pub mod certificates;
pub mod draws;
pub mod fixtures;
pub mod ids;
pub mod jobs;
pub mod pdf;
pub mod sheets;
pub mod social;
pub mod walk;

use std::future::Future;

use actix_web::web;
use sea_orm::{ActiveValue::Set, ConnectionTrait, Database, EntityTrait, Statement};
use serde_json::{Value, json};
use skillcert_server::config::Config;
use skillcert_server::entities::{institution, institution_filing, occupation, user};
use skillcert_server::state::AppState;
use skillcert_server::{auth::password, build_app, cli};
use uuid::Uuid;

pub const PASSWORD: &str = "Demo@2026";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite always; PostgreSQL too when `TEST_DATABASE_URL` is set.
pub fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::Sqlite];
    if std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty()) {
        all.push(Backend::Postgres);
    }
    all
}

pub struct TestApp {
    pub backend: Backend,
    pub base: String,
    pub client: reqwest::Client,
    pub state: web::Data<AppState>,
    server: actix_web::dev::ServerHandle,
    pg_database: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

/// Runs `test` once per backend, each on a fresh app and database.
pub async fn each_backend<F, Fut>(test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = TestApp>,
{
    for backend in backends() {
        let app = TestApp::spawn(backend, |_| {}).await;
        let app = test(app).await;
        app.finish().await;
    }
}

/// The same, with a configuration tweak.
pub async fn each_backend_with<F, Fut>(tweak: fn(&mut Config), test: F)
where
    F: Fn(TestApp) -> Fut,
    Fut: Future<Output = TestApp>,
{
    for backend in backends() {
        let app = TestApp::spawn(backend, tweak).await;
        let app = test(app).await;
        app.finish().await;
    }
}

fn pg_url_with_db(url: &str, db: &str) -> String {
    let (base, _) = url
        .rsplit_once('/')
        .expect("TEST_DATABASE_URL has a database name");
    format!("{base}/{db}")
}

impl TestApp {
    pub async fn spawn(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::load(None, Vec::<(String, String)>::new()).unwrap();
        config.data_dir = dir.path().join("data");
        config.storage.root = dir.path().join("files");
        config.auth.jwt_secret = Some("test-secret-test-secret-test-secret-0123".to_owned());
        config.clock.adjustable = true;
        config.clock.now = Some("2026-02-12T02:00:00Z".to_owned());
        let mut pg_database = None;
        config.database.url = Some(match backend {
            Backend::Sqlite => {
                format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display())
            }
            Backend::Postgres => {
                let admin_url = std::env::var("TEST_DATABASE_URL").unwrap();
                let name = format!("skillcert_t_{}", Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url).await.unwrap();
                admin
                    .execute(Statement::from_string(
                        admin.get_database_backend(),
                        format!("CREATE DATABASE {name}"),
                    ))
                    .await
                    .unwrap();
                admin.close().await.unwrap();
                pg_database = Some((admin_url.clone(), name.clone()));
                pg_url_with_db(&admin_url, &name)
            }
        });
        config.database.max_connections = 8;
        // Tests run the deadline clock's ticks themselves (jobs::tick); a tweak may start it.
        config.jobs.enabled = false;
        // The tests' webhook receivers listen on 127.0.0.1 (tests/webhooks.rs turns it off to
        // check the refusal).
        config.webhooks.allow_private_targets = true;
        tweak(&mut config);
        let app = build_app(config).await.unwrap();
        let state = app.state.clone();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = cli::serve(app, listener).unwrap();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        TestApp {
            backend,
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
            state,
            server: handle,
            pg_database,
            _dir: dir,
        }
    }

    pub async fn finish(self) {
        self.server.stop(false).await;
        let conn = self.state.db.conn.clone();
        drop(self.state);
        let _ = conn.close().await;
        if let Some((admin_url, name)) = self.pg_database {
            let admin = Database::connect(&admin_url).await.unwrap();
            let _ = admin
                .execute(Statement::from_string(
                    admin.get_database_backend(),
                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ))
                .await;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, token: &str, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn put(&self, token: &str, path: &str, body: Value) -> reqwest::Response {
        self.client
            .put(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch(&self, token: &str, path: &str, body: Value) -> reqwest::Response {
        self.client
            .patch(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    /// The answer to a login with `password`.
    pub async fn login_with(&self, username: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .unwrap()
    }

    /// Logs in and returns the access token.
    pub async fn login(&self, username: &str) -> String {
        let response = self.login_with(username, PASSWORD).await;
        assert_eq!(response.status(), 200, "login {username}");
        let body: Value = response.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    // -- Fixtures, written straight through the entities

    pub async fn occupation(&self, code: &str, name: &str, levels: &[i16]) {
        occupation::Entity::insert(occupation::ActiveModel {
            code: Set(code.to_owned()),
            name: Set(name.to_owned()),
            levels: Set(json!(levels)),
            has_review: Set(false),
        })
        .exec(&self.state.db.conn)
        .await
        .unwrap();
    }

    /// An institution filed for 电工 and 养老护理员 at levels 5–3.
    pub async fn institution(&self, kind: &str, name: &str, uscc: &str, region: &str) -> Uuid {
        let conn = &self.state.db.conn;
        if occupation::Entity::find_by_id("6-31-01-03".to_owned())
            .one(conn)
            .await
            .unwrap()
            .is_none()
        {
            self.occupation("6-31-01-03", "电工", &[5, 4, 3, 2, 1])
                .await;
            self.occupation("4-10-01-05", "养老护理员", &[5, 4, 3, 2, 1])
                .await;
        }
        let id = Uuid::now_v7();
        let now = self.state.clock.now();
        institution::Entity::insert(institution::ActiveModel {
            id: Set(id),
            kind: Set(kind.to_owned()),
            name: Set(name.to_owned()),
            uscc: Set(uscc.to_owned()),
            region: Set(region.to_owned()),
            filing_code: Set("0000".to_owned()),
            site_code: Set("410001".to_owned()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec(conn)
        .await
        .unwrap();
        for code in ["6-31-01-03", "4-10-01-05"] {
            for level in [5i16, 4, 3] {
                institution_filing::Entity::insert(institution_filing::ActiveModel {
                    institution_id: Set(id),
                    occupation_code: Set(code.to_owned()),
                    level: Set(level),
                })
                .exec(conn)
                .await
                .unwrap();
            }
        }
        id
    }

    pub async fn user(&self, username: &str, role: &str, institution_id: Option<Uuid>) -> Uuid {
        let id = Uuid::now_v7();
        let now = self.state.clock.now();
        user::Entity::insert(user::ActiveModel {
            id: Set(id),
            username: Set(username.to_owned()),
            display_name: Set(username.to_owned()),
            password_hash: Set(password::hash(PASSWORD).unwrap()),
            role: Set(role.to_owned()),
            institution_id: Set(institution_id),
            disabled: Set(false),
            token_version: Set(1),
            failed_logins: Set(0),
            locked_until: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec(&self.state.db.conn)
        .await
        .unwrap();
        id
    }

    /// The usual cast: admin, supervisor, info, inspector1, and two institutions of each
    /// kind's first user (`emp1`, `train1`, `train2`, `school1`).
    pub async fn cast(&self) -> Cast {
        self.user("admin", "admin", None).await;
        self.user("supervisor", "supervisor", None).await;
        self.user("info", "info_officer", None).await;
        self.user("inspector1", "inspector", None).await;
        let employer = self
            .institution("employer", "河南示范用人单位", "91410000000000001M", "4101")
            .await;
        let train1 = self
            .institution(
                "social_training",
                "洛阳示范培训评价组织",
                "524103000000000016",
                "4103",
            )
            .await;
        let train2 = self
            .institution(
                "social_training",
                "郑州示范培训评价组织",
                "52410100000000001U",
                "4101",
            )
            .await;
        let school = self
            .institution(
                "tech_school",
                "新乡示范技工学校",
                "12410700000000001Y",
                "4107",
            )
            .await;
        self.user("emp1", "institution", Some(employer)).await;
        self.user("train1", "institution", Some(train1)).await;
        self.user("train2", "institution", Some(train2)).await;
        self.user("school1", "institution", Some(school)).await;
        Cast {
            employer,
            train1,
            train2,
            school,
        }
    }

    /// Moves the injectable clock.
    pub fn set_now(&self, rfc3339: &str) {
        let now =
            time::OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339)
                .unwrap();
        assert!(self.state.clock.set(now));
    }
}

pub struct Cast {
    pub employer: Uuid,
    pub train1: Uuid,
    pub train2: Uuid,
    pub school: Uuid,
}

/// Asserts a problem+json answer with `status` and `code`, returning the body.
pub async fn problem(response: reqwest::Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status(), status, "status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body: Value = response.json().await.unwrap();
    assert_eq!(content_type, "application/problem+json", "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert!(body["request_id"].as_str().is_some_and(|id| !id.is_empty()));
    assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()));
    body
}

/// The `field` of each violation of a problem body, in order (`""` for one without a field).
pub fn violation_fields(body: &Value) -> Vec<String> {
    body["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["field"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The distinct violation codes of a problem body, sorted.
pub fn violation_codes(body: &Value) -> Vec<String> {
    let mut codes: Vec<String> = body["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["code"].as_str().unwrap().to_owned())
        .collect();
    codes.sort();
    codes.dedup();
    codes
}
