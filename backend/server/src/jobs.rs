//! Background jobs started by `serve` (`jobs.enabled`, `jobs.tick_seconds`): the deadline clock,
//! webhook delivery ([`crate::webhooks`], its own lease `webhooks`), and the sweep that ends the
//! roster import jobs of a process that went away (`jobs.import_lease_seconds`, see
//! [`sweep_import_jobs`]). Each tick finds the batches whose deadlines (SPEC §4: arrangement, completion
//! window, year end) are approaching or have passed on the China date of the platform clock
//! ([`skillcert_domain::alerts`]) and writes, in one transaction, a notice for the batch's
//! institution and one for the supervisors plus an outbox event — each at most once, by its
//! unique dedupe key.
//!
//! Several `serve` processes may share one database. Time is cut into slots of `tick_seconds`
//! (slot = floor(unix time / tick_seconds) of the platform clock). A process runs a slot only if
//! it takes the job's row in `job_leases` with a conditional UPDATE (`WHERE slot < this slot`;
//! an INSERT … ON CONFLICT DO NOTHING when the row does not exist yet), which the database lets
//! exactly one process win; the run then records itself in `job_runs`, unique per (job, slot),
//! inside the transaction that writes the notices. Both statements are plain SQL that SQLite and
//! PostgreSQL run alike. A process that crashes mid-run loses only its slot: the work is
//! idempotent and the next slot catches up. A platform clock moved back by more than
//! [`BACKWARD_SLOTS`] slots (demos) takes the lease over instead of waiting for time to catch up.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QuerySelect,
};
use serde_json::json;
use skillcert_domain::alerts::{AlertInput, DeadlineAlert, deadline_alerts};
use skillcert_domain::calendar::china_date;
use skillcert_domain::catalogue;
use skillcert_domain::state::StepStates;
use skillcert_domain::{InstitutionKind, Module};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::{self, AuditCtx};
use crate::entities::{batch, import_job, institution, job_lease, job_run};
use crate::error::ApiError;
use crate::notices::{self, Audience, NewNotice, micros};
use crate::state::AppState;

/// The deadline clock's name in `job_leases` and `job_runs`.
pub const DEADLINES: &str = "deadlines";

/// How far back (in slots) the platform clock may be moved before the lease is taken over.
pub const BACKWARD_SLOTS: i64 = 2;

/// What one tick did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TickOutcome {
    /// Whether this process ran the slot (false: another one holds it).
    pub ran: bool,
    pub slot: i64,
    /// Notices and outbox events written (0 when everything was already announced).
    pub notices: u32,
    pub events: u32,
}

/// The slot `now` falls in.
pub fn slot_of(now: OffsetDateTime, tick_seconds: u64) -> i64 {
    now.unix_timestamp()
        .div_euclid(i64::try_from(tick_seconds.max(1)).unwrap_or(i64::MAX))
}

/// One tick of the deadline clock: takes the lease for the current slot and, if this process
/// won it, runs the deadline pass. Tests call it directly (`jobs::tick(&state)`).
pub async fn tick(state: &AppState) -> Result<TickOutcome, ApiError> {
    let now = state.clock.now();
    let tick_seconds = state.config.jobs.tick_seconds.max(1);
    let slot = slot_of(now, tick_seconds);
    let skipped = TickOutcome {
        ran: false,
        slot,
        notices: 0,
        events: 0,
    };
    if !acquire(state, DEADLINES, slot, tick_seconds, now).await? {
        return Ok(skipped);
    }
    let plan = plan(state, now).await?;
    let txn = state.db.begin_write().await?;
    let run_id = Uuid::now_v7();
    let claimed = job_run::Entity::insert(job_run::ActiveModel {
        id: Set(run_id),
        name: Set(DEADLINES.to_owned()),
        slot: Set(slot),
        holder: Set(state.instance.to_string()),
        started_at: Set(micros(now)),
        finished_at: Set(None),
        notices: Set(0),
        events: Set(0),
    })
    .on_conflict(
        OnConflict::columns([job_run::Column::Name, job_run::Column::Slot])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&*txn)
    .await?;
    if claimed == 0 {
        // Another process ran this slot (possible only when the lease row was reset by hand).
        return Ok(skipped);
    }
    let written = write(&*txn, &plan, now).await?;
    job_run::Entity::update_many()
        .col_expr(
            job_run::Column::FinishedAt,
            Expr::value(state.clock.now_stored()),
        )
        .col_expr(
            job_run::Column::Notices,
            Expr::value(written.notices as i32),
        )
        .col_expr(job_run::Column::Events, Expr::value(written.events as i32))
        .filter(job_run::Column::Id.eq(run_id))
        .exec(&*txn)
        .await?;
    audit_pass(&*txn, state, now, Some((run_id, slot)), &written).await?;
    txn.commit().await?;
    Ok(TickOutcome {
        ran: true,
        slot,
        notices: written.notices,
        events: written.events,
    })
}

