//! S2 (BENCHMARKS.md): an institution user's lists under load — `GET /api/v1/batches`
//! (page of 20) and `GET /api/v1/batches/{id}/candidates` (page of 50), half each, 64
//! connections, on the seeded world, on SQLite and on PostgreSQL.
//!
//! The seeded batches of three employer institutions (30 batches of 50 candidates) are handed
//! to the demo employer `emp1`, who signs in through the API; `wrk` (pinned to CPU 1) alternates
//! the two lists, each candidate list of one of those 30 batches at random.
//!
//! Floor, in the same run, a child process pinned to the server's CPU: the same SQL (the
//! caller's row by id as authentication reads it, the tenant-filtered count and page, the
//! batches' institutions, lines, steps, occupation names and registered counts, the calendar;
//! for candidates the tenant check of the batch, count, page and warnings) and the same views
//! serialised to JSON, in plain loops — as many at once as the connections.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use serde_json::Value;
use skillcert_domain::Level;
use skillcert_server::api::Page;
use skillcert_server::config::Config;
use skillcert_server::entities::{batch, candidate, candidate_warning, institution, user};
use skillcert_server::routes::batches::views;
use skillcert_server::routes::candidates::CandidateView;
use skillcert_server::state::AppState;
use skillcert_server::{build_app, seed as demo};
use uuid::Uuid;

use crate::load::{self, Db, LOAD_CPU, Load, Options, ROUNDS, SERVER_CPU, SummaryRow};
use crate::seed::{self, Size};
use crate::server::{self, Server};
use crate::{BenchResult, err};

struct Row {
    backend: &'static str,
    seed: Duration,
    load: Load,
    floor: f64,
    idle_rss: f64,
    peak_rss: f64,
    load_average: String,
}

pub fn size(quick: bool) -> Size {
    if quick {
        Size {
            institutions: 100,
            batches_per_institution: 10,
            candidates: 50_000,
            certificates: 0,
        }
    } else {
        Size {
            certificates: 0,
            ..Size::FULL
        }
    }
}

pub async fn run(options: &Options) -> BenchResult<String> {
    load::require_wrk()?;
    let size = size(options.quick);
    let mut rows = Vec::new();
    for pg in std::iter::once(None).chain(options.pg.as_deref().map(Some)) {
        let db = Db::fresh(pg).await?;
        let result = run_backend(options, size, &db).await;
        db.close().await?;
        rows.push(result?);
    }
    Ok(report(options, size, &rows))
}

/// Seeds the world and gives `emp1`'s institution the batches of seeded employer institutions
/// 0, 3 and 6; the ids of those batches.
async fn seed_world(db: &Db, size: Size) -> BenchResult<(Duration, Vec<Uuid>)> {
    let started = Instant::now();
    let config = Config::load(None, db.env.clone()).map_err(err)?;
    let app = build_app(config).await.map_err(err)?;
    demo::seed_demo(&app).await.map_err(err)?;
    let (user_id, institution_id) = crate::s4::institution_of(&app.state, "emp1").await?;
    seed::seed(&app.state, size, user_id).await?;
    let conn = &app.state.db.conn;
    // Employer institutions 0, 3 and 6 of the seed (its kinds cycle employer, training, school).
    let handed = Query::select()
        .column(institution::Column::Id)
        .from(institution::Entity)
        .and_where(institution::Column::Name.is_in([
            "基准测试评价机构0000",
            "基准测试评价机构0003",
            "基准测试评价机构0006",
        ]))
        .to_owned();
    candidate::Entity::update_many()
        .col_expr(
            candidate::Column::InstitutionId,
            Expr::value(institution_id),
        )
        .filter(candidate::Column::InstitutionId.in_subquery(handed.clone()))
        .exec(conn)
        .await
        .map_err(err)?;
    batch::Entity::update_many()
        .col_expr(batch::Column::InstitutionId, Expr::value(institution_id))
        .filter(batch::Column::InstitutionId.in_subquery(handed))
        .exec(conn)
        .await
        .map_err(err)?;
    let ids = batch::Entity::find()
        .filter(batch::Column::InstitutionId.eq(institution_id))
        .filter(batch::Column::Venue.eq(seed::VENUE))
        .all(conn)
        .await
        .map_err(err)?
        .into_iter()
        .map(|b| b.id)
        .collect();
    app.state.db.refresh_statistics().await.map_err(err)?;
    app.state.db.conn.clone().close().await.map_err(err)?;
    Ok((started.elapsed(), ids))
}

