//! Failed-login bookkeeping in the database (SPEC §9 "login lockout"; docs/security.md 2.2.1).
//!
//! Every attempt first reserves a slot, in a write transaction with the rows locked, on two
//! keys: the normalised username (`u:` + SHA-256, so the table holds no names) and the client
//! address (`a:` + the IPv4 address or the IPv6 /64). A slot is granted only while
//! `pending + failures` stays under the key's limit, so however many guesses arrive at once, at
//! most `max` wrong passwords are ever checked per lockout period. Without a slot the answer is
//! the lockout answer, whatever the password — the right one included, and for unknown names
//! alike (ASVS 2.2.1, 3.2: no enumeration). The rows live in the shared database, so several
//! `serve` processes count together; time is the injectable clock.

use std::net::IpAddr;

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, IntoActiveModel, QuerySelect};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::db::Db;
use crate::entities::login_attempt;
use crate::error::ApiError;

/// A slot still pending after this long belongs to an attempt that never finished (a crashed
/// process); it no longer counts.
const STALE_PENDING: Duration = Duration::seconds(120);

/// Seconds until `locked_until`, rounded up, when it is still ahead.
pub fn retry_after(locked_until: Option<OffsetDateTime>, now: OffsetDateTime) -> Option<u64> {
    let left = locked_until? - now;
    if left <= Duration::ZERO {
        return None;
    }
    let seconds = left.whole_seconds() + i64::from(left.subsec_nanoseconds() > 0);
    Some(u64::try_from(seconds.max(1)).unwrap_or(1))
}

/// The key of a username: trimmed and lower-cased, so case variants share one count.
pub fn user_key(username: &str) -> String {
    let normalised = username.trim().to_lowercase();
    format!("u:{}", hex::encode(Sha256::digest(normalised.as_bytes())))
}

