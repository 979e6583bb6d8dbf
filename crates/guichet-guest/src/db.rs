//! A component's own SQLite database, over `spin:sqlite/sqlite@3.0.0` (`spin_sdk::sqlite3`).
//!
//! Every component has its own database label (granted in spin.toml, defined in the runtime
//! config), so no component can read another's data. SQL is always parameterised: values go in
//! `params`, never into the statement text.
//!
//! The sqlite interface runs one statement per call, so a migration is one statement.
//!
//! Rows are read by column name ([`Row::get`], [`FromRow`]): a column missing from the
//! result, or holding a value of another type, is a [`RowError`] naming the column, never a
//! panic nor a silently shifted value when a `SELECT` list changes.

use anyhow::{anyhow, Context as _};
pub use spin_sdk::sqlite3::{Connection, QueryResult, RowResult, Value};

/// Current UTC time as RFC 3339 (`2026-01-31T12:00:00Z`), from SQLite's clock so that
/// timestamps written by a statement and by the component agree.
pub const NOW_RFC3339: &str = "strftime('%Y-%m-%dT%H:%M:%SZ','now')";

/// Opens the database `label`. No statement runs here: [`migrate`] reads the schema version
/// (one statement on the common path) and tunes a new or upgraded database.
///
/// Spin creates databases with SQLite's rollback journal and a sync on every commit, which makes
/// writes about five times slower under load (see docs/spin-facts.md). WAL is a property of the
/// file, so [`migrate`] sets it once, when it creates or upgrades the database;
/// `synchronous=NORMAL` (safe with WAL: a power cut can lose the last commits but never corrupts
/// the file) is per connection: Guichet's host sets it on every connection it opens to a WAL
/// file, and on real Spin a connection that did not migrate keeps SQLite's default (FULL: a sync
/// on every commit, slower, never less durable).
pub fn open(label: &str) -> anyhow::Result<Connection> {
    Connection::open(label).map_err(|e| anyhow!("opening SQLite database {label:?}: {e:?}"))
}

/// Makes the file WAL (once per database) and this connection `synchronous=NORMAL`.
fn tune(conn: &Connection) -> anyhow::Result<()> {
    let mode = query(conn, "PRAGMA journal_mode", &[]).context("reading journal_mode")?;
    if first_text(&mode).as_deref() != Some("wal") {
        switch_to_wal(conn)?;
    }
    exec(conn, "PRAGMA synchronous=NORMAL", &[]).context("setting synchronous=NORMAL")
}

/// How many times a request tries to switch a new database to WAL before giving up.
const WAL_ATTEMPTS: u32 = 40;

/// Switches the file to WAL. Switching needs the database to itself for a moment, and SQLite
/// answers SQLITE_BUSY at once (without waiting) when two connections race for it, as the
/// first requests after a start do: each loser waits a little and looks again, and finds the
/// switch done by the winner, or makes it once the others are gone.
fn switch_to_wal(conn: &Connection) -> anyhow::Result<()> {
    let mut attempt = 0;
    loop {
        let error = match exec(conn, "PRAGMA journal_mode=WAL", &[]) {
            Ok(()) => return Ok(()),
            Err(error) => error,
        };
        let now = query(conn, "PRAGMA journal_mode", &[]).context("reading journal_mode")?;
        if first_text(&now).as_deref() == Some("wal") {
            return Ok(());
        }
        attempt += 1;
        if attempt >= WAL_ATTEMPTS {
            return Err(error.context("switching to WAL"));
        }
        std::thread::sleep(std::time::Duration::from_millis(
            5 * u64::from(attempt.min(10)),
        ));
    }
}

/// Runs one statement and returns its rows.
pub fn query(conn: &Connection, sql: &str, params: &[Value]) -> anyhow::Result<QueryResult> {
    conn.execute(sql, params)
        .map_err(|e| anyhow!("SQL error {e:?} in: {sql}"))
}

/// Runs one statement whose rows, if any, are not needed.
pub fn exec(conn: &Connection, sql: &str, params: &[Value]) -> anyhow::Result<()> {
    query(conn, sql, params).map(drop)
}

/// Runs `work` inside `BEGIN IMMEDIATE … COMMIT`, rolling back if it fails.
///
/// IMMEDIATE takes the write lock at the start, so two instances racing on the same rows
/// serialise instead of failing half-way with SQLITE_BUSY on upgrade from a read lock.
pub fn transaction<T>(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    exec(conn, "BEGIN IMMEDIATE", &[])?;
    match work(conn) {
        Ok(value) => {
            if let Err(error) = exec(conn, "COMMIT", &[]) {
                rollback(conn);
                return Err(error);
            }
            Ok(value)
        }
        Err(error) => {
            rollback(conn);
            Err(error)
        }
    }
}

