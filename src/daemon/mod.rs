//! The daemon behind `vigia run`. SIGTERM (or Ctrl-C) stops it; SIGHUP reloads
//! the config.
//!
//! The daemon runs one generation at a time: the sources and mail sender
//! of one loaded config ([`Runtime::run`]). A reload loads and checks the
//! new config and builds its runtime while the old one still runs; only
//! then does the old generation stop (polls in progress run to their
//! commit, the mail in hand is sent) and the new one register its sources
//! and start on the same store, so schedules, cursors and backoffs carry
//! over. A config that does not load is logged and refused, and the
//! old generation never notices. The heartbeat and the status listener
//! live across generations.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::signal::unix::{signal, SignalKind};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use crate::config::Config;
use crate::inbox::Inbox;
use crate::poll::Stop;
use crate::status::{self, Heartbeat, Status};

mod runtime;
mod systemd;

pub use runtime::{pipeline, DaemonError, Runtime, DRAIN_TIMEOUT};

/// Runs the daemon on `config` until SIGTERM or Ctrl-C; SIGHUP reloads.
pub async fn run(config: Config) -> anyhow::Result<()> {
    // Signal handlers first: a SIGHUP during start-up (a long migration)
    // waits for the loop below instead of killing the process.
    let mut hangup = signal(SignalKind::hangup()).context("installing the SIGHUP handler")?;
    let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let runtime = Arc::new(Runtime::start(&config).await.context("starting")?);
    runtime.store.give_way_to_commands();
    let shutdown = CancellationToken::new();
    let signals = shutdown.clone();
    tokio::spawn(async move {
        let signal = tokio::select! {
            _ = term.recv() => "SIGTERM",
            _ = tokio::signal::ctrl_c() => "SIGINT",
        };
        // Stop first, then say so: nothing may stand between a signal and
        // the shutdown.
        signals.cancel();
        info!(signal, "Signal received.");
    });

    let heart = Heartbeat::new(runtime.store.clone(), systemd::beat_interval());
    let status = Status::new(runtime.store.clone(), heart.clone());
    let watched = status.clone();
    let mut background = vec![tokio::spawn(systemd::keep_beating(
        heart,
        shutdown.clone(),
        move || watched.sender_stuck(),
    ))];
    if let Some(addr) = config.status_listen {
        let listener = status::bind(addr)
            .await
            .with_context(|| format!("listening on {addr} (status.listen)"))?;
        background.push(tokio::spawn(status::serve(
            listener,
            status.clone(),
            shutdown.clone(),
        )));
    }
    let inbox = match Inbox::new(&config, runtime.store.clone())? {
        Some(inbox) => {
            let inbox = Arc::new(inbox);
            let listener = crate::inbox::bind(inbox.listen()).await?;
            background.push(tokio::spawn(crate::inbox::serve(
                listener,
                inbox.clone(),
                shutdown.clone(),
            )));
            background.push(tokio::spawn(crate::inbox::prune(
                inbox.clone(),
                shutdown.clone(),
            )));
            Some(inbox)
        }
        None => None,
    };
    let daemon = Daemon {
        path: config.path.clone(),
        inbox,
        listen: config.status_listen,
        status,
        shutdown: shutdown.clone(),
    };
    log_warnings(&config);
    // What the config says now lives in the runtime: its own lists (10,000
    // feeds are 3 MB) go.
    drop(config);
    info!(
        sources = runtime.source_ids().len(),
        db = %runtime.store.place(),
        "Vigia started."
    );
    let mut current = Some(daemon.start(runtime));
    while let Some(generation) = current.take() {
        tokio::select! {
            biased;
            () = shutdown.cancelled() => {
                systemd::stopping();
                info!("Shutting down.");
                let grace = generation.runtime.reload_timeout;
                generation.stop(grace).await;
            }
            _ = hangup.recv() => current = daemon.reload(generation).await,
        }
    }
    // The heartbeat and the listener hold no work: a beat stuck on the
    // store or a client that never finishes its request must not hold the
    // exit up.
    for task in background {
        let abort = task.abort_handle();
        if tokio::time::timeout(BACKGROUND_GRACE, task).await.is_err() {
            abort.abort();
        }
    }
    info!("Vigia stopped.");
    Ok(())
}

/// How long the heartbeat and the status listener get to stop.
const BACKGROUND_GRACE: Duration = Duration::from_secs(2);

/// What stays the same across reloads.
struct Daemon {
    path: std::path::PathBuf,
    /// The status listener's address, bound at start.
    listen: Option<SocketAddr>,
    /// The web inbox, when `[web]` was on at start.
    inbox: Option<Arc<Inbox>>,
    status: Arc<Status>,
    shutdown: CancellationToken,
}

