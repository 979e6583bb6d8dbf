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

/// How often the checkpointer looks at the size of a database's WAL.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(200);
/// WAL size past which the checkpointer copies it into the database and truncates it.
const WAL_LIMIT: u64 = 4 << 20;
/// How long a checkpoint waits for the readers and the writer it must outlast, in 1 ms tries;
/// past that it gives up until the next look (writers wait for it meanwhile).
const CHECKPOINT_TRIES: i32 = 100;

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

/// Makes a new connection to a WAL file `synchronous=NORMAL`, which is per connection: safe
/// with WAL (a power cut may lose the last commits, never corrupts the file; a killed host
/// loses nothing), and it spares the guests a statement on every request (guichet-guest's
/// `db::migrate` sets WAL once, when it creates or upgrades a database).
fn tune(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |row| row.get(0))?;
    if mode.eq_ignore_ascii_case("wal") {
        conn.execute_batch("PRAGMA synchronous=NORMAL")?;
    }
    Ok(())
}

/// Keeps one database's WAL bounded: a thread of its own looks at the `-wal` file's size every
/// [`CHECKPOINT_EVERY`] and, past [`WAL_LIMIT`], runs `PRAGMA wal_checkpoint(TRUNCATE)` on its
/// own connection.
///
/// SQLite's automatic checkpoints (every 1,000 pages, by the committing connection) are
/// PASSIVE: they copy what no reader still needs, but the WAL file only starts over when no
/// reader is using it at the moment of the check, which never happens under a steady load, so it
/// grew without end (194 MB after 4,500 filings, issue #15). TRUNCATE waits, up to
/// [`CHECKPOINT_TRIES`] ms, for the readers of older snapshots to finish (new writers wait for it
/// meanwhile, new readers do not), copies every page, syncs the database and empties the WAL.
/// Nothing committed is lost: a page leaves the WAL only once it is synced in the database.
/// The thread stops when the database is closed (its pool dropped).
struct Checkpointer;

impl Checkpointer {
    fn start(
        path: PathBuf,
        alive: std::sync::Weak<Mutex<Vec<rusqlite::Connection>>>,
        every: Duration,
        limit: u64,
    ) -> Result<()> {
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                let mut conn = None;
                while alive.upgrade().is_some() {
                    std::thread::sleep(every);
                    if wal_size(&path) <= limit {
                        continue;
                    }
                    if conn.is_none() {
                        conn = checkpoint_connection(&path)
                            .map_err(|e| tracing::warn!("checkpointing {}: {e}", path.display()))
                            .ok();
                    }
                    if let Some(c) = &conn {
                        if let Err(e) = checkpoint(c) {
                            tracing::warn!("checkpointing {}: {e}", path.display());
                        }
                    }
                }
            })
            .context("starting the checkpoint thread")?;
        Ok(())
    }
}

/// The size of `path`'s WAL file (0 when there is none).
fn wal_size(path: &std::path::Path) -> u64 {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    std::fs::metadata(PathBuf::from(wal)).map_or(0, |m| m.len())
}

fn checkpoint_connection(path: &std::path::Path) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    conn.busy_handler(Some(|tries| tries < CHECKPOINT_TRIES && wait_for_lock(tries)))?;
    Ok(conn)
}

/// Runs one TRUNCATE checkpoint; `Ok(false)` when it could not finish (readers or a writer
/// outlasted its wait), which the next look retries.
fn checkpoint(conn: &rusqlite::Connection) -> rusqlite::Result<bool> {
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))?;
    Ok(busy == 0)
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
                let pool = Pool::default();
                Checkpointer::start(path.clone(), Arc::downgrade(&pool), CHECKPOINT_EVERY, WAL_LIMIT)?;
                SqliteDb::File(path.clone(), pool)
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
                            tune(&conn)?;
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

    /// Writes about 10 MB in one transaction through a WAL connection of its own.
    fn write_ten_megabytes(path: &std::path::Path) -> rusqlite::Connection {
        let conn = rusqlite::Connection::open(path).expect("open");
        conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE TABLE t (x BLOB)")
            .expect("schema");
        conn.execute_batch("BEGIN").expect("begin");
        for _ in 0..2_500 {
            conn.execute("INSERT INTO t VALUES (zeroblob(4000))", []).expect("insert");
        }
        conn.execute_batch("COMMIT").expect("commit");
        conn
    }

    #[test]
    fn the_wal_of_an_open_database_is_emptied_once_it_passes_its_limit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db.sqlite");
        let db = SqliteDb::open(&Location::File(path.clone())).expect("open");
        let _writer = write_ten_megabytes(&path);
        assert!(wal_size(&path) > WAL_LIMIT, "the writes went to the WAL: {}", wal_size(&path));
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while wal_size(&path) > WAL_LIMIT && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(wal_size(&path), 0, "the checkpointer truncated the WAL");
        let rows: i64 = rusqlite::Connection::open(&path)
            .expect("reopen")
            .query_row("SELECT count(*) FROM t", [], |row| row.get(0))
            .expect("count");
        assert_eq!(rows, 2_500, "every committed row is in the database");
        drop(db);
    }

    #[test]
    fn without_the_checkpointer_the_wal_stays_at_its_largest() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("db.sqlite");
        let _writer = write_ten_megabytes(&path);
        std::thread::sleep(CHECKPOINT_EVERY * 3);
        assert!(wal_size(&path) > WAL_LIMIT, "SQLite alone keeps the file: {}", wal_size(&path));
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
