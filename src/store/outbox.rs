//! The outbox: rendered mail waiting for the server, with its attempts.

use crate::store::db::{params, Connection, OptionalExtension};
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
    let to = envelope_to(mail.to)?;
    Ok(conn
        .prepare_cached(
            "INSERT INTO outbox
                 (key, kind, envelope_from, envelope_to, subject, message, created_at, next_attempt_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)
             ON CONFLICT DO NOTHING RETURNING id",
        )?
        .query_row(
            params![mail.key, mail.kind, mail.from, to, mail.subject, mail.message, now],
            |r| r.get(0),
        )
        .optional()?)
}

/// A chat message to queue.
#[derive(Debug, Clone)]
pub struct NewChat<'a> {
    /// What it covers; a second message with the same key is not queued.
    pub key: &'a str,
    /// `alert`, `spike` or `digest`.
    pub kind: &'a str,
    /// The channel, by name (`TEAM/KIND`).
    pub channel: &'a str,
    /// Its first line, for listings.
    pub subject: &'a str,
    /// What is posted.
    pub payload: &'a [u8],
}

/// Queues a chat message; None when one with the same key is already
/// queued. Call inside the transaction that records what it covers.
pub fn enqueue_chat(
    conn: &Connection,
    chat: &NewChat<'_>,
    now: i64,
) -> Result<Option<i64>, StoreError> {
    let to = envelope_to(&[chat.channel])?;
    Ok(conn
        .prepare_cached(
            "INSERT INTO outbox
                 (key, kind, envelope_from, envelope_to, subject, message, created_at,
                  next_attempt_at, channel)
             VALUES (?1, ?2, '', ?3, ?4, ?5, ?6, ?6, ?7)
             ON CONFLICT DO NOTHING RETURNING id",
        )?
        .query_row(
            params![
                chat.key,
                chat.kind,
                to,
                chat.subject,
                chat.payload,
                now,
                chat.channel
            ],
            |r| r.get(0),
        )
        .optional()?)
}

/// Recipients (or a chat channel) as the `envelope_to` column keeps them.
fn envelope_to<T: Serialize>(to: &[T]) -> Result<String, StoreError> {
    serde_json::to_string(to).map_err(|e| StoreError::Corrupt {
        column: "outbox.envelope_to",
        message: e.to_string(),
    })
}

/// Whether a mail with this key was ever queued.
pub fn queued(conn: &Connection, key: &str) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM outbox WHERE key = ?1)")?
        .query_row([key], |r| r.get(0))?)
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
    /// Its subject, for the log and `/healthz`.
    pub subject: String,
    /// The message.
    pub message: Vec<u8>,
    /// Attempts so far.
    pub attempts: u32,
}

/// Claims the oldest mail due for an attempt (neither sent nor failed, its
/// next attempt come, and no live claim on it) for `owner` until
/// `now + lease_secs`, in one write transaction: whichever process claims
/// it is the only one to send it until the claim is settled or expires.
/// None when nothing is due.
pub fn claim(
    conn: &mut Connection,
    owner: &str,
    now: i64,
    lease_secs: i64,
) -> Result<Option<Due>, StoreError> {
    claim_in(conn, "channel IS NULL", (owner, now, lease_secs))
}

/// Claims the oldest chat message due, as [`claim`] does mail; its `to`
/// is its channel.
pub fn claim_chat(
    conn: &mut Connection,
    owner: &str,
    now: i64,
    lease_secs: i64,
) -> Result<Option<Due>, StoreError> {
    claim_in(conn, "channel IS NOT NULL", (owner, now, lease_secs))
}

