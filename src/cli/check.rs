//! `vigia check`: validate the config, print every problem, one per line.

use std::path::Path;
use std::process::ExitCode;

use crate::config::Config;

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
            println!(
                "{}: ok ({} brands, {} feeds, {} maildirs, {} imap, {} pages, {} distinct terms; \
                 {} teams, {} routes, default team {}; mail {}; database {})",
                path.display(),
                config.brands.len(),
                config.feeds.len(),
                config.maildirs.len(),
                config.imaps.len(),
                config.pages.len(),
                config.matcher.term_count(),
                config.policy.settings.teams.len(),
                config.policy.settings.routes.len(),
                config.policy.settings.default_team,
                config.mail.describe(),
                config.storage_path.display()
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
