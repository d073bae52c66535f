//! Validation of the mail sources: `[[maildir]]` and `[[imap]]`.

use std::time::Duration;

use super::base_dir;
use super::check::{password, source_name, tls, Checker, Seen};
use super::raw::{RawImap, RawMaildir};
use super::Maildir;
use crate::secret::PasswordSource;
use crate::source::imap::{AfterRead, ImapSettings};
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
        });
    }
    out
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
