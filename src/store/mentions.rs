//! Mentions and their sightings: the dedupe decision (the listing is in
//! `listing.rs`).
//!
//! A candidate is the same mention as one already stored when, for the same
//! brand, (1) this source already delivered this item, (2) the canonical URL
//! is the same, or (3) a mention first seen in the last
//! [`FINGERPRINT_WINDOW_SECS`] is within [`MAX_DISTANCE`](crate::pipeline::dedupe::MAX_DISTANCE) bits of its
//! content fingerprint with a title that agrees, or has the same title
//! key or opening, and the two keep the same figures and one run of
//! nearly all their words ([`crate::pipeline::dedupe::nearest`]). Otherwise it is new. (A
//! source that links several clearly different items to one page
//! gets one mention per item: see `by_url`.) Each distinct (source, URL)
//! it was seen at is a sighting.

pub mod buckets;
mod listing;
mod search;
mod split;

use crate::store::db::{params, Connection, OptionalExtension};

pub use listing::{
    detail, list, names, Detail, MentionFilter, MentionRow, Order, Sighting, StatusFilter,
};
pub use search::fts_query;
pub use split::{merged_item, split_off, Merged, SplitError};

use buckets::Buckets;

use super::StoreError;
use crate::pipeline::dedupe::{nearest, same_url, AtUrl, CopyKeys, Fingerprint, Recent, MIN_WORDS};
use crate::pipeline::MentionCandidate;
use crate::sentiment::Label;

/// How far back near-duplicate search looks: syndicated copies of a story
/// appear within days, and a bounded window keeps the scan cheap (a
/// brand's mentions of the last 30 days, compared in memory by popcount).
pub const FINGERPRINT_WINDOW_SECS: i64 = 30 * 86_400;

/// How much of a mention's text is kept, in bytes: every article and
/// complaint whole, but not a hostile page's megabytes.
pub const MAX_TEXT_BYTES: usize = 100_000;

/// What recording a candidate did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// A new mention with this id.
    New(i64),
    /// A new sighting of the mention with this id.
    Sighting(i64),
    /// Nothing new: this source already showed this item.
    Known(i64),
}

/// How a label is stored.
pub fn label_name(label: Label) -> &'static str {
    match label {
        Label::Negative => "negative",
        Label::Neutral => "neutral",
        Label::Positive => "positive",
    }
}

/// Records a candidate. Call inside a transaction.
pub fn record(conn: &Connection, c: &MentionCandidate, now: i64) -> Result<Recorded, StoreError> {
    let url = c.document.url.as_ref().map(url::Url::as_str);
    if let Some(id) = by_item(conn, c)? {
        return Ok(Recorded::Known(id));
    }
    let existing = match url {
        Some(url) => by_url(conn, c, url)?,
        None => None,
    };
    // A copy found by its content keeps the item, so that the merge can
    // be undone ([`split_off`]); one at the same URL is the same page.
    let (existing, merged, filed) = match existing {
        Some(id) => (Some(id), None, None),
        None => match by_fingerprint(conn, c, now)? {
            (Some(id), read) => (Some(id), Some(split::merged(&c.document)?), read),
            (None, read) => (None, None, read),
        },
    };
    match existing {
        Some(id) if add_sighting(conn, id, c, now, merged.as_deref())? => {
            Ok(Recorded::Sighting(id))
        }
        Some(id) => Ok(Recorded::Known(id)),
        None => {
            let id = insert(conn, c, now, filed)?;
            add_sighting(conn, id, c, now, None)?;
            Ok(Recorded::New(id))
        }
    }
}

fn by_item(conn: &Connection, c: &MentionCandidate) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT m.id FROM sightings s JOIN mentions m ON m.id = s.mention_id
             WHERE s.source_id = ?1 AND s.item_key = ?2 AND m.brand = ?3 LIMIT 1",
        )?
        .query_row(params![c.source_id, c.document.item_key, c.brand], |r| {
            r.get(0)
        })
        .optional()?)
}

