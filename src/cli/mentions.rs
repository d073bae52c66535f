//! `vigia mentions`: list stored mentions, filtered, as a table, JSON or CSV.

use anyhow::bail;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use clap::{Args, ValueEnum};

use super::followup;
use super::output::{clean, fitted_table, terminal_width, time, Column, Fit};
use crate::config::Config;
use crate::delivery::digest::{Period, PERIOD_WORDS};
use crate::sentiment::Label;
use crate::store::mentions::{self, MentionFilter, MentionRow, Order, StatusFilter};
use crate::store::triage::Status;
use crate::triage::Severity;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct MentionsArgs {
    #[command(subcommand)]
    action: Option<followup::FollowUp>,
    /// Only this brand.
    #[arg(long)]
    brand: Option<String>,
    /// Only mentions first seen since: `today`, `yesterday`, `last-week`
    /// (days in the digest's time zone), a date (`2026-11-01`), a duration
    /// back from now (`24h`, `7d`) or an RFC 3339 time.
    #[arg(long)]
    since: Option<String>,
    /// Only mentions seen in this source (feed name or URL).
    #[arg(long)]
    source: Option<String>,
    /// Only mentions whose title or text hold these words (accents and
    /// case aside; `"a phrase"`, `OR`, `-word` and `prefix*` work).
    #[arg(long, value_name = "TEXT")]
    query: Option<String>,
    /// At most this many.
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Which come first.
    #[arg(long, value_enum, default_value_t = SortArg::Severity)]
    sort: SortArg,
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
    /// With --format csv: the field separator (`';'` is what spreadsheets
    /// in Portuguese, and many other, locales expect).
    #[arg(long, value_name = "CHAR", default_value_t = ',')]
    delimiter: char,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum SortArg {
    /// Most severe first, then newest.
    Severity,
    /// Newest first.
    Newest,
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
    let d = args.delimiter;
    if d != '\t' && (!d.is_ascii_punctuation() || d == '"') {
        bail!("--delimiter {d:?}: expected one punctuation character such as ';', or a tab");
    }
    if args
        .query
        .as_deref()
        .is_some_and(|q| mentions::fts_query(q).is_none())
    {
        bail!(
            "--query {:?}: no word to look for",
            args.query.unwrap_or_default()
        );
    }
    let since = args
        .since
        .as_deref()
        .map(|s| parse_since(s, config.digest.tz, Utc::now()))
        .transpose()?;
    let store = super::open_store(&config)?;
    let (brand, team) =
        super::names::checked(&config, &store, args.brand.as_deref(), args.team.as_deref()).await?;
    let filter = MentionFilter {
        brand,
        since,
        source: args.source,
        text: args.query,
        limit: Some(args.limit),
        order: match args.sort {
            SortArg::Severity => Order::Severity,
            SortArg::Newest => Order::Newest,
        },
        sentiment: args.sentiment.map(Label::from),
        team,
        severity: args.severity.map(Severity::from),
        status: args.status.map(StatusFilter::from),
        subject: args.subject,
        id: None,
        visible_to: None,
    };
    let rows = store.call(move |c| mentions::list(c, &filter)).await?;
    match args.format {
        Format::Table => print!("{}", table(&rows, terminal_width())),
        Format::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
        Format::Csv => print_csv(&rows, args.delimiter)?,
    }
    Ok(())
}

/// The start of `--since`: a time word or date (days in `tz`), a duration
/// back from `now`, or an RFC 3339 time.
fn parse_since(text: &str, tz: Tz, now: DateTime<Utc>) -> anyhow::Result<i64> {
    if let Some(period) = Period::parse(text) {
        return Ok(period.bounds(tz, now).from);
    }
    if let Ok(d) = humantime::parse_duration(text) {
        return Ok(now.timestamp() - d.as_secs() as i64);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.timestamp());
    }
    bail!("--since {text:?}: expected {PERIOD_WORDS}, a duration back from now (7d) or an RFC 3339 time")
}

/// The listing as a table fit to `width`: the title shrinks, and the
/// columns a person needs least (URL, sources, subject, teams, a brand
/// when there is only one) give way first.
fn table(rows: &[MentionRow], width: Option<usize>) -> String {
    if rows.is_empty() {
        return "No mentions.\n".to_string();
    }
    let one_brand = rows.iter().all(|m| m.brand == rows[0].brand);
    let columns = [
        Column {
            header: "ID",
            fit: Fit::Keep,
        },
        Column {
            header: "FIRST SEEN",
            fit: Fit::Drop(6),
        },
        Column {
            header: "BRAND",
            fit: Fit::Drop(if one_brand { 0 } else { 5 }),
        },
        Column {
            header: "SEVERITY",
            fit: Fit::Keep,
        },
        Column {
            header: "STATUS",
            fit: Fit::Drop(7),
        },
        Column {
            header: "TEAMS",
            fit: Fit::Drop(4),
        },
        Column {
            header: "SENTIMENT",
            fit: Fit::Drop(8),
        },
        Column {
            header: "SUBJECT",
            fit: Fit::Drop(3),
        },
        Column {
            header: "SOURCES",
            fit: Fit::Drop(2),
        },
        Column {
            header: "TITLE",
            fit: Fit::Shrink,
        },
        Column {
            header: "URL",
            fit: Fit::Drop(1),
        },
    ];
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
                clean(&m.title, 80),
                clean(m.url.as_deref().unwrap_or("-"), 80),
            ]
        })
        .collect();
    fitted_table(&columns, &cells, width)
}

fn sentiment_cell(m: &MentionRow) -> String {
    match (m.sentiment, &m.sentiment_label) {
        (Some(score), Some(label)) => format!("{label} {score:+.2}"),
        _ => "-".to_string(),
    }
}

/// CSV with formula injection defused: a cell from outside that starts
/// with `=`, `+`, `-` or `@` gets a leading apostrophe (OWASP advice).
fn print_csv(rows: &[MentionRow], delimiter: char) -> anyhow::Result<()> {
    let mut out = csv::WriterBuilder::new()
        .delimiter(delimiter as u8)
        .from_writer(std::io::stdout().lock());
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
    fn since_accepts_the_digest_words_durations_dates_and_times() {
        let tz: Tz = "America/Sao_Paulo".parse().unwrap_or(Tz::UTC);
        // 2026-11-30 12:00 UTC is 09:00 in São Paulo (UTC-3).
        let now = DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        let at = |t: &str| {
            DateTime::parse_from_rfc3339(t)
                .map(|t| t.timestamp())
                .unwrap_or_default()
        };
        let since = |text: &str| parse_since(text, tz, now).ok();
        assert_eq!(since("7d"), Some(now.timestamp() - 7 * 86_400));
        assert_eq!(since("today"), Some(at("2026-11-30T00:00:00-03:00")));
        assert_eq!(since("yesterday"), Some(at("2026-11-29T00:00:00-03:00")));
        assert_eq!(since("last-week"), Some(at("2026-11-23T00:00:00-03:00")));
        assert_eq!(since("2026-11-01"), Some(at("2026-11-01T00:00:00-03:00")));
        assert_eq!(since("2026-11-01T00:00:00Z"), Some(1_793_491_200));
        let err = parse_since("last tuesday", tz, now)
            .err()
            .map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("yesterday, today, last-week")));
    }

    #[test]
    fn defuses_formulas() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("plain"), "plain");
    }
}
