//! Per-source state: cursor, schedule and health, kept in the store so a
//! restart picks up where the last run left off.

use crate::store::db::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

use super::{json_column, StoreError};
use crate::source::Cursor;

/// A source's stored state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceState {
    /// Source id.
    pub id: String,
    /// Kind (`rss`, …).
    pub kind: String,
    /// URL from the config.
    pub config_url: String,
    /// Where the last fetch left off.
    pub cursor: Cursor,
    /// Consecutive failures.
    pub error_count: u32,
    /// Next poll, Unix seconds.
    #[serde(serialize_with = "crate::store::rfc3339")]
    pub next_check_at: i64,
    /// Last poll attempt.
    #[serde(serialize_with = "crate::store::rfc3339_opt")]
    pub last_polled_at: Option<i64>,
    /// Last successful poll.
    #[serde(serialize_with = "crate::store::rfc3339_opt")]
    pub last_success_at: Option<i64>,
    /// Last error message.
    pub last_error: Option<String>,
    /// When it happened.
    #[serde(serialize_with = "crate::store::rfc3339_opt")]
    pub last_error_at: Option<i64>,
    /// What the last successful poll found wrong without failing (a
    /// selector that matched nothing).
    pub warning: Option<String>,
    /// Items fetched, all time.
    pub items_total: i64,
    /// New mentions found, all time.
    pub mentions_total: i64,
    /// Polls, all time.
    pub polls_total: i64,
    /// Failed polls (each followed by a backoff), all time.
    pub failures_total: i64,
    /// The daemon polling it now, when several share the database.
    pub leased_by: Option<String>,
    /// Until when that daemon's lease holds.
    #[serde(serialize_with = "crate::store::rfc3339_opt")]
    pub leased_until: Option<i64>,
}

/// What asking to poll a source found.
#[derive(Debug, Clone, PartialEq)]
pub enum Lease {
    /// This daemon polls it now (its state, None when it has no row yet).
    Ours(Option<Box<SourceState>>),
    /// Another daemon polls it, or polled it already: look again then.
    Elsewhere {
        /// When it may be due again (Unix seconds).
        until: i64,
    },
}

/// Leases source `id` to `owner` for `secs` when it is due (or, without
/// `due_only`, whenever) and no other daemon's lease holds, for a database
/// several daemons share
/// (PostgreSQL): `SELECT … FOR UPDATE SKIP LOCKED`, so a daemon never
/// waits for another's lease. A daemon that dies loses its leases when
/// they expire. On SQLite, one daemon polls: the state is read alone.
pub fn lease(
    conn: &Connection,
    id: &str,
    (owner, now, secs): (&str, i64, i64),
    due_only: bool,
) -> Result<Lease, StoreError> {
    if !conn.is_postgres() {
        return Ok(Lease::Ours(load(conn, id)?.map(Box::new)));
    }
    let leased = conn
        .prepare_cached(&format!(
            "UPDATE sources SET leased_by = ?2, leased_until = ?4
             WHERE id = (SELECT id FROM sources WHERE id = ?1 AND (NOT ?5 OR next_check_at <= ?3)
                           AND (leased_until IS NULL OR leased_until <= ?3 OR leased_by = ?2)
                         FOR UPDATE SKIP LOCKED)
             RETURNING {COLUMNS}"
        ))?
        .query_row(params![id, owner, now, now + secs, due_only], row)
        .optional()?;
    if let Some(state) = leased {
        return Ok(Lease::Ours(Some(Box::new(state))));
    }
    let held = conn
        .prepare_cached("SELECT next_check_at, leased_until FROM sources WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get::<i64>(0)?, r.get::<Option<i64>>(1)?)))
        .optional()?;
    Ok(match held {
        None => Lease::Ours(None),
        Some((next, until)) => Lease::Elsewhere {
            until: next.max(until.unwrap_or(next)),
        },
    })
}

/// Keeps `owner`'s lease on source `id` for `secs` more while its poll
/// runs; false when the lease was lost (it expired and another daemon
/// took the source).
pub fn renew(
    conn: &Connection,
    id: &str,
    (owner, now, secs): (&str, i64, i64),
) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("UPDATE sources SET leased_until = ?3 WHERE id = ?1 AND leased_by = ?2")?
        .execute(params![id, owner, now + secs])?
        == 1)
}

