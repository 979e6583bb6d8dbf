//! Passkeys (issue 12, item 3): agents enrol ES256 and EdDSA passkeys through the WebAuthn
//! registration ceremony and sign a flow with assertions whose challenge binds the document's
//! digest and the signing context; the bundle carries what an offline verifier needs (with
//! each passkey signature's evidence log entry), and a flipped byte anywhere, an assertion
//! removed or swapped, makes it fail.

use crate::signatures_support::passkeys::*;
use crate::signatures_support::*;
use guichet_tests::webauthn::{Alg, Authenticator};

use guichet_tests::guichet::Guichet;
use guichet_verify::bundle::{self, Bundle};
use guichet_verify::jws::Jwks;
use guichet_verify::sha256_hex;

#[test]
fn agents_sign_with_es256_and_eddsa_passkeys_and_the_bundle_verifies_offline() {
    let g = Guichet::start();
    let (alice, bob) = (agent(&g, "alice"), agent(&g, "bob"));
    let mut phone = Authenticator::new(Alg::Es256, 3, &g.host.base);
    let mut laptop = Authenticator::new(Alg::EdDsa, 4, &g.host.base);
    assert_eq!(enrol_passkey(&g, &alice, &phone)["alg"], -7);
    assert_eq!(enrol_passkey(&g, &bob, &laptop)["alg"], -8);
    let mine = g.get(&format!("{API}/passkeys/mine"), Some(&alice)).json();
    assert_eq!(mine["passkeys"].as_array().map(Vec::len), Some(1));
    assert_eq!(mine["passkeys"][0]["rp_id"], "127.0.0.1");

    let doc = upload(&g, &alice, PDF);
    let flow = start_flow(
        &g,
        &alice,
        doc["id"].as_str().expect("id"),
        "ordered",
        None,
        &[("alice", "comptable"), ("bob", "maire")],
    );
    let id = flow["id"].as_str().expect("flow id");
    let options = signing_options(&g, &alice, id).json();
    let claims = &options["context"]["claims"];
    assert_eq!(claims["sha256"], sha256_hex(PDF));
    assert_eq!(
        (
            claims["signer"].as_str(),
            claims["flow"].as_str(),
            claims["method"].as_str()
        ),
        (Some("alice"), Some(id), Some("passkey"))
    );
    assert_eq!(options["rpId"], "127.0.0.1");
    assert_eq!(options["userVerification"], "required");

    sign_with_passkey(&g, &alice, id, &mut phone);
    let done = sign_with_passkey(&g, &bob, id, &mut laptop);
    assert_eq!(done["state"], "completed", "{done}");
    assert_eq!(done["passkey_signatures"].as_array().map(Vec::len), Some(2));

    let reply = g.get(
        &format!("{API}/documents/{}/bundle", doc["id"].as_str().expect("id")),
        Some(&alice),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let found: Bundle = serde_json::from_str(&reply.body).expect("bundle");
    let keys: Jwks = serde_json::from_str(&g.get(&format!("{API}/keys"), None).body).expect("jwks");
    let report = bundle::verify(&found, &sha256_hex(PDF), &keys);
    assert!(report.valid, "{report:?}");
    let methods: Vec<_> = report
        .signatures
        .iter()
        .map(|s| {
            s.claims
                .as_ref()
                .map(|c| (c.signer.clone(), c.method.clone()))
        })
        .collect();
    assert_eq!(
        methods,
        vec![
            Some(("alice".into(), "passkey".into())),
            Some(("bob".into(), "passkey".into()))
        ]
    );

    // One flipped byte in the file, the client data, the authenticator data, the signature
    // or the context: not valid.
    let mut flipped = PDF.to_vec();
    flipped[20] ^= 1;
    assert!(!bundle::verify(&found, &sha256_hex(&flipped), &keys).valid);
    for member in [
        "client_data_json",
        "authenticator_data",
        "signature",
        "context",
    ] {
        let mut edited = serde_json::to_value(&found).expect("json");
        let text = edited["passkey_signatures"][0][member]
            .as_str()
            .expect(member)
            .to_owned();
        let mut bytes = guichet_verify::b64::decode(&text).expect("b64");
        let at = bytes.len() / 2;
        bytes[at] ^= 1;
        edited["passkey_signatures"][0][member] = guichet_verify::b64::encode(&bytes).into();
        let edited: Bundle = serde_json::from_value(edited).expect("bundle");
        let report = bundle::verify(&edited, &sha256_hex(PDF), &keys);
        assert!(!report.valid, "{member} flipped still verifies");
        assert!(
            !report.signatures[0].valid && report.signatures[1].valid,
            "{member}: {report:?}"
        );
        if member != "context" {
            // The log holds the digest of the assertion as signed: an edited one is not it.
            assert!(
                report
                    .problems
                    .iter()
                    .any(|p| p.contains("no entry records the passkey signature of alice in flow")),
                "{member}: {:?}",
                report.problems
            );
        }
    }

    // The bundle carries each passkey signature's log entry with its inclusion proof; bob's
    // signature taken out of the bundle is named by its entry, and so is alice's assertion
    // swapped into bob's place.
    assert_eq!(
        found.evidence.as_ref().map(|e| e.entries.len()),
        Some(2),
        "{found:?}"
    );
    let mut removed = found.clone();
    removed.passkey_signatures.remove(1);
    let report = bundle::verify(&removed, &sha256_hex(PDF), &keys);
    assert!(!report.valid);
    assert!(
        report.problems.iter().any(|p| p.contains(&format!(
            "records a signature of bob in flow {id} that the bundle does not carry"
        ))),
        "{:?}",
        report.problems
    );
    let mut swapped = found.clone();
    let alice_signature = swapped.passkey_signatures[0].clone();
    let bob_signature = &mut swapped.passkey_signatures[1];
    bob_signature.authenticator_data = alice_signature.authenticator_data;
    bob_signature.client_data_json = alice_signature.client_data_json;
    bob_signature.signature = alice_signature.signature;
    let report = bundle::verify(&swapped, &sha256_hex(PDF), &keys);
    assert!(!report.valid && !report.signatures[1].valid);
    assert!(
        report.problems.iter().any(|p| p.contains(&format!(
            "no entry records the passkey signature of bob in flow {id}"
        ))),
        "{:?}",
        report.problems
    );
}

#[test]
fn the_offline_command_checks_a_passkey_signature_with_the_network_cut() {
    let g = Guichet::start();
    let alice = agent(&g, "alice");
    let mut phone = Authenticator::new(Alg::Es256, 11, &g.host.base);
    enrol_passkey(&g, &alice, &phone);
    let doc = upload(&g, &alice, PDF);
    let id = doc["id"].as_str().expect("id");
    let flow = start_flow(&g, &alice, id, "ordered", None, &[("alice", "comptable")]);
    sign_with_passkey(
        &g,
        &alice,
        flow["id"].as_str().expect("flow id"),
        &mut phone,
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let bundle = g
        .get(&format!("{API}/documents/{id}/bundle"), Some(&alice))
        .body;
    std::fs::write(dir.path().join("bundle.json"), &bundle).expect("bundle");
    std::fs::write(
        dir.path().join("keys.json"),
        g.get(&format!("{API}/keys"), None).body,
    )
    .expect("keys");
    let mut flipped = PDF.to_vec();
    flipped[3] ^= 1;
    std::fs::write(dir.path().join("file.pdf"), PDF).expect("file");
    std::fs::write(dir.path().join("flipped.pdf"), &flipped).expect("file");
    let verifier = guichet_tests::root().join("target/release/guichet-verify");
    let offline = |file: &str| {
        std::process::Command::new("unshare")
            .args(["--net", "--map-root-user"])
            .arg(&verifier)
            .args([
                "--bundle",
                "bundle.json",
                "--file",
                file,
                "--keys",
                "keys.json",
            ])
            .current_dir(dir.path())
            .output()
            .expect(
                "unshare --net guichet-verify (build it: cargo build --release -p guichet-verify)",
            )
    };
    let good = offline("file.pdf");
    let text = String::from_utf8_lossy(&good.stdout);
    assert_eq!(
        good.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&good.stderr)
    );
    assert!(
        text.contains("valid signature: alice as comptable") && text.contains("key passkey:"),
        "{text}"
    );
    assert!(text.ends_with("VALID\n"), "{text}");
    let bad = offline("flipped.pdf");
    assert_eq!(
        bad.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&bad.stdout)
    );
}
