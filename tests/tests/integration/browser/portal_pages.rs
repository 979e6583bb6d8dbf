//! The portal's catalogue pages in a real browser (issue #13): axe-core finds no serious or
//! critical violation on any page, in French and English, at 360×640 with touch; the
//! language switch is remembered; search and the service page work without JavaScript.
//! Screenshots land in target/browser-artifacts/.

use std::time::Duration;

use guichet_tests::node;
use guichet_tests::tokens::TestKeys;
use guichet_tests::{root, Host, HostConfig};

#[test]
fn the_portals_pages_pass_axe_at_360_px_in_both_languages_and_work_without_javascript() {
    node::require_browser();
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("k1");
    let host = Host::start(HostConfig::guichet_in(dir.path()).env("SPIN_VARIABLE_TOKEN_JWKS", &keys.jwks()), &dir);
    let artifacts = root().join("target/browser-artifacts");
    let env = [("BASE_URL", host.base.as_str()), ("ARTIFACTS", artifacts.to_str().unwrap_or("."))];
    node::run("portal-browser.mjs", &env, "portal-browser: all steps passed", Duration::from_secs(200), || host.log());
}
