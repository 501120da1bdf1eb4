//! Bounded concurrency for heavy work (ASVS 12.1.1 / docs/security.md): checking an uploaded
//! PDF, reading a roster or results sheet and building an archive each run under a permit, so a
//! burst of uploads cannot occupy every core and every megabyte at once. Permits are taken
//! without waiting: when none is free the request is answered 503 `BUSY` with `Retry-After`
//! rather than queued (a queue would hold every waiting upload in memory). A permit is moved
//! into the blocking task that does the work and released when that task really ends, not when
//! the request gives up on it.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::PermitsConfig;
use crate::error::ApiError;

/// What a client is told to wait before trying again.
pub const RETRY_AFTER_SECONDS: u64 = 5;

/// The kinds of heavy work, each with its own pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    PdfCheck,
    Import,
    Archive,
}

#[derive(Clone)]
pub struct Permits {
    pdf_checks: Arc<Semaphore>,
    imports: Arc<Semaphore>,
    archives: Arc<Semaphore>,
}

/// Held while the work runs; dropping it frees the place.
pub type Permit = OwnedSemaphorePermit;

impl Permits {
    pub fn new(config: &PermitsConfig) -> Permits {
        let pool = |n: usize| Arc::new(Semaphore::new(n.max(1)));
        Permits {
            pdf_checks: pool(config.pdf_checks),
            imports: pool(config.imports),
            archives: pool(config.archives),
        }
    }

    fn pool(&self, work: Work) -> &Arc<Semaphore> {
        match work {
            Work::PdfCheck => &self.pdf_checks,
            Work::Import => &self.imports,
            Work::Archive => &self.archives,
        }
    }

    /// A free permit for `work`, or 503 `BUSY` when all are taken.
    pub fn try_acquire(&self, work: Work) -> Result<Permit, ApiError> {
        self.pool(work)
            .clone()
            .try_acquire_owned()
            .map_err(|_| ApiError::Busy {
                retry_after_seconds: RETRY_AFTER_SECONDS,
            })
    }

    /// Free permits for `work` now (metrics and tests).
    pub fn available(&self, work: Work) -> usize {
        self.pool(work).available_permits()
    }
}

/// The default pool size: one per core the process may use.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get)
}

#[cfg(test)]
mod tests {
    use actix_web::ResponseError;

    use super::*;

    #[test]
    fn past_the_pool_size_work_is_refused_busy_until_a_permit_is_released() {
        let permits = Permits::new(&PermitsConfig {
            pdf_checks: 2,
            imports: 1,
            archives: 0,
        });
        let first = permits.try_acquire(Work::Import).unwrap();
        let refused = permits.try_acquire(Work::Import).unwrap_err();
        let response = refused.error_response();
        assert_eq!(response.status().as_u16(), 503);
        assert_eq!(
            response.headers().get("retry-after").unwrap(),
            &RETRY_AFTER_SECONDS.to_string()
        );
        // Other kinds of work have their own pools.
        let a = permits.try_acquire(Work::PdfCheck).unwrap();
        let _b = permits.try_acquire(Work::PdfCheck).unwrap();
        assert!(permits.try_acquire(Work::PdfCheck).is_err());
        drop(a);
        assert!(permits.try_acquire(Work::PdfCheck).is_ok());
        drop(first);
        assert_eq!(permits.available(Work::Import), 1);
        assert!(permits.try_acquire(Work::Import).is_ok());
        // A pool configured empty still lets one through: zero would refuse everything.
        assert!(permits.try_acquire(Work::Archive).is_ok());
    }

    #[tokio::test]
    async fn a_permit_moved_into_blocking_work_is_held_until_the_work_ends() {
        let permits = Permits::new(&PermitsConfig {
            pdf_checks: 1,
            imports: 1,
            archives: 1,
        });
        let permit = permits.try_acquire(Work::PdfCheck).unwrap();
        let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            go_rx.recv().ok();
        });
        let mut task = task;
        // The caller gives up on the work (a timeout): the permit stays taken.
        let gave_up = tokio::time::timeout(std::time::Duration::from_millis(50), &mut task).await;
        assert!(gave_up.is_err());
        assert!(permits.try_acquire(Work::PdfCheck).is_err());
        go_tx.send(()).unwrap();
        task.await.unwrap();
        assert!(permits.try_acquire(Work::PdfCheck).is_ok());
    }
}
