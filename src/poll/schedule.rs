//! Running sources on their schedules: one queue for every source that
//! only waits for its time, one task for each that can be woken early.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use tokio::task::JoinSet;
use tracing::{debug, error, warn};

use super::{panicked, PollReport, Poller, Stop};
use crate::source::Source;
use crate::store::{self, sources, StoreError};

/// The longest wait between two readings of the schedules: timers run on
/// the monotonic clock, which stands still while the machine sleeps, and
/// a schedule is wall-clock time (and another `vigia poll` may move it).
const MAX_WAIT: Duration = Duration::from_secs(5 * 60);

/// How soon a source is tried again when its poll could not be stored,
/// or the schedule could not be read.
const RETRY: i64 = 60;

/// Runs `sources` until `stop.finish`, each polled when due. Those that
/// can be woken early ([`Source::can_wake`]: IMAP IDLE) get a task each
/// (`run_source`); the rest share one queue ordered by due time, so an
/// idle daemon holds a few bytes per source instead of a task each (10,000
/// waiting tasks held 9.6 MB, scattered through the heap, measured). Polls
/// in progress when `stop.finish` comes run to their end as
/// [`Poller::poll_once`] says.
pub async fn run_sources(poller: Arc<Poller>, sources: Vec<Arc<dyn Source>>, stop: Stop) {
    let (waking, queued): (Vec<_>, Vec<_>) = sources.into_iter().partition(|s| s.can_wake());
    let mut tasks = JoinSet::new();
    for source in waking {
        tasks.spawn(run_source(poller.clone(), source, stop.clone()));
    }
    let mut queue = Queue::new(queued);
    let mut polls = JoinSet::new();
    'run: loop {
        if let Err(error) = queue.read(&poller).await {
            warn!(%error, "Cannot read the sources' schedules; retrying in a minute.");
            queue.retry_all_in(RETRY);
        }
        let read_at = tokio::time::Instant::now();
        loop {
            for (index, source) in queue.take_due(store::now()) {
                let (poller, stop) = (poller.clone(), stop.clone());
                polls.spawn(async move {
                    let poll = AssertUnwindSafe(poller.poll_once(source.as_ref(), &stop));
                    (index, poll.catch_unwind().await)
                });
            }
            let until_read = MAX_WAIT.saturating_sub(read_at.elapsed());
            let wait = queue.next_in(store::now()).min(until_read);
            tokio::select! {
                () = stop.finish.cancelled() => break 'run,
                Some(joined) = polls.join_next() => match joined {
                    Ok((index, result)) => queue.done(index, result),
                    Err(error) => error!(%error, "A poll ended abnormally."),
                },
                Some(joined) = tasks.join_next() => log_panic(joined),
                () = tokio::time::sleep(wait) => if until_read <= wait { break },
            }
        }
    }
    while let Some(joined) = polls.join_next().await {
        if let Err(error) = joined {
            error!(%error, "A poll ended abnormally.");
        }
    }
    while let Some(joined) = tasks.join_next().await {
        log_panic(joined);
    }
}

/// What one poll returns.
type Polled = Result<Option<PollReport>, StoreError>;

/// The sources that wait for their time, and when each is due.
struct Queue {
    sources: Vec<Arc<dyn Source>>,
    /// Each source's due time (Unix seconds); `None` while it is polled.
    due: Vec<Option<i64>>,
    /// (due time, index), earliest first; an entry whose time is no
    /// longer the source's is stale and skipped.
    order: BinaryHeap<Reverse<(i64, usize)>>,
}

impl Queue {
    fn new(sources: Vec<Arc<dyn Source>>) -> Self {
        let due = vec![Some(0); sources.len()];
        Queue {
            sources,
            due,
            order: BinaryHeap::new(),
        }
    }

    /// Reads every waiting source's due time from the store, in one query.
    async fn read(&mut self, poller: &Poller) -> Result<(), StoreError> {
        let stored = poller.store.call(|c| sources::schedule(c)).await?;
        for (source, due) in self.sources.iter().zip(&mut self.due) {
            if let Some(due) = due {
                // Never registered (a source added since): due now.
                *due = stored.get(source.id().as_str()).copied().unwrap_or(0);
            }
        }
        self.reorder();
        Ok(())
    }

