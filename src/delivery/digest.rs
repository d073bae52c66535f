//! The digest: one mail per team and period, HTML and plain text.
//!
//! The chart of mentions per day is an HTML table of coloured cells with
//! widths, which Gmail and Outlook render (they strip SVG and scripts).
//! Everything from outside is escaped, as in alerts.

use chrono::{DateTime, Datelike, Duration as Days, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use super::render::{escape, plain, title_link};
use crate::store::digest::{Counts, DigestData, Line};

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

/// A digest's subject and both parts.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// Subject line.
    pub subject: String,
    /// Plain text part.
    pub text: String,
    /// HTML part.
    pub html: String,
}

const LABELS: [&str; 3] = ["negative", "neutral", "positive"];
const COLOURS: [&str; 3] = ["#c62828", "#9e9e9e", "#2e7d32"];

fn change(now: u32, before: u32) -> String {
    match now.cmp(&before) {
        std::cmp::Ordering::Greater => format!("+{}", now - before),
        std::cmp::Ordering::Less => format!("-{}", before - now),
        std::cmp::Ordering::Equal => "±0".into(),
    }
}

/// Renders a team's digest.
pub fn render(team: &str, b: &Bounds, d: &DigestData) -> Rendered {
    let label = b.label.as_str();
    let total: u32 = d.brands.iter().map(|(_, c, _)| c.iter().sum::<u32>()).sum();
    let subject = format!(
        "[Vigia] Digest for {}, {label}: {total} mentions",
        plain(team)
    );
    let mut text = format!("Vigia digest for {}, {label}\n\n", plain(team));
    let mut html = format!(
        "<!DOCTYPE html><html><body style=\"font-family:Arial,sans-serif;color:#222;max-width:720px\">\
         <h2 style=\"margin:0 0 4px\">Vigia digest for {}</h2><div style=\"color:#666\">{}</div>",
        escape(team),
        escape(label)
    );
    if total == 0 && d.open.is_empty() {
        text.push_str("Nothing new in this period.\n");
        html.push_str("<p>Nothing new in this period.</p></body></html>");
        return Rendered {
            subject,
            text,
            html,
        };
    }
    html.push_str("<h3>Mentions by brand</h3><table cellpadding=\"4\" style=\"border-collapse:collapse\">\
                   <tr><th align=\"left\">Brand</th><th>Negative</th><th>Neutral</th><th>Positive</th></tr>");
    for (brand, now, before) in &d.brands {
        text.push_str(&format!("{}:", plain(brand)));
        html.push_str(&format!("<tr><td>{}</td>", escape(brand)));
        for k in 0..3 {
            let delta = change(now[k], before[k]);
            text.push_str(&format!(" {} {} ({delta})", now[k], LABELS[k]));
            html.push_str(&format!(
                "<td align=\"center\" style=\"color:{}\">{} <span style=\"color:#888;font-size:12px\">({delta})</span></td>",
                COLOURS[k], now[k]
            ));
        }
        text.push('\n');
        html.push_str("</tr>");
    }
    html.push_str(
        "</table><div style=\"color:#888;font-size:12px\">Changes against the period before.</div>",
    );
    chart(&d.days, b.tz, &mut text, &mut html);
    list("Most negative", &d.worst, &mut text, &mut html);
    list("Most positive", &d.best, &mut text, &mut html);
    if !d.subjects.is_empty() {
        text.push_str("\nRecurring subjects:\n");
        html.push_str("<h3>Recurring subjects</h3><ul>");
        for t in &d.subjects {
            let quote = t.examples.first().map(|(_, q, _)| q.as_str()).unwrap_or("");
            text.push_str(&format!(
                "  [{}] {} ({} mentions): \"{}\"\n",
                t.state,
                plain(&t.label),
                t.count,
                plain(quote)
            ));
            html.push_str(&format!(
                "<li><b>{}</b> {} ({} mentions) <i>“{}”</i></li>",
                escape(&t.state.to_uppercase()),
                escape(&t.label),
                t.count,
                escape(quote)
            ));
        }
        html.push_str("</ul>");
    }
    list("Still waiting for follow-up", &d.open, &mut text, &mut html);
    html.push_str("</body></html>");
    Rendered {
        subject,
        text,
        html,
    }
}

