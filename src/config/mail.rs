//! Validation of the mail sources: `[[maildir]]` and `[[imap]]`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use super::base_dir;
use super::raw::{RawImap, RawMaildir, Text};
use super::validate::Checker;
use super::Maildir;
use crate::secret::PasswordSource;
use crate::source::imap::{AfterRead, ImapSettings};
use crate::tls::TlsMode;

/// Source ids already taken, with where (file, key).
pub(super) type Seen = HashMap<String, (PathBuf, String)>;

/// A mail source's name: not empty, and not taken by another source.
pub(super) fn source_name(
    check: &mut Checker<'_>,
    key: &str,
    name: &Text,
    seen: &mut Seen,
) -> String {
    let id = name.get_ref().trim().to_string();
    if id.is_empty() {
        check.push(Some(name.span()), format!("{key}.name"), "is empty");
    } else if let Some((_, first)) =
        seen.insert(id.clone(), (check.file.path.clone(), key.to_string()))
    {
        check.push(
            Some(name.span()),
            format!("{key}.name"),
            format!("{id:?} is already the name of {first}"),
        );
    }
    id
}

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

/// A `tls` key (IMAP or SMTP): "implicit" (the default), "starttls", or
/// "plain", which sends the password in clear and is allowed only to this
/// machine.
pub(super) fn tls(check: &mut Checker<'_>, key: &str, value: Option<&Text>, host: &str) -> TlsMode {
    let Some(value) = value else {
        return TlsMode::Implicit;
    };
    match value.get_ref().as_str() {
        "implicit" => TlsMode::Implicit,
        "starttls" => TlsMode::StartTls,
        "plain" if matches!(host, "localhost" | "127.0.0.1" | "::1") => TlsMode::Plain,
        "plain" => {
            let msg = format!("\"plain\" sends the password in clear and is allowed only for localhost, not {host:?}");
            check.push(Some(value.span()), format!("{key}.tls"), msg);
            TlsMode::Plain
        }
        other => {
            let msg = format!(
                "{other:?} is not a TLS mode (expected \"implicit\", \"starttls\" or \"plain\")"
            );
            check.push(Some(value.span()), format!("{key}.tls"), msg);
            TlsMode::Implicit
        }
    }
}

/// `password_env` or `password_file` (relative to the config), never
/// both; None when neither is given.
pub(super) fn password(
    check: &mut Checker<'_>,
    key: &str,
    (env, file): (&Option<Text>, &Option<Text>),
    dir: &std::path::Path,
) -> Option<PasswordSource> {
    match (env, file) {
        (Some(var), None) if !var.get_ref().is_empty() => {
            Some(PasswordSource::Env(var.get_ref().clone()))
        }
        (None, Some(file)) if !file.get_ref().is_empty() => {
            Some(PasswordSource::File(dir.join(file.get_ref())))
        }
        (Some(_), Some(file)) => {
            check.push(
                Some(file.span()),
                key.to_string(),
                "set password_env or password_file, not both",
            );
            Some(PasswordSource::File(dir.join(file.get_ref())))
        }
        _ => None,
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
