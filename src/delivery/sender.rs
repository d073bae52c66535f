//! The sender: turns queued alerts into outbox mail (one per team, in the
//! transaction that empties the queue), delivers what is due, and backs
//! off on failure. Runs beside the pollers in the daemon; `vigia
//! test-email` uses one pass of it.

use std::sync::Arc;
use std::time::Duration;

use lettre::address::{Address, Envelope};
use tokio_util::sync::CancellationToken;
use tracing::{error, info, warn};

use super::digest::{self, DigestSettings};
use super::spikes::SpikeRules;
use super::watch;
use super::{Failure, MailSettings, Transport, Ways};
use crate::backoff::Backoff;
use crate::limits::{self, Limit};
use crate::store::alerts::AlertItem;
use crate::store::{self, Store, StoreError};
use crate::store::{alerts, outbox};
use crate::triage::Policy;
use alert_mail::{fits, queue_alert};
pub(super) use alert_mail::{queue_mail, Alert};

mod alert_mail;

/// The longest one chat message's POST may take.
const CHAT_TIMEOUT: Duration = Duration::from_secs(30);

/// How often the sender looks for new alerts and due mail.
pub const TICK: Duration = Duration::from_secs(5);

/// A daemon whose heartbeat is at most this old is running: a command
/// beside it queues mail and leaves the sending to it. (The heartbeat
/// beats every 5 s, or every 30 s under systemd's watchdog.)
pub const DAEMON_ALIVE_SECS: i64 = 90;

/// What a command's mail pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandPass {
    /// No daemon runs: the command sent the mail itself.
    Sent(Pass),
    /// A daemon runs: mail was queued for it to send.
    Deferred {
        /// Mails queued.
        queued: usize,
        /// Seconds since the daemon's last heartbeat.
        heartbeat_age: i64,
    },
}

/// Delivers the outbox.
#[derive(Debug, Clone)]
pub struct Sender {
    store: Store,
    transport: Transport,
    settings: MailSettings,
    policy: Arc<Policy>,
    backoff: Backoff,
    spikes: SpikeRules,
    digest: DigestSettings,
    /// The start of the last digest period settled by this process.
    digest_done: Arc<std::sync::Mutex<Option<i64>>>,
    /// Who claims mail: this process, unique among those sharing the store.
    owner: String,
    /// When this sender last found the mail set-up wrong: it tries again
    /// a [`PAUSE_RETRY`] later (a reload makes a new sender, which tries
    /// at once).
    setup_failed_at: Arc<std::sync::Mutex<Option<std::time::Instant>>>,
    /// The mail being sent now, if any.
    in_hand: Arc<std::sync::Mutex<Option<InHand>>>,
    /// What alerts and digests carry to act by, and the chat channels.
    ways: Arc<Ways>,
    /// Posts chat messages (None only if no HTTP client could be built,
    /// which is logged).
    poster: Option<super::chat::Poster>,
}

/// The mail a sender has in hand: claimed, and in the server's hands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InHand {
    /// Outbox id.
    pub id: i64,
    /// Its subject.
    pub subject: String,
    /// Unix seconds when the attempt began.
    pub since: i64,
}

/// How long past its attempt limit a mail may stay in hand before the
/// sender counts as stuck (the limit is enforced by a timer, so this only
/// happens when the runtime itself is wedged).
const STUCK_GRACE: Duration = Duration::from_secs(30);

/// How long sending stays paused after a set-up failure before one mail
/// tries again.
pub const PAUSE_RETRY: Duration = Duration::from_secs(60);

/// What one delivery pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pass {
    /// Mails queued from alerts.
    pub queued: usize,
    /// Mails the server took, and chat messages their receivers took.
    pub sent: usize,
    /// Attempts that failed.
    pub failed: usize,
}

impl Sender {
    /// A sender through `transport`, retrying after `backoff`.
    pub fn new(
        store: Store,
        transport: Transport,
        settings: MailSettings,
        policy: Arc<Policy>,
        backoff: Backoff,
    ) -> Sender {
        Sender {
            store,
            transport,
            settings,
            policy,
            backoff,
            spikes: SpikeRules::default(),
            digest: DigestSettings::default(),
            digest_done: Arc::default(),
            owner: format!("pid {} #{:08x}", std::process::id(), fastrand::u32(..)),
            setup_failed_at: Arc::default(),
            in_hand: Arc::default(),
            ways: Arc::default(),
            poster: super::chat::Poster::new(CHAT_TIMEOUT)
                .map_err(|error| error!(%error, "Cannot build the HTTP client of chat channels: chat messages stay queued."))
                .ok(),
        }
    }

