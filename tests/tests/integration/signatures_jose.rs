//! A third-party JOSE library checks Guichet's signature format (issue 12, item 4):
//! `jwcrypto` (PyPI) verifies each JWS of a real bundle with the key the commune's statement
//! gives its signer, and each statement with the commune's published key.

use std::process::Command;

use crate::signatures_support::*;

use guichet_tests::guichet::Guichet;

const SCRIPT: &str = r#"
import json, sys
from jwcrypto import jwk, jws
bundle = json.load(open(sys.argv[1]))
commune = jwk.JWKSet.from_json(open(sys.argv[2]).read())
keys = {}
for entry in bundle["statements"]:
    token = jws.JWS()
    token.deserialize(entry["jws"])
    token.verify(commune.get_key(token.jose_header["kid"]), alg="EdDSA")
    statement = json.loads(token.payload)
    keys[statement["jwk"]["kid"]] = (statement["signer"], jwk.JWK(**statement["jwk"]))
out = []
for entry in bundle["signatures"]:
    token = jws.JWS()
    token.deserialize(entry["jws"])
    signer, key = keys[token.jose_header["kid"]]
    token.verify(key, alg="EdDSA")
    claims = json.loads(token.payload)
    assert claims["signer"] == signer
    out.append([claims["signer"], claims["role"], claims["sha256"]])
print(json.dumps(out))
"#;

#[test]
fn jwcrypto_verifies_every_signature_and_statement_of_a_real_bundle() {
    let g = Guichet::start();
    let signed = signed_document(&g, PDF);
    let dir = tempfile::tempdir().expect("tempdir");
    let (bundle, keys) = (dir.path().join("bundle.json"), dir.path().join("keys.json"));
    std::fs::write(&bundle, signed.bundle.to_string()).expect("bundle");
    std::fs::write(&keys, signed.keys.to_string()).expect("keys");
    let python = guichet_tests::root().join("target/pyenv/bin/python");
    let out = Command::new(python)
        .arg("-c")
        .arg(SCRIPT)
        .arg(&bundle)
        .arg(&keys)
        .output()
        .expect("python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verified: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let digest = guichet_verify::sha256_hex(PDF);
    assert_eq!(
        verified,
        serde_json::json!([["alice", "comptable", digest], ["bob", "maire", digest]])
    );

    // One byte of a signature changed: jwcrypto refuses it.
    let mut tampered = signed.bundle.clone();
    let jws = tampered["signatures"][1]["jws"]
        .as_str()
        .expect("jws")
        .to_owned();
    let (head, sig) = jws.rsplit_once('.').expect("parts");
    let flipped = if sig.starts_with('A') {
        format!("B{}", &sig[1..])
    } else {
        format!("A{}", &sig[1..])
    };
    tampered["signatures"][1]["jws"] = format!("{head}.{flipped}").into();
    std::fs::write(&bundle, tampered.to_string()).expect("bundle");
    let python = guichet_tests::root().join("target/pyenv/bin/python");
    let out = Command::new(python)
        .arg("-c")
        .arg(SCRIPT)
        .arg(&bundle)
        .arg(&keys)
        .output()
        .expect("python");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("InvalidJWSSignature"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
