//! What the HTTP scenarios S1, S2, S3 and S5 share: CPU placement, a fresh database per
//! backend (a temp SQLite file, or a fresh PostgreSQL database dropped afterwards), `wrk` with a
//! generated Lua script and its parsed result, medians, and the rows of the combined table
//! (`summary`).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, Database, Statement};
use uuid::Uuid;

use crate::server::{self, Server};
use crate::{BenchResult, err};

/// CPU of `serve` and of every floor; the load generator gets the other one.
pub const SERVER_CPU: &str = "0";
pub const LOAD_CPU: &str = "1";
/// Floor and load runs, alternating; tables show medians.
pub const ROUNDS: usize = 3;

/// Options of the HTTP scenarios.
pub struct Options {
    pub quick: bool,
    /// A PostgreSQL URL whose server gets a fresh database for the run (then dropped).
    pub pg: Option<String>,
    pub seconds: u64,
    pub connections: u32,
}

/// A fresh database for one backend and the `SKILLCERT__…` environment naming it.
pub struct Db {
    pub backend: &'static str,
    pub dir: tempfile::TempDir,
    pub env: Vec<(String, String)>,
    /// (admin URL, database name) of a PostgreSQL database to drop at the end.
    pg: Option<(String, String)>,
}

impl Db {
    /// A temp SQLite file, or with `pg` (an admin URL) a fresh PostgreSQL database.
    pub async fn fresh(pg: Option<&str>) -> BenchResult<Db> {
        let dir = tempfile::tempdir().map_err(err)?;
        let mut env = vec![
            (
                "SKILLCERT__DATA_DIR".to_owned(),
                dir.path().display().to_string(),
            ),
            (
                "SKILLCERT__CERTIFICATES__SIGNING_KEY".to_owned(),
                crate::s7::signing_key(),
            ),
        ];
        let pg = match pg {
            Some(admin) => {
                let name = format!("skillcert_bench_{}", Uuid::new_v4().simple());
                pg_admin(admin, format!("CREATE DATABASE {name}")).await?;
                env.push((
                    "SKILLCERT__DATABASE__URL".to_owned(),
                    pg_url_with_db(admin, &name)?,
                ));
                Some((admin.to_owned(), name))
            }
            None => None,
        };
        Ok(Db {
            backend: if pg.is_some() { "PostgreSQL" } else { "SQLite" },
            dir,
            env,
            pg,
        })
    }

    /// Drops the PostgreSQL database (the SQLite file goes with the temp dir).
    pub async fn close(self) -> BenchResult<()> {
        if let Some((admin, name)) = &self.pg {
            pg_admin(
                admin,
                format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            )
            .await?;
        }
        Ok(())
    }

    /// `skillcert serve` on this database, pinned to [`SERVER_CPU`], with `extra` settings.
    pub async fn serve(&self, extra: &[(String, String)]) -> BenchResult<Server> {
        let mut env = self.env.clone();
        env.extend_from_slice(extra);
        Server::start_with(
            self.dir.path(),
            &self.dir.path().join("serve.log"),
            &env,
            Some(SERVER_CPU),
        )
        .await
    }
}

pub fn pg_url_with_db(url: &str, db: &str) -> BenchResult<String> {
    let (base, _) = url
        .rsplit_once('/')
        .ok_or("the PostgreSQL URL needs a database name")?;
    Ok(format!("{base}/{db}"))
}

pub async fn pg_admin(url: &str, sql: String) -> BenchResult<()> {
    let admin = Database::connect(url).await.map_err(err)?;
    admin
        .execute(Statement::from_string(admin.get_database_backend(), sql))
        .await
        .map_err(err)?;
    admin.close().await.map_err(err)?;
    Ok(())
}

pub fn which(program: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|path| path.is_file())
    })
}

pub fn require_wrk() -> BenchResult<()> {
    match which("wrk") {
        Some(_) => Ok(()),
        None => Err("wrk not found: apt-get install wrk".into()),
    }
}

/// The Lua `done` hook every generated script ends with: one `WRKRESULT` line to parse.
pub const DONE_LUA: &str = r#"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRKRESULT requests=%d duration_us=%d p50_us=%d p99_us=%d status_errors=%d socket_errors=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
"#;