/// The deadline pass alone, without the lease: idempotent, so running it again, or beside a
/// tick, writes nothing twice. (notices, events) written.
pub async fn deadlines_pass(state: &AppState) -> Result<(u32, u32), ApiError> {
    let now = state.clock.now();
    let plan = plan(state, now).await?;
    let txn = state.db.begin_write().await?;
    let written = write(&*txn, &plan, now).await?;
    audit_pass(&*txn, state, now, None, &written).await?;
    txn.commit().await?;
    Ok((written.notices, written.events))
}

/// Starts the deadline clock beside the server when `jobs.enabled`. The loop wakes at each slot
/// boundary of the platform clock and ends once the state is dropped.
pub fn spawn(state: &web::Data<AppState>) {
    if !state.config.jobs.enabled {
        return;
    }
    // First of all, right at start-up: the import jobs a crashed process left running.
    spawn_import_sweep(state);
    let weak = Arc::downgrade(&state.clone().into_inner());
    tracing::info!(
        tick_seconds = state.config.jobs.tick_seconds,
        instance = %state.instance,
        "deadline clock started"
    );
    actix_web::rt::spawn(async move {
        loop {
            let Some(state) = weak.upgrade() else { break };
            let wait = until_next_slot(&state);
            drop(state);
            actix_web::rt::time::sleep(wait).await;
            let Some(state) = weak.upgrade() else { break };
            match tick(&state).await {
                Ok(outcome) if outcome.ran => tracing::info!(
                    slot = outcome.slot,
                    notices = outcome.notices,
                    events = outcome.events,
                    "deadline clock tick"
                ),
                Ok(outcome) => {
                    tracing::debug!(slot = outcome.slot, "deadline clock tick held elsewhere")
                }
                Err(e) => tracing::warn!(error = %e, "deadline clock tick failed"),
            }
        }
    });
    // Webhook delivery: its own job (lease `webhooks`) and loop, so a slow receiver never holds
    // up the deadline clock.
    let weak = Arc::downgrade(&state.clone().into_inner());
    actix_web::rt::spawn(async move {
        loop {
            let Some(state) = weak.upgrade() else { break };
            let wait = until_next_slot(&state);
            drop(state);
            actix_web::rt::time::sleep(wait).await;
            let Some(state) = weak.upgrade() else { break };
            match crate::webhooks::tick(&state).await {
                Ok(outcome) if outcome.events > 0 || outcome.sent > 0 => tracing::info!(
                    events = outcome.events,
                    deliveries = outcome.created,
                    sent = outcome.sent,
                    delivered = outcome.delivered,
                    failed = outcome.failed,
                    dead = outcome.dead,
                    "webhook tick"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "webhook tick failed"),
            }
        }
    });
}

fn until_next_slot(state: &AppState) -> Duration {
    let tick = state.config.jobs.tick_seconds.max(1);
    let now = state.clock.now();
    let tick_nanos = i128::from(tick) * 1_000_000_000;
    let into = now.unix_timestamp_nanos().rem_euclid(tick_nanos);
    // A little past the boundary, so every process lands in the new slot.
    let wait = tick_nanos - into + 250_000_000;
    Duration::from_nanos(u64::try_from(wait).unwrap_or(1_000_000_000))
}