fn rollback(conn: &Connection) {
    if let Err(error) = exec(conn, "ROLLBACK", &[]) {
        eprintln!("rollback failed: {error:#}");
    }
}

/// Brings the schema up to date and returns its version (the number of migrations applied,
/// 1-based: `migrations[0]` is version 1).
///
/// The version lives in SQLite's `user_version` header field, so a request that finds the schema
/// up to date runs one statement (`PRAGMA user_version`), the only fixed statement of a request.
/// Otherwise (a new database, a new release's migrations, or a database of a release that kept
/// its version only in `schema_migrations`) the file is switched to WAL and, under the write
/// lock, the missing migrations are applied, each recorded in `schema_migrations` (the history:
/// when each was applied), and `user_version` set in the same transaction.
///
/// Migrations only ever get appended to a component's list; changing an applied one has no
/// effect on existing databases.
pub fn migrate(conn: &Connection, migrations: &[&str]) -> anyhow::Result<i64> {
    let target = i64::try_from(migrations.len()).context("too many migrations")?;
    let current = user_version(conn)?;
    if current >= target {
        return Ok(current);
    }
    tune(conn)?;
    exec(
        conn,
        "CREATE TABLE IF NOT EXISTS schema_migrations \
         (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
        &[],
    )
    .context("creating schema_migrations")?;
    transaction(conn, |conn| {
        // Another instance may have migrated while this one waited for the lock; a database of
        // an earlier release has its version in schema_migrations only.
        let current = user_version(conn)?.max(schema_version(conn)?);
        for (version, sql) in (1..)
            .zip(migrations)
            .skip(usize::try_from(current).unwrap_or(0))
        {
            exec(conn, sql, &[]).with_context(|| format!("applying migration {version}"))?;
            exec(
                conn,
                &format!(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, {NOW_RFC3339})"
                ),
                &[Value::Integer(version)],
            )?;
        }
        let version = target.max(current);
        // PRAGMA takes no parameters; the version is an integer this function computed.
        exec(conn, &format!("PRAGMA user_version = {version}"), &[])
            .context("recording the schema version")?;
        Ok(version)
    })
}

/// The schema version recorded in the file's header (`PRAGMA user_version`), 0 for a new
/// database or one migrated by a release before this field was used.
fn user_version(conn: &Connection) -> anyhow::Result<i64> {
    let result = query(conn, "PRAGMA user_version", &[])?;
    result
        .rows
        .first()
        .and_then(|row| row.get::<i64>(0))
        .context("PRAGMA user_version returned no value")
}

/// The highest migration recorded in `schema_migrations`, 0 for a new database.
pub fn schema_version(conn: &Connection) -> anyhow::Result<i64> {
    let result = query(
        conn,
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        &[],
    )?;
    result
        .rows
        .first()
        .and_then(|row| row.get::<i64>(0))
        .context("schema_migrations returned no version")
}

/// A new random identifier (32 lowercase hex digits, 128 bits from SQLite's randomness, so
/// the component needs no random-number crate) and the current time ([`NOW_RFC3339`]).
pub fn new_id_and_now(conn: &Connection) -> anyhow::Result<(String, String)> {
    let result = query(
        conn,
        &format!("SELECT lower(hex(randomblob(16))), {NOW_RFC3339}"),
        &[],
    )?;
    let row = result.rows.first().context("no row for a new id")?;
    match (row.get::<&str>(0), row.get::<&str>(1)) {
        (Some(id), Some(now)) => Ok((id.to_owned(), now.to_owned())),
        _ => Err(anyhow!("a new id and time were not text")),
    }
}

/// The first column of the first row, as text.
pub fn first_text(result: &QueryResult) -> Option<String> {
    result
        .rows
        .first()
        .and_then(|row| row.get::<&str>(0))
        .map(str::to_owned)
}

/// A row of a [`QueryResult`], read by column name ([`rows`], [`first_row`]).
#[derive(Debug, Clone, Copy)]
pub struct Row<'r> {
    columns: &'r [String],
    values: &'r [Value],
}

/// Why a column of a row could not be read as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowError {
    /// The statement's result has no column of that name.
    #[error("the result has no column {column:?}")]
    Missing {
        /// The column asked for.
        column: String,
    },
    /// The column holds another type of value (`NULL` included, when a value is required).
    #[error("column {column:?} holds {found}, not {expected}")]
    Type {
        /// The column asked for.
        column: String,
        /// What the caller asked for (`integer`, `text`...).
        expected: &'static str,
        /// What the row holds.
        found: &'static str,
    },
}

