//! What the store reports and records about mentions, on SQLite and on
//! PostgreSQL: alert mails and the replies read to them, assignments and
//! "not relevant" proposals, the overview's daily counts and brands, and
//! the recurring topics.

use crate::store::db::{params, Connection};
use crate::store::proposals::{self, Exclusion, Proposal};
use crate::store::replies::{self, ReplyMail, LIFETIME_SECS};
use crate::store::topics::{self, TopicScope};
use crate::store::triage::{self, Action, FollowUpError, Status};
use crate::store::{overview, StoreError};

use super::web::in_tx;

const NOW: i64 = 1_800_000_000;
const DAY: i64 = 86_400;

/// A mention to store, with only what these tests look at.
#[derive(Clone, Copy)]
struct Mention<'a> {
    brand: &'a str,
    first_seen_at: i64,
    published_at: Option<i64>,
    sentiment_label: Option<&'a str>,
    subject_id: Option<i64>,
    teams: &'a [&'a str],
}

impl Default for Mention<'_> {
    fn default() -> Self {
        Mention {
            brand: "Lumora",
            first_seen_at: NOW,
            published_at: None,
            sentiment_label: None,
            subject_id: None,
            teams: &[],
        }
    }
}

/// Stores `m` as routed to its teams, from source `feed-1`; its snippet
/// says when it was first seen, and so does its URL. Returns its id.
fn add(c: &Connection, m: Mention<'_>) -> Result<i64, StoreError> {
    let id: i64 = c.query_row(
        "INSERT INTO mentions (brand, url, title, snippet, terms, fingerprint, fp_words,
                               source_id, first_seen_at, published_at, sentiment_label,
                               status, subject_id)
         VALUES (?1, ?2, ?3, ?3, '[]', 0, 0, 'feed-1', ?4, ?5, ?6, 'routed', ?7)
         RETURNING id",
        params![
            m.brand,
            url(m.first_seen_at),
            snippet(m.first_seen_at),
            m.first_seen_at,
            m.published_at,
            m.sentiment_label,
            m.subject_id
        ],
        |r| r.get(0),
    )?;
    for team in m.teams {
        c.execute(
            "INSERT INTO mention_teams (mention_id, team) VALUES (?1, ?2)",
            params![id, team],
        )?;
    }
    Ok(id)
}

fn snippet(seen: i64) -> String {
    format!("seen at {seen}")
}

fn url(seen: i64) -> Option<String> {
    Some(format!("https://news.example/{seen}"))
}

fn teams(names: &[&str]) -> Vec<String> {
    names.iter().map(|t| t.to_string()).collect()
}

