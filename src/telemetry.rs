//! Logging: human-readable on a terminal, JSON lines on request.

use std::io::IsTerminal;

use tracing::Level;
use tracing_subscriber::filter::{filter_fn, FilterExt};
use tracing_subscriber::prelude::*;
use tracing_subscriber::{fmt, EnvFilter};

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines, coloured on a terminal.
    Human,
    /// One JSON object per line.
    Json,
}

/// Installs the global subscriber, logging to standard error. `RUST_LOG`
/// overrides `default_level`.
///
/// Other crates log at most at INFO, whatever the level asked: at DEBUG
/// and TRACE, protocol crates write what crosses the wire (async-imap
/// logs its `LOGIN user password` line), and no password may reach a log.
///
/// A log line that cannot be written (standard error closed, a full disk
/// behind a redirect) is dropped. By default tracing-subscriber reports
/// that with `eprint!`, which panics when standard error is the problem,
/// and a panic in the task that handles SIGTERM leaves the daemon unable
/// to stop.
pub fn init(format: LogFormat, default_level: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let ours_or_quiet =
        filter_fn(|meta| meta.target().starts_with("vigia") || *meta.level() <= Level::INFO);
    let layer = fmt::layer()
        .with_writer(std::io::stderr)
        .log_internal_errors(false);
    let layer = match format {
        LogFormat::Human => layer.with_ansi(std::io::stderr().is_terminal()).boxed(),
        LogFormat::Json => layer.json().flatten_event(true).boxed(),
    };
    tracing_subscriber::registry()
        .with(layer.with_filter(filter.and(ours_or_quiet)))
        .init();
    // The bridge from the `log` crate sets its level from the filter's
    // hint, which a filter function cannot give, so it passed everything:
    // html5ever then formatted every token it parsed into a DEBUG record
    // that the filter above dropped (3% of a first poll's CPU). Other
    // crates' records stop at INFO before they are formatted.
    log::set_max_level(log::LevelFilter::Info);
}