    /// Puts one-click links (and the inbox's) and reply tokens in mail,
    /// as `ways` has them.
    pub fn with_ways(mut self, ways: Arc<Ways>) -> Sender {
        self.ways = ways;
        self
    }

    /// Sends digests on this schedule.
    pub fn with_digest(mut self, settings: DigestSettings) -> Sender {
        self.digest = settings;
        self
    }

    /// Watches for negative spikes with these rules.
    pub fn with_spikes(mut self, rules: SpikeRules) -> Sender {
        self.spikes = rules;
        self
    }

    /// Queues alerts and spike alerts, then sends what is due.
    pub async fn pass(&self) -> Result<Pass, StoreError> {
        self.pass_until(&CancellationToken::new()).await
    }

    /// A pass that sends no further mail once `stop` is cancelled: the mail
    /// in hand is finished and recorded (never cut mid-conversation, which
    /// could deliver it twice), the rest waits in the outbox.
    async fn pass_until(&self, stop: &CancellationToken) -> Result<Pass, StoreError> {
        let queued = self.queue_all().await?;
        let (sent, failed) = self.send_due(stop).await?;
        // Chat goes on while mail is paused: its receivers are not the
        // mail server.
        let (posted, refused) = match &self.poster {
            Some(poster) => {
                let to = (poster, &self.ways.chats);
                super::chat::send_due(&self.store, to, &self.backoff, &self.owner, stop).await?
            }
            None => (0, 0),
        };
        Ok(Pass {
            queued,
            sent: sent + posted,
            failed: failed + refused,
        })
    }

    /// The pass of a command (`poll`, `digest --send`, `test-email`): the
    /// whole pass when no daemon runs; beside a running daemon, which owns
    /// delivery, only the queueing.
    pub async fn command_pass(&self) -> Result<CommandPass, StoreError> {
        let age = self
            .store
            .call(|c| store::heartbeat_age(c, store::now()))
            .await?;
        match age.filter(|age| *age <= DAEMON_ALIVE_SECS) {
            Some(heartbeat_age) => Ok(CommandPass::Deferred {
                queued: self.queue_all().await?,
                heartbeat_age,
            }),
            None => Ok(CommandPass::Sent(self.pass().await?)),
        }
    }

    /// The longest one delivery attempt takes.
    pub fn attempt_limit(&self) -> Duration {
        self.transport.attempt_limit()
    }

    /// The mail being sent now.
    pub fn in_hand(&self) -> Option<InHand> {
        self.in_hand.lock().ok().and_then(|m| m.clone())
    }

    /// Why the sender is stuck, when a mail has been in hand well past
    /// the attempt limit; None while it makes progress or is idle.
    pub fn stuck(&self, now: i64) -> Option<String> {
        let mail = self.in_hand()?;
        let limit = self.attempt_limit();
        let held = now - mail.since;
        (held > (limit + STUCK_GRACE).as_secs() as i64).then(|| {
            format!(
                "mail {} ({:?}) has been in the SMTP conversation for {held}s, past [mail] timeout ({}s): the sender is stuck",
                mail.id,
                mail.subject,
                limit.as_secs()
            )
        })
    }

    fn hold(&self, mail: Option<InHand>) {
        if let Ok(mut in_hand) = self.in_hand.lock() {
            *in_hand = mail;
        }
    }

    /// Queues alerts, spike alerts and due digests; returns how many mails.
    async fn queue_all(&self) -> Result<usize, StoreError> {
        Ok(self.queue_alerts().await? + self.watch_spikes().await? + self.queue_digests().await?)
    }

