//! `fermyon:spin/sqlite@2.0.0` and `spin:sqlite/sqlite@3.0.0` on SQLite files: each `open`
//! gets its own connection, so a guest's transaction is never interleaved with another's.
//!
//! Connections are pooled per database file: a guest's `open` takes an idle one (or opens a
//! new one) and its drop gives it back, rolled back first if the guest left a transaction
//! open (a trap, a forgotten COMMIT). Reusing connections keeps SQLite's parsed schema, page
//! cache and prepared statements (`prepare_cached`) across requests, and avoids the checkpoint
//! and fsyncs SQLite does when the last connection to a WAL database closes. Waiting for a
//! lock retries every millisecond (SQLite's default handler sleeps up to 100 ms between tries,
//! which lets late writers overtake early ones and makes tail latency explode under load).
//!
//! Every connection has an authorizer ([`guard`]): a guest may not `ATTACH` (or `VACUUM INTO`,
//! which attaches) another file, `DETACH`, call `load_extension`, or run a PRAGMA that changes
//! how the file is locked, journaled or mapped (only those Guichet uses and read-only ones
//! pass). Spin does not do this; it is this host's defence in depth.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::types::{Value as SqlValue, ValueRef};
use wasmtime::component::Resource;

use crate::bindings::{sqlite_v2 as v2, sqlite_v3 as v3};
use crate::runtime_config::Location;
use crate::state::SpinView;

/// Idle connections kept per database file at most.
const MAX_IDLE: usize = 64;
/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 256;
/// How long a statement waits for a lock held by another connection, in 1 ms tries.
const LOCK_TRIES: i32 = 5_000;

/// Idle connections to one database file.
type Pool = Arc<Mutex<Vec<rusqlite::Connection>>>;

/// A database a label points to.
#[derive(Debug)]
pub enum SqliteDb {
    File(PathBuf, Pool),
    /// One connection for the host's lifetime (an in-memory database has no file to reopen).
    Memory(Arc<Mutex<rusqlite::Connection>>),
}

/// An open connection, the resource behind both interface versions.
pub struct Connection {
    conn: Arc<Mutex<rusqlite::Connection>>,
    /// Where the connection goes back when the guest drops it (`None`: in-memory database).
    pool: Option<Pool>,
    last_insert_rowid: i64,
    changes: u64,
}

impl Drop for Connection {
    fn drop(&mut self) {
        let Some(pool) = self.pool.take() else { return };
        let conn = std::mem::replace(&mut self.conn, Arc::new(Mutex::new(placeholder())));
        let Ok(conn) = Arc::try_unwrap(conn) else { return };
        let Ok(conn) = conn.into_inner() else { return };
        // A transaction the guest did not finish is not handed to the next guest.
        if !conn.is_autocommit() && conn.execute_batch("ROLLBACK").is_err() {
            return;
        }
        let Ok(mut idle) = pool.lock() else { return };
        if idle.len() < MAX_IDLE {
            idle.push(conn);
        }
    }
}

/// What fills a dropped connection's place for the moment it takes to return it.
fn placeholder() -> rusqlite::Connection {
    rusqlite::Connection::open_in_memory().expect("an in-memory SQLite connection")
}

/// Retries a locked database every millisecond, up to [`LOCK_TRIES`] times.
fn wait_for_lock(tries: i32) -> bool {
    if tries >= LOCK_TRIES {
        return false;
    }
    std::thread::sleep(Duration::from_millis(1));
    true
}

/// PRAGMAs a guest may run: those Guichet's components set, with the values they use, and
/// read-only ones.
fn pragma_allowed(name: &str, value: Option<&str>) -> bool {
    let value = value.map(|v| v.trim_matches(|c| c == '\'' || c == '"').to_ascii_lowercase());
    match name.to_ascii_lowercase().as_str() {
        "journal_mode" => matches!(value.as_deref(), None | Some("wal" | "delete")),
        "synchronous" => matches!(value.as_deref(), None | Some("normal" | "full" | "1" | "2")),
        "foreign_keys" | "user_version" | "application_id" | "defer_foreign_keys" | "recursive_triggers" => true,
        "table_info" | "table_xinfo" | "table_list" | "index_list" | "index_info" | "index_xinfo"
        | "foreign_key_list" | "foreign_key_check" | "integrity_check" | "quick_check" | "optimize"
        | "data_version" | "page_count" | "freelist_count" | "collation_list" | "function_list"
        | "module_list" | "pragma_list" | "compile_options" | "database_list" => true,
        "page_size" | "schema_version" | "auto_vacuum" | "cache_size" | "busy_timeout" | "locking_mode"
        | "temp_store" | "mmap_size" | "wal_autocheckpoint" | "journal_size_limit" => value.is_none(),
        _ => false,
    }
}

