//! The generic driver every source runs under: schedule, fetch, hand items
//! to the pipeline, store mentions and the cursor in one transaction, back
//! off on failure. State lives in the store, not in task memory, so a
//! restart picks up where the last run left off.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::backoff::Backoff;
use crate::name::SourceId;

use futures_util::FutureExt;
use tokio::sync::{watch, Semaphore, SemaphorePermit};
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use crate::limits::{self, Limit};
use crate::pipeline::Pipeline;
use crate::replies::{Desk, Outcome};
use crate::source::{Fetched, Source, SourceError};
use crate::store::mentions::{self, Recorded};
use crate::store::{self, sources, triage, Store, StoreError};
use backlog::Backlog;

mod backlog;
mod idle;
mod lease;
mod schedule;

pub use lease::DEFAULT_LEASE;
pub(crate) use schedule::log_panic;
pub use schedule::run_sources;

/// The longest one fetch may take, whatever the source: a server that
/// stops answering mid-conversation fails the poll instead of holding it.
pub const FETCH_LIMIT: Duration = Duration::from_secs(30 * 60);

/// What one poll of one source did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PollReport {
    /// The source.
    pub source_id: SourceId,
    /// Items fetched (0 when unchanged).
    pub items: usize,
    /// Ids of mentions seen for the first time.
    pub new_mentions: Vec<i64>,
    /// New sightings of mentions already known.
    pub sightings: usize,
    /// What came of the replies to alert mails it read.
    pub replies: Vec<Outcome>,
    /// The error, when the fetch failed.
    pub error: Option<String>,
    /// Seconds until the next poll.
    pub next_in_secs: i64,
}

/// How running sources are told to stop.
#[derive(Debug, Clone, Default)]
pub struct Stop {
    /// Start no new poll: polls in progress run to their commit (a reload).
    pub finish: CancellationToken,
    /// Abandon fetches in progress too; writes in progress still finish
    /// (a shutdown, which cancels `finish` as well).
    pub abandon: CancellationToken,
}

impl Stop {
    /// Both at once, on one token: for a single pass.
    pub fn on(token: &CancellationToken) -> Stop {
        Stop {
            finish: token.clone(),
            abandon: token.clone(),
        }
    }
}

/// Polls sources into the store through the pipeline.
#[derive(Debug)]
pub struct Poller {
    store: Store,
    pipeline: Arc<Pipeline>,
    backoff: Backoff,
    /// Polls in progress, fetch to queued write. Without this bound,
    /// fetches outrun the store's one thread and parsed feeds pile up in
    /// memory waiting for it; the store's bounded queue holds the rest.
    slots: Arc<Semaphore>,
    /// Sources being polled: `None` while waiting for a slot, then the
    /// Unix second the fetch began. What `/healthz` needs to tell a busy
    /// scheduler from a stuck one.
    polling: Mutex<HashMap<String, Option<i64>>>,
    /// Acts on replies to alert mails, when they act.
    replies: Option<Arc<Desk>>,
    /// Counts the times the last poll in progress ended: what
    /// [`Poller::release_when_idle`] waits for.
    idle: watch::Sender<u64>,
    /// This daemon's leases on sources, when several share the database.
    leases: lease::Leases,
}

/// Takes a source off [`Poller::polling`] when its poll ends, however.
struct Polling<'a> {
    poller: &'a Poller,
    id: String,
}

impl Drop for Polling<'_> {
    fn drop(&mut self) {
        if let Ok(mut polling) = self.poller.polling.lock() {
            polling.remove(&self.id);
            if polling.is_empty() {
                self.poller.idle.send_modify(|n| *n += 1);
            }
        }
    }
}

impl Poller {
    /// A poller writing to `store`, with at most `concurrency` polls in
    /// progress at once.
    pub fn new(
        store: Store,
        pipeline: Arc<Pipeline>,
        backoff: Backoff,
        concurrency: usize,
    ) -> Self {
        Poller {
            store,
            pipeline,
            backoff,
            slots: Arc::new(Semaphore::new(concurrency.max(1))),
            polling: Mutex::default(),
            replies: None,
            idle: watch::Sender::new(0),
            leases: lease::Leases::new(DEFAULT_LEASE),
        }
    }

