//! The optional status listener (`[status] listen`): `/healthz` for a
//! load balancer or a monitoring probe, `/metrics` for Prometheus.
//! Off by default, and on loopback unless the config says otherwise.

mod health;
mod heartbeat;
mod prometheus;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::delivery::sender::Sender;
use crate::store::{self, metrics, Store};

pub use heartbeat::{BeatError, Heartbeat};

/// What status asks of the daemon's running generation: which sources it
/// watches, which it is polling now, and its mail sender.
pub trait Running: Send + Sync {
    /// The ids of the configured sources.
    fn source_ids(&self) -> Vec<String>;
    /// The sources being polled, with the Unix second each poll began.
    fn polling(&self) -> HashMap<String, Option<i64>>;
    /// The mail sender.
    fn sender(&self) -> &Sender;
}

/// How long a probe waits for the store before it answers "unhealthy".
const STORE_TIMEOUT: Duration = Duration::from_secs(5);

/// How long an answer is reused: a burst of probes and scrapes costs one
/// read of the store a second, however many clients ask.
const FRESH_FOR: Duration = Duration::from_secs(1);

/// Requests answered at once; more wait their turn, up to
/// [`QUEUE_TIMEOUT`], then get 503.
const CONCURRENT_REQUESTS: usize = 32;
const QUEUE_TIMEOUT: Duration = Duration::from_secs(10);

/// An answer and when it was computed.
type Cached<T> = tokio::sync::Mutex<Option<(Instant, T)>>;

/// What the daemon tells the listener beyond the store: the running
/// config's sources and what they are doing, and how reloads went.
pub struct Status {
    store: Store,
    heart: Arc<Heartbeat>,
    running: RwLock<Option<Arc<dyn Running>>>,
    /// When the running config started, or the reload in progress began.
    since: AtomicI64,
    reloads_applied: AtomicU64,
    reloads_refused: AtomicU64,
    health_cache: Cached<(bool, String)>,
    metrics_cache: Cached<Result<String, String>>,
    requests: tokio::sync::Semaphore,
}

/// The cached answer when fresh, else a new one from `compute` (one
/// caller computes; those waiting meanwhile get its answer).
async fn cached<T: Clone, F: std::future::Future<Output = T>>(
    cache: &Cached<T>,
    compute: impl FnOnce() -> F,
) -> T {
    let mut slot = cache.lock().await;
    if let Some((at, value)) = slot.as_ref() {
        if at.elapsed() < FRESH_FOR {
            return value.clone();
        }
    }
    let value = compute().await;
    *slot = Some((Instant::now(), value.clone()));
    value
}

impl Status {
    /// Status of the daemon writing `store` with this heartbeat.
    pub fn new(store: Store, heart: Arc<Heartbeat>) -> Arc<Status> {
        Arc::new(Status {
            store,
            heart,
            running: RwLock::default(),
            since: AtomicI64::new(store::now()),
            reloads_applied: AtomicU64::new(0),
            reloads_refused: AtomicU64::new(0),
            health_cache: Cached::default(),
            metrics_cache: Cached::default(),
            requests: tokio::sync::Semaphore::new(CONCURRENT_REQUESTS),
        })
    }

    /// The runtime now running, started at Unix second `since`: `/metrics`
    /// reports only its sources (a source removed from the config keeps its
    /// row in the store), and `/healthz` asks its poller what is being
    /// polled and counts no source late from before `since`.
    pub fn set_running(&self, runtime: Arc<dyn Running>, since: i64) {
        if let Ok(mut running) = self.running.write() {
            *running = Some(runtime);
        }
        self.since.store(since, Ordering::Relaxed);
    }

    /// A reload begins: the running sources are finishing their polls and
    /// start no new ones, so none counts as late before the new config has
    /// had its chance.
    pub fn reloading(&self) {
        self.since.store(store::now(), Ordering::Relaxed);
    }

    fn running(&self) -> Option<Arc<dyn Running>> {
        self.running.read().ok().and_then(|r| r.clone())
    }

    fn polling(&self) -> HashMap<String, Option<i64>> {
        self.running().map(|r| r.polling()).unwrap_or_default()
    }

    fn configured(&self) -> Vec<String> {
        self.running().map(|r| r.source_ids()).unwrap_or_default()
    }