/// Takes the job's lease for `slot`: exactly one caller wins a slot, whichever process it is in.
pub(crate) async fn acquire(
    state: &AppState,
    name: &str,
    slot: i64,
    tick_seconds: u64,
    now: OffsetDateTime,
) -> Result<bool, DbErr> {
    let tick = i64::try_from(tick_seconds).unwrap_or(60);
    let expires_at =
        OffsetDateTime::from_unix_timestamp(slot.saturating_add(1).saturating_mul(tick))
            .unwrap_or(now);
    let holder = state.instance.to_string();
    let txn = state.db.begin_write().await?;
    let updated = job_lease::Entity::update_many()
        .col_expr(job_lease::Column::Holder, Expr::value(holder.clone()))
        .col_expr(job_lease::Column::Slot, Expr::value(slot))
        .col_expr(job_lease::Column::AcquiredAt, Expr::value(micros(now)))
        .col_expr(job_lease::Column::ExpiresAt, Expr::value(expires_at))
        .filter(job_lease::Column::Name.eq(name))
        .filter(
            Condition::any()
                .add(job_lease::Column::Slot.lt(slot))
                .add(job_lease::Column::Slot.gt(slot.saturating_add(BACKWARD_SLOTS))),
        )
        .exec(&*txn)
        .await?
        .rows_affected;
    let won = if updated > 0 {
        true
    } else {
        job_lease::Entity::insert(job_lease::ActiveModel {
            name: Set(name.to_owned()),
            holder: Set(holder),
            slot: Set(slot),
            acquired_at: Set(micros(now)),
            expires_at: Set(expires_at),
        })
        .on_conflict(
            OnConflict::column(job_lease::Column::Name)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&*txn)
        .await?
            > 0
    };
    txn.commit().await?;
    Ok(won)
}

/// One alert still to announce.
struct Planned {
    batch: batch::Model,
    institution_name: String,
    alert: DeadlineAlert,
    /// Which audiences have no notice for it yet.
    audiences: Vec<Audience>,
}

#[derive(Debug, Default)]
struct Written {
    notices: u32,
    events: u32,
    /// (batch, event type, deadline kind, deadline) of what was written, for the audit log.
    items: Vec<serde_json::Value>,
}

/// The alerts of every batch on today's China date that are not announced yet. Reads only:
/// batches of this year and last (every deadline is capped at 31 December of the batch year,
/// so older batches have nothing left to announce).
async fn plan(state: &AppState, now: OffsetDateTime) -> Result<Vec<Planned>, ApiError> {
    let today = china_date(now);
    let conn = &state.db.conn;
    let condition = Condition::all().add(batch::Column::Year.gte(today.year() - 1));
    let batches = batch::Entity::find()
        .filter(condition.clone())
        .all(conn)
        .await?;
    if batches.is_empty() {
        return Ok(Vec::new());
    }
    let mut steps = crate::batches::step_states_where(conn, condition).await?;
    let mut found = Vec::new();
    for b in batches {
        let (Ok(kind), Ok(module)) = (
            b.kind.parse::<InstitutionKind>(),
            b.module.parse::<Module>(),
        ) else {
            continue;
        };
        let Some(process) = catalogue::process(kind, module) else {
            continue;
        };
        let states = StepStates::from_rows(process, steps.remove(&b.id).unwrap_or_default());
        let alerts = deadline_alerts(
            &AlertInput {
                process,
                states: &states,
                year: b.year,
                exam_start: b.exam_start,
                exam_end: b.exam_end,
                completion_extended_to: b.completion_extended_to,
            },
            today,
        );
        for alert in alerts {
            found.push((b.clone(), alert));
        }
    }
    if found.is_empty() {
        return Ok(Vec::new());
    }
    // Which notices exist already (most, on every tick after the first of a day).
    let keys: Vec<String> = found
        .iter()
        .flat_map(|(b, alert)| {
            [Audience::Institution, Audience::Supervisor]
                .map(|audience| notices::alert_key(b.id, alert, Some(audience)))
        })
        .collect();
    let mut existing = BTreeSet::new();
    for chunk in keys.chunks(500) {
        let rows: Vec<String> = crate::entities::notice::Entity::find()
            .filter(crate::entities::notice::Column::DedupeKey.is_in(chunk.iter().cloned()))
            .select_only()
            .column(crate::entities::notice::Column::DedupeKey)
            .into_tuple()
            .all(conn)
            .await?;
        existing.extend(rows);
    }
    let wanted: BTreeSet<Uuid> = found.iter().map(|(b, _)| b.institution_id).collect();
    let names: BTreeMap<Uuid, String> = institution::Entity::find()
        .filter(institution::Column::Id.is_in(wanted))
        .select_only()
        .column(institution::Column::Id)
        .column(institution::Column::Name)
        .into_tuple::<(Uuid, String)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    Ok(found
        .into_iter()
        .filter_map(|(b, alert)| {
            let audiences: Vec<Audience> = [Audience::Institution, Audience::Supervisor]
                .into_iter()
                .filter(|audience| {
                    !existing.contains(&notices::alert_key(b.id, &alert, Some(*audience)))
                })
                .collect();
            (!audiences.is_empty()).then(|| Planned {
                institution_name: names.get(&b.institution_id).cloned().unwrap_or_default(),
                batch: b,
                alert,
                audiences,
            })
        })
        .collect())
}