    /// Runs passes until `shutdown`; the mail being sent then is finished.
    pub async fn run(self, shutdown: CancellationToken) {
        info!(transport = %self.settings.describe(), "Mail sender started.");
        loop {
            match self.pass_until(&shutdown).await {
                Ok(p) if p != Pass::default() => {
                    info!(
                        queued = p.queued,
                        sent = p.sent,
                        failed = p.failed,
                        "Mail pass."
                    )
                }
                Ok(_) => {}
                Err(error) => warn!(%error, "Mail pass failed; retrying."),
            }
            tokio::select! {
                () = shutdown.cancelled() => break,
                () = tokio::time::sleep(TICK) => {}
            }
        }
    }

    /// Puts the alert queue into the outbox: one mail per team.
    async fn queue_alerts(&self) -> Result<usize, StoreError> {
        let (settings, policy) = (self.settings.clone(), self.policy.clone());
        let ways = self.ways.clone();
        self.store
            .write(move |tx| {
                let now = store::now();
                let window = now - policy.settings.subject_window.as_secs() as i64;
                let mut queued = 0;
                let per_mail = limits::get(Limit::AlertItems);
                for (team, rows) in alerts::pending(tx, window)? {
                    // A burst (a first poll, an outage) is several mails,
                    // each one a person reads and a server takes: at most
                    // `[limits] alert_items` mentions and `alert_bytes`
                    // bytes each (a batch too large is halved until it
                    // fits).
                    if rows.len() > per_mail {
                        limits::applied(Limit::AlertItems);
                    }
                    let mut batches: Vec<&[(i64, AlertItem)]> =
                        rows.chunks(per_mail).rev().collect();
                    while let Some(batch) = batches.pop() {
                        let mail = (&settings, &*ways);
                        if batch.len() > 1 && !fits(&settings, &policy, (&team, batch)) {
                            limits::applied(Limit::AlertBytes);
                            let (first, second) = batch.split_at(batch.len() / 2);
                            batches.extend([second, first]);
                            continue;
                        }
                        let ids: Vec<i64> = batch.iter().map(|(q, _)| *q).collect();
                        let outbox_id = queue_alert(tx, mail, &policy, (&team, batch), now)?;
                        queued += usize::from(outbox_id.is_some());
                        alerts::attach(tx, &ids, outbox_id, now)?;
                    }
                }
                Ok(queued)
            })
            .await
    }

    /// Queues each team's latest due digest, once (the outbox key), so a
    /// daemon that was down at digest time sends the missed one.
    async fn queue_digests(&self) -> Result<usize, StoreError> {
        let bounds = self.digest.latest_due(chrono::Utc::now());
        // A period is settled once per run: its digests are queued, or
        // there was nothing to send.
        if self
            .digest_done
            .lock()
            .map(|done| *done == Some(bounds.from))
            .unwrap_or(false)
        {
            return Ok(0);
        }
        let (settings, policy, digest) = (self.settings.clone(), self.policy.clone(), self.digest);
        let ways = self.ways.clone();
        let from = bounds.from;
        let queued = self
            .store
            .write(move |tx| {
                let now = store::now();
                let mut queued = 0;
                for team in &policy.settings.teams {
                    let request = digest::Request {
                        team: &team.name,
                        bounds: &bounds,
                        trigger: digest::Trigger::Schedule,
                    };
                    let mail = (&settings, &*ways);
                    let q = digest::queue_team(tx, mail, &policy, &digest, &request, now)?;
                    queued += usize::from(matches!(q, digest::Queued::New(_)));
                }
                Ok(queued)
            })
            .await?;
        if let Ok(mut done) = self.digest_done.lock() {
            *done = Some(from);
        }
        Ok(queued)
    }

    /// Looks for negative spikes; queues one alert per spike.
    async fn watch_spikes(&self) -> Result<usize, StoreError> {
        let (settings, policy, rules) = (self.settings.clone(), self.policy.clone(), self.spikes);
        let (ways, tz) = (self.ways.clone(), self.digest.tz);
        self.store
            .write(move |tx| {
                watch::detect(tx, (&settings, &ways), &policy, (&rules, tz), store::now())
            })
            .await
    }