/// A subject of `brand` whose mentions share `word`.
fn subject(c: &Connection, brand: &str, word: &str) -> Result<i64, StoreError> {
    let profile = format!(r#"{{"members":3,"features":{{"{word}":[3,"{word}"]}}}}"#);
    Ok(c.query_row(
        "INSERT INTO subjects (brand, profile, first_seen_at, last_seen_at)
         VALUES (?1, ?2, ?3, ?3) RETURNING id",
        params![brand, profile, NOW],
        |r| r.get(0),
    )?)
}

/// The overview's mentions, from the midnight it returns: Lumora's over
/// three days (one routed to support), Aurea's on the first (to sales),
/// and some outside the three days.
fn overview_mentions(c: &Connection) -> Result<i64, StoreError> {
    let from = NOW / DAY * DAY;
    let lumora = |first_seen_at, sentiment_label| Mention {
        first_seen_at,
        sentiment_label,
        ..Mention::default()
    };
    add(c, lumora(from + 100, Some("negative")))?;
    let support = Mention {
        teams: &["support"],
        ..lumora(from + 200, Some("negative"))
    };
    add(c, support)?;
    add(c, lumora(from + DAY + 5, Some("positive")))?;
    add(c, lumora(from + 2 * DAY, Some("neutral")))?;
    // Published on the third day, though seen before it: counted then.
    add(
        c,
        Mention {
            published_at: Some(from + 2 * DAY + 1),
            ..lumora(from - 10, None)
        },
    )?;
    // Published before the first day, though seen on it: not counted.
    add(
        c,
        Mention {
            published_at: Some(from - 1),
            ..lumora(from + 3_600, None)
        },
    )?;
    add(c, lumora(from + 3 * DAY, Some("negative")))?;
    let aurea = Mention {
        brand: "Aurea",
        teams: &["sales"],
        ..lumora(from + 10, Some("positive"))
    };
    add(c, aurea)?;
    Ok(from)
}

crate::both_backends! {
fn an_alert_mail_is_found_while_replies_to_it_act(store) {
    store
        .call_blocking(|c| {
            let to = teams(&["Ana@X.example", "bea@x.example"]);
            let id = replies::record_mail(c, &to, &[3, 1], NOW)?;
            let mail = ReplyMail {
                id,
                recipients: teams(&["ana@x.example", "bea@x.example"]),
                mentions: vec![3, 1],
                created_at: NOW,
            };
            assert_eq!(replies::mail(c, id, NOW)?, Some(mail.clone()));
            assert_eq!(replies::mail(c, id, NOW + LIFETIME_SECS)?, Some(mail));
            assert_eq!(replies::mail(c, id, NOW + LIFETIME_SECS + 1)?, None, "too old");
            assert_eq!(replies::mail(c, id + 100, NOW)?, None);
            let later = replies::record_mail(c, &to, &[2], NOW + LIFETIME_SECS + 1)?;
            // Forgotten by a later mail (whose id SQLite may give again: a
            // reply's token signs the id with the mail's time).
            let old = replies::mail(c, id, NOW)?.map(|m| m.created_at);
            assert_ne!(old, Some(NOW), "forgotten by a later mail");
            let found = replies::mail(c, later, NOW + LIFETIME_SECS + 1)?.unwrap();
            assert_eq!((found.mentions, found.created_at), (vec![2], NOW + LIFETIME_SECS + 1));
            Ok(())
        })
        .unwrap();
}

fn only_the_mentions_routed_to_the_teams_are_named(store) {
    store
        .call_blocking(|c| {
            let m1 = add(c, Mention { teams: &["support"], ..Mention::default() })?;
            let m2 = add(c, Mention { teams: &["sales"], ..Mention::default() })?;
            let m3 = add(c, Mention { teams: &["support", "legal"], ..Mention::default() })?;
            let m4 = add(c, Mention::default())?;
            let named = [m3, m2, m1, m4, m4 + 100];
            assert_eq!(replies::routed_to(c, &named, &teams(&["support"]))?, [m3, m1]);
            assert_eq!(replies::routed_to(c, &named, &teams(&["sales", "legal"]))?, [m3, m2]);
            assert_eq!(replies::routed_to(c, &named, &teams(&["press"]))?, [] as [i64; 0]);
            assert_eq!(replies::routed_to(c, &named, &[])?, [] as [i64; 0]);
            Ok(())
        })
        .unwrap();
}

fn a_reply_is_read_once_and_forgotten_after_a_month(store) {
    store
        .call_blocking(|c| {
            assert_eq!(replies::read_before(c, "<r1@x.example>")?, None);
            replies::record_read(c, "<r1@x.example>", "ana@x.example", "acknowledged 3", NOW)?;
            let outcome = replies::read_before(c, "<r1@x.example>")?;
            assert_eq!(outcome.as_deref(), Some("acknowledged 3"));
            replies::record_read(c, "<r1@x.example>", "ana@x.example", "ignored", NOW + 5)?;
            let outcome = replies::read_before(c, "<r1@x.example>")?;
            assert_eq!(outcome.as_deref(), Some("acknowledged 3"), "the first reading stays");
            let later = NOW + LIFETIME_SECS + 1;
            replies::record_read(c, "<r2@x.example>", "bea@x.example", "resolved 4", later)?;
            assert_eq!(replies::read_before(c, "<r1@x.example>")?, None, "forgotten");
            assert!(replies::read_before(c, "<r2@x.example>")?.is_some());
            Ok(())
        })
        .unwrap();
}

fn assigning_a_mention_is_said_in_its_history(store) {
    let id = store.call_blocking(|c| add(c, Mention::default())).unwrap();
    let assign = |who: Option<&'static str>, at| {
        in_tx(&store, move |tx| Ok(proposals::assign(tx, id, who, "ana", at)))
    };
    let assignee = || {
        store
            .call_blocking(move |c| {
                Ok(c.query_row("SELECT assignee FROM mentions WHERE id = ?1", [id], |r| {
                    r.get::<Option<String>>(0)
                })?)
            })
            .unwrap()
    };
    assign(Some("bea"), NOW).unwrap();
    assert_eq!(assignee().as_deref(), Some("bea"));
    assign(None, NOW + 1).unwrap();
    assert_eq!(assignee(), None);
    assert!(matches!(
        in_tx(&store, |tx| Ok(proposals::assign(tx, id + 1, Some("bea"), "ana", NOW))),
        Err(FollowUpError::NotFound(missing)) if missing == id + 1
    ));
    let history = store.call_blocking(move |c| triage::history(c, id)).unwrap();
    let said: Vec<_> = history
        .iter()
        .map(|e| (e.at, e.actor.as_str(), e.status.as_str(), e.note.as_deref()))
        .collect();
    assert_eq!(
        said,
        [
            (NOW, "ana", "routed", Some("assigned to bea")),
            (NOW + 1, "ana", "routed", Some("unassigned")),
        ],
        "the status is kept"
    );
}

fn not_relevant_ignores_the_mention_and_records_the_proposal(store) {
    let aurea = Mention { brand: "Aurea", ..Mention::default() };
    let (first, second) = store
        .call_blocking(|c| Ok((add(c, Mention::default())?, add(c, aurea)?)))
        .unwrap();
    let mark = |id, exclusion, note, at| {
        in_tx(&store, move |tx| {
            Ok(proposals::not_relevant(tx, id, exclusion, ("ana", note), at))
        })
    };
    let both = Exclusion { source_id: Some("feed-1"), term: Some("lumora lamp") };
    assert_eq!(mark(first, both, Some("a lamp shop"), NOW).unwrap(), Status::Ignored);
    let term = Exclusion { source_id: None, term: Some("aurea") };
    assert_eq!(mark(second, term, None, NOW + 1).unwrap(), Status::Ignored);
    assert!(matches!(
        mark(first, term, None, NOW + 2),
        Err(FollowUpError::Invalid { from: Status::Ignored, action: Action::Ignore, .. })
    ));
    assert!(matches!(mark(second + 1, term, None, NOW + 2), Err(FollowUpError::NotFound(_))));
    let listed = store.call_blocking(|c| proposals::list(c)).unwrap();
    assert_eq!(listed.len(), 2, "nothing recorded for the refused ones");
    let newest = Proposal {
        id: listed[0].id,
        mention_id: second,
        brand: "Aurea".into(),
        source_id: None,
        term: Some("aurea".into()),
        proposed_by: "ana".into(),
        proposed_at: NOW + 1,
        note: None,
    };
    let oldest = Proposal {
        id: listed[1].id,
        mention_id: first,
        brand: "Lumora".into(),
        source_id: Some("feed-1".into()),
        term: Some("lumora lamp".into()),
        proposed_at: NOW,
        note: Some("a lamp shop".into()),
        ..newest.clone()
    };
    assert_eq!(listed, [newest, oldest], "newest first");
    assert!(listed[0].id > listed[1].id);
    let history = store.call_blocking(move |c| triage::history(c, first)).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].status, "ignored");
    assert_eq!(
        history[0].note.as_deref(),
        Some(
            "not relevant; proposed excluding source feed-1; \
             proposed excluding the term \"lumora lamp\"; a lamp shop"
        )
    );
}

