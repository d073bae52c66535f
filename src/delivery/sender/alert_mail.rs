//! Alert mail: the queued alerts of each team rendered into one mail, and
//! the rendering and queueing every alert mail shares (spike alerts too).

use lettre::message::Mailbox;
use tracing::warn;

use crate::delivery::chat;
use crate::delivery::render;
use crate::delivery::{MailSettings, Ways};
use crate::store::alerts::AlertItem;
use crate::store::outbox::{self, NewMail};
use crate::store::replies;
use crate::store::{StoreError, Tx};
use crate::triage::Policy;

/// Renders and queues one team's alert mail; None when the team has no
/// recipients (nor `[mail] to`), which is logged.
pub(super) fn queue_alert(
    conn: &Tx<'_>,
    (settings, ways): (&MailSettings, &Ways),
    policy: &Policy,
    (team, rows): (&str, &[(i64, AlertItem)]),
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let to = policy
        .team(team)
        .map(|t| t.recipients.clone())
        .unwrap_or_default();
    let first = rows.first().map_or(0, |(q, _)| *q);
    let items: Vec<AlertItem> = rows.iter().map(|(_, i)| i.clone()).collect();
    let heading =
        render::Heading::team(team, &items, crate::delivery::words::for_team(policy, team));
    let alert = Alert {
        to: &to,
        teams: &[team.to_string()],
        kind: chat::render::Kind::Alert,
        key: &format!("alert:{team}:{first}"),
        tag: &format!("alert.{team}.{first}"),
        heading: &heading,
        items: &items,
        readers: None,
    };
    queue_mail(conn, (settings, ways), &alert, now)
}

/// Room left in an alert's size for each mention's one-click links and
/// reply token, which the estimate in [`fits`] renders without.
const LINK_BYTES: usize = 2_048;

/// Whether `team`'s alert mail of `rows` stays within `[limits]
/// alert_bytes`, as rendered (links and reply aside, with room for them).
pub(super) fn fits(
    settings: &MailSettings,
    policy: &Policy,
    (team, rows): (&str, &[(i64, AlertItem)]),
) -> bool {
    let items: Vec<AlertItem> = rows.iter().map(|(_, i)| i.clone()).collect();
    let heading =
        render::Heading::team(team, &items, crate::delivery::words::for_team(policy, team));
    let recipients = policy
        .team(team)
        .map(|t| t.recipients.clone())
        .unwrap_or_default();
    // No recipient, no mail: nothing to bound.
    let Some((from, to)) = settings.addresses(&recipients) else {
        return true;
    };
    let limit = crate::limits::get(crate::limits::Limit::AlertBytes);
    render::alert(
        (&from, &to, "<estimate@vigia>"),
        &heading,
        &items,
        None,
        None,
    )
    .map_or(true, |m| {
        m.formatted().len() + items.len() * LINK_BYTES <= limit
    })
}

/// An alert mail to queue.
pub(in crate::delivery) struct Alert<'a> {
    /// Its recipients (`[mail] to` when none).
    pub to: &'a [String],
    /// The teams it is for, whose chat channels get it too.
    pub teams: &'a [String],
    /// An alert or a spike alert.
    pub kind: chat::render::Kind,
    /// The outbox key: the same alert is not queued twice.
    pub key: &'a str,
    /// What its Message-ID says it is.
    pub tag: &'a str,
    /// Its subject and first line.
    pub heading: &'a render::Heading,
    /// The mentions it is about.
    pub items: &'a [AlertItem],
    /// Which of them each recipient (by address) may open in the inbox,
    /// when not all (a spike's mentions go to several teams): links only
    /// for those.
    pub readers: Option<&'a std::collections::HashMap<String, std::collections::HashSet<i64>>>,
}

