//! One way to run a statement on either backend, so that each statement's SQL is written once.
//!
//! The shape follows sqlx's (`query(sql).bind(v).execute(tx)`, `query_as(sql)…fetch_optional`),
//! but the statement runs on SQLite through rusqlite, in the calling task, and on PostgreSQL
//! through sqlx. Why not sqlx for SQLite too: its driver hands every statement to a worker
//! thread and waits for the answer, two thread wake-ups per statement; under load that cost most
//! of a QR login's CPU and held SQLite's single writer turn while the worker waited for a core
//! (docs/benchmarks.md, "Login"). A SQLite statement on an indexed row takes microseconds, less
//! than the hand-off itself, so it runs inline.
//!
//! Placeholders are `$1, $2…` on both backends; on SQLite, `$N` binds the N-th value (as in
//! PostgreSQL), so a value may be used twice.

use std::marker::PhantomData;

use rusqlite::types::{ToSqlOutput, Value as LiteValue, ValueRef};
use sqlx::Postgres;
use sqlx::postgres::PgRow;
use yizhao_domain::ids::LicenseId;
use yizhao_domain::member::{BackOfficeSessionState, MemberKind, MemberSessionState};

use crate::db::{Transaction, TxInner};
use crate::error::{Result, StoreError};

/// One bound value, owned, with its type (PostgreSQL needs a typed `NULL`).
#[derive(Debug, Clone)]
pub(crate) enum Value {
    I64(Option<i64>),
    Bool(Option<bool>),
    Text(Option<String>),
    Blob(Option<Vec<u8>>),
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Self::I64(Some(v)) => ToSqlOutput::Owned(LiteValue::Integer(*v)),
            Self::Bool(Some(v)) => ToSqlOutput::Owned(LiteValue::Integer(i64::from(*v))),
            Self::Text(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Self::Blob(Some(v)) => ToSqlOutput::Borrowed(ValueRef::Blob(v)),
            Self::I64(None) | Self::Bool(None) | Self::Text(None) | Self::Blob(None) => {
                ToSqlOutput::Owned(LiteValue::Null)
            }
        })
    }
}

/// What [`Query::bind`] takes: the Rust types the store's columns have.
pub(crate) trait Bind {
    fn value(self) -> Value;
}

macro_rules! bind_impls {
    ($($t:ty => |$v:ident| $e:expr;)*) => { $(impl Bind for $t { fn value(self) -> Value { let $v = self; $e } })* };
}

bind_impls! {
    i64 => |v| Value::I64(Some(v));
    Option<i64> => |v| Value::I64(v);
    &Option<i64> => |v| Value::I64(*v);
    bool => |v| Value::Bool(Some(v));
    &str => |v| Value::Text(Some(v.to_owned()));
    &String => |v| Value::Text(Some(v.clone()));
    String => |v| Value::Text(Some(v));
    Option<&str> => |v| Value::Text(v.map(str::to_owned));
    Option<String> => |v| Value::Text(v);
    &Option<String> => |v| Value::Text(v.clone());
    &[u8] => |v| Value::Blob(Some(v.to_vec()));
    &Vec<u8> => |v| Value::Blob(Some(v.clone()));
    Vec<u8> => |v| Value::Blob(Some(v));
    &Option<Vec<u8>> => |v| Value::Blob(v.clone());
    &LicenseId => |v| Value::Text(Some(v.as_str().to_owned()));
    MemberKind => |v| Value::Text(Some(v.as_str().to_owned()));
    MemberSessionState => |v| Value::Text(Some(v.name().to_owned()));
    BackOfficeSessionState => |v| Value::Text(Some(v.name().to_owned()));
}

/// A column value the store reads: decodable from both backends.
pub(crate) trait Col:
    for<'r> sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres> + rusqlite::types::FromSql
{
}
impl<T> Col for T where
    T: for<'r> sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres> + rusqlite::types::FromSql
{
}

