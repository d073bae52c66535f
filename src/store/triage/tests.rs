//! Triage through a real store, SQLite's and PostgreSQL's: subjects across mentions, severity
//! rising with recurrence, the alert queue, and follow-up history that
//! survives a restart.

use super::*;
use crate::pipeline::Pipeline;
use crate::query::matcher::{BrandSpec, KeywordMatcher};
use crate::source::RawItem;
use crate::store::{mentions, Store};

fn pipeline() -> Pipeline {
    let brands = [BrandSpec {
        name: "Lumora".into(),
        queries: vec!["lumora".into()],
    }];
    Pipeline::new(KeywordMatcher::new(&brands).unwrap())
}

/// Records one item as a poll would: mention and triage in one transaction.
fn record(store: &Store, p: &Pipeline, key: &str, text: &str, now: i64) -> (i64, Triaged) {
    let item = RawItem {
        guid: Some(key.into()),
        title: Some(text.into()),
        ..RawItem::default()
    };
    let candidates = p.process("feed", &item);
    let candidate = candidates
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no mention in {text:?}"));
    let policy = p.policy().clone();
    store
        .call_blocking(move |c| {
            let tx = c.transaction()?;
            let mentions::Recorded::New(id) = mentions::record(&tx, &candidate, now)? else {
                panic!("not new: {text:?}");
            };
            let compound = candidate.sentiment.polarity.compound;
            let t = triage_new(&tx, id, "Lumora", compound, &candidate.triage, &policy, now)?;
            tx.commit()?;
            Ok((id, t))
        })
        .unwrap()
}

/// Ana moves mention `id` on.
fn follow(
    store: &Store,
    id: i64,
    action: Action,
    note: Option<&'static str>,
    at: i64,
) -> Result<Status, StoreError> {
    store.call_blocking(move |c| {
        follow_up(c, id, action, "ana", note, at).map_err(|e| StoreError::Task(e.to_string()))
    })
}

