//! `skillcert-bench`: the scenarios of BENCHMARKS.md against a seeded database and the release
//! `skillcert` binary beside it, each with its floor measured in the same run. Benchmarks are
//! not tests: this prints figures and ratios and never fails on a target it misses (it fails
//! only when the system under test gives a wrong answer).
//!
//! ```text
//! skillcert-bench import [--quick] [--out FILE]
//! ```

mod people;
mod s4;
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

struct Args {
    quick: bool,
    out: Option<PathBuf>,
}

fn parse_args() -> BenchResult<Args> {
    let mut args = std::env::args().skip(1);
    let mut parsed = Args {
        quick: false,
        out: None,
    };
    match args.next().as_deref() {
        Some("import") => {}
        other => {
            return Err(format!(
                "usage: skillcert-bench import [--quick] [--out FILE] (got {other:?})"
            )
            .into());
        }
    }
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => parsed.quick = true,
            "--out" => parsed.out = Some(args.next().ok_or("--out needs a file")?.into()),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    Ok(parsed)
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn machine() -> String {
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

#[tokio::main]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("skillcert-bench: {e}");
        std::process::exit(1);
    }
}

async fn run() -> BenchResult<()> {
    let args = parse_args()?;
    let size = if args.quick {
        seed::Size {
            institutions: 100,
            batches_per_institution: 10,
            candidates: 50_000,
            certificates: 100_000,
        }
    } else {
        seed::Size::FULL
    };
    let (sizes, repeats): (&[usize], [usize; 2]) = if args.quick {
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
    seed::seed(&state, size, user_id).await?;
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
    println!("{table}");
    if let Some(out) = args.out {
        std::fs::write(&out, &table).map_err(err)?;
        eprintln!("written to {}", out.display());
    }
    Ok(())
}
