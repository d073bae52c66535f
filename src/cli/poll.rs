//! `vigia poll`: one pass over the sources, then a summary.

use std::time::Instant;

use anyhow::Context;
use clap::Args;
use tokio_util::sync::CancellationToken;

use super::output::{clean, emit, span};
use crate::config::Config;
use crate::daemon::Runtime;
use crate::delivery::sender::CommandPass;
use crate::replies::Outcome;
use crate::store::mentions::{self, MentionFilter, MentionRow};

#[derive(Debug, Args)]
pub struct PollArgs {
    /// Poll every source now, ignoring schedules and backoff. Without it,
    /// only sources that are due are polled (for use from cron).
    #[arg(long)]
    once: bool,
    /// Do not list the new mentions, only the counts.
    #[arg(long, short)]
    quiet: bool,
    /// List every new mention, not only the first 20.
    #[arg(long, conflicts_with = "quiet")]
    all: bool,
}

/// New mentions listed after a poll unless `--all` asks for every one.
const LISTED: usize = 20;

pub async fn run(config: Config, args: PollArgs) -> anyhow::Result<()> {
    let runtime = Runtime::start(&config).await.context("starting")?;
    let started = Instant::now();
    let reports = runtime
        .poll_cycle(!args.once, &CancellationToken::new())
        .await?;
    let elapsed = started.elapsed();
    let items: usize = reports.iter().map(|r| r.items).sum();
    let new: Vec<i64> = reports
        .iter()
        .flat_map(|r| r.new_mentions.iter().copied())
        .collect();
    let sightings: usize = reports.iter().map(|r| r.sightings).sum();
    let failed = reports.iter().filter(|r| r.error.is_some()).count();
    emit(&format!(
        "Polled {} sources in {:.1}s: {items} items, {} new mentions, {sightings} new sightings, {failed} failed.\n",
        reports.len(),
        elapsed.as_secs_f64(),
        new.len(),
    ))?;
    match runtime.sender.command_pass().await.context("sending mail")? {
        CommandPass::Sent(mail) if mail.queued + mail.sent + mail.failed > 0 => emit(&format!(
            "Mail: {} queued (alerts, digests), {} sent, {} failed ({}); `vigia outbox` lists what waits.\n",
            mail.queued,
            mail.sent,
            mail.failed,
            config.mail.describe()
        ))?,
        CommandPass::Sent(_) => {}
        CommandPass::Deferred {
            queued,
            heartbeat_age,
        } => emit(&format!(
            "Mail: {queued} queued (alerts, digests); the running daemon (heartbeat {heartbeat_age}s ago) sends them; \
             `vigia outbox` lists what waits.\n"
        ))?,
    }
    for (source, outcome) in reports
        .iter()
        .flat_map(|r| r.replies.iter().map(move |o| (&r.source_id, o)))
    {
        let line = match outcome {
            Outcome::Acted { sender, summary } => format!("reply from {sender}: {summary}"),
            Outcome::Ignored { sender, reason } => {
                format!("reply from {sender:?} ignored: {reason}")
            }
            Outcome::Again => continue,
        };
        emit(&format!("  {}: {}\n", clean(source, 60), clean(&line, 300)))?;
    }
    for r in reports.iter().filter(|r| r.error.is_some()) {
        let error = r.error.as_deref().unwrap_or_default();
        emit(&format!(
            "  {}: {} (retry in {})\n",
            clean(&r.source_id, 60),
            clean(error, 200),
            span(r.next_in_secs)
        ))?;
    }
    if args.quiet || new.is_empty() {
        return Ok(());
    }
    let count = new.len();
    let shown = if args.all { count } else { LISTED };
    // The newest are this poll's: only as many as are shown are read (a
    // daemon storing at the same moment can leave a few out).
    let rows = runtime
        .store
        .call(move |c| {
            mentions::list(
                c,
                &MentionFilter {
                    limit: Some(shown),
                    ..MentionFilter::default()
                },
            )
        })
        .await?;
    let new: std::collections::HashSet<i64> = new.into_iter().collect();
    let mut out = String::from("\nNew mentions:\n");
    for m in rows.iter().filter(|m| new.contains(&m.id)).take(shown) {
        out.push_str(&mention(m));
    }
    if count > shown {
        out.push_str(&format!(
            "  … and {} more (`--all` lists them here, `vigia mentions` at any time).\n",
            count - shown
        ));
    }
    emit(&out)?;
    Ok(())
}

/// A new mention in three lines: id, brand and title; quote; URL.
fn mention(m: &MentionRow) -> String {
    let mut out = format!(
        "  #{} [{}] {}\n      “{}”\n",
        m.id,
        clean(&m.brand, 40),
        clean(&m.title, 100),
        clean(&m.snippet, 300)
    );
    if let Some(url) = &m.url {
        out.push_str(&format!("      {}\n", clean(url, 200)));
    }
    out
}
