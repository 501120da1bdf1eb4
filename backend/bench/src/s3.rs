//! S3 (BENCHMARKS.md): create a batch through the API — `POST /api/v1/batches` as the demo
//! employer `emp1`: validation, every batch rule of SPEC §4 (annual plan, filings, dates
//! against the work calendar), the batch, its two occupation lines and its steps and the audit
//! row in one transaction — under load from `wrk` (a Lua script posting the same valid body),
//! on the seeded world, on SQLite and on PostgreSQL.
//!
//! Floor, in the same run, a child process pinned to the server's CPU: the same rows (batch,
//! lines, steps, chained audit row) inserted in one transaction each, values computed in the
//! loop, no reads but the audit chain's last link — in plain loops, as many at once as the
//! connections.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use skillcert_domain::calendar::china_date;
use skillcert_domain::catalogue;
use skillcert_domain::state::StepStates;
use skillcert_domain::{InstitutionKind, Module};
use skillcert_server::audit::{self, AuditCtx};
use skillcert_server::config::Config;
use skillcert_server::entities::{batch, batch_occupation, batch_step};
use skillcert_server::state::AppState;
use skillcert_server::{build_app, seed as demo};
use time::{Date, Month, OffsetDateTime};
use uuid::Uuid;

use crate::load::{self, Db, LOAD_CPU, Load, Options, ROUNDS, SERVER_CPU, SummaryRow};
use crate::seed::{self, Size};
use crate::server::{self, Server};
use crate::{BenchResult, err};

/// The venue of the batches this scenario creates (to count them).
const VENUE: &str = "S3 基准测试考点";

struct Row {
    backend: &'static str,
    seed: Duration,
    load: Load,
    floor: f64,
    created: u64,
    idle_rss: f64,
    peak_rss: f64,
    load_average: String,
}

pub async fn run(options: &Options) -> BenchResult<String> {
    load::require_wrk()?;
    let size = crate::s2::size(options.quick);
    let mut rows = Vec::new();
    for pg in std::iter::once(None).chain(options.pg.as_deref().map(Some)) {
        let db = Db::fresh(pg).await?;
        let result = run_backend(options, size, &db).await;
        db.close().await?;
        rows.push(result?);
    }
    Ok(report(options, size, &rows))
}

/// The exam dates of a valid new batch, as the demo data picks them: three weeks ahead,
/// within the year.
fn exam_date(now: OffsetDateTime) -> BenchResult<Date> {
    let today = china_date(now);
    Ok((today + time::Duration::days(21))
        .min(Date::from_calendar_date(today.year(), Month::December, 30).map_err(err)?))
}

fn body(exam: Date) -> Value {
    let lines: Vec<Value> = seed::OCCUPATIONS
        .iter()
        .map(
            |(code, level)| json!({ "occupation_code": code, "level": level, "planned_count": 40 }),
        )
        .collect();
    json!({
        "module": "supervised",
        "method": "exam",
        "year": exam.year(),
        "exam_start": exam.to_string(),
        "exam_end": exam.to_string(),
        "venue": VENUE,
        "venue_region": "4101",
        "occupations": lines,
    })
}

async fn run_backend(options: &Options, size: Size, db: &Db) -> BenchResult<Row> {
    let backend = db.backend;
    // -- Setup
    eprintln!("S3 on {backend}: seeding {size:?}");
    let started = Instant::now();
    {
        let config = Config::load(None, db.env.clone()).map_err(err)?;
        let app = build_app(config).await.map_err(err)?;
        demo::seed_demo(&app).await.map_err(err)?;
        let (user_id, _) = crate::s4::institution_of(&app.state, "emp1").await?;
        seed::seed(&app.state, size, user_id).await?;
        app.state.db.conn.clone().close().await.map_err(err)?;
    }
    let seeded = started.elapsed();
    let server = db.serve(&[]).await?;
    let idle_rss = server.peak_rss_mib()?;
    let token = crate::s4::login(&server, "emp1", demo::DEMO_PASSWORD).await?;
    let body = body(exam_date(OffsetDateTime::now_utc())?);
    check_create(&server, &token, &body).await?;
    let script = db.dir.path().join("create.lua");
    std::fs::write(&script, wrk_script(&token, &body)).map_err(err)?;

    // -- Exec: warm-up, then alternating floor and load rounds.
    let url = server.url("/api/v1/batches");
    load::wrk(&url, &script, options.connections, 2)?;
    let (mut loads, mut floors) = (Vec::new(), Vec::new());
    for round in 1..=ROUNDS {
        let args = [
            "create-floor".to_owned(),
            options.seconds.to_string(),
            options.connections.to_string(),
        ];
        let floor = server::floor_child(SERVER_CPU, &args, &db.env)?[0];
        let l = load::wrk(&url, &script, options.connections, options.seconds)?;
        eprintln!(
            "  {backend} round {round}: {:.0} batches/s, p50 {}, p99 {}; floor {floor:.0}/s",
            l.rate,
            load::latency(l.p50),
            load::latency(l.p99)
        );
        loads.push(l);
        floors.push(floor);
    }
    // -- Check: the batches are there, and the API still creates a correct one.
    check_create(&server, &token, &body).await?;
    let created = {
        let config = Config::load(None, db.env.clone()).map_err(err)?;
        let app = build_app(config).await.map_err(err)?;
        let created = batch::Entity::find()
            .filter(batch::Column::Venue.eq(VENUE))
            .count(&app.state.db.conn)
            .await
            .map_err(err)?;
        app.state.db.conn.clone().close().await.map_err(err)?;
        created
    };
    Ok(Row {
        backend,
        seed: seeded,
        load: load::median_load(&loads),
        floor: load::median(floors),
        created,
        idle_rss,
        peak_rss: server.peak_rss_mib()?,
        load_average: crate::load_average(),
    })
}

