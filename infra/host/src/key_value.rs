//! `fermyon:spin/key-value@2.0.0`, stored the way `spin up` stores it: a SQLite file with a
//! `spin_key_value(store, key, value)` table, the store column being the label; or, for a
//! `type = "redis"` store, on a Redis server ([`crate::key_value_redis`]).

use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use rusqlite::{params, Connection, OptionalExtension};
use wasmtime::component::Resource;

use crate::bindings::key_value::{Error, Host, HostStore};
use crate::key_value_redis::RedisKv;
use crate::runtime_config::Location;
use crate::state::SpinView;

/// Where one label's data lives, shared by every request.
#[derive(Debug)]
pub enum KvBackend {
    Sqlite(SqliteKv),
    Redis(RedisKv),
}

/// One key-value database file (or in-memory database).
#[derive(Debug)]
pub struct SqliteKv {
    conn: Arc<Mutex<Connection>>,
}

/// An open store: a label of a backend.
pub struct KvStore {
    label: String,
    backend: Arc<KvBackend>,
}

impl KvBackend {
    /// Opens the store; a Redis server must answer now, so that a wrong URL stops the start.
    pub fn open(location: &Location) -> Result<KvBackend> {
        match location {
            Location::Redis(url) => Ok(KvBackend::Redis(RedisKv::connect(url)?)),
            other => Ok(KvBackend::Sqlite(SqliteKv::open(other)?)),
        }
    }

    async fn get(&self, label: String, key: String) -> Result<Option<Vec<u8>>, Error> {
        match self {
            KvBackend::Redis(redis) => redis.get(key).await,
            KvBackend::Sqlite(sqlite) => {
                sqlite
                    .with(move |c| {
                        c.query_row(
                            "SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2",
                            params![label, key],
                            |row| row.get(0),
                        )
                        .optional()
                    })
                    .await
            }
        }
    }

    async fn set(&self, label: String, key: String, value: Vec<u8>) -> Result<(), Error> {
        match self {
            KvBackend::Redis(redis) => redis.set(key, value).await,
            KvBackend::Sqlite(sqlite) => {
                sqlite
                    .with(move |c| {
                        c.execute(
                            "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3)
                             ON CONFLICT (store, key) DO UPDATE SET value = excluded.value",
                            params![label, key, value],
                        )
                        .map(drop)
                    })
                    .await
            }
        }
    }

    async fn delete(&self, label: String, key: String) -> Result<(), Error> {
        match self {
            KvBackend::Redis(redis) => redis.delete(key).await,
            KvBackend::Sqlite(sqlite) => {
                sqlite
                    .with(move |c| {
                        c.execute("DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2", params![label, key])
                            .map(drop)
                    })
                    .await
            }
        }
    }

    async fn exists(&self, label: String, key: String) -> Result<bool, Error> {
        match self {
            KvBackend::Redis(redis) => redis.exists(key).await,
            KvBackend::Sqlite(sqlite) => {
                sqlite
                    .with(move |c| {
                        c.query_row(
                            "SELECT EXISTS(SELECT 1 FROM spin_key_value WHERE store = ?1 AND key = ?2)",
                            params![label, key],
                            |row| row.get(0),
                        )
                    })
                    .await
            }
        }
    }

    async fn keys(&self, label: String) -> Result<Vec<String>, Error> {
        match self {
            KvBackend::Redis(redis) => redis.keys().await,
            KvBackend::Sqlite(sqlite) => {
                sqlite
                    .with(move |c| {
                        let mut stmt = c.prepare("SELECT key FROM spin_key_value WHERE store = ?1")?;
                        let keys = stmt.query_map(params![label], |row| row.get(0))?;
                        keys.collect()
                    })
                    .await
            }
        }
    }
}

impl SqliteKv {
    fn open(location: &Location) -> Result<SqliteKv> {
        let conn = match location {
            Location::File(path) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("creating {}", dir.display()))?;
                }
                Connection::open(path).with_context(|| format!("opening {}", path.display()))?
            }
            Location::Memory => Connection::open_in_memory()?,
            Location::Redis(_) => unreachable!("opened by KvBackend::open"),
        };
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS spin_key_value (
                store TEXT NOT NULL,
                key TEXT NOT NULL,
                value BLOB NOT NULL,
                PRIMARY KEY (store, key)
            )",
        )
        .context("creating the spin_key_value table")?;
        Ok(SqliteKv { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Runs `f` on the connection off the async executor (SQLite blocks).
    async fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, Error> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let conn = conn.lock().map_err(|_| Error::Other("store lock poisoned".into()))?;
            f(&conn).map_err(|e| Error::Other(e.to_string()))
        })
        .await
        .map_err(|e| Error::Other(e.to_string()))?
    }
}

impl Host for SpinView<'_> {}

impl HostStore for SpinView<'_> {
    async fn open(&mut self, label: String) -> wasmtime::Result<Result<Resource<KvStore>, Error>> {
        let Some(backend) = self.caps.key_value.get(&label) else {
            return Ok(Err(Error::AccessDenied));
        };
        let store = KvStore { label, backend: backend.clone() };
        Ok(Ok(self.table.push(store)?))
    }

    async fn get(
        &mut self,
        store: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, Error>> {
        let store = self.table.get(&store)?;
        Ok(store.backend.get(store.label.clone(), key).await)
    }

    async fn set(
        &mut self,
        store: Resource<KvStore>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), Error>> {
        let store = self.table.get(&store)?;
        Ok(store.backend.set(store.label.clone(), key, value).await)
    }

    async fn delete(&mut self, store: Resource<KvStore>, key: String) -> wasmtime::Result<Result<(), Error>> {
        let store = self.table.get(&store)?;
        Ok(store.backend.delete(store.label.clone(), key).await)
    }

    async fn exists(&mut self, store: Resource<KvStore>, key: String) -> wasmtime::Result<Result<bool, Error>> {
        let store = self.table.get(&store)?;
        Ok(store.backend.exists(store.label.clone(), key).await)
    }

    async fn get_keys(&mut self, store: Resource<KvStore>) -> wasmtime::Result<Result<Vec<String>, Error>> {
        let store = self.table.get(&store)?;
        Ok(store.backend.keys(store.label.clone()).await)
    }

    async fn drop(&mut self, store: Resource<KvStore>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        Ok(())
    }
}