/// A result row of either backend.
pub(crate) enum Row<'a, 'r> {
    Lite(&'a rusqlite::Row<'r>),
    Pg(&'a PgRow),
}

impl Row<'_, '_> {
    /// The column named `name`.
    pub(crate) fn get<T: Col>(&self, name: &str) -> Result<T> {
        match self {
            Self::Lite(r) => Ok(r.get(name)?),
            Self::Pg(r) => Ok(sqlx::Row::try_get(*r, name)?),
        }
    }

    /// The text column named `name`, parsed by `parse` (a domain type's stored name); a value
    /// `parse` refuses is a corrupt row.
    pub(crate) fn parsed<T>(&self, name: &str, parse: impl FnOnce(&str) -> Option<T>) -> Result<T> {
        let text: String = self.get(name)?;
        parse(&text).ok_or_else(|| StoreError::Corrupt(format!("{name} = {text:?}")))
    }

    /// The column at `index` (from 0).
    pub(crate) fn get_at<T: Col>(&self, index: usize) -> Result<T> {
        match self {
            Self::Lite(r) => Ok(r.get(index)?),
            Self::Pg(r) => Ok(sqlx::Row::try_get(*r, index)?),
        }
    }
}

/// A type a result row becomes.
pub(crate) trait FromRow: Sized {
    fn from_row(row: &Row<'_, '_>) -> Result<Self>;
}

/// Implements [`FromRow`] for a struct whose fields are named as the columns; `field as parse`
/// reads a text column through `parse` (a domain type's `parse`, see [`Row::parsed`]).
macro_rules! from_row {
    ($t:ident { $($f:ident $(as $p:path)?),* $(,)? }) => {
        impl $crate::sql::FromRow for $t {
            fn from_row(row: &$crate::sql::Row<'_, '_>) -> $crate::error::Result<Self> {
                Ok(Self { $($f: $crate::sql::from_row!(@col row, $f $(, $p)?)),* })
            }
        }
    };
    (@col $row:ident, $f:ident) => { $row.get(stringify!($f))? };
    (@col $row:ident, $f:ident, $p:path) => { $row.parsed(stringify!($f), $p)? };
}
pub(crate) use from_row;

macro_rules! tuple_from_row {
    ($($t:ident $i:tt),*) => {
        impl<$($t: Col),*> FromRow for ($($t,)*) {
            fn from_row(row: &Row<'_, '_>) -> Result<Self> {
                Ok(($(row.get_at::<$t>($i)?,)*))
            }
        }
    };
}
tuple_from_row!(A 0);
tuple_from_row!(A 0, B 1);
tuple_from_row!(A 0, B 1, C 2);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

/// A statement with its values; see [`query`] and [`query_as`].
pub(crate) struct Query<'q, O = ()> {
    sql: &'q str,
    values: Vec<Value>,
    out: PhantomData<fn() -> O>,
}

/// A statement that returns no rows (or whose rows are not read).
pub(crate) fn query(sql: &str) -> Query<'_> {
    Query {
        sql,
        values: Vec::new(),
        out: PhantomData,
    }
}

/// A statement whose rows become `O`s.
pub(crate) fn query_as<O: FromRow>(sql: &str) -> Query<'_, O> {
    Query {
        sql,
        values: Vec::new(),
        out: PhantomData,
    }
}

/// What a statement changed.
pub(crate) struct Done(u64);

impl Done {
    /// How many rows the statement inserted, updated or deleted.
    pub(crate) fn rows_affected(&self) -> u64 {
        self.0
    }
}