fn claim_in(
    conn: &mut Connection,
    which: &'static str,
    (owner, now, lease_secs): (&str, i64, i64),
) -> Result<Option<Due>, StoreError> {
    let tx = conn.transaction()?;
    let due = tx
        .prepare_cached(&format!(
            "SELECT id, envelope_from, envelope_to, subject, message, attempts FROM outbox
             WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= ?1
               AND (claimed_until IS NULL OR claimed_until <= ?1) AND {which}
             ORDER BY next_attempt_at, id LIMIT 1"
        ))?
        .query_row([now], |r| {
            Ok(Due {
                id: r.get(0)?,
                from: r.get(1)?,
                to: json_column(r, 2)?,
                subject: r.get(3)?,
                message: r.get(4)?,
                attempts: r.get(5)?,
            })
        })
        .optional()?;
    if let Some(mail) = &due {
        tx.prepare_cached("UPDATE outbox SET claimed_by = ?2, claimed_until = ?3 WHERE id = ?1")?
            .execute(params![mail.id, owner, now + lease_secs])?;
    }
    tx.commit()?;
    Ok(due)
}

/// Gives a claimed mail back untried: it is due again at once, its
/// attempts unchanged (sending paused for a reason that is not the mail's).
pub fn release(conn: &Connection, id: i64) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE outbox SET claimed_by = NULL, claimed_until = NULL WHERE id = ?1")?
        .execute([id])?;
    Ok(())
}

/// Records a delivery, and marks the alerts it carried as sent. The body
/// of a sent mail is dropped: it may hold working links (a sign-in, the
/// one-click steps), which a copy of the database must not give away.
pub fn mark_sent(conn: &Connection, id: i64, now: i64) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE outbox SET sent_at = ?2, attempts = attempts + 1, message = ?3,
             claimed_by = NULL, claimed_until = NULL WHERE id = ?1",
    )?
    .execute(params![id, now, b"".as_slice()])?;
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
             failed_at = CASE WHEN ?3 IS NULL THEN CAST(?4 AS BIGINT) END,
             claimed_by = NULL, claimed_until = NULL
         WHERE id = ?1",
    )?
    .execute(params![id, error, retry_at, now])?;
    Ok(())
}

/// Splits claimed mail `id`, refused for good with several recipients,
/// into one mail per recipient, each due at `now`: the server may have
/// refused only one of them, and the others must still get it. The first
/// recipient keeps the row and its key; each other gets a row keyed
/// `KEY to ADDRESS`. Returns how many rows were added.
pub fn split(conn: &mut Connection, id: i64, error: &str, now: i64) -> Result<usize, StoreError> {
    let tx = conn.transaction()?;
    let (key, to): (String, Vec<String>) = tx.query_row(
        "SELECT key, envelope_to FROM outbox WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, json_column(r, 1)?)),
    )?;
    // Each address once: a team that lists one twice must not make two
    // rows with one key.
    let mut unique: Vec<&String> = Vec::new();
    for address in &to {
        if !unique.iter().any(|u| u.eq_ignore_ascii_case(address)) {
            unique.push(address);
        }
    }
    let Some((first, rest)) = unique.split_first() else {
        return Ok(0);
    };
    let json = |to: &str| envelope_to(&[to]);
    let mut added = 0;
    for to in rest {
        added += tx
            .prepare_cached(
                "INSERT INTO outbox
                     (key, kind, envelope_from, envelope_to, subject, message, created_at,
                      next_attempt_at, last_error)
                 SELECT ?2, kind, envelope_from, ?3, subject, message, created_at, ?4, ?5
                 FROM outbox WHERE id = ?1
                 ON CONFLICT DO NOTHING",
            )?
            .execute(params![id, format!("{key} to {to}"), json(to)?, now, error])?;
    }
    // The first recipient keeps the row and its key, so that what the key
    // stands for (a team's digest for a period) stays queued once.
    tx.prepare_cached(
        "UPDATE outbox SET envelope_to = ?2, attempts = attempts + 1,
             last_error = ?3, next_attempt_at = ?4, claimed_by = NULL, claimed_until = NULL
         WHERE id = ?1",
    )?
    .execute(params![id, json(first)?, error, now])?;
    tx.commit()?;
    Ok(added)
}

/// Pauses sending for `reason` (a set-up failure); true when it was not
/// paused before. The pause keeps the time it began.
pub fn pause(conn: &Connection, reason: &str, now: i64) -> Result<bool, StoreError> {
    let was = paused(conn)?.is_some();
    conn.prepare_cached(
        "INSERT INTO mail_pause (id, reason, since) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET reason = excluded.reason",
    )?
    .execute(params![reason, now])?;
    Ok(!was)
}

