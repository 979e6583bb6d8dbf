//! The store of the evidence log: each commune's entries, the hashes of its complete subtrees
//! and its signed tree heads, in the `signatures` database (tables `evidence_*`, append only:
//! triggers refuse any update or delete).
//!
//! An append writes the entry and the subtree hashes it completes ([`merkle::appended`]:
//! `O(log n)` reads and writes); a tree head reads the `O(log n)` subtrees along the tree's
//! right edge, and is signed by the commune's key the first time it is asked for at a size
//! (heads are kept, so the same size always answers the same signed head).

use anyhow::{anyhow, Context as _};
use guichet_guest::db::{self, Connection};
use guichet_guest::Commune;
use guichet_verify::evidence::{Entry, TreeHead, LOG_FORMAT, TREE_HEAD_TYPE};
use guichet_verify::merkle::{self, Hash, Nodes};

use crate::{keys, now};

/// The subtree hashes of one commune's log, as stored.
pub struct Stored<'c> {
    pub conn: &'c Connection,
    pub commune: &'c Commune,
}

impl Nodes for Stored<'_> {
    type Error = anyhow::Error;

    fn node(&self, level: u32, index: u64) -> anyhow::Result<Hash> {
        let rows = db::query(
            self.conn,
            "SELECT hash FROM evidence_nodes WHERE commune = ? AND level = ? AND idx = ?",
            &[
                db::text(self.commune.as_str()),
                db::Value::Integer(i64::from(level)),
                db::Value::Integer(i64::try_from(index)?),
            ],
        )?;
        let row = db::first_row(&rows)
            .ok_or_else(|| anyhow!("evidence log: subtree {level}/{index} is missing"))?;
        let bytes: &[u8] = row.get("hash")?;
        bytes
            .try_into()
            .map_err(|_| anyhow!("evidence log: subtree {level}/{index} is not a SHA-256"))
    }
}

/// How many entries the commune's log holds.
pub fn size(conn: &Connection, commune: &Commune) -> anyhow::Result<u64> {
    let rows = db::query(
        conn,
        "SELECT COALESCE(MAX(idx) + 1, 0) AS size FROM evidence_entries WHERE commune = ?",
        &[db::text(commune.as_str())],
    )?;
    let size: i64 = db::first_value(&rows, "size")?.unwrap_or(0);
    Ok(u64::try_from(size)?)
}

/// Appends `entry` to the commune's log (inside the caller's transaction) unless an entry of
/// the same source and id is there already: its index, and whether it was added now.
pub fn append(conn: &Connection, commune: &Commune, entry: &Entry) -> anyhow::Result<(u64, bool)> {
    let existing = db::query(
        conn,
        "SELECT idx FROM evidence_entries WHERE commune = ? AND source = ? AND event_id = ?",
        &[
            db::text(commune.as_str()),
            db::text(entry.source.as_str()),
            db::text(entry.id.as_str()),
        ],
    )?;
    if let Some(index) = db::first_value::<i64>(&existing, "idx")? {
        return Ok((u64::try_from(index)?, false));
    }
    let text = serde_json::to_string(entry).context("an evidence entry")?;
    let index = size(conn, commune)?;
    let stored = Stored { conn, commune };
    let added = merkle::appended(&stored, index, merkle::leaf_hash(text.as_bytes()))?;
    db::exec(
        conn,
        "INSERT INTO evidence_entries (commune, idx, source, event_id, entry, appended_at) \
         VALUES (?, ?, ?, ?, ?, ?)",
        &[
            db::text(commune.as_str()),
            db::Value::Integer(i64::try_from(index)?),
            db::text(entry.source.as_str()),
            db::text(entry.id.as_str()),
            db::text(text),
            db::text(now().1),
        ],
    )?;
    for (level, idx, hash) in added {
        db::exec(
            conn,
            "INSERT INTO evidence_nodes (commune, level, idx, hash) VALUES (?, ?, ?, ?)",
            &[
                db::text(commune.as_str()),
                db::Value::Integer(i64::from(level)),
                db::Value::Integer(i64::try_from(idx)?),
                db::Value::Blob(hash.to_vec()),
            ],
        )?;
    }
    Ok((index, true))
}

