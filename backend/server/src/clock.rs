//! The one clock every rule, token and lockout reads (SPEC §9). By default the system clock;
//! `clock.now` starts it at a fixed instant from which it runs on; with `clock.adjustable` an
//! admin may move it, so demos and tests walk a batch past its exam day through the real binary.

use std::sync::{Arc, RwLock};

use time::{Duration, OffsetDateTime};

/// Microseconds: what both databases keep, so a stored instant reads back equal.
pub fn micros(at: OffsetDateTime) -> OffsetDateTime {
    at.replace_nanosecond(at.microsecond() * 1000).unwrap_or(at)
}

#[derive(Clone, Debug)]
pub struct Clock {
    /// Added to the system time.
    offset: Arc<RwLock<Duration>>,
    adjustable: bool,
}

impl Clock {
    pub fn system() -> Self {
        Clock {
            offset: Arc::new(RwLock::new(Duration::ZERO)),
            adjustable: false,
        }
    }

    /// A clock that reads `start` now and runs on from it.
    pub fn starting_at(start: OffsetDateTime, adjustable: bool) -> Self {
        Clock {
            offset: Arc::new(RwLock::new(start - OffsetDateTime::now_utc())),
            adjustable,
        }
    }

    pub fn now(&self) -> OffsetDateTime {
        let offset = self.offset.read().map_or(Duration::ZERO, |offset| *offset);
        OffsetDateTime::now_utc() + offset
    }

    /// [`Clock::now`] to the microsecond: what both databases keep, so an answer built from
    /// the instant written equals a later read of the row.
    pub fn now_stored(&self) -> OffsetDateTime {
        micros(self.now())
    }

    pub fn is_adjustable(&self) -> bool {
        self.adjustable
    }

    /// Moves the clock so that it reads `now`; `false` when the clock is not adjustable.
    pub fn set(&self, now: OffsetDateTime) -> bool {
        if !self.adjustable {
            return false;
        }
        match self.offset.write() {
            Ok(mut offset) => {
                *offset = now - OffsetDateTime::now_utc();
                true
            }
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_fixed_start_runs_on_and_can_be_moved_only_when_adjustable() {
        let clock = Clock::starting_at(datetime!(2026-02-12 02:00 UTC), true);
        let read = clock.now();
        assert!(read >= datetime!(2026-02-12 02:00 UTC));
        assert!(read < datetime!(2026-02-12 02:01 UTC));
        assert!(clock.set(datetime!(2026-03-12 02:00 UTC)));
        assert!(clock.now() >= datetime!(2026-03-12 02:00 UTC));

        let fixed = Clock::starting_at(datetime!(2026-02-12 02:00 UTC), false);
        assert!(!fixed.set(datetime!(2027-01-01 00:00 UTC)));
        assert!(fixed.now() < datetime!(2026-02-13 00:00 UTC));
    }
}
