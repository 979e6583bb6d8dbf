//! Agents' keys (issue 12, item 3): a personal key signs only right after its holder signed in
//! again, nobody signs in another's name (administrators included), a revoked key cannot sign;
//! the commune publishes the keys that certify agents' keys.

use std::time::Duration;

use crate::signatures_support::*;

use guichet_tests::guichet::Guichet;
use serde_json::json;

#[test]
fn a_sign_in_older_than_five_minutes_cannot_enrol_or_sign() {
    let g = Guichet::start();
    let stale = agent_signed_in(&g, "alice", Duration::from_secs(600));
    let without = g.keys.access_token(COMMUNE, "alice", &["agent"]);
    for token in [&stale, &without] {
        let reply = g.post(&format!("{API}/keys"), &json!({}), Some(token));
        assert_eq!(reply.status, 401, "{}", reply.body);
        assert_eq!(error_of(&reply).1, "reauthentication_required");
    }
    let fresh = agent(&g, "alice");
    enrol(&g, &fresh);
    let doc = upload(&g, &fresh, PDF);
    let flow = start_flow(
        &g,
        &fresh,
        doc["id"].as_str().expect("id"),
        "ordered",
        None,
        &[("alice", "a")],
    );
    let id = flow["id"].as_str().expect("id");
    let refused = act(&g, &stale, id, "sign", &json!({}));
    assert_eq!(refused.status, 401);
    assert_eq!(count(&g, "signatures"), 0);
    sign(&g, &fresh, id);
}

#[test]
fn nobody_signs_in_another_persons_name_not_even_an_administrator() {
    let g = Guichet::start();
    let alice = agent(&g, "alice");
    let boss = admin(&g, "boss");
    enrol(&g, &alice);
    enrol(&g, &boss);
    let doc = upload(&g, &alice, PDF);
    let flow = start_flow(
        &g,
        &boss,
        doc["id"].as_str().expect("id"),
        "ordered",
        None,
        &[("alice", "a")],
    );
    let id = flow["id"].as_str().expect("id");
    let as_admin = act(&g, &boss, id, "sign", &json!({}));
    assert_eq!(as_admin.status, 403, "{}", as_admin.body);
    let naming = act(&g, &boss, id, "sign", &json!({"signer": "alice"}));
    assert_eq!(naming.status, 400);
    assert_eq!(error_of(&naming), ("signer".into(), "unknown_field".into()));
    assert_eq!(count(&g, "signatures"), 0);
    let signed = sign(&g, &alice, id);
    assert_eq!(signed["signatures"][0]["account"], "alice");
}

#[test]
fn a_revoked_key_cannot_sign_and_a_new_key_can() {
    let g = Guichet::start();
    let alice = agent(&g, "alice");
    let key = enrol(&g, &alice);
    let kid = key["kid"].as_str().expect("kid");
    let again = g.post(&format!("{API}/keys"), &json!({}), Some(&alice));
    assert_eq!(again.status, 409);
    let bob_revokes = g.post(
        &format!("{API}/keys/{kid}/revoke"),
        &json!({}),
        Some(&agent(&g, "bob")),
    );
    assert_eq!(
        bob_revokes.status, 404,
        "only its owner or an administrator"
    );
    let revoked = g.post(
        &format!("{API}/keys/{kid}/revoke"),
        &json!({}),
        Some(&alice),
    );
    assert_eq!(revoked.status, 200, "{}", revoked.body);

    let doc = upload(&g, &alice, PDF);
    let flow = start_flow(
        &g,
        &alice,
        doc["id"].as_str().expect("id"),
        "ordered",
        None,
        &[("alice", "a")],
    );
    let id = flow["id"].as_str().expect("id");
    let refused = act(&g, &alice, id, "sign", &json!({}));
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(error_of(&refused), ("key".into(), "no_active_key".into()));
    assert_eq!(count(&g, "signatures"), 0);

    let new = enrol(&g, &alice);
    let signed = sign(&g, &alice, id);
    assert_eq!(signed["signatures"][0]["kid"], new["kid"]);
    let mine = g.get(&format!("{API}/keys/mine"), Some(&alice)).json();
    assert_eq!(mine["keys"].as_array().map(Vec::len), Some(2));
}

#[test]
fn the_commune_publishes_the_key_that_certifies_agents_keys() {
    let g = Guichet::start();
    let key = enrol(&g, &agent(&g, "alice"));
    let jwks = g.get(&format!("{API}/keys"), None);
    assert_eq!(jwks.status, 200);
    let jwks: guichet_verify::jws::Jwks = serde_json::from_str(&jwks.body).expect("a JWKS");
    let statement = key["statement"].as_str().expect("statement");
    let kid = guichet_verify::jws::key_id(statement).expect("kid");
    let commune_key = jwks
        .find(&kid)
        .expect("the statement's key is published")
        .public_key()
        .expect("Ed25519");
    let payload = guichet_verify::jws::verify(
        statement,
        guichet_verify::claims::STATEMENT_TYPE,
        &commune_key,
    )
    .expect("the statement verifies");
    let statement: guichet_verify::claims::KeyStatement =
        serde_json::from_slice(&payload).expect("a statement");
    assert_eq!(statement.signer, "alice");
    assert_eq!(statement.jwk.kid, key["kid"].as_str().expect("kid"));
}
