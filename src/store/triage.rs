//! Triage in the store: a new mention's subject, severity, teams and
//! first status, recorded with it; the follow-up that people do after
//! (acknowledge, resolve, ignore, reopen), with its history; and the
//! recurring subjects as `vigia topics` lists them.

use crate::store::db::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::StoreError;
use crate::triage::{Assessment, Policy, Severity, Signals};

mod placement;

use placement::place;
pub(super) use placement::profile;

/// Where a mention is in its follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Recorded before triage existed, or not routed yet.
    New,
    /// Sent to its teams; nobody has looked yet.
    Routed,
    /// Someone is on it.
    Acknowledged,
    /// Handled.
    Resolved,
    /// Needs nothing.
    Ignored,
}

impl Status {
    /// Every status, in follow-up order.
    pub const ALL: [Status; 5] = [
        Status::New,
        Status::Routed,
        Status::Acknowledged,
        Status::Resolved,
        Status::Ignored,
    ];

    /// The stored and displayed name.
    pub fn name(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Routed => "routed",
            Status::Acknowledged => "acknowledged",
            Status::Resolved => "resolved",
            Status::Ignored => "ignored",
        }
    }

    /// The status with this name.
    pub fn parse(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Still waiting for someone: new, routed or acknowledged.
    pub fn is_open(self) -> bool {
        matches!(self, Status::New | Status::Routed | Status::Acknowledged)
    }
}

/// What a person does to a mention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// I am on it.
    Acknowledge,
    /// Handled.
    Resolve,
    /// Needs nothing.
    Ignore,
    /// Not handled after all.
    Reopen,
}

impl Action {
    /// The status it leads to, from `from`; None when it makes no sense
    /// there (resolving a resolved mention, reopening an open one).
    /// `before_close` is the open status the mention had before it was
    /// resolved or ignored, where reopening takes it back: an ignored
    /// mention nobody took on is routed again, not acknowledged.
    pub fn apply(self, from: Status, before_close: Status) -> Option<Status> {
        match (self, from) {
            (Action::Acknowledge, Status::New | Status::Routed) => Some(Status::Acknowledged),
            (Action::Resolve, s) if s.is_open() => Some(Status::Resolved),
            (Action::Ignore, s) if s.is_open() => Some(Status::Ignored),
            (Action::Reopen, Status::Resolved | Status::Ignored) if before_close.is_open() => {
                Some(before_close)
            }
            _ => None,
        }
    }
}

