//! The citizen's inbox and preferences pages in a real browser (issue #13): a message from
//! the commune read and marked read, preferences saved, in French at 1280 px and in English on
//! a 360×640 phone; axe-core finds no serious or critical violation. Screenshots land in
//! target/browser-artifacts/portal-space-*.png.

use std::time::{Duration, Instant};

use guichet_tests::node;
use guichet_tests::{guichet::PASSWORD, root};

use crate::admin_support;
use crate::requests_support::file_pothole;

#[test]
fn a_citizen_reads_their_messages_and_sets_their_preferences_in_both_languages_and_on_a_phone() {
    node::require_browser();
    let g = admin_support::start();
    let anne = g.citizen("anne@exemple.fr");
    file_pothole(&g, Some(&anne.access));
    let deadline = Instant::now() + Duration::from_secs(20);
    while g.get("/api/notifications/inbox", Some(&anne.access)).json()["unread"].as_i64().unwrap_or(0) == 0 {
        assert!(Instant::now() < deadline, "no message reached the inbox");
        std::thread::sleep(Duration::from_millis(200));
    }
    let artifacts = root().join("target/browser-artifacts");
    let env = [
        ("BASE_URL", g.host.base.as_str()),
        ("ARTIFACTS", artifacts.to_str().unwrap_or(".")),
        ("EMAIL", "anne@exemple.fr"),
        ("PASSWORD", PASSWORD),
    ];
    node::run("portal-space-browser.mjs", &env, "portal-space-browser: all steps passed", Duration::from_secs(240), || g.host.log());
}
