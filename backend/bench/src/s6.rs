//! S6 (BENCHMARKS.md): certificate PDFs with CJK text — 1,000 certificates printed one by one
//! through `GET /api/v1/certificates/{id}/pdf`, and the same 1,000 as the batch's merged PDF
//! (`GET /api/v1/batches/{id}/certificates/pdf`), on SQLite.
//!
//! The certificates are real (seeded as issuance writes them: canonical content, signed,
//! published) and attached to one batch. `skillcert serve` runs pinned to CPU 0, so its figure
//! is PDFs per second on one core (the server renders at most one document per core at a
//! time); this process, the HTTP client, moves to CPU 1 and keeps two requests in flight so the
//! server never waits for the next one. Every answer is checked: 200, a PDF; one is read back
//! for the holder's Chinese name and the merged one for its page count when poppler-utils is
//! installed.
//!
//! Floor, in the same run, in a child process pinned to CPU 0: the renderer alone
//! (`skillcert_certpdf::Renderer`, fonts loaded before the clock starts) in a plain loop over
//! the same 1,000 certificates as the server prints them — no HTTP, no authentication, no
//! database read — and once over all of them as one document.

use std::fmt::Write as _;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use skillcert_certpdf::{PAGES_PER_DOCUMENT, Renderer, inspect};
use skillcert_server::config::Config;
use skillcert_server::entities::{batch, certificate};
use skillcert_server::routes::certificate_pdfs::printed;
use skillcert_server::{build_app, seed as demo};
use uuid::Uuid;

use crate::seed::{self, Size};
use crate::server::{self, Server};
use crate::{BenchResult, err};

const SERVER_CPU: &str = "0";
const CLIENT_CPU: &str = "1";
/// Floor and server runs, alternating; the table shows medians.
const ROUNDS: usize = 5;
/// Requests in flight: one rendering, one on its way.
const IN_FLIGHT: usize = 2;

/// One round's figures.
struct Round {
    /// Single PDFs per second.
    rate: f64,
    /// The merged PDF of every certificate.
    merged: Duration,
}

/// What the floor child prints.
struct Floor {
    rate: f64,
    merged: Duration,
}