fn the_overview_counts_mentions_per_brand_day_and_sentiment(store) {
    let from = store.call_blocking(|c| overview_mentions(c)).unwrap();
    let daily = |names: Option<&[&str]>| {
        let names = names.map(teams);
        store.call_blocking(move |c| overview::daily(c, names.as_deref(), from, 3)).unwrap()
    };
    assert_eq!(
        daily(None),
        [
            ("Aurea".to_string(), vec![[0, 0, 1], [0; 3], [0; 3]]),
            ("Lumora".to_string(), vec![[2, 0, 0], [0, 0, 1], [0, 2, 0]]),
        ]
    );
    assert_eq!(
        daily(Some(&["support"])),
        [("Lumora".to_string(), vec![[1, 0, 0], [0; 3], [0; 3]])]
    );
    assert_eq!(
        daily(Some(&["support", "sales"])),
        [
            ("Aurea".to_string(), vec![[0, 0, 1], [0; 3], [0; 3]]),
            ("Lumora".to_string(), vec![[1, 0, 0], [0; 3], [0; 3]]),
        ]
    );
    assert!(daily(Some(&["press"])).is_empty());
}

fn the_overview_lists_the_brands_heard_by_teams(store) {
    let from = store.call_blocking(|c| overview_mentions(c)).unwrap();
    let brands = |names: Option<&[&str]>, since| {
        let names = names.map(teams);
        store.call_blocking(move |c| overview::brands(c, names.as_deref(), since)).unwrap()
    };
    assert_eq!(brands(None, from), ["Aurea", "Lumora"]);
    assert_eq!(brands(None, from + DAY), ["Lumora"]);
    assert_eq!(brands(Some(&["sales"]), from), ["Aurea"]);
    assert_eq!(brands(Some(&["sales"]), from + DAY), [] as [&str; 0]);
    assert_eq!(brands(Some(&["support", "sales"]), from), ["Aurea", "Lumora"]);
    assert_eq!(brands(None, from + 3 * DAY + 1), [] as [&str; 0]);
}

