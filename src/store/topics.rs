//! Recurring subjects, as `vigia topics` lists them: how many mentions of
//! each in the window, whether to watch it or act on it, and examples.

use rusqlite::{params, Connection};
use serde::Serialize;

use super::triage::profile;
use super::StoreError;

/// A subject and its recent mentions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Topic {
    /// Subject id.
    pub id: i64,
    /// Brand.
    pub brand: String,
    /// What it is about: its most shared words.
    pub label: String,
    /// Mentions in the window.
    pub count: u32,
    /// `watch` (seen once or twice) or `act` (recurring).
    pub state: &'static str,
    /// First and last mention, Unix seconds.
    #[serde(serialize_with = "crate::store::rfc3339")]
    pub first_seen_at: i64,
    /// Last mention.
    #[serde(serialize_with = "crate::store::rfc3339")]
    pub last_seen_at: i64,
    /// The latest mentions: (id, quote, URL).
    pub examples: Vec<(i64, String, Option<String>)>,
}

/// Subjects with mentions first seen since `since`, most mentioned first.
pub fn topics(
    conn: &Connection,
    brand: Option<&str>,
    since: i64,
    act_at: u32,
    examples: usize,
) -> Result<Vec<Topic>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT s.id, s.brand, s.profile, MIN(m.first_seen_at), MAX(m.first_seen_at), COUNT(m.id)
         FROM subjects s JOIN mentions m ON m.subject_id = s.id AND m.first_seen_at >= ?2
         WHERE (?1 IS NULL OR s.brand = ?1 COLLATE NOCASE)
         GROUP BY s.id
         ORDER BY COUNT(m.id) DESC, MAX(m.first_seen_at) DESC",
    )?;
    let rows = stmt.query_map(params![brand, since], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, i64>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, u32>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, brand, json, first_seen_at, last_seen_at, count) = row?;
        let mut quotes = conn.prepare_cached(
            "SELECT id, snippet, url FROM mentions WHERE subject_id = ?1 AND first_seen_at >= ?2
             ORDER BY first_seen_at DESC, id DESC LIMIT ?3",
        )?;
        let examples = quotes
            .query_map(params![id, since, examples as i64], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?
            .collect::<Result<_, _>>()?;
        out.push(Topic {
            id,
            brand,
            label: profile(&json)?.label(),
            count,
            state: if count >= act_at { "act" } else { "watch" },
            first_seen_at,
            last_seen_at,
            examples,
        });
    }
    Ok(out)
}
