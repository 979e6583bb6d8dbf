//! The SQL of who follows a request (`followers`): its filer once merged, the filers of
//! duplicates merged into it, and whoever chose to follow it. `follower` is the key
//! `account:<id>`, `email:<address>` or `phone:<number>`; `contact` (JSON) is what events
//! put in their recipients.

use anyhow::Context as _;
use guichet_guest::db::{self, Connection, RowError, Value};
use guichet_guest::Commune;
use serde_json::Value as Json;

/// Adds `follower` to request `request_id` with `contact`, unless it already follows it
/// (then nothing changes: see `changes()`).
pub fn add(
    conn: &Connection,
    commune: &Commune,
    request_id: &str,
    follower: &str,
    contact: &Json,
    now: &str,
) -> anyhow::Result<()> {
    db::exec(
        conn,
        "INSERT OR IGNORE INTO followers (commune, request_id, follower, contact, since) VALUES (?, ?, ?, ?, ?)",
        &[
            db::text(commune.as_str()),
            db::text(request_id),
            db::text(follower),
            db::text(contact.to_string()),
            Value::Text(now.to_owned()),
        ],
    )
    .context("adding a follower")
}

/// The followers of request `from` follow request `to` too, since `now` (a merge).
pub fn copy(
    conn: &Connection,
    commune: &Commune,
    from: &str,
    to: &str,
    now: &str,
) -> anyhow::Result<()> {
    db::exec(
        conn,
        "INSERT OR IGNORE INTO followers (commune, request_id, follower, contact, since) \
         SELECT commune, ?, follower, contact, ? FROM followers WHERE request_id = ? AND commune = ?",
        &[db::text(to), db::text(now), db::text(from), db::text(commune.as_str())],
    )
    .context("copying the duplicate's followers")
}

/// Whether `follower` follows request `request_id`.
pub fn follows(
    conn: &Connection,
    commune: &Commune,
    request_id: &str,
    follower: &str,
) -> anyhow::Result<bool> {
    let result = db::query(
        conn,
        "SELECT 1 FROM followers WHERE commune = ? AND request_id = ? AND follower = ?",
        &[
            db::text(commune.as_str()),
            db::text(request_id),
            db::text(follower),
        ],
    )?;
    Ok(db::first_row(&result).is_some())
}

/// How many followers request `request_id` has.
pub fn count_of_request(
    conn: &Connection,
    commune: &Commune,
    request_id: &str,
) -> anyhow::Result<i64> {
    count(
        conn,
        "SELECT count(*) AS n FROM followers WHERE commune = ? AND request_id = ?",
        commune,
        request_id,
    )
}

/// How many requests `follower` follows.
pub fn count_of_follower(
    conn: &Connection,
    commune: &Commune,
    follower: &str,
) -> anyhow::Result<i64> {
    count(
        conn,
        "SELECT count(*) AS n FROM followers WHERE commune = ? AND follower = ?",
        commune,
        follower,
    )
}

fn count(conn: &Connection, sql: &str, commune: &Commune, key: &str) -> anyhow::Result<i64> {
    let result = db::query(conn, sql, &[db::text(commune.as_str()), db::text(key)])?;
    Ok(db::first_value::<i64>(&result, "n")?.unwrap_or(0))
}

/// The stored contacts (JSON text) of request `request_id`'s followers, oldest follow first.
pub fn contacts(conn: &Connection, request_id: &str) -> anyhow::Result<Vec<String>> {
    let result = db::query(
        conn,
        "SELECT contact FROM followers WHERE request_id = ? ORDER BY since",
        &[db::text(request_id)],
    )?;
    let contacts = db::rows(&result)
        .map(|row| row.get("contact"))
        .collect::<Result<_, RowError>>()?;
    Ok(contacts)
}
