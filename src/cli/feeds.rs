//! `vigia feeds status` and `vigia feeds import FILE.opml`.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};

use super::output::{clean, span, table, time};
use crate::config::{opml, Config};
use crate::store::{self, sources};

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
    let store = super::open_store(&config)?;
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
    // With several daemons on the database: which one polls each source.
    let polling = |state: Option<&sources::SourceState>| {
        state
            .and_then(|s| {
                s.leased_by
                    .as_deref()
                    .filter(|_| s.leased_until > Some(now))
            })
            .map_or("-".into(), |by| clean(by, 40))
    };
    let rows: Vec<Vec<String>> = configured
        .iter()
        .map(|(id, _, state)| match state {
            None => vec![
                clean(id, 40),
                "new".into(),
                "0".into(),
                "0".into(),
                "0".into(),
                "-".into(),
                "now".into(),
                "-".into(),
            ],
            Some(s) => vec![
                clean(id, 40),
                health(s).into(),
                s.items_total.to_string(),
                s.mentions_total.to_string(),
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
        .zip(&configured)
        .map(|(mut row, (_, _, state))| {
            if store.is_shared() {
                row.insert(7, polling(*state));
            }
            row
        })
        .collect();
    let mut headers = vec![
        "SOURCE",
        "STATE",
        "ITEMS",
        "MENTIONS",
        "FAILURES",
        "LAST SUCCESS",
        "NEXT CHECK",
        "PROBLEM",
    ];
    if store.is_shared() {
        headers.insert(7, "POLLED BY");
    }
    table(&headers, &rows);
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
    // Skip what the config already has; without a valid config, say that
    // nothing could be skipped.
    let (mut urls, mut names): (HashSet<String>, HashSet<String>) = match Config::load(config_path)
    {
        Ok(config) => (
            config.feeds().map(|f| f.url.to_string()).collect(),
            config.feeds().map(|f| f.id.to_string()).collect(),
        ),
        Err(errors) => {
            eprintln!(
                "warning: the config could not be read, so feeds it may already have are not skipped:\n{errors}"
            );
            Default::default()
        }
    };
    // A feeds file being appended to may not be listed in the config yet.
    if let Some(path) = args.output.as_deref().filter(|p| p.exists()) {
        let (file_urls, file_names) = feeds_in(path)?;
        urls.extend(file_urls);
        names.extend(file_names);
    }
    let import = opml::parse(&text, &urls, &names)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let feeds = &import.feeds;
    let toml = opml::to_toml(feeds).context("writing TOML")?;
    match &args.output {
        None => print!("{toml}"),
        Some(path) if feeds.is_empty() => {
            eprintln!("Nothing new to import into {}.", path.display());
        }
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
    let listed = |what: &str, list: &[(String, String)]| {
        if !list.is_empty() {
            eprintln!("Skipped {} {what}:", list.len());
            for (name, url) in list {
                eprintln!("  {}  {}", clean(name, 60), clean(url, 200));
            }
        }
    };
    listed("feeds the config already has", &import.known);
    listed("repeats of a feed earlier in the file", &import.repeated);
    if !import.without_url.is_empty() {
        eprintln!(
            "Skipped {} outlines with no feed URL (xmlUrl):",
            import.without_url.len()
        );
        for name in &import.without_url {
            eprintln!("  {}", clean(name, 60));
        }
    }
    Ok(())
}

/// The feed URLs (as the config stores them) and names of a feeds file.
fn feeds_in(path: &Path) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file: toml::Table =
        toml::from_str(&text).with_context(|| format!("reading {}", path.display()))?;
    let feeds = file.get("feed").and_then(toml::Value::as_array);
    let field = |key: &str| -> Vec<String> {
        feeds
            .into_iter()
            .flatten()
            .filter_map(|f| f.get(key).and_then(toml::Value::as_str))
            .map(str::to_string)
            .collect()
    };
    let urls = field("url").iter().map(|u| opml::same_url(u)).collect();
    Ok((urls, field("name")))
}
