//! Chat channels: alerts, spike alerts and digests posted to a team's
//! Slack, Microsoft Teams, Telegram or any webhook, through the outbox
//! with mail's guarantees.
//!
//! A chat message is an outbox row with a `channel`: queued in the
//! transaction that decides it (beside the mail, keyed by the mail's key
//! and the channel, so it is queued once), claimed before it is posted,
//! marked sent when the receiver answers 2xx, retried with backoff on
//! 5xx, 429 (`Retry-After` honoured) and network failures, and failed for
//! good on any other 4xx (the receiver refused it: a revoked webhook).
//! A webhook gets the outbox id in `X-Vigia-Delivery`, so that even the
//! one window where a message can go twice (the receiver's 2xx lost on
//! the way back) can be folded by the receiver.

mod post;
pub mod render;

use std::collections::HashMap;

use url::Url;

use super::words::Words;
use crate::links::MailLinks;
use crate::secret::PasswordSource;
use crate::store::alerts::AlertItem;
use crate::store::digest::{DigestData, Line};
use crate::store::mentions::Byline;
use crate::store::outbox;
use crate::store::{StoreError, Tx};
pub use post::{send_due, signature, Poster};
pub use render::{Note, NoteItem};

/// Where a channel posts.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// A Slack incoming webhook (its URL is a secret): Block Kit.
    Slack {
        /// The webhook URL.
        url: PasswordSource,
    },
    /// A Microsoft Teams workflow webhook (its URL is a secret): an
    /// Adaptive Card.
    Teams {
        /// The workflow URL.
        url: PasswordSource,
    },
    /// A Telegram bot's `sendMessage`.
    Telegram {
        /// The bot token.
        token: PasswordSource,
        /// The chat (a user, group or channel id, or `@channel`).
        chat_id: String,
        /// The Bot API's address.
        api: Url,
    },
    /// Any receiver: Vigia's JSON, signed with HMAC-SHA256.
    Webhook {
        /// Where to POST.
        url: Url,
        /// The signing secret.
        secret: Option<PasswordSource>,
    },
}

impl Target {
    /// Its kind, as configs name it.
    pub fn kind(&self) -> &'static str {
        match self {
            Target::Slack { .. } => "slack",
            Target::Teams { .. } => "teams",
            Target::Telegram { .. } => "telegram",
            Target::Webhook { .. } => "webhook",
        }
    }
}

/// What a channel is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sends {
    /// Urgent and critical mentions.
    pub alerts: bool,
    /// Negative spikes.
    pub spikes: bool,
    /// Digests.
    pub digests: bool,
}

impl Default for Sends {
    fn default() -> Self {
        Sends {
            alerts: true,
            spikes: true,
            digests: true,
        }
    }
}

/// One team's chat channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    /// The team.
    pub team: String,
    /// Its name in the outbox: `TEAM/KIND`, numbered when a team has two
    /// of a kind.
    pub name: String,
    /// Where it posts.
    pub target: Target,
    /// What it is sent.
    pub sends: Sends,
}

/// The longest item link a chat message carries.
const MAX_URL_BYTES: usize = 2_000;

/// Every team's channels.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Channels {
    by_team: HashMap<String, Vec<Channel>>,
}

impl Channels {
    /// The channels, grouped by team.
    pub fn new(channels: Vec<Channel>) -> Channels {
        let mut by_team: HashMap<String, Vec<Channel>> = HashMap::new();
        for c in channels {
            by_team.entry(c.team.clone()).or_default().push(c);
        }
        Channels { by_team }
    }

    /// The channel called `name`.
    pub fn named(&self, name: &str) -> Option<&Channel> {
        self.by_team.values().flatten().find(|c| c.name == name)
    }

    /// `team`'s channels.
    pub fn of(&self, team: &str) -> &[Channel] {
        self.by_team.get(team).map_or(&[], Vec::as_slice)
    }
}

/// The outbox key of the chat message to `channel` of what `key` covers.
pub fn key(key: &str, channel: &Channel) -> String {
    format!("{key}:chat:{}", channel.name)
}

