//! S5 (BENCHMARKS.md): concurrent step approvals — `POST /api/v1/batches/{id}/steps/plan/decision`
//! (`approve`) as the supervisor: the batch read with its steps, the reviewer and transition
//! checks, the conditional step updates (plan approved, the next steps opened), the decision,
//! the outbox event, the approved plan kept on the batch and the chained audit row in one
//! transaction, then the answer (registered counts and occupation names read, the rest built
//! from the rows written) — on the seeded world, on SQLite and on PostgreSQL.
//!
//! Every approval needs its own batch with the plan submitted, which `wrk` cannot hand out, so
//! the state is prepared in the database (every seeded batch put back to its process's initial
//! steps with the plan submitted, before each run) and the requests come from this binary
//! again (`approve-client`, reqwest, a fixed number of requests in flight), pinned to CPU 1.
//! Every answer must be 200 with the plan approved.
//!
//! Floor, in the same run, a child process pinned to the server's CPU: per batch the same
//! writes — the step UPDATEs, the decision, event and audit INSERTs, the batch's approved plan —
//! in one transaction, with no reads but the audit chain's last link; as many loops at once as
//! the client has requests in flight.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::{Value, json};
use skillcert_domain::catalogue;
use skillcert_domain::state::{Decision, StepChange, StepStates};
use skillcert_domain::{InstitutionKind, Module, Step, StepState};
use skillcert_server::audit::{self, AuditCtx};
use skillcert_server::batches::{self, StoredPlan};
use skillcert_server::config::Config;
use skillcert_server::entities::{batch, batch_step};
use skillcert_server::state::AppState;
use skillcert_server::{build_app, seed as demo};
use uuid::Uuid;

use crate::load::{self, Db, LOAD_CPU, Options, ROUNDS, SERVER_CPU, SummaryRow};
use crate::seed::{self, Size};
use crate::server;
use crate::{BenchResult, err};

const KINDS: [InstitutionKind; 3] = [
    InstitutionKind::Employer,
    InstitutionKind::SocialTraining,
    InstitutionKind::TechSchool,
];

struct Row {
    backend: &'static str,
    seed: Duration,
    approvals: usize,
    rate: f64,
    p50: Duration,
    p99: Duration,
    floor: f64,
    idle_rss: f64,
    peak_rss: f64,
    load_average: String,
}

