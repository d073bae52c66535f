//! Recurring subjects, as `vigia topics` lists them: how many mentions of
//! each in the window, whether to watch it or act on it, and examples.

use crate::store::db::{params, Connection};
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

/// Which subjects to list: of one brand (any when None), from the
/// mentions routed to these teams (every mention when None).
#[derive(Debug, Clone, Default)]
pub struct TopicScope<'a> {
    /// Only this brand.
    pub brand: Option<&'a str>,
    /// Only mentions routed to one of these teams.
    pub teams: Option<&'a [String]>,
}

/// SQL for "mention `m` is routed to one of the teams in parameter
/// `?n` (a JSON list), or that parameter is null".
fn visible(n: u8) -> String {
    format!(
        "(CAST(?{n} AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM mention_teams t
           WHERE t.mention_id = m.id AND t.team IN (SELECT value FROM json_each(?{n}))))"
    )
}

/// Subjects with mentions first seen since `since`, most mentioned first;
/// counts and examples only from the mentions in `scope`.
pub fn topics(
    conn: &Connection,
    scope: &TopicScope<'_>,
    since: i64,
    act_at: u32,
    examples: usize,
) -> Result<Vec<Topic>, StoreError> {
    let teams = scope
        .teams
        .map(|t| serde_json::Value::from(t.to_vec()).to_string());
    let mut stmt = conn.prepare(&format!(
        "SELECT s.id, s.brand, s.profile, MIN(m.first_seen_at), MAX(m.first_seen_at), COUNT(m.id)
         FROM subjects s JOIN mentions m ON m.subject_id = s.id AND m.first_seen_at >= ?2
         WHERE (CAST(?1 AS TEXT) IS NULL OR lower(s.brand) = lower(?1)) AND {}
         GROUP BY s.id
         ORDER BY COUNT(m.id) DESC, MAX(m.first_seen_at) DESC",
        visible(3)
    ))?;
    let rows = stmt.query_map(params![scope.brand, since, teams], |r| {
        Ok((
            r.get::<i64>(0)?,
            r.get::<String>(1)?,
            r.get::<String>(2)?,
            r.get::<i64>(3)?,
            r.get::<i64>(4)?,
            r.get::<u32>(5)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, brand, json, first_seen_at, last_seen_at, count) = row?;
        let mut quotes = conn.prepare_cached(&format!(
            "SELECT m.id, m.snippet, m.url FROM mentions m
             WHERE m.subject_id = ?1 AND m.first_seen_at >= ?2 AND {}
             ORDER BY m.first_seen_at DESC, m.id DESC LIMIT ?3",
            visible(4)
        ))?;
        let examples = quotes
            .query_map(params![id, since, examples as i64, teams], |r| {
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
