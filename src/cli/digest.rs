//! `vigia digest`: render a team's digest for a period, to standard
//! output or a file (`--dry-run`), or queue and send it (`--send`).

use anyhow::{bail, Context};
use chrono::Utc;
use clap::Args;

use super::output::emit;
use crate::config::Config;
use crate::daemon::Runtime;
use crate::delivery::digest::{self, Period, Queued, Trigger, PERIOD_WORDS};
use crate::delivery::sender::CommandPass;
use crate::store::digest::{gather, Scope};
use crate::store::{self as db};

#[derive(Debug, Args)]
pub struct DigestArgs {
    /// `yesterday` (default), `today`, `last-week`, or a date (2026-11-22).
    #[arg(long, default_value = "yesterday")]
    period: String,
    /// Only this team (default: every team).
    #[arg(long)]
    team: Option<String>,
    /// Render without sending: the text part, or with --html the HTML part.
    #[arg(long, conflicts_with = "send")]
    dry_run: bool,
    /// With --dry-run: the HTML part.
    #[arg(long)]
    html: bool,
    /// With --dry-run: write to this file instead of standard output.
    #[arg(long, short)]
    output: Option<std::path::PathBuf>,
    /// Queue the digest in the outbox and send it (once per team and period).
    #[arg(long)]
    send: bool,
}

fn period(text: &str) -> anyhow::Result<Period> {
    Period::parse(text).with_context(|| format!("--period {text:?}: expected {PERIOD_WORDS}"))
}

pub async fn run(config: Config, args: DigestArgs) -> anyhow::Result<()> {
    if !args.dry_run && !args.send {
        bail!("say --dry-run (render only) or --send (queue and send)");
    }
    let bounds = period(&args.period)?.bounds(config.digest.tz, Utc::now());
    let teams: Vec<String> = match &args.team {
        Some(t) => vec![super::names::team(&config, t, &[])?],
        None => config
            .policy
            .settings
            .teams
            .iter()
            .map(|t| t.name.to_string())
            .collect(),
    };
    if args.dry_run {
        let store = super::open_store(&config)?;
        let mut out = Vec::new();
        for team in teams {
            let (b, s, d) = (
                bounds.clone(),
                config.policy.settings.clone(),
                config.digest,
            );
            let name = team.clone();
            let data = store
                .call(move |c| {
                    let scope = Scope {
                        team: Some(&name),
                        from: b.from,
                        to: b.to,
                        day_starts: &b.day_starts,
                        subject_window: s.subject_window.as_secs() as i64,
                        act_at: s.act_at,
                        open_after: d.open_after.as_secs() as i64,
                    };
                    gather(c, &scope)
                })
                .await?;
            let words = crate::delivery::words::for_team(&config.policy, &team);
            let r = digest::render((&team, words), &bounds, &data, db::now(), None);
            out.push(if args.html {
                r.html
            } else {
                format!("Subject: {}\n\n{}", r.subject, r.text)
            });
        }
        let out = out.join("\n");
        match &args.output {
            Some(path) => {
                std::fs::write(path, out).with_context(|| format!("writing {}", path.display()))?
            }
            None => emit(&out)?,
        }
        return Ok(());
    }
    let runtime = Runtime::start(&config).await.context("starting")?;
    let ways = std::sync::Arc::new(config.ways()?);
    for team in teams {
        let ways = ways.clone();
        let (mail, policy, settings, b, name) = (
            config.mail.clone(),
            config.policy.clone(),
            config.digest,
            bounds.clone(),
            team.clone(),
        );
        let queued = runtime
            .store
            .write(move |tx| {
                let now = db::now();
                let request = digest::Request {
                    team: &name,
                    bounds: &b,
                    trigger: Trigger::Asked { at: now },
                };
                digest::queue_team(tx, (&mail, &ways), &policy, &settings, &request, now)
            })
            .await?;
        let label = &bounds.label;
        let said = match queued {
            Queued::New(id) => format!("digest for {label} queued (outbox {id})."),
            Queued::Already => format!("the digest for {label} was queued before; not sent twice."),
            Queued::Empty => {
                format!("nothing in {label}; no digest ([digest] empty = \"send\" sends one).")
            }
            Queued::NoRecipients => {
                "no recipients (set the team's recipients or [mail] to).".to_string()
            }
            Queued::BeforeInstall => {
                format!("{label} ended before this database began; no digest.")
            }
        };
        emit(&format!("{team}: {said}\n"))?;
    }
    match runtime.sender.command_pass().await? {
        CommandPass::Sent(pass) => emit(&format!(
            "Mail: {} sent, {} failed ({}).\n",
            pass.sent,
            pass.failed,
            config.mail.describe()
        ))?,
        CommandPass::Deferred { heartbeat_age, .. } => emit(&format!(
            "Mail: the running daemon (heartbeat {heartbeat_age}s ago) sends it; `vigia outbox` lists what waits.\n"
        ))?,
    }
    Ok(())
}