/// Makes sure a configured source has a row. A source whose configured URL
/// changed starts over: its cursor and backoff no longer apply.
pub fn register(conn: &Connection, id: &str, kind: &str, url: &str) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO sources (id, kind, config_url) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET
             kind = excluded.kind,
             cursor = CASE WHEN sources.config_url = excluded.config_url
                 THEN sources.cursor ELSE '{}' END,
             error_count = CASE WHEN sources.config_url = excluded.config_url
                 THEN sources.error_count ELSE 0 END,
             next_check_at = CASE WHEN sources.config_url = excluded.config_url
                 THEN sources.next_check_at ELSE 0 END,
             config_url = excluded.config_url",
    )?
    .execute(params![id, kind, url])?;
    Ok(())
}

/// The state of one source.
pub fn load(conn: &Connection, id: &str) -> Result<Option<SourceState>, StoreError> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM sources WHERE id = ?1"),
            params![id],
            row,
        )
        .optional()?)
}

/// Every source's state, by id.
pub fn list(conn: &Connection) -> Result<Vec<SourceState>, StoreError> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM sources ORDER BY id"))?;
    let rows = stmt.query_map(params![], row)?;
    let mut out = Vec::new();
    for r in rows {
        out.push(r?);
    }
    Ok(out)
}

/// When each source is due next (Unix seconds), by id.
pub fn schedule(conn: &Connection) -> Result<std::collections::HashMap<String, i64>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id, next_check_at FROM sources")?;
    let rows = stmt.query_map(params![], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What a successful poll leaves behind.
#[derive(Debug, Clone, Copy)]
pub struct Success<'a> {
    /// Who polled it: a daemon whose lease expired meanwhile (another
    /// took the source over) leaves the source's state to that one.
    pub owner: &'a str,
    /// Where the next fetch starts.
    pub cursor: &'a Cursor,
    /// When it was polled.
    pub now: i64,
    /// When to poll next.
    pub next_check_at: i64,
    /// Items fetched.
    pub items: usize,
    /// New mentions found.
    pub mentions: usize,
    /// What needs a person's look, if anything.
    pub warning: Option<&'a str>,
}

/// Records a successful poll: the cursor, the schedule, the counters, and
/// the warning (cleared when there is none).
pub fn record_success(conn: &Connection, id: &str, done: &Success<'_>) -> Result<(), StoreError> {
    let cursor = serde_json::to_string(done.cursor).map_err(|e| StoreError::Corrupt {
        column: "sources.cursor",
        message: e.to_string(),
    })?;
    conn.prepare_cached(
        "UPDATE sources SET cursor = ?2, error_count = 0, next_check_at = ?4,
             last_polled_at = ?3, last_success_at = ?3,
             items_total = items_total + ?5, mentions_total = mentions_total + ?6,
             polls_total = polls_total + 1, warning = ?7,
             leased_by = NULL, leased_until = NULL
         WHERE id = ?1 AND (leased_by IS NULL OR leased_by = ?8)",
    )?
    .execute(params![
        id,
        cursor,
        done.now,
        done.next_check_at,
        done.items as i64,
        done.mentions as i64,
        done.warning,
        done.owner
    ])?;
    Ok(())
}

/// Records a failed poll by `owner` (see [`Success::owner`]); the error
/// count goes up by one.
pub fn record_failure(
    conn: &Connection,
    id: &str,
    (owner, error): (&str, &str),
    now: i64,
    next_check_at: i64,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE sources SET error_count = error_count + 1, next_check_at = ?4,
             last_polled_at = ?3, last_error = ?2, last_error_at = ?3,
             polls_total = polls_total + 1, failures_total = failures_total + 1,
             leased_by = NULL, leased_until = NULL
         WHERE id = ?1 AND (leased_by IS NULL OR leased_by = ?5)",
    )?
    .execute(params![id, error, now, next_check_at, owner])?;
    Ok(())
}

const COLUMNS: &str = "id, kind, config_url, cursor, error_count, next_check_at,
    last_polled_at, last_success_at, last_error, last_error_at, items_total, mentions_total,
    warning, polls_total, failures_total, leased_by, leased_until";

fn row(r: &Row<'_>) -> crate::store::db::Result<SourceState> {
    Ok(SourceState {
        id: r.get(0)?,
        kind: r.get(1)?,
        config_url: r.get(2)?,
        cursor: json_column(r, 3)?,
        error_count: r.get(4)?,
        next_check_at: r.get(5)?,
        last_polled_at: r.get(6)?,
        last_success_at: r.get(7)?,
        last_error: r.get(8)?,
        last_error_at: r.get(9)?,
        items_total: r.get(10)?,
        mentions_total: r.get(11)?,
        warning: r.get(12)?,
        polls_total: r.get(13)?,
        failures_total: r.get(14)?,
        leased_by: r.get(15)?,
        leased_until: r.get(16)?,
    })
}
