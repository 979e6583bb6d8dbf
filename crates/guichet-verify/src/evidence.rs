//! The evidence log's formats, for the `signatures` component that keeps the log and for
//! `guichet-verify`, which checks what a bundle carries from it:
//!
//! - an entry is the JSON text of one event ([`Entry`]: who did what to what, when), hashed
//!   as it was logged (never re-serialised) into the Merkle tree of [`crate::merkle`];
//! - a signed tree head is a compact JWS by the commune's key (`typ:
//!   guichet-tree-head+jws`, the key that signs the key statements) over [`TreeHead`]: the
//!   log, the commune, the tree size, the root hash (hex) and when it was issued;
//! - a bundle's [`BundleEvidence`] is a tree head and, for each signature, its entry with its
//!   index and inclusion proof. [`problems`] says what is wrong with it: a signature (JWS or
//!   passkey assertion) without its entry (deleted, or the signature edited or swapped), an
//!   entry edited or moved (its proof fails), an entry recording a signature the bundle no
//!   longer carries (removed), a tree head the commune did not sign.

use serde::{Deserialize, Serialize};

use crate::bundle::passkey::PasskeySignatureEntry;
use crate::bundle::{Bundle, SignatureEntry};
use crate::jws::{self, Jwks};
use crate::merkle::{self, Hash};

/// The `typ` of a signed tree head.
pub const TREE_HEAD_TYPE: &str = "guichet-tree-head+jws";
/// The log format a tree head names.
pub const LOG_FORMAT: &str = "guichet-evidence-log/1";
/// The action a signature's entry records.
pub const SIGNED_ACTION: &str = "signature-signed";
/// The detail of a signature's entry holding the SHA-256 of the signature's JWS.
pub const JWS_DIGEST: &str = "jws_sha256";
/// The detail naming the SHA-256 of a passkey signature's `authenticator_data.client_data_json.signature`
/// (base64url, as the bundle carries them) in its entry.
pub const PASSKEY_DIGEST: &str = "passkey_assertion_sha256";

/// What a signed tree head says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeHead {
    pub log: String,
    pub commune: String,
    pub tree_size: u64,
    /// The Merkle tree head of the first `tree_size` entries, 64 lowercase hex digits.
    pub root_hash: String,
    pub issued_at: String,
}

/// One entry of the log (the JSON the leaf hash covers): the `evidence-event` record of
/// `wit/evidence.wit`, as the log wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub commune: String,
    pub source: String,
    pub action: String,
    pub actor: Option<String>,
    pub subject: String,
    pub occurred_at: String,
    pub details: Vec<Detail>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detail {
    pub name: String,
    pub value: String,
}

impl Entry {
    /// The value of detail `name`.
    pub fn detail(&self, name: &str) -> Option<&str> {
        self.details
            .iter()
            .find(|d| d.name == name)
            .map(|d| d.value.as_str())
    }
}

/// What a bundle carries from the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleEvidence {
    /// The signed tree head the proofs lead to.
    pub tree_head: String,
    pub entries: Vec<LoggedEntry>,
}

/// An entry of the log, where it is and the proof that it is there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedEntry {
    pub index: u64,
    /// The entry exactly as logged (its bytes are what the leaf hash covers).
    pub entry: String,
    /// The inclusion proof (RFC 9162 `PATH`) in the tree of the head, hex, leaf side first.
    pub proof: Vec<String>,
}

/// The tree head `jws`, verified with the commune's published keys and about `commune`.
pub fn verify_tree_head(jws_text: &str, commune: &str, keys: &Jwks) -> Result<TreeHead, String> {
    let kid = jws::key_id(jws_text).map_err(|e| e.to_string())?;
    let key = keys
        .find(&kid)
        .ok_or("the tree head is signed by a key the commune does not publish")?
        .public_key()
        .map_err(|e| e.to_string())?;
    let payload = jws::verify(jws_text, TREE_HEAD_TYPE, &key).map_err(|e| e.to_string())?;
    let head: TreeHead =
        serde_json::from_slice(&payload).map_err(|e| format!("unreadable tree head: {e}"))?;
    if head.log != LOG_FORMAT {
        return Err(format!("unknown log format {:?}", head.log));
    }
    if head.commune != commune {
        return Err("the tree head is another commune's".into());
    }
    if merkle::from_hex(&head.root_hash).is_none() {
        return Err("the tree head's root hash is not a SHA-256".into());
    }
    Ok(head)
}

