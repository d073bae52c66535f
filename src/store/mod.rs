//! The store: a SQLite file (one file, WAL mode, one writer) or a
//! PostgreSQL database several daemons share (`store/open.rs`), with
//! versioned migrations and the same queries on both (`store/db`).
//!
//! Everything the daemon remembers lives here: sources and their cursors,
//! mentions and their sightings. All access goes through [`Store`]: no
//! other module speaks SQL.
//! Async work ([`Store::call`], [`Store::write`]) runs on one thread of
//! the store's own, writes committed in groups (`store/writer.rs`);
//! [`Store::call_blocking`] runs on the caller's thread.

pub mod alerts;
pub mod copy;
pub mod db;
pub mod digest;
pub mod mentions;
pub mod metrics;
mod names;
mod open;
pub mod outbox;
pub mod overview;
pub mod proposals;
pub mod replies;
pub mod sources;
pub mod spikes;
#[cfg(test)]
mod suite;
#[cfg(test)]
pub mod testing;
pub mod topics;
pub mod triage;
mod turn;
pub mod users;
pub mod web;
mod writer;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use db::{params, Connection, OptionalExtension};
pub use open::Place;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database said no. (Not a `source`: an error chain would print
    /// its message two or three times over.)
    #[error("database error: {0}")]
    Database(db::Error),
    /// The database file could not be opened as the daemon needs it.
    #[error("cannot open the database {place}: {error}")]
    Open {
        /// The file, or the URL without its password.
        place: String,
        /// Why.
        error: db::Error,
    },
    /// The database's password could not be read.
    #[error("cannot open the database {place}: {error}")]
    Password {
        /// The URL, without a password.
        place: String,
        /// Why (never the password).
        error: crate::secret::SecretError,
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
    /// The error, naming the database (file or URL) when the driver did not.
    fn at(self, place: &Place) -> StoreError {
        match self {
            StoreError::Database(error) => StoreError::Open {
                place: place.to_string(),
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
    place: Arc<Place>,
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

    /// Makes this process the daemon: before each use of the database it
    /// gives way to the commands waiting for their turn (`store/turn.rs`), so that
    /// a busy daemon never starves `vigia mentions ack`.
    pub fn give_way_to_commands(&self) {
        self.turn.give_way();
    }

    /// Whether several daemons may share this database (PostgreSQL): they
    /// then lease the work they do.
    pub fn is_shared(&self) -> bool {
        matches!(*self.place, Place::Postgres { .. })
    }

    /// Where the database is.
    pub fn place(&self) -> &Place {
        &self.place
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
    /// carries). It takes the write lock first, so it never fails half-way for
    /// a lock.
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
        self.place.reopen_if_closed(&mut conn);
        f(&mut conn)
    }

    /// Runs `f` on the blocking pool with a read-only connection of its
    /// own (opened on first use): it reads while the writer goes on
    /// (SQLite's WAL; a session of its own on PostgreSQL), so a long report (`/metrics`
    /// over a large database) never delays a poll or the heartbeat.
    pub async fn read<F, R>(&self, f: F) -> Result<R, StoreError>
    where
        F: FnOnce(&Connection) -> Result<R, StoreError> + Send + 'static,
        R: Send + 'static,
    {
        let (reader, place) = (self.reader.clone(), self.place.clone());
        tokio::task::spawn_blocking(move || {
            let mut slot = reader
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let conn = match slot.take() {
                Some(conn) if !conn.is_closed() => conn,
                _ => place.reader()?,
            };
            let result = f(&conn);
            *slot = Some(conn);
            result
        })
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
    }
}

/// A write transaction of the store ([`Store::write`]): the store's
/// functions take it where they take a connection, so callers compose
/// writes without naming the database driver.
pub struct Tx<'a>(&'a Connection);

/// Runs `f` in one write transaction, committed when it succeeds.
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