/// Why a follow-up was refused.
#[derive(Debug, thiserror::Error)]
pub enum FollowUpError {
    /// No such mention.
    #[error("there is no mention {0}")]
    NotFound(i64),
    /// Not from its current status.
    #[error("mention {id} is {}: it cannot be {}", from.name(), verb(*action))]
    Invalid {
        /// The mention.
        id: i64,
        /// Its status.
        from: Status,
        /// What was asked.
        action: Action,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn verb(action: Action) -> &'static str {
    match action {
        Action::Acknowledge => "acknowledged (resolve, ignore or reopen it instead)",
        Action::Resolve => "resolved (reopen it first)",
        Action::Ignore => "ignored (reopen it first)",
        Action::Reopen => "reopened (it is still open)",
    }
}

/// What triage recorded for a new mention.
#[derive(Debug, Clone, PartialEq)]
pub struct Triaged {
    /// Its subject, when it has subject words.
    pub subject_id: Option<i64>,
    /// Mentions of that subject in the window, this one included.
    pub subject_count: u32,
    /// Its severity.
    pub severity: Severity,
}

/// Places a new mention in a subject, judges its severity, records its
/// teams and its first status, and queues it for an immediate alert when
/// urgent or critical. Call in the transaction that recorded it.
pub fn triage_new(
    conn: &Connection,
    id: i64,
    brand: &str,
    compound: f64,
    a: &Assessment,
    policy: &Policy,
    now: i64,
) -> Result<Triaged, StoreError> {
    let since = now - policy.settings.subject_window.as_secs() as i64;
    let (subject_id, subject_count) = if a.features.is_empty() {
        (None, 1)
    } else {
        let subject = place(conn, brand, a, since, now)?;
        conn.prepare_cached(
            "INSERT INTO subject_hours (subject_id, hour, mentions) VALUES (?1, ?2, 1)
             ON CONFLICT (subject_id, hour) DO UPDATE SET mentions = subject_hours.mentions + 1",
        )?
        .execute(params![subject, now / 3600])?;
        // Whole hours from their counters; the window's first, partial
        // hour from its mentions.
        let first_full_hour = since.div_euclid(3600) + 1;
        let whole: u32 = conn
            .prepare_cached(
                "SELECT COALESCE(SUM(mentions), 0) FROM subject_hours
                 WHERE subject_id = ?1 AND hour >= ?2",
            )?
            .query_row(params![subject, first_full_hour], |r| r.get(0))?;
        let partial: u32 = conn
            .prepare_cached(
                "SELECT COUNT(*) FROM mentions
                 WHERE subject_id = ?1 AND first_seen_at >= ?2 AND first_seen_at < ?3",
            )?
            .query_row(params![subject, since, first_full_hour * 3600], |r| {
                r.get(0)
            })?;
        let count = whole + partial;
        (Some(subject), count)
    };
    let signals = Signals {
        compound,
        alarm: !a.alarms.is_empty(),
        weight: a.weight,
        recurring: subject_count >= policy.settings.act_at,
    };
    let rules = &policy.settings.severity;
    let (points, severity) = rules.judge(&signals);
    let reasons = serde_json::to_string(&rules.reasons(&signals, &a.alarms, subject_count))
        .map_err(|e| StoreError::Corrupt {
            column: "mentions.severity_reason",
            message: e.to_string(),
        })?;
    conn.prepare_cached(
        "UPDATE mentions SET subject_id = ?4, severity = ?1, severity_reason = ?3, status = 'routed'
         WHERE id = ?2",
    )?
    .execute(params![severity.name(), id, reasons, subject_id])?;
    for team in &a.teams {
        conn.prepare_cached(
            "INSERT INTO mention_teams (mention_id, team) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        )?
        .execute(params![id, team])?;
        if severity.is_immediate() {
            conn.prepare_cached(
                "INSERT INTO alert_queue (mention_id, team, severity, queued_at)
                 VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
            )?
            .execute(params![id, team, severity.name(), now])?;
        }
    }
    let alarm = if a.alarms.is_empty() {
        String::new()
    } else {
        format!(", alarm terms {}", a.alarms.join(", "))
    };
    let note = format!(
        "to {}; {} ({points:.1} points: sentiment {compound:+.2}{alarm}, source weight {}, subject seen {subject_count} times in the window)",
        a.teams.join(", "),
        severity.name(),
        a.weight,
    );
    event(conn, id, now, "vigia", Status::Routed, Some(&note))?;
    Ok(Triaged {
        subject_id,
        subject_count,
        severity,
    })
}

pub(super) fn event(
    conn: &Connection,
    id: i64,
    at: i64,
    actor: &str,
    status: Status,
    note: Option<&str>,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO mention_events (mention_id, at, actor, status, note) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![id, at, actor, status.name(), note])?;
    Ok(())
}

/// Moves a mention on in its follow-up and records who, when and why,
/// in a transaction of its own. Returns the new status.
pub fn follow_up(
    conn: &mut Connection,
    id: i64,
    action: Action,
    actor: &str,
    note: Option<&str>,
    now: i64,
) -> Result<Status, FollowUpError> {
    let tx = conn.transaction().map_err(StoreError::from)?;
    let to = step(&tx, id, (action, actor, note), now)?;
    tx.commit().map_err(StoreError::from)?;
    Ok(to)
}

/// [`follow_up`] inside the caller's transaction: nothing is written when
/// the step is refused.
pub fn step(
    conn: &Connection,
    id: i64,
    (action, actor, note): (Action, &str, Option<&str>),
    now: i64,
) -> Result<Status, FollowUpError> {
    let from = status_of(conn, id)?.ok_or(FollowUpError::NotFound(id))?;
    let before_close = if from.is_open() {
        from
    } else {
        status_before_close(conn, id)?
    };
    let to = action
        .apply(from, before_close)
        .ok_or(FollowUpError::Invalid { id, from, action })?;
    conn.execute(
        "UPDATE mentions SET status = ?1 WHERE id = ?2",
        params![to.name(), id],
    )
    .map_err(StoreError::from)?;
    event(conn, id, now, actor, to, note)?;
    Ok(to)
}

/// Mention `id`'s follow-up status; None when there is no such mention.
pub(super) fn status_of(conn: &Connection, id: i64) -> Result<Option<Status>, StoreError> {
    let status: Option<String> = conn
        .prepare_cached("SELECT status FROM mentions WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(status.map(|s| Status::parse(&s).unwrap_or(Status::New)))
}

/// The open status a closed mention had before it was closed: the status
/// of the event before the latest one, else routed when it has teams and
/// new when it has none.
fn status_before_close(conn: &Connection, id: i64) -> Result<Status, StoreError> {
    let earlier: Option<String> = conn
        .query_row(
            "SELECT status FROM mention_events WHERE mention_id = ?1
             ORDER BY id DESC LIMIT 1 OFFSET 1",
            [id],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(status) = earlier.as_deref().and_then(Status::parse) {
        if status.is_open() {
            return Ok(status);
        }
    }
    let routed: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM mention_teams WHERE mention_id = ?1)",
        [id],
        |r| r.get(0),
    )?;
    Ok(if routed { Status::Routed } else { Status::New })
}

/// One step of a mention's follow-up.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// When, Unix seconds.
    #[serde(serialize_with = "crate::store::rfc3339")]
    pub at: i64,
    /// Who: a person, or `vigia`.
    pub actor: String,
    /// The status it moved to.
    pub status: String,
    /// Why.
    pub note: Option<String>,
}

/// A mention's follow-up history, oldest first.
pub fn history(conn: &Connection, id: i64) -> Result<Vec<Event>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, actor, status, note FROM mention_events WHERE mention_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok(Event {
            at: r.get(0)?,
            actor: r.get(1)?,
            status: r.get(2)?,
            note: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests;