fn topics_count_the_recent_mentions_of_each_subject_in_scope(store) {
    let (invoice, battery, aurea, ids) = store
        .call_blocking(|c| {
            let invoice = subject(c, "Lumora", "invoice")?;
            let battery = subject(c, "Lumora", "battery")?;
            let aurea = subject(c, "Aurea", "refund")?;
            let of = |subject_id, first_seen_at, teams| Mention {
                subject_id: Some(subject_id),
                first_seen_at,
                teams,
                ..Mention::default()
            };
            add(c, of(invoice, NOW - 10, &["support"]))?;
            let ids = [
                add(c, of(invoice, NOW + 1, &["support"]))?,
                add(c, of(invoice, NOW + 2, &[]))?,
                add(c, of(invoice, NOW + 3, &["support"]))?,
            ];
            add(c, of(battery, NOW + 5, &["sales"]))?;
            add(c, Mention { brand: "Aurea", ..of(aurea, NOW + 4, &[]) })?;
            add(c, Mention { brand: "Aurea", ..of(aurea, NOW + 6, &[]) })?;
            Ok((invoice, battery, aurea, ids))
        })
        .unwrap();
    let topics = |brand: Option<&'static str>, names: Option<&[&str]>| {
        let names = names.map(teams);
        store
            .call_blocking(move |c| {
                let scope = TopicScope { brand, teams: names.as_deref() };
                topics::topics(c, &scope, NOW, 3, 2)
            })
            .unwrap()
    };
    let all = topics(None, None);
    let listed: Vec<_> = all
        .iter()
        .map(|t| (t.id, t.brand.as_str(), t.count, t.state))
        .collect();
    assert_eq!(
        listed,
        [
            (invoice, "Lumora", 3, "act"),
            (aurea, "Aurea", 2, "watch"),
            (battery, "Lumora", 1, "watch"),
        ],
        "most mentioned first; the one seen before the window not counted"
    );
    let top = &all[0];
    assert_eq!(top.label, "invoice");
    assert_eq!((top.first_seen_at, top.last_seen_at), (NOW + 1, NOW + 3));
    let example = |id, seen| (id, snippet(seen), url(seen));
    assert_eq!(top.examples, [example(ids[2], NOW + 3), example(ids[1], NOW + 2)], "the latest");
    let lumora: Vec<_> = topics(Some("lumora"), None).iter().map(|t| t.id).collect();
    assert_eq!(lumora, [invoice, battery]);
    let support = topics(None, Some(&["support"]));
    assert_eq!(support.len(), 1);
    assert_eq!((support[0].id, support[0].count, support[0].state), (invoice, 2, "watch"));
    assert_eq!(support[0].examples, [example(ids[2], NOW + 3), example(ids[0], NOW + 1)]);
    assert!(topics(Some("Aurea"), Some(&["sales"])).is_empty());
}
}