/// The key of a client address: an IPv4 address, or the /64 an IPv6 address lies in (one
/// subscriber usually holds a whole /64).
pub fn address_key(ip: &str) -> String {
    match ip.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => format!("a:{v4}"),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => format!("a:{v4}"),
            None => {
                let s = v6.segments();
                format!("a:{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Err(_) => format!("a:{ip}"),
    }
}

/// One attempt's keys and limits.
#[derive(Debug, Clone)]
pub struct Attempt {
    keys: [(String, i32); 2],
    lockout: Duration,
}

/// Whether the password may be checked.
#[derive(Debug, PartialEq, Eq)]
pub enum Reservation {
    Granted,
    /// Locked out: seconds for `Retry-After`.
    Refused(u64),
}

/// The outcome of a failed attempt for the username key.
pub struct Failed {
    /// Set when this failure locked the username.
    pub locked_until: Option<OffsetDateTime>,
    pub failures: i32,
}

impl Attempt {
    /// `max_user` failures per username, `max_address` per client address, each within
    /// `lockout_seconds`; a limit of 0 or less turns that key off.
    pub fn new(
        username: &str,
        ip: &str,
        max_user: i32,
        max_address: i32,
        lockout_seconds: i64,
    ) -> Attempt {
        Attempt {
            keys: [
                (user_key(username), max_user),
                (address_key(ip), max_address),
            ],
            lockout: Duration::seconds(lockout_seconds),
        }
    }

    fn active(&self) -> impl Iterator<Item = (&str, i32)> {
        self.keys
            .iter()
            .filter(|(_, max)| *max > 0)
            .map(|(key, max)| (key.as_str(), *max))
    }

    /// Reserves a slot on both keys, or answers how long the lockout lasts.
    pub async fn reserve(&self, db: &Db, now: OffsetDateTime) -> Result<Reservation, ApiError> {
        let txn = db.begin_write().await?;
        let mut rows = Vec::new();
        for (key, max) in self.active() {
            let row = normalised(locked_row(&*txn, key, now).await?, self.lockout, now);
            if let Some(seconds) = retry_after(row.locked_until, now) {
                return Ok(Reservation::Refused(seconds));
            }
            if row.pending + row.failures >= max {
                // The slots are taken by attempts still being checked: they may lock it.
                return Ok(Reservation::Refused(retry_seconds(self.lockout)));
            }
            rows.push(row);
        }
        for mut row in rows {
            row.pending += 1;
            save(&*txn, row, now).await?;
        }
        txn.commit().await?;
        Ok(Reservation::Granted)
    }

    /// A checked attempt failed: its slots become failures; the limit-th locks the key for the
    /// lockout period. Runs in the caller's write transaction.
    pub async fn failed<C: ConnectionTrait>(
        &self,
        conn: &C,
        now: OffsetDateTime,
    ) -> Result<Failed, ApiError> {
        let mut outcome = Failed {
            locked_until: None,
            failures: 0,
        };
        for (key, max) in self.active() {
            let mut row = normalised(locked_row(conn, key, now).await?, self.lockout, now);
            row.pending = (row.pending - 1).max(0);
            row.failures += 1;
            let failures = row.failures;
            let mut locked_until = None;
            if row.failures >= max {
                locked_until = Some(now + self.lockout);
                row.locked_until = locked_until;
                row.failures = 0;
                row.window_start = now;
                if !key.starts_with("u:") {
                    tracing::warn!("client address locked after repeated failed logins");
                }
            }
            if key.starts_with("u:") {
                outcome = Failed {
                    locked_until,
                    failures,
                };
            }
            save(conn, row, now).await?;
        }
        Ok(outcome)
    }

    /// A checked attempt succeeded: its slots are released; the username's failures are
    /// forgotten unless other attempts on it are still being checked (they were counted against
    /// the same limit and must stay counted). Runs in the caller's write transaction.
    pub async fn succeeded<C: ConnectionTrait>(
        &self,
        conn: &C,
        now: OffsetDateTime,
    ) -> Result<(), ApiError> {
        for (key, _) in self.active() {
            let mut row = normalised(locked_row(conn, key, now).await?, self.lockout, now);
            row.pending = (row.pending - 1).max(0);
            if key.starts_with("u:") && row.pending == 0 {
                row.failures = 0;
                row.locked_until = None;
                row.window_start = now;
            }
            save(conn, row, now).await?;
        }
        Ok(())
    }
}

/// Forgets a username's failures and lockout (a password reset lifts a lockout).
pub async fn forget_username<C: ConnectionTrait>(conn: &C, username: &str) -> Result<(), ApiError> {
    login_attempt::Entity::delete_by_id(user_key(username))
        .exec(conn)
        .await?;
    Ok(())
}

fn retry_seconds(lockout: Duration) -> u64 {
    u64::try_from(lockout.whole_seconds().max(1)).unwrap_or(1)
}

/// The row of `key`, created when missing, locked for the rest of the transaction (PostgreSQL
/// `FOR UPDATE`; on SQLite the write transaction took the writer lock with the insert).
async fn locked_row<C: ConnectionTrait>(
    conn: &C,
    key: &str,
    now: OffsetDateTime,
) -> Result<login_attempt::Model, ApiError> {
    login_attempt::Entity::insert(login_attempt::ActiveModel {
        key: Set(key.to_owned()),
        pending: Set(0),
        failures: Set(0),
        window_start: Set(now),
        locked_until: Set(None),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(login_attempt::Column::Key)
            .do_nothing()
            .to_owned(),
    )
    .do_nothing()
    .exec(conn)
    .await?;
    login_attempt::Entity::find_by_id(key.to_owned())
        .lock_exclusive()
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::Internal("login attempt row vanished".to_owned()))
}

/// Drops what no longer counts: stale slots, an ended lockout, failures older than the window.
fn normalised(
    mut row: login_attempt::Model,
    window: Duration,
    now: OffsetDateTime,
) -> login_attempt::Model {
    if row.updated_at + STALE_PENDING <= now {
        row.pending = 0;
    }
    if row.locked_until.is_some_and(|until| until <= now) {
        row.locked_until = None;
        row.failures = 0;
        row.window_start = now;
    }
    if row.locked_until.is_none() && row.window_start + window <= now {
        row.failures = 0;
        row.window_start = now;
    }
    row
}

async fn save<C: ConnectionTrait>(
    conn: &C,
    row: login_attempt::Model,
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    let mut active = row.clone().into_active_model();
    active.pending = Set(row.pending);
    active.failures = Set(row.failures);
    active.window_start = Set(row.window_start);
    active.locked_until = Set(row.locked_until);
    active.updated_at = Set(now);
    login_attempt::Entity::update(active).exec(conn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn retry_after_rounds_up() {
        let now = datetime!(2026-02-12 02:00 UTC);
        assert_eq!(
            retry_after(Some(now + Duration::milliseconds(1)), now),
            Some(1)
        );
        assert_eq!(
            retry_after(Some(now + Duration::seconds(60)), now),
            Some(60)
        );
        assert_eq!(retry_after(Some(now), now), None);
        assert_eq!(retry_after(None, now), None);
    }

    #[test]
    fn usernames_are_normalised_and_ipv6_counts_per_64() {
        assert_eq!(user_key(" Train1 "), user_key("train1"));
        assert_ne!(user_key("train1"), user_key("train2"));
        assert_eq!(address_key("203.0.113.7"), "a:203.0.113.7");
        assert_eq!(
            address_key("2001:db8:1:2:aaaa::1"),
            address_key("2001:db8:1:2:bbbb::9")
        );
        assert_ne!(
            address_key("2001:db8:1:2::1"),
            address_key("2001:db8:1:3::1")
        );
        assert_eq!(address_key("::ffff:203.0.113.7"), "a:203.0.113.7");
    }

    #[test]
    fn an_ended_lockout_and_an_old_window_are_forgotten() {
        let now = datetime!(2026-02-12 02:00 UTC);
        let row = login_attempt::Model {
            key: "u:x".to_owned(),
            pending: 3,
            failures: 0,
            window_start: now - Duration::minutes(20),
            locked_until: Some(now),
            updated_at: now - Duration::minutes(5),
        };
        let row = normalised(row, Duration::minutes(15), now);
        assert_eq!((row.pending, row.failures, row.locked_until), (0, 0, None));
        let row = login_attempt::Model {
            failures: 4,
            pending: 1,
            window_start: now - Duration::minutes(1),
            locked_until: None,
            updated_at: now,
            ..row
        };
        let kept = normalised(row, Duration::minutes(15), now);
        assert_eq!((kept.pending, kept.failures), (1, 4));
    }
}