pub async fn run(options: &Options) -> BenchResult<String> {
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

/// Puts every seeded batch back to its process's initial steps with the plan submitted (and no
/// approved plan): each is then one approval away.
async fn reset(state: &AppState) -> BenchResult<()> {
    let now = state.clock.now();
    let txn = state.db.begin_write().await.map_err(err)?;
    for kind in KINDS {
        let process = catalogue::process(kind, Module::Supervised).ok_or("no process")?;
        let of_kind = Query::select()
            .column(batch::Column::Id)
            .from(batch::Entity)
            .and_where(batch::Column::Kind.eq(kind.code()))
            .and_where(batch::Column::Venue.eq(seed::VENUE))
            .to_owned();
        for (step, initial) in StepStates::initial(process).iter(process) {
            let plan = step == Step::Plan;
            let to = if plan { StepState::Submitted } else { initial };
            batch_step::Entity::update_many()
                .col_expr(batch_step::Column::State, Expr::value(to.code()))
                .col_expr(
                    batch_step::Column::SubmittedAt,
                    Expr::value(plan.then_some(now)),
                )
                .col_expr(
                    batch_step::Column::DecidedAt,
                    Expr::value(Option::<time::OffsetDateTime>::None),
                )
                .filter(batch_step::Column::Step.eq(step.code()))
                .filter(batch_step::Column::BatchId.in_subquery(of_kind.clone()))
                .exec(&*txn)
                .await
                .map_err(err)?;
        }
    }
    batch::Entity::update_many()
        .col_expr(
            batch::Column::ApprovedPlan,
            Expr::value(sea_orm::Value::Json(None)),
        )
        .filter(batch::Column::Venue.eq(seed::VENUE))
        .exec(&*txn)
        .await
        .map_err(err)?;
    txn.commit().await.map_err(err)?;
    Ok(())
}

async fn pool(state: &AppState, count: usize) -> BenchResult<Vec<(Uuid, String)>> {
    Ok(batch::Entity::find()
        .filter(batch::Column::Venue.eq(seed::VENUE))
        .order_by_asc(batch::Column::Id)
        .limit(count as u64)
        .all(&state.db.conn)
        .await
        .map_err(err)?
        .into_iter()
        .map(|b| (b.id, b.kind))
        .collect())
}

async fn run_backend(options: &Options, size: Size, db: &Db) -> BenchResult<Row> {
    let backend = db.backend;
    // -- Setup
    eprintln!("S5 on {backend}: seeding {size:?}");
    let started = Instant::now();
    let config = Config::load(None, db.env.clone()).map_err(err)?;
    let app = build_app(config).await.map_err(err)?;
    demo::seed_demo(&app).await.map_err(err)?;
    let (user_id, _) = crate::s4::institution_of(&app.state, "emp1").await?;
    seed::seed(&app.state, size, user_id).await?;
    let seeded = started.elapsed();
    let count = if options.quick { 1_000 } else { size.batches() };
    let ids = pool(&app.state, count).await?;
    let ids_file = db.dir.path().join("pool.txt");
    let lines: Vec<String> = ids
        .iter()
        .map(|(id, kind)| format!("{id} {kind}"))
        .collect();
    std::fs::write(&ids_file, lines.join("\n") + "\n").map_err(err)?;
    let server = db.serve(&[]).await?;
    let idle_rss = server.peak_rss_mib()?;
    let token = crate::s4::login(&server, "supervisor", demo::DEMO_PASSWORD).await?;

    // -- Exec: per round, the floor on the reset pool, then the API on the reset pool.
    let (mut rates, mut p50s, mut p99s, mut floors) = (vec![], vec![], vec![], vec![]);
    for round in 1..=ROUNDS {
        reset(&app.state).await?;
        let args = [
            "approve-floor".to_owned(),
            ids_file.display().to_string(),
            options.connections.to_string(),
        ];
        let floor = server::floor_child(SERVER_CPU, &args, &db.env)?[0];
        reset(&app.state).await?;
        let args = [
            "approve-client".to_owned(),
            server.base.clone(),
            token.clone(),
            ids_file.display().to_string(),
            options.connections.to_string(),
        ];
        let load = server::floor_child(LOAD_CPU, &args, &[])?;
        let (rate, p50, p99) = (
            load[0],
            Duration::from_micros(load.get(1).copied().unwrap_or(0.0) as u64),
            Duration::from_micros(load.get(2).copied().unwrap_or(0.0) as u64),
        );
        eprintln!(
            "  {backend} round {round}: {rate:.0} approvals/s, p50 {}, p99 {}; floor {floor:.0}/s",
            load::latency(p50),
            load::latency(p99)
        );
        rates.push(rate);
        p50s.push(p50.as_secs_f64());
        p99s.push(p99.as_secs_f64());
        floors.push(floor);
    }
    // -- Check: every pool batch's plan approved by the API in the last round.
    let approved = batch_step::Entity::find()
        .filter(batch_step::Column::Step.eq(Step::Plan.code()))
        .filter(batch_step::Column::State.eq(StepState::Approved.code()))
        .filter(batch_step::Column::BatchId.is_in(ids.iter().map(|(id, _)| *id)))
        .count(&app.state.db.conn)
        .await
        .map_err(err)? as usize;
    if approved != ids.len() {
        return Err(format!("{approved} of {} plans approved after the run", ids.len()).into());
    }
    app.state.db.conn.clone().close().await.map_err(err)?;
    Ok(Row {
        backend,
        seed: seeded,
        approvals: ids.len(),
        rate: load::median(rates),
        p50: Duration::from_secs_f64(load::median(p50s)),
        p99: Duration::from_secs_f64(load::median(p99s)),
        floor: load::median(floors),
        idle_rss,
        peak_rss: server.peak_rss_mib()?,
        load_average: crate::load_average(),
    })
}

fn report(options: &Options, size: Size, rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## S5 — concurrent step approvals\n\n\
         Seeded: {} institutions, {} batches, {} candidates (certificates not seeded: approving \
         a plan does not read them). Before each run every seeded batch is put back (in the \
         database) to its process's initial steps with the plan submitted; the supervisor then \
         approves the plans of {} batches through `POST /api/v1/batches/{{id}}/steps/plan/decision`, \
         {} requests in flight, from a reqwest client in a child process of the bench pinned to \
         CPU {LOAD_CPU} (`wrk` cannot hand each request its own batch). Every answer must be 200 \
         with the plan approved, and every plan is approved at the end. {ROUNDS} runs, each \
         after a floor run (medians shown); `skillcert serve` pinned to CPU {SERVER_CPU}.\n\n\
         Floor: per batch the same writes — the step UPDATEs (plan approved, the next steps \
         opened), the decision, outbox-event and chained audit INSERTs and the batch's approved \
         plan — in one transaction, no reads but the audit chain's last link, {} loops at once \
         in one process pinned to CPU {SERVER_CPU}.\n\nMachine: {}\n",
        size.institutions,
        size.batches(),
        size.candidates,
        rows.first().map_or(0, |r| r.approvals),
        options.connections,
        options.connections,
        crate::machine()
    );
    let _ = writeln!(
        out,
        "| backend | seed | approvals/s | p50 | p99 | floor/s | ratio | target (≥ 0.5 of floor and ≥ 1,000/s) | serve RSS idle / peak |\n\
         |---|---|---|---|---|---|---|---|---|"
    );
    let mut summary = Vec::new();
    for row in rows {
        let ratio = row.rate / row.floor;
        let met = ratio >= 0.5 && row.rate >= 1_000.0;
        let _ = writeln!(
            out,
            "| {} | {:.0} s | {:.0} | {} | {} | {:.0} | {ratio:.2} | {} | {:.0} / {:.0} MiB |",
            row.backend,
            row.seed.as_secs_f64(),
            row.rate,
            load::latency(row.p50),
            load::latency(row.p99),
            row.floor,
            load::met(met),
            row.idle_rss,
            row.peak_rss
        );
        summary.push(
            SummaryRow {
                scenario: "S5 approve step",
                backend: row.backend,
                figure: format!("{:.0} approvals/s", row.rate),
                floor: format!("{:.0}/s", row.floor),
                ratio: format!("{ratio:.2}"),
                p99: load::latency(row.p99),
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
        load::section_end(&load_averages, &summary, "bench-approve")
    );
    out
}

fn read_pool(path: &Path) -> BenchResult<Vec<(Uuid, String)>> {
    std::fs::read_to_string(path)
        .map_err(err)?
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (id, kind) = l.split_once(' ').ok_or("bad pool line")?;
            Ok((id.parse().map_err(err)?, kind.to_owned()))
        })
        .collect()
}