async fn run_backend(options: &Options, size: Size, db: &Db) -> BenchResult<Row> {
    let backend = db.backend;
    // -- Setup
    eprintln!("S2 on {backend}: seeding {size:?}");
    let (seeded, ids) = seed_world(db, size).await?;
    eprintln!("  seeded in {:.0} s", seeded.as_secs_f64());
    let server = db.serve(&[]).await?;
    let idle_rss = server.peak_rss_mib()?;
    let token = crate::s4::login(&server, "emp1", demo::DEMO_PASSWORD).await?;
    check_answers(&server, &token, &ids).await?;
    let ids_file = db.dir.path().join("batches.txt");
    let lines: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    std::fs::write(&ids_file, lines.join("\n") + "\n").map_err(err)?;
    let script = db.dir.path().join("lists.lua");
    std::fs::write(&script, wrk_script(&token, &lines)).map_err(err)?;

    // -- Exec: warm-up, then alternating floor and load rounds.
    load::wrk(&server.url("/"), &script, options.connections, 3)?;
    let (mut loads, mut floors) = (Vec::new(), Vec::new());
    for round in 1..=ROUNDS {
        let args = [
            "list-floor".to_owned(),
            options.seconds.to_string(),
            options.connections.to_string(),
            ids_file.display().to_string(),
        ];
        let floor = server::floor_child(SERVER_CPU, &args, &db.env)?[0];
        let l = load::wrk(
            &server.url("/"),
            &script,
            options.connections,
            options.seconds,
        )?;
        eprintln!(
            "  {backend} round {round}: {:.0} lists/s, p50 {}, p99 {}; floor {floor:.0}/s",
            l.rate,
            load::latency(l.p50),
            load::latency(l.p99)
        );
        loads.push(l);
        floors.push(floor);
    }
    // -- Check: still the right answers after the load.
    check_answers(&server, &token, &ids).await?;
    Ok(Row {
        backend,
        seed: seeded,
        load: load::median_load(&loads),
        floor: load::median(floors),
        idle_rss,
        peak_rss: server.peak_rss_mib()?,
        load_average: crate::load_average(),
    })
}

async fn check_answers(server: &Server, token: &str, ids: &[Uuid]) -> BenchResult<()> {
    let client = reqwest::Client::new();
    let get = |path: String| client.get(server.url(&path)).bearer_auth(token).send();
    let response = get("/api/v1/batches?page=1&page_size=20".to_owned())
        .await
        .map_err(err)?;
    let status = response.status();
    let body: Value = response.json().await.map_err(err)?;
    let items = body["items"].as_array().map_or(0, Vec::len);
    if status != 200 || items != 20 || body["total"].as_u64() < Some(ids.len() as u64) {
        return Err(format!("the batch list answered {status} with {items} items: {body}").into());
    }
    let batch = ids.first().ok_or("no batches handed to emp1")?;
    let response = get(format!(
        "/api/v1/batches/{batch}/candidates?page=1&page_size=50"
    ))
    .await
    .map_err(err)?;
    let status = response.status();
    let body: Value = response.json().await.map_err(err)?;
    let items = body["items"].as_array().map_or(0, Vec::len);
    let expected = body["total"].as_u64().unwrap_or(0).min(50) as usize;
    if status != 200 || items == 0 || items != expected {
        return Err(format!("the candidate list answered {status} with {items} items").into());
    }
    Ok(())
}

