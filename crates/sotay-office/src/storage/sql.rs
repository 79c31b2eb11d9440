//! One SQL text for both backends, for the dashboard's queries. The sync path is tuned per
//! backend (`sqlite.rs`, `postgres.rs`); the dashboard's reads and small writes are the same
//! relational questions on both, so they are written once (in [`super::dashboard`]) against
//! [`SqlRunner`], which each backend implements in a few lines: run statements with
//! [`SqlValue`] parameters in one transaction and hand back rows of [`SqlCell`]s.
//!
//! The few places where the dialects differ are functions of [`Dialect`] (a list parameter,
//! days between two dates); parameters are written `$1` and become `?1` on SQLite.

use chrono::{DateTime, NaiveDate, Utc};
use std::future::Future;
use uuid::Uuid;

use crate::error::{OfficeError, Result};

/// Which SQL dialect a statement is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite (rusqlite).
    Sqlite,
    /// PostgreSQL (tokio-postgres).
    Postgres,
}

impl Dialect {
    /// `column` is one of the text (or uuid) list parameter `$n`.
    pub fn in_list(self, column: &str, n: usize) -> String {
        match self {
            Dialect::Sqlite => format!("{column} IN (SELECT value FROM json_each(${n}))"),
            Dialect::Postgres => format!("{column} = ANY(${n})"),
        }
    }

    /// Whole days from date expression `from` to date expression `to`.
    pub fn days_between(self, from: &str, to: &str) -> String {
        match self {
            Dialect::Sqlite => format!("CAST(julianday({to}) - julianday({from}) AS INTEGER)"),
            Dialect::Postgres => format!("CAST(({to} - {from}) AS BIGINT)"),
        }
    }

    /// A uuid column as text, to compare with a text column (PostgreSQL stores ids as `uuid`,
    /// SQLite as text already).
    pub fn uuid_text(self, column: &str) -> String {
        match self {
            Dialect::Sqlite => column.to_owned(),
            Dialect::Postgres => format!("{column}::text"),
        }
    }

    /// The `fields` object of a stored merged record (`RecordState` JSON), as JSON text: the
    /// export needs the values, not the per-field clocks.
    pub fn state_fields(self, column: &str) -> String {
        match self {
            Dialect::Sqlite => format!("json_extract({column}, '$.fields')"),
            Dialect::Postgres => format!("CAST({column}->'fields' AS TEXT)"),
        }
    }

