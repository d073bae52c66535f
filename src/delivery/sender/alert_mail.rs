//! Alert mail: the queued alerts of each team rendered into one mail, and
//! the rendering and queueing every alert mail shares (spike alerts too).

use tracing::warn;

use crate::delivery::render;
use crate::delivery::MailSettings;
use crate::store::alerts::AlertItem;
use crate::store::outbox::{self, NewMail};
use crate::store::{StoreError, Tx};
use crate::triage::Policy;

/// Renders and queues one team's alert mail; None when the team has no
/// recipients (nor `[mail] to`), which is logged.
pub(super) fn queue_alert(
    conn: &Tx<'_>,
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
    let heading =
        render::Heading::team(team, &items, crate::delivery::words::for_team(policy, team));
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
    conn: &Tx<'_>,
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
