//! The digest: one mail per team and period, HTML and plain text.
//!
//! The chart of mentions per day is an HTML table of coloured cells with
//! widths, which Gmail and Outlook render (they strip SVG and scripts).
//! Everything from outside is escaped, as in alerts.

use chrono::{DateTime, Datelike, Duration as Days, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use super::render::plain;

/// Which days a digest covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// The calendar day before today.
    Yesterday,
    /// Today so far.
    Today,
    /// The 7 days before today.
    LastWeek,
    /// One calendar day.
    Day(NaiveDate),
}

/// A period's bounds in Unix seconds, a label, and the chart's days.
#[derive(Debug, Clone, PartialEq)]
pub struct Bounds {
    /// Start (inclusive).
    pub from: i64,
    /// End (exclusive).
    pub to: i64,
    /// `2026-11-22`, or `2026-11-16 to 2026-11-22`.
    pub label: String,
    /// Starts of the 7 chart days ending with the period.
    pub day_starts: Vec<i64>,
    /// The time zone of the days.
    pub tz: Tz,
}

/// When and how digests go out (`[digest]`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DigestSettings {
    /// Local time of day.
    pub at: NaiveTime,
    /// The time zone of `at` and of the days.
    pub tz: Tz,
    /// Weekly on this day (covering the 7 days before) instead of daily.
    pub weekly_on: Option<Weekday>,
    /// Send "nothing new" for an empty period rather than nothing.
    pub send_empty: bool,
    /// Routed mentions open longer than this are listed as waiting.
    pub open_after: std::time::Duration,
}

impl Default for DigestSettings {
    fn default() -> Self {
        DigestSettings {
            at: NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default(),
            tz: Tz::UTC,
            weekly_on: None,
            send_empty: false,
            open_after: std::time::Duration::from_secs(2 * 86_400),
        }
    }
}

impl DigestSettings {
    /// The period of the latest digest due at or before `now`: yesterday
    /// once today's time has come (else the day before), or for a weekly
    /// digest the 7 days before the latest scheduled weekday. A daemon
    /// that was down at digest time finds the missed one here.
    pub fn latest_due(&self, now: DateTime<Utc>) -> Bounds {
        let local = now.with_timezone(&self.tz);
        let mut day = local.date_naive();
        if local.time() < self.at {
            day -= Days::days(1);
        }
        match self.weekly_on {
            None => Period::Day(day - Days::days(1)).bounds_in(self.tz, day),
            Some(weekday) => {
                while day.weekday() != weekday {
                    day -= Days::days(1);
                }
                Period::LastWeek.bounds_in(self.tz, day)
            }
        }
    }
}

fn midnight(day: NaiveDate, tz: Tz) -> i64 {
    let naive = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&naive)
        .earliest()
        .map_or(naive.and_utc().timestamp(), |t| t.timestamp())
}

/// The time words every command accepts, for error messages.
pub const PERIOD_WORDS: &str = "yesterday, today, last-week or a date (2026-11-22)";

impl Period {
    /// `yesterday`, `today`, `last-week` or a date (`2026-11-22`).
    pub fn parse(text: &str) -> Option<Period> {
        match text {
            "yesterday" => Some(Period::Yesterday),
            "today" => Some(Period::Today),
            "last-week" => Some(Period::LastWeek),
            other => NaiveDate::parse_from_str(other, "%Y-%m-%d")
                .ok()
                .map(Period::Day),
        }
    }

    /// The bounds in `tz`, as of `now`.
    pub fn bounds(self, tz: Tz, now: DateTime<Utc>) -> Bounds {
        self.bounds_in(tz, now.with_timezone(&tz).date_naive())
    }

    /// The bounds in `tz` when today is `today`.
    fn bounds_in(self, tz: Tz, today: NaiveDate) -> Bounds {
        let (first, last) = match self {
            Period::Yesterday => (today - Days::days(1), today - Days::days(1)),
            Period::Today => (today, today),
            Period::LastWeek => (today - Days::days(7), today - Days::days(1)),
            Period::Day(d) => (d, d),
        };
        let label = if first == last {
            first.to_string()
        } else {
            format!("{first} to {last}")
        };
        Bounds {
            from: midnight(first, tz),
            to: midnight(last + Days::days(1), tz),
            label,
            day_starts: (0..7)
                .rev()
                .map(|k| midnight(last - Days::days(k), tz))
                .collect(),
            tz,
        }
    }
}

mod view;
pub use view::{render, Rendered};

/// What queueing one team's digest did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Queued {
    /// Queued with this outbox id.
    New(i64),
    /// Already queued before (once per team and period).
    Already,
    /// Nothing in the period, and `send_empty` is off.
    Empty,
    /// The team has no recipients, nor `[mail] to`.
    NoRecipients,
    /// A scheduled digest for a period that ended before the database
    /// began watching: there is nothing it could say.
    BeforeInstall,
}

