//! Validation of the mail sources: `[[maildir]]` and `[[imap]]`.

use std::time::Duration;

use super::base_dir;
use super::check::{password, source_name, tls, Checker, Seen};
use super::raw::Text;
use super::raw::{RawConfig, RawImap, RawMaildir};
use super::Maildir;
use crate::secret::PasswordSource;
use crate::source::imap::{AfterRead, ImapSettings};
use crate::source::MailRole;
use crate::tls::TlsMode;

pub(super) fn maildirs(
    check: &mut Checker<'_>,
    raw: &[RawMaildir],
    default_interval: Duration,
    seen: &mut Seen,
) -> Vec<Maildir> {
    let dir = base_dir(&check.file.path);
    let mut out = Vec::new();
    for (i, m) in raw.iter().enumerate() {
        let key = format!("maildir[{i}]");
        let id = source_name(check, &key, &m.name, seen);
        if m.path.get_ref().trim().is_empty() {
            check.push(Some(m.path.span()), format!("{key}.path"), "is empty");
        }
        let interval = check.duration(
            m.interval.as_ref(),
            &format!("{key}.interval"),
            default_interval,
        );
        out.push(Maildir {
            id,
            path: dir.join(m.path.get_ref().trim()),
            interval,
            role: role(check, &key, m.role.as_ref()),
        });
    }
    out
}

pub(super) fn imaps(
    check: &mut Checker<'_>,
    raw: &[RawImap],
    default_interval: Duration,
    seen: &mut Seen,
) -> Vec<ImapSettings> {
    let dir = base_dir(&check.file.path);
    let mut out = Vec::new();
    for (i, m) in raw.iter().enumerate() {
        let key = format!("imap[{i}]");
        let id = source_name(check, &key, &m.name, seen);
        let host = m.host.get_ref().trim().to_string();
        if host.is_empty() {
            check.push(Some(m.host.span()), format!("{key}.host"), "is empty");
        }
        let tls = tls(check, &key, m.tls.as_ref(), &host);
        let port = match &m.port {
            None => match tls {
                TlsMode::Implicit => 993,
                TlsMode::StartTls | TlsMode::Plain => 143,
            },
            Some(p) => u16::try_from(*p.get_ref())
                .ok()
                .filter(|&p| p > 0)
                .unwrap_or_else(|| {
                    check.push(
                        Some(p.span()),
                        format!("{key}.port"),
                        format!("{} is not a port (1 to 65535)", p.get_ref()),
                    );
                    0
                }),
        };
        let password = password(check, &key, (&m.password_env, &m.password_file), &dir)
            .unwrap_or_else(|| {
                let msg = "needs password_env (an environment variable) or password_file; passwords are not written in the config";
                check.push(Some(m.name.span()), key.to_string(), msg);
                PasswordSource::Env(String::new())
            });
        let folders: Vec<String> = match &m.folders {
            None => vec!["INBOX".to_string()],
            Some(list) if list.get_ref().is_empty() => {
                check.push(
                    Some(list.span()),
                    format!("{key}.folders"),
                    "is empty: name at least one folder",
                );
                Vec::new()
            }
            Some(list) => list.get_ref().iter().map(|f| f.get_ref().clone()).collect(),
        };
        let after = after(check, &key, m);
        let interval = check.duration(
            m.interval.as_ref(),
            &format!("{key}.interval"),
            default_interval,
        );
        if m.user.get_ref().is_empty() {
            check.push(Some(m.user.span()), format!("{key}.user"), "is empty");
        }
        out.push(ImapSettings {
            id,
            host,
            port,
            tls,
            ca_file: m.ca_file.as_ref().map(|f| dir.join(f.get_ref())),
            user: m.user.get_ref().clone(),
            password,
            folders,
            after,
            interval,
            role: role(check, &key, m.role.as_ref()),
        });
    }
    out
}

/// `[mail] reply_to` and a mailbox with `role = "replies"` come together:
/// one without the other is a loop left open.
pub(super) fn replies_read(check: &mut Checker<'_>, raw: &RawConfig, reply_to: bool) {
    let is_replies = |role: &Option<Text>| {
        role.as_ref()
            .filter(|r| r.get_ref().trim() == "replies")
            .map(Text::span)
    };
    let reader = raw
        .maildirs
        .iter()
        .map(|m| &m.role)
        .chain(raw.imaps.iter().map(|m| &m.role))
        .find_map(is_replies);
    match (&raw.mail.reply_to, reader) {
        (Some(address), None) if reply_to => check.push(
            Some(address.span()),
            "mail.reply_to",
            "no [[maildir]] or [[imap]] has role = \"replies\": replies to this address would never be read",
        ),
        (None, Some(span)) => check.push(
            Some(span),
            "mail.reply_to",
            "is needed by the mailbox with role = \"replies\": set it to the address that mailbox receives",
        ),
        _ => {}
    }
}

/// A mailbox's `role`: what its mail is read as.
fn role(check: &mut Checker<'_>, key: &str, value: Option<&Text>) -> MailRole {
    match value.map(|v| v.get_ref().trim()) {
        None | Some("mentions") => MailRole::Mentions,
        Some("replies") => MailRole::Replies,
        Some(other) => {
            let msg = format!("{other:?} is not a role (expected \"mentions\" or \"replies\")");
            check.push(value.map(Text::span), format!("{key}.role"), msg);
            MailRole::Mentions
        }
    }
}

fn after(check: &mut Checker<'_>, key: &str, m: &RawImap) -> AfterRead {
    let mode = m.after.as_ref().map_or("leave", |a| a.get_ref().as_str());
    match (mode, &m.move_to) {
        ("leave", None) => AfterRead::Leave,
        ("seen", None) => AfterRead::Seen,
        ("move", Some(folder)) if !folder.get_ref().trim().is_empty() => {
            AfterRead::Move(folder.get_ref().clone())
        }
        ("move", _) => {
            check.push(
                m.after.as_ref().map(|a| a.span()),
                format!("{key}.move_to"),
                "is needed with after = \"move\"",
            );
            AfterRead::Leave
        }
        ("leave" | "seen", Some(folder)) => {
            check.push(
                Some(folder.span()),
                format!("{key}.move_to"),
                "is only used with after = \"move\"",
            );
            AfterRead::Leave
        }
        (other, _) => {
            let msg =
                format!("{other:?} is not an action (expected \"leave\", \"seen\" or \"move\")");
            check.push(
                m.after.as_ref().map(|a| a.span()),
                format!("{key}.after"),
                msg,
            );
            AfterRead::Leave
        }
    }
}
