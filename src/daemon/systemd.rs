//! Living under systemd: `READY=1` once started, `STOPPING=1` on the way
//! out, and `WATCHDOG=1` after each heartbeat that proves the store still
//! takes writes. Outside systemd (no `NOTIFY_SOCKET`) the notifications
//! are no-ops and the heartbeat still runs.

use std::sync::Arc;
use std::time::Duration;

use sd_notify::NotifyState;
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, warn};

use crate::status::Heartbeat;

/// Beat interval without a systemd watchdog.
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);

/// The heartbeat's interval: half systemd's `WatchdogSec` when the
/// watchdog is on (as sd_watchdog_enabled(3) advises), else every 5 s.
pub fn beat_interval() -> Duration {
    sd_notify::watchdog_enabled()
        .map_or(DEFAULT_INTERVAL, |timeout| timeout / 2)
        .max(Duration::from_millis(100))
}

/// Beats until `shutdown`, pinging systemd's watchdog after each beat
/// that reached the store while `stuck` finds nothing stuck (it says
/// why a part of the daemon stopped making progress). A failed beat or
/// a stuck part pings nothing: if it stays so, systemd restarts the
/// service.
pub async fn keep_beating(
    heart: Arc<Heartbeat>,
    shutdown: CancellationToken,
    stuck: impl Fn() -> Option<String> + Send + 'static,
) {
    loop {
        match heart.beat().await {
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
            () = tokio::time::sleep(heart.interval()) => {}
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
