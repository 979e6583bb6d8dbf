//! External sign-in with OpenID Connect in a real browser: Chromium (driven by
//! `tests/node/oidc-browser.mjs`) goes from the account page to the test provider of
//! [`identity_oidc`](crate::identity_oidc) and back, signed in.

use std::time::Duration;

use crate::identity_oidc::{configure, guichet, redirect_uri, Provider, MARIE};
use guichet_tests::node;
use serde_json::json;

#[test]
fn a_person_signs_in_with_the_provider_in_a_real_browser() {
    node::require_browser();
    let g = guichet();
    let provider = Provider::start(&redirect_uri(&g), &["--alg", "ES256"]);
    configure(&g, &provider, "test-op", json!({"acr_values": ["eidas2"]}));
    // The script gives up by itself after 100 s.
    node::run(
        "oidc-browser.mjs",
        &[("BASE_URL", &g.host.base), ("PROVIDER_ID", "test-op"), ("EMAIL", MARIE), ("ACR", "eidas2")],
        "oidc-browser: all steps passed",
        Duration::from_secs(150),
        || g.host.log(),
    );
}
