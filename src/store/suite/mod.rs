//! The store's behaviour, tested the same on both backends (each test runs
//! on a SQLite file and on a PostgreSQL server of its own, through
//! [`both_backends!`](crate::both_backends)): what the daemon, the CLI and
//! the web inbox rely on, whichever database holds it.

mod delivery;
mod mentions;
mod reports;
mod state;
mod web;

use crate::pipeline::{MentionCandidate, Pipeline};
use crate::query::matcher::{BrandSpec, KeywordMatcher};
use crate::source::RawItem;
use crate::store::mentions::Recorded;
use crate::store::{mentions as stored, triage, Store};

/// A pipeline watching Lumora.
fn pipeline() -> Pipeline {
    let brands = [BrandSpec {
        name: "Lumora".into(),
        queries: vec!["lumora".into()],
    }];
    Pipeline::new(KeywordMatcher::new(&brands).expect("a valid query"))
}

/// The mention a source's item makes.
fn candidate(source: &str, key: &str, title: &str, body: &str) -> MentionCandidate {
    let item = RawItem {
        guid: Some(key.into()),
        url: Some(format!("https://news.example/{key}")),
        title: Some(title.into()),
        summary: Some(body.into()),
        ..RawItem::default()
    };
    pipeline()
        .process(source, &item)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no mention in {title:?}"))
}

/// Records `c` as a poll does: the mention and, when new, its triage, in
/// one write.
fn record(store: &Store, c: MentionCandidate, now: i64) -> Recorded {
    let policy = pipeline().policy().clone();
    store
        .write_blocking(move |tx| {
            let recorded = stored::record(tx, &c, now)?;
            if let Recorded::New(id) = recorded {
                let compound = c.sentiment.polarity.compound;
                triage::triage_new(tx, id, &c.brand, compound, &c.triage, &policy, now)?;
            }
            Ok(recorded)
        })
        .expect("recorded")
}

/// A headline that triage finds urgent.
const URGENT: &str = "Lumora recall: the worst, most dangerous lamps, a disaster";

/// Records source `f`'s urgent item `1` at `now`; its id.
fn urgent(store: &Store, now: i64) -> i64 {
    new_id(record(store, candidate("f", "1", URGENT, ""), now))
}

/// The id of a new mention.
fn new_id(recorded: Recorded) -> i64 {
    match recorded {
        Recorded::New(id) => id,
        other => panic!("not new: {other:?}"),
    }
}