/// One config's sources and sender, running.
struct Generation {
    runtime: Arc<Runtime>,
    stop: Stop,
    task: JoinHandle<()>,
}

impl Generation {
    /// Starts no new poll and returns once the polls and the mail in
    /// progress are done; polls still fetching after `grace` (the
    /// `poll.reload_timeout` of the config taking over; at once on
    /// shutdown) are abandoned, their writes finished: a server that
    /// stopped answering must not hold every other source up.
    async fn stop(mut self, grace: Duration) -> Arc<Runtime> {
        self.stop.finish.cancel();
        let ended = match tokio::time::timeout(grace, &mut self.task).await {
            Ok(ended) => ended,
            Err(_) => {
                warn!(
                    grace_secs = grace.as_secs(),
                    "Polls in progress did not finish in time; abandoning them (they are fetched again)."
                );
                self.stop.abandon.cancel();
                self.task.await
            }
        };
        if let Err(error) = ended {
            warn!(%error, "A generation of sources ended abnormally.");
        }
        self.runtime
    }
}

impl Daemon {
    fn start(&self, runtime: Arc<Runtime>) -> Generation {
        // A shutdown abandons fetches; a stop for a reload may too, after
        // a grace. Both end the generation.
        let abandon = self.shutdown.child_token();
        let stop = Stop {
            finish: abandon.child_token(),
            abandon,
        };
        let task = tokio::spawn(runtime.clone().run(stop.clone()));
        systemd::ready(&format!("watching {} sources", runtime.source_ids().len()));
        self.status
            .set_running(runtime.clone(), crate::store::now());
        Generation {
            runtime,
            stop,
            task,
        }
    }

    /// Loads the config again and, when it is sound, hands over to it.
    /// None when a shutdown came while the old generation was stopping:
    /// then nothing more starts.
    async fn reload(&self, current: Generation) -> Option<Generation> {
        info!(config = %self.path.display(), "SIGHUP: reloading the configuration.");
        let next = match self.prepare(&current.runtime).await {
            Ok(next) => next,
            Err(reason) => {
                error!(
                    config = %self.path.display(),
                    error = %reason,
                    "Configuration refused; the running one stays."
                );
                self.status.reloaded(false);
                return Some(current);
            }
        };
        systemd::reloading();
        self.status.reloading();
        let before = current.runtime.source_ids();
        let old = current.stop(next.reload_timeout).await;
        if self.shutdown.is_cancelled() {
            systemd::stopping();
            info!("Shutting down during the reload; the new configuration is not started.");
            return None;
        }
        // Only now, with the old sources stopped, may the new config touch
        // the store: a source whose URL changed starts afresh, and nothing
        // of the old one's may be written over that.
        if let Err(reason) = next.register().await {
            error!(
                config = %self.path.display(),
                error = %reason,
                "Configuration refused; the running one stays."
            );
            self.status.reloaded(false);
            return Some(self.start(old));
        }
        let next = self.start(Arc::new(next));
        let after = next.runtime.source_ids();
        let (was, is): (HashSet<_>, HashSet<_>) = (before.iter().collect(), after.iter().collect());
        let added: Vec<&String> = after.iter().filter(|id| !was.contains(id)).collect();
        let removed: Vec<&String> = before.iter().filter(|id| !is.contains(id)).collect();
        info!(
            sources = after.len(),
            added = ?added,
            removed = ?removed,
            "Configuration reloaded."
        );
        self.status.reloaded(true);
        Some(next)
    }

    /// The runtime for the config on disk, built beside the running one.
    async fn prepare(&self, running: &Runtime) -> anyhow::Result<Runtime> {
        let path = self.path.clone();
        let config = tokio::task::spawn_blocking(move || Config::load(&path))
            .await
            .context("loading the configuration")??;
        warn_fixed_at_start(self.listen, &config, &self.path);
        if let Some(inbox) = &self.inbox {
            inbox.reload(&config);
        }
        log_warnings(&config);
        let next = running.successor(&config)?;
        crate::limits::set(&config.limits);
        Ok(next)
    }
}

/// What `vigia check` would warn about, in the journal.
fn log_warnings(config: &Config) {
    for warning in &config.warnings {
        warn!("{warning}");
    }
}

/// The status listener is bound once, at start: say so when a reload asks
/// for another address.
fn warn_fixed_at_start(listen: Option<SocketAddr>, config: &Config, path: &Path) {
    if config.status_listen != listen {
        warn!(
            config = %path.display(),
            running = ?listen,
            configured = ?config.status_listen,
            "status.listen changed: it takes effect when Vigia restarts."
        );
    }
}
