//! Webhook delivery (issue 7, docs/webhooks.md): outbox events to the admin's subscriptions,
//! signed with HMAC-SHA256, retried with exponential backoff, dead after [`MAX_ATTEMPTS`].
//!
//! Two steps, both run by the background job runner on every tick (job `webhooks`, see
//! [`crate::jobs::spawn`]) and both safe with several `serve` processes on one database:
//!
//! 1. **Fan-out**: the outbox events not yet dispatched (`delivered_at IS NULL`, oldest first)
//!    become one `webhook_deliveries` row per matching active subscription — unique per
//!    (subscription, event), so a second fan-out of the same event inserts nothing — and the
//!    event's `delivered_at` is set in the same transaction. Reading "not dispatched yet" rather
//!    than "after a cursor" cannot skip an event whose transaction committed late or whose
//!    platform clock was moved back.
//! 2. **Send**: due pending deliveries are *claimed* one by one with a conditional UPDATE that
//!    sets `lease_owner` / `lease_until` only while the row is pending, due and unleased; the
//!    database lets exactly one process win each row, and only the winner sends it. The result
//!    is written back under the same lease. A process that dies mid-send loses its lease after
//!    [`LEASE_SECONDS`] and the row is sent again (at-least-once; receivers deduplicate by the
//!    `X-Skillcert-Delivery` header).
//!
//! Every instant is the platform clock's ([`crate::clock`]), so tests and demos move time past a
//! backoff.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use hmac::{Hmac, Mac};
use rand::TryRngCore;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::Value;
use sha2::Sha256;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::entities::{outbox_event, webhook_delivery, webhook_subscription};
use crate::error::ApiError;
use crate::state::AppState;

/// The webhook job's name in `job_leases`.
pub const JOB: &str = "webhooks";
/// Attempts before a delivery is `dead`.
pub const MAX_ATTEMPTS: i32 = 8;
/// The first retry waits this long; each further one twice as long.
pub const BACKOFF_BASE_SECONDS: i64 = 30;
/// No retry waits longer.
pub const BACKOFF_CAP_SECONDS: i64 = 3600;
/// How long a claim holds a delivery (well beyond the request timeout).
pub const LEASE_SECONDS: i64 = 60;
/// The whole request, connecting included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries claimed per round, and sent at once.
const CLAIM_BATCH: u64 = 50;
const CONCURRENCY: usize = 8;
/// Events fanned out per transaction.
const FAN_OUT_BATCH: u64 = 200;
/// Characters of `last_error` kept.
pub const ERROR_LIMIT: usize = 500;

pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const DEAD: &str = "dead";

type HmacSha256 = Hmac<Sha256>;

/// reqwest is built with rustls but without a crypto provider of its own (the database drivers
/// bring ring already; aws-lc would be a second C library to build). This makes ring the
/// process default, so any other reqwest client of the process (tests, benchmarks) can be
/// built too. Idempotent; `AppState::new` calls it.
pub fn install_crypto_provider() {
    // Err only when a provider is installed already: then that one stays.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The HTTP client for deliveries: 10 s timeout, no redirects (a 3xx is a failure), rustls
/// with the Mozilla roots, no proxy from the environment; host names resolved to public
/// addresses only unless `allow_private_targets` (`webhook_targets`).
pub fn client(allow_private_targets: bool) -> Result<reqwest::Client, String> {
    install_crypto_provider();
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| e.to_string())?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let builder = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("skillcert-webhooks/", env!("CARGO_PKG_VERSION")));
    let builder = if allow_private_targets {
        builder
    } else {
        builder.dns_resolver(Arc::new(crate::webhook_targets::PublicOnly))
    };
    builder.build().map_err(|e| e.to_string())
}

/// Whether a subscription filter entry selects `event_type`: `*` (all), a prefix `step.*`, or
/// the exact type.
pub fn filter_matches(filter: &str, event_type: &str) -> bool {
    if filter == "*" {
        return true;
    }
    match filter.strip_suffix(".*") {
        Some(prefix) => event_type
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.')),
        None => filter == event_type,
    }
}

/// The filter entries of a stored subscription.
pub fn stored_filters(value: &Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect()
}

