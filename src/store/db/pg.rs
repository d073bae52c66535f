//! PostgreSQL under the store's SQLite-shaped API: placeholders rewritten,
//! parameters converted to the types the planner wants, columns read back
//! as the values SQLite would have returned.

use std::cell::{self, RefCell};
use std::collections::HashMap;
use std::error::Error as StdError;
use std::path::Path;
use std::time::{Duration, Instant};

use postgres::types::ToSql as PgToSql;
use rusqlite::types::ToSql;

use super::{Error, Result};
use values::bind;
pub(super) use values::column;

mod values;

/// Statements kept prepared per session: every statement of the poll's
/// path and the reports', twice over; a report's one-off queries are
/// never kept.
const STATEMENT_CACHE: usize = 256;

/// How long a closed session waits before another is tried.
const RECONNECT_AFTER: Duration = Duration::from_secs(5);

/// The advisory lock ("vigiaw" in ASCII) every write transaction takes
/// first, held until it commits or rolls back.
pub(super) const WRITE_LOCK: &str = "SELECT pg_advisory_xact_lock(130195078603127)";

/// A PostgreSQL session, used from one thread at a time.
///
/// The synchronous client runs each call on a small runtime of its own,
/// which tokio refuses to start on a thread that drives async tasks: the
/// store's queries run on its own thread or the blocking pool, and
/// opening and closing a session (which the daemon's async start and
/// shutdown do) move to a thread of their own when they must.
pub struct Client {
    client: RefCell<Option<postgres::Client>>,
    statements: RefCell<HashMap<String, postgres::Statement>>,
    /// Once closed, when to try opening a new session at the earliest.
    reconnect_at: cell::Cell<Option<Instant>>,
}

impl Drop for Client {
    fn drop(&mut self) {
        if let Some(client) = self.client.get_mut().take() {
            off_runtime(move || drop(client));
        }
    }
}

