//! `vigia poll`: one pass over the sources, then a summary.

use std::time::Instant;

use anyhow::Context;
use clap::Args;
use tokio_util::sync::CancellationToken;

use super::output::{clean, span};
use crate::config::Config;
use crate::daemon::Runtime;
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
}

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
    println!(
        "Polled {} sources in {:.1}s: {items} items, {} new mentions, {sightings} new sightings, {failed} failed.",
        reports.len(),
        elapsed.as_secs_f64(),
        new.len(),
    );
    let mail = runtime.sender.pass().await.context("sending mail")?;
    if mail.queued + mail.sent + mail.failed > 0 {
        println!(
            "Mail: {} alert mails queued, {} sent, {} failed ({}); `vigia outbox` lists what waits.",
            mail.queued,
            mail.sent,
            mail.failed,
            config.mail.describe()
        );
    }
    for r in reports.iter().filter(|r| r.error.is_some()) {
        let error = r.error.as_deref().unwrap_or_default();
        println!(
            "  {}: {} (retry in {})",
            clean(&r.source_id, 60),
            clean(error, 200),
            span(r.next_in_secs)
        );
    }
    if args.quiet || new.is_empty() {
        return Ok(());
    }
    let count = new.len();
    let rows = runtime
        .store
        .call(move |c| {
            mentions::list(
                c,
                &MentionFilter {
                    limit: Some(count),
                    ..MentionFilter::default()
                },
            )
        })
        .await?;
    println!("\nNew mentions:");
    rows.iter()
        .filter(|m| new.contains(&m.id))
        .for_each(print_mention);
    Ok(())
}

fn print_mention(m: &MentionRow) {
    println!(
        "  #{} [{}] {}",
        m.id,
        clean(&m.brand, 40),
        clean(&m.title, 100)
    );
    println!("      “{}”", clean(&m.snippet, 300));
    if let Some(url) = &m.url {
        println!("      {}", clean(url, 200));
    }
}
