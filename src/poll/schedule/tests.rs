//! The queue and the tasks, on a real store and real time.

use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use tokio::sync::Notify;

use super::super::tests::poller_in;
use super::*;
use crate::name::SourceId;
use crate::source::{Cursor, Fetched, SourceError};

/// A source that counts its fetches; `wakes` makes it one that can be
/// woken early, by `wake`.
struct Counted {
    id: SourceId,
    every: Duration,
    fetches: AtomicUsize,
    wakes: bool,
    wake: Notify,
}

impl Counted {
    fn new(id: &str, every_secs: u64, wakes: bool) -> Arc<Counted> {
        Arc::new(Counted {
            id: id.into(),
            every: Duration::from_secs(every_secs),
            fetches: AtomicUsize::new(0),
            wakes,
            wake: Notify::new(),
        })
    }

    fn fetches(&self) -> usize {
        self.fetches.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl Source for Counted {
    fn id(&self) -> &SourceId {
        &self.id
    }
    fn kind(&self) -> &'static str {
        "rss"
    }
    fn location(&self) -> &str {
        "https://example.com/feed"
    }
    fn interval(&self) -> Duration {
        self.every
    }
    async fn fetch(&self, _cursor: &Cursor) -> Result<Fetched, SourceError> {
        self.fetches.fetch_add(1, Ordering::SeqCst);
        Ok(Fetched::default())
    }
    async fn wait_for_change(&self, timeout: Duration) {
        let _ = tokio::time::timeout(timeout, self.wake.notified()).await;
    }
    fn can_wake(&self) -> bool {
        self.wakes
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn each_source_is_polled_on_its_interval_and_a_waking_one_when_woken() {
    let dir = tempfile::tempdir().unwrap();
    let poller = poller_in(&dir, 4);
    let often = Counted::new("often", 1, false);
    let seldom = Counted::new("seldom", 3600, false);
    let waking = Counted::new("waking", 3600, true);
    let sources: Vec<Arc<dyn Source>> = vec![often.clone(), seldom.clone(), waking.clone()];
    poller.register(&sources).await.unwrap();
    let stop = Stop::default();
    let run = tokio::spawn(run_sources(poller.clone(), sources, stop.clone()));

    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(waking.fetches(), 1, "polled once, when due");
    waking.wake.notify_one();
    tokio::time::sleep(Duration::from_millis(2000)).await;
    stop.finish.cancel();
    run.await.unwrap();

    assert!(often.fetches() >= 2, "every second: {}", often.fetches());
    assert_eq!(seldom.fetches(), 1, "hourly: once");
    assert_eq!(waking.fetches(), 2, "once when due, once when woken");
    // What the queue read and wrote is the store's schedule.
    let due = poller.store.call(|c| sources::schedule(c)).await.unwrap();
    assert!(due["seldom"] >= store::now() + 3500, "{due:?}");
}

#[test]
fn the_queue_hands_out_what_is_due_once_and_files_it_again_when_done() {
    let (a, b) = (Counted::new("a", 60, false), Counted::new("b", 60, false));
    let mut queue = Queue::new(vec![a, b]);
    queue.due = vec![Some(100), Some(50)];
    queue.reorder();

    assert!(queue.take_due(49).is_empty());
    assert_eq!(queue.next_in(49), Duration::from_secs(1));
    let taken: Vec<usize> = queue.take_due(100).into_iter().map(|(i, _)| i).collect();
    assert_eq!(taken, [1, 0], "earliest first");
    assert!(queue.take_due(1_000).is_empty(), "being polled: not again");
    assert_eq!(queue.next_in(100), MAX_WAIT, "nothing waits");

    // A poll that panicked is retried a minute on, not lost.
    let now = store::now();
    queue.done(0, Err(Box::new("a bug")));
    assert!(queue.take_due(now + RETRY - 1).is_empty());
    assert_eq!(queue.take_due(now + RETRY + 1).len(), 1);

    // An unreadable schedule puts every waiting source a minute off.
    queue.done(1, Ok(Ok(None)));
    queue.retry_all_in(60);
    assert!(queue.take_due(now + 59).is_empty());
}
