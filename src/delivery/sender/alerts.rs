//! Alert mail: the queued alerts of each team rendered into one mail, and
//! the rendering and queueing every alert mail shares (spike alerts too).

use std::collections::BTreeMap;

use rusqlite::Connection;
use tracing::warn;

use crate::delivery::render::{self, AlertItem};
use crate::delivery::MailSettings;
use crate::store::outbox::{self, NewMail};
use crate::store::StoreError;
use crate::triage::subjects::Profile;
use crate::triage::Policy;

pub(super) type QueuedAlerts = BTreeMap<String, Vec<(i64, AlertItem)>>;

/// Queued alerts not yet in a mail, by team, oldest first.
pub(super) fn pending_alerts(conn: &Connection, window: i64) -> Result<QueuedAlerts, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT q.id, q.team, q.severity, m.id, m.brand, m.title, m.url, m.snippet,
                m.sentiment, m.source_id,
                (SELECT profile FROM subjects s WHERE s.id = m.subject_id),
                (SELECT COUNT(*) FROM mentions x WHERE x.subject_id = m.subject_id
                                                  AND x.first_seen_at >= ?1),
                m.severity_reason
         FROM alert_queue q JOIN mentions m ON m.id = q.mention_id
         WHERE q.outbox_id IS NULL AND q.sent_at IS NULL
         ORDER BY q.team, q.id",
    )?;
    let rows = stmt.query_map([window], |r| {
        let profile: Option<String> = r.get(10)?;
        let label = profile
            .and_then(|p| serde_json::from_str::<Profile>(&p).ok())
            .map(|p| p.label());
        Ok((
            r.get::<_, String>(1)?,
            r.get::<_, i64>(0)?,
            AlertItem {
                severity: r.get(2)?,
                id: r.get(3)?,
                brand: r.get(4)?,
                title: r.get(5)?,
                url: r.get(6)?,
                snippet: r.get(7)?,
                sentiment: r.get(8)?,
                source: r.get(9)?,
                subject: label.map(|l| (l, r.get::<_, u32>(11).unwrap_or(1))),
                reasons: crate::triage::Reasons::parse(r.get::<_, Option<String>>(12)?.as_deref()),
            },
        ))
    })?;
    let mut by_team = QueuedAlerts::new();
    for row in rows {
        let (team, queue_id, item) = row?;
        by_team.entry(team).or_default().push((queue_id, item));
    }
    Ok(by_team)
}

/// Renders and queues one team's alert mail; None when the team has no
/// recipients (nor `[mail] to`), which is logged.
pub(super) fn queue_alert(
    conn: &Connection,
    settings: &MailSettings,
    policy: &Policy,
    team: &str,
    rows: &[(i64, AlertItem)],
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let to = policy
        .team(team)
        .map(|t| t.recipients.clone())
        .unwrap_or_default();
    let first = rows.first().map_or(0, |(q, _)| *q);
    let items: Vec<AlertItem> = rows.iter().map(|(_, i)| i.clone()).collect();
    let language = policy
        .team(team)
        .map_or(crate::sentiment::Language::En, |t| t.language);
    let heading = render::Heading::team(team, &items, crate::delivery::words::of(language));
    let tag = format!("alert.{team}.{first}");
    queue_mail(
        conn,
        settings,
        &to,
        &format!("alert:{team}:{first}"),
        &tag,
        &heading,
        &items,
        now,
    )
}

/// Renders an alert and queues it under `key`; None when there is no
/// recipient (neither `to` nor `[mail] to`), which is logged.
#[allow(clippy::too_many_arguments)]
pub(in crate::delivery) fn queue_mail(
    conn: &Connection,
    settings: &MailSettings,
    to: &[String],
    key: &str,
    tag: &str,
    heading: &render::Heading,
    items: &[AlertItem],
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let Some((from, mailboxes)) = settings.addresses(to) else {
        warn!(
            key,
            "No recipients for this alert: set the team's recipients or [mail] to."
        );
        return Ok(None);
    };
    let safe_tag: String = tag
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    let message_id = format!("<vigia.{safe_tag}@{}>", from.email.domain());
    let message = render::alert(&from, &mailboxes, heading, items, &message_id).map_err(|e| {
        StoreError::Corrupt {
            column: "alert",
            message: e.to_string(),
        }
    })?;
    let recipients: Vec<String> = mailboxes.iter().map(|m| m.email.to_string()).collect();
    outbox::enqueue(
        conn,
        &NewMail {
            key,
            kind: "alert",
            from: from.email.as_ref(),
            to: &recipients,
            subject: &render::plain(&heading.subject),
            message: &message.formatted(),
        },
        now,
    )
}
