//! The `vigia` command line: one file per subcommand.

mod check;
mod digest;
mod docs;
mod feeds;
mod followup;
mod mentions;
mod migrate;
mod names;
mod outbox;
mod output;
mod poll;
mod score;
mod spikes;
mod topics;
mod try_source;
mod users;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::config::Config;
use crate::telemetry::{self, LogFormat};

/// Vigia: watch feeds for mentions of your brands.
#[derive(Debug, Parser)]
#[command(name = "vigia", version, about, long_about = None)]
pub struct Cli {
    /// Config file.
    #[arg(
        long,
        short,
        global = true,
        env = "VIGIA_CONFIG",
        default_value = "/etc/vigia/vigia.toml"
    )]
    config: PathBuf,
    /// Whether `--config` or `VIGIA_CONFIG` named the config (rather than
    /// the default path).
    #[arg(skip)]
    config_named: bool,
    /// Log format on standard error.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Human)]
    log_format: LogFormat,
    /// Log level or filter (e.g. `debug`, `vigia=debug`); RUST_LOG overrides.
    #[arg(long, global = true)]
    log_level: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the daemon: poll every source on its schedule until SIGTERM or SIGINT.
    Run,
    /// Poll now, one pass, and print a summary.
    Poll(poll::PollArgs),
    /// List stored mentions, or follow one up (ack, resolve, ignore, reopen, show).
    Mentions(mentions::MentionsArgs),
    /// Recurring subjects: what keeps coming back, with counts and quotes.
    Topics(topics::TopicsArgs),
    /// Mail waiting to be sent, or that failed (--all: sent mail too).
    Outbox(outbox::OutboxArgs),
    /// Send one test message through the configured mail path.
    TestEmail(outbox::TestEmailArgs),
    /// Render a team's digest for a period (--dry-run), or queue and send it (--send).
    Digest(digest::DigestArgs),
    /// Validate the config and report every problem.
    Check,
    /// Feed status and OPML import.
    #[command(subcommand)]
    Feeds(feeds::FeedsCommand),
    /// Score the sentiment of a text, or of each line of standard input.
    Score(score::ScoreArgs),
    /// Fetch a web page now and print what a page definition extracts from it.
    TrySource(Box<try_source::TryArgs>),
    /// Print the manual page (roff), or write every page to a folder.
    Man(docs::ManArgs),
    /// Print shell completions (bash, zsh, fish, elvish, powershell).
    Completions(docs::CompletionsArgs),
    /// People let into the web inbox beside the config's team recipients.
    #[command(subcommand)]
    Users(users::UsersCommand),
    /// Negative-spike detection: replay it over past mentions.
    #[command(subcommand)]
    Spikes(spikes::SpikesCommand),
    /// Move the SQLite database to PostgreSQL (--from sqlite:PATH --to postgres://...).
    Migrate(migrate::MigrateArgs),
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    cli.config_named =
        matches.value_source("config") != Some(clap::parser::ValueSource::DefaultValue);
    if prints_only(&cli.command) {
        // A listing whose reader went away (`vigia score < big | head -1`)
        // ends quietly, as Unix filters do, instead of failing on every
        // later write. Commands that talk to the network keep Rust's
        // default, where a closed connection is an error to handle: a
        // vectored socket write would otherwise kill them mid-send.
        sigpipe::reset();
    }
    let default_level = match cli.command {
        Command::Run => "info",
        _ => "warn",
    };
    telemetry::init(
        cli.log_format,
        cli.log_level.as_deref().unwrap_or(default_level),
    );
    match dispatch(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The commands that read local files and the database and print, and
/// open no connection.
fn prints_only(command: &Command) -> bool {
    match command {
        Command::Mentions(_)
        | Command::Topics(_)
        | Command::Outbox(_)
        | Command::Check
        | Command::Feeds(_)
        | Command::Score(_)
        | Command::Man(_)
        | Command::Users(_)
        | Command::Spikes(_)
        | Command::Completions(_) => true,
        Command::Run
        | Command::Poll(_)
        | Command::TestEmail(_)
        | Command::Digest(_)
        | Command::Migrate(_)
        | Command::TrySource(_) => false,
    }
}

/// Threads for blocking work beyond the cores: parsing and matching use
/// a core each, and a few more let name lookups and file reads (which
/// wait rather than compute) go on beside them. Store work has a thread of
/// its own. Tokio's default (512) let a large first poll start hundreds.
const EXTRA_BLOCKING_THREADS: usize = 4;

/// The cores this process may use.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Command::Check = cli.command {
        return Ok(check::run(&cli.config));
    }
    if let Command::Score(args) = &cli.command {
        let config = score::config(args, &cli.config, cli.config_named)?;
        return score::run(args, config.as_ref()).map(|()| ExitCode::SUCCESS);
    }
    match &cli.command {
        Command::Man(args) => return docs::man(args).map(|()| ExitCode::SUCCESS),
        Command::Completions(args) => return docs::completions(args).map(|()| ExitCode::SUCCESS),
        _ => {}
    }
    if let Command::Migrate(args) = &cli.command {
        return migrate::run(args).map(|()| ExitCode::SUCCESS);
    }
    if let Command::TrySource(args) = &cli.command {
        return try_source::run(&cli.config, args).map(|()| ExitCode::SUCCESS);
    }
    if let Command::Feeds(feeds::FeedsCommand::Import(args)) = &cli.command {
        return feeds::import(&cli.config, args).map(|()| ExitCode::SUCCESS);
    }
    if let Command::Spikes(spikes::SpikesCommand::Backtest(args)) = &cli.command {
        if let Some(path) = args.events_file() {
            return spikes::file(&cli.config, cli.config_named, path, args)
                .map(|()| ExitCode::SUCCESS);
        }
    }
    let config = load(&cli.config)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(cores() + EXTRA_BLOCKING_THREADS)
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        match cli.command {
            Command::Run => crate::daemon::run(config).await,
            Command::Poll(args) => poll::run(config, args).await,
            Command::Mentions(args) => mentions::run(config, args).await,
            Command::Topics(args) => topics::run(config, args).await,
            Command::Outbox(args) => outbox::list(config, args).await,
            Command::TestEmail(args) => outbox::test_email(config, args).await,
            Command::Digest(args) => digest::run(config, args).await,
            Command::Feeds(feeds::FeedsCommand::Status(args)) => feeds::status(config, args).await,
            Command::Users(command) => users::run(config, command).await,
            Command::Spikes(spikes::SpikesCommand::Backtest(args)) => {
                spikes::store(config, args).await
            }
            Command::Check
            | Command::Score(_)
            | Command::TrySource(_)
            | Command::Man(_)
            | Command::Completions(_)
            | Command::Migrate(_)
            | Command::Feeds(feeds::FeedsCommand::Import(_)) => Ok(()),
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Opens the config's store.
fn open_store(config: &Config) -> anyhow::Result<crate::store::Store> {
    Ok(crate::store::Store::open_at(config.store_place())?)
}

fn load(path: &std::path::Path) -> anyhow::Result<Config> {
    if let Some(hint) = missing_config(path) {
        anyhow::bail!("{hint}");
    }
    let config =
        Config::load(path).map_err(|errors| anyhow::anyhow!("invalid config:\n{errors}"))?;
    crate::limits::set(&config.limits);
    Ok(config)
}

/// When there is no file at `path`: what to do about it.
fn missing_config(path: &std::path::Path) -> Option<String> {
    (!path.exists()).then(|| {
        format!(
            "there is no config file at {}: name one with --config FILE or the VIGIA_CONFIG \
             environment variable (config/vigia.example.toml is a commented one to start from; \
             config/demo.toml runs the demo)",
            path.display()
        )
    })
}