/// One creation through the API: 201, the body's lines, the plan step in draft.
async fn check_create(server: &Server, token: &str, body: &Value) -> BenchResult<()> {
    let response = reqwest::Client::new()
        .post(server.url("/api/v1/batches"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .map_err(err)?;
    let status = response.status();
    let answer: Value = response.json().await.map_err(err)?;
    let plan_draft = answer["steps"]
        .as_array()
        .and_then(|steps| steps.first())
        .is_some_and(|s| s["step"] == "plan" && s["state"] == "draft");
    if status != 201
        || answer["occupations"].as_array().map(Vec::len) != Some(2)
        || answer["venue"] != VENUE
        || !plan_draft
    {
        return Err(format!("creating a batch answered {status}: {answer}").into());
    }
    Ok(())
}

fn wrk_script(token: &str, body: &Value) -> String {
    format!(
        r#"-- S3: the same valid batch, created over and over as emp1.
wrk.method = "POST"
wrk.body = {}
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = {}
{}"#,
        load::lua_string(&body.to_string()),
        load::lua_string(&format!("Bearer {token}")),
        load::DONE_LUA
    )
}

fn report(options: &Options, size: Size, rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## S3 — create a batch\n\n\
         Seeded: {} institutions, {} batches, {} candidates (certificates not seeded: creation \
         does not read them). `POST /api/v1/batches` as `emp1` with the same valid body (two \
         occupation lines, exam three weeks ahead) — validation, the SPEC §4 batch rules, \
         batch + lines + steps + chained audit row in one transaction, the answer built from the rows written. \
         `wrk`, {} connections, pinned to CPU {LOAD_CPU}; {ROUNDS} runs of {} s after a 2 s \
         warm-up, alternating with the floor's (medians shown); `skillcert serve` pinned to \
         CPU {SERVER_CPU}. Any non-2xx answer fails the bench; one creation is checked in full \
         before and after the load.\n\n\
         Floor: the same rows (batch, two lines, the process's steps, the chained audit row) \
         inserted in one transaction each, in plain loops ({} at once) in one process pinned \
         to CPU {SERVER_CPU}.\n\nMachine: {}\n",
        size.institutions,
        size.batches(),
        size.candidates,
        options.connections,
        options.seconds,
        options.connections,
        crate::machine()
    );
    let _ = writeln!(
        out,
        "| backend | seed | batches/s | p50 | p99 | floor/s | ratio | target (≥ 0.5 of floor; ≥ 2,000/s on SQLite) | created in all | serve RSS idle / peak |\n\
         |---|---|---|---|---|---|---|---|---|---|"
    );
    let mut summary = Vec::new();
    for row in rows {
        let ratio = row.load.rate / row.floor;
        let met = ratio >= 0.5 && (row.backend != "SQLite" || row.load.rate >= 2_000.0);
        let _ = writeln!(
            out,
            "| {} | {:.0} s | {:.0} | {} | {} | {:.0} | {ratio:.2} | {} | {} | {:.0} / {:.0} MiB |",
            row.backend,
            row.seed.as_secs_f64(),
            row.load.rate,
            load::latency(row.load.p50),
            load::latency(row.load.p99),
            row.floor,
            load::met(met),
            row.created,
            row.idle_rss,
            row.peak_rss
        );
        summary.push(
            SummaryRow {
                scenario: "S3 create batch",
                backend: row.backend,
                figure: format!("{:.0} batches/s", row.load.rate),
                floor: format!("{:.0}/s", row.floor),
                ratio: format!("{ratio:.2}"),
                p99: load::latency(row.load.p99),
                rss: format!("{:.0} / {:.0} MiB", row.idle_rss, row.peak_rss),
                met,
            }
            .line(),
        );
    }
    let load_averages: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.backend, r.load_average.as_str()))
        .collect();
    let _ = writeln!(
        out,
        "{}",
        load::section_end(&load_averages, &summary, "bench-create")
    );
    out
}

