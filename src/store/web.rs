//! The web inbox's sign-in records: one-time links and sessions, stored
//! by the hash of their secret (`inbox/auth.rs` makes and hashes them).

use crate::store::db::{params, Connection, OptionalExtension};

use super::StoreError;

/// Records a one-time sign-in link for `email`, valid until `expires_at`.
pub fn add_login(
    conn: &Connection,
    token_hash: &str,
    email: &str,
    now: i64,
    expires_at: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO web_logins (token_hash, email, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![token_hash, email, now, expires_at])?;
    Ok(())
}

/// Sign-in links mailed to `email` since `since`: how the inbox keeps a
/// stranger from filling someone's mailbox.
pub fn logins_since(conn: &Connection, email: &str, since: i64) -> Result<u32, StoreError> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM web_logins WHERE email = ?1 AND created_at >= ?2")?
        .query_row(params![email, since], |r| r.get(0))?)
}

/// The address a sign-in link is for, when it is unused and unexpired.
pub fn pending_login(
    conn: &Connection,
    token_hash: &str,
    now: i64,
) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT email FROM web_logins
             WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
        )?
        .query_row(params![token_hash, now], |r| r.get(0))
        .optional()?)
}

/// Uses up a sign-in link and opens a session in its place: the address
/// it signs in, or None when the link was used, expired or unknown (then
/// nothing changes). Call in one transaction.
pub fn redeem_login(
    conn: &Connection,
    token_hash: &str,
    session: &NewSession<'_>,
) -> Result<Option<String>, StoreError> {
    let email: Option<String> = conn
        .prepare_cached(
            "UPDATE web_logins SET used_at = ?2
             WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2
             RETURNING email",
        )?
        .query_row(params![token_hash, session.now], |r| r.get(0))
        .optional()?;
    let Some(email) = email else {
        return Ok(None);
    };
    open_session(conn, &email, session)?;
    Ok(Some(email))
}

/// Opens a session for `email` (signed in by link or password).
pub fn open_session(
    conn: &Connection,
    email: &str,
    session: &NewSession<'_>,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO web_sessions (token_hash, email, csrf, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        session.token_hash,
        email,
        session.csrf,
        session.now,
        session.expires_at
    ])?;
    Ok(())
}

/// The password hash `email` set, if any.
pub fn password_hash(conn: &Connection, email: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT hash FROM web_passwords WHERE email = ?1")?
        .query_row([email], |r| r.get(0))
        .optional()?)
}

/// Sets (with `Some`) or removes `email`'s password hash; a new or
/// removed password also forgets the failed attempts.
pub fn set_password(
    conn: &Connection,
    email: &str,
    hash: Option<&str>,
    now: i64,
) -> Result<bool, StoreError> {
    let changed = match hash {
        Some(hash) => conn
            .prepare_cached(
                "INSERT INTO web_passwords (email, hash, set_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (email) DO UPDATE SET hash = ?2, set_at = ?3",
            )?
            .execute(params![email, hash, now])?,
        None => conn
            .prepare_cached("DELETE FROM web_passwords WHERE email = ?1")?
            .execute([email])?,
    };
    conn.prepare_cached("DELETE FROM web_password_failures WHERE email = ?1")?
        .execute([email])?;
    Ok(changed > 0)
}

/// Counts a password attempt for `email` before it is checked, so that
/// attempts in flight count too: false, and nothing recorded, when it had
/// `tries` since `since`. A right password forgets it
/// ([`password_passed`]); a wrong one leaves it counted.
pub fn password_attempt(
    conn: &Connection,
    email: &str,
    (since, tries): (i64, u32),
    now: i64,
) -> Result<bool, StoreError> {
    let made: u32 = conn
        .prepare_cached("SELECT COUNT(*) FROM web_password_failures WHERE email = ?1 AND at >= ?2")?
        .query_row(params![email, since], |r| r.get(0))?;
    if made >= tries {
        return Ok(false);
    }
    conn.prepare_cached("INSERT INTO web_password_failures (email, at) VALUES (?1, ?2)")?
        .execute(params![email, now])?;
    Ok(true)
}