    /// Every waiting source due in `secs`, when the schedule is unreadable.
    fn retry_all_in(&mut self, secs: i64) {
        let at = store::now() + secs;
        for due in self.due.iter_mut().flatten() {
            *due = (*due).max(at);
        }
        self.reorder();
    }

    fn reorder(&mut self) {
        let entries = self.due.iter().enumerate();
        self.order = entries
            .filter_map(|(i, due)| due.map(|at| Reverse((at, i))))
            .collect();
    }

    /// The sources due at `now`, marked as being polled.
    fn take_due(&mut self, now: i64) -> Vec<(usize, Arc<dyn Source>)> {
        let mut taken = Vec::new();
        while let Some(&Reverse((at, i))) = self.order.peek() {
            if at > now {
                break;
            }
            self.order.pop();
            if self.due[i] == Some(at) {
                self.due[i] = None;
                taken.push((i, self.sources[i].clone()));
            }
        }
        taken
    }

    /// How long until the next source is due.
    fn next_in(&self, now: i64) -> Duration {
        self.order.peek().map_or(MAX_WAIT, |Reverse((at, _))| {
            Duration::from_secs((at - now).max(0) as u64)
        })
    }

    /// Files source `index` again once its poll ended with `result`.
    fn done(&mut self, index: usize, result: std::thread::Result<Polled>) {
        let source = &self.sources[index];
        let next_in = match result {
            Ok(Ok(Some(report))) => report.next_in_secs,
            // Stopped before anything was stored: due as it was.
            Ok(Ok(None)) => 0,
            Ok(Err(error)) => {
                warn!(source = %source.id(), %error, "Cannot store poll result; retrying in a minute.");
                RETRY
            }
            // A bug: said loudly, and the source goes on.
            Err(panic) => {
                let error = panicked(&*panic);
                error!(source = %source.id(), %error, "A poll ended abnormally; retrying in a minute.");
                RETRY
            }
        };
        debug!(source = %source.id(), wait_secs = next_in, "Waiting until due.");
        let at = store::now() + next_in;
        self.due[index] = Some(at);
        self.order.push(Reverse((at, index)));
    }
}

/// Runs one source that can be woken early until `stop`: wait until due
/// or woken, poll, repeat. A long wait is taken in steps of at most
/// `MAX_WAIT`, the schedule read again after each.
async fn run_source(poller: Arc<Poller>, source: Arc<dyn Source>, stop: Stop) {
    loop {
        let wait = match poller.due_in(source.as_ref()).await {
            Ok(wait) => wait,
            Err(error) => {
                warn!(source = %source.id(), %error, "Cannot read source state; retrying in a minute.");
                Duration::from_secs(RETRY as u64)
            }
        };
        debug!(source = %source.id(), wait_secs = wait.as_secs(), "Waiting until due.");
        let step = wait.min(MAX_WAIT);
        let began = tokio::time::Instant::now();
        tokio::select! {
            () = stop.finish.cancelled() => break,
            () = source.wait_for_change(step), if !step.is_zero() => {}
            () = std::future::ready(()), if step.is_zero() => {}
        }
        // A step that ran its course short of the due time: wait on. One
        // that ended early (IMAP IDLE saw new mail) polls now.
        if wait > step && began.elapsed() >= step {
            continue;
        }
        // Boxed: the task lives as long as the daemon, mostly waiting,
        // and a poll's state inline made it 2.2 KB; boxed, that exists
        // while the poll runs.
        match Box::pin(poller.poll_once(source.as_ref(), &stop)).await {
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(error) => {
                warn!(source = %source.id(), %error, "Cannot store poll result; retrying in a minute.");
                tokio::select! {
                    () = stop.finish.cancelled() => break,
                    () = tokio::time::sleep(Duration::from_secs(RETRY as u64)) => {}
                }
            }
        }
    }
    debug!(source = %source.id(), "Source stopped.");
}

/// A task of a generation that panicked (a bug): said loudly. A source
/// it ran stops, which `/healthz` reports once it falls overdue.
pub(crate) fn log_panic(joined: Result<(), tokio::task::JoinError>) {
    if let Err(error) = joined {
        error!(%error, "A source task ended abnormally.");
    }
}

#[cfg(test)]
mod tests;