// -------------------------------------------------------------------------------------------
// The floor (child process)
// -------------------------------------------------------------------------------------------

/// `skillcert-bench create-floor SECONDS CONCURRENCY` (the child): prints
/// `FLOOR <batches per second>`.
pub async fn floor_main(seconds: u64, concurrency: u32) -> BenchResult<()> {
    let mut config = Config::load(None, std::env::vars()).map_err(err)?;
    config.jobs.enabled = false;
    let app = build_app(config).await.map_err(err)?;
    let state = app.state.clone().into_inner();
    let (user_id, institution_id) = crate::s4::institution_of(&state, "emp1").await?;
    let exam = exam_date(state.clock.now())?;
    let who = Arc::new((user_id, institution_id, exam));
    let run = |concurrency: u32, duration: Duration| {
        let (state, who) = (&state, &who);
        load::floor_loops(concurrency, move |_, started| {
            let state = state.clone();
            let who = who.clone();
            async move { floor(&state, &who, started, duration).await }
        })
    };
    run(1, Duration::from_secs(1)).await?;
    let (count, elapsed) = run(concurrency, Duration::from_secs(seconds)).await?;
    println!("FLOOR {}", count as f64 / elapsed.as_secs_f64());
    Ok(())
}

async fn floor(
    state: &AppState,
    who: &(Uuid, Uuid, Date),
    started: Instant,
    duration: Duration,
) -> BenchResult<u64> {
    let (user_id, institution_id, exam) = *who;
    let process = catalogue::process(InstitutionKind::Employer, Module::Supervised)
        .ok_or("no employer process")?;
    let ctx = AuditCtx {
        actor_id: Some(user_id),
        actor_role: "institution".to_owned(),
        request_id: String::new(),
        ip: "127.0.0.1".to_owned(),
    };
    let mut count = 0u64;
    while started.elapsed() < duration {
        let now = state.clock.now();
        let id = Uuid::now_v7();
        let txn = state.db.begin_write().await.map_err(err)?;
        batch::Entity::insert(batch::ActiveModel {
            id: Set(id),
            institution_id: Set(institution_id),
            kind: Set(InstitutionKind::Employer.code().to_owned()),
            module: Set(Module::Supervised.code().to_owned()),
            method: Set("exam".to_owned()),
            year: Set(exam.year()),
            exam_start: Set(exam),
            exam_end: Set(exam),
            venue: Set("S3 floor".to_owned()),
            venue_region: Set("4101".to_owned()),
            exam_notice_ids: Set(json!([])),
            approved_plan: Set(None),
            completion_extended_to: Set(None),
            archived_at: Set(None),
            version: Set(1),
            created_by: Set(user_id),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .exec_without_returning(&*txn)
        .await
        .map_err(err)?;
        batch_occupation::Entity::insert_many(seed::OCCUPATIONS.map(|(code, level)| {
            batch_occupation::ActiveModel {
                batch_id: Set(id),
                occupation_code: Set(code.to_owned()),
                level: Set(level),
                planned_count: Set(40),
            }
        }))
        .exec_without_returning(&*txn)
        .await
        .map_err(err)?;
        batch_step::Entity::insert_many(StepStates::initial(process).iter(process).map(
            |(step, step_state)| batch_step::ActiveModel {
                batch_id: Set(id),
                step: Set(step.code().to_owned()),
                state: Set(step_state.code().to_owned()),
                submitted_at: Set(None),
                first_submitted_at: Set(None),
                decided_at: Set(None),
                version: Set(1),
            },
        ))
        .exec_without_returning(&*txn)
        .await
        .map_err(err)?;
        audit::record(
            &*txn,
            &ctx,
            now,
            audit::Event {
                action: "batch.create",
                entity_type: "batch",
                entity_id: id.to_string(),
                institution_id: Some(institution_id),
                summary: json!({ "after": {
                    "module": "supervised", "method": "exam", "year": exam.year(),
                    "exam_start": exam.to_string(), "exam_end": exam.to_string(),
                    "venue": "S3 floor", "venue_region": "4101",
                    "occupations": seed::OCCUPATIONS.map(|(c, l)| json!([c, l, 40])),
                } }),
            },
        )
        .await
        .map_err(|e| format!("{e:?}"))?;
        txn.commit().await.map_err(err)?;
        count += 1;
    }
    Ok(count)
}