/// The authorizer of every guest connection (see the module documentation).
fn guard(ctx: AuthContext<'_>) -> Authorization {
    match ctx.action {
        // A plain VACUUM attaches a private temporary database (an empty file name).
        AuthAction::Attach { filename: "" } => Authorization::Allow,
        AuthAction::Attach { .. } | AuthAction::Detach { .. } => Authorization::Deny,
        AuthAction::Function { function_name }
            if function_name.eq_ignore_ascii_case("load_extension") || function_name.eq_ignore_ascii_case("fts3_tokenizer") =>
        {
            Authorization::Deny
        }
        AuthAction::Pragma { pragma_name, pragma_value } if !pragma_allowed(pragma_name, pragma_value) => {
            Authorization::Deny
        }
        _ => Authorization::Allow,
    }
}

/// A result in version-neutral form, converted to each interface's records.
struct Rows {
    columns: Vec<String>,
    rows: Vec<Vec<SqlValue>>,
    last_insert_rowid: i64,
    changes: u64,
}

enum ExecError {
    Io(String),
}

impl SqliteDb {
    pub fn open(location: &Location) -> Result<SqliteDb> {
        Ok(match location {
            Location::File(path) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("creating {}", dir.display()))?;
                }
                // Fail at start-up, not at the first request, if the file cannot be opened.
                rusqlite::Connection::open(path)
                    .with_context(|| format!("opening {}", path.display()))?;
                SqliteDb::File(path.clone(), Pool::default())
            }
            Location::Memory => {
                let conn = rusqlite::Connection::open_in_memory().context("opening an in-memory database")?;
                conn.authorizer(Some(guard));
                SqliteDb::Memory(Arc::new(Mutex::new(conn)))
            }
            Location::Redis(_) => anyhow::bail!("a SQLite database cannot live on Redis"),
        })
    }

    async fn connect(&self) -> Result<Connection, String> {
        let (conn, pool) = match self {
            SqliteDb::Memory(conn) => (conn.clone(), None),
            SqliteDb::File(path, pool) => {
                let idle = pool.lock().map_err(|_| "connection pool poisoned".to_owned())?.pop();
                let conn = match idle {
                    Some(conn) => conn,
                    None => {
                        let path = path.clone();
                        tokio::task::spawn_blocking(move || {
                            let conn = rusqlite::Connection::open(&path)?;
                            conn.busy_handler(Some(wait_for_lock))?;
                            conn.authorizer(Some(guard));
                            conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
                            Ok::<_, rusqlite::Error>(conn)
                        })
                        .await
                        .map_err(|e| e.to_string())?
                        .map_err(|e| e.to_string())?
                    }
                };
                (Arc::new(Mutex::new(conn)), Some(pool.clone()))
            }
        };
        Ok(Connection { conn, pool, last_insert_rowid: 0, changes: 0 })
    }
}

impl Connection {
    async fn execute(&mut self, statement: String, params: Vec<SqlValue>) -> Result<Rows, ExecError> {
        let conn = self.conn.clone();
        let rows = tokio::task::spawn_blocking(move || {
            let conn = conn.lock().map_err(|_| ExecError::Io("connection lock poisoned".into()))?;
            run(&conn, &statement, params).map_err(|e| ExecError::Io(e.to_string()))
        })
        .await
        .map_err(|e| ExecError::Io(e.to_string()))??;
        self.last_insert_rowid = rows.last_insert_rowid;
        self.changes = rows.changes;
        Ok(rows)
    }
}

fn run(conn: &rusqlite::Connection, statement: &str, params: Vec<SqlValue>) -> rusqlite::Result<Rows> {
    let mut stmt = conn.prepare_cached(statement)?;
    let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
    let width = columns.len();
    let mut query = stmt.query(rusqlite::params_from_iter(params))?;
    let mut rows = Vec::new();
    while let Some(row) = query.next()? {
        let mut values = Vec::with_capacity(width);
        for i in 0..width {
            values.push(match row.get_ref(i)? {
                ValueRef::Null => SqlValue::Null,
                ValueRef::Integer(v) => SqlValue::Integer(v),
                ValueRef::Real(v) => SqlValue::Real(v),
                ValueRef::Text(t) => SqlValue::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => SqlValue::Blob(b.to_vec()),
            });
        }
        rows.push(values);
    }
    drop(query);
    Ok(Rows {
        columns,
        rows,
        last_insert_rowid: conn.last_insert_rowid(),
        changes: conn.changes(),
    })
}

