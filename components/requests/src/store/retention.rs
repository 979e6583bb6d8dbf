//! The SQL of retention: which closed requests of a commune have outlived their service's
//! `retention_days` (copied from the catalogue at filing), deleted with everything attached
//! ([`record::delete`]).

use guichet_guest::db::{self, Connection, Value};
use guichet_guest::Commune;

use crate::store::record;

/// The requests of `commune` whose retention has run out, as SQL after `SELECT …`.
const DUE: &str = "FROM requests WHERE commune = ? AND closed_at IS NOT NULL \
                   AND julianday(closed_at) + retention_days < julianday('now')";

/// Deletes at most `batch` requests of `commune` whose retention has run out, in one
/// transaction: how many went, and whether others are left.
pub fn purge_expired(
    conn: &Connection,
    commune: &Commune,
    batch: i64,
) -> anyhow::Result<(usize, bool)> {
    db::transaction(conn, |conn| {
        let result = db::query(
            conn,
            &format!("SELECT id {DUE} LIMIT ?"),
            &[db::text(commune.as_str()), Value::Integer(batch)],
        )?;
        let ids = db::rows(&result)
            .map(|row| row.get::<String>("id"))
            .collect::<Result<Vec<_>, _>>()?;
        for id in &ids {
            record::delete(conn, commune, id)?;
        }
        let left = db::query(
            conn,
            &format!("SELECT EXISTS (SELECT 1 {DUE}) AS remaining"),
            &[db::text(commune.as_str())],
        )?;
        let remaining = db::first_value::<bool>(&left, "remaining")? == Some(true);
        Ok((ids.len(), remaining))
    })
}
