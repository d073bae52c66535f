//! `vigia feeds status` and `vigia feeds import FILE.opml`.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};

use super::output::{clean, span, table, time};
use crate::config::{opml, Config};
use crate::store::{self, sources, Store};

#[derive(Debug, Subcommand)]
pub enum FeedsCommand {
    /// Health of every configured source (feeds, mailboxes, pages): last success,
    /// failures, next check, and the last error or warning (a page that changed its layout).
    Status(StatusArgs),
    /// Import the feeds of an OPML file as `[[feed]]` tables.
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The OPML file.
    file: PathBuf,
    /// Append to this feeds file (list it under `feed_files` in the config)
    /// instead of printing to standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

pub async fn status(config: Config, args: StatusArgs) -> anyhow::Result<()> {
    let store = Store::open(&config.storage_path)
        .with_context(|| format!("opening {}", config.storage_path.display()))?;
    let states = store.call(|c| sources::list(c)).await?;
    let locations = config.source_locations();
    let configured: Vec<_> = locations
        .iter()
        .map(|(id, location)| {
            let state = states
                .iter()
                .find(|s| s.id == *id && s.config_url == *location);
            (id, location, state)
        })
        .collect();
    if args.json {
        let out: Vec<_> = configured
            .iter()
            .map(|(id, location, s)| serde_json::json!({ "id": id, "url": location, "state": s }))
            .collect();
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    let now = store::now();
    let rows: Vec<Vec<String>> = configured
        .iter()
        .map(|(id, _, state)| match state {
            None => vec![
                clean(id, 40),
                "new".into(),
                "0".into(),
                "-".into(),
                "now".into(),
                "-".into(),
            ],
            Some(s) => vec![
                clean(id, 40),
                health(s).into(),
                s.error_count.to_string(),
                time(s.last_success_at),
                if s.next_check_at <= now {
                    "now".into()
                } else {
                    format!("in {}", span(s.next_check_at - now))
                },
                s.last_error
                    .as_deref()
                    .filter(|_| s.error_count > 0)
                    .or(s.warning.as_deref())
                    .map_or("-".into(), |e| clean(e, 100)),
            ],
        })
        .collect();
    table(
        &[
            "SOURCE",
            "STATE",
            "FAILURES",
            "LAST SUCCESS",
            "NEXT CHECK",
            "PROBLEM",
        ],
        &rows,
    );
    Ok(())
}

fn health(state: &sources::SourceState) -> &'static str {
    match (state.error_count, state.last_success_at, &state.warning) {
        (0, Some(_), Some(_)) => "warning",
        (0, Some(_), None) => "ok",
        (0, None, _) => "new",
        (_, _, _) => "failing",
    }
}

pub fn import(config_path: &Path, args: &ImportArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    // Skip what the config already has, when there is a valid config.
    let (urls, names): (HashSet<String>, HashSet<String>) = match Config::load(config_path) {
        Ok(config) => (
            config.feeds.iter().map(|f| f.url.to_string()).collect(),
            config.feeds.iter().map(|f| f.id.clone()).collect(),
        ),
        Err(_) => Default::default(),
    };
    let feeds = opml::parse(&text, &urls, &names)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let toml = opml::to_toml(&feeds).context("writing TOML")?;
    match &args.output {
        None => print!("{toml}"),
        Some(path) => {
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("opening {}", path.display()))?;
            writeln!(file, "\n# Imported from {}\n{toml}", args.file.display())
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!("Imported {} feeds into {}.", feeds.len(), path.display());
        }
    }
    Ok(())
}