/// Implements one interface version; the two differ only in their generated types.
macro_rules! sqlite_interface {
    ($v:ident) => {
        impl $v::Host for SpinView<'_> {}

        impl $v::HostConnection for SpinView<'_> {
            async fn open(
                &mut self,
                database: String,
            ) -> wasmtime::Result<Result<Resource<Connection>, $v::Error>> {
                let Some(db) = self.caps.sqlite.get(&database) else {
                    return Ok(Err($v::Error::AccessDenied));
                };
                match db.connect().await {
                    Ok(conn) => Ok(Ok(self.table.push(conn)?)),
                    Err(e) => Ok(Err($v::Error::Io(e))),
                }
            }

            async fn execute(
                &mut self,
                conn: Resource<Connection>,
                statement: String,
                parameters: Vec<$v::Value>,
            ) -> wasmtime::Result<Result<$v::QueryResult, $v::Error>> {
                let params = parameters
                    .into_iter()
                    .map(|p| match p {
                        $v::Value::Integer(i) => SqlValue::Integer(i),
                        $v::Value::Real(r) => SqlValue::Real(r),
                        $v::Value::Text(t) => SqlValue::Text(t),
                        $v::Value::Blob(b) => SqlValue::Blob(b),
                        $v::Value::Null => SqlValue::Null,
                    })
                    .collect();
                let conn = self.table.get_mut(&conn)?;
                Ok(match conn.execute(statement, params).await {
                    Ok(rows) => Ok($v::QueryResult {
                        columns: rows.columns,
                        rows: rows
                            .rows
                            .into_iter()
                            .map(|values| $v::RowResult {
                                values: values
                                    .into_iter()
                                    .map(|v| match v {
                                        SqlValue::Null => $v::Value::Null,
                                        SqlValue::Integer(i) => $v::Value::Integer(i),
                                        SqlValue::Real(r) => $v::Value::Real(r),
                                        SqlValue::Text(t) => $v::Value::Text(t),
                                        SqlValue::Blob(b) => $v::Value::Blob(b),
                                    })
                                    .collect(),
                            })
                            .collect(),
                    }),
                    Err(ExecError::Io(e)) => Err($v::Error::Io(e)),
                })
            }

            async fn drop(&mut self, conn: Resource<Connection>) -> wasmtime::Result<()> {
                self.table.delete(conn)?;
                Ok(())
            }

            sqlite_interface!(@extra $v);
        }
    };
    (@extra v2) => {};
    (@extra v3) => {
        async fn last_insert_rowid(&mut self, conn: Resource<Connection>) -> wasmtime::Result<i64> {
            Ok(self.table.get(&conn)?.last_insert_rowid)
        }

        async fn changes(&mut self, conn: Resource<Connection>) -> wasmtime::Result<u64> {
            Ok(self.table.get(&conn)?.changes)
        }
    };
}

sqlite_interface!(v2);
sqlite_interface!(v3);

#[cfg(test)]
mod tests {
    use super::*;

    fn guarded() -> (tempfile::TempDir, rusqlite::Connection) {
        let dir = tempfile::tempdir().expect("tempdir");
        let conn = rusqlite::Connection::open(dir.path().join("db.sqlite")).expect("open");
        conn.authorizer(Some(guard));
        (dir, conn)
    }

    #[test]
    fn other_files_cannot_be_attached_or_written() {
        let (dir, conn) = guarded();
        let other = dir.path().join("other.db");
        for sql in [
            format!("ATTACH DATABASE '{}' AS x", other.display()),
            format!("ATTACH 'file:{}?mode=rwc' AS x", other.display()),
            format!("VACUUM INTO '{}'", other.display()),
            "DETACH DATABASE main".to_string(),
            "SELECT load_extension('/tmp/evil')".to_string(),
        ] {
            assert!(conn.execute_batch(&sql).is_err(), "{sql}");
        }
        assert!(!other.exists());
    }

    #[test]
    fn only_harmless_pragmas_pass() {
        let (_dir, conn) = guarded();
        for sql in [
            "PRAGMA journal_mode",
            "PRAGMA journal_mode=WAL",
            "PRAGMA synchronous=NORMAL",
            "PRAGMA foreign_keys=ON",
            "PRAGMA user_version=3",
            "SELECT name FROM pragma_table_info('sqlite_schema')",
            "CREATE TABLE t (x); INSERT INTO t VALUES (1); VACUUM",
        ] {
            conn.execute_batch(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        for sql in [
            "PRAGMA journal_mode=OFF",
            "PRAGMA locking_mode=EXCLUSIVE",
            "PRAGMA writable_schema=ON",
            "PRAGMA mmap_size=1000000000",
            "PRAGMA cache_size=-1000000",
            "PRAGMA busy_timeout=0",
            "PRAGMA temp_store_directory='/tmp'",
        ] {
            assert!(conn.execute_batch(sql).is_err(), "{sql}");
        }
    }
}