/// Whether `logged` is in the tree `head` describes (its proof leads to the head's root).
pub fn included(logged: &LoggedEntry, head: &TreeHead) -> bool {
    let Some(root) = merkle::from_hex(&head.root_hash) else {
        return false;
    };
    let proof: Option<Vec<Hash>> = logged.proof.iter().map(|p| merkle::from_hex(p)).collect();
    let Some(proof) = proof else {
        return false;
    };
    let leaf = merkle::leaf_hash(logged.entry.as_bytes());
    merkle::verify_inclusion(logged.index, head.tree_size, &leaf, &proof, &root)
}

/// A signature of a bundle as its entry in the log must record it: a JWS by its digest, a
/// passkey assertion by the digest of its three members and its credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded<'a> {
    pub flow: &'a str,
    pub signer: &'a str,
    /// `signature` or `passkey signature`, for messages.
    pub what: &'static str,
    /// [`JWS_DIGEST`] or [`PASSKEY_DIGEST`], and its value.
    pub digest_name: &'static str,
    pub digest: String,
    pub credential: Option<&'a str>,
}

/// What the log must hold for each signature of `bundle`, JWS first, then passkeys.
pub fn recorded(bundle: &Bundle) -> Vec<Recorded<'_>> {
    let jws = bundle.signatures.iter().map(|s: &SignatureEntry| Recorded {
        flow: &s.flow,
        signer: &s.signer,
        what: "signature",
        digest_name: JWS_DIGEST,
        digest: crate::sha256_hex(s.jws.as_bytes()),
        credential: None,
    });
    let passkeys = bundle.passkey_signatures.iter().map(|p| Recorded {
        flow: &p.flow,
        signer: &p.signer,
        what: "passkey signature",
        digest_name: PASSKEY_DIGEST,
        digest: passkey_digest(p),
        credential: Some(&p.credential),
    });
    jws.chain(passkeys).collect()
}

/// The value of [`PASSKEY_DIGEST`] for `entry`: the SHA-256 of its authenticator data, client
/// data and signature as the bundle carries them (base64url), joined by dots.
pub fn passkey_digest(entry: &PasskeySignatureEntry) -> String {
    assertion_digest(
        &entry.authenticator_data,
        &entry.client_data_json,
        &entry.signature,
    )
}

/// [`PASSKEY_DIGEST`] of an assertion's three members (base64url), as the log writes it.
pub fn assertion_digest(
    authenticator_data: &str,
    client_data_json: &str,
    signature: &str,
) -> String {
    crate::sha256_hex(format!("{authenticator_data}.{client_data_json}.{signature}").as_bytes())
}

/// Whether `entry` records `signature` of `bundle`.
fn records(entry: &Entry, bundle: &Bundle, signature: &Recorded<'_>) -> bool {
    entry.commune == bundle.commune
        && entry.action == SIGNED_ACTION
        && entry.subject == signature.flow
        && entry.actor.as_deref() == Some(signature.signer)
        && entry.detail(signature.digest_name) == Some(signature.digest.as_str())
        && signature
            .credential
            .is_none_or(|credential| entry.detail("credential") == Some(credential))
}

