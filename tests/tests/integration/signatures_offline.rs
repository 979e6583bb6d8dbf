//! `guichet-verify` (issue 12, item 4): the command checks a real bundle against the file and
//! the commune's published keys with the network namespace cut (`unshare --net`, so that it
//! could not ask the server even if it tried); one flipped byte in the file or the bundle, or
//! other keys, and it refuses.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::signatures_support::*;

use guichet_tests::guichet::Guichet;
use serde_json::Value;

fn verifier() -> PathBuf {
    let path = guichet_tests::root().join("target/release/guichet-verify");
    assert!(
        path.exists(),
        "build it first: cargo build --release -p guichet-verify"
    );
    path
}

/// Runs the verifier without network when this machine allows it (root, or user namespaces).
fn run(dir: &Path, bundle: &Value, file: &[u8], keys: &Value) -> Output {
    std::fs::write(dir.join("bundle.json"), bundle.to_string()).expect("bundle");
    std::fs::write(dir.join("file.pdf"), file).expect("file");
    std::fs::write(dir.join("keys.json"), keys.to_string()).expect("keys");
    let args = [
        "--bundle",
        "bundle.json",
        "--file",
        "file.pdf",
        "--keys",
        "keys.json",
    ];
    let offline = Command::new("unshare")
        .args(["--net", "--map-root-user", "true"])
        .status();
    let mut command = if offline.is_ok_and(|s| s.success()) {
        let mut c = Command::new("unshare");
        c.args(["--net", "--map-root-user"]).arg(verifier());
        c
    } else {
        eprintln!("unshare --net is not allowed here: guichet-verify runs with the network");
        Command::new(verifier())
    };
    command
        .args(args)
        .current_dir(dir)
        .output()
        .expect("running guichet-verify")
}

#[test]
fn the_offline_verifier_accepts_a_good_bundle_and_refuses_every_tampering() {
    let g = Guichet::start();
    let signed = signed_document(&g, PDF);
    let dir = tempfile::tempdir().expect("tempdir");

    let good = run(dir.path(), &signed.bundle, PDF, &signed.keys);
    let text = String::from_utf8_lossy(&good.stdout);
    assert_eq!(
        good.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&good.stderr)
    );
    assert!(
        text.contains("valid signature: alice as comptable"),
        "{text}"
    );
    assert!(text.contains("valid signature: bob as maire"), "{text}");

    let mut file = PDF.to_vec();
    file[20] ^= 0x01;
    assert_eq!(
        run(dir.path(), &signed.bundle, &file, &signed.keys)
            .status
            .code(),
        Some(1)
    );

    let mut bundle = signed.bundle.clone();
    let jws = bundle["signatures"][0]["jws"]
        .as_str()
        .expect("jws")
        .to_owned();
    let mut parts: Vec<String> = jws.split('.').map(str::to_owned).collect();
    let mut payload: Value = serde_json::from_slice(&decode(&parts[1])).expect("claims");
    payload["role"] = "maire".into();
    parts[1] = encode(payload.to_string().as_bytes());
    bundle["signatures"][0]["jws"] = parts.join(".").into();
    let tampered = run(dir.path(), &bundle, PDF, &signed.keys);
    assert_eq!(tampered.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&tampered.stdout).contains("does not verify"));

    let mut bundle = signed.bundle.clone();
    bundle["statements"][1]["signer"] = "alice".into();
    bundle["signatures"][1]["signer"] = "alice".into();
    assert_eq!(
        run(dir.path(), &bundle, PDF, &signed.keys).status.code(),
        Some(1)
    );

    let other = Guichet::start_with(&[(
        "SPIN_VARIABLE_SIGNATURES_KEY_SECRET",
        "another-commune-secret-0123456789abcdef",
    )]);
    let other_keys = other.get(&format!("{API}/keys"), None).json();
    assert_ne!(other_keys, signed.keys);
    let wrong = run(dir.path(), &signed.bundle, PDF, &other_keys);
    assert_eq!(wrong.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong.stdout).contains("does not publish"));
}

#[test]
fn the_verifier_says_what_is_unusable_with_status_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("x.json"), "not json").expect("file");
    let out = Command::new(verifier())
        .args(["--bundle", "x.json", "--file", "x.json", "--keys", "x.json"])
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a signature bundle"));
    let out = Command::new(verifier()).output().expect("run");
    assert_eq!(out.status.code(), Some(2));
}

fn decode(text: &str) -> Vec<u8> {
    guichet_verify::b64::decode(text).expect("base64url")
}

fn encode(bytes: &[u8]) -> String {
    guichet_verify::b64::encode(bytes)
}
