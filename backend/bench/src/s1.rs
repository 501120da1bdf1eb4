//! S1 (BENCHMARKS.md): `GET /healthz` through the full middleware stack of `skillcert serve`
//! (request id, logging, metrics, security headers, …), 64 connections.
//!
//! Floor, in the same run: a bare actix-web hello world — this binary again (`hello-floor`),
//! an `HttpServer` with default workers, one route answering the same `{"status":"ok"}` JSON,
//! no middleware — pinned to the same CPU as the server, loaded by the same `wrk` on the other
//! CPU. Floor and server runs alternate; medians are shown.

use std::fmt::Write as _;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};

use crate::load::{self, Db, LOAD_CPU, Load, Options, ROUNDS, SERVER_CPU, SummaryRow};
use crate::server;
use crate::{BenchResult, err};

struct Row {
    load: Load,
    floor: Load,
    idle_rss: f64,
    peak_rss: f64,
    load_average: String,
}

pub async fn run(options: &Options) -> BenchResult<String> {
    load::require_wrk()?;
    let db = Db::fresh(None).await?;
    let result = measure(options, &db).await;
    db.close().await?;
    Ok(report(options, &result?))
}

async fn measure(options: &Options, db: &Db) -> BenchResult<Row> {
    // -- Setup: the server on an empty, migrated database; the floor's process.
    let server = db.serve(&[]).await?;
    let idle_rss = server.peak_rss_mib()?;
    let floor = HelloFloor::start().await?;
    let script = db.dir.path().join("healthz.lua");
    std::fs::write(&script, load::DONE_LUA).map_err(err)?;
    for url in [server.url("/healthz"), floor.url()] {
        check(&url).await?;
    }

    // -- Exec: warm-up, then alternating rounds.
    load::wrk(&server.url("/healthz"), &script, options.connections, 3)?;
    load::wrk(&floor.url(), &script, options.connections, 3)?;
    let (mut loads, mut floors) = (Vec::new(), Vec::new());
    for round in 1..=ROUNDS {
        let f = load::wrk(&floor.url(), &script, options.connections, options.seconds)?;
        let l = load::wrk(
            &server.url("/healthz"),
            &script,
            options.connections,
            options.seconds,
        )?;
        eprintln!(
            "  S1 round {round}: {:.0} req/s p99 {}; floor {:.0} req/s p99 {}",
            l.rate,
            load::latency(l.p99),
            f.rate,
            load::latency(f.p99)
        );
        loads.push(l);
        floors.push(f);
    }
    // -- Check: still the right answer after the load.
    check(&server.url("/healthz")).await?;
    Ok(Row {
        load: load::median_load(&loads),
        floor: load::median_load(&floors),
        idle_rss,
        peak_rss: server.peak_rss_mib()?,
        load_average: crate::load_average(),
    })
}

async fn check(url: &str) -> BenchResult<()> {
    let response = reqwest::get(url).await.map_err(err)?;
    let status = response.status();
    let body: serde_json::Value = response.json().await.map_err(err)?;
    if status != 200 || body["status"] != "ok" {
        return Err(format!("{url} answered {status}: {body}").into());
    }
    Ok(())
}

fn report(options: &Options, row: &Row) -> String {
    let ratio = row.load.rate / row.floor.rate;
    let p99_ratio = row.load.p99.as_secs_f64() / row.floor.p99.as_secs_f64();
    let met = ratio >= 0.7 && p99_ratio <= 2.0;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## S1 — `GET /healthz` through the full middleware stack\n\n\
         `wrk`, 1 thread, {} connections, {ROUNDS} runs of {} s after a 3 s warm-up, pinned to \
         CPU {LOAD_CPU}; `skillcert serve` (empty SQLite database) pinned to CPU {SERVER_CPU}. \
         Floor: a bare actix-web hello world (default workers, one route answering the same \
         JSON, no middleware) in a child process of the bench, pinned to CPU {SERVER_CPU}, \
         loaded the same way; floor and server runs alternate, medians shown. Every answer \
         checked: 200 (`wrk` counts any other status as an error, which fails the bench).\n\n\
         Machine: {}\n",
        options.connections,
        options.seconds,
        crate::machine()
    );
    let _ = writeln!(
        out,
        "| backend | req/s | p50 | p99 | floor req/s | floor p50 | floor p99 | ratio | p99 / floor p99 | target (≥ 0.7 of floor, p99 ≤ 2× floor) | serve RSS idle / peak |\n\
         |---|---|---|---|---|---|---|---|---|---|---|"
    );
    let _ = writeln!(
        out,
        "| — | {:.0} | {} | {} | {:.0} | {} | {} | {ratio:.2} | {p99_ratio:.2} | {} | {:.0} / {:.0} MiB |",
        row.load.rate,
        load::latency(row.load.p50),
        load::latency(row.load.p99),
        row.floor.rate,
        load::latency(row.floor.p50),
        load::latency(row.floor.p99),
        load::met(met),
        row.idle_rss,
        row.peak_rss
    );
    let _ = writeln!(
        out,
        "\nLoad average (1 min) at the end: {}.\n\n{}\n\nReproduce with `make bench-healthz`.",
        row.load_average,
        SummaryRow {
            scenario: "S1 healthz",
            backend: "—",
            figure: format!("{:.0} req/s", row.load.rate),
            floor: format!("{:.0} req/s", row.floor.rate),
            ratio: format!("{ratio:.2}"),
            p99: format!(
                "{} (floor {})",
                load::latency(row.load.p99),
                load::latency(row.floor.p99)
            ),
            rss: format!("{:.0} / {:.0} MiB", row.idle_rss, row.peak_rss),
            met,
        }
        .line()
    );
    out
}

/// The hello world in its own pinned process, killed on drop.
struct HelloFloor {
    child: Child,
    port: u16,
}

impl HelloFloor {
    async fn start() -> BenchResult<HelloFloor> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(err)?
            .port();
        let exe = std::env::current_exe().map_err(err)?;
        let mut command = if server::taskset_available() {
            let mut command = Command::new("taskset");
            command.args(["-c", SERVER_CPU]).arg(exe);
            command
        } else {
            Command::new(exe)
        };
        let child = command
            .args(["hello-floor", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .map_err(err)?;
        let floor = HelloFloor { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while reqwest::get(floor.url()).await.is_err() {
            if Instant::now() > deadline {
                return Err("the hello-world floor did not start".into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(floor)
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/healthz", self.port)
    }
}

impl Drop for HelloFloor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn hello() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({ "status": "ok" }))
}

/// `skillcert-bench hello-floor PORT` (the child): serves until killed.
pub fn floor_main(port: u16) -> BenchResult<()> {
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(|| App::new().route("/healthz", web::get().to(hello)))
            .bind(("127.0.0.1", port))
            .map_err(err)?
            .run()
            .await
            .map_err(err)
    })
}
