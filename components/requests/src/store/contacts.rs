//! The SQL of the links confirming a contact given without an account
//! ([`crate::http::contacts`]): tokens are 128 random bits from SQLite, stored as their
//! SHA-256 (`contact_tokens`), valid [`TOKEN_DAYS`] days, used once. A token confirms the
//! filer's contact of a request (`follower` empty) or one follower's; a merge moves the
//! duplicate's tokens to the original.

use anyhow::Context as _;
use guichet_guest::db::{self, Connection, FromRow, Row, RowError, Value};
use guichet_guest::Commune;
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};

/// The stored contact's member that marks it unverified.
pub const UNVERIFIED: &str = "unverified";
/// Marks `contact` unverified when it has a way to be reached (an e-mail or a phone).
pub fn mark_unverified(contact: &mut Json) {
    if let Some(map) = contact.as_object_mut() {
        if map.contains_key("email") || map.contains_key("phone") {
            map.insert(UNVERIFIED.into(), json!(true));
        }
    }
}

/// Whether the stored `contact` is unverified.
pub fn is_unverified(contact: &Json) -> bool {
    contact.get(UNVERIFIED).and_then(Json::as_bool) == Some(true)
}

/// How long a confirmation link works.
pub const TOKEN_DAYS: i64 = 7;

/// A new token confirming the filer's contact of request `request_id` (`follower` `None`), or
/// the follower `follower`'s; only its hash is stored. Call inside the transaction that
/// stored the contact.
pub fn issue(
    conn: &Connection,
    commune: &Commune,
    request_id: &str,
    follower: Option<&str>,
) -> anyhow::Result<String> {
    let result = db::query(conn, "SELECT hex(randomblob(16)) AS token", &[])?;
    let token = db::first_value::<String>(&result, "token")?
        .filter(|t| t.len() == 32)
        .ok_or_else(|| anyhow::anyhow!("randomblob gave no token"))?
        .to_ascii_lowercase();
    db::exec(
        conn,
        "INSERT INTO contact_tokens (hash, commune, request_id, follower, expires_at) \
         VALUES (?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?))",
        &[
            db::text(hash(&token)),
            db::text(commune.as_str()),
            db::text(request_id),
            db::text(follower.unwrap_or_default()),
            db::text(format!("+{TOKEN_DAYS} days")),
        ],
    )?;
    Ok(token)
}

fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A valid token: whose contact it confirms.
struct Found {
    request_id: String,
    /// Empty for the filer's contact.
    follower: String,
    reference: String,
}

impl FromRow for Found {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(Found {
            request_id: row.get("request_id")?,
            follower: row.get("follower")?,
            reference: row.get("reference")?,
        })
    }
}

/// Verifies the contact `token` confirms and deletes the token (and the expired ones); the
/// request's reference, or `None` when the token is unknown or expired. Call inside a
/// transaction.
pub fn confirm(
    conn: &Connection,
    commune: &Commune,
    token: &str,
) -> anyhow::Result<Option<String>> {
    let found = db::query(
        conn,
        "SELECT t.request_id, t.follower, r.reference FROM contact_tokens t \
         JOIN requests r ON r.id = t.request_id AND r.commune = t.commune \
         WHERE t.hash = ? AND t.commune = ? AND t.expires_at > strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
        &[db::text(hash(token)), db::text(commune.as_str())],
    )?;
    let Some(Found {
        request_id,
        follower,
        reference,
    }) = db::decode_first(&found)?
    else {
        return Ok(None);
    };
    let params = [db::text(commune.as_str()), db::text(request_id.as_str())];
    if follower.is_empty() {
        db::exec(
            conn,
            "UPDATE requests SET contact = json_remove(contact, '$.unverified') \
             WHERE commune = ? AND id = ?",
            &params,
        )?;
    } else {
        db::exec(
            conn,
            "UPDATE followers SET contact = json_remove(contact, '$.unverified') \
             WHERE commune = ? AND request_id = ? AND follower = ?",
            &[params[0].clone(), params[1].clone(), Value::Text(follower)],
        )?;
    }
    db::exec(
        conn,
        "DELETE FROM contact_tokens WHERE hash = ? OR expires_at <= strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
        &[db::text(hash(token))],
    )?;
    Ok(Some(reference))
}

/// The filer's link of request `from` (if not used yet) now confirms them as the follower
/// `follower` of request `to` (a merge).
pub fn move_filer_token(
    conn: &Connection,
    commune: &Commune,
    from: &str,
    to: &str,
    follower: &str,
) -> anyhow::Result<()> {
    db::exec(
        conn,
        "UPDATE contact_tokens SET request_id = ?, follower = ? \
         WHERE commune = ? AND request_id = ? AND follower = ''",
        &[
            db::text(to),
            db::text(follower),
            db::text(commune.as_str()),
            db::text(from),
        ],
    )
}

/// The followers' links of request `from` now confirm them as followers of request `to` (a
/// merge).
pub fn move_follower_tokens(
    conn: &Connection,
    commune: &Commune,
    from: &str,
    to: &str,
) -> anyhow::Result<()> {
    db::exec(
        conn,
        "UPDATE contact_tokens SET request_id = ? WHERE commune = ? AND request_id = ? AND follower <> ''",
        &[db::text(to), db::text(commune.as_str()), db::text(from)],
    )
    .context("moving the followers' confirmation links")
}
