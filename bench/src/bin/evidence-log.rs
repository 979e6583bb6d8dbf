//! The evidence log's cost at a million entries (issue 12, benchmark): append, tree head,
//! inclusion and consistency proofs, on the exact schema of the `signatures` database
//! (`components/signatures/src/schema.rs`, included here and migrated natively) with the
//! statements of `components/signatures/src/evidence/log.rs` run through rusqlite and the very
//! Merkle code the component and `guichet-verify` share (`guichet_verify::merkle`).
//!
//! Fills one commune's log with N entries (batched transactions), then measures, one
//! operation at a time:
//! - append: one transaction writing the entry and the subtree hashes it completes, as the
//!   component does; baseline in the same run: the same transaction writing the entry row
//!   only (what a log without a tree would cost);
//! - tree head (root of the current size from the stored subtrees, unsigned);
//! - inclusion proof of a random entry in the tree of N; baseline: reading that entry;
//! - consistency proof from a random older size to N;
//! - verifying an inclusion proof (what `guichet-verify` does per signature).
//!
//! Prints a Markdown table. Usage: evidence-log [entries] [samples] (defaults 1000000 and
//! 2000), or `bash bench/evidence.sh`.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use guichet_verify::merkle::{self, Hash, Nodes};
use rusqlite::{params, Connection, OptionalExtension};

#[allow(dead_code)]
#[path = "../../../components/signatures/src/schema.rs"]
mod schema;

const COMMUNE: &str = "demo";

struct Stored<'c>(&'c Connection);

impl Nodes for Stored<'_> {
    type Error = anyhow::Error;
    fn node(&self, level: u32, index: u64) -> anyhow::Result<Hash> {
        let mut stmt = self.0.prepare_cached(
            "SELECT hash FROM evidence_nodes WHERE commune = ? AND level = ? AND idx = ?",
        )?;
        let bytes: Vec<u8> =
            stmt.query_row(params![COMMUNE, level, index as i64], |row| row.get(0))?;
        bytes.try_into().map_err(|_| anyhow::anyhow!("not a hash"))
    }
}

fn size(conn: &Connection) -> anyhow::Result<u64> {
    let mut stmt = conn.prepare_cached(
        "SELECT COALESCE(MAX(idx) + 1, 0) FROM evidence_entries WHERE commune = ?",
    )?;
    Ok(stmt.query_row(params![COMMUNE], |row| row.get::<_, i64>(0))? as u64)
}

fn entry(n: u64) -> String {
    format!(
        r#"{{"id":"bench-{n}","commune":"demo","source":"identity","action":"role-changed","actor":"admin-1","subject":"account-{n}","occurred_at":"2026-12-07T10:00:00Z","details":[{{"name":"roles","value":"agent"}}]}}"#
    )
}

