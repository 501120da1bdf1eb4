//! The black-box scenario suite (issue 8): the built `skillcert` binary started as a user starts
//! it — `skillcert migrate`, `skillcert seed-demo`, `skillcert serve` with environment variables
//! only, a fresh data directory and database, a real port — and driven over HTTP with reqwest.
//! Nothing here links the server's code: what the suite knows of it is the CLI, the demo
//! accounts of SPEC §9 and `openapi/openapi.json`, against which every answer is checked
//! ([`contract`]).
//!
//! The binary: `SKILLCERT_BIN`, else `target/debug/skillcert` beside this test (which
//! `cargo test --workspace` builds with the server's own tests). SQLite always; PostgreSQL as
//! well when `TEST_DATABASE_URL` is set (each server gets a fresh database, dropped after).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod contract;
pub mod scenario;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};

use reqwest::Method;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

pub use contract::Contract;

/// The platform clock every server starts at: Thursday 2026-02-12 09:30 in Beijing (SPEC §4's
/// worked example of the earliest exam date).
pub const PLATFORM_NOW: &str = "2026-02-12T01:30:00Z";
/// The demo accounts' password (SPEC §9).
pub const PASSWORD: &str = "Demo@2026";

static CONTRACT: LazyLock<Arc<Contract>> = LazyLock::new(|| Arc::new(Contract::load()));

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// SQLite always; PostgreSQL too when `TEST_DATABASE_URL` is set.
pub fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::Sqlite];
    if pg_admin_url().is_some() {
        all.push(Backend::Postgres);
    }
    all
}

pub fn pg_admin_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|url| !url.is_empty())
}

/// The `skillcert` binary under test.
pub fn binary() -> PathBuf {
    if let Ok(path) = std::env::var("SKILLCERT_BIN") {
        return PathBuf::from(path);
    }
    // target/debug/deps/<test> → target/debug/skillcert
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|dir| dir.join("skillcert"))
        .unwrap();
    assert!(
        path.exists(),
        "no skillcert binary at {}: `cargo build -p skillcert-server` first, or set SKILLCERT_BIN",
        path.display()
    );
    path
}

/// A fresh PostgreSQL database, dropped with this value's owner.
pub struct PgDatabase {
    admin: String,
    name: String,
    pub url: String,
}

impl PgDatabase {
    pub async fn create() -> PgDatabase {
        let admin = pg_admin_url().expect("TEST_DATABASE_URL");
        let name = format!("e2e_{}", uuid::Uuid::new_v4().simple());
        let conn = Database::connect(&admin).await.unwrap();
        conn.execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        conn.close().await.unwrap();
        let (base, _) = admin.rsplit_once('/').unwrap();
        let url = format!("{base}/{name}");
        PgDatabase { admin, name, url }
    }

    pub async fn drop_now(self) {
        if let Ok(conn) = Database::connect(&self.admin).await {
            let _ = conn
                .execute_unprepared(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .await;
            let _ = conn.close().await;
        }
    }
}

/// What several `serve` processes share: a data directory (the object store's root) and a
/// database.
pub struct Site {
    pub dir: tempfile::TempDir,
    pub database_url: Option<String>,
    pg: Option<PgDatabase>,
    pub extra_env: Vec<(String, String)>,
}

impl Site {
    /// A fresh site on `backend`, migrated and seeded with the demo data by the CLI.
    pub async fn new(backend: Backend, extra_env: &[(&str, &str)]) -> Site {
        let pg = match backend {
            Backend::Sqlite => None,
            Backend::Postgres => Some(PgDatabase::create().await),
        };
        let site = Site {
            dir: tempfile::tempdir().unwrap(),
            database_url: pg.as_ref().map(|p| p.url.clone()),
            pg,
            extra_env: extra_env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        };
        site.cli(&["migrate"]);
        site.cli(&["seed-demo"]);
        site
    }