/// The mention at the same URL ([`same_url`] decides among those stored).
fn by_url(conn: &Connection, c: &MentionCandidate, url: &str) -> Result<Option<i64>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT m.id, m.fingerprint, m.fp_words,
                EXISTS (SELECT 1 FROM sightings s WHERE s.mention_id = m.id AND s.source_id = ?3)
         FROM mentions m WHERE m.brand = ?1 AND m.url = ?2 ORDER BY m.id",
    )?;
    let stored = stmt
        .query_map(params![c.brand, url, c.source_id], |r| {
            Ok(AtUrl {
                id: r.get(0)?,
                fingerprint: Fingerprint {
                    hash: r.get::<i64>(1)? as u64,
                    words: r.get::<i64>(2)? as usize,
                },
                same_source: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(same_url(&c.fingerprint, c.document.excerpt, &stored))
}

/// The nearest mention by content among those first seen in the window
/// ([`nearest`] decides), and the buckets read to find it, for filing
/// the candidate when it is new.
fn by_fingerprint<'c>(
    conn: &Connection,
    c: &'c MentionCandidate,
    now: i64,
) -> Result<(Option<i64>, Option<Buckets<'c>>), StoreError> {
    if !c.fingerprint.is_usable() {
        return Ok((None, None));
    }
    // Only the mentions filed under one of the candidate's bands: every
    // fingerprint within FOUND_WITHIN bits is among them. Only those
    // within the distance are read.
    let since = now - FINGERPRINT_WINDOW_SECS;
    let read = Buckets::read(conn, &c.brand, c.fingerprint.hash)?;
    let mut close = read.near(&c.fingerprint, since);
    // And the few filed under the same title, or opening with the same
    // words: copies whose footers moved their short texts' fingerprints
    // apart (a title many stories share leaves the opening to find them).
    let keys = [("title_key", c.keys.title), ("lead_key", c.keys.lead)];
    for (column, key) in keys {
        let Some(key) = key else { continue };
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT id, fingerprint FROM mentions
             WHERE brand = ?1 AND {column} = ?2 AND first_seen_at >= ?3 AND fp_words >= ?4
             ORDER BY first_seen_at DESC LIMIT 16"
        ))?;
        let rows = stmt.query_map(params![c.brand, key, since, MIN_WORDS as i64], |r| {
            Ok((r.get::<i64>(0)?, r.get::<i64>(1)? as u64))
        })?;
        for row in rows {
            let (id, hash) = row?;
            close.insert(id, hash);
        }
    }
    // A mention is read only as it was filed: one removed since, or
    // another that took its id, is not the one its entry describes.
    let mut stmt = conn.prepare_cached(
        "SELECT title, COALESCE(text, ''), title_key, lead_key
         FROM mentions WHERE id = ?1 AND fingerprint = ?2",
    )?;
    let mut recent = Vec::with_capacity(close.len());
    for (id, hash) in close {
        // Keys as filed: a mention stored before they were (migrations
        // 21 and 29, long out of the window) has none.
        let found = stmt
            .query_row(params![id, hash as i64], |r| {
                Ok(Recent {
                    id,
                    hash,
                    title: r.get(0)?,
                    text: r.get(1)?,
                    keys: CopyKeys {
                        title: r.get(2)?,
                        lead: r.get(3)?,
                    },
                })
            })
            .optional()?;
        recent.extend(found);
    }
    let merged = nearest(
        &c.fingerprint,
        c.keys,
        &c.document.title,
        &c.document.text,
        recent,
    );
    if let Some(into) = merged {
        tracing::debug!(
            brand = %c.brand,
            source = %c.source_id,
            title = %c.document.title,
            into,
            "Near duplicate: recorded as a sighting of the mention it repeats."
        );
    }
    Ok((merged, Some(read)))
}

/// Who wrote a mention and how far it reached, as listings show it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Byline {
    /// The author's handle or name.
    pub author: Option<String>,
    /// How far it reached.
    pub reach: Option<crate::source::Reach>,
}

impl Byline {
    /// The SQL of its columns in `mentions` aliased `m`.
    pub const COLUMNS: &'static str = "m.author, m.reach, m.reach_kind";

    /// Reads it from the three columns starting at `at` (as [`Byline::COLUMNS`]).
    pub fn read(r: &crate::store::db::Row<'_>, at: usize) -> crate::store::db::Result<Byline> {
        let kind: Option<String> = r.get(at + 2)?;
        Ok(Byline::from_columns(
            r.get(at)?,
            r.get(at + 1)?,
            kind.as_deref(),
        ))
    }

