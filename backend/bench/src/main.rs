//! `skillcert-bench`: the scenarios of BENCHMARKS.md against a seeded database and the release
//! `skillcert` binary beside it, each with its floor measured in the same run. Benchmarks are
//! not tests: this prints figures and ratios and never fails on a target it misses (it fails
//! only when the system under test gives a wrong answer).
//!
//! ```text
//! skillcert-bench import [--quick] [--out FILE]
//! skillcert-bench lookup [--quick] [--pg URL] [--seconds N] [--connections N] [--out FILE]
//! skillcert-bench pdf [--quick] [--out FILE]
//! skillcert-bench healthz|list|create|approve [--quick] [--pg URL] [--seconds N] [--connections N] [--out FILE]
//! skillcert-bench summary [--out FILE]
//! ```
//!
//! `--out` replaces only the scenario's own section of the file (see `report`).

mod load;
mod people;
mod report;
mod s1;
mod s2;
mod s3;
mod s4;
mod s5;
mod s6;
mod s7;
mod seed;
mod server;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use skillcert_server::config::Config;
use skillcert_server::{build_app, seed as demo};

pub type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

pub fn err(e: impl std::fmt::Display) -> Box<dyn std::error::Error + Send + Sync> {
    e.to_string().into()
}

enum Args {
    Import {
        quick: bool,
        out: Option<PathBuf>,
    },
    Lookup {
        options: s7::Options,
        out: Option<PathBuf>,
    },
    Pdf {
        quick: bool,
        out: Option<PathBuf>,
    },
    PdfFloor {
        count: usize,
    },
    LookupFloor {
        numbers: PathBuf,
        seconds: u64,
        concurrency: u32,
    },
    /// S1, S2, S3 or S5.
    Http {
        scenario: &'static str,
        options: load::Options,
        out: Option<PathBuf>,
    },
    Summary {
        out: Option<PathBuf>,
    },
    ListFloor {
        seconds: u64,
        concurrency: u32,
        ids: PathBuf,
    },
    CreateFloor {
        seconds: u64,
        concurrency: u32,
    },
    ApproveFloor {
        pool: PathBuf,
        concurrency: u32,
    },
    ApproveClient {
        base: String,
        token: String,
        pool: PathBuf,
        concurrency: u32,
    },
}

const USAGE: &str = "usage: skillcert-bench import [--quick] [--out FILE]\n       \
     skillcert-bench lookup [--quick] [--pg URL] [--seconds N] [--connections N] [--out FILE]\n       \
     skillcert-bench pdf [--quick] [--out FILE]\n       \
     skillcert-bench healthz|list|create|approve [--quick] [--pg URL] [--seconds N] [--connections N] [--out FILE]\n       \
     skillcert-bench summary [--out FILE]";

/// The next argument as a `T`, or the child command's usage.
fn next<T: std::str::FromStr>(
    args: &mut impl Iterator<Item = String>,
    usage: &str,
) -> BenchResult<T> {
    args.next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| usage.to_owned().into())
}

/// The child commands (floors and the S5 client), run by the scenarios themselves.
fn parse_child(
    command: &str,
    args: &mut impl Iterator<Item = String>,
) -> BenchResult<Option<Args>> {
    Ok(Some(match command {
        "list-floor" => {
            const U: &str = "list-floor SECONDS CONCURRENCY IDS";
            Args::ListFloor {
                seconds: next(args, U)?,
                concurrency: next(args, U)?,
                ids: next(args, U)?,
            }
        }
        "create-floor" => {
            const U: &str = "create-floor SECONDS CONCURRENCY";
            Args::CreateFloor {
                seconds: next(args, U)?,
                concurrency: next(args, U)?,
            }
        }
        "approve-floor" => {
            const U: &str = "approve-floor POOL CONCURRENCY";
            Args::ApproveFloor {
                pool: next(args, U)?,
                concurrency: next(args, U)?,
            }
        }
        "approve-client" => {
            const U: &str = "approve-client BASE TOKEN POOL CONCURRENCY";
            Args::ApproveClient {
                base: next(args, U)?,
                token: next(args, U)?,
                pool: next(args, U)?,
                concurrency: next(args, U)?,
            }
        }
        _ => return Ok(None),
    }))
}

