//! Undoing a wrong merge: a sighting merged into a mention by its content
//! becomes a mention of its own (`vigia mentions split MENTION SIGHTING`).
//!
//! A near duplicate at another URL is stored as a sighting of the mention
//! it repeats, with the item as it arrived ([`merged`]). Splitting reads
//! that item back ([`merged_item`]); the caller runs it through the
//! pipeline as the daemon would, and [`split_off`] stores the result as a
//! new mention, moves the sighting to it, triages it (so an urgent one
//! alerts now) and notes the split in both mentions' histories.

use crate::store::db::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::{bounded, insert, MAX_TEXT_BYTES};
use crate::pipeline::{Document, MentionCandidate};
use crate::store::triage::{self, Status};
use crate::store::StoreError;
use crate::triage::Policy;

/// A merged sighting's item, as stored (JSON in `sightings.merged`).
#[derive(Debug, Serialize, Deserialize)]
struct Item {
    item_key: String,
    url: Option<String>,
    title: String,
    text: String,
    published: Option<i64>,
    origin: Option<String>,
    query: Option<String>,
    excerpt: bool,
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    reach: Option<(u64, String)>,
}

/// `document` as a merged sighting keeps it.
pub(super) fn merged(document: &Document) -> Result<String, StoreError> {
    let item = Item {
        item_key: document.item_key.clone(),
        url: document.url.as_ref().map(ToString::to_string),
        title: document.title.clone(),
        text: bounded(&document.text, MAX_TEXT_BYTES).to_string(),
        published: document.published.map(|p| p.timestamp()),
        origin: document.origin.clone(),
        query: document.query.clone(),
        excerpt: document.excerpt,
        author: document.author.clone(),
        reach: document.reach.map(|r| (r.count, r.kind.name().to_string())),
    };
    serde_json::to_string(&item).map_err(|e| StoreError::Corrupt {
        column: "sightings.merged",
        message: e.to_string(),
    })
}

/// Why a sighting cannot be split off.
#[derive(Debug, thiserror::Error)]
pub enum SplitError {
    /// No such sighting of that mention.
    #[error(
        "mention {mention} has no sighting {sighting} (`vigia mentions show {mention}` lists them)"
    )]
    NotFound {
        /// The mention.
        mention: i64,
        /// The sighting asked for.
        sighting: i64,
    },
    /// The sighting is the mention's own page, not a merged copy.
    #[error("sighting {sighting} is where mention {mention} was first seen, or at its URL: the same item, not a merged copy")]
    NotMerged {
        /// The mention.
        mention: i64,
        /// The sighting asked for.
        sighting: i64,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a merged sighting saw: its source, the item as it arrived, and
/// when.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// The source that delivered it.
    pub source_id: String,
    /// The item, normalized, as the pipeline read it then.
    pub document: Document,
    /// When it was seen (the new mention's first sighting).
    pub seen_at: i64,
}

/// The item of sighting `sighting` of mention `mention`, when it was
/// merged by its content.
pub fn merged_item(conn: &Connection, mention: i64, sighting: i64) -> Result<Merged, SplitError> {
    let row: Option<(String, Option<String>, i64)> = conn
        .query_row(
            "SELECT source_id, merged, seen_at FROM sightings WHERE id = ?1 AND mention_id = ?2",
            params![sighting, mention],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(StoreError::from)?;
    let (source_id, merged, seen_at) = row.ok_or(SplitError::NotFound { mention, sighting })?;
    let merged = merged.ok_or(SplitError::NotMerged { mention, sighting })?;
    let item: Item = serde_json::from_str(&merged).map_err(|e| StoreError::Corrupt {
        column: "sightings.merged",
        message: e.to_string(),
    })?;
    let document = Document {
        item_key: item.item_key,
        url: item.url.and_then(|u| url::Url::parse(&u).ok()),
        title: item.title,
        text: item.text,
        published: item
            .published
            .and_then(|p| chrono::DateTime::from_timestamp(p, 0)),
        origin: item.origin,
        query: item.query,
        excerpt: item.excerpt,
        author: item.author,
        reach: item.reach.and_then(|(count, kind)| {
            Some(crate::source::Reach {
                count,
                kind: crate::source::ReachKind::parse(&kind)?,
            })
        }),
    };
    Ok(Merged {
        source_id,
        document,
        seen_at,
    })
}

/// Makes `candidate` (the pipeline's reading of sighting `sighting`'s
/// item, [`merged_item`]) a mention of its own, first seen when the
/// sighting was: the sighting moves to it, it is triaged with `policy`,
/// and both histories say who split them. Returns the new mention's id.
/// Call in one transaction; a sighting split meanwhile is not split again.
pub fn split_off(
    conn: &Connection,
    (mention, sighting): (i64, i64),
    candidate: &MentionCandidate,
    (seen_at, now): (i64, i64),
    actor: &str,
    policy: &Policy,
) -> Result<Result<i64, SplitError>, StoreError> {
    let still: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sightings
                        WHERE id = ?1 AND mention_id = ?2 AND merged IS NOT NULL)",
        params![sighting, mention],
        |r| r.get(0),
    )?;
    if !still {
        return Ok(Err(SplitError::NotMerged { mention, sighting }));
    }
    let id = insert(conn, candidate, seen_at, None)?;
    conn.execute(
        "UPDATE sightings SET mention_id = ?1, merged = NULL WHERE id = ?2",
        params![id, sighting],
    )?;
    triage::triage_new(
        conn,
        id,
        &candidate.brand,
        candidate.sentiment.polarity.compound,
        &candidate.triage,
        policy,
        now,
    )?;
    for (at, note) in [
        (id, format!("split off from mention {mention}")),
        (
            mention,
            format!("sighting {sighting} split off into mention {id}"),
        ),
    ] {
        let status = triage::status_of(conn, at)?.unwrap_or(Status::New);
        triage::event(conn, at, now, actor, status, Some(&note))?;
    }
    Ok(Ok(id))
}
