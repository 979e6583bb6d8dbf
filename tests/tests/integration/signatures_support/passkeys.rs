//! What the passkey tests share: enrolling a software authenticator's passkey, asking for a
//! signing challenge and answering it.

use guichet_tests::guichet::Guichet;
use guichet_tests::Reply;
use serde_json::{json, Value};

use super::API;
use guichet_tests::webauthn::Authenticator;

/// Enrols `authenticator`'s passkey for the token's holder; asserts 201.
pub fn enrol_passkey(g: &Guichet, token: &str, authenticator: &Authenticator) -> Value {
    let options = g.post(&format!("{API}/passkeys/options"), &json!({}), Some(token));
    assert_eq!(options.status, 200, "options: {}", options.body);
    let reply = g.post(
        &format!("{API}/passkeys"),
        &authenticator.register(&options.json()),
        Some(token),
    );
    assert_eq!(reply.status, 201, "enrol passkey: {}", reply.body);
    reply.json()
}

/// `POST flows/{flow}/passkey/options`.
pub fn signing_options(g: &Guichet, token: &str, flow: &str) -> Reply {
    g.post(
        &format!("{API}/flows/{flow}/passkey/options"),
        &json!({}),
        Some(token),
    )
}

/// `POST flows/{flow}/passkey/sign` with `body`.
pub fn passkey_sign(g: &Guichet, token: &str, flow: &str, body: &Value) -> Reply {
    g.post(
        &format!("{API}/flows/{flow}/passkey/sign"),
        body,
        Some(token),
    )
}

/// Signs `flow` with `authenticator`'s passkey; asserts 200 and returns the flow.
pub fn sign_with_passkey(
    g: &Guichet,
    token: &str,
    flow: &str,
    authenticator: &mut Authenticator,
) -> Value {
    let options = signing_options(g, token, flow);
    assert_eq!(options.status, 200, "signing options: {}", options.body);
    let reply = passkey_sign(g, token, flow, &authenticator.assert(&options.json()));
    assert_eq!(reply.status, 200, "passkey sign: {}", reply.body);
    reply.json()
}