/// `healthz`, `list`, `create`, `approve` and `summary`.
fn parse_http(command: &str, args: &mut impl Iterator<Item = String>) -> BenchResult<Option<Args>> {
    // Connections: 64 for the reads (BENCHMARKS.md names 64 for S1 and S2); 16 writers in
    // flight for S3 and S5 already queue on the one server core.
    let (scenario, connections) = match command {
        "healthz" => ("S1", 64),
        "list" => ("S2", 64),
        "create" => ("S3", 16),
        "approve" => ("S5", 16),
        "summary" => {
            let mut out = None;
            while let Some(arg) = args.next() {
                match arg.as_str() {
                    "--out" => out = Some(next(args, "--out FILE")?),
                    other => return Err(format!("unknown argument {other}\n{USAGE}").into()),
                }
            }
            return Ok(Some(Args::Summary { out }));
        }
        _ => return Ok(None),
    };
    let mut options = load::Options {
        quick: false,
        pg: None,
        seconds: 10,
        connections,
    };
    let mut out = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => options.quick = true,
            "--out" => out = Some(next(args, "--out FILE")?),
            "--pg" => {
                options.pg = Some(next::<String>(args, "--pg URL")?).filter(|u| !u.is_empty())
            }
            "--seconds" => options.seconds = next(args, "--seconds N")?,
            "--connections" => options.connections = next(args, "--connections N")?,
            other => return Err(format!("unknown argument {other}\n{USAGE}").into()),
        }
    }
    Ok(Some(Args::Http {
        scenario,
        options,
        out,
    }))
}

fn parse_args() -> BenchResult<Args> {
    let mut args = std::env::args().skip(1);
    let command = args.next();
    if let Some(command) = command.as_deref() {
        if let Some(child) = parse_child(command, &mut args)? {
            return Ok(child);
        }
        if let Some(http) = parse_http(command, &mut args)? {
            return Ok(http);
        }
    }
    if command.as_deref() == Some("lookup-floor") {
        const FLOOR_USAGE: &str = "lookup-floor NUMBERS SECONDS CONCURRENCY";
        let numbers = args.next().ok_or(FLOOR_USAGE)?.into();
        let seconds = args
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or(FLOOR_USAGE)?;
        let concurrency = args
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or(FLOOR_USAGE)?;
        return Ok(Args::LookupFloor {
            numbers,
            seconds,
            concurrency,
        });
    }
    if command.as_deref() == Some("pdf-floor") {
        let count = args
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or("pdf-floor COUNT")?;
        return Ok(Args::PdfFloor { count });
    }
    let mut quick = false;
    let mut out = None;
    let mut options = s7::Options {
        quick: false,
        pg: None,
        seconds: 20,
        // Four in flight already keep the one server core busy (measured: 6,000–7,300
        // lookups/s at 4 and at 16 connections alike); more only queue, which shows as
        // latency, not as throughput. `--connections 16` measures that queue.
        connections: 4,
    };
    let (lookup, pdf) = match command.as_deref() {
        Some("import") => (false, false),
        Some("lookup") => (true, false),
        Some("pdf") => (false, true),
        other => return Err(format!("{USAGE} (got {other:?})").into()),
    };
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--quick" => quick = true,
            "--out" => out = Some(value("--out")?.into()),
            "--pg" if lookup => options.pg = Some(value("--pg")?).filter(|u| !u.is_empty()),
            "--seconds" if lookup => {
                options.seconds = value("--seconds")?.parse().map_err(err)?;
            }
            "--connections" if lookup => {
                options.connections = value("--connections")?.parse().map_err(err)?;
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}").into()),
        }
    }
    Ok(if pdf {
        Args::Pdf { quick, out }
    } else if lookup {
        options.quick = quick;
        Args::Lookup { options, out }
    } else {
        Args::Import { quick, out }
    })
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// The machine's 1-minute load average (other work shares the CPUs).
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let commit = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("{cores} cores, {cpu}; commit {commit}")
}

