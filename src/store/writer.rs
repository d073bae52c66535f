//! The one thread that runs the daemon's database work.
//!
//! Every async [`Store::call`](super::Store::call) and
//! [`Store::write`](super::Store::write) is a job sent over a bounded
//! channel to this thread, instead of a blocking-pool task that would then
//! wait on the connection: a poll of thousands of feeds no longer fills
//! tokio's blocking pool with threads queueing for one lock, and a full
//! queue holds the senders back (the fetches behind them wait, so parsed
//! feeds never pile up in memory).
//!
//! Writes are committed in groups: the thread opens one write
//! transaction, runs the write that woke it and then every write already
//! queued (up to [`MAX_BATCH`] of them, or [`MAX_BATCH_TIME`] of work),
//! each inside its own savepoint, and commits once; calls queued among
//! those writes wait for the commit. A write that fails is
//! rolled back to its savepoint alone; its neighbours are kept. No write
//! waits for a batch to fill: a lone write commits at once. A write's
//! result reaches its caller only after the commit, so "written" still
//! means on disk.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::thread::{JoinHandle, ThreadId};
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::db::Connection;
use super::open::Place;
use super::turn::Turn;
use super::{mentions, StoreError, Tx};

/// Writes committed together at most.
const MAX_BATCH: usize = 64;

/// Work a batch takes on at most before it commits, so that a caller
/// whose write came first does not wait long for those that came after.
const MAX_BATCH_TIME: Duration = Duration::from_millis(50);

/// Jobs waiting at most; a sender beyond that waits for room.
const QUEUE: usize = 64;

/// Delivers a write's result once its batch is over: `Ok` when the batch
/// was committed, the reason when it was not.
pub(super) type Deliver = Box<dyn FnOnce(Result<(), &StoreError>) + Send>;

/// What a write did inside its savepoint.
pub(super) struct Written {
    /// Keep its changes (it succeeded) or roll them back.
    pub keep: bool,
    /// Hands its result over when the batch ends.
    pub deliver: Deliver,
}

/// A unit of work for the writer thread.
pub(super) enum Job {
    /// Runs alone with the connection, outside any batch; it delivers its
    /// own result.
    Call(Box<dyn FnOnce(&mut Connection) + Send>),
    /// Runs inside a batch's transaction.
    Write(WriteJob),
}

/// The writer thread of one store, stopped (after finishing its queue)
/// when the last handle on the store is dropped.
#[derive(Debug)]
pub(super) struct Writer {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
    id: ThreadId,
}

impl Writer {
    /// Starts the thread, which takes `turn` before each use of the
    /// connection (giving way to commands waiting for theirs).
    pub fn start(
        conn: Arc<Mutex<Connection>>,
        place: Arc<Place>,
        turn: Arc<Turn>,
    ) -> Result<Writer, StoreError> {
        let (jobs, queue) = mpsc::channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("vigia-store".into())
            .spawn(move || run(&conn, &place, queue, &turn))
            .map_err(|e| StoreError::Task(format!("cannot start the store's thread: {e}")))?;
        Ok(Writer {
            jobs: Some(jobs),
            id: thread.thread().id(),
            thread: Some(thread),
        })
    }

    /// Queues `job`, waiting for room when the queue is full.
    pub async fn send(&self, job: Job) -> Result<(), StoreError> {
        let jobs = self.jobs.as_ref().ok_or_else(stopped)?;
        jobs.send(job).await.map_err(|_| stopped())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        // Closing the channel lets the thread finish what is queued and
        // end; waiting for it means the database is closed (and its WAL
        // checkpointed) when the last handle is gone. A job that dropped
        // the last handle runs on the thread itself, which must not wait
        // for itself.
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            if std::thread::current().id() != self.id {
                let _ = thread.join();
            }
        }
    }
}

/// The error of a job whose reply never came: it panicked, or the store
/// was closing.
pub(super) fn stopped() -> StoreError {
    StoreError::Task(
        "the store's thread dropped the task (it panicked, or the store was closing)".into(),
    )
}

