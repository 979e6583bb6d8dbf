//! The SQL of the e-mails waiting for triage (`inbound_mail` rows with status `triage`): the
//! agents' list, one mail as stored, and its resolution (only while it still waits).

use anyhow::Context as _;
use guichet_guest::db::{self, Connection, FromRow, Row, RowError, Value};
use guichet_guest::Commune;

/// A waiting mail, as the agents' list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub id: Option<String>,
    pub sender: Option<String>,
    pub subject: Option<String>,
    pub received_at: Option<String>,
    /// The first 280 characters of its text.
    pub start: Option<String>,
    /// The receiving mail server authenticated the sender.
    pub sender_verified: bool,
}

impl FromRow for Waiting {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(Waiting {
            id: row.get("id")?,
            sender: row.get("sender")?,
            subject: row.get("subject")?,
            received_at: row.get("received_at")?,
            start: row.get("start")?,
            sender_verified: row.get::<Option<i64>>("sender_verified")? == Some(1),
        })
    }
}

/// How many mails of `commune` wait for triage.
pub fn count_waiting(conn: &Connection, commune: &Commune) -> anyhow::Result<i64> {
    let result = db::query(
        conn,
        "SELECT COUNT(*) AS n FROM inbound_mail WHERE commune = ? AND status = 'triage'",
        &[db::text(commune.as_str())],
    )?;
    Ok(db::first_value::<i64>(&result, "n")?.unwrap_or(0))
}

/// `limit` of the mails of `commune` waiting for triage after the first `offset`, oldest
/// first.
pub fn waiting(
    conn: &Connection,
    commune: &Commune,
    limit: i64,
    offset: i64,
) -> anyhow::Result<Vec<Waiting>> {
    let result = db::query(
        conn,
        "SELECT id, sender, subject, received_at, substr(body_text, 1, 280) AS start, \
         sender_verified FROM inbound_mail \
         WHERE commune = ? AND status = 'triage' ORDER BY received_at, rowid LIMIT ? OFFSET ?",
        &[
            db::text(commune.as_str()),
            Value::Integer(limit),
            Value::Integer(offset),
        ],
    )?;
    Ok(db::decode_all(&result)?)
}

/// A mail as stored: its status, its raw bytes, whether its sender was authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub status: Option<String>,
    pub raw: Option<Vec<u8>>,
    pub sender_verified: bool,
}

impl FromRow for Stored {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(Stored {
            status: row.get("status")?,
            raw: row.get("raw")?,
            sender_verified: row.get::<Option<i64>>("sender_verified")? == Some(1),
        })
    }
}

/// The mail `id` of `commune`, `None` when there is none.
pub fn stored(conn: &Connection, commune: &Commune, id: &str) -> anyhow::Result<Option<Stored>> {
    let result = db::query(
        conn,
        "SELECT status, raw, sender_verified FROM inbound_mail WHERE commune = ? AND id = ?",
        &[db::text(commune.as_str()), db::text(id)],
    )?;
    Ok(db::decode_first(&result)?)
}

/// Marks the mail resolved with `status`, only if it still waits (another agent may have been
/// first): whether it did.
pub fn resolve(
    conn: &Connection,
    id: &str,
    status: &str,
    request_id: Option<&str>,
) -> anyhow::Result<bool> {
    let result = db::query(
        conn,
        "UPDATE inbound_mail SET status = ?, request_id = ? WHERE id = ? AND status = 'triage' \
         RETURNING id",
        &[
            db::text(status),
            request_id.map_or(Value::Null, db::text),
            db::text(id),
        ],
    )
    .context("resolving the e-mail")?;
    Ok(!result.rows.is_empty())
}
