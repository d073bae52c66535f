//! Replies that act. Alert mails ask for replies at `[mail] reply_to` and
//! name themselves by a signed token (in the subject and the Message-ID);
//! a mailbox read with `role = "replies"` brings each reply here. A reply
//! whose first line is a command (`ack`, `resolve`, `ignore`, `reopen`, or
//! the Portuguese words people write: `ok`, `visto`, `resolvido`,
//! `ignorar`, `reabrir`) applies it to the mentions its alert named, or to
//! the `#ID`s written after the command, with the rest of the first
//! paragraph as the note, in the sender's name.
//!
//! Nothing else acts: a reply must answer a mail this installation signed
//! (its token), come from a recipient of that mail, from someone still on
//! a team that the mention is routed to, and not be an automatic reply
//! (out of office, bounces). Each reply is read once, by its Message-ID.

use crate::links::{reply_tokens, Signer};
use crate::people::People;
use crate::source::alert_email::Reply;
use crate::store::replies::{self, ReplyMail};
use crate::store::triage::{self, Action, FollowUpError};
use crate::store::{users, StoreError, Tx};
use crate::text::fold::fold;

/// Longest note a reply leaves, in characters.
const NOTE_CHARS: usize = 2_000;

/// The words that open a command, accents folded, by action.
const WORDS: &[(Action, &[&str])] = &[
    (
        Action::Acknowledge,
        &[
            "ack",
            "acknowledge",
            "acknowledged",
            "ok",
            "okay",
            "visto",
            "ciente",
        ],
    ),
    (
        Action::Resolve,
        &[
            "resolve",
            "resolved",
            "done",
            "fixed",
            "resolvido",
            "resolvida",
            "resolver",
            "feito",
        ],
    ),
    (
        Action::Ignore,
        &["ignore", "ignored", "ignorar", "ignorado", "ignorada"],
    ),
    (
        Action::Reopen,
        &["reopen", "reopened", "reabrir", "reaberto", "reaberta"],
    ),
];

/// What a reply asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The step.
    pub action: Action,
    /// The mentions it names (`#12`), when it names some: else all the
    /// alert named.
    pub mentions: Vec<i64>,
    /// The rest of the first paragraph.
    pub note: Option<String>,
}

/// The command in the first line of `text`, if it opens with one.
pub fn command(text: &str) -> Option<Command> {
    let text = text.trim_start();
    let paragraph = text.split("\n\n").next().unwrap_or_default();
    let mut words = paragraph.split_whitespace().peekable();
    let first = fold(words.next()?.trim_matches(|c: char| !c.is_alphanumeric()));
    let action = WORDS
        .iter()
        .find(|(_, words)| words.contains(&first.as_str()))
        .map(|(action, _)| *action)?;
    let mut mentions = Vec::new();
    while let Some(id) = words.peek().and_then(|w| mention_id(w)) {
        mentions.push(id);
        words.next();
    }
    let rest: Vec<&str> = words.collect();
    let note = rest
        .join(" ")
        .trim_start_matches([':', '-', ',', '–'])
        .trim()
        .chars()
        .take(NOTE_CHARS)
        .collect::<String>();
    Some(Command {
        action,
        mentions,
        note: (!note.is_empty()).then_some(note),
    })
}

/// `#12` (or `#12,`, `#12:`) as a mention id; a bare number is text
/// ("resolvido 3 clientes").
fn mention_id(word: &str) -> Option<i64> {
    word.trim_end_matches([',', ';', ':', '.'])
        .strip_prefix('#')?
        .parse()
        .ok()
        .filter(|&id| id > 0)
}

/// Reads replies for one installation: its key and its people.
#[derive(Debug)]
pub struct Desk {
    signer: Signer,
    people: People,
}

/// What came of a reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It acted: what was done, and what could not be (a mention already
    /// resolved).
    Acted {
        /// Who sent it.
        sender: String,
        /// What it did and what it could not do, in words.
        summary: String,
    },
    /// It changed nothing, and why.
    Ignored {
        /// Who sent it (empty when it names nobody).
        sender: String,
        /// Why.
        reason: String,
    },
    /// It was read before (its mailbox was read again).
    Again,
}

impl Desk {
    /// A desk that checks tokens with `signer` and knows `people`.
    pub fn new(signer: Signer, people: People) -> Desk {
        Desk { signer, people }
    }

    /// Reads `reply` and does what it asks, when it may, inside the
    /// caller's write transaction; records it as read.
    pub fn take(&self, tx: &Tx<'_>, reply: &Reply, now: i64) -> Result<Outcome, StoreError> {
        if replies::read_before(tx, &reply.message_id)?.is_some() {
            return Ok(Outcome::Again);
        }
        let sender = reply.sender.clone();
        let outcome = match self.act(tx, reply, now)? {
            Ok(summary) => Outcome::Acted { sender, summary },
            Err(reason) => Outcome::Ignored { sender, reason },
        };
        let said = match &outcome {
            Outcome::Acted { summary, .. } => summary.clone(),
            Outcome::Ignored { reason, .. } => format!("ignored: {reason}"),
            Outcome::Again => String::new(),
        };
        replies::record_read(tx, &reply.message_id, &reply.sender, &said, now)?;
        Ok(outcome)
    }

