//! The names of [`crate::name`] as SQLite text, both ways.

use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use crate::name::{BrandName, SourceId, TeamName};

macro_rules! as_text {
    ($($name:ty),*) => {$(
        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }

        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                String::column_result(value).map(<$name>::from)
            }
        }
    )*};
}

as_text!(BrandName, TeamName, SourceId);
