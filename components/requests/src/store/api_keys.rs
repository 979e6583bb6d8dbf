//! The SQL of Open311 API keys: only a key's SHA-256 is stored, so a leaked database gives no
//! usable key; a revoked key is found by no lookup.

use guichet_guest::db::{self, Connection, FromRow, Row, RowError};
use guichet_guest::evidence;
use guichet_guest::Commune;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// A key that may be used, as found by [`authenticate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
}

impl FromRow for ApiKey {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(ApiKey {
            id: row.get("id")?,
            name: row.get("name")?,
        })
    }
}

/// A key as listed to administrators: never the key itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyEntry {
    pub id: String,
    pub name: String,
    pub created_by: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

impl FromRow for KeyEntry {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(KeyEntry {
            id: row.get("id")?,
            name: row.get("name")?,
            created_by: row.get("created_by")?,
            created_at: row.get("created_at")?,
            revoked_at: row.get("revoked_at")?,
        })
    }
}

/// The source of the evidence log's entries about API keys.
const EVIDENCE_SOURCE: &str = "requests";

/// A new key named `name` for `commune`, issued by `created_by`: its id, creation time and the
/// key itself (returned this once). The issue goes to the outbox of the evidence log
/// (`api-key-issued`) in the same transaction.
pub fn create(
    conn: &Connection,
    commune: &Commune,
    name: &str,
    created_by: &str,
) -> anyhow::Result<(String, String, String)> {
    db::transaction(conn, |conn| {
        let (id, now) = db::new_id_and_now(conn)?;
        let key = random_key(conn)?;
        db::exec(
            conn,
            "INSERT INTO api_keys (id, commune, name, key_hash, created_by, created_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
            &[
                db::text(id.as_str()),
                db::text(commune.as_str()),
                db::text(name),
                db::text(hash(&key)),
                db::text(created_by),
                db::text(now.as_str()),
            ],
        )?;
        let event = evidence::event(
            conn,
            commune,
            EVIDENCE_SOURCE,
            "api-key-issued",
            Some(created_by),
            &id,
            &[("name", name)],
        )?;
        evidence::enqueue(conn, &event)?;
        Ok((id, now, key))
    })
}

/// The keys of `commune`, newest first.
pub fn list(conn: &Connection, commune: &Commune) -> anyhow::Result<Vec<KeyEntry>> {
    let result = db::query(
        conn,
        "SELECT id, name, created_by, created_at, revoked_at FROM api_keys \
         WHERE commune = ? ORDER BY created_at DESC, id",
        &[db::text(commune.as_str())],
    )?;
    Ok(db::decode_all(&result)?)
}

/// Revokes the key `id` of `commune` (a second revocation keeps the first time); `None` when
/// there is no such key.
/// The first revocation goes to the outbox of the evidence log (`api-key-revoked`, by `by`).
pub fn revoke(
    conn: &Connection,
    commune: &Commune,
    id: &str,
    by: &str,
) -> anyhow::Result<Option<KeyEntry>> {
    db::transaction(conn, |conn| {
        let active = db::query(
            conn,
            "SELECT 1 FROM api_keys WHERE commune = ? AND id = ? AND revoked_at IS NULL",
            &[db::text(commune.as_str()), db::text(id)],
        )?;
        let result = db::query(
            conn,
            &format!(
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, {}) \
                 WHERE commune = ? AND id = ? \
                 RETURNING id, name, created_by, created_at, revoked_at",
                db::NOW_RFC3339
            ),
            &[db::text(commune.as_str()), db::text(id)],
        )?;
        if !active.rows.is_empty() {
            let event = evidence::event(
                conn,
                commune,
                EVIDENCE_SOURCE,
                "api-key-revoked",
                Some(by),
                id,
                &[],
            )?;
            evidence::enqueue(conn, &event)?;
        }
        Ok(db::decode_first(&result)?)
    })
}

/// The key `key` of `commune` if it exists and is not revoked.
pub fn authenticate(
    conn: &Connection,
    commune: &Commune,
    key: &str,
) -> anyhow::Result<Option<ApiKey>> {
    let result = db::query(
        conn,
        "SELECT id, name FROM api_keys WHERE commune = ? AND key_hash = ? AND revoked_at IS NULL",
        &[db::text(commune.as_str()), db::text(hash(key.trim()))],
    )?;
    Ok(db::decode_first(&result)?)
}

/// 32 random bytes from SQLite's randomness (the component has no random-number crate), as
/// lowercase hex.
fn random_key(conn: &Connection) -> anyhow::Result<String> {
    let result = db::query(conn, "SELECT lower(hex(randomblob(32))) AS key", &[])?;
    db::first_value::<String>(&result, "key")?
        .filter(|key| key.len() == 64)
        .ok_or_else(|| anyhow::anyhow!("randomblob(32) gave no 64 hex digits"))
}

/// The stored form of a key: its SHA-256 in lowercase hex.
fn hash(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_stored_as_its_sha256_in_hex() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
