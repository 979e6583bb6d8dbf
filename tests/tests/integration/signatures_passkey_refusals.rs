//! What a passkey signature refuses (issue 12, bad input): a replayed assertion, one made for
//! another flow's bytes, another origin or RP ID, an unverified user, a forged signature, a
//! counter that did not grow, an expired challenge, an unknown or revoked passkey, another
//! person's passkey, a signer not in the flow. Each is a 4xx naming the field (the signer not
//! in the flow: 403, as for server-key signatures), and nothing is written.

use crate::signatures_support::passkeys::*;
use crate::signatures_support::*;
use guichet_tests::webauthn::{Alg, Authenticator, UP_UV};

use guichet_tests::guichet::Guichet;
use serde_json::json;

fn flow_for(g: &Guichet, token: &str, bytes: &[u8], signers: &[(&str, &str)]) -> String {
    let doc = upload(g, token, bytes);
    let flow = start_flow(
        g,
        token,
        doc["id"].as_str().expect("id"),
        "parallel",
        None,
        signers,
    );
    flow["id"].as_str().expect("flow id").to_owned()
}

fn refused(reply: &guichet_tests::Reply, status: u16, field: &str, code: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(
        error_of(reply),
        (field.to_owned(), code.to_owned()),
        "{}",
        reply.body
    );
}

#[test]
fn a_replayed_assertion_or_one_for_other_bytes_is_refused_and_nothing_is_written() {
    let g = Guichet::start();
    let alice = agent(&g, "alice");
    let mut phone = Authenticator::new(Alg::Es256, 5, &g.host.base);
    enrol_passkey(&g, &alice, &phone);
    let invoice = flow_for(&g, &alice, PDF, &[("alice", "comptable")]);
    let other = flow_for(
        &g,
        &alice,
        b"%PDF-1.7 another invoice",
        &[("alice", "comptable")],
    );

    let options = signing_options(&g, &alice, &invoice).json();
    let assertion = phone.assert(&options);
    // The assertion binds the invoice's digest: it signs nothing else.
    refused(
        &passkey_sign(&g, &alice, &other, &assertion),
        400,
        "client_data_json.challenge",
        "not_for_this_flow",
    );
    assert_eq!(count(&g, "passkey_signatures"), 0);
    let signed = passkey_sign(&g, &alice, &invoice, &assertion);
    assert_eq!(signed.status, 200, "{}", signed.body);
    // Replayed: the challenge was spent.
    refused(
        &passkey_sign(&g, &alice, &invoice, &assertion),
        400,
        "client_data_json.challenge",
        "unknown_or_used",
    );
    refused(
        &passkey_sign(&g, &alice, &other, &assertion),
        400,
        "client_data_json.challenge",
        "unknown_or_used",
    );
    assert_eq!(count(&g, "passkey_signatures"), 1);
    let counter: i64 = db(&g)
        .query_row("SELECT sign_count FROM passkeys", [], |r| r.get(0))
        .expect("counter");
    assert_eq!(counter, 1);

    // A counter that did not grow (a cloned authenticator) is refused too.
    let options = signing_options(&g, &alice, &other).json();
    let challenge = options["challenge"].as_str().expect("challenge");
    let stale = phone.assert_as(challenge, &g.host.base, "127.0.0.1", UP_UV);
    refused(
        &passkey_sign(&g, &alice, &other, &stale),
        400,
        "authenticator_data",
        "counter_not_increasing",
    );
    assert_eq!(count(&g, "passkey_signatures"), 1);

    // A challenge past its two minutes is refused (its expiry moved back in the database).
    let options = signing_options(&g, &alice, &other).json();
    db(&g)
        .execute("UPDATE passkey_challenges SET expires_at = 0", [])
        .expect("expire");
    refused(
        &passkey_sign(&g, &alice, &other, &phone.assert(&options)),
        400,
        "client_data_json.challenge",
        "expired",
    );
    assert_eq!(count(&g, "passkey_signatures"), 1);
}

