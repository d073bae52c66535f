//! The alert queue: urgent and critical mentions waiting for their team's
//! alert mail, and the mentions a spike alert lists.

use std::collections::BTreeMap;

use crate::store::db::{params, Connection};

use super::mentions::Byline;
use super::StoreError;
use crate::triage::subjects::Profile;
use crate::triage::Reasons;

/// One mention in an alert.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertItem {
    /// Mention id.
    pub id: i64,
    /// Brand.
    pub brand: String,
    /// Title.
    pub title: String,
    /// URL, when it has one.
    pub url: Option<String>,
    /// The quote.
    pub snippet: String,
    /// Severity name.
    pub severity: String,
    /// Compound sentiment.
    pub sentiment: Option<f64>,
    /// Source it was first seen in.
    pub source: String,
    /// What its subject is about, and how many mentions it has.
    pub subject: Option<(String, u32)>,
    /// Why it got its severity.
    pub reasons: Option<Reasons>,
    /// Who wrote it and how far it reached.
    pub byline: Byline,
}

/// Queued alerts by team: (queue id, mention), oldest first.
pub type QueuedAlerts = BTreeMap<String, Vec<(i64, AlertItem)>>;

/// Queued alerts not yet in a mail, by team, oldest first; subjects count
/// their mentions since `window`.
pub fn pending(conn: &Connection, window: i64) -> Result<QueuedAlerts, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT q.id, q.team, q.severity, m.id, m.brand, m.title, m.url, m.snippet,
                m.sentiment, m.source_id,
                (SELECT profile FROM subjects s WHERE s.id = m.subject_id),
                (SELECT COUNT(*) FROM mentions x WHERE x.subject_id = m.subject_id
                                                  AND x.first_seen_at >= ?1),
                m.severity_reason, m.author, m.reach, m.reach_kind
         FROM alert_queue q JOIN mentions m ON m.id = q.mention_id
         WHERE q.outbox_id IS NULL AND q.sent_at IS NULL
         ORDER BY q.team, q.id",
    )?;
    let rows = stmt.query_map([window], |r| {
        let profile: Option<String> = r.get(10)?;
        let label = profile
            .and_then(|p| serde_json::from_str::<Profile>(&p).ok())
            .map(|p| p.label());
        Ok((
            r.get::<String>(1)?,
            r.get::<i64>(0)?,
            AlertItem {
                severity: r.get(2)?,
                id: r.get(3)?,
                brand: r.get(4)?,
                title: r.get(5)?,
                url: r.get(6)?,
                snippet: r.get(7)?,
                sentiment: r.get(8)?,
                source: r.get(9)?,
                subject: label.map(|l| (l, r.get::<u32>(11).unwrap_or(1))),
                reasons: Reasons::parse(r.get::<Option<String>>(12)?.as_deref()),
                byline: Byline::read(r, 13)?,
            },
        ))
    })?;
    let mut by_team = QueuedAlerts::new();
    for row in rows {
        let (team, queue_id, item) = row?;
        by_team.entry(team).or_default().push((queue_id, item));
    }
    Ok(by_team)
}

/// Records that queued alerts `ids` went out in outbox mail `outbox_id`,
/// or, when there is none (no recipient), that they are settled at `now`.
pub fn attach(
    conn: &Connection,
    ids: &[i64],
    outbox_id: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    let mut stmt = conn.prepare_cached(
        "UPDATE alert_queue SET outbox_id = CAST(?2 AS BIGINT),
             sent_at = CASE WHEN ?2 IS NULL THEN CAST(?3 AS BIGINT) END WHERE id = ?1",
    )?;
    for id in ids {
        stmt.execute(params![id, outbox_id, now])?;
    }
    Ok(())
}

/// The brand's mentions scored at or below `negative` since `from`, most
/// negative first (at most 30): what a spike alert lists.
pub fn negatives(
    conn: &Connection,
    brand: &str,
    negative: f64,
    from: i64,
) -> Result<Vec<AlertItem>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, brand, title, url, snippet, severity, sentiment, source_id, severity_reason,
                author, reach, reach_kind
         FROM mentions WHERE brand = ?1 AND sentiment <= ?2 AND first_seen_at > ?3
         ORDER BY sentiment, id LIMIT 30",
    )?;
    let rows = stmt.query_map(params![brand, negative, from], |r| {
        Ok(AlertItem {
            id: r.get(0)?,
            brand: r.get(1)?,
            title: r.get(2)?,
            url: r.get(3)?,
            snippet: r.get(4)?,
            severity: r.get(5)?,
            sentiment: r.get(6)?,
            source: r.get(7)?,
            subject: None,
            reasons: Reasons::parse(r.get::<Option<String>>(8)?.as_deref()),
            byline: Byline::read(r, 9)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The teams mentions `ids` were routed to, each once, in order.
pub fn teams_of(conn: &Connection, ids: &[i64]) -> Result<Vec<String>, StoreError> {
    let mut teams: Vec<String> = Vec::new();
    let mut stmt = conn.prepare_cached("SELECT team FROM mention_teams WHERE mention_id = ?1")?;
    for id in ids {
        for team in stmt.query_map([id], |r| r.get::<String>(0))? {
            let team = team?;
            if !teams.contains(&team) {
                teams.push(team);
            }
        }
    }
    Ok(teams)
}