/// `email` gave the right password: its counted attempts are forgotten.
pub fn password_passed(conn: &Connection, email: &str) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM web_password_failures WHERE email = ?1")?
        .execute([email])?;
    Ok(())
}

/// Ends every session of `email` but the one with `keep` (its hash).
pub fn end_other_sessions(
    conn: &Connection,
    email: &str,
    keep: &str,
    now: i64,
) -> Result<usize, StoreError> {
    Ok(conn.execute(
        "UPDATE web_sessions SET revoked_at = ?3
         WHERE email = ?1 AND token_hash <> ?2 AND revoked_at IS NULL",
        params![email, keep, now],
    )?)
}

/// A session a redeemed link opens.
#[derive(Debug, Clone, Copy)]
pub struct NewSession<'a> {
    /// Hash of its cookie's secret.
    pub token_hash: &'a str,
    /// Its CSRF token, put in every form it is shown.
    pub csrf: &'a str,
    /// Now (Unix seconds).
    pub now: i64,
    /// When it ends.
    pub expires_at: i64,
}

/// An open session: whose, and its CSRF token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The signed-in address.
    pub email: String,
    /// The token every form must send back.
    pub csrf: String,
    /// When it was opened (Unix seconds).
    pub created_at: i64,
}

/// The session of a cookie, when it is open (not expired or revoked).
pub fn session(
    conn: &Connection,
    token_hash: &str,
    now: i64,
) -> Result<Option<Session>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT email, csrf, created_at FROM web_sessions
             WHERE token_hash = ?1 AND revoked_at IS NULL AND expires_at > ?2",
        )?
        .query_row(params![token_hash, now], |r| {
            Ok(Session {
                email: r.get(0)?,
                csrf: r.get(1)?,
                created_at: r.get(2)?,
            })
        })
        .optional()?)
}

/// Ends a session (signing out).
pub fn revoke(conn: &Connection, token_hash: &str, now: i64) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE web_sessions SET revoked_at = ?2 WHERE token_hash = ?1")?
        .execute(params![token_hash, now])?;
    Ok(())
}

/// Whether the one-click link with `nonce` was used already.
pub fn link_used(conn: &Connection, nonce: &str) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM web_link_uses WHERE nonce = ?1)")?
        .query_row([nonce], |r| r.get(0))?)
}

/// A one-click link's use: its nonce, and what it did for whom.
#[derive(Debug, Clone, Copy)]
pub struct LinkUse<'a> {
    /// The link's nonce.
    pub nonce: &'a str,
    /// The mention it acted on.
    pub mention: i64,
    /// The step it took (`ack`, `resolve`, `ignore`).
    pub step: &'a str,
    /// The address it was mailed to.
    pub recipient: &'a str,
}

/// Records the use of a one-click link: false when it was used before
/// (then nothing is recorded). Call in the transaction that takes its step.
pub fn use_link(conn: &Connection, used: &LinkUse<'_>, now: i64) -> Result<bool, StoreError> {
    let added = conn
        .prepare_cached(
            "INSERT INTO web_link_uses (nonce, mention_id, step, recipient, used_at)
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            used.nonce,
            used.mention,
            used.step,
            used.recipient,
            now
        ])?;
    Ok(added == 1)
}

/// Forgets what can no longer be used: sign-in links expired a day ago,
/// sessions ended a day ago, failed passwords of more than a day ago, and
/// used one-click links older than
/// `uses_before` (past any link's lifetime). Returns the rows removed.
pub fn prune(conn: &Connection, now: i64, uses_before: i64) -> Result<usize, StoreError> {
    let day_ago = now - 86_400;
    let mut removed = conn.execute("DELETE FROM web_logins WHERE expires_at < ?1", [day_ago])?;
    removed += conn.execute(
        "DELETE FROM web_sessions WHERE expires_at < ?1 OR revoked_at < ?1",
        [day_ago],
    )?;
    removed += conn.execute(
        "DELETE FROM web_link_uses WHERE used_at < ?1",
        [uses_before],
    )?;
    removed += conn.execute("DELETE FROM web_password_failures WHERE at < ?1", [day_ago])?;
    Ok(removed)
}
