//! Signing flows in the evidence log: each step of a flow (created, signed, declined,
//! completed, cancelled) becomes an entry in the transaction that records the step
//! ([`step`], called by `steps::record`), so no step exists without its entry. A signature's
//! entry names the SHA-256 of its JWS (or of its passkey assertion), which is how a bundle's [`for_bundle`] evidence ties
//! each signature to the log.

use anyhow::{anyhow, Context as _};
use guichet_guest::db::{self, Connection};
use guichet_guest::Commune;
use guichet_verify::bundle::Bundle;
use guichet_verify::evidence::{
    assertion_digest, recorded, BundleEvidence, Detail, Entry, LoggedEntry, JWS_DIGEST,
    PASSKEY_DIGEST,
};
use guichet_verify::merkle;

use super::log;

/// The source signatures' own entries name.
pub const SOURCE: &str = "signatures";

fn detail(name: &str, value: impl Into<String>) -> Detail {
    Detail {
        name: name.into(),
        value: value.into(),
    }
}

/// Logs the step of kind `kind` just recorded for flow `flow_id` (its last step).
pub fn step(
    conn: &Connection,
    commune: &Commune,
    flow_id: &str,
    kind: &str,
    account: Option<&str>,
    at: &str,
) -> anyhow::Result<()> {
    let rows = db::query(
        conn,
        "SELECT (SELECT MAX(seq) FROM flow_steps WHERE commune = f.commune AND flow_id = f.id) \
         AS seq, f.document_id, f.version, f.purpose, v.sha256 FROM flows f \
         JOIN document_versions v ON v.commune = f.commune AND v.document_id = f.document_id \
         AND v.version = f.version WHERE f.commune = ? AND f.id = ?",
        &[db::text(commune.as_str()), db::text(flow_id)],
    )?;
    let row = db::first_row(&rows).ok_or_else(|| anyhow!("evidence: no flow {flow_id}"))?;
    let seq: i64 = row.get("seq")?;
    let mut details = vec![
        detail("document", row.get::<String>("document_id")?),
        detail("version", row.get::<i64>("version")?.to_string()),
        detail("sha256", row.get::<String>("sha256")?),
        detail("purpose", row.get::<String>("purpose")?),
    ];
    if kind == "signed" {
        let account = account.context("a signature's step names its signer")?;
        let rows = db::query(
            conn,
            "SELECT kid, jws FROM signatures WHERE commune = ? AND flow_id = ? AND account = ?",
            &[
                db::text(commune.as_str()),
                db::text(flow_id),
                db::text(account),
            ],
        )?;
        if let Some(signature) = db::first_row(&rows) {
            details.push(detail("kid", signature.get::<String>("kid")?));
            details.push(detail(
                JWS_DIGEST,
                guichet_verify::sha256_hex(signature.get::<&str>("jws")?.as_bytes()),
            ));
        } else {
            // A passkey signature: the log names the passkey and the digest of the assertion
            // exactly as the bundle carries it (authenticator data, client data, signature).
            let rows = db::query(
                conn,
                "SELECT credential, authenticator_data, client_data_json, signature \
                 FROM passkey_signatures WHERE commune = ? AND flow_id = ? AND account = ?",
                &[
                    db::text(commune.as_str()),
                    db::text(flow_id),
                    db::text(account),
                ],
            )?;
            let assertion = db::first_row(&rows).context("the signature of a signed step")?;
            details.push(detail("credential", assertion.get::<String>("credential")?));
            details.push(detail(
                PASSKEY_DIGEST,
                assertion_digest(
                    assertion.get::<&str>("authenticator_data")?,
                    assertion.get::<&str>("client_data_json")?,
                    assertion.get::<&str>("signature")?,
                ),
            ));
        }
    }
    let entry = Entry {
        id: format!("{flow_id}-{seq}"),
        commune: commune.as_str().into(),
        source: SOURCE.into(),
        action: format!("signature-{kind}"),
        actor: account.map(str::to_owned),
        subject: flow_id.into(),
        occurred_at: at.into(),
        details,
    };
    log::append(conn, commune, &entry)?;
    Ok(())
}

/// What `bundle` carries from the log: the current signed head, and each signature's entry
/// (server key or passkey) with its inclusion proof in that head's tree.
pub fn for_bundle(
    conn: &Connection,
    commune: &Commune,
    bundle: &Bundle,
) -> anyhow::Result<BundleEvidence> {
    let head = log::current_head(conn, commune)?;
    let stored = log::Stored { conn, commune };
    let mut entries = Vec::new();
    for signature in recorded(bundle) {
        let rows = db::query(
            conn,
            "SELECT e.idx, e.entry FROM evidence_entries e JOIN flow_steps s \
             ON s.commune = e.commune AND e.event_id = s.flow_id || '-' || s.seq \
             WHERE e.commune = ? AND e.source = ? AND s.flow_id = ? AND s.kind = 'signed' \
             AND s.account = ?",
            &[
                db::text(commune.as_str()),
                db::text(SOURCE),
                db::text(signature.flow),
                db::text(signature.signer),
            ],
        )?;
        let Some(row) = db::first_row(&rows) else {
            // A signature from before the log: the verifier says it is not logged.
            continue;
        };
        let index = u64::try_from(row.get::<i64>("idx")?)?;
        if index >= head.head.tree_size {
            continue;
        }
        let proof = merkle::inclusion_proof(&stored, index, head.head.tree_size)
            .map_err(|e| anyhow!("evidence log: {e}"))?;
        entries.push(LoggedEntry {
            index,
            entry: row.get("entry")?,
            proof: log::hex_all(&proof),
        });
    }
    Ok(BundleEvidence {
        tree_head: head.jws,
        entries,
    })
}