    /// The text of `sql` with its parameters spelled for this dialect: on SQLite `$n` becomes
    /// `?n`, and only a `$` followed by a digit (a JSON path such as `'$.fields'` stays).
    pub fn finish(self, sql: &str) -> String {
        match self {
            Dialect::Postgres => sql.to_owned(),
            Dialect::Sqlite => {
                let mut out = String::with_capacity(sql.len());
                let mut chars = sql.chars().peekable();
                while let Some(c) = chars.next() {
                    if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
                        out.push('?');
                    } else {
                        out.push(c);
                    }
                }
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Dialect;

    #[test]
    fn sqlite_parameters_are_renamed_and_json_paths_kept() {
        assert_eq!(
            Dialect::Sqlite
                .finish("SELECT json_extract(s, '$.fields') FROM t WHERE a = $1 AND b = $12"),
            "SELECT json_extract(s, '$.fields') FROM t WHERE a = ?1 AND b = ?12"
        );
        assert_eq!(Dialect::Postgres.finish("a = $1"), "a = $1");
    }
}

/// A statement parameter.
#[derive(Clone, Debug, PartialEq)]
pub enum SqlValue {
    /// NULL.
    Null,
    /// Text.
    Text(String),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// A uuid (text on SQLite).
    Uuid(Uuid),
    /// A calendar date (`YYYY-MM-DD` text on SQLite).
    Date(NaiveDate),
    /// An instant (RFC 3339 text with microseconds on SQLite, as the sync tables store it).
    Ts(DateTime<Utc>),
    /// A list of text, for [`Dialect::in_list`] (a JSON array on SQLite).
    TextList(Vec<String>),
    /// A list of uuids, for [`Dialect::in_list`].
    UuidList(Vec<Uuid>),
}

impl From<&str> for SqlValue {
    fn from(v: &str) -> Self {
        SqlValue::Text(v.to_owned())
    }
}
impl From<String> for SqlValue {
    fn from(v: String) -> Self {
        SqlValue::Text(v)
    }
}
impl From<i64> for SqlValue {
    fn from(v: i64) -> Self {
        SqlValue::Int(v)
    }
}
impl From<bool> for SqlValue {
    fn from(v: bool) -> Self {
        SqlValue::Bool(v)
    }
}
impl From<Uuid> for SqlValue {
    fn from(v: Uuid) -> Self {
        SqlValue::Uuid(v)
    }
}
impl From<NaiveDate> for SqlValue {
    fn from(v: NaiveDate) -> Self {
        SqlValue::Date(v)
    }
}
impl From<DateTime<Utc>> for SqlValue {
    fn from(v: DateTime<Utc>) -> Self {
        SqlValue::Ts(v)
    }
}
impl<T: Into<SqlValue>> From<Option<T>> for SqlValue {
    fn from(v: Option<T>) -> Self {
        v.map(Into::into).unwrap_or(SqlValue::Null)
    }
}

/// The RFC 3339 text SQLite stores instants as (the same as the sync tables).
pub fn ts_text(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// A value read back.
#[derive(Clone, Debug, PartialEq)]
pub enum SqlCell {
    /// NULL.
    Null,
    /// An integer (counts, sums, amounts, booleans on SQLite).
    Int(i64),
    /// A float.
    Float(f64),
    /// Text (uuids, dates and instants on SQLite).
    Text(String),
    /// A uuid (PostgreSQL).
    Uuid(Uuid),
    /// A date (PostgreSQL).
    Date(NaiveDate),
    /// An instant (PostgreSQL).
    Ts(DateTime<Utc>),
    /// A boolean (PostgreSQL).
    Bool(bool),
}

fn corrupt(what: &str, cell: &SqlCell) -> OfficeError {
    OfficeError::Corrupt(format!("expected {what}, found {cell:?}"))
}

impl SqlCell {
    /// An integer, NULL as 0 (sums and counts of nothing).
    pub fn int(&self) -> Result<i64> {
        match self {
            SqlCell::Null => Ok(0),
            SqlCell::Int(v) => Ok(*v),
            SqlCell::Bool(b) => Ok(i64::from(*b)),
            SqlCell::Float(f) => Ok(*f as i64),
            other => Err(corrupt("an integer", other)),
        }
    }
    /// An integer or None.
    pub fn opt_int(&self) -> Result<Option<i64>> {
        match self {
            SqlCell::Null => Ok(None),
            other => other.int().map(Some),
        }
    }
    /// A boolean.
    pub fn bool(&self) -> Result<bool> {
        Ok(self.int()? != 0)
    }
    /// Text or None.
    pub fn opt_text(&self) -> Result<Option<String>> {
        match self {
            SqlCell::Null => Ok(None),
            SqlCell::Text(t) => Ok(Some(t.clone())),
            SqlCell::Uuid(u) => Ok(Some(u.to_string())),
            SqlCell::Int(i) => Ok(Some(i.to_string())),
            other => Err(corrupt("text", other)),
        }
    }
    /// Text, NULL as empty.
    pub fn text(&self) -> Result<String> {
        Ok(self.opt_text()?.unwrap_or_default())
    }
    /// A uuid or None.
    pub fn opt_uuid(&self) -> Result<Option<Uuid>> {
        match self {
            SqlCell::Null => Ok(None),
            SqlCell::Uuid(u) => Ok(Some(*u)),
            SqlCell::Text(t) if t.is_empty() => Ok(None),
            SqlCell::Text(t) => Uuid::parse_str(t)
                .map(Some)
                .map_err(|_| corrupt("a uuid", self)),
            other => Err(corrupt("a uuid", other)),
        }
    }
    /// A uuid.
    pub fn uuid(&self) -> Result<Uuid> {
        self.opt_uuid()?.ok_or_else(|| corrupt("a uuid", self))
    }
    /// A date or None.
    pub fn opt_date(&self) -> Result<Option<NaiveDate>> {
        match self {
            SqlCell::Null => Ok(None),
            SqlCell::Date(d) => Ok(Some(*d)),
            SqlCell::Text(t) => NaiveDate::parse_from_str(t.get(..10).unwrap_or(t), "%Y-%m-%d")
                .map(Some)
                .map_err(|_| corrupt("a date", self)),
            other => Err(corrupt("a date", other)),
        }
    }
    /// An instant or None.
    pub fn opt_ts(&self) -> Result<Option<DateTime<Utc>>> {
        match self {
            SqlCell::Null => Ok(None),
            SqlCell::Ts(t) => Ok(Some(*t)),
            SqlCell::Text(t) => DateTime::parse_from_rfc3339(t)
                .map(|t| Some(t.with_timezone(&Utc)))
                .map_err(|_| corrupt("an instant", self)),
            other => Err(corrupt("an instant", other)),
        }
    }
    /// An instant.
    pub fn ts(&self) -> Result<DateTime<Utc>> {
        self.opt_ts()?.ok_or_else(|| corrupt("an instant", self))
    }
}

/// One row.
pub type SqlRow = Vec<SqlCell>;

/// The first row, if any.
pub fn first_row(rows: Vec<SqlRow>) -> Option<SqlRow> {
    rows.into_iter().next()
}

/// Column `i` of a row (a missing column is a corrupt answer, not a panic).
pub fn cell(row: &SqlRow, i: usize) -> Result<&SqlCell> {
    row.get(i)
        .ok_or_else(|| OfficeError::Corrupt(format!("row has no column {i}")))
}

/// One statement with its parameters.
pub type Statement = (String, Vec<SqlValue>);

/// What a backend provides for the dashboard's SQL (see the module doc).
pub trait SqlRunner: Send + Sync + 'static {
    /// The backend's dialect.
    fn dialect(&self) -> Dialect;
    /// Runs one query (written with `$n` parameters) and returns its rows.
    fn query(
        &self,
        sql: String,
        params: Vec<SqlValue>,
    ) -> impl Future<Output = Result<Vec<SqlRow>>> + Send;
    /// Runs statements in one transaction, in order; the rows each returned (empty for a
    /// statement that returns none), or nothing of it when one fails.
    fn transaction(
        &self,
        statements: Vec<Statement>,
    ) -> impl Future<Output = Result<Vec<Vec<SqlRow>>>> + Send;
}
