//! The signature bundle of one document version, and its verification.
//!
//! A bundle is JSON ([`Bundle`]): the document version it is about (with its SHA-256), the
//! versions before it, the flows and their signers as the server saw them, each signature (a
//! JWS by the signer's key) and each statement binding a signer to their key (a JWS by the
//! commune's key). [`verify`] trusts none of it but the commune's published keys: every
//! signature must verify with a key that a statement signed by one of those keys gives to
//! that very signer, and say the digest of the bytes being checked. Passkey signatures
//! ([`passkey`]) are checked the same way: a statement of the commune gives the passkey to
//! the signer, and the assertion must answer the challenge of claims about these bytes.
//!
//! What a bundle cannot show by itself: that no signature was left out of it (the flows'
//! summary is not signed). The evidence log shows what happened to each flow: the bundle
//! carries each signature's log entry with its inclusion proof and the signed tree head
//! (`evidence`), and [`verify`] requires them (`crate::evidence::problems`).

use serde::{Deserialize, Serialize};

use crate::claims::{KeyStatement, SignatureClaims, SIGNATURE_TYPE, STATEMENT_TYPE};
use crate::jws::{self, Jwks};

pub mod passkey;

/// The bundle format this crate writes and reads.
pub const FORMAT: &str = "guichet-signature-bundle/1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    pub format: String,
    pub commune: String,
    pub document: DocumentVersion,
    /// Every version of the document up to this one, oldest first.
    pub history: Vec<HistoryEntry>,
    pub flows: Vec<FlowSummary>,
    pub signatures: Vec<SignatureEntry>,
    pub statements: Vec<StatementEntry>,
    /// Each signature's entry in the commune's evidence log, with its inclusion proof and the
    /// signed tree head it leads to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<crate::evidence::BundleEvidence>,
    /// Signatures made with passkeys (WebAuthn assertions), absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub passkey_signatures: Vec<passkey::PasskeySignatureEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentVersion {
    pub id: String,
    pub title: String,
    pub version: u32,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub version: u32,
    pub sha256: String,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlowSummary {
    pub id: String,
    pub purpose: String,
    pub mode: String,
    pub quorum: u32,
    pub state: String,
    pub signers: Vec<SignerSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignerSummary {
    pub account: String,
    pub role: String,
    pub state: String,
    pub decided_at: Option<String>,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureEntry {
    pub flow: String,
    pub signer: String,
    pub kid: String,
    pub jws: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementEntry {
    pub kid: String,
    pub signer: String,
    pub jws: String,
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Whether the bytes are the bundle's document and every signature holds.
    pub valid: bool,
    /// The SHA-256 of the bytes checked.
    pub sha256: String,
    /// What is wrong with the bundle as a whole.
    pub problems: Vec<String>,
    pub signatures: Vec<SignatureReport>,
}

/// One signature's verdict and, when it holds, what it says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureReport {
    pub signer: String,
    pub kid: String,
    pub valid: bool,
    /// Why it does not hold.
    pub problem: Option<String>,
    /// What the signature says, when it verified.
    pub claims: Option<SignatureClaims>,
}

/// Checks `bundle` for the bytes whose SHA-256 is `sha256` (lowercase hex), trusting only
/// `commune_keys`, the commune's published keys.
pub fn verify(bundle: &Bundle, sha256: &str, commune_keys: &Jwks) -> Report {
    let mut problems = Vec::new();
    if bundle.format != FORMAT {
        problems.push(format!("unknown bundle format {:?}", bundle.format));
    }
    if bundle.document.sha256 != sha256 {
        problems.push("the file is not the document this bundle is about".to_owned());
    }
    if bundle.signatures.is_empty() && bundle.passkey_signatures.is_empty() {
        problems.push("the bundle holds no signature".to_owned());
    }
    problems.extend(crate::evidence::problems(bundle, commune_keys));
    let mut signatures: Vec<SignatureReport> = bundle
        .signatures
        .iter()
        .map(|entry| {
            let checked = check_signature(bundle, entry, sha256, commune_keys);
            SignatureReport {
                signer: entry.signer.clone(),
                kid: entry.kid.clone(),
                valid: checked.is_ok(),
                problem: checked.as_ref().err().cloned(),
                claims: checked.ok(),
            }
        })
        .collect();
    signatures.extend(
        bundle
            .passkey_signatures
            .iter()
            .map(|entry| passkey::report(bundle, entry, sha256, commune_keys)),
    );
    Report {
        valid: problems.is_empty() && signatures.iter().all(|s| s.valid),
        sha256: sha256.to_owned(),
        problems,
        signatures,
    }
}

/// The claims of `entry` when it holds: a key the commune gave its signer, and claims about
/// this document version, these bytes and this flow.
fn check_signature(
    bundle: &Bundle,
    entry: &SignatureEntry,
    sha256: &str,
    commune_keys: &Jwks,
) -> Result<SignatureClaims, String> {
    if jws::key_id(&entry.jws).map_err(|e| e.to_string())? != entry.kid {
        return Err("the signature names another key than its entry".into());
    }
    let statement = statement_for(bundle, &entry.kid, commune_keys)?;
    if statement.signer != entry.signer {
        return Err("the commune gave this key to someone else".into());
    }
    let key = statement.jwk.public_key().map_err(|e| e.to_string())?;
    let payload = jws::verify(&entry.jws, SIGNATURE_TYPE, &key).map_err(|e| e.to_string())?;
    let claims: SignatureClaims =
        serde_json::from_slice(&payload).map_err(|e| format!("unreadable claims: {e}"))?;
    let expected = [
        (claims.commune == bundle.commune, "another commune"),
        (claims.signer == entry.signer, "another signer"),
        (claims.flow == entry.flow, "another flow"),
        (claims.document == bundle.document.id, "another document"),
        (claims.version == bundle.document.version, "another version"),
        (claims.sha256 == sha256, "other bytes"),
    ];
    match expected.iter().find(|(holds, _)| !holds) {
        Some((_, what)) => Err(format!("the signature is about {what}")),
        None => Ok(claims),
    }
}

/// The statement of the bundle giving key `kid`, verified with the commune's keys.
fn statement_for(bundle: &Bundle, kid: &str, commune_keys: &Jwks) -> Result<KeyStatement, String> {
    let mut last = "no statement of the commune binds this key".to_owned();
    for entry in bundle.statements.iter().filter(|s| s.kid == kid) {
        match check_statement(bundle, entry, commune_keys) {
            Ok(statement) if statement.jwk.kid == kid && statement.signer == entry.signer => {
                return Ok(statement);
            }
            Ok(_) => last = "the statement is about another key or signer".into(),
            Err(problem) => last = problem,
        }
    }
    Err(last)
}

fn check_statement(
    bundle: &Bundle,
    entry: &StatementEntry,
    commune_keys: &Jwks,
) -> Result<KeyStatement, String> {
    let commune_kid = jws::key_id(&entry.jws).map_err(|e| e.to_string())?;
    let commune_key = commune_keys
        .find(&commune_kid)
        .ok_or("the statement is signed by a key the commune does not publish")?
        .public_key()
        .map_err(|e| e.to_string())?;
    let payload =
        jws::verify(&entry.jws, STATEMENT_TYPE, &commune_key).map_err(|e| e.to_string())?;
    let statement: KeyStatement =
        serde_json::from_slice(&payload).map_err(|e| format!("unreadable statement: {e}"))?;
    if statement.commune != bundle.commune {
        return Err("the statement is another commune's".into());
    }
    Ok(statement)
}

#[cfg(test)]
mod tests;
