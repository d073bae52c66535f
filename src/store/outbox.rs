//! The outbox: rendered mail waiting for the server, with its attempts.

use rusqlite::{params, Connection};
use serde::Serialize;

use super::{json_column, StoreError};

/// A mail to queue.
#[derive(Debug, Clone)]
pub struct NewMail<'a> {
    /// What it covers; a second mail with the same key is not queued.
    pub key: &'a str,
    /// `alert`, `digest` or `test`.
    pub kind: &'a str,
    /// Envelope sender address.
    pub from: &'a str,
    /// Envelope recipients.
    pub to: &'a [String],
    /// Subject, for listings.
    pub subject: &'a str,
    /// The whole RFC 5322 message.
    pub message: &'a [u8],
}

/// Queues a mail; None when one with the same key is already queued.
/// Call inside the transaction that records what it covers.
pub fn enqueue(conn: &Connection, mail: &NewMail<'_>, now: i64) -> Result<Option<i64>, StoreError> {
    let to = serde_json::to_string(mail.to).map_err(|e| StoreError::Corrupt {
        column: "outbox.envelope_to",
        message: e.to_string(),
    })?;
    let added = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO outbox
                 (key, kind, envelope_from, envelope_to, subject, message, created_at, next_attempt_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        )?
        .execute(params![mail.key, mail.kind, mail.from, to, mail.subject, mail.message, now])?;
    Ok((added == 1).then(|| conn.last_insert_rowid()))
}

/// A mail due for an attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    /// Outbox id.
    pub id: i64,
    /// Envelope sender.
    pub from: String,
    /// Envelope recipients.
    pub to: Vec<String>,
    /// The message.
    pub message: Vec<u8>,
    /// Attempts so far.
    pub attempts: u32,
}

/// Mail neither sent nor failed whose next attempt has come, oldest first.
pub fn due(conn: &Connection, now: i64, limit: usize) -> Result<Vec<Due>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, envelope_from, envelope_to, message, attempts FROM outbox
         WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?1
         ORDER BY next_attempt_at, id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now, limit as i64], |r| {
        Ok(Due {
            id: r.get(0)?,
            from: r.get(1)?,
            to: json_column(r, 2)?,
            message: r.get(3)?,
            attempts: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Records a delivery, and marks the alerts it carried as sent.
pub fn mark_sent(conn: &Connection, id: i64, now: i64) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE outbox SET sent_at = ?2, attempts = attempts + 1 WHERE id = ?1")?
        .execute(params![id, now])?;
    conn.prepare_cached("UPDATE alert_queue SET sent_at = ?2 WHERE outbox_id = ?1")?
        .execute(params![id, now])?;
    Ok(())
}

/// Records a failed attempt: retried at `retry_at`, or never when the
/// server refused the message for good.
pub fn mark_failed(
    conn: &Connection,
    id: i64,
    error: &str,
    retry_at: Option<i64>,
    now: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE outbox SET attempts = attempts + 1, last_error = ?2,
             next_attempt_at = COALESCE(?3, next_attempt_at),
             failed_at = CASE WHEN ?3 IS NULL THEN ?4 END
         WHERE id = ?1",
    )?
    .execute(params![id, error, retry_at, now])?;
    Ok(())
}

/// An outbox row, as `vigia outbox` lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxRow {
    /// Outbox id.
    pub id: i64,
    /// `alert`, `digest` or `test`.
    pub kind: String,
    /// `pending`, `failed` or `sent`.
    pub state: String,
    /// Recipients.
    pub to: Vec<String>,
    /// Subject.
    pub subject: String,
    /// When it was queued.
    #[serde(serialize_with = "crate::store::rfc3339")]
    pub created_at: i64,
    /// Attempts so far.
    pub attempts: u32,
    /// Next attempt, while pending.
    #[serde(serialize_with = "crate::store::rfc3339_opt")]
    pub next_attempt_at: Option<i64>,
    /// The last error.
    pub last_error: Option<String>,
    /// When it was sent.
    #[serde(serialize_with = "crate::store::rfc3339_opt")]
    pub sent_at: Option<i64>,
}

/// Pending and failed mail (and sent mail too with `all`), newest first.
pub fn list(conn: &Connection, all: bool, limit: usize) -> Result<Vec<OutboxRow>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, kind, CASE WHEN sent_at IS NOT NULL THEN 'sent'
                               WHEN failed_at IS NOT NULL THEN 'failed' ELSE 'pending' END,
                envelope_to, subject, created_at, attempts,
                CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN next_attempt_at END,
                last_error, sent_at
         FROM outbox WHERE ?1 OR sent_at IS NULL
         ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![all, limit as i64], |r| {
        Ok(OutboxRow {
            id: r.get(0)?,
            kind: r.get(1)?,
            state: r.get(2)?,
            to: json_column(r, 3)?,
            subject: r.get(4)?,
            created_at: r.get(5)?,
            attempts: r.get(6)?,
            next_attempt_at: r.get(7)?,
            last_error: r.get(8)?,
            sent_at: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