/// What is wrong with the evidence `bundle` carries: every signature (JWS or passkey) must
/// have its entry in the log, proven included in a tree head the commune signed, and every
/// signature entry the bundle carries must be one of its signatures (none taken out).
pub fn problems(bundle: &Bundle, keys: &Jwks) -> Vec<String> {
    let Some(evidence) = &bundle.evidence else {
        return vec!["the bundle carries no proof from the evidence log".into()];
    };
    let head = match verify_tree_head(&evidence.tree_head, &bundle.commune, keys) {
        Ok(head) => head,
        Err(problem) => return vec![format!("evidence log: {problem}")],
    };
    let signatures = recorded(bundle);
    let parsed: Vec<(&LoggedEntry, Option<Entry>)> = evidence
        .entries
        .iter()
        .map(|logged| (logged, serde_json::from_str::<Entry>(&logged.entry).ok()))
        .collect();
    let mut problems = Vec::new();
    for signature in &signatures {
        let logged = parsed.iter().find(|(_, entry)| {
            entry
                .as_ref()
                .is_some_and(|entry| records(entry, bundle, signature))
        });
        match logged {
            None if signature.credential.is_some() => problems.push(format!(
                "evidence log: no entry records the passkey signature of {} in flow {} as the \
                 bundle carries it (assertion edited, swapped or not logged)",
                signature.signer, signature.flow
            )),
            None => problems.push(format!(
                "evidence log: no entry records the signature of {} in flow {}",
                signature.signer, signature.flow
            )),
            Some((logged, _)) if !included(logged, &head) => problems.push(format!(
                "evidence log: the entry of {}'s {} (index {}) is not in the signed tree \
                 of {} entries (edited, moved or another log)",
                signature.signer, signature.what, logged.index, head.tree_size
            )),
            Some(_) => {}
        }
    }
    // A logged signature the bundle no longer holds: taken out of the bundle, or replaced.
    for (logged, entry) in &parsed {
        let Some(entry) = entry else { continue };
        if entry.action != SIGNED_ACTION || signatures.iter().any(|s| records(entry, bundle, s)) {
            continue;
        }
        problems.push(format!(
            "evidence log: entry {} records a signature of {} in flow {} that the bundle does \
             not carry (removed or replaced)",
            logged.index,
            entry.actor.as_deref().unwrap_or("nobody"),
            entry.subject
        ));
    }
    problems
}

/// Evidence for `bundle` as a log would give it: a few other entries, then one entry per
/// signature, the head signed by `key` (`kid`).
#[cfg(test)]
pub(crate) fn logged_for_tests(
    bundle: &Bundle,
    kid: &str,
    key: &ed25519_compact::KeyPair,
) -> BundleEvidence {
    let mut tree = merkle::MemoryTree::new();
    for i in 0..5 {
        tree.push(format!("{{\"other\":{i}}}").as_bytes());
    }
    let mut logged = Vec::new();
    for (n, signature) in recorded(bundle).iter().enumerate() {
        let mut details = vec![Detail {
            name: signature.digest_name.into(),
            value: signature.digest.clone(),
        }];
        if let Some(credential) = signature.credential {
            details.push(Detail {
                name: "credential".into(),
                value: credential.into(),
            });
        }
        let entry = Entry {
            id: format!("{}-{}", signature.flow, n + 2),
            commune: bundle.commune.clone(),
            source: "signatures".into(),
            action: SIGNED_ACTION.into(),
            actor: Some(signature.signer.into()),
            subject: signature.flow.into(),
            occurred_at: "2026-12-07T10:01:00Z".into(),
            details,
        };
        let text = serde_json::to_string(&entry).expect("entry");
        let index = tree.push(text.as_bytes());
        tree.push(b"{\"between\":true}");
        logged.push((index, text));
    }
    let size = tree.size();
    let head = TreeHead {
        log: LOG_FORMAT.into(),
        commune: bundle.commune.clone(),
        tree_size: size,
        root_hash: merkle::to_hex(&merkle::root(&tree, size).expect("root")),
        issued_at: "2026-12-07T10:02:00Z".into(),
    };
    let payload = serde_json::to_vec(&head).expect("head");
    BundleEvidence {
        tree_head: jws::sign(TREE_HEAD_TYPE, kid, &payload, key),
        entries: logged
            .into_iter()
            .map(|(index, entry)| LoggedEntry {
                index,
                entry,
                proof: merkle::inclusion_proof(&tree, index, size)
                    .expect("proof")
                    .iter()
                    .map(merkle::to_hex)
                    .collect(),
            })
            .collect(),
    }
}

#[cfg(test)]
pub(crate) mod tests;
