//! Reading mentions back: the filtered listing (with full-text search), a
//! mention's sightings and text, and the names it was stored under.

use crate::store::db::{params, Connection, OptionalExtension, Row};
use rusqlite::types::Value;
use serde::Serialize;

use super::{label_name, search};
use crate::sentiment::Label;
use crate::store::triage::Status;
use crate::store::{json_column, StoreError};
use crate::triage::subjects::Profile;
use crate::triage::Severity;

/// Which mentions to list.
#[derive(Debug, Clone, Default)]
pub struct MentionFilter {
    /// Only this brand (case-insensitive).
    pub brand: Option<String>,
    /// Only mentions first seen at or after this time (Unix seconds).
    pub since: Option<i64>,
    /// Only mentions sighted in this source.
    pub source: Option<String>,
    /// Only mentions whose title or text match this full-text query (FTS5
    /// syntax: see [`fts_query`]).
    pub text: Option<String>,
    /// At most this many, in `order`.
    pub limit: Option<usize>,
    /// Which come first.
    pub order: Order,
    /// Only this sentiment label.
    pub sentiment: Option<Label>,
    /// Only mentions routed to this team.
    pub team: Option<String>,
    /// Only mentions at least this severe.
    pub severity: Option<Severity>,
    /// Only mentions in this follow-up state.
    pub status: Option<StatusFilter>,
    /// Only mentions of this subject.
    pub subject: Option<i64>,
    /// Only the mention with this id.
    pub id: Option<i64>,
    /// Only mentions routed to one of these teams (what a team member of
    /// the web inbox may see); everything when None.
    pub visible_to: Option<Vec<String>>,
}

/// The order of a listing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Order {
    /// Newest first.
    #[default]
    Newest,
    /// Most severe first, then newest.
    Severity,
}

/// Which follow-up states to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// New, routed or acknowledged: waiting for someone.
    Open,
    /// Exactly this status.
    Is(Status),
}

/// A stored mention, as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MentionRow {
    /// Mention id.
    pub id: i64,
    /// Brand.
    pub brand: String,
    /// Title.
    pub title: String,
    /// Canonical URL.
    pub url: Option<String>,
    /// The quote.
    pub snippet: String,
    /// Terms that matched.
    pub terms: Vec<String>,
    /// Source it was first seen in.
    pub source: String,
    /// Every source it was seen in.
    pub sources: Vec<String>,
    /// Number of sightings.
    pub sightings: i64,
    /// Publication time the item gave, Unix seconds.
    #[serde(serialize_with = "crate::store::rfc3339_opt")]
    pub published_at: Option<i64>,
    /// When Vigia first saw it, Unix seconds.
    #[serde(serialize_with = "crate::store::rfc3339")]
    pub first_seen_at: i64,
    /// Site or sender it comes from, when known.
    pub origin: Option<String>,
    /// Alert query that found it, for alert emails.
    pub query: Option<String>,
    /// Compound sentiment score in [-1, 1].
    pub sentiment: Option<f64>,
    /// `negative`, `neutral` or `positive`.
    pub sentiment_label: Option<String>,
    /// Language it was scored in.
    pub language: Option<String>,
    /// Lexicon that scored it.
    pub lexicon: Option<String>,
    /// Teams it was routed to.
    pub teams: Vec<String>,
    /// `info`, `notable`, `urgent` or `critical`.
    pub severity: String,
    /// Follow-up status.
    pub status: String,
    /// Its recurring subject, when it has one.
    pub subject_id: Option<i64>,
    /// What that subject is about.
    pub subject: Option<String>,
    /// The person it is assigned to, when someone is.
    pub assignee: Option<String>,
    /// Who wrote it, when its source says.
    pub author: Option<String>,
    /// How far it reached, when its source counts it.
    pub reach: Option<i64>,
    /// What `reach` counts: `followers`, `score` or `views`.
    pub reach_kind: Option<String>,
}

impl MentionRow {
    /// Who wrote it and how far it reached.
    pub fn byline(&self) -> super::Byline {
        super::Byline::from_columns(self.author.clone(), self.reach, self.reach_kind.as_deref())
    }
}

