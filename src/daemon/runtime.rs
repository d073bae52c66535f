//! Wires the parts together: store, HTTP client, sources and the driver,
//! as a long-running daemon ([`Runtime::run`], one generation per loaded
//! config) or a single pass ([`Runtime::poll_cycle`]).

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use tracing::warn;

use crate::backoff::Backoff;
use crate::config::{Config, SourceParts};
use crate::delivery::sender::Sender;
use crate::delivery::{SendError, Transport};
use crate::people::People;
use crate::pipeline::Pipeline;
use crate::poll::{log_panic, run_sources, PollReport, Poller, Stop};
use crate::replies::Desk;
use crate::sentiment::Scorers;
use crate::source::http::{HttpClient, HttpError, HttpSettings};
use crate::source::web::Politeness;
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
    /// The HTTP client could not be built. (Its cause is in the message,
    /// not a `source`, so that an error chain says it once.)
    #[error("cannot build the HTTP client: {0}")]
    Http(HttpError),
    /// The mail transport could not be built (a missing password, a bad CA file).
    #[error("cannot set up mail: {0}")]
    Mail(SendError),
    /// The key that signs one-click links could not be read or made.
    #[error("cannot sign links in mail: {0}")]
    LinkKey(#[from] crate::links::KeyError),
    /// A reloaded config names another database.
    #[error("[storage] changed from {from} to {to}: restart Vigia to use another database")]
    StoreMoved {
        /// The database in use.
        from: String,
        /// The one the new config names.
        to: String,
    },
}

impl From<HttpError> for DaemonError {
    fn from(error: HttpError) -> DaemonError {
        DaemonError::Http(error)
    }
}

impl From<SendError> for DaemonError {
    fn from(error: SendError) -> DaemonError {
        DaemonError::Mail(error)
    }
}

/// Everything a running Vigia holds.
pub struct Runtime {
    /// The store.
    pub store: Store,
    web: Web,
    poller: Arc<Poller>,
    sources: Vec<Arc<dyn Source>>,
    /// Delivers alerts and digests.
    pub sender: Sender,
    /// How long a reload waits for this runtime's polls in progress.
    pub reload_timeout: Duration,
    /// SQLite's page cache, in bytes.
    cache_bytes: u64,
}

/// The HTTP side, which a reload keeps when `[http]` is unchanged: its
/// connections, robots.txt rules and per-host request spacing.
#[derive(Clone)]
struct Web {
    settings: HttpSettings,
    http: Arc<HttpClient>,
    polite: Arc<Politeness>,
}

impl Web {
    fn new(settings: &HttpSettings) -> Result<Web, HttpError> {
        let http = Arc::new(HttpClient::new(settings.clone())?);
        let polite = Arc::new(Politeness::new(http.clone()));
        Ok(Web {
            settings: settings.clone(),
            http,
            polite,
        })
    }
}

impl Runtime {
    /// Opens the store, builds the sources and registers them.
    pub async fn start(config: &Config) -> Result<Runtime, DaemonError> {
        let store = Store::open_at(config.store_place())?;
        let web = Web::new(&config.http)?;
        let runtime = Runtime::build(store, web, config)?;
        runtime.register().await?;
        Ok(runtime)
    }

    /// A runtime for a reloaded `config` that takes over from this one:
    /// the same store (its state is the daemon's memory) and, when `[http]`
    /// is unchanged, the same HTTP client and politeness state. Built while
    /// this one still runs, without a write to the store (so a refusal
    /// changes nothing): [`Runtime::register`] it once this one stopped.
    /// Refused when the config names another database.
    pub fn successor(&self, config: &Config) -> Result<Runtime, DaemonError> {
        let wanted = config.store_place();
        if !wanted.same_database(self.store.place()) {
            return Err(DaemonError::StoreMoved {
                from: self.store.place().to_string(),
                to: wanted.to_string(),
            });
        }
        let web = if config.http == self.web.settings {
            self.web.clone()
        } else {
            Web::new(&config.http)?
        };
        Runtime::build(self.store.clone(), web, config)
    }

    /// Registers the sources' rows in the store (idempotent). A source
    /// whose URL changed starts afresh: no cursor, due now.
    pub async fn register(&self) -> Result<(), StoreError> {
        self.store.set_cache_size(self.cache_bytes).await?;
        self.poller.register(&self.sources).await
    }

