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

/// What a reply asks, or why its first line is no command.
pub type Asked = Result<Command, String>;

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

/// The command in the first line of `text`, or why there is none. A
/// first line that asks a question, or names a mention (`#12`) anywhere
/// but right after the command, is no command: when in doubt, nothing
/// is done.
pub fn command(text: &str) -> Asked {
    const NONE: &str = "its first line is no command (ack, resolve, ignore, reopen; ok, visto, resolvido, ignorar, reabrir)";
    let text = text.trim_start();
    let paragraph = text.split("\n\n").next().unwrap_or_default();
    let first_line = paragraph.lines().next().unwrap_or_default();
    let mut words = paragraph.split_whitespace();
    let first = words.next().ok_or(NONE)?;
    let folded = fold(first.trim_matches(|c: char| !c.is_alphanumeric()));
    let action = WORDS
        .iter()
        .find(|(_, words)| words.contains(&folded.as_str()))
        .map(|(action, _)| *action)
        .ok_or(NONE)?;
    if first_line.contains('?') {
        return Err("its first line asks a question".into());
    }
    let words: Vec<&str> = words.collect();
    let mut mentions = Vec::new();
    let mut at = 0;
    while let Some(word) = words.get(at) {
        let ids = mention_ids(word);
        // "#12 e #14": a joining word counts only between two ids.
        let joins = matches!(*word, "e" | "and" | "&" | "," | ";")
            && !mentions.is_empty()
            && words
                .get(at + 1)
                .is_some_and(|w| !mention_ids(w).is_empty());
        if ids.is_empty() && !joins {
            break;
        }
        mentions.extend(ids);
        at += 1;
    }
    let note = words[at..]
        .join(" ")
        .trim_start_matches([':', '-', ',', '–'])
        .trim()
        .chars()
        .take(NOTE_CHARS)
        .collect::<String>();
    if note.split_whitespace().any(|w| !mention_ids(w).is_empty()) {
        return Err(
            "it names a mention (#ID) in its note: write the ids right after the command".into(),
        );
    }
    Ok(Command {
        action,
        mentions,
        note: (!note.is_empty()).then_some(note),
    })
}

/// The mention ids of one word: `#12`, `#12,`, `#12,#14`, `#12;#14:`; a
/// bare number is text ("resolvido 3 clientes").
fn mention_ids(word: &str) -> Vec<i64> {
    let parts = word.split([',', ';']).filter(|p| !p.is_empty());
    let ids: Option<Vec<i64>> = parts
        .map(|p| {
            p.trim_end_matches([':', '.'])
                .strip_prefix('#')?
                .parse()
                .ok()
                .filter(|&id| id > 0)
        })
        .collect();
    ids.unwrap_or_default()
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
    /// caller's write transaction (in a savepoint of its own: a reply that
    /// cannot be stored is recorded as ignored, with the error, and the
    /// rest of the poll is kept); records it as read.
    pub fn take(&self, tx: &Tx<'_>, reply: &Reply, now: i64) -> Result<Outcome, StoreError> {
        if replies::read_before(tx, &reply.message_id)?.is_some() {
            return Ok(Outcome::Again);
        }
        let sender = reply.sender.clone();
        let outcome = match tx.part(|tx| self.act(tx, reply, now)) {
            Ok(Ok(summary)) => Outcome::Acted { sender, summary },
            Ok(Err(reason)) => Outcome::Ignored { sender, reason },
            Err(error) => Outcome::Ignored {
                sender,
                reason: format!("it could not be applied: {error}"),
            },
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
        if let Some(why) = &reply.forged {
            return Ok(Err(format!("its sender's domain disowns it ({why})")));
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
        let command = match command(&reply.text) {
            Ok(command) => command,
            Err(reason) => return Ok(Err(reason)),
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
        if done.is_empty() && refused.is_empty() {
            return Ok(Err("the alert named no mention they may act on".into()));
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
        assert_eq!(command("reabrir").unwrap().action, Action::Reopen);
        assert_eq!(command("Visto!").unwrap().action, Action::Acknowledge);
        let c = command("resolvido 3 clientes reembolsados").unwrap();
        assert_eq!(c.mentions, Vec::<i64>::new());
        assert_eq!(c.note.as_deref(), Some("3 clientes reembolsados"));
    }

    #[test]
    fn ids_right_after_the_command_pick_mentions_in_any_list_form() {
        for text in [
            "ignore #12, #14: duplicate",
            "ignore #12,#14 duplicate",
            "ignorar #12 e #14 - duplicate",
            "ignore #12 and #14; duplicate",
            "ignore #12;#14: duplicate",
        ] {
            let c = command(text).unwrap();
            assert_eq!(c.action, Action::Ignore, "{text}");
            assert_eq!(c.mentions, vec![12, 14], "{text}");
            assert!(
                c.note.as_deref().unwrap_or_default().ends_with("duplicate"),
                "{text}"
            );
        }
        let c = command("resolve #12 and the rest is fine").unwrap();
        assert_eq!(c.mentions, vec![12]);
        assert_eq!(c.note.as_deref(), Some("and the rest is fine"));
    }

    #[test]
    fn anything_unclear_is_no_command() {
        for text in [
            "Can you resolve this?",
            "Obrigada pelo aviso",
            "",
            "okra",
            "Resolvido?",
            "ok? who handles this",
            "Done? I thought so",
            "resolvido, ver #9",
        ] {
            assert!(command(text).is_err(), "{text:?} acted");
        }
    }
}
