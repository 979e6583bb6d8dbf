//! Passkey signatures of a bundle against their evidence log entries: a bundle of two EdDSA
//! passkey signatures, each logged with the digest of its assertion, holds; an assertion
//! edited, removed or swapped with another signer's fails with a message naming the signer.

use ed25519_compact::KeyPair;
use sha2::{Digest, Sha256};

use super::*;
use crate::bundle::{verify, DocumentVersion, FORMAT};
use crate::claims::SignatureClaims;
use crate::evidence::tests::{keys, pair};
use crate::evidence::{self, logged_for_tests};
use crate::sha256_hex;
use crate::webauthn::{PasskeyContext, CONTEXT_TYPE, EDDSA, PASSKEY_STATEMENT_TYPE};

const FILE: &[u8] = b"%PDF-1.7 a plan signed from phones";
const ORIGIN: &str = "https://guichet.example";
const RP: &str = "guichet.example";

/// `signer`'s passkey signature of flow1 with `key`, as a browser and the server make it.
fn passkey_signature(signer: &str, key: &KeyPair, counter: u32) -> PasskeySignatureEntry {
    let credential = b64::encode(format!("cred-{signer}").as_bytes());
    let statement = PasskeyStatement {
        commune: "demo".into(),
        signer: signer.into(),
        credential: credential.clone(),
        alg: EDDSA,
        public_key: b64::encode(key.pk.as_ref()),
        rp_id: RP.into(),
        origin: ORIGIN.into(),
        issued_at: "2026-12-07T09:00:00Z".into(),
    };
    let context = PasskeyContext {
        typ: CONTEXT_TYPE.into(),
        claims: SignatureClaims {
            commune: "demo".into(),
            document: "doc1".into(),
            version: 1,
            sha256: sha256_hex(FILE),
            signer: signer.into(),
            role: "maire".into(),
            purpose: "plan".into(),
            flow: "flow1".into(),
            signed_at: "2026-12-07T10:01:00Z".into(),
            iat: 1_796_637_660,
            method: METHOD.into(),
        },
        nonce: format!("nonce-{signer}"),
    };
    let context = serde_json::to_vec(&context).expect("context");
    let client = format!(
        r#"{{"type":"webauthn.get","challenge":"{}","origin":"{ORIGIN}","crossOrigin":false}}"#,
        b64::encode(&webauthn::challenge_of(&context))
    );
    let mut data = Sha256::digest(RP.as_bytes()).to_vec();
    data.push(0x05);
    data.extend_from_slice(&counter.to_be_bytes());
    let mut signed = data.clone();
    signed.extend_from_slice(&Sha256::digest(client.as_bytes()));
    PasskeySignatureEntry {
        flow: "flow1".into(),
        signer: signer.into(),
        credential,
        statement: jws::sign(
            PASSKEY_STATEMENT_TYPE,
            "commune-1",
            &serde_json::to_vec(&statement).expect("statement"),
            &pair(9),
        ),
        context: b64::encode(&context),
        authenticator_data: b64::encode(&data),
        client_data_json: b64::encode(client.as_bytes()),
        signature: b64::encode(key.sk.sign(&signed, None).as_ref()),
    }
}

fn bundle() -> Bundle {
    let mut bundle = Bundle {
        format: FORMAT.into(),
        commune: "demo".into(),
        document: DocumentVersion {
            id: "doc1".into(),
            title: "Plan".into(),
            version: 1,
            name: "plan.pdf".into(),
            content_type: "application/pdf".into(),
            size: FILE.len() as u64,
            sha256: sha256_hex(FILE),
        },
        history: vec![],
        flows: vec![],
        signatures: vec![],
        statements: vec![],
        evidence: None,
        passkey_signatures: vec![
            passkey_signature("alice", &pair(1), 1),
            passkey_signature("bob", &pair(2), 7),
        ],
    };
    bundle.evidence = Some(logged_for_tests(&bundle, "commune-1", &pair(9)));
    bundle
}

fn problems(bundle: &Bundle) -> Vec<String> {
    let report = verify(bundle, &sha256_hex(FILE), &keys());
    assert!(!report.valid, "{report:?}");
    report.problems
}

