//! The append-only, hash-chained audit log (SPEC §9). Every state change writes one event in the
//! same transaction as the change: actor, role, action, entity, a before/after summary, request
//! id, IP and time. Each event's hash covers its content and the previous event's hash, so
//! changing, removing or reordering any row breaks the chain; `skillcert verify-audit` names the
//! first broken link.
//!
//! Appends are serialised: on SQLite by the single writer, on PostgreSQL by a transaction-scoped
//! advisory lock, so two servers never fork the chain.

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbBackend, EntityTrait, QueryOrder, Statement};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use skillcert_domain::Role;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::entities::audit_event;
use crate::error::ApiError;
use crate::request_id::RequestId;

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const ADVISORY_LOCK_KEY: i64 = 0x736b_696c_6c63;

/// Who did it, from which request.
#[derive(Clone, Debug)]
pub struct AuditCtx {
    pub actor_id: Option<Uuid>,
    pub actor_role: String,
    pub request_id: String,
    pub ip: String,
}

impl AuditCtx {
    pub fn for_user(user: &CurrentUser, request: &RequestMeta) -> Self {
        AuditCtx {
            actor_id: Some(user.id),
            actor_role: user.role.code().to_owned(),
            request_id: request.request_id.clone(),
            ip: request.ip.clone(),
        }
    }

    /// A signed-in user or a service account (actor role `service_account`).
    pub fn for_caller(caller: &crate::auth::service::Caller, request: &RequestMeta) -> Self {
        match caller {
            crate::auth::service::Caller::User(user) => AuditCtx::for_user(user, request),
            crate::auth::service::Caller::Service(service) => AuditCtx {
                actor_id: Some(service.id),
                actor_role: "service_account".to_owned(),
                request_id: request.request_id.clone(),
                ip: request.ip.clone(),
            },
        }
    }

    /// The platform itself (auto-approvals, CLI commands).
    pub fn system(request_id: &str) -> Self {
        AuditCtx {
            actor_id: None,
            actor_role: "system".to_owned(),
            request_id: request_id.to_owned(),
            ip: "-".to_owned(),
        }
    }

    pub fn with_role(mut self, role: Role) -> Self {
        self.actor_role = role.code().to_owned();
        self
    }
}

/// The request id and client address of a request.
#[derive(Clone, Debug)]
pub struct RequestMeta {
    pub request_id: String,
    pub ip: String,
}

impl FromRequest for RequestMeta {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request_id = req
            .extensions()
            .get::<RequestId>()
            .map_or_else(|| "-".to_owned(), |id| id.0.clone());
        // Behind a trusted proxy, the client it names (`server.trusted_proxies`).
        let ip = match req.peer_addr() {
            Some(_) => crate::client_ip::of(req).to_string(),
            None => "-".to_owned(),
        };
        std::future::ready(Ok(RequestMeta { request_id, ip }))
    }
}

/// One change to record.
pub struct Event<'a> {
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: String,
    pub institution_id: Option<Uuid>,
    /// `{"before": …, "after": …}` or any summary; never personal data in full.
    pub summary: Value,
}

fn content(row: &audit_event::Model) -> Value {
    json!({
        "seq": row.seq,
        "at": row.at.unix_timestamp_nanos().to_string(),
        "actor_id": row.actor_id,
        "actor_role": row.actor_role,
        "action": row.action,
        "entity_type": row.entity_type,
        "entity_id": row.entity_id,
        "institution_id": row.institution_id,
        "summary": row.summary,
        "request_id": row.request_id,
        "ip": row.ip,
    })
}

/// The hash of an event: SHA-256 over the previous hash and the event's canonical JSON.
pub fn hash_of(row: &audit_event::Model) -> String {
    let body = content(row);
    let mut hasher = Sha256::new();
    hasher.update(row.prev_hash.as_bytes());
    hasher.update(body.to_string().as_bytes());
    hex::encode(hasher.finalize())
}

/// Appends `event` to the chain inside the caller's transaction.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    ctx: &AuditCtx,
    at: OffsetDateTime,
    event: Event<'_>,
) -> Result<(), ApiError> {
    if conn.get_database_backend() == DbBackend::Postgres {
        conn.execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [ADVISORY_LOCK_KEY.into()],
        ))
        .await?;
    }
    let last = audit_event::Entity::find()
        .order_by_desc(audit_event::Column::Seq)
        .one(conn)
        .await?;
    let (seq, prev_hash) = match last {
        Some(last) => (last.seq + 1, last.hash),
        None => (1, GENESIS.to_owned()),
    };
    // Microsecond precision: what both databases store.
    let at = at.replace_nanosecond(at.microsecond() * 1000).unwrap_or(at);
    let mut row = audit_event::Model {
        seq,
        at,
        actor_id: ctx.actor_id,
        actor_role: ctx.actor_role.clone(),
        action: event.action.to_owned(),
        entity_type: event.entity_type.to_owned(),
        entity_id: event.entity_id,
        institution_id: event.institution_id,
        summary: event.summary,
        request_id: ctx.request_id.clone(),
        ip: ctx.ip.clone(),
        prev_hash,
        hash: String::new(),
    };
    row.hash = hash_of(&row);
    audit_event::Entity::insert(audit_event::ActiveModel {
        seq: Set(row.seq),
        at: Set(row.at),
        actor_id: Set(row.actor_id),
        actor_role: Set(row.actor_role),
        action: Set(row.action),
        entity_type: Set(row.entity_type),
        entity_id: Set(row.entity_id),
        institution_id: Set(row.institution_id),
        summary: Set(row.summary),
        request_id: Set(row.request_id),
        ip: Set(row.ip),
        prev_hash: Set(row.prev_hash),
        hash: Set(row.hash),
    })
    .exec(conn)
    .await?;
    Ok(())
}

/// The first link that does not hold.
#[derive(Debug, PartialEq, Eq)]
pub struct BrokenLink {
    pub seq: i64,
    pub reason: String,
}

/// Walks the whole chain in order; `Ok(count)` when every link holds.
pub async fn verify<C: ConnectionTrait>(
    conn: &C,
) -> Result<Result<u64, BrokenLink>, sea_orm::DbErr> {
    let rows = audit_event::Entity::find()
        .order_by_asc(audit_event::Column::Seq)
        .all(conn)
        .await?;
    let mut expected_prev = GENESIS.to_owned();
    let mut count = 0u64;
    for (expected_seq, row) in (1..).zip(rows) {
        if row.seq != expected_seq {
            return Ok(Err(BrokenLink {
                seq: row.seq,
                reason: format!(
                    "expected event {expected_seq}, found {}: an event is missing",
                    row.seq
                ),
            }));
        }
        if row.prev_hash != expected_prev {
            return Ok(Err(BrokenLink {
                seq: row.seq,
                reason: "prev_hash does not match the previous event".to_owned(),
            }));
        }
        if hash_of(&row) != row.hash {
            return Ok(Err(BrokenLink {
                seq: row.seq,
                reason: "content does not match its hash: the event was changed".to_owned(),
            }));
        }
        expected_prev = row.hash;
        count += 1;
    }
    Ok(Ok(count))
}