/// How long to wait after the `attempts`-th failed attempt: 30 s · 2^(attempts−1), at most 1 h.
pub fn backoff(attempts: i32) -> time::Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(0);
    let seconds = BACKOFF_BASE_SECONDS
        .saturating_mul(1i64 << exponent)
        .min(BACKOFF_CAP_SECONDS);
    time::Duration::seconds(seconds)
}

/// `sha256=` and the hex HMAC-SHA256 of `"<timestamp>.<body>"` under `secret` (its bytes as
/// given: the hex text the admin was shown).
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length; the error branch cannot happen.
    let Ok(mut mac) = <HmacSha256 as Mac>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A fresh secret: 32 random bytes from the operating system, hex.
pub fn fresh_secret() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| ApiError::Internal(format!("random secret: {e}")))?;
    Ok(hex::encode(bytes))
}

/// `text` cut to [`ERROR_LIMIT`] characters.
pub fn truncate(text: &str) -> String {
    if text.chars().count() <= ERROR_LIMIT {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(ERROR_LIMIT - 1).collect();
    out.push('…');
    out
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunOutcome {
    /// Whether this process ran (false: another one holds the slot).
    pub ran: bool,
    /// Outbox events dispatched and delivery rows created by the fan-out.
    pub events: u32,
    pub created: u32,
    /// Deliveries this process claimed and sent, and how they ended.
    pub sent: u32,
    pub delivered: u32,
    pub failed: u32,
    pub dead: u32,
}

/// One tick of the webhook job: takes the `webhooks` lease for the current slot and, if this
/// process won it, fans out and sends what is due.
pub async fn tick(state: &AppState) -> Result<RunOutcome, ApiError> {
    let now = state.clock.now();
    let tick_seconds = state.config.jobs.tick_seconds.max(1);
    let slot = crate::jobs::slot_of(now, tick_seconds);
    if !crate::jobs::acquire(state, JOB, slot, tick_seconds, now).await? {
        return Ok(RunOutcome::default());
    }
    run_once(state).await
}

/// Fan-out and one send round, without the lease: what [`tick`] runs. Safe beside any other
/// process doing the same (the claims decide who sends).
pub async fn run_once(state: &AppState) -> Result<RunOutcome, ApiError> {
    let (events, created) = fan_out(state).await?;
    let mut outcome = send_due(state).await?;
    outcome.ran = true;
    outcome.events = events;
    outcome.created = created;
    Ok(outcome)
}

/// Dispatches every outbox event not dispatched yet: (events, delivery rows created).
pub async fn fan_out(state: &AppState) -> Result<(u32, u32), ApiError> {
    let mut events_done = 0u32;
    let mut created = 0u32;
    loop {
        let conn = &state.db.conn;
        let batch: Vec<(Uuid, String)> = outbox_event::Entity::find()
            .filter(outbox_event::Column::DeliveredAt.is_null())
            .select_only()
            .column(outbox_event::Column::Id)
            .column(outbox_event::Column::EventType)
            .order_by_asc(outbox_event::Column::CreatedAt)
            .order_by_asc(outbox_event::Column::Id)
            .limit(FAN_OUT_BATCH)
            .into_tuple()
            .all(conn)
            .await?;
        if batch.is_empty() {
            break;
        }
        let subscriptions: Vec<(Uuid, Value)> = webhook_subscription::Entity::find()
            .filter(webhook_subscription::Column::Active.eq(true))
            .select_only()
            .column(webhook_subscription::Column::Id)
            .column(webhook_subscription::Column::EventTypes)
            .order_by_asc(webhook_subscription::Column::Id)
            .into_tuple()
            .all(conn)
            .await?;
        let subscriptions: Vec<(Uuid, Vec<String>)> = subscriptions
            .into_iter()
            .map(|(id, filters)| (id, stored_filters(&filters)))
            .collect();
        let now = state.clock.now_stored();
        let txn = state.db.begin_write().await?;
        let mut rows = Vec::new();
        for (event_id, event_type) in &batch {
            for (subscription_id, filters) in &subscriptions {
                if filters.iter().any(|f| filter_matches(f, event_type)) {
                    rows.push(webhook_delivery::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        subscription_id: Set(*subscription_id),
                        event_id: Set(*event_id),
                        event_type: Set(event_type.clone()),
                        status: Set(PENDING.to_owned()),
                        attempts: Set(0),
                        next_attempt_at: Set(now),
                        lease_owner: Set(None),
                        lease_until: Set(None),
                        last_status: Set(None),
                        last_error: Set(None),
                        last_attempt_at: Set(None),
                        delivered_at: Set(None),
                        created_at: Set(now),
                    });
                }
            }
        }
        for chunk in rows.chunks(100) {
            created += u32::try_from(
                webhook_delivery::Entity::insert_many(chunk.to_vec())
                    .on_conflict(
                        OnConflict::columns([
                            webhook_delivery::Column::SubscriptionId,
                            webhook_delivery::Column::EventId,
                        ])
                        .do_nothing()
                        .to_owned(),
                    )
                    .exec_without_returning(&*txn)
                    .await?,
            )
            .unwrap_or(u32::MAX);
        }
        let dispatched = outbox_event::Entity::update_many()
            .col_expr(outbox_event::Column::DeliveredAt, Expr::value(now))
            .filter(outbox_event::Column::Id.is_in(batch.iter().map(|(id, _)| *id)))
            .filter(outbox_event::Column::DeliveredAt.is_null())
            .exec(&*txn)
            .await?;
        txn.commit().await?;
        events_done += u32::try_from(dispatched.rows_affected).unwrap_or(u32::MAX);
        if (batch.len() as u64) < FAN_OUT_BATCH {
            break;
        }
    }
    Ok((events_done, created))
}

/// A claimed delivery, ready to send.
struct Claimed {
    delivery: webhook_delivery::Model,
    url: String,
    secret: String,
    body: Vec<u8>,
}

/// How one attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptResult {
    pub ok: bool,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: u64,
}

