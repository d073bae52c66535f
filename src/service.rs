//! Living under systemd: `READY=1` once started, `STOPPING=1` on the way
//! out, and `WATCHDOG=1` from a heartbeat that first proves the store
//! still takes writes. Outside systemd (no `NOTIFY_SOCKET`) the
//! notifications are no-ops and the heartbeat still runs.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use sd_notify::NotifyState;
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, warn};

use crate::store::{self, Store};

/// Beat interval without a systemd watchdog.
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
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
    /// A heartbeat on `store`, at half systemd's `WatchdogSec` when the
    /// watchdog is on (as sd_watchdog_enabled(3) advises), else every 5 s.
    pub fn new(store: Store) -> Arc<Self> {
        let interval = sd_notify::watchdog_enabled()
            .map_or(DEFAULT_INTERVAL, |timeout| timeout / 2)
            .max(Duration::from_millis(100));
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

    /// Beats until `shutdown`, pinging systemd's watchdog after each beat
    /// that reached the store while `stuck` finds nothing stuck (it says
    /// why a part of the daemon stopped making progress). A failed beat or
    /// a stuck part pings nothing: if it stays so, systemd restarts the
    /// service.
    pub async fn run(
        self: Arc<Self>,
        shutdown: CancellationToken,
        stuck: impl Fn() -> Option<String> + Send + 'static,
    ) {
        loop {
            match self.beat().await {
                Ok(()) => match stuck() {
                    None => {
                        debug!("Heartbeat.");
                        notify(&[NotifyState::Watchdog]);
                    }
                    Some(why) => error!(%why, "Not pinging the watchdog."),
                },
                Err(error) => warn!(%error, "Heartbeat failed; not pinging the watchdog."),
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(self.interval) => {}
            }
        }
    }
}

/// Tells systemd the daemon is ready, with a status line.
pub fn ready(status: &str) {
    notify(&[NotifyState::Ready, NotifyState::Status(status)]);
}

/// Tells systemd the daemon is reloading its config (with the monotonic
/// time newer systemd versions require alongside).
pub fn reloading() {
    match NotifyState::monotonic_usec_now() {
        Ok(now) => notify(&[NotifyState::Reloading, now]),
        Err(_) => notify(&[NotifyState::Reloading]),
    }
}

/// Tells systemd the daemon is stopping.
pub fn stopping() {
    notify(&[NotifyState::Stopping, NotifyState::Status("stopping")]);
}

fn notify(states: &[NotifyState<'_>]) {
    if let Err(error) = sd_notify::notify(states) {
        warn!(%error, "Cannot notify systemd.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn beats_write_the_store_and_make_it_healthy() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = Store::open(&dir.path().join("v.db")).unwrap_or_else(|e| panic!("{e}"));
        let heart = Heartbeat::new(store.clone());
        assert!(!heart.healthy(), "no beat yet");
        heart.beat().await.unwrap_or_else(|e| panic!("{e}"));
        assert!(heart.healthy());
        let age = store
            .call(|c| store::heartbeat_age(c, store::now()))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(age.is_some_and(|age| age <= 1), "{age:?}");
    }
}
