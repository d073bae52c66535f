//! Logging: human-readable on a terminal, JSON lines on request.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

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
/// A log line that cannot be written (standard error closed, a full disk
/// behind a redirect) is dropped. By default tracing-subscriber reports
/// that with `eprint!`, which panics when standard error is the problem,
/// and a panic in the task that handles SIGTERM leaves the daemon unable
/// to stop.
pub fn init(format: LogFormat, default_level: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .log_internal_errors(false);
    match format {
        LogFormat::Human => builder.with_ansi(std::io::stderr().is_terminal()).init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}
