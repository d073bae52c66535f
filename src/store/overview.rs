//! What the inbox's overview draws: mentions per brand and day by
//! sentiment, and which brands a set of teams hears about.

use crate::store::db::{params, Connection};

use super::digest::Counts;
use super::StoreError;

/// The teams' mentions (all when None) per brand and day, by sentiment
/// label (negative, neutral, positive), for `days` days from `from` (a
/// midnight), by publication date (first seen when there is none).
pub fn daily(
    conn: &Connection,
    teams: Option<&[String]>,
    from: i64,
    days: usize,
) -> Result<Vec<(String, Vec<Counts>)>, StoreError> {
    let teams = teams.map(|t| serde_json::Value::from(t.to_vec()).to_string());
    let mut stmt = conn.prepare_cached(
        "SELECT m.brand, (COALESCE(m.published_at, m.first_seen_at) - ?2) / 86400 AS day,
                m.sentiment_label, COUNT(*)
         FROM mentions m
         WHERE COALESCE(m.published_at, m.first_seen_at) >= ?2
           AND COALESCE(m.published_at, m.first_seen_at) < ?3
           AND (CAST(?1 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM mention_teams t
                                      WHERE t.mention_id = m.id
                                        AND t.team IN (SELECT value FROM json_each(?1))))
         GROUP BY m.brand, day, m.sentiment_label ORDER BY m.brand",
    )?;
    let to = from + days as i64 * 86_400;
    let rows = stmt.query_map(params![teams, from, to], |r| {
        Ok((
            r.get::<String>(0)?,
            r.get::<i64>(1)?,
            r.get::<Option<String>>(2)?,
            r.get::<u32>(3)?,
        ))
    })?;
    let mut out: Vec<(String, Vec<Counts>)> = Vec::new();
    for row in rows {
        let (brand, day, label, n) = row?;
        if out.last().is_none_or(|(b, _)| *b != brand) {
            out.push((brand, vec![[0; 3]; days]));
        }
        let slot = match label.as_deref() {
            Some("negative") => 0,
            Some("positive") => 2,
            _ => 1,
        };
        if let (Some((_, counts)), Ok(day)) = (out.last_mut(), usize::try_from(day)) {
            if let Some(c) = counts.get_mut(day) {
                c[slot] += n;
            }
        }
    }
    Ok(out)
}

/// The brands of the mentions first seen since `since` and routed to
/// `teams` (to anyone when None).
pub fn brands(
    conn: &Connection,
    teams: Option<&[String]>,
    since: i64,
) -> Result<Vec<String>, StoreError> {
    let teams = teams.map(|t| serde_json::Value::from(t.to_vec()).to_string());
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT m.brand FROM mentions m
         WHERE m.first_seen_at >= ?2
           AND (CAST(?1 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM mention_teams t
                                      WHERE t.mention_id = m.id
                                        AND t.team IN (SELECT value FROM json_each(?1))))
         ORDER BY m.brand",
    )?;
    let rows = stmt.query_map(params![teams, since], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
