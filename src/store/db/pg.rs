//! PostgreSQL under the store's SQLite-shaped API: placeholders rewritten,
//! parameters converted to the types the planner wants, columns read back
//! as the values SQLite would have returned.

use std::cell::{self, RefCell};
use std::collections::HashMap;
use std::error::Error as StdError;
use std::path::Path;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use postgres::types::{to_sql_checked, FromSql as PgFromSql, IsNull, ToSql as PgToSql, Type};
use rusqlite::types::{FromSql, ToSql, ToSqlOutput, ValueRef};

use super::{Error, Result};

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

/// A parameter as PostgreSQL takes it.
#[derive(Debug)]
enum Value {
    Null,
    Bool(bool),
    I16(i16),
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
    Text(String),
    Bytes(Vec<u8>),
}

/// Converts each of `params` to the type the statement's planner inferred
/// for its placeholder.
fn bind<T: ToSql>(stmt: &postgres::Statement, params: &[T]) -> Result<Vec<Value>> {
    let types = stmt.params();
    if types.len() != params.len() {
        return Err(Error::Parameters(format!(
            "the statement takes {} parameters, {} given",
            types.len(),
            params.len()
        )));
    }
    params
        .iter()
        .zip(types)
        .enumerate()
        .map(|(index, (param, ty))| {
            let out = param.to_sql()?;
            let value = match &out {
                ToSqlOutput::Borrowed(value) => *value,
                ToSqlOutput::Owned(value) => ValueRef::from(value),
                _ => return Err(mismatch(index, "a zero blob", ty)),
            };
            convert(value, ty).ok_or_else(|| mismatch(index, value.data_type(), ty))
        })
        .collect()
}

fn mismatch(index: usize, what: impl std::fmt::Display, ty: &Type) -> Error {
    Error::Parameters(format!(
        "parameter {} is {what}, the query wants {ty}",
        index + 1
    ))
}

fn convert(value: ValueRef<'_>, ty: &Type) -> Option<Value> {
    let text = |s: String| Some(Value::Text(s));
    match value {
        ValueRef::Null => Some(Value::Null),
        ValueRef::Integer(i) => match *ty {
            Type::INT8 => Some(Value::I64(i)),
            Type::INT4 => i32::try_from(i).ok().map(Value::I32),
            Type::INT2 => i16::try_from(i).ok().map(Value::I16),
            Type::FLOAT8 => Some(Value::F64(i as f64)),
            Type::FLOAT4 => Some(Value::F32(i as f32)),
            Type::BOOL => Some(Value::Bool(i != 0)),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => text(i.to_string()),
            _ => None,
        },
        ValueRef::Real(f) => match *ty {
            Type::FLOAT8 => Some(Value::F64(f)),
            Type::FLOAT4 => Some(Value::F32(f as f32)),
            Type::INT8 if f.fract() == 0.0 => Some(Value::I64(f as i64)),
            Type::TEXT | Type::VARCHAR => text(f.to_string()),
            _ => None,
        },
        ValueRef::Text(bytes) => {
            let s = std::str::from_utf8(bytes).ok()?;
            match *ty {
                Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME => text(s.to_owned()),
                Type::INT8 => s.trim().parse().ok().map(Value::I64),
                Type::BYTEA => Some(Value::Bytes(bytes.to_vec())),
                _ => None,
            }
        }
        ValueRef::Blob(bytes) => match *ty {
            Type::BYTEA => Some(Value::Bytes(bytes.to_vec())),
            _ => None,
        },
    }
}