/// Claims the due pending deliveries of active subscriptions (at most one round of
/// [`CLAIM_BATCH`]), sends them and records each result.
pub async fn send_due(state: &AppState) -> Result<RunOutcome, ApiError> {
    let now = state.clock.now_stored();
    let conn = &state.db.conn;
    let active: BTreeMap<Uuid, webhook_subscription::Model> = webhook_subscription::Entity::find()
        .filter(webhook_subscription::Column::Active.eq(true))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut outcome = RunOutcome::default();
    if active.is_empty() {
        return Ok(outcome);
    }
    let due: Vec<Uuid> = webhook_delivery::Entity::find()
        .filter(due_condition(now))
        .filter(webhook_delivery::Column::SubscriptionId.is_in(active.keys().copied()))
        .select_only()
        .column(webhook_delivery::Column::Id)
        .order_by_asc(webhook_delivery::Column::NextAttemptAt)
        .order_by_asc(webhook_delivery::Column::Id)
        .limit(CLAIM_BATCH)
        .into_tuple()
        .all(conn)
        .await?;
    if due.is_empty() {
        return Ok(outcome);
    }
    // One claim token per round: the rows this round owns carry it.
    let token = format!("{}:{}", state.instance, Uuid::now_v7().simple());
    let lease_until = now + time::Duration::seconds(LEASE_SECONDS);
    let txn = state.db.begin_write().await?;
    let mut claimed_ids = Vec::new();
    for id in due {
        let won = webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::LeaseOwner,
                Expr::value(token.clone()),
            )
            .col_expr(
                webhook_delivery::Column::LeaseUntil,
                Expr::value(lease_until),
            )
            .filter(webhook_delivery::Column::Id.eq(id))
            .filter(due_condition(now))
            .exec(&*txn)
            .await?
            .rows_affected
            == 1;
        if won {
            claimed_ids.push(id);
        }
    }
    txn.commit().await?;
    if claimed_ids.is_empty() {
        return Ok(outcome);
    }
    let rows = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Id.is_in(claimed_ids.iter().copied()))
        .filter(webhook_delivery::Column::LeaseOwner.eq(token.clone()))
        .all(conn)
        .await?;
    let payloads: BTreeMap<Uuid, Value> = outbox_event::Entity::find()
        .filter(outbox_event::Column::Id.is_in(rows.iter().map(|r| r.event_id)))
        .select_only()
        .column(outbox_event::Column::Id)
        .column(outbox_event::Column::Payload)
        .into_tuple::<(Uuid, Value)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let mut ready = Vec::new();
    for delivery in rows {
        let Some(subscription) = active.get(&delivery.subscription_id) else {
            continue;
        };
        let body = payloads
            .get(&delivery.event_id)
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| ApiError::Internal(format!("event payload: {e}")))?;
        let secret = state.pii.decrypt(&subscription.secret_enc);
        match (body, secret) {
            (Some(body), Ok(secret)) => ready.push(Claimed {
                url: subscription.url.clone(),
                secret,
                body,
                delivery,
            }),
            (body, _) => {
                // Nothing to send or no key to sign with: a failed attempt, recorded.
                let why = if body.is_none() {
                    "outbox event missing"
                } else {
                    "subscription secret cannot be decrypted"
                };
                let result = AttemptResult {
                    ok: false,
                    status: None,
                    error: Some(why.to_owned()),
                    duration_ms: 0,
                };
                tally(
                    &mut outcome,
                    &record(state, &delivery, &token, &result).await?,
                );
            }
        }
    }
    let client = &state.webhook_client;
    let results: Vec<(Claimed, AttemptResult)> = futures_util::stream::iter(ready)
        .map(|claimed| async move {
            let attempt = claimed.delivery.attempts + 1;
            let result = post(
                client,
                state,
                &claimed.url,
                &claimed.secret,
                &claimed.delivery.event_type,
                claimed.delivery.id,
                attempt,
                &claimed.body,
            )
            .await;
            (claimed, result)
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    for (claimed, result) in results {
        let status = record(state, &claimed.delivery, &token, &result).await?;
        tally(&mut outcome, &status);
    }
    Ok(outcome)
}

fn tally(outcome: &mut RunOutcome, status: &str) {
    outcome.sent += 1;
    match status {
        DELIVERED => outcome.delivered += 1,
        DEAD => {
            outcome.failed += 1;
            outcome.dead += 1;
        }
        _ => outcome.failed += 1,
    }
}

/// Pending, due by `now`, and not leased (or the lease ran out).
fn due_condition(now: OffsetDateTime) -> Condition {
    Condition::all()
        .add(webhook_delivery::Column::Status.eq(PENDING))
        .add(webhook_delivery::Column::NextAttemptAt.lte(now))
        .add(
            Condition::any()
                .add(webhook_delivery::Column::LeaseUntil.is_null())
                .add(webhook_delivery::Column::LeaseUntil.lt(now)),
        )
}

/// Writes an attempt's result under the claim; the delivery's new status.
async fn record(
    state: &AppState,
    delivery: &webhook_delivery::Model,
    token: &str,
    result: &AttemptResult,
) -> Result<String, ApiError> {
    let now = state.clock.now_stored();
    let attempts = delivery.attempts + 1;
    let status = if result.ok {
        DELIVERED
    } else if attempts >= MAX_ATTEMPTS {
        DEAD
    } else {
        PENDING
    };
    let mut update = webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::Status, Expr::value(status))
        .col_expr(webhook_delivery::Column::Attempts, Expr::value(attempts))
        .col_expr(
            webhook_delivery::Column::LeaseOwner,
            Expr::value(Option::<String>::None),
        )
        .col_expr(
            webhook_delivery::Column::LeaseUntil,
            Expr::value(Option::<OffsetDateTime>::None),
        )
        .col_expr(
            webhook_delivery::Column::LastStatus,
            Expr::value(result.status.map(i32::from)),
        )
        .col_expr(
            webhook_delivery::Column::LastError,
            Expr::value(result.error.as_deref().map(truncate)),
        )
        .col_expr(webhook_delivery::Column::LastAttemptAt, Expr::value(now))
        .filter(webhook_delivery::Column::Id.eq(delivery.id))
        .filter(webhook_delivery::Column::LeaseOwner.eq(token));
    if result.ok {
        update = update.col_expr(webhook_delivery::Column::DeliveredAt, Expr::value(now));
    } else if status == PENDING {
        update = update.col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::value(now + backoff(attempts)),
        );
    }
    let txn = state.db.begin_write().await?;
    let written = update.exec(&*txn).await?.rows_affected;
    txn.commit().await?;
    if written == 0 {
        tracing::warn!(
            delivery = %delivery.id,
            "webhook delivery lease lost before its result was written"
        );
    } else if result.ok {
        tracing::debug!(delivery = %delivery.id, attempts, "webhook delivered");
    } else {
        tracing::info!(
            delivery = %delivery.id,
            attempts,
            status,
            http_status = result.status,
            "webhook attempt failed"
        );
    }
    Ok(status.to_owned())
}