/// A row that does not decode is the component's fault (its SQL and its code disagree): a 500,
/// logged with the column's name, never the caller's.
impl From<RowError> for crate::ApiError {
    fn from(error: RowError) -> Self {
        crate::ApiError::Internal(anyhow::Error::new(error))
    }
}

/// A Rust type a column's value can be read as. `Option<T>` reads `NULL` as `None`.
pub trait Column<'r>: Sized {
    /// What the type expects, for [`RowError::Type`].
    const EXPECTED: &'static str;
    /// The value as this type; `None` when it is of another type.
    fn decode(value: &'r Value) -> Option<Self>;
}

impl<'r> Row<'r> {
    /// A row of `columns` (the result's column names) holding `values`, in the same order.
    pub fn new(columns: &'r [String], values: &'r [Value]) -> Row<'r> {
        Row { columns, values }
    }

    /// The value of `column` as `T`: [`RowError::Missing`] when the result has no such column,
    /// [`RowError::Type`] when it holds another type.
    pub fn get<T: Column<'r>>(&self, column: &str) -> Result<T, RowError> {
        let value = self
            .columns
            .iter()
            .position(|name| name == column)
            .and_then(|index| self.values.get(index))
            .ok_or_else(|| RowError::Missing {
                column: column.to_owned(),
            })?;
        T::decode(value).ok_or_else(|| RowError::Type {
            column: column.to_owned(),
            expected: T::EXPECTED,
            found: kind(value),
        })
    }
}

/// A type read from one row by column names.
pub trait FromRow: Sized {
    /// Reads the columns this type needs from `row`.
    fn from_row(row: &Row<'_>) -> Result<Self, RowError>;
}

/// The rows of `result`, readable by column name.
pub fn rows(result: &QueryResult) -> impl Iterator<Item = Row<'_>> {
    result
        .rows
        .iter()
        .map(|row| Row::new(&result.columns, &row.values))
}

/// The first row of `result`, if any.
pub fn first_row(result: &QueryResult) -> Option<Row<'_>> {
    rows(result).next()
}

/// `column` of the first row of `result` (a count, a flag), `None` when there is no row.
pub fn first_value<'r, T: Column<'r>>(
    result: &'r QueryResult,
    column: &str,
) -> Result<Option<T>, RowError> {
    first_row(result).map(|row| row.get(column)).transpose()
}

/// Every row of `result` as `T`.
pub fn decode_all<T: FromRow>(result: &QueryResult) -> Result<Vec<T>, RowError> {
    rows(result).map(|row| T::from_row(&row)).collect()
}

/// The first row of `result` as `T`, `None` when there is none.
pub fn decode_first<T: FromRow>(result: &QueryResult) -> Result<Option<T>, RowError> {
    first_row(result).map(|row| T::from_row(&row)).transpose()
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Integer(_) => "an integer",
        Value::Real(_) => "a real",
        Value::Text(_) => "text",
        Value::Blob(_) => "a blob",
        Value::Null => "NULL",
    }
}

impl<'r> Column<'r> for i64 {
    const EXPECTED: &'static str = "an integer";
    fn decode(value: &'r Value) -> Option<Self> {
        match value {
            Value::Integer(i) => Some(*i),
            _ => None,
        }
    }
}

impl<'r> Column<'r> for bool {
    const EXPECTED: &'static str = "a boolean (0 or 1)";
    fn decode(value: &'r Value) -> Option<Self> {
        match value {
            Value::Integer(0) => Some(false),
            Value::Integer(1) => Some(true),
            _ => None,
        }
    }
}

impl<'r> Column<'r> for f64 {
    const EXPECTED: &'static str = "a number";
    // SQLite hands back a whole number stored without REAL affinity (a computed distance, a
    // coordinate typed as an integer) as an integer: it is still the number asked for.
    #[allow(
        clippy::cast_precision_loss,
        reason = "coordinates and sums are far below 2^53"
    )]
    fn decode(value: &'r Value) -> Option<Self> {
        match value {
            Value::Real(f) => Some(*f),
            Value::Integer(i) => Some(*i as f64),
            _ => None,
        }
    }
}

impl<'r> Column<'r> for &'r str {
    const EXPECTED: &'static str = "text";
    fn decode(value: &'r Value) -> Option<Self> {
        match value {
            Value::Text(text) => Some(text.as_str()),
            _ => None,
        }
    }
}

impl<'r> Column<'r> for String {
    const EXPECTED: &'static str = "text";
    fn decode(value: &'r Value) -> Option<Self> {
        <&str>::decode(value).map(str::to_owned)
    }
}

impl<'r> Column<'r> for &'r [u8] {
    const EXPECTED: &'static str = "a blob";
    fn decode(value: &'r Value) -> Option<Self> {
        match value {
            Value::Blob(bytes) => Some(bytes.as_slice()),
            _ => None,
        }
    }
}

