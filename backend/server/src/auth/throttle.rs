//! Failed-login bookkeeping for usernames that do not exist, so that probing an unknown name
//! answers exactly like a real account: 401 for each failure, then 429 for the lockout period
//! (SPEC §9 "login lockout"; ASVS 2.2.1 / 3.2 — no account enumeration). Real accounts keep their
//! count in `users.failed_logins`; unknown names are kept here, in memory, by the SHA-256 of the
//! name, at most `CAPACITY` of them.
//! One table per app, held in `AppState`. With several `serve` processes each keeps its own table
//! for unknown names (real accounts are counted in the shared database).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

/// Unknown names remembered at most; the stalest are forgotten first.
const CAPACITY: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: i32,
    locked_until: Option<OffsetDateTime>,
    touched: OffsetDateTime,
}

/// Failed logins of unknown usernames.
#[derive(Debug, Default)]
pub struct Throttle {
    entries: Mutex<HashMap<[u8; 32], Entry>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // The data stays consistent even if a holder panicked: every update is a single insert.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn key(username: &str) -> [u8; 32] {
    Sha256::digest(username.as_bytes()).into()
}

/// Seconds until `locked_until`, rounded up, when it is still ahead.
pub fn retry_after(locked_until: Option<OffsetDateTime>, now: OffsetDateTime) -> Option<u64> {
    let left = locked_until? - now;
    if left <= Duration::ZERO {
        return None;
    }
    let seconds = left.whole_seconds() + i64::from(left.subsec_nanoseconds() > 0);
    Some(u64::try_from(seconds.max(1)).unwrap_or(1))
}

impl Throttle {
    /// Seconds left when `username` is locked out.
    pub fn locked(&self, username: &str, now: OffsetDateTime) -> Option<u64> {
        let entries = lock(&self.entries);
        retry_after(entries.get(&key(username))?.locked_until, now)
    }

    /// Counts a failure; the `max`-th in a row locks the name for `lockout`. Returns whether
    /// this failure locked it.
    pub fn fail(&self, username: &str, now: OffsetDateTime, max: i32, lockout: Duration) -> bool {
        let mut entries = lock(&self.entries);
        let key = key(username);
        if !entries.contains_key(&key) && entries.len() >= CAPACITY {
            forget_stalest(&mut entries, now);
        }
        let entry = entries.entry(key).or_insert(Entry {
            failures: 0,
            locked_until: None,
            touched: now,
        });
        entry.touched = now;
        if retry_after(entry.locked_until, now).is_some() {
            return false;
        }
        entry.failures += 1;
        if max > 0 && entry.failures >= max {
            entry.failures = 0;
            entry.locked_until = Some(now + lockout);
            true
        } else {
            false
        }
    }
}

/// Drops names whose lockout is over and who have no failures since, else the least recently
/// tried one.
fn forget_stalest(entries: &mut HashMap<[u8; 32], Entry>, now: OffsetDateTime) {
    entries.retain(|_, e| e.failures > 0 || retry_after(e.locked_until, now).is_some());
    if entries.len() >= CAPACITY
        && let Some(stalest) = entries
            .iter()
            .min_by_key(|(_, e)| e.touched)
            .map(|(key, _)| *key)
    {
        entries.remove(&stalest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_max_th_failure_locks_until_the_lockout_is_over() {
        let throttle = Throttle::default();
        let now = datetime!(2026-02-12 02:00 UTC);
        let lockout = Duration::minutes(15);
        for _ in 0..4 {
            assert!(!throttle.fail("nobody", now, 5, lockout));
            assert_eq!(throttle.locked("nobody", now), None);
        }
        assert!(throttle.fail("nobody", now, 5, lockout));
        assert_eq!(throttle.locked("nobody", now), Some(900));
        assert_eq!(throttle.locked("somebody", now), None);
        let later = now + Duration::minutes(15);
        assert_eq!(throttle.locked("nobody", later), None);
        assert!(!throttle.fail("nobody", later, 5, lockout));
    }

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
    fn the_table_is_bounded() {
        let throttle = Throttle::default();
        let now = datetime!(2026-02-12 02:00 UTC);
        for i in 0..CAPACITY + 10 {
            throttle.fail(&format!("user{i}"), now, 5, Duration::minutes(15));
        }
        assert!(lock(&throttle.entries).len() <= CAPACITY);
    }
}