/// A signed tree head: the JWS and what it says.
pub struct SignedHead {
    pub jws: String,
    pub head: TreeHead,
}

impl SignedHead {
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "tree_head": self.jws,
            "log": self.head.log,
            "commune": self.head.commune,
            "tree_size": self.head.tree_size,
            "root_hash": self.head.root_hash,
            "issued_at": self.head.issued_at,
        })
    }
}

/// The signed head of the commune's log as it is now (signed and kept the first time).
pub fn current_head(conn: &Connection, commune: &Commune) -> anyhow::Result<SignedHead> {
    let size = size(conn, commune)?;
    if let Some(head) = stored_head(conn, commune, size)? {
        return Ok(head);
    }
    let root = merkle::root(&Stored { conn, commune }, size)?;
    let head = TreeHead {
        log: LOG_FORMAT.into(),
        commune: commune.as_str().into(),
        tree_size: size,
        root_hash: merkle::to_hex(&root),
        issued_at: now().1,
    };
    let key = keys::commune_key(conn, commune)?;
    let payload = serde_json::to_vec(&head).context("a tree head")?;
    let jws = guichet_verify::jws::sign(TREE_HEAD_TYPE, &key.kid, &payload, &key.pair);
    db::exec(
        conn,
        "INSERT OR IGNORE INTO evidence_heads (commune, tree_size, root_hash, jws, issued_at) \
         VALUES (?, ?, ?, ?, ?)",
        &[
            db::text(commune.as_str()),
            db::Value::Integer(i64::try_from(size)?),
            db::text(head.root_hash.as_str()),
            db::text(jws.as_str()),
            db::text(head.issued_at.as_str()),
        ],
    )?;
    // Another request may have signed this size first: the kept head is the one answered.
    stored_head(conn, commune, size)?.ok_or_else(|| anyhow!("evidence log: head not kept"))
}

/// The kept signed head of size `size`, if one was issued.
pub fn stored_head(
    conn: &Connection,
    commune: &Commune,
    size: u64,
) -> anyhow::Result<Option<SignedHead>> {
    let rows = db::query(
        conn,
        "SELECT jws FROM evidence_heads WHERE commune = ? AND tree_size = ?",
        &[
            db::text(commune.as_str()),
            db::Value::Integer(i64::try_from(size)?),
        ],
    )?;
    db::first_text(&rows).map(|jws| decode(&jws)).transpose()
}

/// What the kept head `jws` says (it was signed here: its payload is read, not verified).
pub fn decode(jws: &str) -> anyhow::Result<SignedHead> {
    let payload = jws
        .split('.')
        .nth(1)
        .ok_or_else(|| anyhow!("a kept tree head is not a compact JWS"))?;
    let bytes = guichet_verify::b64::decode(payload).context("a kept tree head's payload")?;
    let head: TreeHead = serde_json::from_slice(&bytes).context("a kept tree head")?;
    Ok(SignedHead {
        jws: jws.to_owned(),
        head,
    })
}

/// Entry `index` as logged.
pub fn entry(conn: &Connection, commune: &Commune, index: u64) -> anyhow::Result<Option<String>> {
    let rows = db::query(
        conn,
        "SELECT entry FROM evidence_entries WHERE commune = ? AND idx = ?",
        &[
            db::text(commune.as_str()),
            db::Value::Integer(i64::try_from(index)?),
        ],
    )?;
    Ok(db::first_text(&rows))
}

/// The proof hashes as the routes and bundles write them (hex).
pub fn hex_all(proof: &[Hash]) -> Vec<String> {
    proof.iter().map(merkle::to_hex).collect()
}
