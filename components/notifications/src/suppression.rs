//! Suppressed addresses: an address that bounced permanently (a provider's callback said so)
//! gets nothing more on that channel in that commune, until an administrator lifts the
//! suppression. Messages to it are given up at their attempt with the reason
//! [`REASON`], without calling the provider: sending again to a dead mailbox harms the
//! commune's sender reputation, and a number that no longer exists may belong to someone
//! else tomorrow.

use anyhow::Context as _;
use guichet_guest::db::{self, Connection};
use serde_json::{json, Value as Json};

/// The `last_error` of a message not sent because its address is suppressed.
pub const REASON: &str = "suppressed";

/// Whether `address` is suppressed on `channel` (`email`, `sms`) in `commune`.
pub fn is_suppressed(
    conn: &Connection,
    commune: &str,
    channel: &str,
    address: &str,
) -> anyhow::Result<bool> {
    let result = db::query(
        conn,
        "SELECT 1 FROM suppressions WHERE commune = ? AND channel = ? AND address = lower(?)",
        &[db::text(commune), db::text(channel), db::text(address)],
    )?;
    Ok(!result.rows.is_empty())
}

/// Suppresses the address of message `message_id` (its commune and channel), for `reason`.
/// Nothing when the message has no address left (erased) or is a webhook.
pub fn suppress_address_of(
    conn: &Connection,
    message_id: &str,
    reason: &str,
) -> anyhow::Result<()> {
    db::exec(
        conn,
        &format!(
            "INSERT INTO suppressions (commune, channel, address, reason, message_id, created_at) \
             SELECT commune, channel, lower(to_address), ?, id, {} FROM messages \
             WHERE id = ? AND to_address IS NOT NULL AND channel IN ('email', 'sms') \
             ON CONFLICT (commune, channel, address) DO NOTHING",
            db::NOW_RFC3339
        ),
        &[db::text(reason), db::text(message_id)],
    )
    .context("suppressing an address")
}

/// The suppressed addresses of `commune`, newest first (at most `limit`).
pub fn list(conn: &Connection, commune: &str, limit: i64) -> anyhow::Result<Vec<Json>> {
    let result = db::query(
        conn,
        "SELECT channel, address, reason, message_id, created_at FROM suppressions \
         WHERE commune = ? ORDER BY created_at DESC, address LIMIT ?",
        &[db::text(commune), db::Value::Integer(limit)],
    )?;
    db::rows(&result)
        .map(|row| {
            Ok(json!({
                "channel": row.get::<&str>("channel")?,
                "address": row.get::<&str>("address")?,
                "reason": row.get::<&str>("reason")?,
                "message_id": row.get::<Option<&str>>("message_id")?,
                "created_at": row.get::<&str>("created_at")?,
            }))
        })
        .collect()
}

/// Lifts the suppression of `address` on `channel` in `commune`; `true` when there was one.
pub fn lift(
    conn: &Connection,
    commune: &str,
    channel: &str,
    address: &str,
) -> anyhow::Result<bool> {
    db::exec(
        conn,
        "DELETE FROM suppressions WHERE commune = ? AND channel = ? AND address = lower(?)",
        &[db::text(commune), db::text(channel), db::text(address)],
    )?;
    Ok(conn.changes() == 1)
}
