//! `guichet-host backup` and `guichet-host restore`: every SQLite file of a runtime config
//! (each `[sqlite_database.*]` and file-backed `[key_value_store.*]`, and the `default` ones of
//! the state directory) copied while the app keeps serving, and put back.
//!
//! A backup is SQLite's `VACUUM INTO` on a read-only connection: one read transaction, so the
//! copy is a consistent snapshot of each database even while requests write (they wait at most
//! the busy timeout for a rollback-journal database; not at all in WAL mode). Each copy is then
//! checked with `PRAGMA integrity_check`. `backup.json` lists what was copied, and what was not
//! (a store on Redis has its own persistence; an in-memory one has nothing to keep).
//!
//! A restore, with the app stopped, puts each file back where the runtime config now places
//! its label (through a temporary file and a rename, removing stale `-wal`/`-shm`/`-journal`
//! files), and refuses to overwrite an existing database unless told to.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};

use crate::runtime_config::{Location, Stores};

/// What one backup holds (`backup.json`).
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// Seconds since the Unix epoch when the backup started.
    pub created_at: u64,
    pub entries: Vec<Entry>,
    /// Stores that were not copied, and why.
    pub skipped: Vec<Skipped>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    /// `sqlite_database` or `key_value_store`.
    pub kind: String,
    pub label: String,
    /// The copy, relative to the backup directory.
    pub file: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Skipped {
    pub kind: String,
    pub label: String,
    pub reason: String,
}

const KINDS: [&str; 2] = ["sqlite_database", "key_value_store"];

fn stores_of<'a>(
    stores: &'a Stores,
    kind: &str,
) -> &'a std::collections::BTreeMap<String, Location> {
    if kind == "sqlite_database" {
        &stores.sqlite
    } else {
        &stores.key_value
    }
}

/// Copies every file-backed store of `stores` into `to` (which must not exist or be empty).
pub fn backup(stores: &Stores, to: &Path) -> Result<Manifest> {
    if to.exists() && std::fs::read_dir(to)?.next().is_some() {
        bail!(
            "{} is not empty: back up into a new directory",
            to.display()
        );
    }
    let created_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let mut manifest = Manifest {
        created_at,
        entries: Vec::new(),
        skipped: Vec::new(),
    };
    for kind in KINDS {
        std::fs::create_dir_all(to.join(kind))
            .with_context(|| format!("creating {}", to.display()))?;
        for (label, location) in stores_of(stores, kind) {
            let skip = |reason: &str| Skipped {
                kind: kind.into(),
                label: label.clone(),
                reason: reason.into(),
            };
            match location {
                Location::File(path) if path.exists() => {
                    let file = format!("{kind}/{label}.db");
                    copy_database(path, &to.join(&file)).with_context(|| {
                        format!("backing up [{kind}.{label}] ({})", path.display())
                    })?;
                    manifest.entries.push(Entry {
                        kind: kind.into(),
                        label: label.clone(),
                        file,
                    });
                }
                Location::File(_) => manifest.skipped.push(skip("no file yet (never used)")),
                Location::Memory => manifest
                    .skipped
                    .push(skip("in memory: nothing outlives the host")),
                Location::Redis(_) => manifest.skipped.push(skip(
                    "on Redis: back it up with Redis's own persistence (RDB/AOF)",
                )),
            }
        }
    }
    let text = serde_json::to_string_pretty(&manifest)?;
    std::fs::write(to.join("backup.json"), text).context("writing backup.json")?;
    Ok(manifest)
}

/// A consistent copy of the database at `source` into the new file `target`, checked.
fn copy_database(source: &Path, target: &Path) -> Result<()> {
    let conn = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("opening {}", source.display()))?;
    conn.busy_timeout(Duration::from_secs(30))?;
    let target_text = target.to_str().context("the backup path is not UTF-8")?;
    conn.execute("VACUUM INTO ?1", [target_text])
        .context("VACUUM INTO")?;
    check_integrity(target)
}

fn check_integrity(path: &Path) -> Result<()> {
    let copy = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let verdict: String = copy.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
    if verdict != "ok" {
        bail!(
            "{} fails SQLite's integrity check: {verdict}",
            path.display()
        );
    }
    Ok(())
}

