//! The generic driver every source runs under: schedule, fetch, hand items
//! to the pipeline, store mentions and the cursor in one transaction, back
//! off on failure. State lives in the store, not in task memory, so a
//! restart picks up where the last run left off.

use std::sync::Arc;
use std::time::Duration;

use rusqlite::TransactionBehavior;
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn};

use super::{Fetched, Source, SourceError};
use crate::pipeline::Pipeline;
use crate::store::mentions::{self, Recorded};
use crate::store::{self, sources, triage, Store, StoreError};

/// How long to wait after failures.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// Delay after the first failure.
    pub min: Duration,
    /// Longest delay; also the delay after a permanent failure.
    pub max: Duration,
}

impl Backoff {
    /// Delay before the next attempt after `failures` consecutive failures:
    /// `min`, doubling with each failure, plus up to half again at random
    /// so that feeds failing together do not retry together; at most `max`,
    /// and never shorter than the server's `Retry-After` (up to `max`).
    pub fn delay(&self, failures: u32, retry_after: Option<Duration>, permanent: bool) -> Duration {
        if permanent {
            return self.max;
        }
        let exp = self
            .min
            .saturating_mul(2u32.saturating_pow(failures.saturating_sub(1).min(30)));
        let capped = exp.min(self.max);
        let jittered = (capped + capped.mul_f64(fastrand::f64() / 2.0)).min(self.max);
        jittered.max(retry_after.unwrap_or_default().min(self.max))
    }
}

/// What one poll of one source did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PollReport {
    /// The source.
    pub source_id: String,
    /// Items fetched (0 when unchanged).
    pub items: usize,
    /// Ids of mentions seen for the first time.
    pub new_mentions: Vec<i64>,
    /// New sightings of mentions already known.
    pub sightings: usize,
    /// The error, when the fetch failed.
    pub error: Option<String>,
    /// Seconds until the next poll.
    pub next_in_secs: i64,
}

