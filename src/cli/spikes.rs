//! `vigia spikes backtest`: the alerts the spike detector would have sent
//! over the store's history or an events file, with the `[spikes]`
//! settings or others given here.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};

use super::output::TableOrJson;
use crate::config::Config;
use crate::delivery::spikes::backtest::{self, Event, Replayed, Summary};
use crate::delivery::spikes::{Kind, SpikeRules};
use crate::store::{self as db};

#[derive(Debug, Subcommand)]
pub enum SpikesCommand {
    /// Replay the detector over past mentions and print each alert it would have sent.
    Backtest(BacktestArgs),
}

#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// How far back in the store to replay (e.g. 90d).
    #[arg(long, default_value = "90d", conflicts_with = "events")]
    since: String,
    /// Replay the store by publication date instead of when Vigia first saw
    /// each mention (a fresh install saw its whole backlog at once).
    #[arg(long, conflicts_with = "events")]
    published: bool,
    /// Replay an events file instead: CSV `time,brand,compound` (and `story`, optional), time in RFC 3339.
    #[arg(long)]
    events: Option<PathBuf>,
    /// Output: a table, or one JSON object per alert per line.
    #[arg(long, value_enum, default_value_t = TableOrJson::Table)]
    format: TableOrJson,
    /// Compound at or below this counts as negative.
    #[arg(long)]
    negative: Option<f64>,
    /// The sliding window (e.g. 1h).
    #[arg(long)]
    window: Option<String>,
    /// Fewest negatives in the window that can be a spike.
    #[arg(long)]
    min_count: Option<u32>,
    /// Largest tail probability that is a spike.
    #[arg(long)]
    p_value: Option<f64>,
    /// Windows in a row that make a build-up (1: none).
    #[arg(long)]
    sustained: Option<u32>,
    /// How many times its usual count a build-up holds.
    #[arg(long)]
    sustained_ratio: Option<f64>,
    /// Largest tail probability of a build-up.
    #[arg(long)]
    sustained_p: Option<f64>,
    /// Quiet time after an alert (e.g. 6h).
    #[arg(long)]
    cooldown: Option<String>,
}

impl BacktestArgs {
    /// The events file it reads, if any (then no store, so no config
    /// needed).
    pub fn events_file(&self) -> Option<&Path> {
        self.events.as_deref()
    }

    /// `base` with the settings given on the command line.
    fn rules(&self, base: SpikeRules) -> anyhow::Result<SpikeRules> {
        let duration = |flag: &str, v: &Option<String>, d| match v {
            None => Ok(d),
            Some(v) => humantime::parse_duration(v)
                .with_context(|| format!("--{flag} {v:?}: expected a duration such as \"1h\"")),
        };
        Ok(SpikeRules {
            negative: self.negative.unwrap_or(base.negative),
            window: duration("window", &self.window, base.window)?,
            min_count: self.min_count.unwrap_or(base.min_count),
            p_value: self.p_value.unwrap_or(base.p_value),
            sustained: self.sustained.unwrap_or(base.sustained),
            sustained_ratio: self.sustained_ratio.unwrap_or(base.sustained_ratio),
            sustained_p: self.sustained_p.unwrap_or(base.sustained_p),
            cooldown: duration("cooldown", &self.cooldown, base.cooldown)?,
            ..base
        })
    }
}

/// Replays an events file, with the config's `[spikes]` when one is
/// named or at the default path, else the defaults.
pub fn file(config: &Path, named: bool, path: &Path, args: &BacktestArgs) -> anyhow::Result<()> {
    let base = if named || config.exists() {
        super::load(config)?.spikes
    } else {
        SpikeRules::default()
    };
    let reader =
        std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let events = backtest::read_events(std::io::BufReader::new(reader))
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    print(&args.rules(base)?, &events, args.format);
    Ok(())
}

/// Replays the store's history since `--since`.
pub async fn store(config: Config, args: BacktestArgs) -> anyhow::Result<()> {
    let since = humantime::parse_duration(&args.since).with_context(|| {
        format!(
            "--since {:?}: expected a duration such as \"90d\"",
            args.since
        )
    })?;
    let rules = args.rules(config.spikes)?;
    let store = super::open_store(&config)?;
    let from = db::now() - since.as_secs() as i64;
    let published = args.published;
    let rows = store
        .call(move |c| crate::store::spikes::history(c, from, published))
        .await?;
    let events: Vec<Event> = rows
        .into_iter()
        .map(|p| Event {
            brand: p.brand,
            time: p.time,
            compound: p.compound,
            story: p.subject,
        })
        .collect();
    print(&rules, &events, args.format);
    Ok(())
}

fn print(rules: &SpikeRules, events: &[Event], format: TableOrJson) {
    let (alerts, summary) = backtest::replay(rules, events);
    match format {
        TableOrJson::Json => {
            for a in &alerts {
                println!("{}", json(a));
            }
            // Standard output holds only the alerts, one per line.
            eprintln!("{}", summary_line(&summary));
        }
        TableOrJson::Table => {
            for a in &alerts {
                let v = &a.verdict;
                println!(
                    "{}  {}  {}: {} negative {} in {} min, usually {:.1} (p = {:.1e}, dispersion {:.1})",
                    rfc3339(a.time),
                    a.brand,
                    kind(v.kind),
                    v.count,
                    if v.stories { "stories" } else { "mentions" },
                    v.span.as_secs() / 60,
                    v.expected,
                    v.p,
                    v.dispersion
                );
            }
            println!("{}", summary_line(&summary));
        }
    }
}

fn kind(kind: Kind) -> &'static str {
    match kind {
        Kind::Burst => "burst",
        Kind::Sustained => "build-up",
    }
}

fn rfc3339(time: i64) -> String {
    chrono::DateTime::from_timestamp(time, 0).map_or_else(
        || time.to_string(),
        |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

fn json(a: &Replayed) -> serde_json::Value {
    let v = &a.verdict;
    serde_json::json!({
        "brand": a.brand,
        "time": rfc3339(a.time),
        "count": v.count,
        "expected": v.expected,
        "p": v.p,
        "dispersion": v.dispersion,
        "kind": kind(v.kind),
        "counted": if v.stories { "stories" } else { "mentions" },
        "minutes": v.span.as_secs() / 60,
    })
}

fn summary_line(summary: &std::collections::BTreeMap<String, Summary>) -> String {
    if summary.is_empty() {
        return "No mentions to replay.".to_string();
    }
    let per: Vec<String> = summary
        .iter()
        .map(|(brand, s)| {
            format!(
                "{brand} {} in {:.0} days ({:.1} per 30 days)",
                s.alerts,
                s.days,
                s.per_month()
            )
        })
        .collect();
    format!("Alerts: {}", per.join("; "))
}
