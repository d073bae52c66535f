//! What a digest reports for one team and period: counts by brand and
//! sentiment against the period before, mentions per day, the most
//! negative and most positive mentions, recurring subjects, and routed
//! mentions still open.

use crate::store::db::{params, Connection};

use super::mentions::Byline;
use super::topics::{topics, Topic};
use super::StoreError;

/// Negative, neutral and positive counts.
pub type Counts = [u32; 3];

/// One mention as a digest lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Mention id.
    pub id: i64,
    /// Brand.
    pub brand: String,
    /// Title.
    pub title: String,
    /// URL.
    pub url: Option<String>,
    /// Quote.
    pub snippet: String,
    /// First source.
    pub source: String,
    /// Compound score.
    pub sentiment: f64,
    /// Its label (`negative`, `neutral`, `positive`).
    pub sentiment_label: Option<String>,
    /// Severity (`info` … `critical`).
    pub severity: String,
    /// Follow-up status (`routed`, `acknowledged`, …).
    pub status: String,
    /// Why it got its severity.
    pub reasons: Option<crate::triage::Reasons>,
    /// When first seen.
    pub first_seen_at: i64,
    /// Who wrote it and how far it reached.
    pub byline: Byline,
}

/// Everything one digest shows.
#[derive(Debug, Clone, PartialEq)]
pub struct DigestData {
    /// Urgent and critical mentions routed to the team and still open,
    /// most severe and oldest first: what needs doing.
    pub action: Vec<Line>,
    /// Counts per brand: (brand, this period, the period before).
    pub brands: Vec<(String, Counts, Counts)>,
    /// Counts per day of the chart (start of day, counts), oldest first,
    /// by publication date (first seen when a mention has none).
    pub days: Vec<(i64, Counts)>,
    /// Mentions first seen in the period but published before the chart's
    /// first day (a new source's backlog).
    pub earlier: Counts,
    /// The most negative mentions of the period.
    pub worst: Vec<Line>,
    /// The most positive.
    pub best: Vec<Line>,
    /// Recurring subjects in the subject window ending with the period.
    pub subjects: Vec<Topic>,
    /// Routed mentions still open, first seen before the period's end
    /// minus the follow-up delay.
    pub open: Vec<Line>,
}

/// Which mentions a digest covers.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// Only mentions routed to this team (all when None).
    pub team: Option<&'a str>,
    /// Period start (inclusive), Unix seconds.
    pub from: i64,
    /// Period end (exclusive).
    pub to: i64,
    /// Starts of the chart's days, oldest first, each a day long (the
    /// caller computes them in its time zone).
    pub day_starts: &'a [i64],
    /// The subject window, seconds.
    pub subject_window: i64,
    /// Mentions from which a subject is "act".
    pub act_at: u32,
    /// Open mentions older than this many seconds are listed.
    pub open_after: i64,
}

/// Where a sentiment label is counted in [`Counts`].
fn slot(label: Option<&str>) -> usize {
    match label {
        Some("negative") => 0,
        Some("positive") => 2,
        _ => 1,
    }
}

const TEAM: &str = "(CAST(?1 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM mention_teams t
                    WHERE t.mention_id = m.id AND t.team = ?1))";