pub async fn run(quick: bool) -> BenchResult<String> {
    let count = if quick { 100 } else { 1_000 };
    let dir = tempfile::tempdir().map_err(err)?;
    let env = vec![
        (
            "SKILLCERT__DATA_DIR".to_owned(),
            dir.path().display().to_string(),
        ),
        (
            "SKILLCERT__CERTIFICATES__SIGNING_KEY".to_owned(),
            crate::s7::signing_key(),
        ),
    ];

    // -- Setup: migrate, demo accounts, `count` certificates of one institution in one batch.
    eprintln!("S6: seeding {count} certificates");
    let (batch_id, ids) = {
        let config = Config::load(None, env.clone()).map_err(err)?;
        let app = build_app(config).await.map_err(err)?;
        demo::seed_demo(&app).await.map_err(err)?;
        let (user_id, _) = crate::s4::institution_of(&app.state, "emp1").await?;
        let size = Size {
            institutions: 1,
            batches_per_institution: 1,
            candidates: 0,
            certificates: count,
        };
        seed::seed(&app.state, size, user_id).await?;
        let conn = &app.state.db.conn;
        let certificates = certificate::Entity::find()
            .order_by_asc(certificate::Column::Number)
            .all(conn)
            .await
            .map_err(err)?;
        let institution = certificates
            .first()
            .and_then(|c| c.institution_id)
            .ok_or("no certificates seeded")?;
        let batch = batch::Entity::find()
            .filter(batch::Column::InstitutionId.eq(institution))
            .one(conn)
            .await
            .map_err(err)?
            .ok_or("no batch seeded")?;
        certificate::Entity::update_many()
            .col_expr(certificate::Column::BatchId, Expr::value(batch.id))
            .filter(certificate::Column::InstitutionId.eq(institution))
            .exec(conn)
            .await
            .map_err(err)?;
        conn.clone().close().await.map_err(err)?;
        (
            batch.id,
            certificates.iter().map(|c| c.id).collect::<Vec<_>>(),
        )
    };
    if ids.len() != count {
        return Err(format!("seeded {} certificates, not {count}", ids.len()).into());
    }

    let server = Server::start_with(
        dir.path(),
        &dir.path().join("serve.log"),
        &env,
        Some(SERVER_CPU),
    )
    .await?;
    let idle_rss = server.peak_rss_mib()?;
    let machine = crate::machine();
    pin_this_process(CLIENT_CPU);
    let token = crate::s4::login(&server, "info", demo::DEMO_PASSWORD).await?;
    let client = reqwest::Client::new();
    check_answers(&server, &client, &token, &ids).await?;

    // -- Exec: rounds of floor and server in turn (the fonts are already loaded in both).
    let ids = Arc::new(ids);
    let mut rounds = Vec::new();
    let mut floors = Vec::new();
    for round in 1..=ROUNDS {
        floors.push(floor_child(&env, count)?);
        let rate = singles(&server, &client, &token, &ids).await?;
        let merged = merged(&server, &client, &token, batch_id, count, round == 1).await?;
        let floor = &floors[floors.len() - 1];
        eprintln!(
            "  round {round}: {rate:.1} PDFs/s (floor {:.1}); merged {:.2} s (floor {:.2} s)",
            floor.rate,
            merged.as_secs_f64(),
            floor.merged.as_secs_f64()
        );
        rounds.push(Round { rate, merged });
    }
    let peak_rss = server.peak_rss_mib()?;
    drop(server);

    let median = |mut values: Vec<f64>| {
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let rate = median(rounds.iter().map(|r| r.rate).collect());
    let floor_rate = median(floors.iter().map(|f| f.rate).collect());
    let merged = median(rounds.iter().map(|r| r.merged.as_secs_f64()).collect());
    let floor_merged = median(floors.iter().map(|f| f.merged.as_secs_f64()).collect());
    Ok(report(
        count,
        &machine,
        [rate, floor_rate, merged, floor_merged],
        idle_rss,
        peak_rss,
    ))
}

fn report(count: usize, machine: &str, figures: [f64; 4], idle_rss: f64, peak_rss: f64) -> String {
    let [rate, floor_rate, merged, floor_merged] = figures;
    let ratio = rate / floor_rate;
    let met = |ok: bool| if ok { "met" } else { "NOT met" };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## S6 — certificate PDFs with CJK text (typst, Noto Serif CJK SC)\n\n\
         {count} real certificates (signed, published) of one batch, on SQLite. Singles: \
         `GET /api/v1/certificates/{{id}}/pdf` for each of them as 信息部, {IN_FLIGHT} requests in \
         flight; merged: `GET /api/v1/batches/{{id}}/certificates/pdf` ({count} pages: typst documents \
         of {PAGES_PER_DOCUMENT} pages joined into one PDF). `skillcert serve` pinned to CPU {SERVER_CPU} (so its rate is per core), the \
         client on CPU {CLIENT_CPU}; {ROUNDS} rounds alternating with the floor's, medians shown. \
         Every answer checked: 200 and a PDF; one single read back for the holder's name, the \
         merged one for its page count.\n\n\
         Floor: the renderer alone (fonts loaded before the clock starts) over the same {count} \
         certificates as the server prints them, in a plain loop in one process pinned to CPU \
         {SERVER_CPU} — no HTTP, authentication or database read.\n\n\
         Machine: {machine}\n"
    );
    let _ = writeln!(
        out,
        "| scenario | server | floor | ratio | target |\n|---|---|---|---|---|"
    );
    let _ = writeln!(
        out,
        "| {count} single PDFs | {rate:.1} PDFs/s on one core | {floor_rate:.1} PDFs/s | \
         {ratio:.2} | ≥ 0.8 of floor and ≥ 50 PDFs/s per core: {} |",
        met(ratio >= 0.8 && rate >= 50.0)
    );
    let _ = writeln!(
        out,
        "| one merged PDF of {count} pages | {merged:.2} s ({:.1} pages/s) | {floor_merged:.2} s | \
         {:.2} | — (shown, no target) |",
        count as f64 / merged,
        floor_merged / merged
    );
    let _ = writeln!(
        out,
        "\nPeak resident set of `skillcert serve` (VmHWM): idle {idle_rss:.0} MiB (fonts not yet \
         read), after every round {peak_rss:.0} MiB — target ≤ 512 MiB during S6: {}. Load \
         average (1 min) at the end: {}.\n\nReproduce with `make bench-pdf` (needs \
         `fonts-noto-cjk`; `poppler-utils` for the read-back checks).",
        met(peak_rss <= 512.0),
        crate::load_average()
    );
    let _ = writeln!(
        out,
        "\n{}",
        crate::load::SummaryRow {
            scenario: "S6 PDFs",
            backend: "SQLite",
            figure: format!("{rate:.1} PDFs/s"),
            floor: format!("{floor_rate:.1} PDFs/s"),
            ratio: format!("{ratio:.2}"),
            p99: "—".to_owned(),
            rss: format!("{idle_rss:.0} / {peak_rss:.0} MiB"),
            met: ratio >= 0.8 && rate >= 50.0 && peak_rss <= 512.0,
        }
        .line()
    );
    out
}

