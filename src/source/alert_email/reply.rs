//! A reply to one of Vigia's alert mails, read for what its sender wrote
//! above the quoted alert, and for what names the alert it answers.

use mail_parser::{Message, MessageParser, PartType};

use super::{body, headers_first, html_body, is_mail, MailError};
use crate::text::normalize::html_to_text;

/// A reply as read from the replies mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// Its Message-ID, or `sha256:` and the hash of the whole mail when it
    /// has none: what keeps it from acting twice.
    pub message_id: String,
    /// The From address, in lower case; empty when it has none.
    pub sender: String,
    /// Its subject.
    pub subject: String,
    /// Its In-Reply-To and References headers, as written.
    pub references: String,
    /// Why it was sent by a machine, not a person (an auto-reply, a
    /// bounce), when it was.
    pub automatic: Option<String>,
    /// Why its sender's domain disowns it, when the receiving server's
    /// `Authentication-Results` (the topmost, its own) says DMARC failed.
    pub forged: Option<String>,
    /// What its sender wrote, without the quoted alert and signature.
    pub text: String,
}

/// Reads a reply; fails only on what is not a mail at all.
pub fn parse_reply(raw: &[u8]) -> Result<Reply, MailError> {
    let message = MessageParser::default()
        .parse(headers_first(raw))
        .filter(is_mail)
        .ok_or(MailError::NotMail)?;
    let message_id = match message.message_id() {
        Some(id) => format!("<{id}>"),
        None => {
            let hash = ring::digest::digest(&ring::digest::SHA256, raw);
            let hex: String = hash.as_ref().iter().map(|b| format!("{b:02x}")).collect();
            format!("sha256:{hex}")
        }
    };
    let sender = message
        .from()
        .and_then(|f| f.first())
        .and_then(|a| a.address())
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    let references = ["In-Reply-To", "References"]
        .iter()
        .filter_map(|h| message.header_raw(*h))
        .collect::<Vec<_>>()
        .join(" ");
    let text = match message.text_part(0).map(|p| &p.body) {
        Some(PartType::Text(text)) => text.to_string(),
        _ => html_body(&message)
            .map(|h| html_to_text(above_quote(&h)))
            .unwrap_or_default(),
    };
    let forged = message
        .header_raw("Authentication-Results")
        .map(str::to_lowercase)
        .filter(|r| r.contains("dmarc=fail"))
        .map(|_| "Authentication-Results: dmarc=fail".to_string());
    Ok(Reply {
        message_id,
        sender,
        subject: message.subject().unwrap_or_default().to_string(),
        references,
        automatic: automatic(&message),
        forged,
        // Read as a reply whatever its subject says: the alert it quotes
        // is history.
        text: body::readable(&text, "Re:"),
    })
}

/// Marks where mail clients put the message replied to in an HTML reply:
/// Gmail's and Apple Mail's `blockquote`, Outlook's reply header.
const QUOTE_MARKS: &[&str] = &[
    "<blockquote",
    "class=\"gmail_quote",
    "id=\"divrplyfwdmsg",
    "id=\"appendonsend",
    "id=\"mail-editor-reference-message-container",
];

/// The part of an HTML reply above the quoted message (the quote's own
/// tag cut off at its `<`).
fn above_quote(html: &str) -> &str {
    let lower = html.to_ascii_lowercase();
    let cut = QUOTE_MARKS
        .iter()
        .filter_map(|mark| lower.find(mark))
        .min()
        .map(|at| lower[..at].rfind('<').unwrap_or(at));
    &html[..cut.unwrap_or(html.len())]
}

/// Why a mail was sent by a machine (RFC 3834's `Auto-Submitted`, the
/// headers vacation responders and mailing lists add, a bounce), if it was.
fn automatic(message: &Message<'_>) -> Option<String> {
    let header = |name: &str| message.header_raw(name).map(|v| v.trim().to_lowercase());
    if let Some(value) = header("Auto-Submitted").filter(|v| !v.starts_with("no")) {
        return Some(format!("Auto-Submitted: {value}"));
    }
    if let Some(name) = ["X-Autoreply", "X-Autorespond"]
        .into_iter()
        .find(|name| message.header_raw(*name).is_some())
    {
        return Some(format!("an {name} header"));
    }
    if let Some(value) = header("Precedence")
        .filter(|v| ["bulk", "junk", "list", "auto_reply"].contains(&v.as_str()))
    {
        return Some(format!("Precedence: {value}"));
    }
    let content_type = header("Content-Type").unwrap_or_default();
    if content_type.contains("multipart/report") {
        return Some("a delivery report".to_string());
    }
    let from = header("Return-Path").unwrap_or_default();
    (from == "<>").then(|| "an empty Return-Path (a bounce)".to_string())
}