    /// `skillcert` with this site's environment and nothing inherited that would change it.
    fn command(&self) -> Command {
        let mut command = Command::new(binary());
        for (key, _) in std::env::vars() {
            if key.starts_with("SKILLCERT__") || key == "DATABASE_URL" {
                command.env_remove(key);
            }
        }
        let data = self.dir.path();
        command
            .current_dir(data)
            .env("SKILLCERT__DATA_DIR", data)
            .env("SKILLCERT__STORAGE__ROOT", data.join("files"))
            .env("SKILLCERT__CLOCK__NOW", PLATFORM_NOW)
            .env("SKILLCERT__CLOCK__ADJUSTABLE", "true")
            .env("RUST_LOG", "warn");
        if let Some(url) = &self.database_url {
            command.env("SKILLCERT__DATABASE__URL", url);
        }
        for (k, v) in &self.extra_env {
            command.env(k, v);
        }
        command
    }

    /// Runs a CLI command to completion, asserting success.
    pub fn cli(&self, args: &[&str]) {
        let output = self.command().args(args).output().unwrap();
        assert!(
            output.status.success(),
            "skillcert {args:?}: {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Starts one more `skillcert serve` on a free port of its own.
    pub async fn serve(&self) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = std::fs::File::create(self.dir.path().join(format!("serve-{port}.log"))).unwrap();
        let child = self
            .command()
            .arg("serve")
            .env("SKILLCERT__SERVER__BIND", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let server = Server {
            child,
            api: Api::new(format!("http://127.0.0.1:{port}")),
        };
        let started = Instant::now();
        loop {
            if let Ok(r) = server
                .api
                .client
                .get(server.api.url("/healthz"))
                .send()
                .await
                && r.status().is_success()
            {
                return server;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "skillcert serve did not answer /healthz within 30 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn finish(self) {
        if let Some(pg) = self.pg {
            pg.drop_now().await;
        }
    }
}

/// A running `skillcert serve`, killed when dropped.
pub struct Server {
    child: Child,
    pub api: Api,
}

impl Server {
    /// The process id of this `skillcert serve`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running (it has not exited or been killed).
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// The process's peak resident memory so far, in KiB (`VmHWM` of `/proc/<pid>/status`;
    /// Linux only, `None` elsewhere).
    pub fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmHWM:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// Kills the process at once with SIGKILL, as a crash or `kill -9` would: no shutdown, no
    /// cleanup of its own.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP answer, already checked against the contract.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
    pub json: Value,
}

impl Answer {
    /// The `code` of a problem+json answer.
    pub fn code(&self) -> &str {
        self.json["code"].as_str().unwrap_or("")
    }

    /// The codes of a rule failure's violations.
    pub fn violation_codes(&self) -> Vec<String> {
        self.json["violations"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v["code"].as_str().map(str::to_owned))
            .collect()
    }
}

/// A request body.
pub enum Body {
    None,
    Json(Value),
    Multipart(reqwest::multipart::Form),
}

/// The HTTP client of the suite: every answer is checked against `openapi.json`, and a
/// departure fails the scenario with the request that caused it.
#[derive(Clone)]
pub struct Api {
    pub base: String,
    pub client: reqwest::Client,
    contract: Arc<Contract>,
    /// Every server this client talks to, in turn (one, unless [`Api::spread`]).
    bases: Arc<Vec<String>>,
    turn: Arc<std::sync::atomic::AtomicUsize>,
}

impl Api {
    pub fn new(base: String) -> Api {
        // Built together with the server, reqwest has TLS without a provider (`rustls-no-provider`)
        // and refuses to build a client until one is installed; a second install is a no-op.
        let _ = rustls::crypto::ring::default_provider().install_default();
        Api {
            base: base.clone(),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
            contract: Arc::clone(&CONTRACT),
            bases: Arc::new(vec![base]),
            turn: Arc::new(std::sync::atomic::AtomicUsize::new(0)),
        }
    }

    /// A client that sends each request to the next of `servers` in turn (a load balancer's
    /// round robin, without the load balancer).
    pub fn spread(servers: &[&Server]) -> Api {
        let mut api = Api::new(servers[0].api.base.clone());
        api.bases = Arc::new(servers.iter().map(|s| s.api.base.clone()).collect());
        api
    }

    pub fn url(&self, path: &str) -> String {
        let n = self.turn.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("{}{path}", self.bases[n % self.bases.len()])
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Body,
    ) -> Answer {
        let mut request = self.client.request(method.clone(), self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request = match body {
            Body::None => request,
            Body::Json(v) => request.json(&v),
            Body::Multipart(form) => request.multipart(form),
        };
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = response.bytes().await.unwrap().to_vec();
        let route = path.split('?').next().unwrap_or(path);
        let departures = self.contract.check(
            method.as_str(),
            route,
            status,
            content_type.as_deref(),
            &bytes,
        );
        assert!(
            departures.is_empty(),
            "{method} {path}: the answer departs from openapi.json:\n  {}\nbody: {}",
            departures.join("\n  "),
            String::from_utf8_lossy(&bytes)
        );
        assert!(
            status < 500,
            "{method} {path} → {status}: {}",
            String::from_utf8_lossy(&bytes)
        );
        let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer {
            status,
            content_type,
            bytes,
            json,
        }
    }

    pub async fn get(&self, token: &str, path: &str) -> Answer {
        self.call(Method::GET, path, Some(token), Body::None).await
    }

    pub async fn get_public(&self, path: &str) -> Answer {
        self.call(Method::GET, path, None, Body::None).await
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> Answer {
        self.call(Method::POST, path, Some(token), Body::Json(body))
            .await
    }

    pub async fn put(&self, token: &str, path: &str, body: Value) -> Answer {
        self.call(Method::PUT, path, Some(token), Body::Json(body))
            .await
    }

    pub async fn patch(&self, token: &str, path: &str, body: Value) -> Answer {
        self.call(Method::PATCH, path, Some(token), Body::Json(body))
            .await
    }

    /// Signs `username` in with the demo password; the access token.
    pub async fn login(&self, username: &str) -> String {
        let answer = self
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Body::Json(json!({ "username": username, "password": PASSWORD })),
            )
            .await;
        assert_eq!(answer.status, 200, "login {username}: {}", answer.json);
        answer.json["access_token"].as_str().unwrap().to_owned()
    }

    /// Uploads `bytes` as a material of `kind` to batch `id`.
    pub async fn upload(&self, token: &str, id: &str, kind: &str, bytes: Vec<u8>) -> Answer {
        let form = reqwest::multipart::Form::new()
            .text("kind", kind.to_owned())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes)
                    .file_name(format!("{kind}.pdf"))
                    .mime_str("application/pdf")
                    .unwrap(),
            );
        self.call(
            Method::POST,
            &format!("/api/v1/batches/{id}/materials"),
            Some(token),
            Body::Multipart(form),
        )
        .await
    }

    /// Moves the platform clock as the admin does (平台时钟) — on every server of a spread
    /// client: the adjustable demo clock is each process's own (it is refused in production).
    pub async fn move_clock(&self, rfc3339: &str) {
        for base in self.bases.iter() {
            let one = Api::new(base.clone());
            let admin = one.login("admin").await;
            let answer = one
                .put(&admin, "/api/v1/admin/clock", json!({ "now": rfc3339 }))
                .await;
            assert_eq!(answer.status, 200, "{}", answer.json);
        }
    }
}

/// Runs `scenario` on a fresh site and server per backend.
pub async fn each_backend<F, Fut>(scenario: F)
where
    F: Fn(Api) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in backends() {
        let site = Site::new(backend, &[]).await;
        let server = site.serve().await;
        scenario(server.api.clone()).await;
        drop(server);
        site.finish().await;
    }
}

/// A valid 18-digit resident ID number (GB 11643 check character) for person `n`, born
/// 1990-01-01 in 郑州市金水区.
pub fn person(n: u32) -> String {
    id_number(&format!("41010519900101{n:03}"))
}

pub fn id_number(first17: &str) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{first17}{check}")
}

/// A real one-page PDF (the demo's plan application).
pub fn pdf() -> Vec<u8> {
    include_bytes!("../../../docs/demo/plan-application.pdf").to_vec()
}
