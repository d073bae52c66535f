//! The driver with a real store: backoff, what a panicking fetch becomes,
//! and how a reload and a shutdown stop a poll in progress.

use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use tokio::sync::Notify;

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

/// A source whose fetch waits for a go-ahead, then panics or returns
/// nothing.
struct Scripted {
    id: SourceId,
    go: Notify,
    panic: AtomicBool,
}

#[async_trait]
impl Source for Scripted {
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
        Duration::from_secs(600)
    }
    async fn fetch(&self, _cursor: &crate::source::Cursor) -> Result<Fetched, SourceError> {
        self.go.notified().await;
        if self.panic.load(Ordering::Relaxed) {
            panic!("the page had a bug");
        }
        Ok(Fetched::default())
    }
}

/// A poller on a new store in `dir`, for brand Acme, with `slots` polls
/// in progress at most.
pub(super) fn poller_in(dir: &tempfile::TempDir, slots: usize) -> Arc<Poller> {
    let store = Store::open(&dir.path().join("v.db")).unwrap();
    let brands = [crate::query::matcher::BrandSpec {
        name: "Acme".into(),
        queries: vec!["acme".into()],
    }];
    let matcher = crate::query::matcher::KeywordMatcher::new(&brands).unwrap();
    let backoff = Backoff {
        min: Duration::from_secs(60),
        max: Duration::from_secs(3600),
    };
    let pipeline = Arc::new(Pipeline::new(matcher));
    Arc::new(Poller::new(store, pipeline, backoff, slots))
}

/// A poller on a new store, with a [`Scripted`] source registered.
async fn registered(panic: bool) -> (tempfile::TempDir, Arc<Poller>, Arc<Scripted>) {
    let dir = tempfile::tempdir().unwrap();
    let poller = poller_in(&dir, 2);
    let source = Arc::new(Scripted {
        id: "scripted".into(),
        go: Notify::new(),
        panic: AtomicBool::new(panic),
    });
    poller
        .register(&[source.clone() as Arc<dyn Source>])
        .await
        .unwrap();
    (dir, poller, source)
}

/// One poll of `source`, in a task of its own.
fn spawn_poll(
    poller: &Arc<Poller>,
    source: &Arc<Scripted>,
    stop: &Stop,
) -> tokio::task::JoinHandle<Result<Option<PollReport>, StoreError>> {
    let (poller, source, stop) = (poller.clone(), source.clone(), stop.clone());
    tokio::spawn(async move { poller.poll_once(source.as_ref(), &stop).await })
}

/// Until the poll has its slot and has begun to fetch.
async fn until_fetching(poller: &Poller) {
    while !poller
        .polling()
        .get("scripted")
        .is_some_and(Option::is_some)
    {
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn a_panicking_fetch_is_a_failure_of_the_source_with_backoff() {
    let (_dir, poller, source) = registered(true).await;
    source.go.notify_one();
    let report = poller
        .poll_once(source.as_ref(), &Stop::default())
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no report"));
    let error = report.error.unwrap_or_default();
    assert!(error.contains("the fetch panicked"), "{error}");
    assert!(error.contains("the page had a bug"), "{error}");
    assert!(report.next_in_secs >= 60, "{}", report.next_in_secs);
    let state = poller
        .store
        .call(|c| sources::load(c, "scripted"))
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no row"));
    assert_eq!(state.error_count, 1);
    assert!(poller.polling().is_empty(), "the poll is over");
}

#[tokio::test(flavor = "multi_thread")]
async fn finish_lets_a_fetch_in_progress_commit_and_abandon_drops_it() {
    let (_dir, poller, source) = registered(false).await;

    // A reload (finish) while fetching: the poll runs to its commit.
    let stop = Stop {
        finish: CancellationToken::new(),
        abandon: CancellationToken::new(),
    };
    let task = spawn_poll(&poller, &source, &stop);
    until_fetching(&poller).await;
    stop.finish.cancel();
    source.go.notify_one();
    let report = task.await.unwrap();
    let report = report.unwrap();
    assert!(report.is_some_and(|r| r.error.is_none()), "stored");

    // A shutdown (abandon) while fetching: nothing is stored, the source
    // stays as it was.
    let before = poller.store.call(|c| sources::load(c, "scripted")).await;
    let before = before.unwrap();
    let stop = Stop::default();
    let task = spawn_poll(&poller, &source, &stop);
    until_fetching(&poller).await;
    stop.abandon.cancel();
    let report = task.await.unwrap();
    assert_eq!(report.unwrap(), None);
    let after = poller.store.call(|c| sources::load(c, "scripted")).await;
    assert_eq!(after.unwrap(), before);
    assert!(poller.polling().is_empty());
}
