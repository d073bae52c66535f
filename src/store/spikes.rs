//! What spike detection reads and records: negative mentions per brand and
//! window, and the spikes found (one alert each, with a cool-down).

use crate::store::db::{params, Connection};

use super::StoreError;
use crate::triage::subjects::Profile;

/// Brands with a mention since `since`, each with its first mention's time.
pub fn active_brands(conn: &Connection, since: i64) -> Result<Vec<(String, i64)>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT brand, MIN(first_seen_at) FROM mentions GROUP BY brand
             HAVING MAX(first_seen_at) > ?1",
        )?
        .query_map([since], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?)
}

/// When the brand's last spike was found, if ever.
pub fn last(conn: &Connection, brand: &str) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT MAX(detected_at) FROM spikes WHERE brand = ?1")?
        .query_row([brand], |r| r.get(0))?)
}

/// How many of the brand's mentions scored at or below `negative` were
/// first seen in (`from`, `to`].
pub fn count_negative(
    conn: &Connection,
    brand: &str,
    negative: f64,
    (from, to): (i64, i64),
) -> Result<u32, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*) FROM mentions WHERE brand = ?1 AND sentiment <= ?2
             AND first_seen_at > ?3 AND first_seen_at <= ?4",
        )?
        .query_row(params![brand, negative, from, to], |r| r.get(0))?)
}

/// The brand's mentions scored at or below `negative` first seen in
/// (`from`, `to`]: when, and their subject (their story), oldest first.
pub fn negatives(
    conn: &Connection,
    brand: &str,
    negative: f64,
    (from, to): (i64, i64),
) -> Result<Vec<(i64, Option<i64>)>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT first_seen_at, subject_id FROM mentions WHERE brand = ?1 AND sentiment <= ?2
             AND first_seen_at > ?3 AND first_seen_at <= ?4 ORDER BY first_seen_at",
        )?
        .query_map(params![brand, negative, from, to], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<Result<_, _>>()?)
}

/// A spike found.
#[derive(Debug, Clone, PartialEq)]
pub struct Spike<'a> {
    /// The brand.
    pub brand: &'a str,
    /// When.
    pub detected_at: i64,
    /// Negative mentions in the window.
    pub count: u32,
    /// How many were expected.
    pub expected: f64,
    /// How improbable the count was.
    pub p: f64,
}

/// Records a spike; returns its id.
pub fn record(conn: &Connection, spike: &Spike<'_>) -> Result<i64, StoreError> {
    Ok(conn
        .prepare_cached(
            "INSERT INTO spikes (brand, detected_at, count, expected, p_value)
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
        )?
        .query_row(
            params![
                spike.brand,
                spike.detected_at,
                spike.count,
                spike.expected,
                spike.p
            ],
            |r| r.get(0),
        )?)
}

/// Records the outbox mail that carries spike `id`'s alert.
pub fn set_outbox(conn: &Connection, id: i64, outbox_id: Option<i64>) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE spikes SET outbox_id = ?2 WHERE id = ?1")?
        .execute(params![id, outbox_id])?;
    Ok(())
}

/// A mention as the spike backtest replays it.
#[derive(Debug, Clone, PartialEq)]
pub struct Past {
    /// Its brand.
    pub brand: String,
    /// When it was first seen (or published).
    pub time: i64,
    /// Its compound (0 when unscored).
    pub compound: f64,
    /// Its subject, when it has one.
    pub subject: Option<i64>,
}

/// Every mention first seen (or, with `published`, published: first
/// seen when it has no date, or a date after it, as nothing is published
/// after it was seen) after `since`, for replaying the detector (`vigia
/// spikes backtest`).
pub fn history(conn: &Connection, since: i64, published: bool) -> Result<Vec<Past>, StoreError> {
    let sql = if published {
        "SELECT brand, t, COALESCE(sentiment, 0), subject_id
         FROM (SELECT brand, sentiment, subject_id,
                      CASE WHEN published_at < first_seen_at THEN published_at
                           ELSE first_seen_at END AS t
               FROM mentions) AS seen
         WHERE t > ?1"
    } else {
        "SELECT brand, first_seen_at, COALESCE(sentiment, 0), subject_id FROM mentions
         WHERE first_seen_at > ?1"
    };
    Ok(conn
        .prepare_cached(sql)?
        .query_map([since], |r| {
            Ok(Past {
                brand: r.get(0)?,
                time: r.get(1)?,
                compound: r.get(2)?,
                subject: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// What drives a spike: the subjects and sources with most of its
/// mentions, most first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Drivers {
    /// Subject labels (`None`: mentions in no subject) and counts.
    pub subjects: Vec<(Option<String>, u32)>,
    /// Source names and counts.
    pub sources: Vec<(String, u32)>,
}

/// What drives a spike: of the brand's negative mentions first seen after
/// `from`, the `top` subjects and sources.
pub fn drivers(
    conn: &Connection,
    (brand, negative, from): (&str, f64, i64),
    top: usize,
) -> Result<Drivers, StoreError> {
    let subjects = conn
        .prepare_cached(
            "SELECT (SELECT profile FROM subjects s WHERE s.id = m.subject_id), COUNT(*) AS n
             FROM mentions m WHERE brand = ?1 AND sentiment <= ?2 AND first_seen_at > ?3
             GROUP BY subject_id ORDER BY n DESC, subject_id LIMIT ?4",
        )?
        .query_map(params![brand, negative, from, top as i64], |r| {
            let profile: Option<String> = r.get(0)?;
            let label = profile
                .and_then(|p| serde_json::from_str::<Profile>(&p).ok())
                .map(|p| p.label());
            Ok((label, r.get(1)?))
        })?
        .collect::<Result<_, _>>()?;
    let sources = conn
        .prepare_cached(
            "SELECT source_id, COUNT(*) AS n
             FROM mentions WHERE brand = ?1 AND sentiment <= ?2 AND first_seen_at > ?3
             GROUP BY source_id ORDER BY n DESC, source_id LIMIT ?4",
        )?
        .query_map(params![brand, negative, from, top as i64], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<Result<_, _>>()?;
    Ok(Drivers { subjects, sources })
}
