//! The SQLite store: one file, WAL mode, versioned migrations, one writer.
//!
//! Everything the daemon remembers lives here: sources and their cursors,
//! mentions and their sightings. All access goes through [`Store`], so that
//! another backend can replace this module without touching the pipeline.
//! Async work ([`Store::call`], [`Store::write`]) runs on one thread of
//! the store's own, writes committed in groups (`store/writer.rs`);
//! [`Store::call_blocking`] runs on the caller's thread.

pub mod alerts;
pub mod db;
pub mod digest;
pub mod mentions;
pub mod metrics;
mod names;
pub mod outbox;
pub mod overview;
pub mod proposals;
pub mod replies;
pub mod sources;
pub mod spikes;
pub mod topics;
pub mod triage;
mod turn;
pub mod users;
pub mod web;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::OpenFlags;

use db::{params, Connection, OptionalExtension};

/// Versioned migrations, applied in order; the index + 1 is the version
/// recorded in `PRAGMA user_version`.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_origin.sql"),
    include_str!("migrations/0003_sentiment.sql"),
    include_str!("migrations/0004_triage.sql"),
    include_str!("migrations/0005_outbox.sql"),
    include_str!("migrations/0006_spikes.sql"),
    include_str!("migrations/0007_source_warnings.sql"),
    include_str!("migrations/0008_heartbeat.sql"),
    include_str!("migrations/0009_poll_counters.sql"),
    include_str!("migrations/0010_mention_counts.sql"),
    include_str!("migrations/0011_mention_text.sql"),
    include_str!("migrations/0012_outbox_claims.sql"),
    include_str!("migrations/0013_mail_pause.sql"),
    include_str!("migrations/0014_sighting_counts.sql"),
    include_str!("migrations/0015_store_info.sql"),
    include_str!("migrations/0016_severity_reason.sql"),
    include_str!("migrations/0017_mention_bands.sql"),
    include_str!("migrations/0018_subject_features.sql"),
    include_str!("migrations/0019_bounded_subjects.sql"),
    include_str!("migrations/0020_band_fingerprints.sql"),
    include_str!("migrations/0021_title_keys.sql"),
    include_str!("migrations/0022_split_sightings.sql"),
    include_str!("migrations/0023_web_sessions.sql"),
    include_str!("migrations/0024_link_uses.sql"),
    include_str!("migrations/0025_assign_propose.sql"),
    include_str!("migrations/0026_web_users.sql"),
    include_str!("migrations/0027_replies.sql"),
    include_str!("migrations/0028_web_passwords.sql"),
    include_str!("migrations/0029_lead_keys.sql"),
    include_str!("migrations/0030_negative_times.sql"),
    include_str!("migrations/0031_wider_bands.sql"),
    include_str!("migrations/0032_search_queue.sql"),
    include_str!("migrations/0033_band_buckets.sql"),
    include_str!("migrations/0034_mention_counters.sql"),
];

/// Prepared statements each connection keeps: every statement of the
/// poll's path, with room for the reports'.
const STATEMENT_CACHE: usize = 128;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database said no. (Not a `source`: an error chain would print
    /// its message two or three times over.)
    #[error("database error: {0}")]
    Database(db::Error),
    /// The database file could not be opened as the daemon needs it.
    #[error("cannot open the database {path}: {error}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        error: db::Error,
    },
    /// The database directory could not be created.
    #[error("cannot create {path}: {error}")]
    Io {
        /// The directory.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// The database was written by a newer Vigia.
    #[error("database schema version {found} is newer than this vigia knows ({known})")]
    TooNew {
        /// Version in the file.
        found: i64,
        /// Latest version known here.
        known: i64,
    },
    /// A value in the database could not be decoded.
    #[error("corrupt value in {column}: {message}")]
    Corrupt {
        /// Where.
        column: &'static str,
        /// What.
        message: String,
    },
    /// The blocking task panicked or was cancelled.
    #[error("store task failed: {0}")]
    Task(String),
}

