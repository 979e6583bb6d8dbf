//! `fermyon:spin/sqlite@2.0.0` and `spin:sqlite/sqlite@3.0.0` on SQLite files: each `open`
//! gets its own connection, so a guest's transaction is never interleaved with another's.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use rusqlite::types::{Value as SqlValue, ValueRef};
use wasmtime::component::Resource;

use crate::bindings::{sqlite_v2 as v2, sqlite_v3 as v3};
use crate::runtime_config::Location;
use crate::state::SpinView;

/// A database a label points to.
#[derive(Debug)]
pub enum SqliteDb {
    File(PathBuf),
    /// One connection for the host's lifetime (an in-memory database has no file to reopen).
    Memory(Arc<Mutex<rusqlite::Connection>>),
}

/// An open connection, the resource behind both interface versions.
pub struct Connection {
    conn: Arc<Mutex<rusqlite::Connection>>,
    last_insert_rowid: i64,
    changes: u64,
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
                SqliteDb::File(path.clone())
            }
            Location::Memory => {
                SqliteDb::Memory(Arc::new(Mutex::new(rusqlite::Connection::open_in_memory()?)))
            }
        })
    }

    async fn connect(&self) -> Result<Connection, String> {
        let conn = match self {
            SqliteDb::Memory(conn) => conn.clone(),
            SqliteDb::File(path) => {
                let path = path.clone();
                let conn = tokio::task::spawn_blocking(move || {
                    let conn = rusqlite::Connection::open(&path)?;
                    conn.busy_timeout(Duration::from_secs(5))?;
                    Ok::<_, rusqlite::Error>(conn)
                })
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
                Arc::new(Mutex::new(conn))
            }
        };
        Ok(Connection { conn, last_insert_rowid: 0, changes: 0 })
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
    let mut stmt = conn.prepare(statement)?;
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
