//! Validation of `[[team.chat]]`: each team's chat channels.

use std::collections::HashMap;

use url::Url;

use super::base_dir;
use super::check::{secret, Checker};
use super::raw::{RawChat, RawTeam, Text};
use crate::delivery::chat::{Channel, Sends, Target};

/// The Bot API's public address.
const TELEGRAM_API: &str = "https://api.telegram.org/";

/// Every team's valid channels.
pub(super) fn channels(check: &mut Checker<'_>, teams: &[RawTeam]) -> Vec<Channel> {
    let dir = base_dir(&check.file.path);
    let mut out = Vec::new();
    for (t, team) in teams.iter().enumerate() {
        let name = team.name.get_ref().trim();
        let mut kinds: HashMap<&'static str, usize> = HashMap::new();
        for (i, raw) in team.chat.iter().enumerate() {
            let key = format!("team[{t}].chat[{i}]");
            let Some(target) = target(check, &key, raw, &dir) else {
                continue;
            };
            let seen = kinds.entry(target.kind()).or_default();
            *seen += 1;
            let channel = match seen {
                1 => format!("{name}/{}", target.kind()),
                n => format!("{name}/{}#{n}", target.kind()),
            };
            out.push(Channel {
                team: name.to_string(),
                name: channel,
                target,
                sends: sends(check, &key, raw.sends.as_ref()),
            });
        }
    }
    out
}

fn sends(check: &mut Checker<'_>, key: &str, raw: Option<&toml::Spanned<Vec<Text>>>) -> Sends {
    let Some(list) = raw else {
        return Sends::default();
    };
    let mut sends = Sends {
        alerts: false,
        spikes: false,
        digests: false,
    };
    for what in list.get_ref() {
        match what.get_ref().as_str() {
            "alerts" => sends.alerts = true,
            "spikes" => sends.spikes = true,
            "digests" => sends.digests = true,
            other => check.push(
                Some(what.span()),
                format!("{key}.sends"),
                format!("{other:?} is not alerts, spikes or digests"),
            ),
        }
    }
    sends
}

fn target(
    check: &mut Checker<'_>,
    key: &str,
    raw: &RawChat,
    dir: &std::path::Path,
) -> Option<Target> {
    let kind = raw.kind.get_ref().trim();
    // Keys that belong to other kinds are mistakes worth naming.
    let allowed: &[&str] = match kind {
        "slack" | "teams" => &["url_env", "url_file", "url"],
        "telegram" => &["token_env", "token_file", "chat_id", "endpoint"],
        "webhook" => &["url", "secret_env", "secret_file"],
        other => {
            let msg = format!("{other:?} is not a chat kind (slack, teams, telegram or webhook)");
            check.push(Some(raw.kind.span()), format!("{key}.kind"), msg);
            return None;
        }
    };
    let given = [
        ("url", &raw.url),
        ("url_env", &raw.url_env),
        ("url_file", &raw.url_file),
        ("token_env", &raw.token_env),
        ("token_file", &raw.token_file),
        ("chat_id", &raw.chat_id),
        ("endpoint", &raw.endpoint),
        ("secret_env", &raw.secret_env),
        ("secret_file", &raw.secret_file),
    ];
    for (name, value) in given {
        if let (Some(v), false) = (value, allowed.contains(&name)) {
            check.push(
                Some(v.span()),
                format!("{key}.{name}"),
                format!("is not a key of a {kind} channel"),
            );
        }
    }
    let missing = |check: &mut Checker<'_>, what: &str| {
        check.push(
            Some(raw.kind.span()),
            key.to_string(),
            format!("a {kind} channel needs {what}"),
        );
        None
    };
    match kind {
        "slack" | "teams" => {
            if let Some(url) = &raw.url {
                let msg = format!("a {kind} webhook URL is a secret: put it in url_env or url_file, not in the config");
                check.push(Some(url.span()), format!("{key}.url"), msg);
            }
            let Some(url) = secret(check, (key, "url"), (&raw.url_env, &raw.url_file), dir) else {
                return missing(check, "url_env or url_file");
            };
            Some(if kind == "slack" {
                Target::Slack { url }
            } else {
                Target::Teams { url }
            })
        }
        "telegram" => {
            let token = secret(
                check,
                (key, "token"),
                (&raw.token_env, &raw.token_file),
                dir,
            );
            let Some(chat_id) = raw.chat_id.as_ref().map(|c| c.get_ref().trim().to_string()) else {
                return missing(check, "chat_id");
            };
            let Some(token) = token else {
                return missing(check, "token_env or token_file (the bot token)");
            };
            let api = match &raw.endpoint {
                Some(e) => web_url(check, &format!("{key}.endpoint"), e, true)?,
                None => Url::parse(TELEGRAM_API).ok()?,
            };
            Some(Target::Telegram {
                token,
                chat_id,
                api,
            })
        }
        _ => {
            let Some(url) = &raw.url else {
                return missing(check, "url");
            };
            let url = web_url(check, &format!("{key}.url"), url, false)?;
            let secret = secret(
                check,
                (key, "secret"),
                (&raw.secret_env, &raw.secret_file),
                dir,
            );
            Some(Target::Webhook { url, secret })
        }
    }
}

/// An http(s) URL; with `base`, ending in `/` so that paths join under it.
fn web_url(check: &mut Checker<'_>, key: &str, value: &Text, base: bool) -> Option<Url> {
    let mut text = value.get_ref().trim().to_string();
    if base && !text.ends_with('/') {
        text.push('/');
    }
    match Url::parse(&text) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Some(url),
        _ => {
            check.push(
                Some(value.span()),
                key,
                format!("{:?} is not an http(s) URL", value.get_ref()),
            );
            None
        }
    }
}