    /// From the values of its columns: a reach of a kind this version
    /// does not know is left out.
    pub fn from_columns(author: Option<String>, count: Option<i64>, kind: Option<&str>) -> Byline {
        Byline {
            author,
            reach: count.zip(kind).and_then(|(count, kind)| {
                Some(crate::source::Reach {
                    count: u64::try_from(count).ok()?,
                    kind: crate::source::ReachKind::parse(kind)?,
                })
            }),
        }
    }
}

/// Inserts a new mention and files its fingerprint, in the buckets
/// already `read` for it when its lookup read them.
fn insert(
    conn: &Connection,
    c: &MentionCandidate,
    now: i64,
    read: Option<Buckets<'_>>,
) -> Result<i64, StoreError> {
    let terms = serde_json::to_string(&c.terms).map_err(|e| StoreError::Corrupt {
        column: "terms",
        message: e.to_string(),
    })?;
    let id: i64 = conn
        .prepare_cached(
            "INSERT INTO mentions (brand, url, title, snippet, terms, fingerprint, fp_words,
                 source_id, published_at, first_seen_at, origin, alert_query,
                 sentiment, sentiment_label, language, lexicon, text, title_key, lead_key,
                 author, reach, reach_kind)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                     ?18, ?19, ?20, ?21, ?22)
             RETURNING id",
        )?
        .query_row(
            params![
                c.brand,
                c.document.url.as_ref().map(url::Url::as_str),
                c.document.title,
                c.snippet,
                terms,
                c.fingerprint.hash as i64,
                c.fingerprint.words as i64,
                c.source_id,
                c.document.published.map(|p| p.timestamp()),
                now,
                c.document.origin,
                c.document.query,
                c.sentiment.polarity.compound,
                label_name(c.sentiment.label),
                c.sentiment.language.code(),
                c.sentiment.lexicon,
                bounded(&c.document.text, MAX_TEXT_BYTES),
                c.keys.title,
                c.keys.lead,
                c.document.author,
                c.document
                    .reach
                    .map(|r| r.count.min(i64::MAX as u64) as i64),
                c.document.reach.map(|r| r.kind.name()),
            ],
            |r| r.get(0),
        )?;
    if c.fingerprint.is_usable() {
        let read = match read {
            Some(read) => read,
            None => Buckets::read(conn, &c.brand, c.fingerprint.hash)?,
        };
        read.file(conn, id, now)?;
    }
    Ok(id)
}

/// Indexes the mentions recorded in this transaction for full-text search,
/// all in one statement (see `migrations/0032_search_queue.sql`). The
/// store runs it before each commit; a transaction opened by hand that
/// records mentions runs it before committing. PostgreSQL's index is a
/// generated column, kept by each insert.
pub fn index_queued(conn: &Connection) -> Result<(), StoreError> {
    if conn.is_postgres() {
        return Ok(());
    }
    let queued = conn
        .prepare_cached(
            "INSERT INTO mentions_fts (rowid, title, text)
             SELECT m.id, m.title, m.text FROM mentions_fts_queue q JOIN mentions m ON m.id = q.id",
        )?
        .execute(params![])?;
    if queued > 0 {
        conn.prepare_cached("DELETE FROM mentions_fts_queue")?
            .execute(params![])?;
    }
    Ok(())
}

/// At most `max` bytes of `text`, cut at a character boundary.
fn bounded(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Adds a sighting (with the item as it arrived, when `merged` by its
/// content); false when this source already showed it at this URL (under
/// another item key: a feed that rotates its GUIDs), which counts as seen
/// again instead of adding a row, and keeps the newest key so that the
/// item is known at once next time.
fn add_sighting(
    conn: &Connection,
    id: i64,
    c: &MentionCandidate,
    now: i64,
    merged: Option<&str>,
) -> Result<bool, StoreError> {
    let url = c.document.url.as_ref().map_or("", url::Url::as_str);
    let times: i64 = conn
        .prepare_cached(
            "INSERT INTO sightings
                 (mention_id, source_id, item_key, url, seen_at, last_seen_at, merged)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6)
             ON CONFLICT (mention_id, source_id, url) DO UPDATE
                 SET last_seen_at = excluded.seen_at, times = sightings.times + 1,
                     item_key = excluded.item_key
             RETURNING times",
        )?
        .query_row(
            params![id, c.source_id, c.document.item_key, url, now, merged],
            |r| r.get(0),
        )?;
    Ok(times == 1)
}