impl From<db::Error> for StoreError {
    fn from(error: db::Error) -> StoreError {
        StoreError::Database(error)
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> StoreError {
        StoreError::Database(error.into())
    }
}

impl StoreError {
    /// The error, naming the database file when SQLite did not.
    fn at(self, path: &Path) -> StoreError {
        match self {
            StoreError::Database(error) => StoreError::Open {
                path: path.to_path_buf(),
                error,
            },
            other => other,
        }
    }
}

/// A handle on the database. Cheap to clone; all clones share one
/// connection, so there is exactly one writer, and one read-only
/// connection for reports that must not hold the writer up ([`Store::read`]).
#[derive(Debug, Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    reader: Arc<Mutex<Option<Connection>>>,
    path: PathBuf,
    turn: Arc<turn::Turn>,
    writer: Arc<writer::Writer>,
}

impl Store {
    /// Lets SQLite cache up to `bytes` of database pages (its default is
    /// 2 MiB): a poll that stores many mentions reads the same index pages
    /// again and again.
    pub async fn set_cache_size(&self, bytes: u64) -> Result<(), StoreError> {
        let kib = -((bytes / 1024).max(1) as i64);
        self.call(move |c| match c.sqlite() {
            Some(c) => Ok(c.pragma_update(None, "cache_size", kib)?),
            None => Ok(()),
        })
        .await
    }

