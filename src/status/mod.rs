//! The optional status listener (`[status] listen`): `/healthz` for a
//! load balancer or a monitoring probe, `/metrics` for Prometheus.
//! Off by default, and on loopback unless the config says otherwise.

mod prometheus;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::service::Heartbeat;
use crate::store::{self, metrics, Store};

/// What the daemon tells the listener beyond the store: the sources of
/// the running config and how reloads went.
#[derive(Debug)]
pub struct Status {
    store: Store,
    heart: Arc<Heartbeat>,
    sources: RwLock<Vec<String>>,
    reloads_applied: AtomicU64,
    reloads_refused: AtomicU64,
}

impl Status {
    /// Status of the daemon writing `store` with this heartbeat.
    pub fn new(store: Store, heart: Arc<Heartbeat>) -> Arc<Status> {
        Arc::new(Status {
            store,
            heart,
            sources: RwLock::default(),
            reloads_applied: AtomicU64::new(0),
            reloads_refused: AtomicU64::new(0),
        })
    }

    /// The ids of the sources now running; `/metrics` reports only these
    /// (a source removed from the config keeps its row in the store).
    pub fn set_sources(&self, ids: Vec<String>) {
        if let Ok(mut sources) = self.sources.write() {
            *sources = ids;
        }
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

    /// `/healthz`: 200 while heartbeats reach the store, else 503, with a
    /// line saying why.
    pub fn health(&self) -> (bool, String) {
        let every = self.heart.interval().as_secs_f64();
        match self.heart.last_beat() {
            Some(last) if self.heart.healthy() => (
                true,
                format!("ok: the store took a heartbeat {}s ago\n", store::now() - last),
            ),
            Some(last) => (
                false,
                format!(
                    "unhealthy: no heartbeat has reached the store for {}s (one is due every {every}s)\n",
                    store::now() - last
                ),
            ),
            None => (false, "unhealthy: no heartbeat has reached the store yet\n".into()),
        }
    }

    /// `/metrics`, in the Prometheus text format.
    pub async fn metrics(&self) -> Result<String, store::StoreError> {
        let snapshot = self.store.call(|c| metrics::snapshot(c)).await?;
        let sources = self.sources.read().map(|s| s.clone()).unwrap_or_default();
        let figures = prometheus::Figures {
            snapshot: &snapshot,
            configured: &sources,
            healthy: self.heart.healthy(),
            reloads: [
                ("applied", self.reloads_applied.load(Ordering::Relaxed)),
                ("refused", self.reloads_refused.load(Ordering::Relaxed)),
            ],
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

async fn healthz(State(status): State<Arc<Status>>) -> impl IntoResponse {
    let (ok, text) = status.health();
    let code = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        code,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
}

async fn serve_metrics(State(status): State<Arc<Status>>) -> impl IntoResponse {
    match status.metrics().await {
        Ok(text) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, prometheus::CONTENT_TYPE)],
            text,
        ),
        Err(error) => {
            warn!(%error, "Cannot read the store for /metrics.");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                format!("cannot read the store: {error}\n"),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn healthy_only_once_a_heartbeat_reached_the_store() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = Store::open(&dir.path().join("v.db")).unwrap_or_else(|e| panic!("{e}"));
        let heart = Heartbeat::new(store.clone());
        let status = Status::new(store, heart.clone());
        let (ok, text) = status.health();
        assert!(!ok);
        assert!(
            text.contains("no heartbeat has reached the store yet"),
            "{text}"
        );
        heart.beat().await.unwrap_or_else(|e| panic!("{e}"));
        let (ok, text) = status.health();
        assert!(ok, "{text}");
        let metrics = status.metrics().await.unwrap_or_else(|e| panic!("{e}"));
        assert!(metrics.lines().any(|l| l == "vigia_up 1"), "{metrics}");
    }
}
