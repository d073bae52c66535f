//! Where a store lives and how it is opened: a SQLite file, or a
//! PostgreSQL database shared by several daemons; each migrated to the
//! schema this Vigia knows, once, however many processes open it at once.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::OpenFlags;

use super::db::{self, params, Connection};
use super::{turn, writer, Store, StoreError};
use crate::secret::PasswordSource;

/// Versioned migrations, applied in order; the index + 1 is the version
/// recorded in `PRAGMA user_version` (on PostgreSQL, in `vigia_schema`).
pub(super) const MIGRATIONS: &[&str] = &[
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
    include_str!("migrations/0035_source_leases.sql"),
    include_str!("migrations/0036_authors.sql"),
    include_str!("migrations/0037_chat_outbox.sql"),
];

/// PostgreSQL's schema as of SQLite's version [`POSTGRES_BASELINE_VERSION`]:
/// a new PostgreSQL store starts there. Each later SQLite migration gets a
/// PostgreSQL twin in [`POSTGRES_MIGRATIONS`].
const POSTGRES_BASELINE: &str = include_str!("migrations/postgres/0034_baseline.sql");

/// The SQLite version [`POSTGRES_BASELINE`] stands for.
const POSTGRES_BASELINE_VERSION: usize = 34;

/// PostgreSQL's migrations after its baseline, in order: index `i` is
/// SQLite's migration `POSTGRES_BASELINE_VERSION + i + 1`.
const POSTGRES_MIGRATIONS: &[&str] = &[
    include_str!("migrations/postgres/0035_source_leases.sql"),
    include_str!("migrations/postgres/0036_authors.sql"),
    include_str!("migrations/postgres/0037_chat_outbox.sql"),
];

/// The advisory lock under which PostgreSQL stores migrate ("vigia" in
/// ASCII): daemons starting together migrate once, the others waiting.
const MIGRATION_LOCK: i64 = 0x0076_6967_6961;

/// Prepared statements each connection keeps: every statement of the
/// poll's path, with room for the reports'.
const STATEMENT_CACHE: usize = 128;

/// Where a store's database lives.
#[derive(Clone)]
pub enum Place {
    /// A SQLite file.
    File(PathBuf),
    /// A PostgreSQL database (`postgres://user@host/db?sslmode=require`),
    /// and where its password is kept (read at each connection, so that a
    /// changed password is used when the daemon next connects).
    Postgres {
        /// The connection URL.
        url: String,
        /// The password's environment variable or file.
        password: Option<PasswordSource>,
        /// A private CA to trust beside the Mozilla roots (PEM).
        ca_file: Option<PathBuf>,
    },
}

impl std::fmt::Display for Place {
    /// The file, or the URL without its password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::File(path) => path.display().fmt(f),
            Place::Postgres { url, .. } => match url::Url::parse(url) {
                Ok(mut shown) => {
                    if shown.password().is_some() {
                        let _ = shown.set_password(Some("***"));
                    }
                    let pairs: Vec<(String, String)> = shown
                        .query_pairs()
                        .map(|(k, v)| {
                            let v = if k == "password" { "***".into() } else { v };
                            (k.into_owned(), v.into_owned())
                        })
                        .collect();
                    if !pairs.is_empty() {
                        shown.query_pairs_mut().clear().extend_pairs(pairs);
                    }
                    shown.as_str().fmt(f)
                }
                Err(_) => f.write_str("the PostgreSQL database of [storage] url"),
            },
        }
    }
}

impl Place {
    /// Whether `other` is the same database (its password may be kept
    /// elsewhere).
    pub fn same_database(&self, other: &Place) -> bool {
        match (self, other) {
            (Place::File(a), Place::File(b)) => a == b,
            (Place::Postgres { url: a, .. }, Place::Postgres { url: b, .. }) => a == b,
            _ => false,
        }
    }
}

impl std::fmt::Debug for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Place({self})")
    }
}

impl Place {
    /// Opens a connection of its own for reports, that never writes: a
    /// read-only SQLite connection, or a PostgreSQL session whose
    /// transactions are read-only.
    pub(super) fn reader(&self) -> Result<Connection, StoreError> {
        match self {
            Place::File(path) => {
                let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
                let conn = rusqlite::Connection::open_with_flags(path, flags)
                    .map_err(|e| StoreError::from(e).at(self))?;
                conn.busy_timeout(Duration::from_secs(10))?;
                Ok(Connection::Sqlite(conn))
            }
            Place::Postgres { .. } => {
                let conn = self.connect()?;
                conn.execute_batch("SET default_transaction_read_only = on")?;
                Ok(conn)
            }
        }
    }

    /// Opens `conn` again when it is closed (a PostgreSQL server that
    /// restarted): the store goes on once the server is back. When it is
    /// not back yet, `conn` stays closed and the next query says why.
    pub(super) fn reopen_if_closed(&self, conn: &mut Connection) {
        let Connection::Postgres(client) = conn else {
            return;
        };
        if client.is_closed() && client.may_reconnect() {
            match self.connect() {
                Ok(fresh) => *conn = fresh,
                Err(error) => {
                    client.reconnect_later();
                    tracing::debug!(%error, "The database is still unreachable.");
                }
            }
        }
    }