/// Lists mentions in the filter's order.
pub fn list(conn: &Connection, filter: &MentionFilter) -> Result<Vec<MentionRow>, StoreError> {
    let order = match filter.order {
        Order::Newest => "m.first_seen_at DESC, m.id DESC",
        Order::Severity => {
            "CASE m.severity WHEN 'critical' THEN 3 WHEN 'urgent' THEN 2
                             WHEN 'notable' THEN 1 ELSE 0 END DESC,
             m.first_seen_at DESC, m.id DESC"
        }
    };
    let Some(conditions) = Conditions::of(conn, filter) else {
        // A search with no word to look for finds nothing.
        return Ok(Vec::new());
    };
    // Only the filters given, so that SQLite can use an index for them;
    // the page's ids first (filters, order, limit), then the details of
    // those rows only, not of every match the sort looked at.
    let mut stmt = conn.prepare_cached(&format!(
        "WITH page AS (
           SELECT m.id FROM mentions m WHERE {} ORDER BY {order} LIMIT ?)
         SELECT m.id, m.brand, m.title, m.url, m.snippet, m.terms, m.source_id,
                m.published_at, m.first_seen_at,
                (SELECT COUNT(*) FROM sightings s WHERE s.mention_id = m.id),
                (SELECT string_agg(source_id, '\n' ORDER BY source_id) FROM
                    (SELECT DISTINCT source_id FROM sightings s WHERE s.mention_id = m.id) AS seen),
                m.origin, m.alert_query, m.sentiment, m.sentiment_label, m.language, m.lexicon,
                (SELECT string_agg(team, '\n' ORDER BY team) FROM mention_teams t
                    WHERE t.mention_id = m.id),
                m.severity, m.status, m.subject_id,
                (SELECT profile FROM subjects WHERE id = m.subject_id), m.assignee,
                m.author, m.reach, m.reach_kind
         FROM page JOIN mentions m ON m.id = page.id
         ORDER BY {order}",
        conditions.sql.join(" AND ")
    ))?;
    let mut args = conditions.args;
    args.push(Value::Integer(filter.limit.map_or(i64::MAX, |l| l as i64)));
    let rows = stmt.query_map(args, row)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(r?);
    }
    Ok(out)
}

/// The WHERE conditions of a listing and their values, in order.
struct Conditions {
    sql: Vec<&'static str>,
    args: Vec<Value>,
}

impl Conditions {
    /// The conditions of `filter` in the SQL of `conn`; None when its
    /// search has no word.
    fn of(conn: &Connection, filter: &MentionFilter) -> Option<Conditions> {
        let mut c = Conditions {
            sql: vec!["TRUE"],
            args: Vec::new(),
        };
        let text = |s: &str| Value::Text(s.to_string());
        if let Some(brand) = &filter.brand {
            c.add("lower(m.brand) = lower(?)", text(brand));
        }
        if let Some(since) = filter.since {
            c.add("m.first_seen_at >= ?", Value::Integer(since));
        }
        if let Some(label) = filter.sentiment {
            c.add("m.sentiment_label = ?", text(label_name(label)));
        }
        if let Some(team) = &filter.team {
            c.add(
                "EXISTS (SELECT 1 FROM mention_teams t WHERE t.mention_id = m.id AND t.team = ?)",
                text(team),
            );
        }
        if let Some(severity) = filter.severity {
            let names: Vec<&str> = ["info", "notable", "urgent", "critical"]
                .into_iter()
                .filter(|n| Severity::parse(n).is_some_and(|s| s >= severity))
                .collect();
            c.add(
                "m.severity IN (SELECT value FROM json_each(?))",
                text(&serde_json::Value::from(names).to_string()),
            );
        }
        match filter.status {
            Some(StatusFilter::Open) => c.sql.push("m.status IN ('new', 'routed', 'acknowledged')"),
            Some(StatusFilter::Is(status)) => c.add("m.status = ?", text(status.name())),
            None => {}
        }
        if let Some(subject) = filter.subject {
            c.add("m.subject_id = ?", Value::Integer(subject));
        }
        if let Some(id) = filter.id {
            c.add("m.id = ?", Value::Integer(id));
        }
        if let Some(source) = &filter.source {
            c.add(
                "EXISTS (SELECT 1 FROM sightings s WHERE s.mention_id = m.id AND s.source_id = ?)",
                text(source),
            );
        }
        if let Some(query) = &filter.text {
            if conn.is_postgres() {
                c.add(
                    "m.search @@ to_tsquery('simple', vigia_fold(?))",
                    text(&search::ts_query(query)?),
                );
            } else {
                c.add(
                    "m.id IN (SELECT rowid FROM mentions_fts WHERE mentions_fts MATCH ?)",
                    text(&search::fts_query(query)?),
                );
            }
        }
        if let Some(teams) = &filter.visible_to {
            c.add(
                "EXISTS (SELECT 1 FROM mention_teams t WHERE t.mention_id = m.id
                         AND t.team IN (SELECT value FROM json_each(?)))",
                text(&serde_json::Value::from(teams.clone()).to_string()),
            );
        }
        Some(c)
    }

    fn add(&mut self, sql: &'static str, value: Value) {
        self.sql.push(sql);
        self.args.push(value);
    }
}

