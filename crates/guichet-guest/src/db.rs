//! A component's own SQLite database, over `spin:sqlite/sqlite@3.0.0` (`spin_sdk::sqlite3`).
//!
//! Every component has its own database label (granted in spin.toml, defined in the runtime
//! config), so no component can read another's data. SQL is always parameterised: values go in
//! `params`, never into the statement text.
//!
//! The sqlite interface runs one statement per call, so a migration is one statement.

use anyhow::{anyhow, Context as _};
pub use spin_sdk::sqlite3::{Connection, QueryResult, RowResult, Value};

/// Current UTC time as RFC 3339 (`2026-01-31T12:00:00Z`), from SQLite's clock so that
/// timestamps written by a statement and by the component agree.
pub const NOW_RFC3339: &str = "strftime('%Y-%m-%dT%H:%M:%SZ','now')";

/// Opens the database `label` and tunes the connection for a request-per-instance workload.
///
/// Spin creates databases with SQLite's rollback journal and a sync on every commit, which makes
/// writes about five times slower under load (see docs/spin-facts.md). WAL is a property of the
/// file, so it is set once, the first time the database is seen in another mode;
/// `synchronous=NORMAL` is per connection (safe with WAL: a power cut can lose the last commits
/// but never corrupts the file).
pub fn open(label: &str) -> anyhow::Result<Connection> {
    let conn =
        Connection::open(label).map_err(|e| anyhow!("opening SQLite database {label:?}: {e:?}"))?;
    let mode = query(&conn, "PRAGMA journal_mode", &[]).context("reading journal_mode")?;
    if first_text(&mode).as_deref() != Some("wal") {
        // Switching needs the database to itself for a moment: the first requests after a
        // start race for it, and the losers find the switch done by the winner.
        if let Err(error) = exec(&conn, "PRAGMA journal_mode=WAL", &[]) {
            let now = query(&conn, "PRAGMA journal_mode", &[]).context("reading journal_mode")?;
            if first_text(&now).as_deref() != Some("wal") {
                return Err(error.context("switching to WAL"));
            }
        }
    }
    exec(&conn, "PRAGMA synchronous=NORMAL", &[]).context("setting synchronous=NORMAL")?;
    Ok(conn)
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

/// Applies the migrations not yet recorded in `schema_migrations` and returns the schema
/// version (the number of migrations applied, 1-based: `migrations[0]` is version 1).
///
/// Migrations only ever get appended to a component's list; changing an applied one has no
/// effect on existing databases.
pub fn migrate(conn: &Connection, migrations: &[&str]) -> anyhow::Result<i64> {
    exec(
        conn,
        "CREATE TABLE IF NOT EXISTS schema_migrations \
         (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
        &[],
    )
    .context("creating schema_migrations")?;
    let target = i64::try_from(migrations.len()).context("too many migrations")?;
    // Most requests find the schema up to date: check before taking the write lock.
    let current = schema_version(conn)?;
    if current >= target {
        return Ok(current);
    }
    transaction(conn, |conn| {
        // Another instance may have migrated while this one waited for the lock.
        let current = schema_version(conn)?;
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
        Ok(target.max(current))
    })
}

/// The highest applied migration, 0 for a new database.
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

/// A text parameter.
pub fn text(value: impl Into<String>) -> Value {
    Value::Text(value.into())
}
