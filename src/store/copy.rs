//! Moving an installation from its SQLite file to a PostgreSQL database
//! (`vigia migrate`): every table the daemon keeps, in one transaction,
//! then the counts compared.

use rusqlite::types::Value;

use super::db::{params, Connection};
use super::{Store, StoreError};

/// The tables copied, parents before children, and the ones whose `id`
/// PostgreSQL numbers (its sequence moves past the copied ids). Left out:
/// SQLite's full-text index (PostgreSQL's is a generated column) and the
/// per-brand counters (PostgreSQL's triggers count the copied mentions).
const TABLES: &[(&str, bool)] = &[
    ("sources", false),
    ("subjects", true),
    ("mentions", true),
    ("sightings", true),
    ("mention_teams", false),
    ("mention_events", true),
    ("outbox", true),
    ("alert_queue", true),
    ("spikes", true),
    ("heartbeat", false),
    ("mail_pause", false),
    ("store_info", false),
    ("subject_features", false),
    ("subject_hours", false),
    ("web_logins", false),
    ("web_sessions", false),
    ("web_link_uses", false),
    ("exclusion_proposals", true),
    ("web_users", false),
    ("reply_mails", true),
    ("replies_read", false),
    ("web_passwords", false),
    ("web_password_failures", false),
    ("mention_buckets", false),
];

/// Why a copy was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    /// The target already holds an installation.
    #[error(
        "the target database already holds {0} mentions and sources; migrate into an empty one"
    )]
    NotEmpty(i64),
    /// A table's rows did not all arrive.
    #[error("{table}: {from} rows in the file, {to} in the target")]
    Count {
        /// The table.
        table: String,
        /// Rows in SQLite.
        from: i64,
        /// Rows in PostgreSQL.
        to: i64,
    },
    /// Reading or writing failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Copies every table of `from` (a SQLite store, read as of one moment)
/// into `to` (an empty PostgreSQL store) in one transaction, committed
/// only once each table holds as many rows on both sides. Returns the
/// counts. The rows are read into memory first (a 2,000-feed store's
/// month is some tens of MB).
pub fn copy(from: &Store, to: &Store) -> Result<Vec<(&'static str, i64)>, CopyError> {
    // One moment's rows, whatever a daemon still writes meanwhile.
    let (tables, sizes) = from.call_blocking(|c| c.snapshot(|c| Ok((read_all(c)?, counts(c)?))))?;
    to.call_blocking(move |c| {
        let tx = c.transaction()?;
        // This commit waits for the server's disk: the file may be
        // retired once the move says it is done.
        tx.execute_batch("SET LOCAL synchronous_commit = on")?;
        let there: i64 = tx.query_row(
            "SELECT (SELECT COUNT(*) FROM mentions) + (SELECT COUNT(*) FROM sources)",
            params![],
            |r| r.get(0),
        )?;
        if there > 0 {
            return Ok(Err(CopyError::NotEmpty(there)));
        }
        for ((table, numbered), (columns, rows)) in TABLES.iter().zip(&tables) {
            // The new database's own row (when it was made) gives way.
            tx.execute(&format!("DELETE FROM {table}"), params![])?;
            let marks: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
            let mut insert = tx.prepare(&format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                columns.join(", "),
                marks.join(", ")
            ))?;
            for row in rows {
                insert.execute(row.as_slice())?;
            }
            if *numbered {
                tx.query_row(
                    &format!(
                        "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                                       COALESCE(MAX(id), 0) + 1, false) FROM {table}"
                    ),
                    params![],
                    |_| Ok(()),
                )?;
            }
        }
        // Compared before the commit: a short copy leaves nothing behind.
        for ((table, n), (_, m)) in sizes.iter().zip(&counts(&tx)?) {
            if n != m {
                return Ok(Err(CopyError::Count {
                    table: table.to_string(),
                    from: *n,
                    to: *m,
                }));
            }
        }
        tx.commit()?;
        Ok(Ok(sizes))
    })?
}

/// Each table's column names and rows, in [`TABLES`]' order.
type Tables = Vec<(Vec<String>, Vec<Vec<Value>>)>;

fn read_all(conn: &Connection) -> Result<Tables, StoreError> {
    let mut out = Vec::new();
    for (table, _) in TABLES {
        let columns: Vec<String> = conn
            .prepare(&format!(
                "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
            ))?
            .query_map(params![], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let mut stmt = conn.prepare(&format!("SELECT {} FROM {table}", columns.join(", ")))?;
        let rows = stmt
            .query_map(params![], |r| {
                (0..columns.len()).map(|i| r.get::<Value>(i)).collect()
            })?
            .collect::<Result<_, _>>()?;
        out.push((columns, rows));
    }
    Ok(out)
}

/// Rows per table, and the per-brand counters (kept by triggers on both
/// sides, so they agree only when every mention arrived).
fn counts(conn: &Connection) -> Result<Vec<(&'static str, i64)>, StoreError> {
    let mut out = Vec::new();
    for (table, _) in TABLES {
        let n = conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), params![], |r| {
            r.get(0)
        })?;
        out.push((*table, n));
    }
    let counted = conn.query_row(
        "SELECT COALESCE(SUM(n), 0) FROM mention_counts",
        params![],
        |r| r.get(0),
    )?;
    out.push(("mention_counts", counted));
    Ok(out)
}
