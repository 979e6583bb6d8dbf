//! The SQL of the notification-chain checks ([`crate::http::ping`]): an administrator's ping
//! (`diagnostic_pings`, written with its outbox event), and whether that event was delivered.

use guichet_guest::db::{self, Connection, FromRow, Row, RowError, Value};
use guichet_guest::Commune;

/// Where a ping's event stands in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    pub delivered: bool,
    pub attempts: i64,
}

impl FromRow for Delivery {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(Delivery {
            delivered: row.get("delivered")?,
            attempts: row.get::<Option<i64>>("attempts")?.unwrap_or(0),
        })
    }
}

/// Records ping `id` of `commune`, run by the account `requested_by`; call inside the
/// transaction that records its event.
pub fn insert(
    conn: &Connection,
    id: &str,
    commune: &Commune,
    requested_by: &str,
    now: &str,
) -> anyhow::Result<()> {
    db::exec(
        conn,
        "INSERT INTO diagnostic_pings (id, commune, requested_by, created_at) VALUES (?, ?, ?, ?)",
        &[
            db::text(id),
            db::text(commune.as_str()),
            db::text(requested_by),
            db::text(now),
        ],
    )
}

/// The delivery of ping `id`'s event, `None` when `commune` has no such ping.
pub fn delivery(
    conn: &Connection,
    commune: &Commune,
    id: &str,
) -> anyhow::Result<Option<Delivery>> {
    let result = db::query(
        conn,
        "SELECT o.delivered_at IS NOT NULL AS delivered, o.attempts FROM diagnostic_pings p \
         JOIN outbox o ON o.id = p.id WHERE p.id = ? AND p.commune = ?",
        &[Value::Text(id.to_owned()), db::text(commune.as_str())],
    )?;
    Ok(db::decode_first(&result)?)
}
