//! `vigia mentions ack|resolve|ignore|reopen ID` and `vigia mentions show
//! ID`: the follow-up of a routed mention, with who, when and why.

use anyhow::Context;
use clap::{Args, Subcommand};

use super::output::{clean, time};
use crate::config::Config;
use crate::store::mentions::{self, MentionFilter};
use crate::store::triage::{self, Action};
use crate::store::{self as db, Store, StoreError};

#[derive(Debug, Subcommand)]
pub enum FollowUp {
    /// Someone is on it.
    Ack(Step),
    /// Handled.
    Resolve(Step),
    /// Needs nothing.
    Ignore(Step),
    /// Not handled after all: back to acknowledged.
    Reopen(Step),
    /// One mention in full, with its follow-up history.
    Show {
        /// Mention id.
        id: i64,
    },
}

#[derive(Debug, Args)]
pub struct Step {
    /// Mention id.
    id: i64,
    /// Why, for the history.
    #[arg(long)]
    note: Option<String>,
    /// Who (default: $USER).
    #[arg(long)]
    by: Option<String>,
}

pub async fn run(config: Config, action: FollowUp) -> anyhow::Result<()> {
    let store = Store::open(&config.storage_path)
        .with_context(|| format!("opening {}", config.storage_path.display()))?;
    let (step, action) = match action {
        FollowUp::Show { id } => return show(&store, id).await,
        FollowUp::Ack(s) => (s, Action::Acknowledge),
        FollowUp::Resolve(s) => (s, Action::Resolve),
        FollowUp::Ignore(s) => (s, Action::Ignore),
        FollowUp::Reopen(s) => (s, Action::Reopen),
    };
    let actor = step
        .by
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "cli".to_string());
    let id = step.id;
    let status = store
        .call(move |c| {
            // A refused step is the answer, not a store failure: carry it out.
            Ok(triage::follow_up(
                c,
                id,
                action,
                &actor,
                step.note.as_deref(),
                db::now(),
            ))
        })
        .await??;
    println!("Mention {id} is now {}.", status.name());
    Ok(())
}

async fn show(store: &Store, id: i64) -> anyhow::Result<()> {
    let (rows, events) = store
        .call(move |c| {
            let filter = MentionFilter {
                id: Some(id),
                ..MentionFilter::default()
            };
            Ok::<_, StoreError>((mentions::list(c, &filter)?, triage::history(c, id)?))
        })
        .await?;
    let Some(m) = rows.first() else {
        anyhow::bail!("there is no mention {id}");
    };
    println!("Mention {id}: {}", clean(&m.title, 200));
    println!("  brand     {}", clean(&m.brand, 60));
    println!(
        "  url       {}",
        clean(m.url.as_deref().unwrap_or("-"), 200)
    );
    println!("  quote     {}", clean(&m.snippet, 400));
    println!("  severity  {}", m.severity);
    println!("  status    {}", m.status);
    println!("  teams     {}", clean(&m.teams.join(", "), 200));
    let subject = m.subject.as_deref().unwrap_or("-");
    println!("  subject   {}", clean(subject, 80));
    if let (Some(score), Some(label)) = (m.sentiment, &m.sentiment_label) {
        println!("  sentiment {label} {score:+.4}");
    }
    println!("History:");
    for e in events {
        let note = e
            .note
            .as_deref()
            .map(|n| format!(": {}", clean(n, 300)))
            .unwrap_or_default();
        println!(
            "  {}  {:<13} by {}{note}",
            time(Some(e.at)),
            e.status,
            clean(&e.actor, 40)
        );
    }
    Ok(())
}
