//! A signature's bundle carries its entry in the evidence log (issue 12, items 4 and 5):
//! `guichet-verify` checks the inclusion proofs against the signed tree head offline, and one
//! flipped byte in a logged entry, a deleted entry or two entries swapped make it refuse.

use std::process::Command;

use crate::signatures_support::*;

use guichet_tests::guichet::Guichet;
use serde_json::{json, Value};

fn verify(dir: &std::path::Path, bundle: &Value, keys: &Value) -> (Option<i32>, String) {
    std::fs::write(dir.join("bundle.json"), bundle.to_string()).expect("bundle");
    std::fs::write(dir.join("file.pdf"), PDF).expect("file");
    std::fs::write(dir.join("keys.json"), keys.to_string()).expect("keys");
    let out = Command::new(guichet_tests::root().join("target/release/guichet-verify"))
        .args(["--bundle", "bundle.json", "--file", "file.pdf", "--keys", "keys.json"])
        .current_dir(dir)
        .output()
        .expect("guichet-verify (cargo build --release -p guichet-verify)");
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn a_signatures_bundle_verifies_with_its_log_proof_and_a_flipped_byte_in_the_entry_fails() {
    let g = Guichet::start();
    let signed = signed_document(&g, PDF);
    let evidence = &signed.bundle["evidence"];
    assert_eq!(evidence["entries"].as_array().map(Vec::len), Some(2), "{}", signed.bundle);
    let dir = tempfile::tempdir().expect("tempdir");

    let (code, text) = verify(dir.path(), &signed.bundle, &signed.keys);
    assert_eq!(code, Some(0), "{text}");

    let mut flipped = signed.bundle.clone();
    let entry = flipped["evidence"]["entries"][0]["entry"].as_str().expect("entry").to_owned();
    let mut bytes = entry.into_bytes();
    let at = bytes.iter().position(|b| *b == b'T').expect("a time in the entry");
    bytes[at + 1] ^= 0x01;
    flipped["evidence"]["entries"][0]["entry"] = json!(String::from_utf8(bytes).expect("utf-8"));
    let (code, text) = verify(dir.path(), &flipped, &signed.keys);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("evidence log"), "{text}");

    let mut deleted = signed.bundle.clone();
    deleted["evidence"]["entries"].as_array_mut().expect("entries").remove(0);
    assert_eq!(verify(dir.path(), &deleted, &signed.keys).0, Some(1));

    let mut swapped = signed.bundle.clone();
    let (a, b) = (
        swapped["evidence"]["entries"][0]["index"].clone(),
        swapped["evidence"]["entries"][1]["index"].clone(),
    );
    swapped["evidence"]["entries"][0]["index"] = b;
    swapped["evidence"]["entries"][1]["index"] = a;
    assert_eq!(verify(dir.path(), &swapped, &signed.keys).0, Some(1));
}
