//! `fermyon:spin/key-value@2.0.0`, stored the way `spin up` stores it: a SQLite file with a
//! `spin_key_value(store, key, value)` table, the store column being the label.

use std::sync::{Arc, Mutex};

use anyhow::{Context, Result};
use rusqlite::{params, Connection, OptionalExtension};
use wasmtime::component::Resource;

use crate::bindings::key_value::{Error, Host, HostStore};
use crate::runtime_config::Location;
use crate::state::SpinView;

/// One key-value database file (or in-memory database), shared by every request.
#[derive(Debug)]
pub struct KvBackend {
    conn: Arc<Mutex<Connection>>,
}

/// An open store: a label of a backend.
pub struct KvStore {
    label: String,
    backend: Arc<KvBackend>,
}

impl KvBackend {
    pub fn open(location: &Location) -> Result<KvBackend> {
        let conn = match location {
            Location::File(path) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("creating {}", dir.display()))?;
                }
                Connection::open(path).with_context(|| format!("opening {}", path.display()))?
            }
            Location::Memory => Connection::open_in_memory()?,
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
        Ok(KvBackend { conn: Arc::new(Mutex::new(conn)) })
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
        let label = store.label.clone();
        Ok(store
            .backend
            .with(move |c| {
                c.query_row(
                    "SELECT value FROM spin_key_value WHERE store = ?1 AND key = ?2",
                    params![label, key],
                    |row| row.get(0),
                )
                .optional()
            })
            .await)
    }

    async fn set(
        &mut self,
        store: Resource<KvStore>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), Error>> {
        let store = self.table.get(&store)?;
        let label = store.label.clone();
        Ok(store
            .backend
            .with(move |c| {
                c.execute(
                    "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3)
                     ON CONFLICT (store, key) DO UPDATE SET value = excluded.value",
                    params![label, key, value],
                )
                .map(drop)
            })
            .await)
    }

    async fn delete(
        &mut self,
        store: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<(), Error>> {
        let store = self.table.get(&store)?;
        let label = store.label.clone();
        Ok(store
            .backend
            .with(move |c| {
                c.execute(
                    "DELETE FROM spin_key_value WHERE store = ?1 AND key = ?2",
                    params![label, key],
                )
                .map(drop)
            })
            .await)
    }

    async fn exists(
        &mut self,
        store: Resource<KvStore>,
        key: String,
    ) -> wasmtime::Result<Result<bool, Error>> {
        let store = self.table.get(&store)?;
        let label = store.label.clone();
        Ok(store
            .backend
            .with(move |c| {
                c.query_row(
                    "SELECT EXISTS(SELECT 1 FROM spin_key_value WHERE store = ?1 AND key = ?2)",
                    params![label, key],
                    |row| row.get(0),
                )
            })
            .await)
    }

    async fn get_keys(
        &mut self,
        store: Resource<KvStore>,
    ) -> wasmtime::Result<Result<Vec<String>, Error>> {
        let store = self.table.get(&store)?;
        let label = store.label.clone();
        Ok(store
            .backend
            .with(move |c| {
                let mut stmt = c.prepare("SELECT key FROM spin_key_value WHERE store = ?1")?;
                let keys = stmt.query_map(params![label], |row| row.get(0))?;
                keys.collect()
            })
            .await)
    }

    async fn drop(&mut self, store: Resource<KvStore>) -> wasmtime::Result<()> {
        self.table.delete(store)?;
        Ok(())
    }
}