/// Why a digest is queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// Its time came (the daemon, a command's mail pass): once per team
    /// and period.
    Schedule,
    /// Asked for at Unix second `at` (`vigia digest --send`): a mail of its
    /// own, which leaves the scheduled one to come.
    Asked {
        /// When.
        at: i64,
    },
}

/// What to queue: one team's digest for one period.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The team.
    pub team: &'a str,
    /// The period.
    pub bounds: &'a Bounds,
    /// Why.
    pub trigger: Trigger,
}

/// Gathers, renders and queues one team's digest, unless it was queued
/// before; with one-click `links`, each recipient gets a digest of their
/// own (the links name them). Call inside a transaction.
pub fn queue_team(
    conn: &crate::store::Tx<'_>,
    (mail, ways): (&super::MailSettings, &super::Ways),
    policy: &crate::triage::Policy,
    settings: &DigestSettings,
    request: &Request<'_>,
    now: i64,
) -> Result<Queued, crate::store::StoreError> {
    let links = ways.links.as_ref();
    use crate::store::digest::{gather, Scope};
    use crate::store::outbox::{self, NewMail};
    use lettre::message::MultiPart;
    let (team, b) = (request.team, request.bounds);
    let (key, id_part) = match request.trigger {
        Trigger::Schedule => {
            if b.to <= crate::store::created_at(conn)? {
                return Ok(Queued::BeforeInstall);
            }
            (format!("digest:{team}:{}:{}", b.from, b.to), String::new())
        }
        Trigger::Asked { at } => (
            format!("digest:{team}:{}:{}:asked:{at}", b.from, b.to),
            format!(".asked{at}"),
        ),
    };
    let configured = policy
        .team(team)
        .map(|t| t.recipients.clone())
        .unwrap_or_default();
    let addressed = mail.addresses(&configured);
    let chats = ways.chats.of(team).iter().any(|c| c.sends.digests);
    if addressed.is_none() && !chats {
        return Ok(Queued::NoRecipients);
    }
    let (from, mailboxes) = addressed.map_or((None, Vec::new()), |(f, m)| (Some(f), m));
    // A digest queued for all at once (before [web] was turned on) is
    // not sent again per recipient.
    if links.is_some() && outbox::queued(conn, &key)? {
        return Ok(Queued::Already);
    }
    // One mail for all, or one per recipient, each with its own links.
    let mails: Vec<(String, Vec<lettre::message::Mailbox>)> = match links {
        None if mailboxes.is_empty() => Vec::new(),
        None => vec![(key.clone(), mailboxes)],
        Some(_) => mailboxes
            .into_iter()
            .map(|m| (format!("{key}:{}", m.email), vec![m]))
            .collect(),
    };
    let mut waiting = Vec::new();
    for (key, to) in mails {
        if !outbox::queued(conn, &key)? {
            waiting.push((key, to));
        }
    }
    let mut chats_waiting = false;
    for channel in ways.chats.of(team).iter().filter(|c| c.sends.digests) {
        chats_waiting |= !outbox::queued(conn, &super::chat::key(&key, channel))?;
    }
    if waiting.is_empty() && !chats_waiting {
        return Ok(Queued::Already);
    }
    let scope = Scope {
        team: Some(team),
        from: b.from,
        to: b.to,
        day_starts: &b.day_starts,
        subject_window: policy.settings.subject_window.as_secs() as i64,
        act_at: policy.settings.act_at,
        open_after: settings.open_after.as_secs() as i64,
    };
    let data = gather(conn, &scope)?;
    let empty = data
        .brands
        .iter()
        .all(|(_, c, _)| c.iter().sum::<u32>() == 0)
        && data.open.is_empty();
    if empty && !settings.send_empty {
        return Ok(Queued::Empty);
    }
    let words = super::words::for_team(policy, team);
    let safe: String = team.chars().filter(char::is_ascii_alphanumeric).collect();
    let mut first = None;
    let mut chat_first = None;
    if chats_waiting {
        let subject = plain(&view::subject((team, words), b, &data));
        let note = super::chat::digest_note(team, (&subject, words), &data, links);
        chat_first =
            super::chat::queue(conn, &ways.chats, (&[team.to_string()], &key), &note, now)?;
    }
    let Some(from) = from else {
        return Ok(chat_first.map_or(Queued::Already, Queued::New));
    };
    for (key, to) in waiting {
        let recipient = to.first().map(|m| m.email.to_string()).unwrap_or_default();
        let made = links.map(|links| super::render::Links {
            links,
            recipient: &recipient,
            now,
            only: None,
        });
        let r = render((team, words), b, &data, now, made);
        // Each recipient's own mail has an id of its own, from its address.
        let part = if links.is_some() {
            format!(".{:016x}", xxhash_rust::xxh3::xxh3_64(recipient.as_bytes()))
        } else {
            String::new()
        };
        let mut builder = lettre::Message::builder()
            .from(from.clone())
            .subject(plain(&r.subject))
            .message_id(Some(format!(
                "<vigia.digest.{safe}.{}{id_part}{part}@{}>",
                b.from,
                from.email.domain()
            )));
        for m in &to {
            builder = builder.to(m.clone());
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(r.text, r.html))
            .map_err(|e| crate::store::StoreError::Corrupt {
                column: "digest",
                message: e.to_string(),
            })?;
        let recipients: Vec<String> = to.iter().map(|m| m.email.to_string()).collect();
        let mail = NewMail {
            key: &key,
            kind: "digest",
            from: from.email.as_ref(),
            to: &recipients,
            subject: &plain(&r.subject),
            message: &message.formatted(),
        };
        first = first.or(outbox::enqueue(conn, &mail, now)?);
    }
    Ok(first.or(chat_first).map_or(Queued::Already, Queued::New))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).map_or_else(|e| panic!("{e}"), |t| t.with_timezone(&Utc))
    }

    #[test]
    fn a_digest_asked_for_leaves_the_scheduled_one_and_none_predates_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(&dir.path().join("v.db")).unwrap();
        let mail = crate::delivery::MailSettings {
            from: "vigia@example.com".into(),
            fallback_to: vec!["team@example.com".into()],
            transport: crate::delivery::TransportSettings::Files(dir.path().join("out")),
            retry: std::time::Duration::from_secs(30),
            reply_to: None,
        };
        let settings = DigestSettings {
            send_empty: true,
            ..DigestSettings::default()
        };
        let policy = crate::triage::Policy::default();
        let now = Utc::now();
        let queue = |bounds: &Bounds, trigger: Trigger| {
            store
                .write_blocking(|tx| {
                    let request = Request {
                        team: "everyone",
                        bounds,
                        trigger,
                    };
                    queue_team(
                        tx,
                        (&mail, &crate::delivery::Ways::default()),
                        &policy,
                        &settings,
                        &request,
                        now.timestamp(),
                    )
                })
                .unwrap()
        };
        let today = Period::Today.bounds(settings.tz, now);
        assert!(matches!(
            queue(&today, Trigger::Asked { at: 1 }),
            Queued::New(_)
        ));
        assert!(matches!(
            queue(&today, Trigger::Asked { at: 2 }),
            Queued::New(_)
        ));
        // Asking for it used nothing up: the scheduled one still goes, once.
        assert!(matches!(queue(&today, Trigger::Schedule), Queued::New(_)));
        assert_eq!(queue(&today, Trigger::Schedule), Queued::Already);
        // Yesterday ended before this database began: nothing scheduled.
        let yesterday = Period::Yesterday.bounds(settings.tz, now);
        assert_eq!(queue(&yesterday, Trigger::Schedule), Queued::BeforeInstall);
    }

    #[test]
    fn the_latest_due_digest_follows_the_local_clock() {
        let lisbon: Tz = "Europe/Lisbon".parse().unwrap();
        let sao_paulo: Tz = "America/Sao_Paulo".parse().unwrap();
        let daily = DigestSettings {
            tz: lisbon,
            ..DigestSettings::default()
        };
        // 09:00 in Lisbon on the 23rd: yesterday's digest (the 22nd) is due.
        assert_eq!(
            daily.latest_due(at("2026-11-23T09:00:00Z")).label,
            "2026-11-22"
        );
        // 07:00: not yet; the one due is the day before.
        assert_eq!(
            daily.latest_due(at("2026-11-23T07:00:00Z")).label,
            "2026-11-21"
        );
        // São Paulo is 3 hours behind: at 09:00 UTC it is 06:00 there.
        let brazil = DigestSettings {
            tz: sao_paulo,
            ..daily
        };
        let b = brazil.latest_due(at("2026-11-23T09:00:00Z"));
        assert_eq!(b.label, "2026-11-21");
        assert_eq!(b.to - b.from, 86_400);
        assert_eq!(
            b.from,
            at("2026-11-21T03:00:00Z").timestamp(),
            "midnight in São Paulo"
        );
        // Weekly on Monday (the 23rd is a Monday): the 7 days before.
        let weekly = DigestSettings {
            weekly_on: Some(Weekday::Mon),
            ..daily
        };
        assert_eq!(
            weekly.latest_due(at("2026-11-25T09:00:00Z")).label,
            "2026-11-16 to 2026-11-22"
        );
        assert_eq!(
            weekly.latest_due(at("2026-11-23T07:00:00Z")).label,
            "2026-11-09 to 2026-11-15"
        );
    }
}