/// One signed POST. Never fails: a transport error is an unsuccessful result.
#[allow(clippy::too_many_arguments)]
pub async fn post(
    client: &reqwest::Client,
    state: &AppState,
    url: &str,
    secret: &str,
    event_type: &str,
    delivery_id: Uuid,
    attempt: i32,
    body: &[u8],
) -> AttemptResult {
    let started = Instant::now();
    if !state.config.webhooks.allow_private_targets
        && let Some(host) = reqwest::Url::parse(url)
            .ok()
            .as_ref()
            .and_then(crate::webhook_targets::refused_host)
    {
        return AttemptResult {
            ok: false,
            status: None,
            error: Some(format!(
                "refused: {host} is not a public address (webhooks.allow_private_targets is off)"
            )),
            duration_ms: 0,
        };
    }
    let timestamp = state.clock.now().unix_timestamp();
    let sent = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Skillcert-Event", event_type)
        .header("X-Skillcert-Delivery", delivery_id.to_string())
        .header("X-Skillcert-Attempt", attempt.to_string())
        .header("X-Skillcert-Timestamp", timestamp.to_string())
        .header("X-Skillcert-Signature", signature(secret, timestamp, body))
        .body(body.to_vec())
        .send()
        .await;
    let (ok, status, error) = match sent {
        Ok(mut response) => {
            let status = response.status();
            if status.is_success() {
                (true, Some(status.as_u16()), None)
            } else {
                // The start of the answer helps whoever reads the dead letters.
                let mut text = Vec::new();
                while text.len() < 300 {
                    match response.chunk().await {
                        Ok(Some(chunk)) => text.extend_from_slice(&chunk),
                        _ => break,
                    }
                }
                text.truncate(300);
                let snippet = String::from_utf8_lossy(&text).trim().to_owned();
                let message = if snippet.is_empty() {
                    format!("HTTP {}", status.as_u16())
                } else {
                    format!("HTTP {}: {snippet}", status.as_u16())
                };
                (false, Some(status.as_u16()), Some(message))
            }
        }
        Err(e) => (false, None, Some(describe(&e))),
    };
    AttemptResult {
        ok,
        status,
        error,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}

/// A transport error with its causes, without the URL (the subscription shows it).
fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connect"
    } else if error.is_redirect() {
        "redirect"
    } else {
        "request"
    };
    let mut text = format!("{kind} error");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_match_exact_types_prefixes_and_everything() {
        assert!(filter_matches("*", "step.submitted"));
        assert!(filter_matches("step.*", "step.submitted"));
        assert!(filter_matches("step.submitted", "step.submitted"));
        assert!(!filter_matches("step.*", "steps.submitted"));
        assert!(!filter_matches("step.*", "step"));
        assert!(!filter_matches("step.approved", "step.submitted"));
        assert!(filter_matches(
            "change_request.*",
            "change_request.approved"
        ));
    }

    #[test]
    fn backoff_doubles_from_thirty_seconds_up_to_an_hour() {
        let seconds: Vec<i64> = (1..=9).map(|n| backoff(n).whole_seconds()).collect();
        assert_eq!(seconds, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff(0).whole_seconds(), 30);
        assert_eq!(backoff(i32::MAX).whole_seconds(), 3600);
    }

    #[test]
    fn the_signature_covers_timestamp_and_exact_body() {
        // echo -n '1700000000.{"a":1}' | openssl dgst -sha256 -hmac 'key'
        let sig = signature("key", 1_700_000_000, br#"{"a":1}"#);
        assert_eq!(
            sig,
            "sha256=a438e398bfafc57e4396bb7fc2304422f0f768e965d073ca313cb52e22e6ad03"
        );
        assert_ne!(sig, signature("key", 1_700_000_001, br#"{"a":1}"#));
        assert_ne!(sig, signature("key", 1_700_000_000, br#"{"a": 1}"#));
        assert_ne!(sig, signature("other", 1_700_000_000, br#"{"a":1}"#));
    }

    #[test]
    fn errors_are_cut_to_the_column() {
        assert_eq!(truncate("short"), "short");
        let long = "错".repeat(600);
        let cut = truncate(&long);
        assert_eq!(cut.chars().count(), ERROR_LIMIT);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn secrets_are_64_hex_characters() {
        let a = fresh_secret().unwrap();
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, fresh_secret().unwrap());
    }
}
