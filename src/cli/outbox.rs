//! `vigia outbox`: mail waiting or failed; `vigia test-email TO`: one
//! message through the configured path.

use anyhow::Context;
use clap::Args;
use lettre::message::Mailbox;
use lettre::Message;

use super::output::{clean, emit, table, time, TableOrJson};
use crate::config::Config;
use crate::daemon::Runtime;
use crate::delivery::sender::{CommandPass, TICK};
use crate::store::outbox::{self, NewMail};
use crate::store::{self as db};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct OutboxArgs {
    #[command(subcommand)]
    action: Option<OutboxAction>,
    /// Sent mail too.
    #[arg(long)]
    all: bool,
    /// At most this many, newest first.
    #[arg(long, default_value_t = 50)]
    limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = TableOrJson::Table)]
    format: TableOrJson,
}

#[derive(Debug, clap::Subcommand)]
enum OutboxAction {
    /// Put mail the server refused for good back in the queue, due now.
    Retry {
        /// Outbox id (from `vigia outbox`).
        #[arg(required_unless_present = "failed", conflicts_with = "failed")]
        id: Option<i64>,
        /// Every failed mail.
        #[arg(long)]
        failed: bool,
    },
}

#[derive(Debug, Args)]
pub struct TestEmailArgs {
    /// Recipient.
    to: String,
}

pub async fn list(config: Config, args: OutboxArgs) -> anyhow::Result<()> {
    let store = super::open_store(&config)?;
    if let Some(OutboxAction::Retry { id, .. }) = args.action {
        let requeued = store.call(move |c| outbox::retry(c, id, db::now())).await?;
        match (id, requeued) {
            (Some(id), 0) => anyhow::bail!("outbox mail {id} has not failed (or does not exist)"),
            _ => println!("{requeued} mail(s) back in the queue, due now."),
        }
        return Ok(());
    }
    let (all, limit) = (args.all, args.limit);
    let (rows, paused) = store
        .call(move |c| Ok((outbox::list(c, all, limit)?, outbox::paused(c)?)))
        .await?;
    if let TableOrJson::Json = args.format {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    if let Some((reason, since)) = paused {
        println!(
            "Sending is paused since {}: {}. The mail waits; fix [mail] and reload (SIGHUP).",
            time(Some(since)),
            clean(&reason, 300)
        );
    }
    if rows.is_empty() {
        println!("The outbox is empty ({}).", config.mail.describe());
        return Ok(());
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                r.kind.clone(),
                r.state.clone(),
                time(Some(r.created_at)),
                r.attempts.to_string(),
                r.next_attempt_at.map_or("-".into(), |t| time(Some(t))),
                clean(&r.to.join(","), 40),
                clean(&r.subject, 60),
                clean(r.last_error.as_deref().unwrap_or("-"), 80),
            ]
        })
        .collect();
    table(
        &[
            "ID",
            "KIND",
            "STATE",
            "QUEUED",
            "TRIES",
            "NEXT TRY",
            "TO",
            "SUBJECT",
            "LAST ERROR",
        ],
        &cells,
    );
    Ok(())
}

pub async fn test_email(config: Config, args: TestEmailArgs) -> anyhow::Result<()> {
    let to: Mailbox = args
        .to
        .parse()
        .with_context(|| format!("{:?} is not an email address", args.to))?;
    let from: Mailbox = config.mail.from.parse().context("[mail] from")?;
    let runtime = Runtime::start(&config).await.context("starting")?;
    let now = db::now();
    let key = format!("test:{now}:{}:{}", to.email, fastrand::u32(..));
    let message = Message::builder()
        .from(from.clone())
        .to(to.clone())
        .subject("[Vigia] Test message")
        .message_id(Some(format!("<vigia.test.{now}.{}@{}>", fastrand::u32(..), from.email.domain())))
        .body(format!(
            "This is a test message from Vigia, sent through {}.\nIf you can read it, alerts and digests will reach you.\n",
            config.mail.describe()
        ))
        .context("building the test message")?;
    let (from_addr, to_addr) = (from.email.to_string(), vec![to.email.to_string()]);
    let bytes = message.formatted();
    let id = runtime
        .store
        .call(move |c| {
            let mail = NewMail {
                key: &key,
                kind: "test",
                from: &from_addr,
                to: &to_addr,
                subject: "[Vigia] Test message",
                message: &bytes,
            };
            outbox::enqueue(c, &mail, now)
        })
        .await?
        .context("the test message was already queued")?;
    let deferred = match runtime.sender.command_pass().await? {
        CommandPass::Sent(_) => None,
        CommandPass::Deferred { heartbeat_age, .. } => Some(heartbeat_age),
    };
    // Beside a running daemon, wait for it to try: its next pass, then
    // one attempt at most.
    let patience = runtime.sender.attempt_limit() + 3 * TICK;
    let started = std::time::Instant::now();
    let (sent, failed, error, next, paused) = loop {
        let (state, paused) = runtime
            .store
            .call(move |c| Ok((outbox::state(c, id)?, outbox::paused(c)?)))
            .await?;
        let (sent, failed, error, next) =
            state.with_context(|| format!("outbox mail {id} is gone"))?;
        let tried = sent.is_some() || failed.is_some() || error.is_some() || paused.is_some();
        if deferred.is_none() || tried || started.elapsed() >= patience {
            break (sent, failed, error, next, paused);
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    };
    let by = deferred
        .map(|age| format!(" by the running daemon (heartbeat {age}s ago)"))
        .unwrap_or_default();
    let path = config.mail.describe();
    match (sent, failed) {
        (Some(_), _) => emit(&format!("Sent to {} through {path}{by}.\n", to.email))?,
        (None, None) if paused.is_some() => anyhow::bail!(
            "not sent through {path}: sending is paused: {}; the mail stays queued (outbox id {id}) \
             until [mail] is fixed and the daemon reloaded",
            paused.map(|(reason, _)| reason).unwrap_or_default()
        ),
        (None, Some(_)) => anyhow::bail!(
            "not sent through {path}{by}: {}; the server refused it for good (outbox id {id})",
            error.unwrap_or_default()
        ),
        (None, None) => match error {
            Some(error) => anyhow::bail!(
                "not sent through {path}{by}: {error}; it stays in the outbox (id {id}), \
                 retried at {}",
                time(Some(next))
            ),
            None => emit(&format!(
                "Queued as outbox mail {id}; the running daemon (heartbeat {}s ago) has not \
                 tried it yet: `vigia outbox` shows when it goes.\n",
                deferred.unwrap_or_default()
            ))?,
        },
    }
    Ok(())
}