#[test]
fn a_cross_origin_or_other_rp_id_or_unverified_or_forged_assertion_is_refused() {
    let g = Guichet::start();
    let alice = agent(&g, "alice");
    let mut phone = Authenticator::new(Alg::EdDsa, 6, &g.host.base);
    // A registration made on another site is refused, and enrols nothing.
    let options = g
        .post(&format!("{API}/passkeys/options"), &json!({}), Some(&alice))
        .json();
    let elsewhere = Authenticator::new(Alg::EdDsa, 6, "http://evil.localhost:8080");
    refused(
        &g.post(
            &format!("{API}/passkeys"),
            &elsewhere.register(&options),
            Some(&alice),
        ),
        400,
        "client_data_json.origin",
        "cross_origin",
    );
    assert_eq!(count(&g, "passkeys"), 0);
    enrol_passkey(&g, &alice, &phone);

    let flow = flow_for(&g, &alice, PDF, &[("alice", "comptable")]);
    let options = signing_options(&g, &alice, &flow).json();
    let challenge = options["challenge"].as_str().expect("challenge");
    phone.counter = 7;
    let base = g.host.base.clone();
    let cases = [
        (
            phone.assert_as(challenge, "http://evil.localhost:8080", "127.0.0.1", UP_UV),
            "client_data_json.origin",
            "cross_origin",
        ),
        (
            phone.assert_as(challenge, &base, "evil.localhost", UP_UV),
            "authenticator_data",
            "wrong_rp_id",
        ),
        (
            phone.assert_as(challenge, &base, "127.0.0.1", 0x01),
            "authenticator_data",
            "user_not_verified",
        ),
    ];
    for (body, field, code) in &cases {
        refused(&passkey_sign(&g, &alice, &flow, body), 400, field, code);
    }
    let mut forged = phone.assert_as(challenge, &base, "127.0.0.1", UP_UV);
    let signature = forged["signature"].as_str().expect("signature").to_owned();
    let mut bytes = guichet_verify::b64::decode(&signature).expect("b64");
    bytes[10] ^= 1;
    forged["signature"] = guichet_verify::b64::encode(&bytes).into();
    refused(
        &passkey_sign(&g, &alice, &flow, &forged),
        400,
        "signature",
        "invalid",
    );
    let garbled = json!({"credential": "not base64!", "client_data_json": "", "authenticator_data": "AA", "signature": "AA"});
    let reply = passkey_sign(&g, &alice, &flow, &garbled);
    assert_eq!(reply.status, 400);
    assert!(
        reply.body.contains("\"credential\"") && reply.body.contains("client_data_json"),
        "{}",
        reply.body
    );
    assert_eq!(count(&g, "passkey_signatures"), 0);
    // The challenge survived the refusals: the real assertion still signs.
    let good = phone.assert_as(challenge, &base, "127.0.0.1", UP_UV);
    assert_eq!(passkey_sign(&g, &alice, &flow, &good).status, 200);
}

#[test]
fn an_unknown_revoked_or_anothers_passkey_cannot_sign_nor_can_a_signer_not_in_the_flow() {
    let g = Guichet::start();
    let (alice, bob) = (agent(&g, "alice"), agent(&g, "bob"));
    let mut phone = Authenticator::new(Alg::Es256, 8, &g.host.base);
    let mut bobs = Authenticator::new(Alg::EdDsa, 9, &g.host.base);
    let enrolled = enrol_passkey(&g, &alice, &phone);
    enrol_passkey(&g, &bob, &bobs);
    let flow = flow_for(&g, &alice, PDF, &[("alice", "comptable")]);

    // Bob is not a signer: no challenge for him.
    let reply = signing_options(&g, &bob, &flow);
    assert_eq!(reply.status, 403, "{}", reply.body);
    let options = signing_options(&g, &alice, &flow).json();
    // Alice answering with Bob's passkey, or with a passkey nobody enrolled.
    refused(
        &passkey_sign(&g, &alice, &flow, &bobs.assert(&options)),
        400,
        "credential",
        "not_yours",
    );
    let stranger = Authenticator::new(Alg::Es256, 10, &g.host.base).assert_as(
        options["challenge"].as_str().expect("c"),
        &g.host.base,
        "127.0.0.1",
        UP_UV,
    );
    refused(
        &passkey_sign(&g, &alice, &flow, &stranger),
        400,
        "credential",
        "unknown",
    );

    // Revoked (by its holder; Bob may not): it cannot sign, even with a challenge from before.
    let credential = enrolled["credential"].as_str().expect("credential");
    let by_bob = g.post(
        &format!("{API}/passkeys/{credential}/revoke"),
        &json!({}),
        Some(&bob),
    );
    assert_eq!(by_bob.status, 404);
    let revoked = g.post(
        &format!("{API}/passkeys/{credential}/revoke"),
        &json!({}),
        Some(&alice),
    );
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    refused(
        &passkey_sign(&g, &alice, &flow, &phone.assert(&options)),
        409,
        "credential",
        "revoked",
    );
    refused(
        &signing_options(&g, &alice, &flow),
        409,
        "credential",
        "no_passkey",
    );
    assert_eq!(count(&g, "passkey_signatures"), 0);
    let state: String = db(&g)
        .query_row("SELECT state FROM flow_signers", [], |r| r.get(0))
        .expect("state");
    assert_eq!(state, "pending");
}
