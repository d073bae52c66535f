//! One connection type over the store's two backends, SQLite (rusqlite)
//! and PostgreSQL (postgres).
//!
//! The store's queries are written once, in the SQL both accept, with
//! SQLite's numbered placeholders (`?1`, or `?` in order); PostgreSQL gets
//! them as `$1` (`db/pg.rs`). Parameters are rusqlite's [`ToSql`] values
//! and columns are read as rusqlite's [`FromSql`] types on both: on
//! PostgreSQL each parameter is converted to the type its planner infers
//! for that placeholder (an integer bound where it wants `int4`, text
//! where it wants `text`), and each column to the value SQLite would have
//! returned (`bigint` and `boolean` as integers, `numeric` sums as
//! numbers). The few queries whose text must differ ask
//! [`Connection::is_postgres`].
//!
//! The API copies rusqlite's, so a store function reads the same on
//! either backend: `conn.prepare_cached(sql)?.execute(params![a, b])?`.

mod pg;

pub(super) use pg::off_runtime;
pub use pg::Client;
pub use rusqlite::params;
pub use rusqlite::types::{FromSql, ToSql};

/// A store query's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a query failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// SQLite said no.
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL (or the connection to it) said no.
    #[error("{}", pg::describe(.0))]
    Postgres(#[from] postgres::Error),
    /// PostgreSQL could not prepare a statement (shown shortened).
    #[error("{} in `{sql}`", pg::describe(.error))]
    Statement {
        /// The statement's start.
        sql: String,
        /// Why.
        error: postgres::Error,
    },
    /// A statement's parameters are not what PostgreSQL expects.
    #[error("{0}")]
    Parameters(String),
    /// TLS to the server could not be set up (its `ca_file`).
    #[error("{0}")]
    Tls(String),
    /// A query that must return a row returned none.
    #[error("the query returned no rows")]
    NoRows,
    /// A column's value is not what the store reads it as.
    #[error("column {index}: {message}")]
    Column {
        /// Its index in the row.
        index: usize,
        /// What was wrong.
        message: String,
    },
}

impl Error {
    /// Another writer holds the database (SQLite's `SQLITE_BUSY`): the
    /// operation may succeed if tried again.
    pub fn is_busy(&self) -> bool {
        matches!(self, Error::Sqlite(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::DatabaseBusy)
    }
}

/// An open database.
pub enum Connection {
    /// A SQLite file.
    Sqlite(rusqlite::Connection),
    /// A PostgreSQL session.
    Postgres(Box<Client>),
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Connection::Sqlite(conn) => conn.fmt(f),
            Connection::Postgres(_) => f.write_str("Connection::Postgres"),
        }
    }
}

