//! Wires the parts together: store, HTTP client, sources and the driver,
//! as a long-running daemon ([`run`]) or a single pass ([`Runtime::poll_cycle`]).

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::config::Config;
use crate::delivery::sender::Sender;
use crate::delivery::{SendError, Transport};
use crate::pipeline::Pipeline;
use crate::sentiment::Scorers;
use crate::service::{self, Heartbeat};
use crate::source::driver::{run_source, Backoff, PollReport, Poller};
use crate::source::http::{HttpClient, HttpError};
use crate::source::imap::ImapSource;
use crate::source::maildir::MaildirSource;
use crate::source::rss::FeedSource;
use crate::source::web::{Politeness, WebSource};
use crate::source::Source;
use crate::store::{Store, StoreError};

/// How long a shutdown waits for sources to finish their current write.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The HTTP client could not be built.
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] HttpError),
    /// The mail transport could not be built (a missing password, a bad CA file).
    #[error("cannot set up mail: {0}")]
    Mail(#[from] SendError),
}

/// Everything a running Vigia holds.
pub struct Runtime {
    /// The store.
    pub store: Store,
    poller: Arc<Poller>,
    sources: Vec<Arc<dyn Source>>,
    /// Delivers alerts and digests.
    pub sender: Sender,
}

impl Runtime {
    /// Opens the store, builds the sources and registers them.
    pub async fn start(config: &Config) -> Result<Runtime, DaemonError> {
        let store = Store::open(&config.storage_path)?;
        let http = Arc::new(HttpClient::new(config.http.clone())?);
        let languages = config
            .brands
            .iter()
            .map(|b| (b.name.clone(), b.languages.clone()))
            .collect();
        let pipeline = Arc::new(
            Pipeline::new(config.matcher.clone())
                .with_sentiment(
                    languages,
                    config.thresholds,
                    Scorers::new(&config.lexicon_overrides),
                )
                .with_policy(config.policy.clone()),
        );
        let poller = Arc::new(Poller::new(
            store.clone(),
            pipeline,
            config.backoff,
            config.http.max_concurrency,
        ));
        let sources: Vec<Arc<dyn Source>> = config
            .feeds
            .iter()
            .map(|f| {
                let source = FeedSource::new(
                    f.id.clone(),
                    f.url.clone(),
                    f.interval,
                    f.headers.clone(),
                    http.clone(),
                );
                Arc::new(source) as Arc<dyn Source>
            })
            .collect();
        let maildirs = config.maildirs.iter().map(|m| {
            let source = MaildirSource::new(
                m.id.clone(),
                m.path.clone(),
                m.interval,
                config.http.max_body_bytes,
            );
            Arc::new(source) as Arc<dyn Source>
        });
        let imaps = config.imaps.iter().map(|m| {
            Arc::new(ImapSource::new(m.clone(), config.http.max_body_bytes)) as Arc<dyn Source>
        });
        let polite = Arc::new(Politeness::new(http.clone()));
        let pages = config
            .pages
            .iter()
            .map(|p| Arc::new(WebSource::new(p.clone(), polite.clone())) as Arc<dyn Source>);
        let sources: Vec<Arc<dyn Source>> = sources
            .into_iter()
            .chain(maildirs)
            .chain(imaps)
            .chain(pages)
            .collect();
        for source in &sources {
            poller.register(source.as_ref()).await?;
        }
        let sender = Sender::new(
            store.clone(),
            Transport::new(&config.mail)?,
            config.mail.clone(),
            Arc::new(config.policy.clone()),
            Backoff {
                min: config.mail.retry,
                max: Duration::from_secs(3600),
            },
        )
        .with_spikes(config.spikes)
        .with_digest(config.digest);
        Ok(Runtime {
            store,
            poller,
            sources,
            sender,
        })
    }

    /// Polls every source once, concurrently (within the HTTP limits);
    /// with `only_due`, only those whose next check has come.
    pub async fn poll_cycle(
        &self,
        only_due: bool,
        shutdown: &CancellationToken,
    ) -> Result<Vec<PollReport>, StoreError> {
        let mut tasks = JoinSet::new();
        for source in &self.sources {
            if only_due && !self.poller.due_in(source.as_ref()).await?.is_zero() {
                continue;
            }
            let (poller, source, shutdown) =
                (self.poller.clone(), source.clone(), shutdown.clone());
            tasks.spawn(async move {
                let result = poller.poll_once(source.as_ref(), &shutdown).await;
                (source.id().to_string(), result)
            });
        }
        let mut reports = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((_, Ok(Some(report)))) => reports.push(report),
                Ok((_, Ok(None))) => {}
                // One source's store failure is that source's problem: the
                // cycle goes on, the source is retried next time.
                Ok((source_id, Err(error))) => {
                    warn!(source = %source_id, %error, "Cannot store poll result.");
                    reports.push(PollReport {
                        source_id,
                        error: Some(error.to_string()),
                        ..PollReport::default()
                    });
                }
                Err(error) => return Err(StoreError::Task(error.to_string())),
            }
        }
        reports.sort_by(|a, b| a.source_id.cmp(&b.source_id));
        Ok(reports)
    }

    /// Runs every source on its schedule until `shutdown`, then waits (up
    /// to [`DRAIN_TIMEOUT`]) for writes in progress.
    pub async fn run(self, shutdown: CancellationToken) {
        info!(sources = self.sources.len(), db = %self.store.path().display(), "Vigia started.");
        let mut tasks = JoinSet::new();
        let count = self.sources.len();
        for source in self.sources {
            tasks.spawn(run_source(self.poller.clone(), source, shutdown.clone()));
        }
        tasks.spawn(self.sender.run(shutdown.clone()));
        tasks.spawn(Heartbeat::new(self.store.clone()).run(shutdown.clone()));
        service::ready(&format!("watching {count} sources"));
        shutdown.cancelled().await;
        service::stopping();
        info!("Shutting down.");
        let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
            while tasks.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            warn!(
                timeout_secs = DRAIN_TIMEOUT.as_secs(),
                "Sources did not stop in time."
            );
        }
        info!("Vigia stopped.");
    }
}