#[test]
fn passkey_signatures_logged_with_their_assertion_hold() {
    let bundle = bundle();
    assert!(evidence::problems(&bundle, &keys()).is_empty());
    let report = verify(&bundle, &sha256_hex(FILE), &keys());
    assert!(report.valid, "{report:?}");
    assert_eq!(report.signatures.len(), 2);
}

#[test]
fn a_passkey_signature_without_its_log_entry_fails() {
    let mut bundle = bundle();
    bundle
        .evidence
        .as_mut()
        .expect("evidence")
        .entries
        .remove(1);
    let problems = problems(&bundle);
    assert_eq!(
        problems,
        vec![
            "evidence log: no entry records the passkey signature of bob in flow flow1 as the \
             bundle carries it (assertion edited, swapped or not logged)"
        ],
    );
}

#[test]
fn an_edited_assertion_fails_both_its_check_and_the_log() {
    let good = bundle();
    for member in ["authenticator_data", "client_data_json", "signature"] {
        let mut bundle = good.clone();
        let entry = &mut bundle.passkey_signatures[0];
        let text = match member {
            "authenticator_data" => &mut entry.authenticator_data,
            "client_data_json" => &mut entry.client_data_json,
            _ => &mut entry.signature,
        };
        let mut bytes = b64::decode(text).expect("base64url");
        let at = bytes.len() - 1;
        bytes[at] ^= 1;
        *text = b64::encode(&bytes);
        let report = verify(&bundle, &sha256_hex(FILE), &keys());
        assert!(!report.valid && !report.signatures[0].valid, "{member}");
        assert!(
            report.problems.iter().any(|p| p.contains(
                "no entry records the passkey signature of alice in flow flow1 as the bundle \
                 carries it"
            )),
            "{member}: {:?}",
            report.problems
        );
        assert!(
            report.problems.iter().any(|p| p.contains(
                "records a signature of alice in flow flow1 that the bundle does not carry"
            )),
            "{member}: {:?}",
            report.problems
        );
    }
}

#[test]
fn a_passkey_signature_removed_from_the_bundle_is_named_by_its_log_entry() {
    let mut bundle = bundle();
    bundle.passkey_signatures.remove(1);
    let problems = problems(&bundle);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].contains("records a signature of bob in flow flow1 that the bundle does not carry (removed or replaced)"),
        "{problems:?}"
    );
}

#[test]
fn an_assertion_swapped_for_another_valid_one_of_the_same_signer_fails_against_the_log() {
    // Alice's passkey signed again (a later counter): a valid assertion, but not the logged one.
    let mut bundle = bundle();
    bundle.passkey_signatures[0] = passkey_signature("alice", &pair(1), 2);
    let report = verify(&bundle, &sha256_hex(FILE), &keys());
    assert!(report.signatures[0].valid, "{report:?}");
    assert!(!report.valid);
    assert!(
        report.problems[0].contains("passkey signature of alice"),
        "{:?}",
        report.problems
    );
}

#[test]
fn assertions_swapped_between_signers_fail() {
    let mut bundle = bundle();
    let (a, b) = (
        bundle.passkey_signatures[0].clone(),
        bundle.passkey_signatures[1].clone(),
    );
    for (to, from) in [(0, &b), (1, &a)] {
        let entry = &mut bundle.passkey_signatures[to];
        entry.authenticator_data = from.authenticator_data.clone();
        entry.client_data_json = from.client_data_json.clone();
        entry.signature = from.signature.clone();
    }
    let report = verify(&bundle, &sha256_hex(FILE), &keys());
    assert!(report.signatures.iter().all(|s| !s.valid), "{report:?}");
    assert_eq!(
        report
            .problems
            .iter()
            .filter(|p| p.contains("no entry records the passkey signature"))
            .count(),
        2,
        "{:?}",
        report.problems
    );
}

#[test]
fn a_logged_credential_other_than_the_bundles_fails() {
    let mut bundle = bundle();
    let logged = &mut bundle.evidence.as_mut().expect("evidence").entries[0];
    let credential = b64::encode(b"cred-alice");
    logged.entry = logged.entry.replace(&credential, "b3RoZXI");
    let problems = problems(&bundle);
    assert!(
        problems[0].contains("passkey signature of alice"),
        "{problems:?}"
    );
}