    /// Sends every due mail once, until `stop`; returns (sent, failed).
    /// Each mail is claimed first, so that another process sending from
    /// the same store (a command beside the daemon, a second daemon) never
    /// sends it too; the claim outlasts one attempt by a minute, and
    /// expires if this process dies mid-send.
    async fn send_due(&self, stop: &CancellationToken) -> Result<(usize, usize), StoreError> {
        let waiting = self
            .setup_failed_at
            .lock()
            .map(|at| at.is_some_and(|at| at.elapsed() < PAUSE_RETRY))
            .unwrap_or(false);
        if waiting {
            return Ok((0, 0));
        }
        let lease = self.transport.attempt_limit().as_secs() as i64 + 60;
        let (mut sent, mut failed) = (0, 0);
        while !stop.is_cancelled() {
            let owner = self.owner.clone();
            let Some(mail) = self
                .store
                .call(move |c| outbox::claim(c, &owner, store::now(), lease))
                .await?
            else {
                break;
            };
            self.hold(Some(InHand {
                id: mail.id,
                subject: mail.subject.clone(),
                since: store::now(),
            }));
            let result = match envelope(&mail.from, &mail.to) {
                Ok(envelope) => self.transport.send(mail.id, &envelope, &mail.message).await,
                Err(error) => Err(error),
            };
            self.hold(None);
            let id = mail.id;
            let error = match result {
                Ok(()) => {
                    sent += 1;
                    // Said before it is recorded: a kill in between sends
                    // it again, and this line tells that apart from a bug.
                    info!(outbox_id = id, "Mail accepted by the server.");
                    let resumed = self
                        .store
                        .call(move |c| {
                            outbox::mark_sent(c, id, store::now())?;
                            outbox::resume(c)
                        })
                        .await?;
                    if resumed {
                        info!(transport = %self.settings.describe(), "Mail sending resumed: the server took a mail.");
                    }
                    self.set_setup_failed(None);
                    continue;
                }
                Err(error) => error,
            };
            if error.kind == Failure::Setup {
                // Not this mail's fault: it goes back untried, and no other
                // mail is tried until the set-up is fixed.
                let reason = error.message;
                let (why, now) = (reason.clone(), store::now());
                let new = self
                    .store
                    .call(move |c| {
                        outbox::release(c, id)?;
                        outbox::pause(c, &why, now)
                    })
                    .await?;
                if new {
                    error!(transport = %self.settings.describe(), %reason,
                        "Mail sending paused: the mail set-up is wrong. Mail stays queued; fix [mail] and reload (SIGHUP).");
                }
                self.set_setup_failed(Some(std::time::Instant::now()));
                break;
            }
            if error.kind == Failure::Never && mail.to.len() > 1 {
                // One refused recipient must not cost the others their
                // mail: each gets a mail of its own, tried in this pass.
                let (message, recipients) = (error.message.clone(), mail.to.len());
                self.store
                    .call(move |c| outbox::split(c, id, &message, store::now()))
                    .await?;
                warn!(outbox_id = id, recipients, %error, "Mail refused for good; trying each recipient on its own.");
                continue;
            }
            failed += 1;
            let delay = self.backoff.delay(mail.attempts + 1, None, false);
            warn!(outbox_id = id, attempt = mail.attempts + 1, %error, retry_in_secs = delay.as_secs(), "Mail not sent.");
            let retry =
                (error.kind == Failure::Later).then(|| store::now() + delay.as_secs() as i64);
            let message = error.message;
            self.store
                .call(move |c| outbox::mark_failed(c, id, &message, retry, store::now()))
                .await?;
        }
        Ok((sent, failed))
    }

    fn set_setup_failed(&self, at: Option<std::time::Instant>) {
        if let Ok(mut failed) = self.setup_failed_at.lock() {
            *failed = at;
        }
    }
}

fn envelope(from: &str, to: &[String]) -> Result<Envelope, super::SendError> {
    let bad = |what: &str, e: lettre::address::AddressError| {
        super::SendError::permanent(format!("{what}: {e}"))
    };
    let from: Address = from.parse().map_err(|e| bad("sender", e))?;
    let to = to
        .iter()
        .map(|t| t.parse::<Address>().map_err(|e| bad("recipient", e)))
        .collect::<Result<Vec<_>, _>>()?;
    Envelope::new(Some(from), to).map_err(|e| super::SendError::permanent(format!("envelope: {e}")))
}

#[cfg(test)]
mod tests;