/// Renders an alert and queues it (and posts it to its teams' chat
/// channels); None when there is no mail recipient
/// (neither `to` nor `[mail] to`), which is logged. With one-click
/// links or replies that act, each recipient gets a mail of their own
/// (its links and its reply token name them); the first one's outbox id
/// is returned.
pub(in crate::delivery) fn queue_mail(
    conn: &Tx<'_>,
    (settings, ways): (&MailSettings, &Ways),
    alert: &Alert<'_>,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let links = ways.links.as_ref();
    let note = chat::alert_note(
        alert.kind,
        alert.teams,
        (&alert.heading.title, alert.heading.words),
        alert.items,
        links,
    );
    chat::queue(conn, &ways.chats, (alert.teams, alert.key), &note, now)?;
    let Some((from, mailboxes)) = settings.addresses(alert.to) else {
        warn!(
            key = alert.key,
            "No recipients for this alert: set the team's recipients or [mail] to."
        );
        return Ok(None);
    };
    let safe_tag: String = alert
        .tag
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    let domain = from.email.domain().to_string();
    let reply_to: Option<Mailbox> = settings.reply_to.as_deref().and_then(|a| a.parse().ok());
    // One mail for all, or one per recipient, each with its own links and
    // reply token. Each recipient's own mail has an id of its own, from
    // its address.
    let replies = ways.replies.as_ref().zip(reply_to.as_ref());
    let mails: Vec<(Vec<Mailbox>, String, Option<String>)> = match (links, replies) {
        (None, None) => vec![(mailboxes, alert.key.to_string(), None)],
        _ => mailboxes
            .into_iter()
            .map(|m| {
                let key = format!("{}:{}", alert.key, m.email);
                let part = xxhash_rust::xxh3::xxh3_64(m.email.to_string().as_bytes());
                (vec![m], key, Some(format!("{part:016x}")))
            })
            .collect(),
    };
    let mut first = None;
    for (to, key, part) in mails {
        let recipient = to.first().map(|m| m.email.to_string()).unwrap_or_default();
        let recipients: Vec<String> = to.iter().map(|m| m.email.to_string()).collect();
        let only = alert
            .readers
            .map(|r| r.get(&recipient).cloned().unwrap_or_default());
        let made = links.map(|links| render::Links {
            links,
            recipient: &recipient,
            now,
            only: only.as_ref(),
        });
        // A reply acts on what the mail named to its reader: for one
        // recipient of a spike, what they may open; a mail that names
        // nothing they may act on asks for no reply.
        let named: Vec<i64> = alert
            .items
            .iter()
            .map(|i| i.id)
            .filter(|id| only.as_ref().is_none_or(|o| o.contains(id)))
            .collect();
        let reply = match replies.filter(|_| !named.is_empty()) {
            Some((signer, address)) => {
                let mail = replies::record_mail(conn, &recipients, &named, now)?;
                Some((address, signer.reply_token(mail, now)))
            }
            None => None,
        };
        let token = reply
            .as_ref()
            .map_or(String::new(), |(_, t)| format!(".{t}"));
        let message_id = match &part {
            Some(n) => format!("<vigia.{safe_tag}.{n}{token}@{domain}>"),
            None => format!("<vigia.{safe_tag}{token}@{domain}>"),
        };
        let answer = reply
            .as_ref()
            .map(|(address, token)| render::Answer { to: address, token });
        let mail = (&from, &to[..], message_id.as_str());
        let message =
            render::alert(mail, alert.heading, alert.items, made, answer).map_err(|e| {
                StoreError::Corrupt {
                    column: "alert",
                    message: e.to_string(),
                }
            })?;
        let id = outbox::enqueue(
            conn,
            &NewMail {
                key: &key,
                kind: "alert",
                from: from.email.as_ref(),
                to: &recipients,
                // Without the reply token: the outbox's subjects are shown
                // by /healthz and `vigia outbox`.
                subject: &render::plain(&alert.heading.subject),
                message: &message.formatted(),
            },
            now,
        )?;
        first = first.or(id);
    }
    Ok(first)
}