fn run(conn: &Mutex<Connection>, place: &Place, mut queue: mpsc::Receiver<Job>, turn: &Turn) {
    let mut next = VecDeque::new();
    loop {
        let Some(job) = next.pop_front().or_else(|| queue.blocking_recv()) else {
            break;
        };
        next.extend(run_one(conn, place, job, &mut queue, turn));
    }
}

/// Runs `job` (a call, or a batch of writes starting with it) holding the
/// connection and the turn, both let go before waiting for more work.
/// Returns the calls taken from the queue while batching, to run next.
fn run_one(
    conn: &Mutex<Connection>,
    place: &Place,
    job: Job,
    queue: &mut mpsc::Receiver<Job>,
    turn: &Turn,
) -> Vec<Job> {
    let _turn = turn.before_use();
    let mut conn = conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    place.reopen_if_closed(&mut conn);
    match job {
        Job::Call(call) => {
            // A panic drops the call's reply sender: its caller gets an
            // error, and the thread goes on.
            let _ = std::panic::catch_unwind(AssertUnwindSafe(|| call(&mut conn)));
            Vec::new()
        }
        Job::Write(first) => batch(&mut conn, first, queue),
    }
}

/// Runs `first` and the writes queued behind it in one transaction.
/// Calls queued among them (a poll reads each feed's state before
/// fetching it, so they come between every two writes) are set aside
/// until the commit and returned, in their order: ending the batch at
/// each, as before, committed a 2,000-feed first poll feed by feed, and
/// its log took 650 MB for a 16 MB database.
fn batch(conn: &mut Connection, first: WriteJob, queue: &mut mpsc::Receiver<Job>) -> Vec<Job> {
    let transaction = match conn.transaction() {
        Ok(transaction) => transaction,
        Err(error) => {
            (first(Err(&StoreError::from(error))).deliver)(Ok(()));
            return Vec::new();
        }
    };
    let started = Instant::now();
    let mut delivered: Vec<Deliver> = Vec::new();
    let mut outcome = Ok(());
    let mut calls = Vec::new();
    let mut job = Some(first);
    while let Some(write) = job.take() {
        let (deliver, broken) = in_savepoint(&transaction, write);
        delivered.push(deliver);
        if let Err(error) = broken {
            outcome = Err(error);
            break;
        }
        if delivered.len() >= MAX_BATCH || started.elapsed() >= MAX_BATCH_TIME {
            break;
        }
        while let Ok(next) = queue.try_recv() {
            match next {
                Job::Write(write) => {
                    job = Some(write);
                    break;
                }
                call => calls.push(call),
            }
        }
    }
    let outcome = outcome
        .and_then(|()| mentions::index_queued(&transaction))
        .and_then(|()| transaction.commit().map_err(StoreError::from))
        .map_err(|e| StoreError::Task(format!("the write was not committed: {e}")));
    for deliver in delivered {
        deliver(outcome.as_ref().map(|_| ()));
    }
    calls
}

/// A write job: given the batch's transaction (or why there is none),
/// it says whether to keep its changes and how to deliver its result.
pub(super) type WriteJob = Box<dyn FnOnce(Result<&Tx<'_>, &StoreError>) -> Written + Send>;

/// Runs `write` inside a savepoint of `transaction`, rolled back to when
/// the write fails or panics. Returns how to deliver its result, and an
/// error when the savepoint itself failed (the transaction is then
/// unusable and the batch is abandoned).
fn in_savepoint(transaction: &Connection, write: WriteJob) -> (Deliver, Result<(), StoreError>) {
    if let Err(error) = transaction.execute_batch("SAVEPOINT write") {
        let error = StoreError::from(error);
        let written = write(Err(&error));
        return (written.deliver, Err(error));
    }
    let ran = std::panic::catch_unwind(AssertUnwindSafe(|| write(Ok(&Tx(transaction)))));
    let (deliver, keep): (Deliver, bool) = match ran {
        Ok(written) => (written.deliver, written.keep),
        // The panic dropped the write's reply: its caller gets an error.
        Err(_) => (Box::new(|_| {}), false),
    };
    let end = if keep {
        "RELEASE write"
    } else {
        "ROLLBACK TO write; RELEASE write"
    };
    let broken = transaction.execute_batch(end).map_err(StoreError::from);
    (deliver, broken)
}
