//! What `/healthz` checks beyond the heartbeat: that the scheduler keeps
//! time. A source long past its next check that nobody is polling, a poll
//! that never ends, or mail long due and unsent means a part of the daemon
//! stopped while the process lives on: worth a page, or a restart.

use std::collections::HashMap;

use crate::delivery::sender::InHand;
use crate::store::metrics::Schedule;

/// How far past its next check a source (or a mail) may be before the
/// scheduler counts as stuck. Generous: a source waits its turn behind the
/// `[http] max_concurrency` limit and a site's crawl delay.
pub const STALL_AFTER_SECS: i64 = 600;

/// How long one poll may fetch and store: fetches are cut at
/// [`FETCH_LIMIT`](crate::poll::FETCH_LIMIT) (30 min), so a
/// poll this old hangs in the store or the pipeline.
pub const POLL_LIMIT_SECS: i64 = 3600;

/// What the running config is doing now.
pub struct Activity<'a> {
    /// Ids of the sources in the running config.
    pub configured: &'a [String],
    /// Sources being polled: `None` while waiting for a slot, else when
    /// the fetch began.
    pub polling: &'a HashMap<String, Option<i64>>,
    /// When the running config started or last began a reload: a source
    /// is overdue from then at the earliest (after a long downtime, or
    /// while a reload hands over, everything is due at once).
    pub since: i64,
    /// The mail being sent now.
    pub sending: Option<InHand>,
    /// Why the sender is stuck, if it is.
    pub sender_stuck: Option<String>,
}

/// The ways the schedule is stuck, one sentence each; none when it keeps
/// time.
pub fn stalls(schedule: &Schedule, activity: &Activity<'_>, now: i64) -> Vec<String> {
    let mut found = Vec::new();
    for source in &schedule.sources {
        if !activity.configured.contains(&source.id) {
            continue;
        }
        let overdue = now - source.next_check_at.max(activity.since);
        // Polled by another daemon sharing the database, under its lease.
        let elsewhere = source.leased_until.is_some_and(|until| until > now);
        match activity.polling.get(&source.id) {
            Some(&Some(began)) if now - began > POLL_LIMIT_SECS => found.push(format!(
                "the poll of source {} has run for {}s",
                source.id,
                now - began
            )),
            Some(_) => {}
            None if overdue > STALL_AFTER_SECS && !elsewhere => found.push(format!(
                "source {} has been due for {overdue}s and is not being polled",
                source.id,
            )),
            None => {}
        }
    }
    if let Some(stuck) = &activity.sender_stuck {
        found.push(stuck.clone());
    }
    if let Some((reason, since)) = &schedule.mail_paused {
        found.push(format!(
            "mail sending is paused since {}s ago, the mail waiting: {reason}; fix [mail] and reload",
            now - since
        ));
    } else if let Some(mail) = schedule
        .mail_failing
        .as_ref()
        .filter(|m| now - m.queued_at > STALL_AFTER_SECS)
    {
        found.push(format!(
            "mail {} ({:?}) has waited {}s through {} failed attempts; the last: {}",
            mail.id,
            mail.subject,
            now - mail.queued_at,
            mail.attempts,
            mail.last_error
        ));
    } else if let Some(due) = schedule.mail_due_since {
        if now - due > STALL_AFTER_SECS {
            found.push(format!(
                "mail due {}s ago is still in the outbox: the sender is not running",
                now - due
            ));
        }
    }
    found
}

