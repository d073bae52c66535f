//! Validation of `[status]` and `[web]`: where the health and metrics
//! listener and the web inbox bind, and the inbox's public address.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use super::check::Checker;
use super::raw::{RawStatus, RawWeb, Text};
use super::WebSettings;

pub(super) fn listen(check: &mut Checker<'_>, raw: &RawStatus) -> Option<SocketAddr> {
    let text = raw.listen.as_ref()?;
    let remote = raw.allow_remote.as_ref().is_some_and(|b| *b.get_ref());
    address(
        check,
        ("status", text, remote),
        "/metrics names your brands and sources",
    )
}

/// How long a web session lasts unless `[web] session` says otherwise.
const SESSION: Duration = Duration::from_secs(30 * 86_400);

/// How long a mailed one-click link works unless `[web] link_lifetime`
/// says otherwise.
const LINK_LIFETIME: Duration = Duration::from_secs(7 * 86_400);

pub(super) fn web(
    check: &mut Checker<'_>,
    raw: &RawWeb,
    (dir, state_dir): (&Path, &Path),
) -> Option<WebSettings> {
    let text = raw.listen.as_ref()?;
    let remote = raw.allow_remote.as_ref().is_some_and(|b| *b.get_ref());
    let listen = address(
        check,
        ("web", text, remote),
        "the inbox should sit behind your reverse proxy (TLS)",
    );
    let base_url = match raw.base_url.as_ref() {
        None => {
            let msg = "is needed with web.listen: the address people open the inbox at \
                       (e.g. \"https://vigia.example.com\"), for the links in mail";
            check.push(Some(text.span()), "web.base_url", msg);
            None
        }
        Some(url) => match url::Url::parse(url.get_ref().trim()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => Some(u),
            _ => {
                let msg = format!(
                    "{:?} is not an http or https URL (expected e.g. \"https://vigia.example.com\")",
                    url.get_ref()
                );
                check.push(Some(url.span()), "web.base_url", msg);
                None
            }
        },
    };
    let mut admins = Vec::new();
    for (i, admin) in raw.admins.iter().enumerate() {
        let email = admin.get_ref().trim().to_lowercase();
        if email.contains('@') && !email.contains(char::is_whitespace) {
            admins.push(email);
        } else {
            let msg = format!("{:?} is not an email address", admin.get_ref());
            check.push(Some(admin.span()), format!("web.admins[{i}]"), msg);
        }
    }
    let session = check.duration(raw.session.as_ref(), "web.session", SESSION);
    let link_lifetime = check.duration(
        raw.link_lifetime.as_ref(),
        "web.link_lifetime",
        LINK_LIFETIME,
    );
    Some(WebSettings {
        listen: listen?,
        base_url: base_url?,
        admins,
        session,
        link_lifetime,
        link_key_file: raw.link_key_file.as_ref().map(|f| dir.join(f.get_ref())),
        state_dir: state_dir.to_path_buf(),
    })
}

/// The address `text` names for `[table] listen`, refused when other
/// machines could reach it without `[table] allow_remote` (`why` says
/// what they would see).
fn address(
    check: &mut Checker<'_>,
    (table, text, remote_allowed): (&str, &Text, bool),
    why: &str,
) -> Option<SocketAddr> {
    let key = format!("{table}.listen");
    let Ok(addr) = text.get_ref().trim().parse::<SocketAddr>() else {
        let msg = format!(
            "{:?} is not an address and port (expected e.g. \"127.0.0.1:9187\")",
            text.get_ref()
        );
        check.push(Some(text.span()), key, msg);
        return None;
    };
    if !addr.ip().is_loopback() && !remote_allowed {
        let msg = format!(
            "{addr} is reachable from other machines; {why}, so use 127.0.0.1 \
             (or set {table}.allow_remote = true)"
        );
        check.push(Some(text.span()), key, msg);
    }
    Some(addr)
}