fn wrk_script(token: &str, ids: &[String]) -> String {
    let ids: Vec<String> = ids.iter().map(|id| load::lua_string(id)).collect();
    format!(
        r#"-- S2: the batch list and a candidate list in turn, as one institution user.
local ids = {{ {} }}
local n = 0
math.randomseed(12345)
wrk.headers["Authorization"] = {}
request = function()
  n = n + 1
  if n % 2 == 0 then
    return wrk.format("GET", "/api/v1/batches?page=1&page_size=20")
  end
  return wrk.format("GET", "/api/v1/batches/" .. ids[math.random(#ids)] .. "/candidates?page=1&page_size=50")
end
{}"#,
        ids.join(", "),
        load::lua_string(&format!("Bearer {token}")),
        load::DONE_LUA
    )
}

fn report(options: &Options, size: Size, rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## S2 — an institution's batch and candidate lists\n\n\
         Seeded: {} institutions, {} batches, {} candidates (certificates not seeded: neither \
         list reads them); the batches of three seeded employer institutions (30 batches of \
         {} candidates) belong to `emp1`. `wrk`, {} connections, pinned to CPU {LOAD_CPU}, \
         alternates `GET /api/v1/batches?page_size=20` and \
         `GET /api/v1/batches/{{id}}/candidates?page_size=50` (a random one of the 30) with \
         `emp1`'s token; {ROUNDS} runs of {} s after a 3 s warm-up, alternating with the \
         floor's (medians shown). `skillcert serve` pinned to CPU {SERVER_CPU}. Answers checked \
         before and after the load (20 batches, a full page of candidates); `wrk` counts any \
         non-2xx answer as an error, which fails the bench.\n\n\
         Floor: the same SQL (the user row authentication reads, count and page with the \
         tenant filter, the batches' institutions, lines, steps, occupation names, registered \
         counts and the calendar; for candidates the batch's tenant check, count, page and \
         warnings) and the same views serialised to JSON, the two lists in turn, in plain \
         loops ({} at once) in one process pinned to CPU {SERVER_CPU} — no HTTP, middleware \
         or token check.\n\nMachine: {}\n",
        size.institutions,
        size.batches(),
        size.candidates,
        size.per_batch(),
        options.connections,
        options.seconds,
        options.connections,
        crate::machine()
    );
    let _ = writeln!(
        out,
        "| backend | seed | lists/s | p50 | p99 | floor/s | ratio | target (≥ 0.6 of floor, p99 < 20 ms) | serve RSS idle / under load (≤ 64 / ≤ 256 MiB) |\n\
         |---|---|---|---|---|---|---|---|---|"
    );
    let mut summary = Vec::new();
    for row in rows {
        let ratio = row.load.rate / row.floor;
        let met = ratio >= 0.6 && row.load.p99 < Duration::from_millis(20);
        let memory_met = row.idle_rss <= 64.0 && row.peak_rss <= 256.0;
        let _ = writeln!(
            out,
            "| {} | {:.0} s | {:.0} | {} | {} | {:.0} | {ratio:.2} | {} | {:.0} / {:.0} MiB: {} |",
            row.backend,
            row.seed.as_secs_f64(),
            row.load.rate,
            load::latency(row.load.p50),
            load::latency(row.load.p99),
            row.floor,
            load::met(met),
            row.idle_rss,
            row.peak_rss,
            load::met(memory_met)
        );
        summary.push(
            SummaryRow {
                scenario: "S2 lists",
                backend: row.backend,
                figure: format!("{:.0} lists/s", row.load.rate),
                floor: format!("{:.0}/s", row.floor),
                ratio: format!("{ratio:.2}"),
                p99: load::latency(row.load.p99),
                rss: format!("{:.0} / {:.0} MiB", row.idle_rss, row.peak_rss),
                met: met && memory_met,
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
        load::section_end(&load_averages, &summary, "bench-list")
    );
    out
}

// -------------------------------------------------------------------------------------------
// The floor (child process)
// -------------------------------------------------------------------------------------------

/// `skillcert-bench list-floor SECONDS CONCURRENCY IDS_FILE` (the child): the configuration
/// from the environment, as `serve` reads it; prints `FLOOR <lists per second>`.
pub async fn floor_main(seconds: u64, concurrency: u32, ids: &Path) -> BenchResult<()> {
    let mut config = Config::load(None, std::env::vars()).map_err(err)?;
    config.jobs.enabled = false;
    let app = build_app(config).await.map_err(err)?;
    let state = app.state.clone().into_inner();
    let (user_id, institution_id) = crate::s4::institution_of(&state, "emp1").await?;
    let ids: Arc<Vec<Uuid>> = Arc::new(
        std::fs::read_to_string(ids)
            .map_err(err)?
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| l.parse().map_err(err))
            .collect::<BenchResult<_>>()?,
    );
    let who = Who {
        user_id,
        institution_id,
    };
    let run = |concurrency: u32, duration: Duration| {
        let (state, ids) = (&state, &ids);
        load::floor_loops(concurrency, move |i, started| {
            let state = state.clone();
            let ids = ids.clone();
            async move { floor(&state, who, &ids, u64::from(i), started, duration).await }
        })
    };
    run(1, Duration::from_secs(2)).await?;
    let (count, elapsed) = run(concurrency, Duration::from_secs(seconds)).await?;
    println!("FLOOR {}", count as f64 / elapsed.as_secs_f64());
    Ok(())
}

#[derive(Clone, Copy)]
struct Who {
    user_id: Uuid,
    institution_id: Uuid,
}

async fn floor(
    state: &AppState,
    who: Who,
    ids: &[Uuid],
    stream: u64,
    started: Instant,
    duration: Duration,
) -> BenchResult<u64> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d ^ (stream.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let mut count = 0u64;
    while started.elapsed() < duration {
        // The caller's row, as authentication reads it on every request.
        user::Entity::find_by_id(who.user_id)
            .one(&state.db.conn)
            .await
            .map_err(err)?
            .ok_or("user missing")?;
        let body = if count.is_multiple_of(2) {
            batch_page(state, who).await?
        } else {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            candidate_page(state, who, ids[(x % ids.len() as u64) as usize]).await?
        };
        std::hint::black_box(body);
        count += 1;
    }
    Ok(count)
}

async fn batch_page(state: &AppState, who: Who) -> BenchResult<Vec<u8>> {
    let conn = &state.db.conn;
    let paginator = batch::Entity::find()
        .filter(batch::Column::InstitutionId.eq(who.institution_id))
        .order_by_desc(batch::Column::CreatedAt)
        .order_by_desc(batch::Column::Id)
        .paginate(conn, 20);
    let total = paginator.num_items().await.map_err(err)?;
    let rows = paginator.fetch_page(0).await.map_err(err)?;
    let calendar = state.calendar().await.map_err(err_api)?;
    // The handler's own view building: its queries and the same views.
    let items = views(state, rows, &calendar).await.map_err(err_api)?;
    if items.len() != 20 {
        return Err(format!("floor batch page has {} items", items.len()).into());
    }
    serde_json::to_vec(&Page {
        items,
        total,
        page: 1,
        page_size: 20,
    })
    .map_err(err)
}

async fn candidate_page(state: &AppState, who: Who, batch_id: Uuid) -> BenchResult<Vec<u8>> {
    let conn = &state.db.conn;
    let batch = batch::Entity::find_by_id(batch_id)
        .filter(batch::Column::InstitutionId.eq(who.institution_id))
        .one(conn)
        .await
        .map_err(err)?
        .ok_or("floor batch not visible")?;
    let paginator = candidate::Entity::find()
        .filter(candidate::Column::BatchId.eq(batch.id))
        .order_by_asc(candidate::Column::CreatedAt)
        .order_by_asc(candidate::Column::Id)
        .paginate(conn, 50);
    let total = paginator.num_items().await.map_err(err)?;
    let rows = paginator.fetch_page(0).await.map_err(err)?;
    // The seeded candidates carry no warnings; the query runs all the same.
    let warnings = candidate_warning::Entity::find()
        .filter(candidate_warning::Column::CandidateId.is_in(rows.iter().map(|r| r.id)))
        .order_by_asc(candidate_warning::Column::Code)
        .all(conn)
        .await
        .map_err(err)?;
    std::hint::black_box(warnings);
    let items: Vec<CandidateView> = rows
        .into_iter()
        .map(|c| CandidateView {
            warnings: Vec::new(),
            id: c.id,
            batch_id: c.batch_id,
            institution_id: c.institution_id,
            name: c.name,
            id_type: c.id_type,
            id_number_masked: c.id_masked,
            phone_masked: c.phone_masked,
            occupation_code: c.occupation_code,
            level: u8::try_from(c.level).unwrap_or(0),
            level_name: u8::try_from(c.level)
                .ok()
                .and_then(|l| Level::try_from(l).ok())
                .map(Level::name_zh),
            education: c.education,
            work_years: c.work_years,
            student_no: c.student_no,
            graduation_year: c.graduation_year,
            eligibility: c.eligibility,
            eligibility_reason: c.eligibility_reason,
            withdrawn_at: c.withdrawn_at,
            version: c.version,
            created_at: c.created_at,
            updated_at: c.updated_at,
        })
        .collect();
    if items.is_empty() {
        return Err("floor candidate page is empty".into());
    }
    serde_json::to_vec(&Page {
        items,
        total,
        page: 1,
        page_size: 50,
    })
    .map_err(err)
}

fn err_api(e: skillcert_server::error::ApiError) -> Box<dyn std::error::Error + Send + Sync> {
    format!("{e:?}").into()
}
