//! What the daemon keeps between polls: each source's cursor, schedule and
//! health, the heartbeat, and the figures `/metrics` and `/healthz` read.

use super::{candidate, record};
use crate::source::Cursor;
use crate::store::sources::{self, Lease, Success};
use crate::store::{beat, created_at, heartbeat_age, metrics, now};

const T0: i64 = 1_800_000_000;

crate::both_backends! {
    fn a_source_keeps_its_cursor_schedule_and_counters(store) {
        let cursor = Cursor {
            etag: Some("\"v2\"".into()),
            last_modified: Some("Tue, 01 Dec 2026 09:00:00 GMT".into()),
            ..Cursor::default()
        };
        let state = store
            .write_blocking(move |tx| {
                sources::register(tx, "news", "rss", "https://news.example/feed")?;
                sources::record_failure(tx, "news", ("d", "timed out"), T0, T0 + 60)?;
                sources::record_failure(tx, "news", ("d", "timed out"), T0 + 60, T0 + 180)?;
                let done = Success {
                    owner: "d",
                    cursor: &cursor,
                    now: T0 + 180,
                    next_check_at: T0 + 480,
                    items: 12,
                    mentions: 3,
                    warning: Some("the selector matched nothing"),
                };
                sources::record_success(tx, "news", &done)?;
                sources::load(tx, "news")
            })
            .unwrap()
            .expect("registered");
        assert_eq!(state.cursor.etag.as_deref(), Some("\"v2\""));
        assert_eq!(state.error_count, 0);
        assert_eq!(state.next_check_at, T0 + 480);
        assert_eq!((state.items_total, state.mentions_total), (12, 3));
        assert_eq!((state.polls_total, state.failures_total), (3, 2));
        assert_eq!(state.last_error.as_deref(), Some("timed out"));
        assert_eq!(state.last_error_at, Some(T0 + 60));
        assert_eq!(state.warning.as_deref(), Some("the selector matched nothing"));
        let schedule = store.call_blocking(|c| sources::schedule(c)).unwrap();
        assert_eq!(schedule.get("news"), Some(&(T0 + 480)));
    }

    fn a_source_whose_url_changed_starts_over(store) {
        let state = store
            .write_blocking(|tx| {
                sources::register(tx, "news", "rss", "https://old.example/feed")?;
                sources::record_failure(tx, "news", ("d", "gone"), T0, T0 + 3600)?;
                // The same URL again (a restart) keeps the backoff...
                sources::register(tx, "news", "rss", "https://old.example/feed")?;
                let kept = sources::load(tx, "news")?.map(|s| s.error_count);
                // ...a new one drops it.
                sources::register(tx, "news", "rss", "https://new.example/feed")?;
                Ok((kept, sources::load(tx, "news")?))
            })
            .unwrap();
        assert_eq!(state.0, Some(1));
        let state = state.1.expect("registered");
        assert_eq!((state.error_count, state.next_check_at), (0, 0));
        assert_eq!(state.config_url, "https://new.example/feed");
        let listed = store.call_blocking(|c| sources::list(c)).unwrap();
        assert_eq!(listed.len(), 1);
    }

    fn a_due_source_is_leased_to_one_daemon_until_it_is_polled_or_the_lease_expires(store) {
        store.write_blocking(|tx| sources::register(tx, "news", "rss", "https://n.example/")).unwrap();
        let lease = |owner: &'static str, at: i64| {
            store.call_blocking(move |c| sources::lease(c, "news", (owner, at, 30), true)).unwrap()
        };
        let ours = |l: &Lease| matches!(l, Lease::Ours(Some(s)) if s.id == "news");
        assert!(ours(&lease("a", T0)));
        if !store.is_shared() {
            // One daemon per SQLite file: nothing to lease.
            assert!(ours(&lease("b", T0)));
            return;
        }
        assert_eq!(lease("b", T0 + 1), Lease::Elsewhere { until: T0 + 30 });
        let shown = store.call_blocking(|c| sources::load(c, "news")).unwrap().unwrap();
        assert_eq!((shown.leased_by.as_deref(), shown.leased_until), (Some("a"), Some(T0 + 30)));
        // Renewed while its fetch runs; b's renewal finds no lease of b's.
        let renew = |owner: &'static str, at: i64| {
            store.call_blocking(move |c| sources::renew(c, "news", (owner, at, 30))).unwrap()
        };
        assert!(renew("a", T0 + 20));
        assert!(!renew("b", T0 + 20));
        assert_eq!(lease("b", T0 + 31), Lease::Elsewhere { until: T0 + 50 });
        // a died: its lease expires and b takes the source over; a late
        // word from a (it was only slow) leaves b's lease and state alone.
        assert!(ours(&lease("b", T0 + 51)));
        store
            .write_blocking(|tx| sources::record_failure(tx, "news", ("a", "late"), T0 + 51, T0 + 99))
            .unwrap();
        let held = store.call_blocking(|c| sources::load(c, "news")).unwrap().unwrap();
        assert_eq!((held.leased_by.as_deref(), held.last_error), (Some("b"), None));
        let done = Success {
            owner: "b",
            cursor: &Cursor::default(),
            now: T0 + 52,
            next_check_at: T0 + 352,
            items: 0,
            mentions: 0,
            warning: None,
        };
        store.write_blocking(move |tx| sources::record_success(tx, "news", &done)).unwrap();
        // Polled: nobody's until it is due again, but for `vigia poll`.
        assert_eq!(lease("a", T0 + 60), Lease::Elsewhere { until: T0 + 352 });
        let forced = store
            .call_blocking(|c| sources::lease(c, "news", ("cli", T0 + 60, 30), false))
            .unwrap();
        assert!(ours(&forced));
        assert_eq!(lease("a", T0 + 61), Lease::Elsewhere { until: T0 + 352 });
        store.write_blocking(move |tx| sources::record_success(tx, "news", &done)).unwrap();
        assert!(ours(&lease("a", T0 + 352)));
    }

    fn the_heartbeat_tells_commands_a_daemon_runs(store) {
        let age = |at| store.call_blocking(move |c| heartbeat_age(c, at)).unwrap();
        assert_eq!(age(T0), None);
        store.write_blocking(|tx| beat(tx, T0)).unwrap();
        store.write_blocking(|tx| beat(tx, T0 + 5)).unwrap();
        assert_eq!(age(T0 + 7), Some(2));
        let created = store.call_blocking(|c| created_at(c)).unwrap();
        assert!((created - now()).abs() < 600, "{created}");
        let snapshot = store.call_blocking(|c| metrics::snapshot(c)).unwrap();
        assert_eq!(snapshot.heartbeat_at, Some(T0 + 5));
    }

    fn metrics_count_mentions_by_label_and_mail_by_state(store) {
        record(&store, candidate("f", "1", "Lumora lamps are wonderful, I love them", ""), T0);
        record(&store, candidate("f", "2", "Lumora lamps broke, terrible and awful", ""), T0);
        record(&store, candidate("f", "3", "Lumora lamps broke again, horrible", ""), T0);
        let snapshot = store.call_blocking(|c| metrics::snapshot(c)).unwrap();
        let negative = snapshot
            .mentions
            .iter()
            .find(|(brand, label, _)| brand == "Lumora" && label == "negative")
            .map(|m| m.2);
        assert_eq!(negative, Some(2));
        let total: i64 = snapshot.mentions.iter().map(|m| m.2).sum();
        assert_eq!(total, 3);
        assert_eq!((snapshot.outbox_pending, snapshot.outbox_failed), (0, 0));
        // Reads alone, from the reader of reports.
        let schedule = tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(store.read(metrics::schedule))
            .unwrap();
        assert_eq!(schedule.mail_due_since, None);
    }
}