/// Queues `note` for every channel of `teams` that wants its kind, keyed
/// by [`key`] (queued once); returns the first one's outbox id.
pub fn queue(
    conn: &Tx<'_>,
    channels: &Channels,
    (teams, key_of): (&[String], &str),
    note: &Note,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let mut first = None;
    for team in teams {
        for channel in channels.of(team) {
            let wanted = match note.kind {
                render::Kind::Alert => channel.sends.alerts,
                render::Kind::Spike => channel.sends.spikes,
                render::Kind::Digest => channel.sends.digests,
            };
            if !wanted {
                continue;
            }
            let payload = render::payload(&channel.target, note);
            let chat = outbox::NewChat {
                key: &key(key_of, channel),
                kind: note.kind.name(),
                channel: &channel.name,
                subject: &note.heading,
                payload: payload.as_bytes(),
            };
            first = first.or(outbox::enqueue_chat(conn, &chat, now)?);
        }
    }
    Ok(first)
}

/// The note of an alert or spike alert about `items`, headed as its mail.
pub fn alert_note(
    kind: render::Kind,
    teams: &[String],
    (heading, words): (&str, &'static Words),
    items: &[AlertItem],
    links: Option<&MailLinks>,
) -> Note {
    Note {
        kind,
        teams: teams.to_vec(),
        heading: heading.to_string(),
        lines: Vec::new(),
        items: items
            .iter()
            .take(render::MAX_ITEMS)
            .map(|i| {
                note_item(
                    i.id,
                    (&i.title, i.url.as_deref(), &i.snippet),
                    (&i.severity, i.sentiment),
                    (&i.source, &i.byline),
                    (words, links),
                )
            })
            .collect(),
        total: items.len(),
        inbox: links.map(MailLinks::inbox),
        words,
    }
}

/// The note of a digest: its counts by brand, then what needs action and
/// the most negative mentions.
pub fn digest_note(
    team: &str,
    (heading, words): (&str, &'static Words),
    data: &DigestData,
    links: Option<&MailLinks>,
) -> Note {
    let lines = data
        .brands
        .iter()
        .map(|(brand, now, _)| {
            let counts: Vec<String> = now
                .iter()
                .zip(words.counted)
                .map(|(n, what)| format!("{n} {what}"))
                .collect();
            format!("{brand}: {}", counts.join(", "))
        })
        .collect();
    let mut lines_of: Vec<&Line> = data.action.iter().collect();
    for l in &data.worst {
        if !lines_of.iter().any(|a| a.id == l.id) {
            lines_of.push(l);
        }
    }
    Note {
        kind: render::Kind::Digest,
        teams: vec![team.to_string()],
        heading: heading.to_string(),
        lines,
        items: lines_of
            .iter()
            .take(render::MAX_ITEMS)
            .map(|l| {
                note_item(
                    l.id,
                    (&l.title, l.url.as_deref(), &l.snippet),
                    (&l.severity, Some(l.sentiment)),
                    (&l.source, &l.byline),
                    (words, links),
                )
            })
            .collect(),
        total: lines_of.len(),
        inbox: links.map(MailLinks::inbox),
        words,
    }
}

fn note_item(
    id: i64,
    (title, url, quote): (&str, Option<&str>, &str),
    (severity, sentiment): (&str, Option<f64>),
    (source, byline): (&str, &Byline),
    (words, links): (&Words, Option<&MailLinks>),
) -> NoteItem {
    let source = match words.byline(byline) {
        Some(by) => format!("{source} · {by}"),
        None => source.to_string(),
    };
    NoteItem {
        id,
        title: title.to_string(),
        // A link longer than chat services take (Slack's 3,000-character
        // sections) is left to the mention's page.
        url: url.filter(|u| u.len() <= MAX_URL_BYTES).map(str::to_string),
        quote: quote.to_string(),
        severity: words.severity(severity).to_string(),
        severity_name: severity.to_string(),
        sentiment,
        source,
        author: byline.author.clone(),
        reach: byline.reach,
        open: links.map(|l| l.open(id)),
    }
}