/// Puts the databases of the backup in `from` where `stores` places their labels now. With
/// `force`, an existing database is replaced; without it, that is an error naming it.
pub fn restore(stores: &Stores, from: &Path, force: bool) -> Result<Vec<PathBuf>> {
    let text = std::fs::read_to_string(from.join("backup.json"))
        .with_context(|| format!("reading {}/backup.json", from.display()))?;
    let manifest: Manifest = serde_json::from_str(&text).context("invalid backup.json")?;
    // Check everything first: a restore stopped half-way would mix two points in time.
    let mut plan = Vec::new();
    for entry in &manifest.entries {
        if !KINDS.contains(&entry.kind.as_str()) || entry.file.contains("..") {
            bail!("backup.json: unexpected entry {entry:?}");
        }
        let source = from.join(&entry.file);
        check_integrity(&source)
            .with_context(|| format!("[{}.{}] in the backup", entry.kind, entry.label))?;
        let target = match stores_of(stores, &entry.kind).get(&entry.label) {
            Some(Location::File(path)) => path.clone(),
            Some(_) => bail!(
                "[{}.{}] is not a file in this runtime config: restore it by hand",
                entry.kind,
                entry.label
            ),
            None => bail!(
                "[{}.{}] is in the backup but not in this runtime config",
                entry.kind,
                entry.label
            ),
        };
        if target.exists() && !force {
            bail!(
                "[{}.{}]: {} exists; stop the app and pass --force to replace it",
                entry.kind,
                entry.label,
                target.display()
            );
        }
        plan.push((source, target));
    }
    let mut restored = Vec::new();
    for (source, target) in plan {
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let partial = target.with_extension("restoring");
        std::fs::copy(&source, &partial)
            .with_context(|| format!("copying to {}", partial.display()))?;
        for suffix in ["-wal", "-shm", "-journal"] {
            let stale = PathBuf::from(format!("{}{suffix}", target.display()));
            if stale.exists() {
                std::fs::remove_file(&stale)
                    .with_context(|| format!("removing {}", stale.display()))?;
            }
        }
        std::fs::rename(&partial, &target)
            .with_context(|| format!("replacing {}", target.display()))?;
        restored.push(target);
    }
    Ok(restored)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn stores(dir: &Path) -> Stores {
        Stores {
            key_value: BTreeMap::from([
                ("cache".to_string(), Location::File(dir.join("kv.db"))),
                (
                    "shared".to_string(),
                    Location::Redis("redis://127.0.0.1:6379".into()),
                ),
            ]),
            sqlite: BTreeMap::from([
                ("orders".to_string(), Location::File(dir.join("orders.db"))),
                ("unused".to_string(), Location::File(dir.join("unused.db"))),
            ]),
            variable_prefixes: Vec::new(),
        }
    }

    #[test]
    fn a_backup_taken_while_a_write_is_pending_restores_the_committed_rows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let live = stores(dir.path());
        let orders = Connection::open(dir.path().join("orders.db")).expect("open");
        orders
            .execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE o (x); INSERT INTO o VALUES (1);")
            .expect("seed");
        Connection::open(dir.path().join("kv.db"))
            .expect("open")
            .execute_batch("CREATE TABLE k (v)")
            .expect("kv");
        // An open write transaction: the backup must neither wait for it nor include it.
        orders
            .execute_batch("BEGIN IMMEDIATE; INSERT INTO o VALUES (2);")
            .expect("pending");
        let manifest = backup(&live, &dir.path().join("b")).expect("backup");
        orders.execute_batch("COMMIT").expect("commit");
        assert_eq!(manifest.entries.len(), 2, "{manifest:?}");
        let reasons: Vec<&str> = manifest.skipped.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(reasons, ["unused", "shared"]);

        let target = tempfile::tempdir().expect("tempdir");
        let restored =
            restore(&stores(target.path()), &dir.path().join("b"), false).expect("restore");
        assert_eq!(restored.len(), 2);
        let copy = Connection::open(target.path().join("orders.db")).expect("open");
        let rows: i64 = copy
            .query_row("SELECT count(*) FROM o", [], |r| r.get(0))
            .expect("count");
        assert_eq!(rows, 1);
    }

    #[test]
    fn a_restore_never_overwrites_a_database_unless_forced_and_never_into_a_non_empty_backup() {
        let dir = tempfile::tempdir().expect("tempdir");
        Connection::open(dir.path().join("orders.db"))
            .expect("open")
            .execute_batch("CREATE TABLE o (x)")
            .expect("t");
        backup(&stores(dir.path()), &dir.path().join("b")).expect("backup");
        let err = format!(
            "{:#}",
            backup(&stores(dir.path()), &dir.path().join("b")).unwrap_err()
        );
        assert!(err.contains("not empty"), "{err}");
        let err = format!(
            "{:#}",
            restore(&stores(dir.path()), &dir.path().join("b"), false).unwrap_err()
        );
        assert!(
            err.contains("[sqlite_database.orders]") && err.contains("--force"),
            "{err}"
        );
        restore(&stores(dir.path()), &dir.path().join("b"), true).expect("forced");
    }
}