/// Ends a pause; true when sending was paused.
pub fn resume(conn: &Connection) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("DELETE FROM mail_pause WHERE id = 1")?
        .execute(params![])?
        > 0)
}

/// Why sending is paused, and since when; None while it is not.
pub fn paused(conn: &Connection) -> Result<Option<(String, i64)>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT reason, since FROM mail_pause WHERE id = 1")?
        .query_row(params![], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Puts failed mail back in the queue, due now, its tries counted afresh:
/// mail `id`, or every failed mail. Returns how many.
pub fn retry(conn: &Connection, id: Option<i64>, now: i64) -> Result<usize, StoreError> {
    Ok(conn
        .prepare_cached(
            "UPDATE outbox SET failed_at = NULL, attempts = 0, next_attempt_at = ?2
             WHERE failed_at IS NOT NULL AND sent_at IS NULL AND (CAST(?1 AS BIGINT) IS NULL OR id = ?1)",
        )?
        .execute(params![id, now])?)
}

/// Where one mail stands: (sent at, failed at, last error, next attempt).
pub type MailState = (Option<i64>, Option<i64>, Option<String>, i64);

/// Where mail `id` stands; None when there is no such mail.
pub fn state(conn: &Connection, id: i64) -> Result<Option<MailState>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT sent_at, failed_at, last_error, next_attempt_at FROM outbox WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?)
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
                CASE WHEN sent_at IS NULL THEN last_error END, sent_at
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

#[cfg(test)]
mod tests {
    use super::*;

    crate::both_backends! {
    fn a_split_keeps_the_key_and_each_address_once(store) {
        let (added, queued, rows) = store
            .call_blocking(|c| {
                let to = ["a@x.example", "A@x.example", "b@x.example"].map(String::from);
                let mail = NewMail {
                    key: "digest:cs:1:2",
                    kind: "digest",
                    from: "vigia@example.com",
                    to: &to,
                    subject: "digest",
                    message: b"Subject: digest\r\n\r\nhello\r\n",
                };
                let id = enqueue(c, &mail, 100)?.unwrap_or_default();
                claim(c, "daemon", 100, 60)?;
                let added = split(c, id, "550 no such user", 101)?;
                Ok((added, queued(c, "digest:cs:1:2")?, list(c, true, 10)?))
            })
            .unwrap();
        // "A@x" is "a@x" again: one more row, for b@ only.
        assert_eq!(added, 1);
        // The digest stays queued under its key: a restart queues it no more.
        assert!(queued);
        let mut to: Vec<Vec<String>> = rows.iter().map(|r| r.to.clone()).collect();
        to.sort();
        assert_eq!(to, [["a@x.example"], ["b@x.example"]]);
    }

    fn a_claimed_mail_is_nobody_elses_until_settled_or_expired(store) {
        let claims = store
            .call_blocking(|c| {
                for key in ["a", "b"] {
                    let mail = NewMail {
                        key,
                        kind: "test",
                        from: "vigia@example.com",
                        to: &["team@example.com".to_string()],
                        subject: "test",
                        message: b"Subject: test\r\n\r\nhello\r\n",
                    };
                    enqueue(c, &mail, 100)?;
                }
                let id = |d: Option<Due>| d.map(|d| d.id);
                let first = id(claim(c, "daemon", 100, 60)?);
                let second = id(claim(c, "command", 100, 60)?);
                // Both are claimed: a third sender finds nothing due.
                let none = id(claim(c, "other", 101, 60)?);
                // The daemon gives its mail back untried; the command
                // sends its own.
                release(c, first.unwrap_or_default())?;
                mark_sent(c, second.unwrap_or_default(), 102)?;
                let again = id(claim(c, "other", 103, 60)?);
                // A claim whose process died expires.
                let after_expiry = id(claim(c, "late", 164, 60)?);
                Ok((first, second, none, again, after_expiry))
            })
            .unwrap();
        assert_eq!(claims, (Some(1), Some(2), None, Some(1), Some(1)));
    }
    }
}