crate::both_backends! {
fn a_recurring_subject_groups_mentions_and_raises_severity(store) {
    let p = pipeline();
    let day = 86_400;
    let t0 = 1_800_000_000;
    let (a, first) = record(
        &store,
        &p,
        "1",
        "My Lumora order is late, delivery delayed again",
        t0,
    );
    let (_, second) = record(
        &store,
        &p,
        "2",
        "Lumora shipping so slow, still waiting for the package",
        t0 + day,
    );
    let (_, other) = record(&store, &p, "3", "The Lumora app crashes on start", t0 + day);
    let (c, third) = record(
        &store,
        &p,
        "4",
        "Entrega da Lumora atrasada, que demora horrível",
        t0 + 2 * day,
    );
    assert!(first.subject_id.is_some());
    assert_eq!(second.subject_id, first.subject_id, "a paraphrase joins");
    assert_ne!(
        other.subject_id, first.subject_id,
        "an unrelated complaint does not"
    );
    assert_eq!(
        third.subject_id, first.subject_id,
        "nor does a language change keep it apart"
    );
    assert_eq!((first.subject_count, third.subject_count), (1, 3));
    // The third mention makes the subject one to act on: one more point.
    let plain = Policy::default().settings.severity.judge(&Signals {
        compound: -0.6,
        alarm: false,
        weight: 1.0,
        recurring: false,
    });
    assert_eq!(plain.1, Severity::Notable);
    assert!(third.severity > Severity::Notable, "{:?}", third.severity);
    // Beyond the window a subject starts over.
    let (_, later) = record(
        &store,
        &p,
        "5",
        "Lumora delivery late again, package delayed",
        t0 + 30 * day,
    );
    assert_ne!(later.subject_id, first.subject_id);

    let topics = store
        .call_blocking(move |c| {
            crate::store::topics::topics(c, &crate::store::topics::TopicScope::default(), t0, 3, 2)
        })
        .unwrap();
    assert_eq!(topics[0].count, 3);
    assert_eq!(topics[0].state, "act");
    assert!(topics[0].label.contains("delivery"), "{}", topics[0].label);
    assert_eq!(topics[0].examples[0].0, c, "latest first");
    assert!(topics.iter().any(|t| t.state == "watch" && t.count == 1));

    let (teams, status, events): (Vec<String>, String, Vec<Event>) = store
        .call_blocking(move |c| {
            let teams = c
                .prepare("SELECT team FROM mention_teams WHERE mention_id = ?1")?
                .query_map([a], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            let status = c.query_row("SELECT status FROM mentions WHERE id = ?1", [a], |r| {
                r.get(0)
            })?;
            Ok((teams, status, history(c, a)?))
        })
        .unwrap();
    assert_eq!(teams, ["everyone"], "the default team");
    assert_eq!(status, "routed");
    assert_eq!(events.len(), 1);
    assert!(events[0]
        .note
        .as_deref()
        .unwrap_or("")
        .starts_with("to everyone; "));
}

fn urgent_mentions_wait_in_the_alert_queue(store) {
    let p = pipeline();
    let (id, t) = record(
        &store,
        &p,
        "1",
        "Lumora recall: the worst, most dangerous lamps, a disaster",
        1_800_000_000,
    );
    assert!(t.severity.is_immediate(), "{:?}", t.severity);
    let (mild, m) = record(&store, &p, "2", "Lumora lamps are fine", 1_800_000_000);
    assert_eq!(m.severity, Severity::Info);
    let queued: Vec<(i64, String)> = store
        .call_blocking(|c| {
            Ok(
                c.prepare("SELECT mention_id, severity FROM alert_queue WHERE sent_at IS NULL")?
                    .query_map(params![], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<Result<_, _>>()?,
            )
        })
        .unwrap();
    assert_eq!(queued, [(id, t.severity.name().to_string())]);
    assert_ne!(mild, id);
}

fn follow_up_moves_through_its_states_and_survives_a_restart(test) {
    let store = test.store.clone();
    let (id, _) = record(
        &store,
        &pipeline(),
        "1",
        "Lumora refund still missing",
        1_800_000_000,
    );
    let step = |store: &Store, action, note, at| follow(store, id, action, note, at);
    let ok = |r: Result<Status, StoreError>| r.unwrap();
    assert_eq!(
        ok(step(
            &store,
            Action::Acknowledge,
            Some("calling them"),
            1_800_000_100
        )),
        Status::Acknowledged
    );
    let again = step(&store, Action::Acknowledge, None, 1_800_000_150);
    assert!(again.is_err_and(|e| e.to_string().contains("is acknowledged")));
    assert_eq!(
        ok(step(
            &store,
            Action::Resolve,
            Some("refunded"),
            1_800_000_200
        )),
        Status::Resolved
    );
    drop(store);

    // A restart: the history is in the database.
    let store = Store::open_at(test.place.clone()).unwrap();
    let resolved_again = step(&store, Action::Resolve, None, 1_800_000_250);
    assert!(resolved_again.is_err_and(|e| e.to_string().contains("reopen it first")));
    assert_eq!(
        ok(step(
            &store,
            Action::Reopen,
            Some("customer wrote back"),
            1_800_000_300
        )),
        Status::Acknowledged
    );
    assert_eq!(
        ok(step(&store, Action::Ignore, None, 1_800_000_400)),
        Status::Ignored
    );
    // Back to where it was before it was ignored: someone had it.
    assert_eq!(
        ok(step(&store, Action::Reopen, None, 1_800_000_450)),
        Status::Acknowledged
    );
    let events = store.call_blocking(move |c| history(c, id)).unwrap();
    let trail: Vec<(&str, &str, Option<&str>)> = events
        .iter()
        .map(|e| (e.actor.as_str(), e.status.as_str(), e.note.as_deref()))
        .collect();
    assert_eq!(trail[0].0, "vigia");
    assert_eq!(
        trail[1..],
        [
            ("ana", "acknowledged", Some("calling them")),
            ("ana", "resolved", Some("refunded")),
            ("ana", "acknowledged", Some("customer wrote back")),
            ("ana", "ignored", None),
            ("ana", "acknowledged", None),
        ]
    );
    let missing = store.call_blocking(|c| {
        follow_up(c, 999, Action::Resolve, "ana", None, 1)
            .map_err(|e| StoreError::Task(e.to_string()))
    });
    assert!(missing.is_err_and(|e| e.to_string().contains("there is no mention 999")));

    // Nobody had taken this one on: reopened, it waits for its team again.
    let (other, _) = record(
        &store,
        &pipeline(),
        "2",
        "Lumora app crashes at login since the update",
        1_800_000_500,
    );
    assert_ne!(other, id);
    let step = |action, at| follow(&store, other, action, None, at);
    assert_eq!(ok(step(Action::Ignore, 1_800_000_600)), Status::Ignored);
    assert_eq!(ok(step(Action::Reopen, 1_800_000_700)), Status::Routed);
    assert_eq!(ok(step(Action::Resolve, 1_800_000_800)), Status::Resolved);
    assert_eq!(ok(step(Action::Reopen, 1_800_000_900)), Status::Routed);
}

fn a_short_window_counts_only_the_mentions_inside_it(store) {
    let mut policy = pipeline().policy().clone();
    policy.settings.subject_window = std::time::Duration::from_secs(30 * 60);
    let p = pipeline().with_policy(policy);
    // Ten minutes into an hour, then 25 and 50 minutes later: the third
    // mention's 30-minute window holds the second and itself, though its
    // first hour began before the first.
    let t0 = 500_000 * 3600 + 600;
    let text = "My Lumora order is late, delivery delayed again";
    let (_, first) = record(&store, &p, "1", text, t0);
    let (_, _) = record(&store, &p, "2", text, t0 + 25 * 60);
    let (_, third) = record(&store, &p, "3", text, t0 + 50 * 60);
    assert_eq!(third.subject_id, first.subject_id);
    assert_eq!(third.subject_count, 2);
}
}