    /// Counts a reload, applied or refused.
    pub fn reloaded(&self, applied: bool) {
        let counter = if applied {
            &self.reloads_applied
        } else {
            &self.reloads_refused
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// `/healthz`: healthy while heartbeats reach the store and the
    /// scheduler keeps time (no source long overdue and idle, no poll
    /// hanging, no mail long due); with a line saying why.
    pub async fn health(&self) -> (bool, String) {
        if let Err(why) = self.heartbeat() {
            return (false, format!("unhealthy: {why}\n"));
        }
        // What is being polled, read before and after the store: a poll
        // that began or committed in between counts as busy, not as late.
        let polling = self.polling();
        let read = tokio::time::timeout(STORE_TIMEOUT, self.store.read(metrics::schedule)).await;
        match read {
            Ok(Ok(schedule)) => self.judge(&schedule, polling),
            Ok(Err(error)) => (
                false,
                format!("unhealthy: cannot read the store: {error}\n"),
            ),
            Err(_) => {
                let secs = STORE_TIMEOUT.as_secs();
                (
                    false,
                    format!("unhealthy: the store did not answer in {secs}s\n"),
                )
            }
        }
    }

    /// Whether `schedule`, read from the store while `polling` (taken just
    /// before the read) was being polled, keeps time, and the line saying so.
    fn judge(
        &self,
        schedule: &metrics::Schedule,
        mut polling: HashMap<String, Option<i64>>,
    ) -> (bool, String) {
        polling.extend(self.polling());
        let configured = self.configured();
        let now = store::now();
        let sender = self.running().map(|r| r.sender().clone());
        let activity = health::Activity {
            configured: &configured,
            polling: &polling,
            since: self.since.load(Ordering::Relaxed),
            sending: sender.as_ref().and_then(|s| s.in_hand()),
            sender_stuck: sender.as_ref().and_then(|s| s.stuck(now)),
        };
        let stalls = health::stalls(schedule, &activity, now);
        if stalls.is_empty() {
            let ago = self.heart.last_beat().map_or(0, |t| now - t);
            let mut text = format!(
                "ok: the store took a heartbeat {ago}s ago; {} sources on schedule, {} being polled",
                configured.len(),
                polling.len()
            );
            for note in health::mail_notes(schedule, &activity, now) {
                text.push_str("; ");
                text.push_str(&note);
            }
            text.push('\n');
            (true, text)
        } else {
            (false, format!("unhealthy: {}\n", stalls.join("; ")))
        }
    }

    /// Why systemd's watchdog must not be fed: the sender holds one mail
    /// well past its attempt limit. None while it makes progress or idles.
    pub fn sender_stuck(&self) -> Option<String> {
        self.running()?.sender().stuck(store::now())
    }

    /// Whether heartbeats reach the store, and if not, why.
    fn heartbeat(&self) -> Result<(), String> {
        let every = self.heart.interval().as_secs_f64();
        match self.heart.last_beat() {
            Some(_) if self.heart.healthy() => Ok(()),
            Some(last) => Err(format!(
                "no heartbeat has reached the store for {}s (one is due every {every}s)",
                store::now() - last
            )),
            None => Err("no heartbeat has reached the store yet".into()),
        }
    }

    /// `/metrics`, in the Prometheus text format.
    pub async fn metrics(&self) -> Result<String, store::StoreError> {
        let polling = self.polling();
        let snapshot = self.store.read(metrics::snapshot).await?;
        let sources = self.configured();
        // What /healthz would say, from the same read.
        let healthy = self.heartbeat().is_ok() && self.judge(&snapshot.schedule, polling).0;
        let figures = prometheus::Figures {
            snapshot: &snapshot,
            configured: &sources,
            healthy,
            reloads: [
                ("applied", self.reloads_applied.load(Ordering::Relaxed)),
                ("refused", self.reloads_refused.load(Ordering::Relaxed)),
            ],
            limits: crate::limits::counts(),
            now: store::now(),
        };
        Ok(figures.render())
    }
}

/// Binds the listener; done at start-up so a taken port fails loudly.
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}

/// Serves `/healthz` and `/metrics` until `shutdown`.
pub async fn serve(listener: TcpListener, status: Arc<Status>, shutdown: CancellationToken) {
    if let Ok(addr) = listener.local_addr() {
        info!(%addr, "Serving /healthz and /metrics.");
    }
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(serve_metrics))
        .with_state(status);
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown.cancelled_owned())
        .await;
    if let Err(error) = served {
        warn!(%error, "The status listener stopped.");
    }
}

/// A text answer.
type Answer = (StatusCode, [(header::HeaderName, &'static str); 1], String);

const TEXT: &str = "text/plain; charset=utf-8";

/// A turn among the requests answered at once; None after waiting
/// [`QUEUE_TIMEOUT`] for one.
async fn turn(status: &Status) -> Option<tokio::sync::SemaphorePermit<'_>> {
    tokio::time::timeout(QUEUE_TIMEOUT, status.requests.acquire())
        .await
        .ok()?
        .ok()
}

fn busy() -> Answer {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CONTENT_TYPE, TEXT)],
        "busy: too many status requests at once; try again\n".into(),
    )
}

async fn healthz(State(status): State<Arc<Status>>) -> Answer {
    let Some(_turn) = turn(&status).await else {
        return busy();
    };
    let (ok, text) = cached(&status.health_cache, || status.health()).await;
    let code = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, [(header::CONTENT_TYPE, TEXT)], text)
}

async fn serve_metrics(State(status): State<Arc<Status>>) -> Answer {
    let Some(_turn) = turn(&status).await else {
        return busy();
    };
    let metrics = cached(&status.metrics_cache, || async {
        status.metrics().await.map_err(|error| {
            warn!(%error, "Cannot read the store for /metrics.");
            error.to_string()
        })
    })
    .await;
    match metrics {
        Ok(text) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, prometheus::CONTENT_TYPE)],
            text,
        ),
        Err(error) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, TEXT)],
            format!("cannot read the store: {error}\n"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_burst_of_requests_computes_one_answer() {
        let cache: Cached<usize> = Cached::default();
        let computed = std::sync::atomic::AtomicUsize::new(0);
        let compute = || async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            computed.fetch_add(1, Ordering::SeqCst) + 1
        };
        let answers =
            futures_util::future::join_all((0..200).map(|_| cached(&cache, compute))).await;
        assert!(answers.iter().all(|&a| a == 1), "{answers:?}");
        assert_eq!(computed.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn healthy_only_once_a_heartbeat_reached_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("v.db")).unwrap();
        let heart = Heartbeat::new(store.clone(), Duration::from_secs(5));
        let status = Status::new(store, heart.clone());
        let (ok, text) = status.health().await;
        assert!(!ok);
        assert!(
            text.contains("no heartbeat has reached the store yet"),
            "{text}"
        );
        heart.beat().await.unwrap();
        let (ok, text) = status.health().await;
        assert!(ok, "{text}");
        let metrics = status.metrics().await.unwrap();
        assert!(metrics.lines().any(|l| l == "vigia_up 1"), "{metrics}");
    }
}