    fn build(store: Store, web: Web, config: &Config) -> Result<Runtime, DaemonError> {
        let pipeline = Arc::new(pipeline(config));
        let ways = Arc::new(config.ways()?);
        let admins = config.web.as_ref().map_or(&[][..], |w| &w.admins[..]);
        let people = People::new(&config.policy.settings.teams, admins);
        let desk = ways.replies.clone().map(|signer| Desk::new(signer, people));
        let poller = Arc::new(
            Poller::new(
                store.clone(),
                pipeline,
                config.backoff,
                config.http.max_concurrency,
            )
            .with_lease(config.storage_lease)
            .with_replies(desk),
        );
        let parts = SourceParts {
            http: web.http.clone(),
            polite: web.polite.clone(),
            max_body_bytes: config.http.max_body_bytes,
        };
        let sources = config.sources.iter().map(|s| s.build(&parts)).collect();
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
        .with_digest(config.digest)
        .with_ways(ways);
        Ok(Runtime {
            reload_timeout: config.reload_timeout,
            cache_bytes: config.storage_cache_bytes,
            store,
            web,
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
        let stop = Stop::on(shutdown);
        let mut tasks = JoinSet::new();
        for source in &self.sources {
            if only_due && !self.poller.due_in(source.as_ref()).await?.is_zero() {
                continue;
            }
            let (poller, source, stop) = (self.poller.clone(), source.clone(), stop.clone());
            tasks.spawn(async move {
                let result = if only_due {
                    poller.poll_once(source.as_ref(), &stop).await
                } else {
                    poller.poll_now(source.as_ref(), &stop).await
                };
                (source.id().clone(), result)
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

    /// The ids of the configured sources.
    pub fn source_ids(&self) -> Vec<String> {
        self.sources.iter().map(|s| s.id().to_string()).collect()
    }

    /// The poller, which knows what is being polled now.
    pub fn poller(&self) -> &Arc<Poller> {
        &self.poller
    }

    /// Runs every source on its schedule, and the mail sender, until
    /// `stop.finish`. Then polls in progress run to their commit and the
    /// sender finishes the mail in hand, unless `stop.abandon` comes too:
    /// then fetches are dropped and the writes in progress get up to
    /// [`DRAIN_TIMEOUT`]. A fetch cut short leaves its source due, so
    /// whatever runs next fetches it again: nothing is lost.
    pub async fn run(self: Arc<Self>, stop: Stop) {
        let mut tasks = JoinSet::new();
        let (poller, sources) = (self.poller.clone(), self.sources.clone());
        tasks.spawn(run_sources(poller, sources, stop.clone()));
        tasks.spawn(self.sender.clone().run(stop.finish.clone()));
        let (poller, finish) = (self.poller.clone(), stop.finish.clone());
        tasks.spawn(async move { poller.release_when_idle(finish).await });
        loop {
            tokio::select! {
                () = stop.finish.cancelled() => break,
                Some(joined) = tasks.join_next() => log_panic(joined),
            }
        }
        let drain = async {
            while let Some(joined) = tasks.join_next().await {
                log_panic(joined);
            }
        };
        tokio::pin!(drain);
        tokio::select! {
            () = &mut drain => return,
            () = stop.abandon.cancelled() => {}
        }
        if tokio::time::timeout(DRAIN_TIMEOUT, drain).await.is_err() {
            warn!(
                timeout_secs = DRAIN_TIMEOUT.as_secs(),
                "Sources did not stop in time."
            );
        }
    }
}

impl crate::status::Running for Runtime {
    fn source_ids(&self) -> Vec<String> {
        Runtime::source_ids(self)
    }

    fn polling(&self) -> std::collections::HashMap<String, Option<i64>> {
        self.poller().polling()
    }

    fn sender(&self) -> &Sender {
        &self.sender
    }
}

/// The pipeline `config` describes: its brands' terms and languages, its
/// sentiment thresholds and lexicon overrides, its routes and severity.
pub fn pipeline(config: &Config) -> Pipeline {
    let languages = config
        .brands
        .iter()
        .map(|b| (b.name.clone(), b.languages.clone()))
        .collect();
    Pipeline::new(config.matcher.clone())
        .with_sentiment(
            languages,
            config.thresholds,
            Scorers::new(&config.lexicon_overrides),
        )
        .with_policy(config.policy.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error and its causes as `{:#}` prints them.
    fn chain(error: &dyn std::error::Error) -> String {
        let mut out = error.to_string();
        let mut cause = error.source();
        while let Some(c) = cause {
            out.push_str(": ");
            out.push_str(&c.to_string());
            cause = c.source();
        }
        out
    }

    #[test]
    fn every_cause_is_said_once() {
        let http = DaemonError::from(HttpError::Timeout("connecting took too long".into()));
        assert_eq!(
            chain(&http),
            "cannot build the HTTP client: timed out: connecting took too long"
        );
        let mail = DaemonError::from(SendError::transient("no password in VIGIA_SMTP"));
        assert_eq!(
            chain(&mail),
            "cannot set up mail: no password in VIGIA_SMTP"
        );
        let file = crate::source::FileError {
            path: "/x".into(),
            error: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        assert_eq!(chain(&file), "cannot read /x: entity not found");
        let query =
            crate::query::matcher::KeywordMatcher::new(&[crate::query::matcher::BrandSpec {
                name: "Acme".into(),
                queries: vec!["(acme".into()],
            }])
            .err()
            .map(|e| chain(&e))
            .unwrap_or_default();
        let why = query.split("query 0: ").nth(1).unwrap_or_default();
        assert!(!why.is_empty(), "{query}");
        assert_eq!(query.matches(why).count(), 1, "{query}");
    }
}
