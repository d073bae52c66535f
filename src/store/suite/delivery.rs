//! What goes out: the outbox, the alert queue, spikes and digests.

use super::{candidate, record, urgent};
use crate::store::digest::{gather, Scope};
use crate::store::outbox::{self, NewMail};
use crate::store::spikes::{self, Spike};
use crate::store::{alerts, Store};

const T0: i64 = 1_800_000_000;

fn enqueue(store: &Store, key: &'static str) -> Option<i64> {
    store
        .write_blocking(move |tx| {
            let to = ["team@example.com".to_string()];
            let mail = NewMail {
                key,
                kind: "alert",
                from: "vigia@example.com",
                to: &to,
                subject: "Lumora: 1 urgent mention",
                message: b"Subject: alert\r\n\r\n\xff binary-safe body\r\n",
            };
            outbox::enqueue(tx, &mail, T0)
        })
        .unwrap()
}

crate::both_backends! {
    fn a_mail_is_queued_once_and_its_body_dropped_once_sent(store) {
        let id = enqueue(&store, "alert:1").expect("queued");
        assert_eq!(enqueue(&store, "alert:1"), None);
        let due = store.call_blocking(|c| outbox::claim(c, "d1", T0, 60)).unwrap().unwrap();
        assert_eq!(due.id, id);
        assert!(due.message.ends_with(b"\xff binary-safe body\r\n"));
        store.write_blocking(move |tx| outbox::mark_sent(tx, id, T0 + 1)).unwrap();
        let state = store.call_blocking(move |c| outbox::state(c, id)).unwrap();
        assert_eq!(state, Some((Some(T0 + 1), None, None, T0)));
        let rows = store.call_blocking(|c| outbox::list(c, true, 10)).unwrap();
        let listed: Vec<(&str, u32)> = rows.iter().map(|r| (r.state.as_str(), r.attempts)).collect();
        assert_eq!(listed, [("sent", 1)]);
        assert!(store.call_blocking(|c| outbox::list(c, false, 10)).unwrap().is_empty());
        assert!(store.call_blocking(|c| outbox::queued(c, "alert:1")).unwrap());
    }

    fn a_refused_mail_waits_for_a_retry_and_a_paused_outbox_says_why(store) {
        let id = enqueue(&store, "alert:2").expect("queued");
        store
            .write_blocking(move |tx| {
                outbox::mark_failed(tx, id, "451 try later", Some(T0 + 300), T0)?;
                outbox::mark_failed(tx, id, "550 no such user", None, T0 + 300)
            })
            .unwrap();
        let (sent, failed, error, next) =
            store.call_blocking(move |c| outbox::state(c, id)).unwrap().unwrap();
        assert_eq!((sent, failed, next), (None, Some(T0 + 300), T0 + 300));
        assert_eq!(error.as_deref(), Some("550 no such user"));
        let rows = store.call_blocking(|c| outbox::list(c, false, 10)).unwrap();
        assert_eq!(rows.iter().map(|r| (r.state.as_str(), r.attempts)).collect::<Vec<_>>(), [("failed", 2)]);
        assert!(store.call_blocking(|c| outbox::claim(c, "d", T0 + 400, 60)).unwrap().is_none());
        let retried = store.write_blocking(|tx| outbox::retry(tx, Some(id), T0 + 500)).unwrap();
        assert_eq!(retried, 1);
        let due = store.call_blocking(|c| outbox::claim(c, "d", T0 + 500, 60)).unwrap();
        assert_eq!(due.map(|d| d.id), Some(id));

        assert_eq!(store.call_blocking(|c| outbox::paused(c)).unwrap(), None);
        assert!(store.write_blocking(|tx| outbox::pause(tx, "535 bad login", T0)).unwrap());
        assert!(!store.write_blocking(|tx| outbox::pause(tx, "535 bad login", T0 + 9)).unwrap());
        assert_eq!(
            store.call_blocking(|c| outbox::paused(c)).unwrap(),
            Some(("535 bad login".to_string(), T0))
        );
        store.write_blocking(|tx| outbox::resume(tx)).unwrap();
        assert_eq!(store.call_blocking(|c| outbox::paused(c)).unwrap(), None);
    }

    fn an_urgent_mention_waits_in_the_alert_queue_until_its_mail_is_sent(store) {
        let urgent = urgent(&store, T0);
        record(&store, candidate("f", "2", "Lumora lamps are fine", ""), T0);
        let pending = store.call_blocking(|c| alerts::pending(c, T0 - 86_400)).unwrap();
        let queued: Vec<(i64, i64)> = pending
            .values()
            .flatten()
            .map(|(queue_id, item)| (*queue_id, item.id))
            .collect();
        assert_eq!(queued.iter().map(|q| q.1).collect::<Vec<_>>(), [urgent]);
        let teams = store.call_blocking(move |c| alerts::teams_of(c, &[urgent])).unwrap();
        assert_eq!(teams, pending.keys().cloned().collect::<Vec<_>>());
        let mail = enqueue(&store, "alert:urgent").expect("queued");
        let ids: Vec<i64> = queued.iter().map(|q| q.0).collect();
        store.write_blocking(move |tx| alerts::attach(tx, &ids, Some(mail), T0 + 5)).unwrap();
        assert!(store.call_blocking(|c| alerts::pending(c, 0)).unwrap().is_empty());
        let worst = store
            .call_blocking(|c| alerts::negatives(c, "Lumora", -0.5, T0 - 1))
            .unwrap();
        assert_eq!(worst.iter().map(|w| w.id).collect::<Vec<_>>(), [urgent]);
    }

    fn spikes_read_negative_mentions_and_record_what_they_found(store) {
        for (i, title) in [
            "Lumora lamps broke, terrible and awful",
            "Lumora support is horrible, worst ever",
            "Lumora lamps are wonderful, I love them",
        ]
        .into_iter()
        .enumerate()
        {
            record(&store, candidate("f", &i.to_string(), title, ""), T0 + i as i64 * 60);
        }
        let (count, negatives, brands, drivers) = store
            .call_blocking(|c| {
                Ok((
                    spikes::count_negative(c, "Lumora", -0.3, (T0 - 1, T0 + 3600))?,
                    spikes::negatives(c, "Lumora", -0.3, (T0 - 1, T0 + 3600))?,
                    spikes::active_brands(c, T0 - 1)?,
                    spikes::drivers(c, ("Lumora", -0.3, T0 - 1), 3)?,
                ))
            })
            .unwrap();
        assert_eq!(count, 2);
        assert_eq!(negatives.iter().map(|n| n.0).collect::<Vec<_>>(), [T0, T0 + 60]);
        assert_eq!(brands, [("Lumora".to_string(), T0)]);
        assert_eq!(drivers.sources, [("f".to_string(), 2)]);
        let id = store
            .write_blocking(|tx| {
                let spike = Spike { brand: "Lumora", detected_at: T0 + 120, count: 2, expected: 0.25, p: 0.001 };
                let id = spikes::record(tx, &spike)?;
                let mail = outbox::enqueue(tx, &NewMail {
                    key: "spike:Lumora",
                    kind: "alert",
                    from: "vigia@example.com",
                    to: &["team@example.com".to_string()],
                    subject: "spike",
                    message: b"Subject: spike\r\n\r\n",
                }, T0 + 120)?;
                spikes::set_outbox(tx, id, mail)?;
                Ok(id)
            })
            .unwrap();
        assert!(id > 0);
        assert_eq!(store.call_blocking(|c| spikes::last(c, "Lumora")).unwrap(), Some(T0 + 120));
        let history = store.call_blocking(|c| spikes::history(c, T0 - 1, false)).unwrap();
        assert_eq!(history.len(), 3);
        assert!(history.iter().filter(|p| p.compound <= -0.3).count() == 2);
    }

    fn a_digest_counts_the_period_and_lists_what_needs_doing(store) {
        let urgent = urgent(&store, T0);
        record(&store, candidate("f", "2", "Lumora lamps are wonderful, I love them", ""), T0 + 60);
        record(&store, candidate("f", "3", "Lumora opened a shop", ""), T0 - 2 * 86_400);
        let days = [T0 - 86_399, T0];
        let data = store
            .call_blocking(move |c| {
                gather(c, &Scope {
                    team: None,
                    from: T0 - 3600,
                    to: T0 + 3600,
                    day_starts: &days,
                    subject_window: 86_400,
                    act_at: 3,
                    open_after: 0,
                })
            })
            .unwrap();
        assert_eq!(data.action.iter().map(|l| l.id).collect::<Vec<_>>(), [urgent]);
        let (brand, now, before) = &data.brands[0];
        assert_eq!(brand, "Lumora");
        assert_eq!(now.iter().sum::<u32>(), 2);
        assert_eq!(before.iter().sum::<u32>(), 0);
        assert_eq!(data.worst.first().map(|l| l.id), Some(urgent));
        assert!(data.best.iter().any(|l| l.title.contains("wonderful")));
    }
}