    /// Empties SQLite's page caches, the writer's and the reader's: what
    /// a burst of polls filled (17.9 MB after a first cycle of 2,000
    /// feeds) is read again from the file as it is needed. SQLite frees it
    /// to the C allocator, which keeps it until [`crate::memory::trim`].
    pub async fn release_memory(&self) -> Result<(), StoreError> {
        self.call(|c| Ok(c.release_memory()?)).await?;
        let reader = self.reader.clone();
        tokio::task::spawn_blocking(move || {
            let slot = reader
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            match slot.as_ref() {
                Some(conn) => Ok(conn.release_memory()?),
                None => Ok(()),
            }
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }

    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|error| StoreError::Io {
                path: dir.to_path_buf(),
                error,
            })?;
        }
        // Two processes opening a new database at once can meet SQLITE_BUSY
        // without the busy handler (switching to WAL needs the file to
        // itself): that is transient, so try again for a few seconds.
        let mut attempt = 0;
        loop {
            match Store::connect(path) {
                Err(StoreError::Database(e)) if e.is_busy() && attempt < 100 => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                other => return other.map_err(|e| e.at(path)),
            }
        }
    }

    fn connect(path: &Path) -> Result<Store, StoreError> {
        let mut conn = rusqlite::Connection::open(path)?;
        conn.busy_handler(Some(wait_for_lock))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Each write of a batch runs in a savepoint, whose journal SQLite
        // keeps in a temporary file by default: in memory, it costs no
        // system calls (a tenth of a large first poll's CPU, measured).
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        // Storing one mention runs some 25 distinct statements; with
        // rusqlite's default cache of 16, each was prepared again.
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        migrate(&mut conn)?;
        let conn = Connection::Sqlite(conn);
        let conn = Arc::new(Mutex::new(conn));
        let turn = Arc::new(turn::Turn::open(path));
        Ok(Store {
            writer: Arc::new(writer::Writer::start(conn.clone(), turn.clone())?),
            conn,
            reader: Arc::default(),
            path: path.to_path_buf(),
            turn,
        })
    }

    /// Makes this process the daemon: before each use of the database it
    /// gives way to the commands waiting for their turn (`store/turn.rs`), so that
    /// a busy daemon never starves `vigia mentions ack`.
    pub fn give_way_to_commands(&self) {
        self.turn.give_way();
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` with the connection on the store's thread.
    pub async fn call<F, R>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(&mut Connection) -> Result<R, StoreError> + Send + 'static,
        R: Send + 'static,
    {
        let (reply, result) = tokio::sync::oneshot::channel();
        let job = move |conn: &mut Connection| {
            let _ = reply.send(f(conn));
        };
        self.writer.send(writer::Job::Call(Box::new(job))).await?;
        result.await.map_err(|_| writer::stopped())?
    }

    /// Runs `f` in a write transaction on the store's thread, committed
    /// when `f` succeeds and rolled back when it fails: the way to make
    /// several of the store's writes one (an outbox mail and the alerts it
    /// carries). Taken IMMEDIATE, so it never fails half-way for a lock.
    /// Writes queued together are committed together, each rolled back
    /// alone when it fails.
    pub async fn write<F, R>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(&Tx<'_>) -> Result<R, StoreError> + Send + 'static,
        R: Send + 'static,
    {
        self.queue_write(f).await?.await
    }

    /// Queues [`Store::write`]`(f)`, waiting only for room in the queue,
    /// and returns what waits for its commit: a caller can let go of what
    /// it holds (a fetch slot) once its write is queued.
    pub async fn queue_write<F, R>(
        &self,
        f: F,
    ) -> Result<impl std::future::Future<Output = Result<R, StoreError>>, StoreError>
    where
        F: FnOnce(&Tx<'_>) -> Result<R, StoreError> + Send + 'static,
        R: Send + 'static,
    {
        let (reply, result) = tokio::sync::oneshot::channel();
        let job = move |tx: Result<&Tx<'_>, &StoreError>| -> writer::Written {
            let outcome = tx.map_err(|e| StoreError::Task(e.to_string())).and_then(f);
            let keep = outcome.is_ok();
            let deliver: writer::Deliver = Box::new(move |committed| {
                let _ = reply.send(match (committed, outcome) {
                    (Ok(()), outcome) => outcome,
                    (Err(_), Err(error)) => Err(error),
                    (Err(error), Ok(_)) => Err(StoreError::Task(error.to_string())),
                });
            });
            writer::Written { keep, deliver }
        };
        self.writer.send(writer::Job::Write(Box::new(job))).await?;
        Ok(async move { result.await.map_err(|_| writer::stopped())? })
    }

    /// [`Store::write`] on this thread.
    pub fn write_blocking<F, R>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(&Tx<'_>) -> Result<R, StoreError>,
    {
        self.call_blocking(move |conn| in_transaction(conn, f))
    }

    /// Runs `f` with the connection on this thread.
    pub fn call_blocking<F, R>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(&mut Connection) -> Result<R, StoreError>,
    {
        let mut conn = self
            .conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let _turn = self.turn.before_use();
        f(&mut conn)
    }

    /// Runs `f` on the blocking pool with a read-only connection of its
    /// own (opened on first use): in WAL mode it reads a consistent
    /// snapshot while the writer goes on, so a long report (`/metrics`
    /// over a large database) never delays a poll or the heartbeat.
    pub async fn read<F, R>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
        R: Send + 'static,
    {
        let (reader, path) = (self.reader.clone(), self.path.clone());
        tokio::task::spawn_blocking(move || {
            let mut slot = reader
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let conn = match slot.take() {
                Some(conn) => conn,
                None => {
                    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                    let conn = rusqlite::Connection::open_with_flags(&path, flags)
                        .map_err(|e| StoreError::from(e).at(&path))?;
                    conn.busy_timeout(Duration::from_secs(10))?;
                    Connection::Sqlite(conn)
                }
            };
            let result = f(&conn);
            *slot = Some(conn);
            result
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }
}

/// SQLite's busy handler, called while another connection holds the
/// write lock: look again every 2 ms (SQLite's own handler backs off to
/// 100 ms, and a writer that is rarely idle is never found idle that
/// way), say so after 2 s, give up after a minute.
fn wait_for_lock(tries: i32) -> bool {
    std::thread::sleep(Duration::from_millis(2));
    if tries == 1000 {
        tracing::warn!("Waiting for the database: another process is writing to it.");
    }
    tries < 30_000
}

/// A write transaction of the store ([`Store::write`]): the store's
/// functions take it where they take a connection, so callers compose
/// writes without naming the database driver.
pub struct Tx<'a>(&'a Connection);

/// Runs `f` in one IMMEDIATE transaction, committed when it succeeds.
fn in_transaction<F, R>(conn: &mut Connection, f: F) -> Result<R, StoreError>
where
    F: FnOnce(&Tx<'_>) -> Result<R, StoreError>,
{
    let transaction = conn.transaction()?;
    let result = f(&Tx(&transaction))?;
    mentions::index_queued(&transaction)?;
    transaction.commit()?;
    Ok(result)
}

impl Tx<'_> {
    /// Runs `f` inside a savepoint of this transaction: what it wrote is
    /// rolled back when it fails, and the rest of the transaction is kept.
    pub fn part<R>(
        &self,
        f: impl FnOnce(&Tx<'_>) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        self.0.execute_batch("SAVEPOINT part")?;
        let result = f(self);
        let end = if result.is_ok() {
            "RELEASE part"
        } else {
            "ROLLBACK TO part; RELEASE part"
        };
        self.0.execute_batch(end)?;
        result
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.0
    }
}

/// Records the daemon's heartbeat at `now`.
pub fn beat(conn: &Connection, now: i64) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO heartbeat (id, at) VALUES (1, ?1)
         ON CONFLICT (id) DO UPDATE SET at = excluded.at",
    )?
    .execute([now])?;
    Ok(())
}

/// Applies pending migrations in one write transaction. It is taken
/// IMMEDIATE and the version read inside it, so that two processes opening
/// a new database at once (the daemon starting, `vigia mentions` run
/// beside it) migrate it once, the second waiting for the first.
fn migrate(conn: &mut rusqlite::Connection) -> Result<(), StoreError> {
    let known = MIGRATIONS.len() as i64;
    // The common case, an up-to-date database, takes no write lock.
    let current: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if current == known {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let found: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if found > known {
        return Err(StoreError::TooNew { found, known });
    }
    for sql in MIGRATIONS.iter().skip(found as usize) {
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", known)?;
    tx.commit()?;
    Ok(())
}

/// Reads a JSON-encoded column; bad JSON is a conversion error naming it.
fn json_column<T: serde::de::DeserializeOwned>(row: &db::Row<'_>, index: usize) -> db::Result<T> {
    let text: String = row.get(index)?;
    serde_json::from_str(&text).map_err(|e| db::Error::Column {
        index,
        message: format!("bad JSON: {e}"),
    })
}

/// Seconds since the Unix epoch, the store's time unit.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Seconds since a daemon last wrote its heartbeat to this store (None
/// when none ever did): how a command knows a daemon is running beside it.
pub fn heartbeat_age(conn: &Connection, now: i64) -> Result<Option<i64>, StoreError> {
    let at: Option<i64> = conn
        .query_row("SELECT at FROM heartbeat WHERE id = 1", params![], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(at.map(|at| (now - at).max(0)))
}

/// When this database began watching (Unix seconds).
pub fn created_at(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row(
        "SELECT created_at FROM store_info WHERE id = 1",
        params![],
        |r| r.get(0),
    )?)
}

/// Serializes stored Unix seconds as RFC 3339 (`2026-11-30T06:07:00+00:00`),
/// as every listing prints times: `#[serde(serialize_with = "rfc3339")]`.
pub fn rfc3339<S: serde::Serializer>(secs: &i64, s: S) -> Result<S::Ok, S::Error> {
    match chrono::DateTime::from_timestamp(*secs, 0) {
        Some(t) => s.serialize_str(&t.to_rfc3339()),
        None => s.serialize_i64(*secs),
    }
}

/// [`rfc3339`] for a time that may be missing (`null`).
pub fn rfc3339_opt<S: serde::Serializer>(secs: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match secs {
        Some(secs) => rfc3339(secs, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests;