/// Writes the planned notices and events; the dedupe keys make a second writer a no-op.
async fn write<C: ConnectionTrait>(
    conn: &C,
    plan: &[Planned],
    now: OffsetDateTime,
) -> Result<Written, DbErr> {
    let today = china_date(now);
    let mut written = Written::default();
    for planned in plan {
        let (b, alert) = (&planned.batch, &planned.alert);
        let mut any = false;
        for audience in &planned.audiences {
            let (title, body) = notices::alert_text(b, &planned.institution_name, alert, *audience);
            let inserted = notices::insert_notice(
                conn,
                NewNotice {
                    audience: *audience,
                    institution_id: b.institution_id,
                    batch_id: Some(b.id),
                    kind: notices::alert_event_type(alert.state),
                    deadline_kind: Some(alert.kind),
                    deadline: Some(alert.deadline),
                    title,
                    body,
                    dedupe_key: notices::alert_key(b.id, alert, Some(*audience)),
                },
                now,
            )
            .await?;
            if inserted {
                written.notices += 1;
                any = true;
            }
        }
        if !any {
            continue;
        }
        let event_type = notices::alert_event_type(alert.state);
        let payload = json!({
            "batch": notices::batch_payload(b, &planned.institution_name),
            "deadline": {
                "kind": alert.kind.code(),
                "rule": alert.kind.rule().code(),
                "date": alert.deadline.to_string(),
                "state": alert.state.code(),
                "days_left": alert.days_left,
                "today": today.to_string(),
                "extended": alert.kind == skillcert_domain::alerts::DeadlineKind::Completion
                    && b.completion_extended_to.is_some(),
            },
        });
        if notices::insert_event(
            conn,
            event_type,
            payload,
            Some(notices::alert_key(b.id, alert, None)),
            now,
        )
        .await?
        {
            written.events += 1;
        }
        if written.items.len() < 50 {
            written.items.push(json!({
                "batch_id": b.id,
                "event_type": event_type,
                "deadline_kind": alert.kind.code(),
                "deadline": alert.deadline.to_string(),
            }));
        }
    }
    Ok(written)
}