impl<'r> Column<'r> for Vec<u8> {
    const EXPECTED: &'static str = "a blob";
    fn decode(value: &'r Value) -> Option<Self> {
        <&[u8]>::decode(value).map(<[u8]>::to_vec)
    }
}

impl<'r, T: Column<'r>> Column<'r> for Option<T> {
    const EXPECTED: &'static str = T::EXPECTED;
    fn decode(value: &'r Value) -> Option<Self> {
        match value {
            Value::Null => Some(None),
            other => T::decode(other).map(Some),
        }
    }
}

/// A text parameter.
pub fn text(value: impl Into<String>) -> Value {
    Value::Text(value.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Vec<String> {
        ["id", "count", "note", "lat", "photo", "open"]
            .map(str::to_owned)
            .to_vec()
    }

    fn values() -> Vec<Value> {
        vec![
            Value::Text("r1".into()),
            Value::Integer(3),
            Value::Null,
            Value::Real(45.5),
            Value::Blob(vec![1, 2]),
            Value::Integer(1),
        ]
    }

    #[test]
    fn columns_are_read_by_name_whatever_their_position() {
        let (columns, values) = (columns(), values());
        let row = Row::new(&columns, &values);
        assert_eq!(row.get::<i64>("count"), Ok(3));
        assert_eq!(row.get::<&str>("id"), Ok("r1"));
        assert_eq!(row.get::<String>("id"), Ok("r1".to_owned()));
        assert_eq!(row.get::<f64>("lat"), Ok(45.5));
        assert_eq!(row.get::<f64>("count"), Ok(3.0));
        assert_eq!(row.get::<&[u8]>("photo"), Ok(&[1u8, 2][..]));
        assert_eq!(row.get::<bool>("open"), Ok(true));
    }

    #[test]
    fn a_missing_column_is_an_error_naming_it() {
        let (columns, values) = (columns(), values());
        let error = Row::new(&columns, &values).get::<i64>("cuont");
        assert_eq!(
            error,
            Err(RowError::Missing {
                column: "cuont".into()
            })
        );
        let message = error.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("\"cuont\""), "{message}");
    }

    #[test]
    fn a_mistyped_column_is_an_error_naming_it_and_both_types() {
        let (columns, values) = (columns(), values());
        let row = Row::new(&columns, &values);
        let error = row.get::<i64>("id");
        assert_eq!(
            error,
            Err(RowError::Type {
                column: "id".into(),
                expected: "an integer",
                found: "text"
            })
        );
        let message = error.err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(message, "column \"id\" holds text, not an integer");
        assert!(matches!(
            row.get::<bool>("count"),
            Err(RowError::Type { .. })
        ));
    }

    #[test]
    fn null_is_none_for_an_optional_column_and_an_error_for_a_required_one() {
        let (columns, values) = (columns(), values());
        let row = Row::new(&columns, &values);
        assert_eq!(row.get::<Option<&str>>("note"), Ok(None));
        assert_eq!(row.get::<Option<&str>>("id"), Ok(Some("r1")));
        assert_eq!(
            row.get::<&str>("note"),
            Err(RowError::Type {
                column: "note".into(),
                expected: "text",
                found: "NULL"
            })
        );
    }

    #[test]
    fn a_row_that_does_not_decode_is_a_server_fault_not_the_callers() {
        let error = crate::ApiError::from(RowError::Missing { column: "n".into() });
        assert_eq!(error.status(), 500);
    }

    #[derive(Debug, PartialEq)]
    struct Counted {
        id: String,
        count: i64,
    }

    impl FromRow for Counted {
        fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
            Ok(Counted {
                id: row.get("id")?,
                count: row.get("count")?,
            })
        }
    }

    #[test]
    fn from_row_decodes_every_row_or_names_the_first_bad_column() {
        let result = QueryResult {
            columns: vec!["count".into(), "id".into()],
            rows: vec![
                RowResult {
                    values: vec![Value::Integer(1), Value::Text("a".into())],
                },
                RowResult {
                    values: vec![Value::Integer(2), Value::Text("b".into())],
                },
            ],
        };
        let all = decode_all::<Counted>(&result);
        assert_eq!(
            all,
            Ok(vec![
                Counted {
                    id: "a".into(),
                    count: 1
                },
                Counted {
                    id: "b".into(),
                    count: 2
                }
            ])
        );
        let bad = QueryResult {
            columns: vec!["count".into(), "id".into()],
            rows: vec![RowResult {
                values: vec![Value::Text("x".into()), Value::Text("a".into())],
            }],
        };
        assert!(matches!(
            decode_first::<Counted>(&bad),
            Err(RowError::Type { column, .. }) if column == "count"
        ));
    }
}