/// Gathers a digest's data.
pub fn gather(conn: &Connection, s: &Scope<'_>) -> Result<DigestData, StoreError> {
    let length = s.to - s.from;
    let counts = |time: &str, from: i64, to: i64| -> Result<Vec<(String, Counts)>, StoreError> {
        let sql = format!(
            "SELECT m.brand, m.sentiment_label, COUNT(*) FROM mentions m
             WHERE {TEAM} AND {time} >= ?2 AND {time} < ?3
             GROUP BY m.brand, m.sentiment_label ORDER BY m.brand"
        );
        let mut out: Vec<(String, Counts)> = Vec::new();
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![s.team, from, to], |r| {
            Ok((
                r.get::<String>(0)?,
                r.get::<Option<String>>(1)?,
                r.get::<u32>(2)?,
            ))
        })?;
        for row in rows {
            let (brand, label, n) = row?;
            let slot = slot(label.as_deref());
            match out.iter_mut().find(|(b, _)| *b == brand) {
                Some((_, c)) => c[slot] += n,
                None => {
                    let mut c = [0; 3];
                    c[slot] = n;
                    out.push((brand, c));
                }
            }
        }
        Ok(out)
    };
    const SEEN: &str = "m.first_seen_at";
    const PUBLISHED: &str = "COALESCE(m.published_at, m.first_seen_at)";
    let now = counts(SEEN, s.from, s.to)?;
    let before = counts(SEEN, s.from - length, s.from)?;
    let mut brands: Vec<(String, Counts, Counts)> = now
        .iter()
        .map(|(b, c)| {
            let prev = before
                .iter()
                .find(|(x, _)| x == b)
                .map_or([0; 3], |(_, c)| *c);
            (b.clone(), *c, prev)
        })
        .collect();
    for (b, c) in &before {
        if !brands.iter().any(|(x, _, _)| x == b) {
            brands.push((b.clone(), [0; 3], *c));
        }
    }
    let mut days = Vec::new();
    for &start in s.day_starts {
        let total = counts(PUBLISHED, start, start + 86_400)?
            .into_iter()
            .fold([0; 3], |acc, (_, c)| {
                [acc[0] + c[0], acc[1] + c[1], acc[2] + c[2]]
            });
        days.push((start, total));
    }
    let earlier = match s.day_starts.first() {
        Some(&first) => {
            let sql = format!(
                "SELECT m.sentiment_label, COUNT(*) FROM mentions m
                 WHERE {TEAM} AND m.first_seen_at >= ?2 AND m.first_seen_at < ?3
                   AND {PUBLISHED} < ?4 GROUP BY m.sentiment_label"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![s.team, s.from, s.to, first], |r| {
                Ok((r.get::<Option<String>>(0)?, r.get::<u32>(1)?))
            })?;
            let mut c = [0; 3];
            for row in rows {
                let (label, n) = row?;
                c[slot(label.as_deref())] += n;
            }
            c
        }
        None => [0; 3],
    };
    let lines = |order: &str,
                 filter: &str,
                 from: i64,
                 to: i64,
                 limit: u32|
     -> Result<Vec<Line>, StoreError> {
        let sql = format!(
            "SELECT m.id, m.brand, m.title, m.url, m.snippet, m.source_id, m.sentiment,
                    m.sentiment_label, m.severity, m.status, m.first_seen_at, m.severity_reason,
                    {}
             FROM mentions m WHERE {TEAM} AND m.first_seen_at >= ?2 AND m.first_seen_at < ?3
               AND m.sentiment IS NOT NULL AND {filter}
             ORDER BY {order} LIMIT {limit}",
            Byline::COLUMNS
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params![s.team, from, to], |r| {
            Ok(Line {
                id: r.get(0)?,
                brand: r.get(1)?,
                title: r.get(2)?,
                url: r.get(3)?,
                snippet: r.get(4)?,
                source: r.get(5)?,
                sentiment: r.get(6)?,
                sentiment_label: r.get(7)?,
                severity: r.get(8)?,
                status: r.get(9)?,
                first_seen_at: r.get(10)?,
                reasons: crate::triage::Reasons::parse(r.get::<Option<String>>(11)?.as_deref()),
                byline: Byline::read(r, 12)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    };
    const OPEN: &str = "m.status IN ('new', 'routed', 'acknowledged')";
    let action = lines(
        "CASE m.severity WHEN 'critical' THEN 0 ELSE 1 END, m.first_seen_at, m.id",
        &format!("{OPEN} AND m.severity IN ('urgent', 'critical')"),
        0,
        s.to,
        10,
    )?;
    let worst = lines(
        "m.sentiment, m.id",
        "m.sentiment_label = 'negative'",
        s.from,
        s.to,
        5,
    )?;
    let best = lines(
        "m.sentiment DESC, m.id",
        "m.sentiment_label = 'positive'",
        s.from,
        s.to,
        5,
    )?;
    // What needs action is listed once, above.
    let open = lines(
        "m.first_seen_at, m.id",
        &format!("{OPEN} AND m.severity NOT IN ('urgent', 'critical')"),
        0,
        s.to - s.open_after,
        5,
    )?;
    // Only the subjects of the brands this team hears about, counted and
    // quoted from its own mentions.
    let teams: Option<Vec<String>> = s.team.map(|t| vec![t.to_string()]);
    let scope = super::topics::TopicScope {
        brand: None,
        teams: teams.as_deref(),
    };
    let subjects = topics(conn, &scope, s.to - s.subject_window, s.act_at, 1)?
        .into_iter()
        .filter(|t| t.count > 1 && brands.iter().any(|(b, _, _)| *b == t.brand))
        .take(5)
        .collect();
    Ok(DigestData {
        action,
        brands,
        days,
        earlier,
        worst,
        best,
        subjects,
        open,
    })
}