/// Prepares `sql` on a SQLite connection (from its statement cache) with `values` bound.
fn lite_statement<'c>(
    conn: &'c rusqlite::Connection,
    sql: &str,
    values: &[Value],
) -> Result<rusqlite::CachedStatement<'c>> {
    let mut st = conn.prepare_cached(sql)?;
    for i in 1..=st.parameter_count() {
        // `$N` is the N-th value; an anonymous `?` the next one.
        let n = match st.parameter_name(i) {
            Some(name) => name
                .strip_prefix('$')
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or_else(|| StoreError::Statement(format!("placeholder {name} in {sql}")))?,
            None => i,
        };
        let v = n
            .checked_sub(1)
            .and_then(|n| values.get(n))
            .ok_or_else(|| StoreError::Statement(format!("no value for ${n} in {sql}")))?;
        st.raw_bind_parameter(i, v)?;
    }
    Ok(st)
}

impl<'q, O> Query<'q, O> {
    /// Binds the next value (`$1`, then `$2`…).
    pub(crate) fn bind(mut self, v: impl Bind) -> Self {
        self.values.push(v.value());
        self
    }

    fn pg(&self) -> sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments> {
        let mut q = sqlx::query(self.sql);
        for v in &self.values {
            q = match v.clone() {
                Value::I64(v) => q.bind(v),
                Value::Bool(v) => q.bind(v),
                Value::Text(v) => q.bind(v),
                Value::Blob(v) => q.bind(v),
            };
        }
        q
    }

    /// Runs the statement; what it changed.
    pub(crate) async fn execute(self, tx: &mut Transaction) -> Result<Done> {
        let n = match &mut tx.inner {
            TxInner::Lite(c) => {
                lite_statement(c.conn()?, self.sql, &self.values)?.raw_execute()? as u64
            }
            TxInner::Postgres(t) => self.pg().execute(&mut **t).await?.rows_affected(),
            TxInner::PostgresOne(c) => self.pg().execute(&mut **c).await?.rows_affected(),
        };
        Ok(Done(n))
    }
}

impl<O: FromRow> Query<'_, O> {
    /// Every row.
    pub(crate) async fn fetch_all(self, tx: &mut Transaction) -> Result<Vec<O>> {
        match &mut tx.inner {
            TxInner::Lite(c) => {
                let mut st = lite_statement(c.conn()?, self.sql, &self.values)?;
                let mut rows = st.raw_query();
                let mut out = Vec::new();
                while let Some(r) = rows.next()? {
                    out.push(O::from_row(&Row::Lite(r))?);
                }
                Ok(out)
            }
            TxInner::Postgres(t) => pg_rows(self.pg().fetch_all(&mut **t).await?),
            TxInner::PostgresOne(c) => pg_rows(self.pg().fetch_all(&mut **c).await?),
        }
    }

    /// The first row, if any.
    pub(crate) async fn fetch_optional(self, tx: &mut Transaction) -> Result<Option<O>> {
        match &mut tx.inner {
            TxInner::Lite(c) => {
                let mut st = lite_statement(c.conn()?, self.sql, &self.values)?;
                let mut rows = st.raw_query();
                rows.next()?.map(|r| O::from_row(&Row::Lite(r))).transpose()
            }
            TxInner::Postgres(t) => self
                .pg()
                .fetch_optional(&mut **t)
                .await?
                .as_ref()
                .map(pg_row)
                .transpose(),
            TxInner::PostgresOne(c) => self
                .pg()
                .fetch_optional(&mut **c)
                .await?
                .as_ref()
                .map(pg_row)
                .transpose(),
        }
    }

    /// The first row; none is an error.
    pub(crate) async fn fetch_one(self, tx: &mut Transaction) -> Result<O> {
        let sql = self.sql;
        self.fetch_optional(tx)
            .await?
            .ok_or_else(|| StoreError::Statement(format!("no row from {sql}")))
    }
}

fn pg_row<O: FromRow>(r: &PgRow) -> Result<O> {
    O::from_row(&Row::Pg(r))
}

fn pg_rows<O: FromRow>(rows: Vec<PgRow>) -> Result<Vec<O>> {
    rows.iter().map(pg_row).collect()
}
