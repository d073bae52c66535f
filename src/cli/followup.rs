//! `vigia mentions ack|resolve|ignore|reopen ID`, `vigia mentions show
//! ID` and `vigia mentions split ID SIGHTING`: the follow-up of a routed
//! mention, with who, when and why.

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
    /// Not handled after all: back to the open state it had (routed, or
    /// acknowledged when someone had taken it on).
    Reopen(Step),
    /// One mention in full: its text, every place it was seen, and its
    /// follow-up history.
    Show {
        /// Mention id.
        id: i64,
    },
    /// Undoes a wrong merge: a sighting merged into a mention as a near
    /// duplicate (`mentions show` marks them "merged copy") becomes a
    /// mention of its own, read and triaged with this config as a new
    /// one would be.
    Split {
        /// Mention id.
        id: i64,
        /// Sighting id, as `mentions show ID` lists them (`#12`).
        sighting: i64,
        /// Who, for the history (default: the login user).
        #[arg(long)]
        by: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct Step {
    /// Mention id.
    id: i64,
    /// Why, for the history.
    #[arg(long)]
    note: Option<String>,
    /// Who, for the history (default: the login user).
    #[arg(long)]
    by: Option<String>,
}

pub async fn run(config: Config, action: FollowUp) -> anyhow::Result<()> {
    let store = super::open_store(&config)?;
    let (step, action) = match action {
        FollowUp::Show { id } => return show(&store, id).await,
        FollowUp::Split { id, sighting, by } => {
            let actor = by.unwrap_or_else(login_user);
            return split(&config, &store, (id, sighting), actor).await;
        }
        FollowUp::Ack(s) => (s, Action::Acknowledge),
        FollowUp::Resolve(s) => (s, Action::Resolve),
        FollowUp::Ignore(s) => (s, Action::Ignore),
        FollowUp::Reopen(s) => (s, Action::Reopen),
    };
    let actor = step.by.unwrap_or_else(login_user);
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

/// `vigia mentions split ID SIGHTING`: the sighting's item, read again by
/// the pipeline, becomes a mention of its own.
async fn split(
    config: &Config,
    store: &Store,
    (id, sighting): (i64, i64),
    actor: String,
) -> anyhow::Result<()> {
    let (rows, merged) = store
        .call(move |c| {
            let filter = MentionFilter {
                id: Some(id),
                ..MentionFilter::default()
            };
            Ok((
                mentions::list(c, &filter)?,
                mentions::merged_item(c, id, sighting),
            ))
        })
        .await?;
    let brand = rows
        .first()
        .map(|m| m.brand.clone())
        .with_context(|| format!("there is no mention {id}"))?;
    let merged = merged?;
    let title = merged.document.title.clone();
    let candidate = crate::daemon::pipeline(config)
        .candidates(&merged.source_id, merged.document)
        .into_iter()
        .find(|c| *c.brand == *brand)
        .with_context(|| {
            format!(
                "sighting {sighting} no longer mentions {brand} with this config's terms; nothing was split"
            )
        })?;
    let policy = config.policy.clone();
    let times = (merged.seen_at, db::now());
    let new = store
        .write(move |tx| {
            mentions::split_off(tx, (id, sighting), &candidate, times, &actor, &policy)
        })
        .await??;
    println!(
        "Sighting {sighting} of mention {id} is now mention {new}: {}",
        clean(&title, 200)
    );
    Ok(())
}

/// Who is at the keyboard: the person behind `sudo` ($SUDO_USER), else
/// $USER or $LOGNAME, else the name of the process's user in /etc/passwd.
pub(super) fn login_user() -> String {
    ["SUDO_USER", "USER", "LOGNAME"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|u| !u.trim().is_empty())
        .or_else(user_of_uid)
        .unwrap_or_else(|| "unknown user".to_string())
}

/// The name of the real user id in /etc/passwd (read from /proc, so no
/// system call needs unsafe code).
fn user_of_uid() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .next()?
        .to_string();
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    let name = passwd.lines().find_map(|l| {
        let mut f = l.split(':');
        let name = f.next()?;
        (f.nth(1)? == uid).then(|| name.to_string())
    });
    Some(name.unwrap_or_else(|| format!("uid {uid}")))
}

async fn show(store: &Store, id: i64) -> anyhow::Result<()> {
    let (rows, events, detail) = store
        .call(move |c| {
            let filter = MentionFilter {
                id: Some(id),
                ..MentionFilter::default()
            };
            Ok::<_, StoreError>((
                mentions::list(c, &filter)?,
                triage::history(c, id)?,
                mentions::detail(c, id)?,
            ))
        })
        .await?;
    let Some(m) = rows.first() else {
        anyhow::bail!("there is no mention {id}");
    };
    let mut out = format!("Mention {id}: {}\n", clean(&m.title, 300));
    let mut field = |name: &str, value: String| {
        out.push_str(&format!("  {name:<11}{value}\n"));
    };
    field("brand", clean(&m.brand, 60));
    field("url", clean(m.url.as_deref().unwrap_or("-"), 300));
    field("published", time(m.published_at));
    field("first seen", time(Some(m.first_seen_at)));
    if let Some(origin) = &m.origin {
        field("from", clean(origin, 200));
    }
    if let Some(query) = &m.query {
        field("alert for", clean(query, 200));
    }
    field("matched", clean(&m.terms.join(", "), 200));
    field("quote", clean(&m.snippet, 400));
    let why = detail
        .reasons
        .as_ref()
        .map(|r| format!(" ({})", crate::delivery::words::EN.reasons(r)))
        .unwrap_or_default();
    field("severity", format!("{}{why}", m.severity));
    field("status", m.status.clone());
    field("teams", clean(&m.teams.join(", "), 200));
    field("subject", clean(m.subject.as_deref().unwrap_or("-"), 80));
    if let (Some(score), Some(label)) = (m.sentiment, &m.sentiment_label) {
        let how = match (&m.language, &m.lexicon) {
            (Some(language), Some(lexicon)) => format!(" ({language}, {lexicon})"),
            _ => String::new(),
        };
        field("sentiment", format!("{label} {score:+.4}{how}"));
    }
    out.push_str(&format!("Seen in {} place(s):\n", detail.sightings.len()));
    for s in &detail.sightings {
        let again = if s.times > 1 {
            format!(" ({} items, last {})", s.times, time(Some(s.last_seen_at)))
        } else {
            String::new()
        };
        let merged = if s.merged { " (merged copy)" } else { "" };
        out.push_str(&format!(
            "  #{}  {}  {}  {}{again}{merged}\n",
            s.id,
            time(Some(s.seen_at)),
            clean(&s.source, 40),
            clean(s.url.as_deref().unwrap_or("-"), 300)
        ));
    }
    out.push_str("Text:\n");
    match detail.text.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(text) => {
            for paragraph in text.split('\n').filter(|p| !p.trim().is_empty()) {
                out.push_str(&format!("  {}\n", clean(paragraph, usize::MAX)));
            }
        }
        None => out.push_str("  (none: the item had only a title)\n"),
    }
    out.push_str("History:\n");
    for e in events {
        let note = e
            .note
            .as_deref()
            .map(|n| format!(": {}", clean(n, 300)))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {}  {:<13} by {}{note}\n",
            time(Some(e.at)),
            e.status,
            clean(&e.actor, 40)
        ));
    }
    print!("{out}");
    Ok(())
}