/// `skillcert-bench approve-client BASE TOKEN POOL CONCURRENCY` (the client child): approves
/// the plan of every pool batch, `CONCURRENCY` requests in flight; prints
/// `FLOOR <approvals per second> <p50 µs> <p99 µs>` (the line `floor_child` reads).
pub async fn client_main(
    base: &str,
    token: &str,
    pool: &Path,
    concurrency: u32,
) -> BenchResult<()> {
    let ids: Vec<Uuid> = read_pool(pool)?.into_iter().map(|(id, _)| id).collect();
    let client = reqwest::Client::new();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let ids = Arc::new(ids);
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, next, ids) = (client.clone(), next.clone(), ids.clone());
            let (base, token) = (base.to_owned(), token.to_owned());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(id) = ids.get(i) else { break };
                    let sent = Instant::now();
                    let response = client
                        .post(format!("{base}/api/v1/batches/{id}/steps/plan/decision"))
                        .bearer_auth(&token)
                        .json(&json!({ "decision": "approve", "comment": "同意" }))
                        .send()
                        .await
                        .map_err(err)?;
                    let status = response.status();
                    let body: Value = response.json().await.map_err(err)?;
                    latencies.push(sent.elapsed());
                    let approved = body["steps"]
                        .as_array()
                        .and_then(|s| s.iter().find(|s| s["step"] == "plan"))
                        .is_some_and(|s| s["state"] == "approved");
                    if status != 200 || !approved {
                        return Err(format!("approving {id} answered {status}: {body}").into());
                    }
                }
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(latencies)
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for worker in workers {
        latencies.extend(worker.await.map_err(err)??);
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pick = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0, |d| d.as_micros())
    };
    println!(
        "FLOOR {} {} {}",
        latencies.len() as f64 / elapsed.as_secs_f64(),
        pick(0.5),
        pick(0.99)
    );
    Ok(())
}