/// What a healthy daemon's mail is doing, worth a word on `/healthz`:
/// the mail in hand, and mail tried and waiting (before it is a stall).
pub fn mail_notes(schedule: &Schedule, activity: &Activity<'_>, now: i64) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(mail) = &activity.sending {
        notes.push(format!(
            "sending mail {} ({:?}) for {}s",
            mail.id,
            mail.subject,
            now - mail.since
        ));
    }
    if let Some(mail) = &schedule.mail_failing {
        notes.push(format!(
            "mail {} ({:?}) waits after {} failed attempts; the last: {}",
            mail.id, mail.subject, mail.attempts, mail.last_error
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::sources::SourceState;

    fn source(id: &str, next_check_at: i64) -> SourceState {
        SourceState {
            id: id.into(),
            kind: "rss".into(),
            config_url: format!("https://example.com/{id}"),
            cursor: Default::default(),
            error_count: 0,
            next_check_at,
            last_polled_at: None,
            last_success_at: None,
            last_error: None,
            last_error_at: None,
            warning: None,
            items_total: 0,
            mentions_total: 0,
            polls_total: 0,
            failures_total: 0,
            leased_by: None,
            leased_until: None,
        }
    }

    #[test]
    fn a_source_long_overdue_and_idle_is_a_stall_but_a_busy_or_removed_one_is_not() {
        let now = 100_000;
        let schedule = Schedule {
            sources: vec![
                source("on-time", now + 60),
                source("a-bit-late", now - 120),
                source("stuck", now - 900),
                source("queued", now - 900),
                source("hung", now - 7200),
                source("removed", now - 90_000),
            ],
            mail_due_since: None,
            mail_paused: None,
            mail_failing: None,
        };
        let configured: Vec<String> = ["on-time", "a-bit-late", "stuck", "queued", "hung"]
            .map(String::from)
            .to_vec();
        let polling = HashMap::from([
            ("queued".to_string(), None),
            ("hung".to_string(), Some(now - 4000)),
        ]);
        let mut activity = Activity {
            configured: &configured,
            polling: &polling,
            since: now - 86_400,
            sending: None,
            sender_stuck: None,
        };
        assert_eq!(
            stalls(&schedule, &activity, now),
            [
                "source stuck has been due for 900s and is not being polled",
                "the poll of source hung has run for 4000s",
            ]
        );
        // Started (or reloaded) five minutes ago: nothing idle is late yet.
        activity.since = now - 300;
        assert_eq!(
            stalls(&schedule, &activity, now),
            ["the poll of source hung has run for 4000s"]
        );
    }

    #[test]
    fn mail_long_due_is_a_stall() {
        let now = 100_000;
        let idle = HashMap::new();
        let mut activity = Activity {
            configured: &[],
            polling: &idle,
            since: 0,
            sending: None,
            sender_stuck: None,
        };
        let mut schedule = Schedule {
            sources: vec![],
            mail_due_since: Some(now - 30),
            mail_paused: None,
            mail_failing: None,
        };
        assert!(stalls(&schedule, &activity, now).is_empty());
        schedule.mail_due_since = Some(now - 1200);
        assert_eq!(
            stalls(&schedule, &activity, now),
            ["mail due 1200s ago is still in the outbox: the sender is not running"]
        );
        // Tried and failing: a word while it is young, a stall once old.
        schedule.mail_due_since = Some(now + 60);
        schedule.mail_failing = Some(crate::store::metrics::FailingMail {
            id: 7,
            subject: "[Vigia] Alert".into(),
            queued_at: now - 60,
            attempts: 2,
            last_error: "SMTP: timed out".into(),
        });
        assert!(stalls(&schedule, &activity, now).is_empty());
        assert_eq!(
            mail_notes(&schedule, &activity, now),
            ["mail 7 (\"[Vigia] Alert\") waits after 2 failed attempts; the last: SMTP: timed out"]
        );
        schedule.mail_failing = schedule
            .mail_failing
            .map(|m| crate::store::metrics::FailingMail {
                queued_at: now - 900,
                ..m
            });
        assert_eq!(
            stalls(&schedule, &activity, now),
            ["mail 7 (\"[Vigia] Alert\") has waited 900s through 2 failed attempts; the last: SMTP: timed out"]
        );
        schedule.mail_failing = None;
        // Paused by a set-up failure: said as such, at once.
        schedule.mail_paused = Some(("SMTP: 535 credentials invalid".into(), now - 5));
        assert_eq!(
            stalls(&schedule, &activity, now),
            ["mail sending is paused since 5s ago, the mail waiting: SMTP: 535 credentials invalid; fix [mail] and reload"]
        );
        // A sender holding one mail far past its limit is stuck.
        activity.sender_stuck = Some("the sender is stuck".into());
        assert_eq!(stalls(&schedule, &activity, now)[0], "the sender is stuck");
    }
}
