//! People let into the web inbox by `vigia users add`, beside the config's
//! team recipients.

use crate::store::db::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::{json_column, StoreError};

/// One person added by an admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Their address, in lower case.
    pub email: String,
    /// The teams they belong to.
    pub teams: Vec<String>,
    /// Sees every team's mentions.
    pub admin: bool,
    /// When they were added (Unix seconds).
    #[serde(serialize_with = "crate::store::rfc3339")]
    pub added_at: i64,
    /// Who added them.
    pub added_by: String,
}

fn user(r: &crate::store::db::Row<'_>) -> crate::store::db::Result<User> {
    Ok(User {
        email: r.get(0)?,
        teams: json_column(r, 1)?,
        admin: r.get(2)?,
        added_at: r.get(3)?,
        added_by: r.get(4)?,
    })
}

/// Adds `user`, or replaces their teams and admin flag.
pub fn add(conn: &Connection, user: &User) -> Result<(), StoreError> {
    let teams = serde_json::Value::from(user.teams.clone()).to_string();
    conn.prepare_cached(
        "INSERT INTO web_users (email, teams, admin, added_at, added_by)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (email) DO UPDATE SET teams = excluded.teams, admin = excluded.admin",
    )?
    .execute(params![
        user.email,
        teams,
        user.admin,
        user.added_at,
        user.added_by
    ])?;
    Ok(())
}

/// Removes `email`, their password and their sessions; false when there
/// was no such user.
pub fn remove(conn: &Connection, email: &str, now: i64) -> Result<bool, StoreError> {
    let removed = conn.execute("DELETE FROM web_users WHERE email = ?1", [email])?;
    if removed > 0 {
        reset(conn, email, now)?;
    }
    Ok(removed > 0)
}

/// Forgets `email`'s inbox password and ends their sessions (a lost
/// laptop, a leaked password): whether they had a password, and how many
/// sessions ended.
pub fn reset(conn: &Connection, email: &str, now: i64) -> Result<(bool, usize), StoreError> {
    let password = super::web::set_password(conn, email, None, now)?;
    let sessions = conn.execute(
        "UPDATE web_sessions SET revoked_at = ?2 WHERE email = ?1 AND revoked_at IS NULL",
        params![email, now],
    )?;
    Ok((password, sessions))
}

/// The user `email`, when an admin added them.
pub fn get(conn: &Connection, email: &str) -> Result<Option<User>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT email, teams, admin, added_at, added_by FROM web_users WHERE email = ?1",
        )?
        .query_row([email], user)
        .optional()?)
}

/// Every added user, by address.
pub fn list(conn: &Connection) -> Result<Vec<User>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT email, teams, admin, added_at, added_by FROM web_users ORDER BY email",
    )?;
    let rows = stmt.query_map(params![], user)?;
    Ok(rows.collect::<Result<_, _>>()?)
}