/// `skillcert-bench approve-floor POOL CONCURRENCY` (the floor child): prints
/// `FLOOR <approvals per second>`.
pub async fn floor_main(pool: &Path, concurrency: u32) -> BenchResult<()> {
    let mut config = Config::load(None, std::env::vars()).map_err(err)?;
    config.jobs.enabled = false;
    let app = build_app(config).await.map_err(err)?;
    let state = app.state.clone().into_inner();
    let pool = read_pool(pool)?;
    // Before the clock: the changes per process and the plan the batches keep (every seeded
    // batch has the same plan fields).
    let first = batch::Entity::find_by_id(pool.first().ok_or("empty pool")?.0)
        .one(&state.db.conn)
        .await
        .map_err(err)?
        .ok_or("pool batch missing")?;
    let loaded = batches::load(&state.db.conn, first)
        .await
        .map_err(|e| format!("{e:?}"))?;
    let plan = serde_json::to_value(StoredPlan::from_fields(
        &loaded.plan_fields().map_err(|e| format!("{e:?}"))?,
    ))
    .map_err(err)?;
    let mut work = Vec::with_capacity(pool.len());
    for (id, kind) in pool {
        let kind: InstitutionKind = kind.parse().map_err(|_| "bad kind")?;
        let process = catalogue::process(kind, Module::Supervised).ok_or("no process")?;
        let submitted = StepStates::from_rows(
            process,
            StepStates::initial(process).iter(process).map(|(s, st)| {
                (
                    s,
                    if s == Step::Plan {
                        StepState::Submitted
                    } else {
                        st
                    },
                )
            }),
        );
        let changes = submitted
            .on_decision(process, Step::Plan, Decision::Approve)
            .map_err(|e| format!("{e:?}"))?;
        work.push((id, changes));
    }
    let work = Arc::new(work);
    let plan = Arc::new(plan);
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let loops: Vec<_> = (0..concurrency)
        .map(|_| {
            let (state, work, plan, next) =
                (state.clone(), work.clone(), plan.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some((id, changes)) = work.get(i) else {
                        break;
                    };
                    approve_raw(&state, *id, changes, &plan).await?;
                }
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
            })
        })
        .collect();
    for handle in loops {
        handle.await.map_err(err)??;
    }
    println!(
        "FLOOR {}",
        work.len() as f64 / started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// One approval's writes in one transaction.
async fn approve_raw(
    state: &AppState,
    id: Uuid,
    changes: &[StepChange],
    plan: &Value,
) -> BenchResult<()> {
    let now = state.clock.now();
    let txn = state.db.begin_write().await.map_err(err)?;
    for change in changes {
        let mut update = batch_step::Entity::update_many()
            .col_expr(batch_step::Column::State, Expr::value(change.to.code()))
            .col_expr(
                batch_step::Column::Version,
                Expr::col(batch_step::Column::Version).add(1),
            )
            .filter(batch_step::Column::BatchId.eq(id))
            .filter(batch_step::Column::Step.eq(change.step.code()));
        if change.step == Step::Plan {
            update = update.col_expr(batch_step::Column::DecidedAt, Expr::value(now));
        }
        update.exec(&*txn).await.map_err(err)?;
    }
    let record = batches::DecisionRecord {
        batch_id: id,
        step: Step::Plan,
        decision: "approve",
        comment: "同意",
        reasons: json!([]),
        decided_by: None,
        audit_method: None,
    };
    batches::record_decision(&*txn, &record, now)
        .await
        .map_err(|e| format!("{e:?}"))?;
    skillcert_server::notices::insert_event(
        &*txn,
        skillcert_server::notices::STEP_APPROVED,
        json!({ "batch": { "id": id }, "step": { "code": "plan", "from": "submitted", "to": "approved" },
                "decision": { "decision": "approve", "comment": "同意", "reasons": [] } }),
        None,
        now,
    )
    .await
    .map_err(|e| format!("{e:?}"))?;
    batch::Entity::update_many()
        .col_expr(batch::Column::ApprovedPlan, Expr::value(plan.clone()))
        .col_expr(batch::Column::UpdatedAt, Expr::value(now))
        .filter(batch::Column::Id.eq(id))
        .exec(&*txn)
        .await
        .map_err(err)?;
    audit::record(
        &*txn,
        &AuditCtx::system("bench-floor"),
        now,
        audit::Event {
            action: "step.decision",
            entity_type: "batch",
            entity_id: id.to_string(),
            institution_id: None,
            summary: json!({ "step": "plan", "decision": "approve", "comment": "同意",
                             "reasons": [], "audit_method": null,
                             "changes": batches::changes_summary(changes) }),
        },
    )
    .await
    .map_err(|e| format!("{e:?}"))?;
    txn.commit().await.map_err(err)?;
    Ok(())
}
