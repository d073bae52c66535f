//! `vigia check`: validate the config, print every problem, one per line.

use std::path::Path;
use std::process::ExitCode;

use crate::config::Config;
use crate::store::{outbox, Store};

/// Whether the daemon paused sending, read from an existing database.
fn mail_paused(config: &Config) -> Option<(String, i64)> {
    if config.storage_url.is_none() && !config.storage_path.exists() {
        return None;
    }
    let store = Store::open_at(config.store_place()).ok()?;
    store.call_blocking(|c| outbox::paused(c)).ok().flatten()
}

pub fn run(path: &Path) -> ExitCode {
    if let Some(hint) = super::missing_config(path) {
        eprintln!("error: {hint}");
        return ExitCode::FAILURE;
    }
    match Config::load(path) {
        Ok(config) => {
            for warning in &config.warnings {
                eprintln!("warning: {warning}");
            }
            if let Some((reason, since)) = mail_paused(&config) {
                eprintln!(
                    "warning: mail sending is paused since {}: {reason}; the mail waits until [mail] is fixed and the daemon reloaded",
                    super::output::time(Some(since))
                );
            }
            let count = |table| config.sources.iter().filter(|s| s.table() == table).count();
            // Channels by name and kind: their URLs and tokens are secrets.
            let chats: Vec<&str> = config.chats.iter().map(|c| c.name.as_str()).collect();
            let chats = if chats.is_empty() {
                "none".to_string()
            } else {
                chats.join(", ")
            };
            println!(
                "{}: ok ({} brands, {} feeds, {} maildirs, {} imap, {} pages, {} json, {} searches, \
                 {} distinct terms; {} teams, {} routes, default team {}; mail {}; chat {chats}; database {})",
                path.display(),
                config.brands.len(),
                count("feed"),
                count("maildir"),
                count("imap"),
                count("page"),
                count("json"),
                count("search"),
                config.matcher.term_count(),
                config.policy.settings.teams.len(),
                config.policy.settings.routes.len(),
                config.policy.settings.default_team,
                config.mail.describe(),
                config.store_place()
            );
            ExitCode::SUCCESS
        }
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!("{} problem(s) found", errors.0.len());
            ExitCode::FAILURE
        }
    }
}