/// Runs `f` here, or on a thread of its own when this one belongs to a
/// tokio runtime (where the synchronous client may not block).
pub(in crate::store) fn off_runtime<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|scope| match scope.spawn(f).join() {
        Ok(result) => result,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

impl Client {
    /// Connects to `url` (`postgres://user@host/db?sslmode=…`), with
    /// `password` when it is kept apart from the URL. TLS is rustls's,
    /// with the Mozilla roots (and `ca_file`'s, for a private server), as
    /// for every other connection Vigia makes.
    pub fn connect(url: &str, password: Option<&str>, ca_file: Option<&Path>) -> Result<Client> {
        let mut config: postgres::Config = url.parse()?;
        if let Some(password) = password {
            config.password(password);
        }
        // A server that does not answer fails the attempt, which the
        // store tries again before its next use; one that went away
        // mid-session (a network partition) is noticed within a minute.
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config.keepalives_idle(Duration::from_secs(30));
        config.keepalives_interval(Duration::from_secs(10));
        config.keepalives_retries(3);
        // TLS that cannot be stripped by a man in the middle, unless the
        // URL says otherwise or the server is on a Unix socket.
        let on_socket = config
            .get_hosts()
            .iter()
            .all(|host| matches!(host, postgres::config::Host::Unix(_)));
        if !url.contains("sslmode=") && !on_socket {
            config.ssl_mode(postgres::config::SslMode::Require);
        }
        if config.get_application_name().is_none() {
            config.application_name("vigia");
        }
        let tls = crate::tls::client_config(ca_file).map_err(Error::Tls)?;
        let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls);
        let mut client = off_runtime(|| config.connect(tls))?;
        // A commit does not wait for the server's log to reach its disk,
        // as SQLite's store does not (synchronous=NORMAL): it survives the
        // daemon crashing; a crash of the database server may lose its
        // last fraction of a second (a mail then sent once more). Unless
        // the URL's options say otherwise; `vigia migrate` waits.
        let chosen = config
            .get_options()
            .is_some_and(|o| o.contains("synchronous_commit"));
        if !chosen {
            off_runtime(|| client.batch_execute("SET synchronous_commit = off"))?;
        }
        Ok(Client {
            client: RefCell::new(Some(client)),
            statements: RefCell::default(),
            reconnect_at: cell::Cell::default(),
        })
    }

    /// Whether the session is gone (the server restarted, the network
    /// broke): it must be opened again.
    pub fn is_closed(&self) -> bool {
        self.client
            .borrow()
            .as_ref()
            .is_none_or(postgres::Client::is_closed)
    }

    /// Whether a new session may be tried now: a server that refused or
    /// did not answer is asked again a few seconds later, not at every
    /// use of the store.
    pub fn may_reconnect(&self) -> bool {
        self.reconnect_at
            .get()
            .is_none_or(|at| Instant::now() >= at)
    }

    /// Says that a new session could not be opened now.
    pub fn reconnect_later(&self) {
        self.reconnect_at
            .set(Some(Instant::now() + RECONNECT_AFTER));
    }

    /// Runs `f` with the session.
    fn with<R>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> Result<R, postgres::Error>,
    ) -> Result<R, postgres::Error> {
        match self.client.borrow_mut().as_mut() {
            Some(client) => f(client),
            None => unreachable!("a session is closed only when dropped"),
        }
    }

    /// Prepares `sql` (SQLite's placeholders), kept when `keep`.
    pub(super) fn prepare(&self, sql: &str, keep: bool) -> Result<postgres::Statement> {
        if let Some(stmt) = self.statements.borrow().get(sql) {
            return Ok(stmt.clone());
        }
        let stmt = self
            .with(|client| client.prepare(&placeholders(sql)))
            .map_err(|error| Error::Statement {
                sql: sql
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .chars()
                    .take(160)
                    .collect(),
                error,
            })?;
        if keep {
            let mut statements = self.statements.borrow_mut();
            if statements.len() >= STATEMENT_CACHE {
                statements.clear();
            }
            statements.insert(sql.to_owned(), stmt.clone());
        }
        Ok(stmt)
    }

    pub(super) fn execute<T: ToSql>(
        &self,
        stmt: &postgres::Statement,
        params: &[T],
    ) -> Result<usize> {
        let values = bind(stmt, params)?;
        let refs: Vec<&(dyn PgToSql + Sync)> = values.iter().map(|v| v as _).collect();
        Ok(self.with(|client| client.execute(stmt, &refs))? as usize)
    }

    pub(super) fn query<T: ToSql>(
        &self,
        stmt: &postgres::Statement,
        params: &[T],
    ) -> Result<Vec<postgres::Row>> {
        let values = bind(stmt, params)?;
        let refs: Vec<&(dyn PgToSql + Sync)> = values.iter().map(|v| v as _).collect();
        Ok(self.with(|client| client.query(stmt, &refs))?)
    }

    pub(super) fn batch_execute(&self, sql: &str) -> Result<()> {
        Ok(self.with(|client| client.batch_execute(sql))?)
    }
}

/// PostgreSQL's own words: its message, detail and hint, and the SQLSTATE.
pub(super) fn describe(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut text = format!("{} ({})", db.message(), db.code().code());
            for more in [db.detail(), db.hint()].into_iter().flatten() {
                text.push_str(": ");
                text.push_str(more);
            }
            text
        }
        None => match error.source() {
            Some(source) => format!("{error}: {source}"),
            None => error.to_string(),
        },
    }
}

/// `?1` as `$1`, and each bare `?` as the next number (SQLite's rule),
/// outside quoted strings, quoted names and comments.
fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.char_indices().peekable();
    let mut highest = 0;
    while let Some((_, c)) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for (_, d) in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            '-' if chars.peek().is_some_and(|&(_, d)| d == '-') => {
                out.push(c);
                for (_, d) in chars.by_ref() {
                    out.push(d);
                    if d == '\n' {
                        break;
                    }
                }
            }
            '?' => {
                let mut number = 0usize;
                let mut digits = false;
                while let Some(&(_, d)) = chars.peek() {
                    match d.to_digit(10) {
                        Some(digit) => {
                            number = number * 10 + digit as usize;
                            digits = true;
                            chars.next();
                        }
                        None => break,
                    }
                }
                if !digits {
                    number = highest + 1;
                }
                highest = highest.max(number);
                out.push('$');
                out.push_str(&number.to_string());
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_outside_strings_and_comments() {
        assert_eq!(
            placeholders("SELECT '?1', \"a?\" FROM t WHERE a = ?1 AND b = ?12 -- ?3\n AND c = ?"),
            "SELECT '?1', \"a?\" FROM t WHERE a = $1 AND b = $12 -- ?3\n AND c = $13"
        );
        assert_eq!(placeholders("a = ? AND b = ?"), "a = $1 AND b = $2");
    }
}