/// Mentions per day by sentiment: bars as table cells with widths.
fn chart(days: &[(i64, Counts)], tz: Tz, text: &mut String, html: &mut String) {
    let most = days
        .iter()
        .map(|(_, c)| c.iter().sum::<u32>())
        .max()
        .unwrap_or(0)
        .max(1);
    text.push_str("\nMentions per day (negative/neutral/positive):\n");
    html.push_str("<h3>Mentions per day</h3><table cellpadding=\"0\" cellspacing=\"2\">");
    for (start, c) in days {
        let day = DateTime::from_timestamp(*start, 0)
            .map(|t| t.with_timezone(&tz).format("%a %d").to_string())
            .unwrap_or_default();
        text.push_str(&format!("  {day}: {}/{}/{}\n", c[0], c[1], c[2]));
        html.push_str(&format!("<tr><td style=\"font-size:12px;padding-right:8px\">{day}</td><td><table cellpadding=\"0\" cellspacing=\"0\"><tr>"));
        for k in 0..3 {
            let width = c[k] * 400 / most;
            if width > 0 {
                html.push_str(&format!(
                    "<td width=\"{width}\" height=\"14\" bgcolor=\"{}\" style=\"background:{};width:{width}px\"></td>",
                    COLOURS[k], COLOURS[k]
                ));
            }
        }
        html.push_str(&format!("<td style=\"font-size:12px;padding-left:6px;color:#666\">{}</td></tr></table></td></tr>", c.iter().sum::<u32>()));
    }
    html.push_str("</table>");
}

fn list(title: &str, lines: &[Line], text: &mut String, html: &mut String) {
    if lines.is_empty() {
        return;
    }
    text.push_str(&format!("\n{title}:\n"));
    html.push_str(&format!("<h3>{title}</h3>"));
    for l in lines {
        text.push_str(&format!(
            "  #{} {:+.2} {} ({})\n    \"{}\"\n    {}\n",
            l.id,
            l.sentiment,
            plain(&l.title),
            plain(&l.source),
            plain(&l.snippet),
            plain(l.url.as_deref().unwrap_or("(no link)"))
        ));
        let title = title_link(l.url.as_deref(), &l.title);
        html.push_str(&format!(
            "<div style=\"margin:0 0 10px\"><b>{title}</b> <span style=\"color:#666;font-size:12px\">#{} · {} · {:+.2}</span>\
             <blockquote style=\"margin:2px 0 0 8px;color:#444\">{}</blockquote></div>",
            l.id,
            escape(&l.source),
            l.sentiment,
            escape(&l.snippet)
        ));
    }
}

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
/// before. Call inside a transaction.
pub fn queue_team(
    conn: &rusqlite::Connection,
    mail: &super::MailSettings,
    policy: &crate::triage::Policy,
    settings: &DigestSettings,
    request: &Request<'_>,
    now: i64,
) -> Result<Queued, crate::store::StoreError> {
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
    let known: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM outbox WHERE key = ?1)",
        [&key],
        |r| r.get(0),
    )?;
    if known {
        return Ok(Queued::Already);
    }
    let configured = policy
        .team(team)
        .map(|t| t.recipients.clone())
        .unwrap_or_default();
    let Some((from, mailboxes)) = mail.addresses(&configured) else {
        return Ok(Queued::NoRecipients);
    };
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
    let r = render(team, b, &data);
    let safe: String = team.chars().filter(char::is_ascii_alphanumeric).collect();
    let mut builder = lettre::Message::builder()
        .from(from.clone())
        .subject(plain(&r.subject))
        .message_id(Some(format!(
            "<vigia.digest.{safe}.{}{id_part}@{}>",
            b.from,
            from.email.domain()
        )));
    for m in &mailboxes {
        builder = builder.to(m.clone());
    }
    let message = builder
        .multipart(MultiPart::alternative_plain_html(r.text, r.html))
        .map_err(|e| crate::store::StoreError::Corrupt {
            column: "digest",
            message: e.to_string(),
        })?;
    let recipients: Vec<String> = mailboxes.iter().map(|m| m.email.to_string()).collect();
    let mail = NewMail {
        key: &key,
        kind: "digest",
        from: from.email.as_ref(),
        to: &recipients,
        subject: &plain(&r.subject),
        message: &message.formatted(),
    };
    Ok(match outbox::enqueue(conn, &mail, now)? {
        Some(id) => Queued::New(id),
        None => Queued::Already,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).map_or_else(|e| panic!("{e}"), |t| t.with_timezone(&Utc))
    }

    #[test]
    fn a_digest_asked_for_leaves_the_scheduled_one_and_none_predates_the_store() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store =
            crate::store::Store::open(&dir.path().join("v.db")).unwrap_or_else(|e| panic!("{e}"));
        let mail = crate::delivery::MailSettings {
            from: "vigia@example.com".into(),
            fallback_to: vec!["team@example.com".into()],
            transport: crate::delivery::TransportSettings::Files(dir.path().join("out")),
            retry: std::time::Duration::from_secs(30),
        };
        let settings = DigestSettings {
            send_empty: true,
            ..DigestSettings::default()
        };
        let policy = crate::triage::Policy::default();
        let now = Utc::now();
        let queue = |bounds: &Bounds, trigger: Trigger| {
            store
                .call_blocking(|c| {
                    let request = Request {
                        team: "everyone",
                        bounds,
                        trigger,
                    };
                    queue_team(c, &mail, &policy, &settings, &request, now.timestamp())
                })
                .unwrap_or_else(|e| panic!("{e}"))
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
        let lisbon: Tz = "Europe/Lisbon".parse().unwrap_or_else(|e| panic!("{e}"));
        let sao_paulo: Tz = "America/Sao_Paulo"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
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