fn main() {
    // reqwest's TLS uses the server crate's crypto provider (ring), installed process-wide.
    skillcert_server::webhooks::install_crypto_provider();
    let mut args = std::env::args().skip(1);
    // The S1 floor runs actix-web's own runtime, outside tokio's.
    let result = if args.next().as_deref() == Some("hello-floor") {
        args.next()
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| "hello-floor PORT".into())
            .and_then(s1::floor_main)
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(err)
            .and_then(|runtime| runtime.block_on(run()))
    };
    if let Err(e) = result {
        eprintln!("skillcert-bench: {e}");
        std::process::exit(1);
    }
}

async fn run() -> BenchResult<()> {
    match parse_args()? {
        Args::Import { quick, out } => import(quick, out).await,
        Args::Lookup { options, out } => {
            report::publish(out.as_deref(), "S7", &s7::run(&options).await?)
        }
        Args::Pdf { quick, out } => report::publish(out.as_deref(), "S6", &s6::run(quick).await?),
        Args::PdfFloor { count } => s6::floor_main(count).await,
        Args::LookupFloor {
            numbers,
            seconds,
            concurrency,
        } => s7::floor_main(&numbers, seconds, concurrency).await,
        Args::Http {
            scenario,
            options,
            out,
        } => {
            let section = match scenario {
                "S1" => s1::run(&options).await?,
                "S2" => s2::run(&options).await?,
                "S3" => s3::run(&options).await?,
                _ => s5::run(&options).await?,
            };
            report::publish(out.as_deref(), scenario, &section)
        }
        Args::Summary { out } => report::summary(out.as_deref()),
        Args::ListFloor {
            seconds,
            concurrency,
            ids,
        } => s2::floor_main(seconds, concurrency, &ids).await,
        Args::CreateFloor {
            seconds,
            concurrency,
        } => s3::floor_main(seconds, concurrency).await,
        Args::ApproveFloor { pool, concurrency } => s5::floor_main(&pool, concurrency).await,
        Args::ApproveClient {
            base,
            token,
            pool,
            concurrency,
        } => s5::client_main(&base, &token, &pool, concurrency).await,
    }
}