/// One audit event for a pass that wrote anything (an idle tick leaves the log alone).
async fn audit_pass<C: ConnectionTrait>(
    conn: &C,
    state: &AppState,
    now: OffsetDateTime,
    run: Option<(Uuid, i64)>,
    written: &Written,
) -> Result<(), ApiError> {
    if written.notices == 0 && written.events == 0 {
        return Ok(());
    }
    let request_id = match run {
        Some((_, slot)) => format!("job:{DEADLINES}:{slot}"),
        None => format!("job:{DEADLINES}"),
    };
    audit::record(
        conn,
        &AuditCtx::system(&request_id),
        now,
        audit::Event {
            action: "notices.deadlines",
            entity_type: "job_run",
            entity_id: run.map_or_else(|| DEADLINES.to_owned(), |(id, _)| id.to_string()),
            institution_id: None,
            summary: json!({
                "holder": state.instance.to_string(),
                "slot": run.map(|(_, slot)| slot),
                "notices": written.notices,
                "events": written.events,
                "items": written.items,
            }),
        },
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Import job leases (SPEC §5: an import interrupted by a crash ends `failed`, reason
// `interrupted`, once the process is back — never `running` forever)
// ---------------------------------------------------------------------------------------------

/// The `failure_reason` of an import job whose process went away.
pub const INTERRUPTED: &str = "interrupted";

/// A job written before import leases existed (no lease) and still running this long after it
/// began lost its server.
const UNLEASED_STALE_AFTER: time::Duration = time::Duration::minutes(30);

/// How long an import job's lease lasts.
pub fn import_lease(state: &AppState) -> time::Duration {
    let seconds = i64::try_from(state.config.jobs.import_lease_seconds.max(3)).unwrap_or(6);
    time::Duration::seconds(seconds)
}

/// Leases are read against the real time, never the platform clock: each process has its own
/// demo clock (a restarted process starts it afresh), while a lease is about whether a process
/// is still alive.
pub fn lease_now() -> OffsetDateTime {
    micros(OffsetDateTime::now_utc())
}

/// A lease from now on, for a job this process runs.
pub fn import_lease_until(state: &AppState) -> OffsetDateTime {
    lease_now() + import_lease(state)
}

/// Renews this process's lease on a running job; false when the job is no longer running
/// under it (finished, or found interrupted after the lease had lapsed).
pub async fn renew_import_lease(state: &AppState, job_id: Uuid) -> Result<bool, DbErr> {
    let txn = state.db.begin_write().await?;
    let renewed = import_job::Entity::update_many()
        .col_expr(
            import_job::Column::LeaseExpiresAt,
            Expr::value(import_lease_until(state)),
        )
        .filter(import_job::Column::Id.eq(job_id))
        .filter(import_job::Column::Status.eq("running"))
        .filter(import_job::Column::LeaseOwner.eq(state.instance.to_string()))
        .exec(&*txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(renewed > 0)
}

/// The import jobs whose task runs in this process right now (job ids are unique across
/// processes). This process never ends one of them as interrupted, even when its lease looks
/// lapsed because the renewals were held up (a starved worker, a long write on SQLite): the
/// task is there to finish it. Other processes go by the lease alone.
static LIVE: std::sync::LazyLock<std::sync::Mutex<BTreeSet<Uuid>>> =
    std::sync::LazyLock::new(Default::default);

fn is_live(job_id: Uuid) -> bool {
    LIVE.lock()
        .map(|live| live.contains(&job_id))
        .unwrap_or(false)
}

/// Renews the lease of `job_id` every third of its length until dropped (the job's task ends,
/// or dies: then the lease lapses and a sweep ends the job).
pub struct LeaseKeeper {
    job_id: Uuid,
    renewing: tokio::task::JoinHandle<()>,
}

impl LeaseKeeper {
    pub fn start(state: web::Data<AppState>, job_id: Uuid) -> LeaseKeeper {
        if let Ok(mut live) = LIVE.lock() {
            live.insert(job_id);
        }
        let every = Duration::from_millis(
            u64::try_from(import_lease(&state).whole_milliseconds() / 3).unwrap_or(3000),
        );
        let renewing = actix_web::rt::spawn(async move {
            loop {
                actix_web::rt::time::sleep(every).await;
                match renew_import_lease(&state, job_id).await {
                    Ok(true) => {}
                    Ok(false) => break,
                    Err(e) => {
                        tracing::warn!(job_id = %job_id, error = %e, "import lease not renewed")
                    }
                }
            }
        });
        LeaseKeeper { job_id, renewing }
    }
}

impl Drop for LeaseKeeper {
    fn drop(&mut self) {
        self.renewing.abort();
        if let Ok(mut live) = LIVE.lock() {
            live.remove(&self.job_id);
        }
    }
}

/// The jobs still `running` whose process went away: the lease lapsed, or (no lease) the job
/// is older than [`UNLEASED_STALE_AFTER`] on the platform clock.
fn lapsed(state: &AppState) -> Condition {
    Condition::all()
        .add(import_job::Column::Status.eq("running"))
        .add(
            Condition::any()
                .add(import_job::Column::LeaseExpiresAt.lt(lease_now()))
                .add(
                    Condition::all()
                        .add(import_job::Column::LeaseExpiresAt.is_null())
                        .add(
                            import_job::Column::CreatedAt
                                .lt(state.clock.now_stored() - UNLEASED_STALE_AFTER),
                        ),
                ),
        )
}

/// [`lapsed`] for one job already read.
pub fn lease_lapsed(state: &AppState, job: &import_job::Model) -> bool {
    job.status == "running"
        && !is_live(job.id)
        && match job.lease_expires_at {
            Some(until) => until < lease_now(),
            None => job.created_at < state.clock.now_stored() - UNLEASED_STALE_AFTER,
        }
}

/// Ends `job_id` as `failed` (`interrupted`, nothing imported: its one transaction never
/// committed) if it is still running with a lapsed lease — a conditional UPDATE, so a live
/// owner's renewal, its commit, or another process's sweep cannot be overwritten. True when
/// this call ended it.
pub async fn interrupt_if_lapsed(
    state: &AppState,
    job_id: Uuid,
    request_id: &str,
) -> Result<bool, ApiError> {
    if is_live(job_id) {
        return Ok(false);
    }
    let now = state.clock.now_stored();
    let issue = crate::roster::RowIssue {
        row: None,
        column: None,
        reason: INTERRUPTED.to_owned(),
        message: "导入被中断（服务重启或进程退出），未导入任何考生，请重新导入".to_owned(),
    };
    let errors =
        serde_json::to_value([issue]).map_err(|e| ApiError::Internal(format!("serialise: {e}")))?;
    let txn = state.db.begin_write().await?;
    let changed = import_job::Entity::update_many()
        .col_expr(import_job::Column::Status, Expr::value("failed"))
        .col_expr(import_job::Column::FailureReason, Expr::value(INTERRUPTED))
        .col_expr(import_job::Column::ImportedRows, Expr::value(0))
        .col_expr(import_job::Column::Errors, Expr::value(errors))
        .col_expr(import_job::Column::FinishedAt, Expr::value(now))
        .filter(import_job::Column::Id.eq(job_id))
        .filter(lapsed(state))
        .exec(&*txn)
        .await?
        .rows_affected;
    if changed == 0 {
        return Ok(false);
    }
    let Some(job) = import_job::Entity::find_by_id(job_id).one(&*txn).await? else {
        return Ok(false);
    };
    let institution_id = batch::Entity::find_by_id(job.batch_id)
        .select_only()
        .column(batch::Column::InstitutionId)
        .into_tuple::<Uuid>()
        .one(&*txn)
        .await?;
    audit::record(
        &*txn,
        &AuditCtx::system(request_id),
        now,
        audit::Event {
            action: "roster.import",
            entity_type: "import_job",
            entity_id: job.id.to_string(),
            institution_id,
            summary: json!({
                "before": { "status": "running", "lease_owner": job.lease_owner },
                "after": {
                    "batch_id": job.batch_id,
                    "status": job.status,
                    "failure_reason": INTERRUPTED,
                    "mode": job.mode,
                    "imported_rows": 0,
                },
            }),
        },
    )
    .await?;
    txn.commit().await?;
    tracing::warn!(job_id = %job.id, owner = ?job.lease_owner, "import job interrupted: its process went away");
    Ok(true)
}

/// Ends every running import job whose process went away (see [`interrupt_if_lapsed`]).
/// `serve` runs it at start-up and then every few seconds; how many jobs it ended.
pub async fn sweep_import_jobs(state: &AppState) -> Result<u32, ApiError> {
    let ids: Vec<Uuid> = import_job::Entity::find()
        .select_only()
        .column(import_job::Column::Id)
        .filter(lapsed(state))
        .into_tuple()
        .all(&state.db.conn)
        .await?;
    let mut ended = 0;
    for id in ids {
        if interrupt_if_lapsed(state, id, "job:import-sweep").await? {
            ended += 1;
        }
    }
    Ok(ended)
}

/// How often the sweep looks for lapsed import leases: a quarter of the lease, so a job of a
/// dead process ends at most about 1.25 leases after its last renewal.
fn sweep_every(state: &AppState) -> Duration {
    Duration::from_millis(
        u64::try_from(import_lease(state).whole_milliseconds() / 4).unwrap_or(2000),
    )
}

fn spawn_import_sweep(state: &web::Data<AppState>) {
    let weak = Arc::downgrade(&state.clone().into_inner());
    actix_web::rt::spawn(async move {
        loop {
            let Some(state) = weak.upgrade() else { break };
            match sweep_import_jobs(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(
                    jobs = n,
                    "import jobs of a lost process ended as interrupted"
                ),
                Err(e) => tracing::warn!(error = %e, "import job sweep failed"),
            }
            let wait = sweep_every(&state);
            drop(state);
            actix_web::rt::time::sleep(wait).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn slots_cut_time_into_ticks() {
        assert_eq!(slot_of(datetime!(1970-01-01 00:00:59 UTC), 60), 0);
        assert_eq!(slot_of(datetime!(1970-01-01 00:01:00 UTC), 60), 1);
        assert_eq!(slot_of(datetime!(1969-12-31 23:59:59 UTC), 60), -1);
        assert_eq!(slot_of(datetime!(1970-01-01 00:00:07 UTC), 0), 7);
    }
}
