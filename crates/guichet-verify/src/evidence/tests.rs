//! A bundle's evidence against every tampering: an edited, deleted or reordered entry, a
//! flipped byte anywhere in an entry or a proof, a tree head of the wrong size, of another
//! commune or signed by a key the commune does not publish.

use ed25519_compact::{KeyPair, Seed};

use super::*;
use crate::bundle::{verify, DocumentVersion, StatementEntry, FORMAT};
use crate::claims::{KeyStatement, SignatureClaims, SIGNATURE_TYPE, STATEMENT_TYPE};
use crate::jws::Jwk;
use crate::sha256_hex;

const FILE: &[u8] = b"%PDF-1.7 a decision";

pub(crate) fn pair(byte: u8) -> KeyPair {
    KeyPair::from_seed(Seed::new([byte; 32]))
}

/// The commune's published keys: `commune-1`, the public half of `pair(9)`.
pub(crate) fn keys() -> Jwks {
    Jwks {
        keys: vec![Jwk::ed25519("commune-1", &pair(9).pk)],
    }
}

fn signed(signer: &str, key: &KeyPair) -> (SignatureEntry, StatementEntry) {
    let kid = format!("k-{signer}");
    let claims = SignatureClaims {
        commune: "demo".into(),
        document: "doc1".into(),
        version: 1,
        sha256: sha256_hex(FILE),
        signer: signer.into(),
        role: "maire".into(),
        purpose: "decision".into(),
        flow: "flow1".into(),
        signed_at: "2026-12-07T10:01:00Z".into(),
        iat: 1_796_637_660,
        method: "server-key".into(),
    };
    let statement = KeyStatement {
        commune: "demo".into(),
        signer: signer.into(),
        jwk: Jwk::ed25519(&kid, &key.pk),
        issued_at: "2026-12-07T10:00:00Z".into(),
    };
    (
        SignatureEntry {
            flow: "flow1".into(),
            signer: signer.into(),
            kid: kid.clone(),
            jws: jws::sign(
                SIGNATURE_TYPE,
                &kid,
                &serde_json::to_vec(&claims).unwrap(),
                key,
            ),
        },
        StatementEntry {
            kid,
            signer: signer.into(),
            jws: jws::sign(
                STATEMENT_TYPE,
                "commune-1",
                &serde_json::to_vec(&statement).unwrap(),
                &pair(9),
            ),
        },
    )
}

fn bundle() -> Bundle {
    let (a, sa) = signed("alice", &pair(1));
    let (b, sb) = signed("bob", &pair(2));
    let mut bundle = Bundle {
        format: FORMAT.into(),
        commune: "demo".into(),
        document: DocumentVersion {
            id: "doc1".into(),
            title: "Décision".into(),
            version: 1,
            name: "decision.pdf".into(),
            content_type: "application/pdf".into(),
            size: FILE.len() as u64,
            sha256: sha256_hex(FILE),
        },
        history: vec![],
        flows: vec![],
        signatures: vec![a, b],
        statements: vec![sa, sb],
        evidence: None,
        passkey_signatures: vec![],
    };
    bundle.evidence = Some(logged_for_tests(&bundle, "commune-1", &pair(9)));
    bundle
}

fn valid(bundle: &Bundle) -> bool {
    verify(bundle, &sha256_hex(FILE), &keys()).valid
}

fn evidence(bundle: &mut Bundle) -> &mut BundleEvidence {
    bundle.evidence.as_mut().unwrap()
}

#[test]
fn a_bundle_whose_signatures_are_logged_is_valid() {
    let bundle = bundle();
    assert!(problems(&bundle, &keys()).is_empty());
    assert!(valid(&bundle));
}

#[test]
fn a_bundle_without_evidence_is_not_valid() {
    let mut bundle = bundle();
    bundle.evidence = None;
    assert!(!valid(&bundle));
}

#[test]
fn an_edited_entry_fails() {
    let mut bundle = bundle();
    let logged = &mut evidence(&mut bundle).entries[0];
    logged.entry = logged
        .entry
        .replace("2026-12-07T10:01:00Z", "2026-12-06T10:01:00Z");
    let problems = problems(&bundle, &keys());
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("not in the signed tree"),
        "{problems:?}"
    );
}

#[test]
fn a_deleted_entry_fails() {
    let mut bundle = bundle();
    evidence(&mut bundle).entries.remove(1);
    let problems = problems(&bundle, &keys());
    assert!(
        problems[0].contains("no entry records the signature of bob"),
        "{problems:?}"
    );
}

#[test]
fn reordered_entries_fail() {
    let mut bundle = bundle();
    let entries = &mut evidence(&mut bundle).entries;
    let (i, j) = (entries[0].index, entries[1].index);
    entries[0].index = j;
    entries[1].index = i;
    assert_eq!(problems(&bundle, &keys()).len(), 2);
    assert!(!valid(&bundle));
}

#[test]
fn every_flipped_byte_of_an_entry_or_its_proof_fails() {
    let good = bundle();
    let logged = &good.evidence.as_ref().unwrap().entries[0];
    for i in 0..logged.entry.len() {
        let mut bundle = good.clone();
        let mut bytes = logged.entry.clone().into_bytes();
        bytes[i] ^= 0x01;
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        evidence(&mut bundle).entries[0].entry = text;
        assert!(!valid(&bundle), "entry byte {i}");
    }
    for p in 0..logged.proof.len() {
        let mut bundle = good.clone();
        let hash = &mut evidence(&mut bundle).entries[0].proof[p];
        let flipped = if hash.starts_with('0') { "1" } else { "0" };
        hash.replace_range(0..1, flipped);
        assert!(!valid(&bundle), "proof hash {p}");
    }
}

#[test]
fn a_tree_head_of_another_size_another_commune_or_key_fails() {
    let good = bundle();
    let head =
        verify_tree_head(&good.evidence.as_ref().unwrap().tree_head, "demo", &keys()).unwrap();
    let resign = |head: &TreeHead, kid: &str, key: &KeyPair| {
        let mut bundle = good.clone();
        evidence(&mut bundle).tree_head =
            jws::sign(TREE_HEAD_TYPE, kid, &serde_json::to_vec(head).unwrap(), key);
        bundle
    };
    assert!(valid(&resign(&head, "commune-1", &pair(9))));
    // Another size written into the signed head without the commune's key.
    let mut bigger = good.clone();
    let text = &mut evidence(&mut bigger).tree_head;
    let mut parts: Vec<String> = text.split('.').map(str::to_owned).collect();
    let mut edited = head.clone();
    edited.tree_size += 1;
    parts[1] = crate::b64::encode(&serde_json::to_vec(&edited).unwrap());
    *text = parts.join(".");
    assert!(!valid(&bigger));
    let mut other = head.clone();
    other.commune = "ailleurs".into();
    assert!(!valid(&resign(&other, "commune-1", &pair(9))));
    assert!(!valid(&resign(&head, "commune-1", &pair(3))));
    assert!(!valid(&resign(&head, "unknown", &pair(3))));
    let mut flipped = good.clone();
    let jws_text = &mut evidence(&mut flipped).tree_head;
    let last = jws_text.pop().unwrap();
    jws_text.push(if last == 'A' { 'B' } else { 'A' });
    assert!(!valid(&flipped));
}
