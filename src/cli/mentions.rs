//! `vigia mentions`: list stored mentions, filtered, as a table, JSON or CSV.

use anyhow::{bail, Context};
use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, ValueEnum};

use super::followup;
use super::output::{clean, table, time};
use crate::config::Config;
use crate::sentiment::Label;
use crate::store::mentions::{self, MentionFilter, MentionRow, StatusFilter};
use crate::store::triage::Status;
use crate::store::Store;
use crate::triage::Severity;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct MentionsArgs {
    #[command(subcommand)]
    action: Option<followup::FollowUp>,
    /// Only this brand.
    #[arg(long)]
    brand: Option<String>,
    /// Only mentions first seen since: a duration back from now (`24h`,
    /// `7d`), a date (`2026-11-01`) or an RFC 3339 time.
    #[arg(long)]
    since: Option<String>,
    /// Only mentions seen in this source (feed name or URL).
    #[arg(long)]
    source: Option<String>,
    /// At most this many, newest first.
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Only mentions with this sentiment.
    #[arg(long, value_enum)]
    sentiment: Option<SentimentArg>,
    /// Only mentions routed to this team.
    #[arg(long)]
    team: Option<String>,
    /// Only mentions at least this severe.
    #[arg(long, value_enum)]
    severity: Option<SeverityArg>,
    /// Only mentions in this follow-up state; `open` is new, routed or
    /// acknowledged.
    #[arg(long, value_enum)]
    status: Option<StatusArg>,
    /// Only mentions of this subject (an id from `vigia topics`).
    #[arg(long)]
    subject: Option<i64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SeverityArg {
    Info,
    Notable,
    Urgent,
    Critical,
}

impl From<SeverityArg> for Severity {
    fn from(arg: SeverityArg) -> Severity {
        match arg {
            SeverityArg::Info => Severity::Info,
            SeverityArg::Notable => Severity::Notable,
            SeverityArg::Urgent => Severity::Urgent,
            SeverityArg::Critical => Severity::Critical,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum StatusArg {
    Open,
    New,
    Routed,
    Acknowledged,
    Resolved,
    Ignored,
}

impl From<StatusArg> for StatusFilter {
    fn from(arg: StatusArg) -> StatusFilter {
        match arg {
            StatusArg::Open => StatusFilter::Open,
            StatusArg::New => StatusFilter::Is(Status::New),
            StatusArg::Routed => StatusFilter::Is(Status::Routed),
            StatusArg::Acknowledged => StatusFilter::Is(Status::Acknowledged),
            StatusArg::Resolved => StatusFilter::Is(Status::Resolved),
            StatusArg::Ignored => StatusFilter::Is(Status::Ignored),
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SentimentArg {
    Negative,
    Neutral,
    Positive,
}

impl From<SentimentArg> for Label {
    fn from(arg: SentimentArg) -> Label {
        match arg {
            SentimentArg::Negative => Label::Negative,
            SentimentArg::Neutral => Label::Neutral,
            SentimentArg::Positive => Label::Positive,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
    Csv,
}

pub async fn run(config: Config, args: MentionsArgs) -> anyhow::Result<()> {
    if let Some(action) = args.action {
        return followup::run(config, action).await;
    }
    let filter = MentionFilter {
        brand: args.brand,
        since: args.since.as_deref().map(parse_since).transpose()?,
        source: args.source,
        limit: Some(args.limit),
        sentiment: args.sentiment.map(Label::from),
        team: args.team,
        severity: args.severity.map(Severity::from),
        status: args.status.map(StatusFilter::from),
        subject: args.subject,
        id: None,
    };
    let store = Store::open(&config.storage_path)
        .with_context(|| format!("opening {}", config.storage_path.display()))?;
    let rows = store.call(move |c| mentions::list(c, &filter)).await?;
    match args.format {
        Format::Table => print_table(&rows),
        Format::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
        Format::Csv => print_csv(&rows)?,
    }
    Ok(())
}

fn parse_since(text: &str) -> anyhow::Result<i64> {
    if let Ok(d) = humantime::parse_duration(text) {
        return Ok(Utc::now().timestamp() - d.as_secs() as i64);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.timestamp());
    }
    if let Some(t) = NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
    {
        return Ok(t.and_utc().timestamp());
    }
    bail!("--since {text:?}: expected a duration (\"7d\"), a date (\"2026-11-01\") or an RFC 3339 time")
}

fn print_table(rows: &[MentionRow]) {
    if rows.is_empty() {
        println!("No mentions.");
        return;
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|m| {
            vec![
                m.id.to_string(),
                time(Some(m.first_seen_at)),
                clean(&m.brand, 20),
                m.severity.clone(),
                m.status.clone(),
                clean(&m.teams.join(","), 30),
                sentiment_cell(m),
                clean(m.subject.as_deref().unwrap_or("-"), 30),
                clean(&m.sources.join(","), 20),
                clean(&m.title, 60),
                clean(m.url.as_deref().unwrap_or("-"), 80),
            ]
        })
        .collect();
    table(
        &[
            "ID",
            "FIRST SEEN",
            "BRAND",
            "SEVERITY",
            "STATUS",
            "TEAMS",
            "SENTIMENT",
            "SUBJECT",
            "SOURCES",
            "TITLE",
            "URL",
        ],
        &cells,
    );
}

fn sentiment_cell(m: &MentionRow) -> String {
    match (m.sentiment, &m.sentiment_label) {
        (Some(score), Some(label)) => format!("{label} {score:+.2}"),
        _ => "-".to_string(),
    }
}

/// CSV with formula injection defused: a cell from outside that starts
/// with `=`, `+`, `-` or `@` gets a leading apostrophe (OWASP advice).
fn print_csv(rows: &[MentionRow]) -> anyhow::Result<()> {
    let mut out = csv::Writer::from_writer(std::io::stdout().lock());
    out.write_record([
        "id",
        "first_seen_at",
        "published_at",
        "brand",
        "title",
        "url",
        "snippet",
        "terms",
        "sources",
        "sightings",
        "origin",
        "alert_query",
        "sentiment",
        "sentiment_label",
        "language",
        "severity",
        "status",
        "teams",
        "subject_id",
        "subject",
    ])?;
    let rfc = |t: Option<i64>| {
        t.and_then(|s| DateTime::from_timestamp(s, 0))
            .map(|t| t.to_rfc3339())
            .unwrap_or_default()
    };
    for m in rows {
        out.write_record([
            m.id.to_string(),
            rfc(Some(m.first_seen_at)),
            rfc(m.published_at),
            defuse(&m.brand),
            defuse(&m.title),
            defuse(m.url.as_deref().unwrap_or_default()),
            defuse(&m.snippet),
            defuse(&m.terms.join("; ")),
            defuse(&m.sources.join("; ")),
            m.sightings.to_string(),
            defuse(m.origin.as_deref().unwrap_or_default()),
            defuse(m.query.as_deref().unwrap_or_default()),
            m.sentiment.map(|s| s.to_string()).unwrap_or_default(),
            m.sentiment_label.clone().unwrap_or_default(),
            m.language.clone().unwrap_or_default(),
            m.severity.clone(),
            m.status.clone(),
            m.teams.join("; "),
            m.subject_id.map(|s| s.to_string()).unwrap_or_default(),
            defuse(m.subject.as_deref().unwrap_or_default()),
        ])?;
    }
    out.flush()?;
    Ok(())
}

fn defuse(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_accepts_durations_dates_and_times() {
        let now = Utc::now().timestamp();
        let week = parse_since("7d").unwrap_or_default();
        assert!((now - 7 * 86_400 - week).abs() < 5);
        assert_eq!(parse_since("2026-11-01").ok(), Some(1_793_491_200));
        assert_eq!(
            parse_since("2026-11-01T00:00:00Z").ok(),
            Some(1_793_491_200)
        );
        assert!(parse_since("last tuesday").is_err());
    }

    #[test]
    fn defuses_formulas() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("plain"), "plain");
    }
}
