//! The daemon's heartbeat: a write to the store every interval, which
//! proves the store still takes writes and the runtime still schedules
//! tasks. `/healthz` reads it; the daemon feeds systemd's watchdog from it.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::store::{self, Store};

/// How long a beat may wait for the store before it counts as failed.
const STORE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a heartbeat did not reach the store.
#[derive(Debug, thiserror::Error)]
pub enum BeatError {
    /// The store answered with an error (a full disk, a read-only file).
    #[error("the store refuses writes: {0}")]
    Refused(store::StoreError),
    /// The store did not answer in time (a lock held for long).
    #[error("the store did not answer in {}s", .0.as_secs())]
    NoAnswer(Duration),
}

/// The daemon's heartbeat: a write to the store every interval.
#[derive(Debug)]
pub struct Heartbeat {
    store: Store,
    interval: Duration,
    /// Unix seconds of the last beat that reached the store; 0 before one.
    last_ok: AtomicI64,
}

impl Heartbeat {
    /// A heartbeat on `store`, one beat every `interval`.
    pub fn new(store: Store, interval: Duration) -> Arc<Self> {
        Arc::new(Heartbeat {
            store,
            interval,
            last_ok: AtomicI64::new(0),
        })
    }

    /// One beat: writes the time to the store, within a timeout.
    pub async fn beat(&self) -> Result<(), BeatError> {
        let now = store::now();
        let write = self.store.call(move |c| store::beat(c, now));
        match tokio::time::timeout(STORE_TIMEOUT, write).await {
            Ok(Ok(())) => {
                self.last_ok.store(now, Ordering::Relaxed);
                Ok(())
            }
            Ok(Err(error)) => Err(BeatError::Refused(error)),
            Err(_) => Err(BeatError::NoAnswer(STORE_TIMEOUT)),
        }
    }

    /// Whether a beat reached the store in the last three intervals: the
    /// store takes writes and the runtime still schedules tasks.
    pub fn healthy(&self) -> bool {
        let allowed = 3 * self.interval.as_secs().max(1) as i64;
        self.last_beat()
            .is_some_and(|last| store::now() - last <= allowed)
    }

    /// Unix seconds of the last beat that reached the store.
    pub fn last_beat(&self) -> Option<i64> {
        Some(self.last_ok.load(Ordering::Relaxed)).filter(|&t| t > 0)
    }

    /// Time between beats.
    pub fn interval(&self) -> Duration {
        self.interval
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn beats_write_the_store_and_make_it_healthy() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("v.db")).unwrap();
        let heart = Heartbeat::new(store.clone(), Duration::from_secs(5));
        assert!(!heart.healthy(), "no beat yet");
        heart.beat().await.unwrap();
        assert!(heart.healthy());
        let age = store
            .call(|c| store::heartbeat_age(c, store::now()))
            .await
            .unwrap();
        assert!(age.is_some_and(|age| age <= 1), "{age:?}");
    }
}