    /// What the reply did, in words, or why it did nothing.
    fn act(
        &self,
        tx: &Tx<'_>,
        reply: &Reply,
        now: i64,
    ) -> Result<Result<String, String>, StoreError> {
        if let Some(why) = &reply.automatic {
            return Ok(Err(format!("an automatic reply ({why})")));
        }
        let Some(mail) = self.answered(tx, reply, now)? else {
            return Ok(Err("it answers no alert mail of this Vigia from the last 30 days (no valid token in its subject, In-Reply-To or References)".into()));
        };
        if reply.sender.is_empty() || !mail.recipients.contains(&reply.sender) {
            return Ok(Err(format!(
                "{:?} is not a recipient of the alert it answers",
                reply.sender
            )));
        }
        let Some(command) = command(&reply.text) else {
            return Ok(Err("its first line is no command (ack, resolve, ignore, reopen; ok, visto, resolvido, ignorar, reabrir)".into()));
        };
        let added = users::get(tx, &reply.sender)?;
        let Some(viewer) = self
            .people
            .viewer_with(&reply.sender, String::new(), added.as_ref())
        else {
            return Ok(Err(format!("{} is on no team any more", reply.sender)));
        };
        let (named, foreign): (Vec<i64>, Vec<i64>) = if command.mentions.is_empty() {
            (mail.mentions.clone(), Vec::new())
        } else {
            command
                .mentions
                .iter()
                .partition(|id| mail.mentions.contains(id))
        };
        let mine = match viewer.visible_to() {
            None => named.clone(),
            Some(teams) => replies::routed_to(tx, &named, &teams)?,
        };
        let mut done = Vec::new();
        let mut refused: Vec<String> = foreign
            .iter()
            .map(|id| format!("#{id} is not in that alert"))
            .collect();
        refused.extend(
            named
                .iter()
                .filter(|id| !mine.contains(id))
                .map(|id| format!("#{id} is not routed to their teams")),
        );
        let actor = format!("{} (reply)", reply.sender);
        for id in mine {
            let step = (command.action, actor.as_str(), command.note.as_deref());
            match triage::step(tx, id, step, now) {
                Ok(status) => done.push(format!("#{id} {}", status.name())),
                Err(FollowUpError::Store(error)) => return Err(error),
                Err(refusal) => refused.push(refusal.to_string()),
            }
        }
        if done.is_empty() {
            return Ok(Err(refused.join("; ")));
        }
        let mut summary = done.join(", ");
        if !refused.is_empty() {
            summary.push_str(&format!(" (not done: {})", refused.join("; ")));
        }
        Ok(Ok(summary))
    }

    /// The alert mail a reply answers: the first token in its
    /// References, In-Reply-To or subject that this installation signed
    /// for a mail still on record.
    fn answered(
        &self,
        tx: &Tx<'_>,
        reply: &Reply,
        now: i64,
    ) -> Result<Option<ReplyMail>, StoreError> {
        let text = format!("{} {}", reply.references, reply.subject);
        for (id, token) in reply_tokens(&text) {
            if let Some(mail) = replies::mail(tx, id, now)? {
                if self.signer.reply_token_is(&token, id, mail.created_at) {
                    return Ok(Some(mail));
                }
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_word_is_the_command_and_the_paragraph_the_note() {
        let c = command("Resolvido: trocamos a lâmpada\ndo cliente.\n\nAbraço,\nAna").unwrap();
        assert_eq!(c.action, Action::Resolve);
        assert_eq!(c.mentions, Vec::<i64>::new());
        assert_eq!(c.note.as_deref(), Some("trocamos a lâmpada do cliente."));
        let c = command("  OK.").unwrap();
        assert_eq!((c.action, c.note), (Action::Acknowledge, None));
        let c = command("ignore #12, #14: duplicate of #9").unwrap();
        assert_eq!(c.action, Action::Ignore);
        assert_eq!(c.mentions, vec![12, 14]);
        assert_eq!(c.note.as_deref(), Some("duplicate of #9"));
        assert_eq!(command("reabrir").unwrap().action, Action::Reopen);
        let c = command("resolvido 3 clientes reembolsados").unwrap();
        assert_eq!(c.mentions, Vec::<i64>::new());
        assert_eq!(c.note.as_deref(), Some("3 clientes reembolsados"));
        assert_eq!(command("Visto!").unwrap().action, Action::Acknowledge);
        // Anything else is no command: a question, a thank-you, nothing.
        assert_eq!(command("Can you resolve this?"), None);
        assert_eq!(command("Obrigada pelo aviso"), None);
        assert_eq!(command(""), None);
        assert_eq!(command("okra"), None);
    }
}