    /// Leases sources for `length` at a time when several daemons share
    /// the database (`[storage] lease`).
    pub fn with_lease(mut self, length: Duration) -> Self {
        self.leases = lease::Leases::new(length);
        self
    }

    /// Acts on the replies a `role = "replies"` mailbox reads, at `desk`.
    pub fn with_replies(mut self, desk: Option<Desk>) -> Self {
        self.replies = desk.map(Arc::new);
        self
    }

    /// The sources being polled now: `None` while a poll waits for a slot
    /// (behind `[http] max_concurrency`), else the Unix second its fetch
    /// began.
    pub fn polling(&self) -> HashMap<String, Option<i64>> {
        self.polling.lock().map(|p| p.clone()).unwrap_or_default()
    }

    fn begin(&self, id: &str) -> Polling<'_> {
        self.mark(id, None);
        Polling {
            poller: self,
            id: id.to_string(),
        }
    }

    fn mark(&self, id: &str, fetching_since: Option<i64>) {
        if let Ok(mut polling) = self.polling.lock() {
            polling.insert(id.to_string(), fetching_since);
        }
    }

    /// Registers the sources' rows in the store (idempotent), all or none.
    pub async fn register(&self, sources: &[Arc<dyn Source>]) -> Result<(), StoreError> {
        let rows: Vec<_> = sources
            .iter()
            .map(|s| (s.id().to_string(), s.kind(), s.location().to_string()))
            .collect();
        self.store
            .write(move |tx| {
                for (id, kind, url) in &rows {
                    sources::register(tx, id, kind, url)?;
                }
                Ok(())
            })
            .await
    }

    /// Polls `source` once, now; on a shared database, only when it is due
    /// and no other daemon holds its lease. `stop.finish` before a slot is free
    /// cancels the poll; `stop.abandon` cancels the fetch, but never a write
    /// in progress. Returns `None` when stopped before anything was stored.
    /// A fetch that panics (a bug on some input) counts as a failure of the
    /// source, like any other.
    pub async fn poll_once(
        &self,
        source: &dyn Source,
        stop: &Stop,
    ) -> Result<Option<PollReport>, StoreError> {
        self.poll(source, stop, true).await
    }

    /// [`Poller::poll_once`], due or not (`vigia poll`): on a shared
    /// database, unless another daemon polls it at this moment.
    pub async fn poll_now(
        &self,
        source: &dyn Source,
        stop: &Stop,
    ) -> Result<Option<PollReport>, StoreError> {
        self.poll(source, stop, false).await
    }

    async fn poll(
        &self,
        source: &dyn Source,
        stop: &Stop,
        due_only: bool,
    ) -> Result<Option<PollReport>, StoreError> {
        let id = source.id().clone();
        let _polling = self.begin(&id);
        let slot = tokio::select! {
            biased;
            () = stop.finish.cancelled() => return Ok(None),
            // The semaphore is never closed.
            slot = self.slots.acquire() => slot.ok(),
        };
        self.mark(&id, Some(store::now()));
        let state = match self.leases.take(&self.store, &id, due_only).await? {
            sources::Lease::Ours(state) => state,
            // Another daemon polls it: look again when it may be due.
            sources::Lease::Elsewhere { until } => {
                return Ok(Some(PollReport {
                    source_id: id,
                    next_in_secs: (until - store::now()).max(1),
                    ..PollReport::default()
                }))
            }
        };
        let cursor = state.as_ref().map(|s| s.cursor.clone()).unwrap_or_default();
        let failures = state.map_or(0, |s| s.error_count);
        let fetch = AssertUnwindSafe(source.fetch(&cursor)).catch_unwind();
        let fetch = self.leases.hold(&self.store, &id, fetch);
        let fetched = tokio::select! {
            biased;
            () = stop.abandon.cancelled() => return Ok(None),
            fetched = tokio::time::timeout(FETCH_LIMIT, fetch) => match fetched {
                Ok(Ok(fetched)) => fetched,
                Ok(Err(panic)) => Err(panicked(&*panic)),
                Err(_) => Err(SourceError::transient(format!(
                    "the fetch did not finish in {} min",
                    FETCH_LIMIT.as_secs() / 60
                ))),
            },
        };
        match fetched {
            // A result that cannot be stored (a bug on some input, a full
            // disk) counts as a failure of the source: logged, shown in
            // `feeds status`, retried with backoff.
            Ok(fetched) => match self
                .store_fetched(source, (fetched, cursor.position.as_deref()), slot)
                .await
            {
                Ok(report) => Ok(Some(report)),
                Err(error) => {
                    let error = SourceError::transient(format!(
                        "fetched, but the result could not be stored: {error}"
                    ));
                    self.store_failure(&id, failures + 1, error, Stage::Store)
                        .await
                        .map(Some)
                }
            },
            Err(error) => self
                .store_failure(&id, failures + 1, error, Stage::Fetch)
                .await
                .map(Some),
        }
    }

    /// Stores what a fetch found; `slot` is let go once the write is
    /// queued, so the next fetch starts while this one's write waits.
    async fn store_fetched(
        &self,
        source: &dyn Source,
        (mut fetched, position): (Fetched, Option<&str>),
        slot: Option<SemaphorePermit<'_>>,
    ) -> Result<PollReport, StoreError> {
        let id = source.id().clone();
        let mut delay = source
            .interval()
            .max(fetched.not_before.unwrap_or_default().min(self.backoff.max));
        // A feed with more items than a poll reads: the newest now, the
        // rest by the next polls, which come sooner and fetch the whole
        // feed again (no validators: an unchanged feed still has a
        // backlog).
        if source.kind() == "rss" && !fetched.items.is_empty() {
            let cap = limits::get(Limit::ItemsPerPoll);
            let (items, left) = backlog::take(
                std::mem::take(&mut fetched.items),
                Backlog::parse(position),
                cap,
            );
            fetched.items = items;
            fetched.cursor.position = left.as_ref().map(Backlog::encode);
            if left.is_some() {
                limits::applied(Limit::ItemsPerPoll);
                fetched.cursor.etag = None;
                fetched.cursor.last_modified = None;
                delay = delay.min(BACKLOG_DELAY);
            }
        } else if source.kind() == "rss" {
            // Unchanged (HTTP 304): the backlog, if any, waits as it was.
            fetched.cursor.position = position.map(str::to_string);
        }
        // Normalize and match off the executor and before taking the
        // store: the single writer only waits for SQL.
        let (pipeline, key) = (self.pipeline.clone(), id.clone());
        let items = fetched.items.len();
        let candidates: Vec<_> = tokio::task::spawn_blocking(move || {
            fetched
                .items
                .iter()
                .flat_map(|item| pipeline.process(&key, item))
                .collect()
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?;
        let cursor = fetched.cursor;
        let (replies, desk) = (fetched.replies, self.replies.clone());
        for warning in &fetched.warnings {
            warn!(source = %id, %warning, "Source needs a look.");
        }
        let warning = (!fetched.warnings.is_empty()).then(|| fetched.warnings.join("; "));
        let pipeline = self.pipeline.clone();
        let owner = self.leases.owner().to_string();
        let written = self
            .store
            // One write transaction, IMMEDIATE: the write lock is taken
            // before reading, so that another process writing meanwhile makes
            // this wait rather than fail with a stale read snapshot.
            .queue_write(move |tx| {
                let now = store::now();
                let mut report = PollReport {
                    source_id: id.clone(),
                    items,
                    ..PollReport::default()
                };
                for candidate in &candidates {
                    match mentions::record(tx, candidate, now)? {
                        Recorded::New(m) => {
                            triage::triage_new(
                                tx,
                                m,
                                &candidate.brand,
                                candidate.sentiment.polarity.compound,
                                &candidate.triage,
                                pipeline.policy(),
                                now,
                            )?;
                            report.new_mentions.push(m);
                        }
                        Recorded::Sighting(_) => report.sightings += 1,
                        Recorded::Known(_) => {}
                    }
                }
                for reply in &replies {
                    match &desk {
                        Some(desk) => report.replies.push(desk.take(tx, reply, now)?),
                        None => report.replies.push(Outcome::Ignored {
                            sender: reply.sender.clone(),
                            reason: "replies do not act: [mail] reply_to is not set".into(),
                        }),
                    }
                }
                report.next_in_secs = delay.as_secs() as i64;
                let next = now + report.next_in_secs;
                let found = report.new_mentions.len();
                let done = sources::Success {
                    owner: &owner,
                    cursor: &cursor,
                    now,
                    next_check_at: next,
                    items,
                    mentions: found,
                    warning: warning.as_deref(),
                };
                sources::record_success(tx, &id, &done)?;
                Ok(report)
            })
            .await?;
        drop(slot);
        let report = written.await?;
        for outcome in &report.replies {
            match outcome {
                Outcome::Acted { sender, summary } => {
                    info!(source = %report.source_id, %sender, %summary, "Reply acted.")
                }
                Outcome::Ignored { sender, reason } => {
                    warn!(source = %report.source_id, %sender, %reason, "Reply ignored; nothing changed.")
                }
                Outcome::Again => {}
            }
        }
        info!(
            source = %report.source_id,
            items = report.items,
            new_mentions = report.new_mentions.len(),
            sightings = report.sightings,
            next_in_secs = report.next_in_secs,
            "Polled source."
        );
        Ok(report)
    }

    async fn store_failure(
        &self,
        id: &str,
        failures: u32,
        error: SourceError,
        stage: Stage,
    ) -> Result<PollReport, StoreError> {
        let (retry_after, permanent) = match &error {
            SourceError::Transient { retry_after, .. } => (*retry_after, false),
            SourceError::Permanent(_) => (None, true),
        };
        let delay = self.backoff.delay(failures, retry_after, permanent);
        let message = error.to_string();
        let what = match stage {
            Stage::Fetch => "Fetch failed.",
            Stage::Store => "Poll result not stored.",
        };
        warn!(
            source = %id,
            error = %message,
            failures,
            permanent,
            retry_in_secs = delay.as_secs(),
            "{what}"
        );
        let (key, text) = (id.to_string(), message.clone());
        let (secs, owner) = (delay.as_secs() as i64, self.leases.owner().to_string());
        self.store
            .call(move |c| {
                let now = store::now();
                sources::record_failure(c, &key, (&owner, &text), now, now + secs)
            })
            .await?;
        Ok(PollReport {
            source_id: SourceId::from(id),
            error: Some(message),
            next_in_secs: secs,
            ..PollReport::default()
        })
    }

    /// Seconds until `source` is due, from its stored schedule.
    pub async fn due_in(&self, source: &dyn Source) -> Result<Duration, StoreError> {
        let id = source.id().clone();
        let state = self.store.call(move |c| sources::load(c, &id)).await?;
        let next = state.map_or(0, |s| s.next_check_at);
        Ok(Duration::from_secs((next - store::now()).max(0) as u64))
    }
}

/// Where a poll failed, for the log.
#[derive(Debug, Clone, Copy)]
enum Stage {
    /// Fetching or parsing.
    Fetch,
    /// Writing the result to the store.
    Store,
}

/// What a panicking fetch becomes: a transient failure with its message.
fn panicked(panic: &(dyn std::any::Any + Send)) -> SourceError {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into());
    SourceError::transient(format!("the fetch panicked (a bug in Vigia): {message}"))
}

#[cfg(test)]
mod tests;

/// How soon a feed with items left over is polled again.
const BACKLOG_DELAY: Duration = Duration::from_secs(60);