async fn import(quick: bool, out: Option<PathBuf>) -> BenchResult<()> {
    let size = if quick {
        seed::Size {
            institutions: 100,
            batches_per_institution: 10,
            candidates: 50_000,
            certificates: 100_000,
        }
    } else {
        seed::Size::FULL
    };
    let (sizes, repeats): (&[usize], [usize; 2]) = if quick {
        (&[2_500, 12_500], [3, 1])
    } else {
        (&[10_000, 50_000], [5, 3])
    };

    // -- Setup: a fresh SQLite database, migrated, demo accounts, the benchmark world.
    let dir = tempfile::tempdir().map_err(err)?;
    let env = [(
        "SKILLCERT__DATA_DIR".to_owned(),
        dir.path().display().to_string(),
    )];
    let config = Config::load(None, env).map_err(err)?;
    let app = build_app(config).await.map_err(err)?;
    let state = app.state.clone();
    demo::seed_demo(&app).await.map_err(err)?;
    let (user_id, institution_id) = s4::institution_of(&state, "emp1").await?;
    eprintln!("seeding {size:?} in {}", dir.path().display());
    let seeded = seed::seed(&state, size, user_id).await?;
    eprintln!("seeded in {:.1} s", seeded.total.as_secs_f64());
    s4::seed_blacklist(&state, user_id).await?;

    let mut cursor = s4::PeopleCursor::new(size);
    let server = server::Server::start(dir.path(), &dir.path().join("serve.log")).await?;
    let idle_rss = server.peak_rss_mib()?;
    let token = s4::login(&server, "emp1", demo::DEMO_PASSWORD).await?;

    // -- Exec: per size, alternate floor and import runs on fresh batches.
    let mut results = Vec::new();
    let mut rss_after = Vec::new();
    for (&rows, &repeat) in sizes.iter().zip(repeats.iter()) {
        let mut floors = Vec::new();
        let mut imports = Vec::new();
        for run in 0..repeat {
            let roster = s4::roster(&state, &mut cursor, rows)?;
            let floor_batch = s4::clone_demo_batch(&state, institution_id).await?;
            let floor = s4::floor(&state, &roster, floor_batch, institution_id).await?;
            let batch = s4::clone_demo_batch(&state, institution_id).await?;
            let import = s4::import(&server, &token, batch, &roster).await?;
            // -- Check: every planted warning stored, nothing else.
            s4::check_warnings(&state, batch, roster.planted).await?;
            eprintln!(
                "  {rows} rows, run {}: import {}, floor {} (parse {}, insert {}, duplicate query + commit {})",
                run + 1,
                ms(import),
                ms(floor.total),
                ms(floor.parse),
                ms(floor.insert),
                ms(floor.query)
            );
            floors.push(floor.total);
            imports.push(import);
        }
        results.push((rows, median(imports), median(floors)));
        rss_after.push((rows, server.peak_rss_mib()?));
    }

    // -- Report
    let mut table = String::new();
    let _ = writeln!(
        table,
        "## S4 — roster import (.xlsx, all warning checks), SQLite\n\n\
         Seeded: {} institutions, {} batches, {} candidates, {} certificates, 1,000 blacklist \
         entries. Rosters plant a concurrent registration and a certificate holder every 50 \
         rows, an under-age person every 200 and a blacklisted one every 500; each import is \
         checked to have stored exactly those warnings. Times are medians of {} / {} runs, \
         from the upload until the job reports done.\n\nMachine: {}\n",
        size.institutions,
        size.batches(),
        size.candidates,
        size.certificates,
        repeats[0],
        repeats[1],
        machine()
    );
    let _ = writeln!(
        table,
        "| scenario | time | floor | ratio | target |\n|---|---|---|---|---|"
    );
    let (small_rows, small, small_floor) = results[0];
    let (large_rows, large, large_floor) = results[1];
    let ratio = small.as_secs_f64() / small_floor.as_secs_f64();
    let _ = writeln!(
        table,
        "| import {small_rows} rows | {} | {} | {ratio:.2}× floor | ≤ 1.5× floor and ≤ 1 s: {} |",
        ms(small),
        ms(small_floor),
        if ratio <= 1.5 && small.as_secs_f64() <= 1.0 {
            "met"
        } else {
            "NOT met"
        }
    );
    let scale = large.as_secs_f64() / small.as_secs_f64();
    let _ = writeln!(
        table,
        "| import {large_rows} rows | {} | {} | {scale:.2}× the {small_rows}-row time | ≤ 5.5×: {} |",
        ms(large),
        ms(large_floor),
        if scale <= 5.5 { "met" } else { "NOT met" }
    );
    let _ = writeln!(
        table,
        "\nPeak resident set of `skillcert serve` (VmHWM): idle {idle_rss:.0} MiB; after the \
         {small_rows}-row imports {:.0} MiB; after the {large_rows}-row imports {:.0} MiB \
         (target ≤ 384 MiB during the 50,000-row import).",
        rss_after[0].1, rss_after[1].1
    );
    for (rows, time, floor, ratio, met) in [
        (
            small_rows,
            small,
            small_floor,
            format!("{ratio:.2}× floor time"),
            ratio <= 1.5 && small.as_secs_f64() <= 1.0,
        ),
        (
            large_rows,
            large,
            large_floor,
            format!("{scale:.2}× the {small_rows}-row time"),
            scale <= 5.5 && rss_after[1].1 <= 384.0,
        ),
    ] {
        let _ = writeln!(
            table,
            "{}",
            load::SummaryRow {
                scenario: &format!("S4 import {rows} rows"),
                backend: "SQLite",
                figure: ms(time),
                floor: ms(floor),
                ratio,
                p99: "—".to_owned(),
                rss: format!("{idle_rss:.0} / {:.0} MiB", rss_after[1].1),
                met,
            }
            .line()
        );
    }
    report::publish(out.as_deref(), "S4", &table)
}