impl Connection {
    /// The SQLite connection, when that is the backend: for what only
    /// SQLite has (pragmas, its full-text index).
    pub fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match self {
            Connection::Sqlite(conn) => Some(conn),
            Connection::Postgres(_) => None,
        }
    }

    /// Whether the connection is gone for good (a PostgreSQL server that
    /// restarted, a network that broke): it must be opened again.
    pub fn is_closed(&self) -> bool {
        match self {
            Connection::Sqlite(_) => false,
            Connection::Postgres(client) => client.is_closed(),
        }
    }

    /// Whether this is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        matches!(self, Connection::Postgres(_))
    }

    /// Prepares `sql`, kept for the next call with the same text.
    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>> {
        Ok(Statement(match self {
            Connection::Sqlite(conn) => Inner::Cached(conn.prepare_cached(sql)?),
            Connection::Postgres(client) => Inner::Postgres(client, client.prepare(sql, true)?),
        }))
    }

    /// Prepares `sql` for this use only (a query built for one report).
    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        Ok(Statement(match self {
            Connection::Sqlite(conn) => Inner::Once(conn.prepare(sql)?),
            Connection::Postgres(client) => Inner::Postgres(client, client.prepare(sql, false)?),
        }))
    }

    /// Runs one statement; returns the rows it changed.
    pub fn execute<P: Params>(&self, sql: &str, params: P) -> Result<usize> {
        self.prepare(sql)?.execute(params)
    }

    /// Runs a query and maps its first row; [`Error::NoRows`] when it
    /// returned none.
    pub fn query_row<P, T, F>(&self, sql: &str, params: P, f: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        self.prepare(sql)?.query_row(params, f)
    }

    /// Runs statements without parameters, separated by semicolons.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match self {
            Connection::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Connection::Postgres(client) => client.batch_execute(sql),
        }
    }

    /// Lets go of the page cache SQLite keeps (PostgreSQL's is the
    /// server's).
    pub fn release_memory(&self) -> Result<()> {
        match self {
            Connection::Sqlite(conn) => Ok(conn.execute_batch("PRAGMA shrink_memory")?),
            Connection::Postgres(_) => Ok(()),
        }
    }

    /// Opens a write transaction, rolled back unless committed. It takes
    /// the database's one write lock at once, so that writes are one at a
    /// time whichever process makes them and none fails half-way for a
    /// lock: SQLite's (IMMEDIATE); on PostgreSQL an advisory lock that
    /// every daemon sharing the database takes, so that what a write reads
    /// before it writes (the mentions a new one may copy, the alerts not
    /// yet in a mail, a spike's cool-down) is not read by another daemon's
    /// write at the same time.
    pub fn transaction(&self) -> Result<Transaction<'_>> {
        self.execute_batch(match self {
            Connection::Sqlite(_) => "BEGIN IMMEDIATE",
            // Each statement sees what committed before it: the lock is
            // only worth having if what it waited for is then seen.
            Connection::Postgres(_) => "BEGIN ISOLATION LEVEL READ COMMITTED",
        })?;
        let transaction = Transaction {
            conn: self,
            open: true,
        };
        if self.is_postgres() {
            // Rolled back by the guard when it fails (a lock_timeout).
            transaction.execute_batch(pg::WRITE_LOCK)?;
        }
        Ok(transaction)
    }

    /// Runs `f` in a read transaction: everything it reads is of one
    /// moment, whatever commits meanwhile.
    pub fn snapshot<R>(
        &self,
        f: impl FnOnce(&Connection) -> Result<R, super::StoreError>,
    ) -> Result<R, super::StoreError> {
        self.execute_batch(match self {
            Connection::Sqlite(_) => "BEGIN DEFERRED",
            Connection::Postgres(_) => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        })?;
        match f(self) {
            Ok(value) => {
                self.execute_batch("COMMIT")?;
                Ok(value)
            }
            // Its own error says more than a failed rollback's would.
            Err(error) => {
                let _ = self.execute_batch("ROLLBACK");
                Err(error)
            }
        }
    }
}

/// A write transaction ([`Connection::transaction`]).
pub struct Transaction<'c> {
    conn: &'c Connection,
    open: bool,
}

impl Transaction<'_> {
    /// Makes its writes durable.
    pub fn commit(mut self) -> Result<()> {
        // A COMMIT that fails (a full disk) leaves the transaction to the
        // guard, which rolls it back.
        self.conn.execute_batch("COMMIT")?;
        self.open = false;
        Ok(())
    }
}

impl std::ops::Deref for Transaction<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// A prepared statement.
pub struct Statement<'c>(Inner<'c>);