/// One load run.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    pub rate: f64,
    pub p50: Duration,
    pub p99: Duration,
}

/// Runs `wrk` pinned to [`LOAD_CPU`] with `script` against `url`; fails if any answer was not
/// 2xx/3xx or a socket failed (the system under test answered wrongly).
pub fn wrk(url: &str, script: &Path, connections: u32, seconds: u64) -> BenchResult<Load> {
    let mut command = if server::taskset_available() {
        let mut command = Command::new("taskset");
        command.args(["-c", LOAD_CPU, "wrk"]);
        command
    } else {
        Command::new("wrk")
    };
    let output = command
        .args(["-t1", &format!("-c{connections}"), &format!("-d{seconds}s")])
        .args(["--timeout", "5s", "-s"])
        .arg(script)
        .arg(url)
        .output()
        .map_err(err)?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("WRKRESULT "))
        .ok_or_else(|| {
            format!(
                "wrk gave no result: {stdout} {}",
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
    let field = |name: &str| -> BenchResult<u64> {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("wrk result without {name}: {line}").into())
    };
    if field("status_errors")? > 0 || field("socket_errors")? > 0 {
        return Err(format!("requests failed under load: {line}").into());
    }
    let duration = Duration::from_micros(field("duration_us")?);
    Ok(Load {
        rate: field("requests")? as f64 / duration.as_secs_f64(),
        p50: Duration::from_micros(field("p50_us")?),
        p99: Duration::from_micros(field("p99_us")?),
    })
}

pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The medians of several load runs.
pub fn median_load(loads: &[Load]) -> Load {
    let secs = |pick: fn(&Load) -> Duration| {
        Duration::from_secs_f64(median(
            loads.iter().map(|l| pick(l).as_secs_f64()).collect(),
        ))
    };
    Load {
        rate: median(loads.iter().map(|l| l.rate).collect()),
        p50: secs(|l| l.p50),
        p99: secs(|l| l.p99),
    }
}

pub fn latency(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// A Lua string literal (the scripts embed tokens and JSON bodies).
pub fn lua_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One row of the combined table, kept in the scenario's section as an HTML comment (invisible
/// when rendered) that `skillcert-bench summary` collects.
pub struct SummaryRow<'a> {
    pub scenario: &'a str,
    pub backend: &'a str,
    pub figure: String,
    pub floor: String,
    pub ratio: String,
    pub p99: String,
    pub rss: String,
    pub met: bool,
}

impl SummaryRow<'_> {
    pub fn line(&self) -> String {
        format!(
            "<!-- summary: | {} | {} | {} | {} | {} | {} | {} | {} | -->",
            self.scenario,
            self.backend,
            self.figure,
            self.floor,
            self.ratio,
            self.p99,
            self.rss,
            if self.met { "met" } else { "NOT met" }
        )
    }
}

/// A floor: `concurrency` plain loops at once on this process's runtime, `spawn_loop(i,
/// started)` making loop `i`, each counting what it did until its time is up; the sum and the
/// time taken.
pub async fn floor_loops<F, Fut>(concurrency: u32, spawn_loop: F) -> BenchResult<(u64, Duration)>
where
    F: Fn(u32, Instant) -> Fut,
    Fut: std::future::Future<Output = BenchResult<u64>> + Send + 'static,
{
    let started = Instant::now();
    let loops: Vec<_> = (0..concurrency)
        .map(|i| tokio::spawn(spawn_loop(i, started)))
        .collect();
    let mut count = 0;
    for handle in loops {
        count += handle.await.map_err(err)??;
    }
    Ok((count, started.elapsed()))
}

/// The end of a two-backend scenario's section: the load average after each backend's runs,
/// the summary rows and how to run it again (`make {target}`).
pub fn section_end(load_averages: &[(&str, &str)], summary: &[String], target: &str) -> String {
    format!(
        "\nLoad average (1 min) at the end of the runs: {}.\n\n{}\n\nReproduce with \
         `make {target}` (PostgreSQL at BENCH_PG_URL, empty to skip).",
        load_averages
            .iter()
            .map(|(backend, load)| format!("{backend} {load}"))
            .collect::<Vec<_>>()
            .join(", "),
        summary.join("\n")
    )
}

pub fn met(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}