/// Moves every thread of this process to `cpu` (`taskset -a -p`), where the machine has it.
fn pin_this_process(cpu: &str) {
    if server::taskset_available() {
        let _ = Command::new("taskset")
            .args(["-a", "-p", "-c", cpu, &std::process::id().to_string()])
            .output();
    }
}

async fn get_pdf(client: &reqwest::Client, url: &str, token: &str) -> BenchResult<Vec<u8>> {
    let response = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .map_err(err)?;
    let status = response.status();
    let body = response.bytes().await.map_err(err)?;
    if !status.is_success() || !body.starts_with(b"%PDF-") {
        return Err(format!(
            "{url}: {status} {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        )
        .into());
    }
    Ok(body.to_vec())
}

/// One certificate read back: the seeded holder's name (持证人…) is in its text.
async fn check_answers(
    server: &Server,
    client: &reqwest::Client,
    token: &str,
    ids: &[Uuid],
) -> BenchResult<()> {
    let pdf = get_pdf(
        client,
        &server.url(&format!("/api/v1/certificates/{}/pdf", ids[0])),
        token,
    )
    .await?;
    match inspect::text(&pdf) {
        Ok(text) if text.contains("持证人") => Ok(()),
        Ok(text) => Err(format!("the holder's name is not in the PDF's text: {text}").into()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("  pdftotext not installed: the PDF's text is not checked");
            Ok(())
        }
        Err(e) => Err(err(e)),
    }
}

/// Every certificate's PDF through the server, [`IN_FLIGHT`] at a time; PDFs per second.
async fn singles(
    server: &Server,
    client: &reqwest::Client,
    token: &str,
    ids: &Arc<Vec<Uuid>>,
) -> BenchResult<f64> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..IN_FLIGHT)
        .map(|_| {
            let (next, ids, client) = (next.clone(), ids.clone(), client.clone());
            let (base, token) = (server.url("/api/v1/certificates"), token.to_owned());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(id) = ids.get(i) else {
                        return Ok::<(), Box<dyn std::error::Error + Send + Sync>>(());
                    };
                    get_pdf(&client, &format!("{base}/{id}/pdf"), &token).await?;
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.map_err(err)??;
    }
    Ok(ids.len() as f64 / started.elapsed().as_secs_f64())
}

/// The batch's merged PDF through the server; the first time, its page count is checked.
async fn merged(
    server: &Server,
    client: &reqwest::Client,
    token: &str,
    batch_id: Uuid,
    count: usize,
    check: bool,
) -> BenchResult<Duration> {
    let started = Instant::now();
    let url = server.url(&format!("/api/v1/batches/{batch_id}/certificates/pdf"));
    let pdf = get_pdf(client, &url, token).await?;
    let took = started.elapsed();
    if check {
        match inspect::pages(&pdf) {
            Ok(pages) if pages == count => {}
            Ok(pages) => return Err(format!("merged PDF has {pages} pages, not {count}").into()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(err(e)),
        }
    }
    Ok(took)
}

/// Runs the floor in a child process pinned to the server's CPU.
fn floor_child(env: &[(String, String)], count: usize) -> BenchResult<Floor> {
    let args = ["pdf-floor".to_owned(), count.to_string()];
    match server::floor_child(SERVER_CPU, &args, env)?[..] {
        [rate, merged, ..] => Ok(Floor {
            rate,
            merged: Duration::from_secs_f64(merged),
        }),
        _ => Err("the PDF floor printed one number, not two".into()),
    }
}

/// `skillcert-bench pdf-floor COUNT` (the child): the configuration from the environment, as
/// `serve` reads it; prints `FLOOR <PDFs per second> <seconds for the merged PDF>`.
pub async fn floor_main(count: usize) -> BenchResult<()> {
    let mut config = Config::load(None, std::env::vars()).map_err(err)?;
    config.jobs.enabled = false;
    let font_dir = config.certificates.font_dir.clone();
    let app = build_app(config).await.map_err(err)?;
    let rows = certificate::Entity::find()
        .order_by_asc(certificate::Column::Number)
        .limit(count as u64)
        .all(&app.state.db.conn)
        .await
        .map_err(err)?;
    let certificates: Vec<_> = rows.iter().map(|row| printed(&app.state, row)).collect();
    let renderer = Renderer::from_dir(font_dir).map_err(err)?;
    // Warm-up, then the measured loops.
    for certificate in certificates.iter().take(10) {
        renderer.render(certificate).map_err(err)?;
    }
    let started = Instant::now();
    for certificate in &certificates {
        renderer.render(certificate).map_err(err)?;
    }
    let rate = certificates.len() as f64 / started.elapsed().as_secs_f64();
    let started = Instant::now();
    renderer.render_batch(&certificates).map_err(err)?;
    let merged = started.elapsed().as_secs_f64();
    println!("FLOOR {rate} {merged}");
    Ok(())
}
