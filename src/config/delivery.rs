//! Validation of `[mail]`: the sender, fallback recipients and the way out.

use std::path::Path;
use std::time::Duration;

use lettre::message::Mailbox;

use super::check::Checker;
use super::check::{password, tls};
use super::raw::{RawDigest, RawMail, RawSpikes, Text};
use crate::delivery::digest::DigestSettings;
use crate::delivery::spikes::SpikeRules;
use crate::delivery::{MailSettings, SmtpSettings, TransportSettings};
use crate::tls::TlsMode;

fn mailbox(check: &mut Checker<'_>, value: &Text, key: &str) -> Option<String> {
    match value.get_ref().parse::<Mailbox>() {
        Ok(m) => Some(m.to_string()),
        Err(e) => {
            let msg = format!("{:?} is not an email address ({e})", value.get_ref());
            check.push(Some(value.span()), key, msg);
            None
        }
    }
}

/// `[mail]`; `state_dir` holds the default `.eml` folder.
pub(super) fn mail(
    check: &mut Checker<'_>,
    raw: &RawMail,
    dir: &Path,
    state_dir: &Path,
) -> MailSettings {
    let from = match &raw.from {
        Some(v) => mailbox(check, v, "mail.from").unwrap_or_default(),
        None => "Vigia <vigia@localhost>".to_string(),
    };
    let fallback_to = raw
        .to
        .iter()
        .enumerate()
        .filter_map(|(i, t)| mailbox(check, t, &format!("mail.to[{i}]")))
        .collect();
    let timeout = check.duration(
        raw.timeout.as_ref(),
        "mail.timeout",
        Duration::from_secs(30),
    );
    let transport = match &raw.host {
        None => {
            let smtp_only = [
                &raw.port.as_ref().map(|p| p.span()),
                &raw.tls.as_ref().map(Text::span),
                &raw.user.as_ref().map(Text::span),
            ];
            if let Some(span) = smtp_only.into_iter().flatten().next() {
                check.push(
                    Some(span.clone()),
                    "mail",
                    "SMTP settings without mail.host: set host, or remove them to write .eml files",
                );
            }
            let folder = raw
                .dir
                .as_ref()
                .map_or_else(|| state_dir.join("outbox"), |d| dir.join(d.get_ref()));
            TransportSettings::Files(folder)
        }
        Some(host) => {
            if let Some(d) = &raw.dir {
                check.push(
                    Some(d.span()),
                    "mail.dir",
                    "is for the .eml transport; with mail.host mail goes to the server",
                );
            }
            let host = host.get_ref().trim().to_string();
            let mode = tls(check, "mail", raw.tls.as_ref(), &host);
            let default_port = match mode {
                TlsMode::Implicit => 465,
                TlsMode::StartTls => 587,
                TlsMode::Plain => 25,
            };
            let port = match &raw.port {
                None => default_port,
                Some(p) => u16::try_from(*p.get_ref())
                    .ok()
                    .filter(|p| *p > 0)
                    .unwrap_or_else(|| {
                        check.push(
                            Some(p.span()),
                            "mail.port",
                            format!("{} is not a port", p.get_ref()),
                        );
                        default_port
                    }),
            };
            let secret = password(check, "mail", (&raw.password_env, &raw.password_file), dir);
            let login = match (&raw.user, secret) {
                (Some(user), Some(secret)) => Some((user.get_ref().clone(), secret)),
                (None, None) => None,
                (Some(user), None) => {
                    check.push(Some(user.span()), "mail.user", "needs password_env or password_file; passwords are not written in the config");
                    None
                }
                (None, Some(_)) => {
                    check.push(None, "mail", "a password without mail.user");
                    None
                }
            };
            TransportSettings::Smtp(SmtpSettings {
                host,
                port,
                tls: mode,
                ca_file: raw.ca_file.as_ref().map(|f| dir.join(f.get_ref())),
                login,
                timeout,
            })
        }
    };
    let retry = match &raw.retry {
        None => Duration::from_secs(30),
        Some(v) => match humantime::parse_duration(v.get_ref()) {
            Ok(d) if d >= Duration::from_secs(1) && d <= Duration::from_secs(3600) => d,
            _ => {
                let msg = format!("{:?} is not a duration from 1s to 1h", v.get_ref());
                check.push(Some(v.span()), "mail.retry", msg);
                Duration::from_secs(30)
            }
        },
    };
    let reply_to = raw
        .reply_to
        .as_ref()
        .and_then(|v| mailbox(check, v, "mail.reply_to"));
    MailSettings {
        from,
        fallback_to,
        transport,
        retry,
        reply_to,
    }
}

