//! Replies that act: the alert mails a reply may name (who each went to,
//! which mentions it listed) and the replies already read, so that each
//! acts once however often its mailbox is read again.

use crate::store::db::{params, Connection, OptionalExtension};

use super::StoreError;

/// How long a reply to an alert still acts: a month, after which its
/// record is forgotten.
pub const LIFETIME_SECS: i64 = 30 * 86_400;

/// An alert mail as a reply finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyMail {
    /// Its id, in its token.
    pub id: i64,
    /// Who it went to, in lower case.
    pub recipients: Vec<String>,
    /// The mentions it listed.
    pub mentions: Vec<i64>,
    /// When it was queued (signed in its token).
    pub created_at: i64,
}

/// Records an alert mail to `recipients` about `mentions`, made `now`,
/// and forgets those past [`LIFETIME_SECS`]. Returns its id.
pub fn record_mail(
    conn: &Connection,
    recipients: &[String],
    mentions: &[i64],
    now: i64,
) -> Result<i64, StoreError> {
    conn.prepare_cached("DELETE FROM reply_mails WHERE created_at < ?1")?
        .execute([now - LIFETIME_SECS])?;
    let recipients: Vec<String> = recipients.iter().map(|r| r.to_lowercase()).collect();
    let id = conn
        .prepare_cached(
            "INSERT INTO reply_mails (recipients, mentions, created_at)
             VALUES (?1, ?2, ?3) RETURNING id",
        )?
        .query_row(
            params![
                serde_json::to_string(&recipients).unwrap_or_default(),
                serde_json::to_string(mentions).unwrap_or_default(),
                now
            ],
            |r| r.get(0),
        )?;
    Ok(id)
}

/// The alert mail `id`, while replies to it still act at `now`.
pub fn mail(conn: &Connection, id: i64, now: i64) -> Result<Option<ReplyMail>, StoreError> {
    let row: Option<(String, String, i64)> = conn
        .prepare_cached(
            "SELECT recipients, mentions, created_at FROM reply_mails
             WHERE id = ?1 AND created_at >= ?2",
        )?
        .query_row(params![id, now - LIFETIME_SECS], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?;
    let Some((recipients, mentions, created_at)) = row else {
        return Ok(None);
    };
    let corrupt = |e: serde_json::Error| StoreError::Corrupt {
        column: "reply_mails",
        message: e.to_string(),
    };
    Ok(Some(ReplyMail {
        id,
        recipients: serde_json::from_str(&recipients).map_err(corrupt)?,
        mentions: serde_json::from_str(&mentions).map_err(corrupt)?,
        created_at,
    }))
}

/// Which of `mentions` are routed to one of `teams`, in their order.
pub fn routed_to(
    conn: &Connection,
    mentions: &[i64],
    teams: &[String],
) -> Result<Vec<i64>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM mention_teams WHERE mention_id = ?1
                        AND team IN (SELECT value FROM json_each(?2)))",
    )?;
    let teams = serde_json::to_string(teams).unwrap_or_default();
    let mut out = Vec::new();
    for &id in mentions {
        if stmt.query_row(params![id, teams], |r| r.get::<bool>(0))? {
            out.push(id);
        }
    }
    Ok(out)
}

/// What came of the reply with `message_id`, when it was read already.
pub fn read_before(conn: &Connection, message_id: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT outcome FROM replies_read WHERE message_id = ?1")?
        .query_row([message_id], |r| r.get(0))
        .optional()?)
}

/// Records that the reply `message_id` from `sender` was read `now`, and
/// what came of it; forgets those read past [`LIFETIME_SECS`] ago.
pub fn record_read(
    conn: &Connection,
    message_id: &str,
    sender: &str,
    outcome: &str,
    now: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM replies_read WHERE read_at < ?1")?
        .execute([now - LIFETIME_SECS])?;
    conn.prepare_cached(
        "INSERT INTO replies_read (message_id, sender, read_at, outcome)
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
    )?
    .execute(params![message_id, sender, now, outcome])?;
    Ok(())
}
