//! The citizen's journey through the portal's forms in a real browser (issue #13): signed in,
//! they search "chien", open the dog licence, send it with a mistake, fix it, file it, get
//! the receipt and find the request on the tracking page; at 1280 px in French and at 360×640
//! with touch in English; a guest files a report with JavaScript disabled. axe-core finds no
//! serious or critical violation on any page; screenshots land in target/browser-artifacts/.

use std::time::Duration;

use guichet_tests::node;
use guichet_tests::{guichet::PASSWORD, root};

use crate::portal_support;

#[test]
fn a_citizen_files_the_dog_licence_after_fixing_a_mistake_in_both_languages_on_a_phone_and_without_javascript() {
    node::require_browser();
    let g = portal_support::start();
    g.verified_citizen("jeanne@example.org");
    let artifacts = root().join("target/browser-artifacts");
    let env = [
        ("BASE_URL", g.host.base.as_str()),
        ("ARTIFACTS", artifacts.to_str().unwrap_or(".")),
        ("EMAIL", "jeanne@example.org"),
        ("PASSWORD", PASSWORD),
    ];
    node::run("portal-forms-browser.mjs", &env, "portal-forms-browser: all steps passed", Duration::from_secs(450), || g.host.log());
}