/// `[spikes]`: the detector's settings, the defaults where not given.
pub(super) fn spikes(check: &mut Checker<'_>, raw: &RawSpikes) -> SpikeRules {
    let d = SpikeRules::default();
    let negative = check.number(
        raw.negative.as_ref(),
        "spikes.negative",
        (-1.0, 0.0),
        d.negative,
    );
    let p_value = check.number(
        raw.p_value.as_ref(),
        "spikes.p_value",
        (1e-12, 0.5),
        d.p_value,
    );
    let min_count = check.count(
        raw.min_count.as_ref(),
        "spikes.min_count",
        d.min_count as usize,
    ) as u32;
    let sustained = check.count(
        raw.sustained.as_ref(),
        "spikes.sustained",
        d.sustained as usize,
    ) as u32;
    let sustained_ratio = check.number(
        raw.sustained_ratio.as_ref(),
        "spikes.sustained_ratio",
        (1.0, 100.0),
        d.sustained_ratio,
    );
    let sustained_p = check.number(
        raw.sustained_p.as_ref(),
        "spikes.sustained_p",
        (1e-12, 0.5),
        d.sustained_p,
    );
    let window = check.duration(raw.window.as_ref(), "spikes.window", d.window);
    // Windows tile the day (the baseline is the same window of earlier
    // days), and a build-up spans less than one (its baseline is the same
    // span of earlier days).
    let secs = window.as_secs();
    if let Some(w) = &raw.window {
        if secs < 60 || 86_400 % secs != 0 {
            check.push(
                Some(w.span()),
                "spikes.window",
                format!(
                    "{:?} does not divide a day into whole windows of a minute or more (e.g. \"15m\", \"1h\", \"2h\")",
                    w.get_ref()
                ),
            );
        }
    }
    if u64::from(sustained) * secs.max(60) >= 86_400 {
        let span = raw
            .sustained
            .as_ref()
            .map(|s| s.span())
            .or_else(|| raw.window.as_ref().map(|w| w.span()));
        check.push(
            span,
            "spikes.sustained",
            format!("{sustained} windows of {secs} s make a day or more: a build-up must span less than a day"),
        );
    }
    SpikeRules {
        negative,
        window,
        min_count,
        p_value,
        sustained,
        sustained_ratio,
        sustained_p,
        cooldown: check.duration(raw.cooldown.as_ref(), "spikes.cooldown", d.cooldown),
        ..d
    }
}

/// `[digest]`: the time, zone, rhythm and empty-period behaviour.
pub(super) fn digest(check: &mut Checker<'_>, raw: &RawDigest) -> DigestSettings {
    let d = DigestSettings::default();
    let at = match &raw.at {
        None => d.at,
        Some(v) => chrono::NaiveTime::parse_from_str(v.get_ref(), "%H:%M").unwrap_or_else(|_| {
            check.push(
                Some(v.span()),
                "digest.at",
                format!(
                    "{:?} is not a time of day (expected \"08:00\")",
                    v.get_ref()
                ),
            );
            d.at
        }),
    };
    let tz = check.timezone(raw.timezone.as_ref(), "digest.timezone", d.tz);
    let weekly_on = match raw.every.as_ref().map(|v| (v, v.get_ref().as_str())) {
        None | Some((_, "daily")) => None,
        Some((v, day)) => match day.parse::<chrono::Weekday>() {
            Ok(w) => Some(w),
            Err(_) => {
                check.push(
                    Some(v.span()),
                    "digest.every",
                    format!("{day:?}: expected \"daily\" or a weekday (\"monday\")"),
                );
                None
            }
        },
    };
    let send_empty = match raw.empty.as_ref().map(|v| (v, v.get_ref().as_str())) {
        None | Some((_, "skip")) => false,
        Some((_, "send")) => true,
        Some((v, other)) => {
            check.push(
                Some(v.span()),
                "digest.empty",
                format!("{other:?}: expected \"skip\" or \"send\""),
            );
            false
        }
    };
    DigestSettings {
        at,
        tz,
        weekly_on,
        send_empty,
        open_after: check.duration(raw.open_after.as_ref(), "digest.open_after", d.open_after),
    }
}
