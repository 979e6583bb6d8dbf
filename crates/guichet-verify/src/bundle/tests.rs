//! The verifier against bundles made here with known keys: a good one holds, and each kind of
//! forgery is caught.

use ed25519_compact::{KeyPair, Seed};

use super::*;
use crate::jws::Jwk;
use crate::sha256_hex;

const FILE: &[u8] = b"%PDF-1.7 an invoice";

fn pair(byte: u8) -> KeyPair {
    KeyPair::from_seed(Seed::new([byte; 32]))
}

fn statement(commune: &KeyPair, signer: &str, kid: &str, key: &KeyPair) -> StatementEntry {
    let payload = KeyStatement {
        commune: "demo".into(),
        signer: signer.into(),
        jwk: Jwk::ed25519(kid, &key.pk),
        issued_at: "2026-12-07T10:00:00Z".into(),
    };
    let json = serde_json::to_vec(&payload).expect("json");
    StatementEntry {
        kid: kid.into(),
        signer: signer.into(),
        jws: jws::sign(STATEMENT_TYPE, "commune-1", &json, commune),
    }
}

fn signature(signer: &str, kid: &str, key: &KeyPair, sha256: &str) -> SignatureEntry {
    let claims = SignatureClaims {
        commune: "demo".into(),
        document: "doc1".into(),
        version: 1,
        sha256: sha256.into(),
        signer: signer.into(),
        role: "approver".into(),
        purpose: "invoice approval".into(),
        flow: "flow1".into(),
        signed_at: "2026-12-07T10:01:00Z".into(),
        iat: 1_796_637_660,
        method: "server-key".into(),
    };
    let json = serde_json::to_vec(&claims).expect("json");
    SignatureEntry {
        flow: "flow1".into(),
        signer: signer.into(),
        kid: kid.into(),
        jws: jws::sign(SIGNATURE_TYPE, kid, &json, key),
    }
}

fn commune_keys() -> Jwks {
    Jwks {
        keys: vec![Jwk::ed25519("commune-1", &pair(9).pk)],
    }
}

fn good() -> Bundle {
    let digest = sha256_hex(FILE);
    let mut bundle = Bundle {
        format: FORMAT.into(),
        commune: "demo".into(),
        document: DocumentVersion {
            id: "doc1".into(),
            title: "Invoice".into(),
            version: 1,
            name: "invoice.pdf".into(),
            content_type: "application/pdf".into(),
            size: FILE.len() as u64,
            sha256: digest.clone(),
        },
        history: vec![],
        flows: vec![],
        signatures: vec![
            signature("alice", "k-alice", &pair(1), &digest),
            signature("bob", "k-bob", &pair(2), &digest),
        ],
        statements: vec![
            statement(&pair(9), "alice", "k-alice", &pair(1)),
            statement(&pair(9), "bob", "k-bob", &pair(2)),
        ],
        evidence: None,
        passkey_signatures: vec![],
    };
    bundle.evidence = Some(crate::evidence::logged_for_tests(
        &bundle,
        "commune-1",
        &pair(9),
    ));
    bundle
}

#[test]
fn a_good_bundle_holds_for_its_file() {
    let report = verify(&good(), &sha256_hex(FILE), &commune_keys());
    assert!(report.valid, "{report:?}");
    assert_eq!(report.signatures.len(), 2);
}

#[test]
fn one_flipped_byte_in_the_file_fails() {
    let mut file = FILE.to_vec();
    file[3] ^= 1;
    let report = verify(&good(), &sha256_hex(&file), &commune_keys());
    assert!(!report.valid);
    assert!(report.signatures.iter().all(|s| !s.valid));
}

#[test]
fn a_signature_moved_to_another_signer_fails() {
    let mut bundle = good();
    bundle.signatures[1].signer = "alice".into();
    let report = verify(&bundle, &sha256_hex(FILE), &commune_keys());
    assert!(!report.valid);
    assert!(!report.signatures[1].valid);
}

#[test]
fn a_key_the_commune_did_not_certify_fails() {
    let mut bundle = good();
    // Mallory certifies her own key for bob with a key the commune does not publish.
    bundle.statements[1] = statement(&pair(7), "bob", "k-bob", &pair(3));
    bundle.signatures[1] = signature("bob", "k-bob", &pair(3), &sha256_hex(FILE));
    let report = verify(&bundle, &sha256_hex(FILE), &commune_keys());
    assert!(!report.valid);
    assert!(report.signatures[0].valid);
    assert!(!report.signatures[1].valid);
}

#[test]
fn every_single_flipped_byte_of_a_signature_or_statement_fails() {
    let digest = sha256_hex(FILE);
    let base = good();
    for which in 0..2 {
        let text = if which == 0 {
            &base.signatures[0].jws
        } else {
            &base.statements[0].jws
        };
        for i in 0..text.len() {
            let mut bytes = text.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let Ok(edited) = String::from_utf8(bytes) else {
                continue;
            };
            if edited == *text {
                continue;
            }
            let mut bundle = base.clone();
            if which == 0 {
                bundle.signatures[0].jws = edited;
            } else {
                bundle.statements[0].jws = edited;
            }
            let report = verify(&bundle, &digest, &commune_keys());
            assert!(
                !report.valid,
                "byte {i} of part {which} edited and still valid"
            );
        }
    }
}

#[test]
fn a_bundle_without_signatures_is_not_valid() {
    let mut bundle = good();
    bundle.signatures.clear();
    assert!(!verify(&bundle, &sha256_hex(FILE), &commune_keys()).valid);
}
