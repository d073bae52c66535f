//! What `/metrics` reports, read from the store in one pass: the store is
//! the daemon's memory, so the figures survive restarts and reloads.

use crate::store::db::{params, Connection, OptionalExtension};

use super::sources::{self, SourceState};
use super::StoreError;

/// The store's figures at one moment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Snapshot {
    /// Every source's state and the mail due: what `/healthz` judges.
    pub schedule: Schedule,
    /// Stored mentions as (brand, sentiment label, count); mentions not
    /// scored yet are labelled `unscored`.
    pub mentions: Vec<(String, String, i64)>,
    /// Mail waiting to be sent (the outbox depth).
    pub outbox_pending: i64,
    /// Mail the server refused for good.
    pub outbox_failed: i64,
    /// When the last digest was handed to the mail server.
    pub last_digest_at: Option<i64>,
    /// The last heartbeat written.
    pub heartbeat_at: Option<i64>,
}

/// Reads the figures, in one read transaction: one moment's.
pub fn snapshot(conn: &Connection) -> Result<Snapshot, StoreError> {
    conn.snapshot(read_snapshot)
}

fn read_snapshot(conn: &Connection) -> Result<Snapshot, StoreError> {
    // Kept by triggers (migration 34), unscored mentions as "unscored".
    let mut stmt = conn.prepare_cached(
        "SELECT brand, label, n FROM mention_counts WHERE n > 0 ORDER BY brand, label",
    )?;
    let mentions = stmt
        .query_map(params![], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let (outbox_pending, outbox_failed) = conn.query_row(
        "SELECT count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL),
                count(*) FILTER (WHERE failed_at IS NOT NULL)
         FROM outbox",
        params![],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let last_digest_at = conn.query_row(
        "SELECT max(sent_at) FROM outbox WHERE kind = 'digest' AND channel IS NULL",
        params![],
        |r| r.get(0),
    )?;
    let heartbeat_at = conn
        .query_row("SELECT at FROM heartbeat WHERE id = 1", params![], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(Snapshot {
        schedule: read_schedule(conn)?,
        mentions,
        outbox_pending,
        outbox_failed,
        last_digest_at,
        heartbeat_at,
    })
}

/// What `/healthz` reads to tell whether the scheduler keeps time.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schedule {
    /// Every source's state, by id.
    pub sources: Vec<SourceState>,
    /// The earliest next attempt of mail waiting to be sent.
    pub mail_due_since: Option<i64>,
    /// Why sending is paused, and since when (a set-up failure).
    pub mail_paused: Option<(String, i64)>,
    /// The oldest mail still waiting after a failed attempt.
    pub mail_failing: Option<FailingMail>,
}

/// A mail the server has not taken yet, though it was tried.
#[derive(Debug, Clone, PartialEq)]
pub struct FailingMail {
    /// Outbox id.
    pub id: i64,
    /// Its subject.
    pub subject: String,
    /// When it was queued.
    pub queued_at: i64,
    /// Attempts so far.
    pub attempts: u32,
    /// What the last one met.
    pub last_error: String,
}

/// Reads the schedule, in one read transaction: cheap, for every
/// `/healthz` probe.
pub fn schedule(conn: &Connection) -> Result<Schedule, StoreError> {
    conn.snapshot(read_schedule)
}

fn read_schedule(conn: &Connection) -> Result<Schedule, StoreError> {
    let mail_due_since = conn.query_row(
        "SELECT min(next_attempt_at) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL
               AND channel IS NULL",
        params![],
        |r| r.get(0),
    )?;
    let mail_failing = conn
        .query_row(
            "SELECT id, subject, created_at, attempts, last_error FROM outbox
             WHERE sent_at IS NULL AND failed_at IS NULL AND attempts > 0 AND channel IS NULL
             ORDER BY created_at, id LIMIT 1",
            params![],
            |r| {
                Ok(FailingMail {
                    id: r.get(0)?,
                    subject: r.get(1)?,
                    queued_at: r.get(2)?,
                    attempts: r.get(3)?,
                    last_error: r.get::<Option<String>>(4)?.unwrap_or_default(),
                })
            },
        )
        .optional()?;
    Ok(Schedule {
        sources: sources::list(conn)?,
        mail_due_since,
        mail_paused: super::outbox::paused(conn)?,
        mail_failing,
    })
}