/// Polls sources into the store through the pipeline.
#[derive(Debug)]
pub struct Poller {
    store: Store,
    pipeline: Arc<Pipeline>,
    backoff: Backoff,
    /// Polls in progress, fetch to commit. Without this bound, fetches
    /// outrun the single writer and parsed feeds pile up in memory (and in
    /// blocking threads) waiting for it.
    slots: Arc<Semaphore>,
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
        }
    }

    /// Registers a source's row in the store (idempotent).
    pub async fn register(&self, source: &dyn Source) -> Result<(), StoreError> {
        let (id, kind, url) = (
            source.id().to_string(),
            source.kind(),
            source.location().to_string(),
        );
        self.store
            .call(move |c| sources::register(c, &id, kind, &url))
            .await
    }

    /// Polls `source` once, now. A shutdown request abandons the fetch but
    /// never a write in progress. Returns `None` when shut down mid-fetch.
    pub async fn poll_once(
        &self,
        source: &dyn Source,
        shutdown: &CancellationToken,
    ) -> Result<Option<PollReport>, StoreError> {
        let _slot = tokio::select! {
            biased;
            () = shutdown.cancelled() => return Ok(None),
            slot = self.slots.acquire() => slot,
        };
        let id = source.id().to_string();
        let key = id.clone();
        let state = self.store.call(move |c| sources::load(c, &key)).await?;
        let cursor = state.as_ref().map(|s| s.cursor.clone()).unwrap_or_default();
        let failures = state.map_or(0, |s| s.error_count);
        let fetched = tokio::select! {
            biased;
            () = shutdown.cancelled() => return Ok(None),
            fetched = source.fetch(&cursor) => fetched,
        };
        match fetched {
            // A result that cannot be stored (a bug on some input, a full
            // disk) counts as a failure of the source: logged, shown in
            // `feeds status`, retried with backoff.
            Ok(fetched) => match self.store_fetched(source, fetched).await {
                Ok(report) => Ok(Some(report)),
                Err(error) => {
                    let error = SourceError::transient(error);
                    self.store_failure(&id, failures + 1, error).await.map(Some)
                }
            },
            Err(error) => self.store_failure(&id, failures + 1, error).await.map(Some),
        }
    }

    async fn store_fetched(
        &self,
        source: &dyn Source,
        fetched: Fetched,
    ) -> Result<PollReport, StoreError> {
        let id = source.id().to_string();
        let delay = source
            .interval()
            .max(fetched.not_before.unwrap_or_default().min(self.backoff.max));
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
        for warning in &fetched.warnings {
            warn!(source = %id, %warning, "Source needs a look.");
        }
        let warning = (!fetched.warnings.is_empty()).then(|| fetched.warnings.join("; "));
        let pipeline = self.pipeline.clone();
        let report = self
            .store
            .call(move |conn| {
                let now = store::now();
                // IMMEDIATE: take the write lock before reading, so that another
                // process writing meanwhile makes this wait (busy_timeout) rather
                // than fail with a stale read snapshot (SQLITE_BUSY_SNAPSHOT).
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let mut report = PollReport {
                    source_id: id.clone(),
                    items,
                    ..PollReport::default()
                };
                for candidate in &candidates {
                    match mentions::record(&tx, candidate, now)? {
                        Recorded::New(m) => {
                            triage::triage_new(
                                &tx,
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
                report.next_in_secs = delay.as_secs() as i64;
                let next = now + report.next_in_secs;
                let found = report.new_mentions.len();
                let done = sources::Success {
                    cursor: &cursor,
                    now,
                    next_check_at: next,
                    items,
                    mentions: found,
                    warning: warning.as_deref(),
                };
                sources::record_success(&tx, &id, &done)?;
                tx.commit()?;
                Ok(report)
            })
            .await?;
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
    ) -> Result<PollReport, StoreError> {
        let (retry_after, permanent) = match &error {
            SourceError::Transient { retry_after, .. } => (*retry_after, false),
            SourceError::Permanent(_) => (None, true),
        };
        let delay = self.backoff.delay(failures, retry_after, permanent);
        let message = error.to_string();
        warn!(
            source = %id,
            error = %message,
            failures,
            permanent,
            retry_in_secs = delay.as_secs(),
            "Fetch failed."
        );
        let (key, text) = (id.to_string(), message.clone());
        let secs = delay.as_secs() as i64;
        self.store
            .call(move |c| {
                let now = store::now();
                sources::record_failure(c, &key, &text, now, now + secs)
            })
            .await?;
        Ok(PollReport {
            source_id: id.to_string(),
            error: Some(message),
            next_in_secs: secs,
            ..PollReport::default()
        })
    }

    /// Seconds until `source` is due, from its stored schedule.
    pub async fn due_in(&self, source: &dyn Source) -> Result<Duration, StoreError> {
        let id = source.id().to_string();
        let state = self.store.call(move |c| sources::load(c, &id)).await?;
        let next = state.map_or(0, |s| s.next_check_at);
        Ok(Duration::from_secs((next - store::now()).max(0) as u64))
    }
}

/// Runs one source until `shutdown`: wait until due, poll, repeat.
pub async fn run_source(poller: Arc<Poller>, source: Arc<dyn Source>, shutdown: CancellationToken) {
    loop {
        let wait = match poller.due_in(source.as_ref()).await {
            Ok(wait) => wait,
            Err(error) => {
                warn!(source = %source.id(), %error, "Cannot read source state; retrying in a minute.");
                Duration::from_secs(60)
            }
        };
        debug!(source = %source.id(), wait_secs = wait.as_secs(), "Waiting until due.");
        tokio::select! {
            () = shutdown.cancelled() => break,
            () = source.wait_for_change(wait), if !wait.is_zero() => {}
            () = std::future::ready(()), if wait.is_zero() => {}
        }
        match poller.poll_once(source.as_ref(), &shutdown).await {
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(error) => {
                warn!(source = %source.id(), %error, "Cannot store poll result; retrying in a minute.");
                tokio::select! {
                    () = shutdown.cancelled() => break,
                    () = tokio::time::sleep(Duration::from_secs(60)) => {}
                }
            }
        }
    }
    debug!(source = %source.id(), "Source stopped.");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_caps_and_honours_retry_after() {
        let b = Backoff {
            min: Duration::from_secs(60),
            max: Duration::from_secs(3600),
        };
        let cases = [
            (1, None, false, 60, 90),
            (2, None, false, 120, 180),
            (4, None, false, 480, 720),
            (20, None, false, 3600, 3600),
            (1, Some(600), false, 600, 600),
            (1, Some(99_999), false, 3600, 3600),
            (1, None, true, 3600, 3600),
        ];
        for (failures, retry_after, permanent, lo, hi) in cases {
            for _ in 0..50 {
                let d = b
                    .delay(failures, retry_after.map(Duration::from_secs), permanent)
                    .as_secs();
                assert!(
                    (lo..=hi).contains(&d),
                    "{failures} {retry_after:?}: {d} not in {lo}..={hi}"
                );
            }
        }
    }
}