/// The brands and the teams the store has mentions of (from their
/// covering indexes), for checking names given on the command line.
pub fn names(conn: &Connection) -> Result<(Vec<String>, Vec<String>), StoreError> {
    let column = |sql: &str| -> Result<Vec<String>, StoreError> {
        let mut stmt = conn.prepare_cached(sql)?;
        let names = stmt
            .query_map(params![], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(names)
    };
    Ok((
        column("SELECT DISTINCT brand FROM mentions")?,
        column("SELECT DISTINCT team FROM mention_teams")?,
    ))
}

/// One place a mention was seen: a source, at one canonical URL.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sighting {
    /// Its id, for `vigia mentions split`.
    pub id: i64,
    /// The source.
    pub source: String,
    /// The URL it was seen at there, when it had one.
    pub url: Option<String>,
    /// When first.
    #[serde(serialize_with = "crate::store::rfc3339")]
    pub seen_at: i64,
    /// When last.
    #[serde(serialize_with = "crate::store::rfc3339")]
    pub last_seen_at: i64,
    /// How many items of the source carried it there.
    pub times: i64,
    /// Merged by its content (a near duplicate at another URL), so it can
    /// be split off.
    pub merged: bool,
}

/// What `mentions show` adds to a listed mention.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Detail {
    /// Every sighting, oldest first.
    pub sightings: Vec<Sighting>,
    /// Its whole text (none for mentions stored before whole texts were
    /// kept).
    pub text: Option<String>,
    /// Why it got its severity.
    pub reasons: Option<crate::triage::Reasons>,
}

/// A mention's every sighting, its whole text and why it got its severity.
pub fn detail(conn: &Connection, id: i64) -> Result<Detail, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, source_id, url, seen_at, coalesce(last_seen_at, seen_at), times,
                merged IS NOT NULL
         FROM sightings WHERE mention_id = ?1 ORDER BY seen_at, id",
    )?;
    let sightings = stmt
        .query_map([id], |r| {
            Ok(Sighting {
                id: r.get(0)?,
                source: r.get(1)?,
                url: r.get::<String>(2).map(|u| (!u.is_empty()).then_some(u))?,
                seen_at: r.get(3)?,
                last_seen_at: r.get(4)?,
                times: r.get(5)?,
                merged: r.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let (text, reasons): (Option<String>, Option<String>) = conn
        .query_row(
            "SELECT text, severity_reason FROM mentions WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .unwrap_or_default();
    Ok(Detail {
        sightings,
        text,
        reasons: crate::triage::Reasons::parse(reasons.as_deref()),
    })
}

fn row(r: &Row<'_>) -> crate::store::db::Result<MentionRow> {
    let sources: Option<String> = r.get(10)?;
    Ok(MentionRow {
        id: r.get(0)?,
        brand: r.get(1)?,
        title: r.get(2)?,
        url: r.get(3)?,
        snippet: r.get(4)?,
        terms: json_column(r, 5)?,
        source: r.get(6)?,
        published_at: r.get(7)?,
        first_seen_at: r.get(8)?,
        sightings: r.get(9)?,
        sources: sources
            .map(|s| s.lines().map(str::to_string).collect())
            .unwrap_or_default(),
        origin: r.get(11)?,
        query: r.get(12)?,
        sentiment: r.get(13)?,
        sentiment_label: r.get(14)?,
        language: r.get(15)?,
        lexicon: r.get(16)?,
        teams: r
            .get::<Option<String>>(17)?
            .map(|t| t.lines().map(str::to_string).collect())
            .unwrap_or_default(),
        severity: r.get(18)?,
        status: r.get(19)?,
        subject_id: r.get(20)?,
        subject: r
            .get::<Option<String>>(21)?
            .and_then(|json| serde_json::from_str::<Profile>(&json).ok())
            .map(|p| p.label()),
        assignee: r.get(22)?,
        author: r.get(23)?,
        reach: r.get(24)?,
        reach_kind: r.get(25)?,
    })
}
