//! The back-office's queue with saved views and possible duplicates in a real browser (issue
//! #14 items 1 and 6): an agent signed in on identity's page sends the save form without a
//! name (the error next to the field and in the summary), saves the page's filters, finds the
//! view marked as the one shown, deletes it; two reports at the same spot are flagged. At
//! 1280 px in French and at 360×640 with touch in English; axe-core finds no serious or
//! critical violation on any state of the page, which never scrolls sideways on the phone.

use std::time::Duration;

use guichet_tests::node;
use guichet_tests::{guichet::PASSWORD, root};

use crate::admin_support;
use crate::requests_support::file_pothole;

#[test]
fn an_agent_saves_and_deletes_a_view_and_sees_possible_duplicates_in_both_languages_and_on_a_phone() {
    node::require_browser();
    let g = admin_support::start();
    let team = admin_support::team(&g);
    file_pothole(&g, None);
    file_pothole(&g, None);
    let artifacts = root().join("target/browser-artifacts");
    let env = [
        ("BASE_URL", g.host.base.as_str()),
        ("ARTIFACTS", artifacts.to_str().unwrap_or(".")),
        ("EMAIL", team.agent.email.as_str()),
        ("PASSWORD", PASSWORD),
    ];
    node::run("admin-views-browser.mjs", &env, "admin-views-browser: all steps passed", Duration::from_secs(300), || g.host.log());
}
