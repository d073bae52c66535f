//! Values between the store and PostgreSQL: each parameter converted to
//! the type the planner inferred for its placeholder, each column read
//! back as the value SQLite would have returned.

use std::error::Error as StdError;

use bytes::BytesMut;
use postgres::types::{to_sql_checked, FromSql as PgFromSql, IsNull, ToSql as PgToSql, Type};
use rusqlite::types::{FromSql, ToSql, ToSqlOutput, ValueRef};

use super::super::{Error, Result};

/// A parameter as PostgreSQL takes it.
#[derive(Debug)]
pub(super) enum Value {
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
pub(super) fn bind<T: ToSql>(stmt: &postgres::Statement, params: &[T]) -> Result<Vec<Value>> {
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
pub(in crate::store::db) fn column<T: FromSql>(row: &postgres::Row, index: usize) -> Result<T> {
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
