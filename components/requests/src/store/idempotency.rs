//! The SQL of `Idempotency-Key`s: the answer given to each (commune, caller, key), kept a day
//! (it holds a tracking code in clear). The rules are in [`crate::http::idempotency`].

use anyhow::Context as _;
use guichet_guest::db::{self, Connection, FromRow, Row, RowError, Value};
use guichet_guest::Commune;

/// How long a key is remembered, as an SQLite date modifier.
const KEPT: &str = "-1 day";

/// The answer stored for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// SHA-256 of the body that was answered.
    pub fingerprint: String,
    pub status: i64,
    /// The answer's JSON, as text.
    pub body: String,
}

impl FromRow for Answer {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(Answer {
            fingerprint: row.get("fingerprint")?,
            status: row.get("status")?,
            body: row.get("body")?,
        })
    }
}

/// The answer given to `key` of `caller` in `commune` within a day, if any.
pub fn find(
    conn: &Connection,
    commune: &Commune,
    caller: &str,
    key: &str,
) -> anyhow::Result<Option<Answer>> {
    let result = db::query(
        conn,
        &format!(
            "SELECT fingerprint, status, body FROM idempotency \
             WHERE commune = ? AND caller = ? AND key = ? \
             AND created_at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '{KEPT}')"
        ),
        &[db::text(commune.as_str()), db::text(caller), db::text(key)],
    )?;
    Ok(db::decode_first(&result)?)
}

/// Records `answer` to `key` of `caller`, replacing a stale one; fails when a fresh answer is
/// already recorded (the primary key), which fails the filing transaction it is part of.
pub fn record(
    conn: &Connection,
    commune: &Commune,
    caller: &str,
    key: &str,
    answer: &Answer,
) -> anyhow::Result<()> {
    let params = [db::text(commune.as_str()), db::text(caller), db::text(key)];
    db::exec(
        conn,
        &format!(
            "DELETE FROM idempotency WHERE commune = ? AND caller = ? AND key = ? \
             AND created_at <= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '{KEPT}')"
        ),
        &params,
    )?;
    let [commune, caller, key] = params;
    db::exec(
        conn,
        &format!(
            "INSERT INTO idempotency (commune, caller, key, fingerprint, status, body, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, {})",
            db::NOW_RFC3339
        ),
        &[
            commune,
            caller,
            key,
            db::text(answer.fingerprint.as_str()),
            Value::Integer(answer.status),
            db::text(answer.body.as_str()),
        ],
    )
    .context("recording the Idempotency-Key")
}

/// Drops the answers of `commune` older than a day.
pub fn purge(conn: &Connection, commune: &Commune) -> anyhow::Result<()> {
    db::exec(
        conn,
        &format!(
            "DELETE FROM idempotency WHERE commune = ? \
             AND created_at <= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '{KEPT}')"
        ),
        &[db::text(commune.as_str())],
    )
}