enum Inner<'c> {
    Cached(rusqlite::CachedStatement<'c>),
    Once(rusqlite::Statement<'c>),
    Postgres(&'c Client, postgres::Statement),
}

impl Statement<'_> {
    /// Runs it; returns the rows it changed.
    pub fn execute<P: Params>(&mut self, params: P) -> Result<usize> {
        let sqlite = |stmt: &mut rusqlite::Statement<'_>| {
            Ok(stmt.execute(rusqlite::params_from_iter(params.slice()))?)
        };
        match &mut self.0 {
            Inner::Cached(stmt) => sqlite(stmt),
            Inner::Once(stmt) => sqlite(stmt),
            Inner::Postgres(client, stmt) => client.execute(stmt, params.slice()),
        }
    }

    /// Runs it and maps its first row; [`Error::NoRows`] when it
    /// returned none.
    pub fn query_row<P, T, F>(&mut self, params: P, f: F) -> Result<T>
    where
        P: Params,
        F: FnOnce(&Row<'_>) -> Result<T>,
    {
        let mut f = Some(f);
        let mut rows = self.query_map(params, |row| match f.take() {
            Some(f) => f(row),
            None => Err(Error::NoRows),
        })?;
        rows.next().unwrap_or(Err(Error::NoRows))
    }

    /// Runs it and maps each row.
    pub fn query_map<P, T, F>(&mut self, params: P, f: F) -> Result<MappedRows<'_, F>>
    where
        P: Params,
        F: FnMut(&Row<'_>) -> Result<T>,
    {
        let rows = match &mut self.0 {
            Inner::Cached(stmt) => {
                Rows::Sqlite(stmt.query(rusqlite::params_from_iter(params.slice()))?)
            }
            Inner::Once(stmt) => {
                Rows::Sqlite(stmt.query(rusqlite::params_from_iter(params.slice()))?)
            }
            Inner::Postgres(client, stmt) => {
                Rows::Postgres(client.query(stmt, params.slice())?.into_iter())
            }
        };
        Ok(MappedRows { rows, f })
    }
}

/// The rows of a query, each mapped as it is read.
pub struct MappedRows<'s, F> {
    rows: Rows<'s>,
    f: F,
}

enum Rows<'s> {
    Sqlite(rusqlite::Rows<'s>),
    Postgres(std::vec::IntoIter<postgres::Row>),
}

impl<T, F> Iterator for MappedRows<'_, F>
where
    F: FnMut(&Row<'_>) -> Result<T>,
{
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        let MappedRows { rows, f } = self;
        match rows {
            Rows::Sqlite(rows) => match rows.next() {
                Ok(Some(row)) => Some(f(&Row::Sqlite(row))),
                Ok(None) => None,
                Err(error) => Some(Err(error.into())),
            },
            Rows::Postgres(rows) => rows.next().map(|row| f(&Row::Postgres(&row))),
        }
    }
}

/// One row of a result.
pub enum Row<'r> {
    /// SQLite's.
    Sqlite(&'r rusqlite::Row<'r>),
    /// PostgreSQL's.
    Postgres(&'r postgres::Row),
}

impl Row<'_> {
    /// The value of column `index`, as SQLite would give it.
    pub fn get<T: FromSql>(&self, index: usize) -> Result<T> {
        match self {
            Row::Sqlite(row) => Ok(row.get(index)?),
            Row::Postgres(row) => pg::column(row, index),
        }
    }

    /// Runs `f` on column `index`'s text, without copying it.
    pub fn with_str<R>(&self, index: usize, f: impl FnOnce(&str) -> R) -> Result<R> {
        match self {
            Row::Sqlite(row) => Ok(f(row
                .get_ref(index)?
                .as_str()
                .map_err(rusqlite::Error::from)?)),
            Row::Postgres(row) => Ok(f(row.try_get::<_, &str>(index)?)),
        }
    }
}

/// What a statement is bound to: an array or slice of values, or
/// [`params!`]'s list of differently typed ones.
pub trait Params {
    /// One value.
    type Value: ToSql;

    /// The values, in placeholder order.
    fn slice(&self) -> &[Self::Value];
}

impl<T: ToSql, const N: usize> Params for [T; N] {
    type Value = T;

    fn slice(&self) -> &[T] {
        self
    }
}

impl<T: ToSql> Params for &[T] {
    type Value = T;

    fn slice(&self) -> &[T] {
        self
    }
}

impl<T: ToSql> Params for Vec<T> {
    type Value = T;

    fn slice(&self) -> &[T] {
        self
    }
}

/// [`Result::optional`]-style: a query that found nothing is `None`.
pub trait OptionalExtension<T> {
    /// `Ok(None)` for [`Error::NoRows`].
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(Error::NoRows | Error::Sqlite(rusqlite::Error::QueryReturnedNoRows)) => Ok(None),
            Err(error) => Err(error),
        }
    }
}