impl PgToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Bool(v) => PgToSql::to_sql(v, ty, out),
            Value::I16(v) => PgToSql::to_sql(v, ty, out),
            Value::I32(v) => PgToSql::to_sql(v, ty, out),
            Value::I64(v) => PgToSql::to_sql(v, ty, out),
            Value::F32(v) => PgToSql::to_sql(v, ty, out),
            Value::F64(v) => PgToSql::to_sql(v, ty, out),
            Value::Text(v) => PgToSql::to_sql(v, ty, out),
            Value::Bytes(v) => PgToSql::to_sql(v, ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// Column `index` of `row`, as SQLite would have given it.
pub(super) fn column<T: FromSql>(row: &postgres::Row, index: usize) -> Result<T> {
    let cell: Cell = row.try_get(index)?;
    let value = match &cell {
        Cell::Null => ValueRef::Null,
        Cell::Integer(i) => ValueRef::Integer(*i),
        Cell::Real(f) => ValueRef::Real(*f),
        Cell::Text(s) => ValueRef::Text(s.as_bytes()),
        Cell::Blob(b) => ValueRef::Blob(b),
    };
    T::column_result(value).map_err(|error| Error::Column {
        index,
        message: error.to_string(),
    })
}

/// A column's value in SQLite's five kinds.
enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl<'a> PgFromSql<'a> for Cell {
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Cell, Box<dyn StdError + Sync + Send>> {
        Ok(match *ty {
            Type::INT8 => Cell::Integer(i64::from_sql(ty, raw)?),
            Type::INT4 => Cell::Integer(i32::from_sql(ty, raw)?.into()),
            Type::INT2 => Cell::Integer(i16::from_sql(ty, raw)?.into()),
            Type::BOOL => Cell::Integer(bool::from_sql(ty, raw)?.into()),
            Type::FLOAT8 => Cell::Real(f64::from_sql(ty, raw)?),
            Type::FLOAT4 => Cell::Real(f32::from_sql(ty, raw)?.into()),
            Type::NUMERIC => numeric(raw)?,
            Type::BYTEA => Cell::Blob(raw.to_vec()),
            _ => Cell::Text(String::from_sql(ty, raw)?),
        })
    }

    fn from_sql_null(_: &Type) -> Result<Cell, Box<dyn StdError + Sync + Send>> {
        Ok(Cell::Null)
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A `numeric` (what `SUM` of integers returns) as an integer when it is
/// one, else as a float. The binary form: digit count, weight of the
/// first digit (in powers of 10,000), sign, display scale, then base-10,000
/// digits.
fn numeric(raw: &[u8]) -> Result<Cell, Box<dyn StdError + Sync + Send>> {
    let word = |i: usize| -> Result<u16, Box<dyn StdError + Sync + Send>> {
        raw.get(i * 2..i * 2 + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| "a truncated numeric".into())
    };
    let (count, weight, sign) = (word(0)? as usize, word(1)? as i16, word(2)?);
    if sign == 0xC000 {
        return Ok(Cell::Real(f64::NAN));
    }
    let mut whole: i128 = 0;
    let mut value = 0.0f64;
    let mut exact = true;
    for i in 0..count {
        let digit = word(4 + i)?;
        let power = i32::from(weight) - i as i32;
        value += f64::from(digit) * 10_000f64.powi(power);
        match u32::try_from(power) {
            Ok(power) => {
                whole = whole.saturating_add(i128::from(digit) * 10_000i128.saturating_pow(power))
            }
            Err(_) => exact &= digit == 0,
        }
    }
    let negative = sign == 0x4000;
    match i64::try_from(whole) {
        Ok(whole) if exact => Ok(Cell::Integer(if negative { -whole } else { whole })),
        _ => Ok(Cell::Real(if negative { -value } else { value })),
    }
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

    #[test]
    fn numerics_read_as_integers_when_whole() {
        // 123456789 = 1·10000² + 2345·10000 + 6789; weight 2.
        let raw: Vec<u8> = [3u16, 2, 0, 0, 1, 2345, 6789]
            .iter()
            .flat_map(|w| w.to_be_bytes())
            .collect();
        assert!(matches!(numeric(&raw), Ok(Cell::Integer(123_456_789))));
        // -2.5 = 2·10000⁰ + 5000·10000⁻¹; negative; scale 1.
        let raw: Vec<u8> = [2u16, 0, 0x4000, 1, 2, 5000]
            .iter()
            .flat_map(|w| w.to_be_bytes())
            .collect();
        assert!(matches!(numeric(&raw), Ok(Cell::Real(v)) if v == -2.5));
        // Zero has no digits.
        let raw: Vec<u8> = [0u16, 0, 0, 0]
            .iter()
            .flat_map(|w| w.to_be_bytes())
            .collect();
        assert!(matches!(numeric(&raw), Ok(Cell::Integer(0))));
    }
}