/// The component's append (`evidence::log::append`), inside the caller's transaction.
fn append(conn: &Connection, n: u64) -> anyhow::Result<u64> {
    let text = entry(n);
    let existing: Option<i64> = conn
        .prepare_cached(
            "SELECT idx FROM evidence_entries WHERE commune = ? AND source = ? AND event_id = ?",
        )?
        .query_row(params![COMMUNE, "identity", format!("bench-{n}")], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(index) = existing {
        return Ok(index as u64);
    }
    let index = size(conn)?;
    let added = merkle::appended(&Stored(conn), index, merkle::leaf_hash(text.as_bytes()))?;
    conn.prepare_cached(
        "INSERT INTO evidence_entries (commune, idx, source, event_id, entry, appended_at) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )?
    .execute(params![
        COMMUNE,
        index as i64,
        "identity",
        format!("bench-{n}"),
        text,
        "2026-12-07T10:00:00Z"
    ])?;
    let mut insert = conn.prepare_cached(
        "INSERT INTO evidence_nodes (commune, level, idx, hash) VALUES (?, ?, ?, ?)",
    )?;
    for (level, idx, hash) in added {
        insert.execute(params![COMMUNE, level, idx as i64, hash.to_vec()])?;
    }
    Ok(index)
}

/// The baseline: the entry row alone, in a table without the tree.
fn append_plain(conn: &Connection, n: u64) -> anyhow::Result<()> {
    conn.prepare_cached(
        "INSERT INTO plain_entries (commune, idx, source, event_id, entry, appended_at) \
         VALUES (?, (SELECT COALESCE(MAX(idx) + 1, 0) FROM plain_entries WHERE commune = ?), ?, ?, ?, ?)",
    )?
    .execute(params![COMMUNE, COMMUNE, "identity", format!("bench-{n}"), entry(n), "2026-12-07T10:00:00Z"])?;
    Ok(())
}

struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn measure(
    samples: usize,
    mut op: impl FnMut(usize) -> anyhow::Result<()>,
) -> anyhow::Result<Vec<Duration>> {
    let mut all = Vec::with_capacity(samples);
    for i in 0..samples {
        let start = Instant::now();
        op(i)?;
        all.push(start.elapsed());
    }
    all.sort();
    Ok(all)
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn row(name: &str, all: &[Duration], baseline: Option<&[Duration]>) {
    let p50 = all[all.len() / 2];
    let p99 = all[all.len() * 99 / 100];
    let ratio = baseline.map_or(String::from("—"), |b| {
        format!("{:.1}×", micros(p50) / micros(b[b.len() / 2]))
    });
    println!(
        "| {name} | {:.1} | {:.1} | {:.0} | {ratio} |",
        micros(p50),
        micros(p99),
        1e6 / micros(p50)
    );
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let entries: u64 = args
        .next()
        .map_or(Ok(1_000_000), |a| a.parse())
        .context("entries")?;
    let samples: usize = args
        .next()
        .map_or(Ok(2000), |a| a.parse())
        .context("samples")?;
    let dir = tempfile::tempdir()?;
    let conn = Connection::open(dir.path().join("signatures.db"))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    for sql in schema::MIGRATIONS {
        conn.execute_batch(sql)?;
    }
    conn.execute_batch(
        "CREATE TABLE plain_entries (commune TEXT NOT NULL, idx INTEGER NOT NULL, source TEXT NOT NULL, \
         event_id TEXT NOT NULL, entry TEXT NOT NULL, appended_at TEXT NOT NULL, \
         PRIMARY KEY (commune, idx), UNIQUE (commune, source, event_id)) WITHOUT ROWID",
    )?;

    let start = Instant::now();
    let mut n = 0;
    while n < entries {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        for _ in 0..10_000.min(entries - n) {
            append(&conn, n)?;
            append_plain(&conn, n)?;
            n += 1;
        }
        conn.execute_batch("COMMIT")?;
    }
    let fill = start.elapsed();
    assert_eq!(size(&conn)?, entries);
    // The stored tree is the RFC's: its head equals the one recomputed in memory.
    let mut memory = merkle::MemoryTree::new();
    for i in 0..entries {
        memory.push(entry(i).as_bytes());
    }
    let head = merkle::root(&Stored(&conn), entries)?;
    assert_eq!(head, merkle::root(&memory, entries).expect("memory root"));

    println!("Evidence log, {entries} entries (filled in {:.1} s with the baseline table, batches of 10 000), {samples} samples each", fill.as_secs_f64());
    println!();
    println!(
        "| operation at {entries} entries | p50 µs | p99 µs | per second (p50) | vs baseline |"
    );
    println!("|---|---:|---:|---:|---:|");
    let mut next = entries;
    let base_append = measure(samples, |_| {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        append_plain(&conn, next + 10_000_000)?;
        next += 1;
        conn.execute_batch("COMMIT")?;
        Ok(())
    })?;
    row(
        "baseline: append the entry row only (1 transaction)",
        &base_append,
        None,
    );
    let mut next = entries;
    let appends = measure(samples, |_| {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        append(&conn, next)?;
        next += 1;
        conn.execute_batch("COMMIT")?;
        Ok(())
    })?;
    row(
        "append: entry + subtree hashes (1 transaction)",
        &appends,
        Some(&base_append),
    );
    let size_now = size(&conn)?;
    let heads = measure(samples, |_| {
        merkle::root(&Stored(&conn), size_now)?;
        Ok(())
    })?;
    row(
        "tree head (root from stored subtrees, unsigned)",
        &heads,
        Some(&base_append),
    );
    let mut rng = Lcg(7);
    let base_read = measure(samples, |_| {
        let i = rng.below(size_now);
        let _: String = conn
            .prepare_cached("SELECT entry FROM evidence_entries WHERE commune = ? AND idx = ?")?
            .query_row(params![COMMUNE, i as i64], |r| r.get(0))?;
        Ok(())
    })?;
    row("baseline: read one entry", &base_read, None);
    let mut rng = Lcg(11);
    let mut proofs = Vec::new();
    let inclusion = measure(samples, |_| {
        let i = rng.below(size_now);
        let proof = merkle::inclusion_proof(&Stored(&conn), i, size_now)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        proofs.push((i, proof));
        Ok(())
    })?;
    row(
        "inclusion proof of a random entry",
        &inclusion,
        Some(&base_read),
    );
    let mut rng = Lcg(13);
    let consistency = measure(samples, |_| {
        let m = 1 + rng.below(size_now - 1);
        merkle::consistency_proof(&Stored(&conn), m, size_now)
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(())
    })?;
    row(
        "consistency proof from a random older size",
        &consistency,
        Some(&base_read),
    );
    let root = merkle::root(&Stored(&conn), size_now)?;
    let leaves: Vec<(u64, Hash, Vec<Hash>)> = proofs
        .into_iter()
        .map(|(i, p)| {
            let text: String = conn
                .query_row(
                    "SELECT entry FROM evidence_entries WHERE commune = ? AND idx = ?",
                    params![COMMUNE, i as i64],
                    |r| r.get(0),
                )
                .expect("entry");
            (i, merkle::leaf_hash(text.as_bytes()), p)
        })
        .collect();
    let verify = measure(samples, |k| {
        let (i, leaf, proof) = &leaves[k % leaves.len()];
        anyhow::ensure!(
            merkle::verify_inclusion(*i, size_now, leaf, proof, &root),
            "a proof failed"
        );
        Ok(())
    })?;
    row(
        "verify an inclusion proof (no database)",
        &verify,
        Some(&base_read),
    );
    println!();
    println!(
        "Proof length at {size_now} entries: {} hashes; subtree hashes stored: {}",
        leaves[0].2.len(),
        conn.query_row("SELECT count(*) FROM evidence_nodes", [], |r| r
            .get::<_, i64>(0))?
    );
    Ok(())
}
