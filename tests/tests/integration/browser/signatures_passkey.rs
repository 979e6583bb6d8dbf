//! Passkeys in a real browser (issue 12, item 3): on a phone-sized Chromium (360×640) with a
//! virtual WebAuthn authenticator (Chrome DevTools Protocol: CTAP2, internal transport, user
//! verification), the commune's first administrator signs in again on the passkey page,
//! enrols a passkey and signs a flow's document with it; then the captured assertion, sent
//! again or to another flow's bytes, is refused, and the bundle verifies offline.

use std::time::Duration;

use crate::signatures_support::*;

use guichet_tests::guichet::{tokens_of, Guichet, PASSWORD, PLATFORM_TOKEN};
use guichet_tests::node;
use guichet_verify::bundle::{self, Bundle};
use guichet_verify::jws::Jwks;
use guichet_verify::sha256_hex;
use serde_json::json;

#[test]
fn an_agent_enrols_a_passkey_and_signs_a_flow_on_a_phone_sized_chromium_with_a_virtual_authenticator(
) {
    node::require_browser();
    // WebAuthn needs a domain for its RP ID: the commune is reached at localhost, not 127.0.0.1.
    let g = Guichet::start_with(&[(
        "SPIN_VARIABLE_PUBLIC_ORIGIN",
        "http://localhost:{listen_port}",
    )]);
    let email = "maire@exemple.fr";
    let invited = g.post(
        "/api/identity/communes/demo/invitations",
        &json!({"email": email}),
        Some(PLATFORM_TOKEN),
    );
    assert_eq!(invited.status, 202, "{}", invited.body);
    let link = g.link_token(email, "/account/accept-invitation");
    let accepted = g.post(
        "/api/identity/invitations/accept",
        &json!({"token": link, "password": PASSWORD, "given_name": "Claire", "family_name": "Maire"}),
        None,
    );
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let account = accepted.json()["id"]
        .as_str()
        .expect("account id")
        .to_owned();
    let signed_in = g.sign_in(email, PASSWORD);
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    let admin = tokens_of(&signed_in).access;

    let doc = upload(&g, &admin, PDF);
    let doc_id = doc["id"].as_str().expect("id").to_owned();
    let flow = start_flow(
        &g,
        &admin,
        &doc_id,
        "ordered",
        None,
        &[(account.as_str(), "maire")],
    );
    let flow_id = flow["id"].as_str().expect("flow id").to_owned();
    let other = upload(&g, &admin, b"%PDF-1.7 another decision");
    let other_flow = start_flow(
        &g,
        &admin,
        other["id"].as_str().expect("id"),
        "ordered",
        None,
        &[(account.as_str(), "maire")],
    );

    let base = g.host.base.replace("127.0.0.1", "localhost");
    let digest = sha256_hex(PDF);
    let env = [
        ("BASE_URL", base.as_str()),
        ("EMAIL", email),
        ("PASSWORD", PASSWORD),
        ("FLOW", flow_id.as_str()),
        ("OTHER_FLOW", other_flow["id"].as_str().expect("flow id")),
        ("SHA256", digest.as_str()),
    ];
    node::run(
        "passkey-browser.mjs",
        &env,
        "passkey-browser: all steps passed",
        Duration::from_secs(150),
        || g.host.log(),
    );

    let shown = g
        .get(&format!("{API}/flows/{flow_id}"), Some(&admin))
        .json();
    assert_eq!(shown["state"], "completed", "{shown}");
    assert_eq!(count(&g, "passkey_signatures"), 1);
    let found: Bundle = serde_json::from_str(
        &g.get(&format!("{API}/documents/{doc_id}/bundle"), Some(&admin))
            .body,
    )
    .expect("bundle");
    let keys: Jwks = serde_json::from_str(&g.get(&format!("{API}/keys"), None).body).expect("jwks");
    let report = bundle::verify(&found, &digest, &keys);
    assert!(report.valid, "{report:?}");
    assert_eq!(
        report.signatures[0]
            .claims
            .as_ref()
            .map(|c| c.method.as_str()),
        Some("passkey")
    );
}