    /// A new connection: a PostgreSQL session, or the file opened again.
    pub(super) fn connect(&self) -> Result<Connection, StoreError> {
        match self {
            Place::Postgres {
                url,
                password,
                ca_file,
            } => {
                let password = match password {
                    Some(source) => Some(source.read().map_err(|error| StoreError::Password {
                        place: self.to_string(),
                        error,
                    })?),
                    None => None,
                };
                let client = db::Client::connect(url, password.as_deref(), ca_file.as_deref())
                    .map_err(|e| StoreError::from(e).at(self))?;
                Ok(Connection::Postgres(Box::new(client)))
            }
            Place::File(path) => open_file(path).map_err(|e| e.at(self)),
        }
    }
}

impl Store {
    /// Opens (creating if needed) the SQLite database at `path` and
    /// migrates it.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_at(Place::File(path.to_path_buf()))
    }

    /// Opens the database at `place` and migrates it.
    pub fn open_at(place: Place) -> Result<Store, StoreError> {
        match &place {
            Place::File(path) => {
                let conn = open_file(path).map_err(|e| e.at(&place))?;
                let turn = turn::Turn::open(path);
                Store::start(conn, place, turn)
            }
            Place::Postgres { .. } => {
                // The daemon opens its store from an async task.
                let conn = db::off_runtime(|| {
                    let conn = place.connect()?;
                    migrate_postgres(&conn).map_err(|e| e.at(&place))?;
                    Ok::<_, StoreError>(conn)
                })?;
                Store::start(conn, place, turn::Turn::none())
            }
        }
    }

    fn start(conn: Connection, place: Place, turn: turn::Turn) -> Result<Store, StoreError> {
        let conn = Arc::new(Mutex::new(conn));
        let turn = Arc::new(turn);
        let place = Arc::new(place);
        Ok(Store {
            writer: Arc::new(writer::Writer::start(
                conn.clone(),
                place.clone(),
                turn.clone(),
            )?),
            conn,
            reader: Arc::default(),
            place,
            turn,
        })
    }
}

/// Opens and migrates a SQLite file, creating it and its directory when
/// missing.
fn open_file(path: &Path) -> Result<Connection, StoreError> {
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
        match connect_file(path) {
            Err(StoreError::Database(e)) if e.is_busy() && attempt < 100 => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(50));
            }
            other => return other,
        }
    }
}

fn connect_file(path: &Path) -> Result<Connection, StoreError> {
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
    migrate_file(&mut conn)?;
    Ok(Connection::Sqlite(conn))
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

/// Applies pending migrations in one write transaction. It is taken
/// IMMEDIATE and the version read inside it, so that two processes opening
/// a new database at once (the daemon starting, `vigia mentions` run
/// beside it) migrate it once, the second waiting for the first.
fn migrate_file(conn: &mut rusqlite::Connection) -> Result<(), StoreError> {
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

/// Applies pending migrations to a PostgreSQL database in one
/// transaction, under an advisory lock: daemons starting together on a
/// new database migrate it once, the others waiting for the first and
/// then finding it done. The version is kept in `vigia_schema`.
fn migrate_postgres(conn: &Connection) -> Result<(), StoreError> {
    let known = MIGRATIONS.len() as i64;
    let tx = conn.transaction()?;
    tx.query_row("SELECT pg_advisory_xact_lock(?1)", [MIGRATION_LOCK], |_| {
        Ok(())
    })?;
    // Not a notice in every daemon's log that the table exists; and the
    // schema on the server's disk before any daemon writes to it (a
    // session's commits do not wait for it: a server crash could lose
    // the schema under a running daemon).
    tx.execute_batch("SET LOCAL client_min_messages = warning; SET LOCAL synchronous_commit = on")?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS vigia_schema (
             id      BIGINT PRIMARY KEY CHECK (id = 1),
             version BIGINT NOT NULL)",
    )?;
    let found: i64 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM vigia_schema",
        params![],
        |r| r.get(0),
    )?;
    if found > known {
        return Err(StoreError::TooNew { found, known });
    }
    if found == known {
        return Ok(());
    }
    if found == 0 {
        tx.execute_batch(POSTGRES_BASELINE)?;
    }
    let done = (found as usize).max(POSTGRES_BASELINE_VERSION) - POSTGRES_BASELINE_VERSION;
    for sql in POSTGRES_MIGRATIONS.iter().skip(done) {
        tx.execute_batch(sql)?;
    }
    tx.execute(
        "INSERT INTO vigia_schema (id, version) VALUES (1, ?1)
         ON CONFLICT (id) DO UPDATE SET version = excluded.version",
        [known],
    )?;
    tx.commit()?;
    Ok(())
}
