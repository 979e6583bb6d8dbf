//! The first back-office journey of issue #14 in Debian Chromium (playwright-core, axe-core):
//! a pothole report filed by a signed-in citizen and a second report of the same hole; the
//! agent of roads signs in, finds the report in the queue at /admin, opens it, assigns it to
//! themselves, moves it to "in progress", replies to the citizen, merges the duplicate and
//! closes it; the citizen, signed in in another browser context, sees the reply in their
//! space (/mine). axe-core finds no serious or critical violation on any page; at 360 px no
//! page scrolls sideways. Screenshots land in target/browser-artifacts/.

use std::time::Duration;

use guichet_tests::guichet::{tokens_of, PASSWORD};
use guichet_tests::{node, root};

use crate::admin_support;
use crate::requests_support::file_pothole;

#[test]
fn an_agent_assigns_moves_replies_merges_and_closes_a_new_pothole_report_and_the_citizen_sees_the_reply() {
    node::require_browser();
    let g = admin_support::start();
    let team = admin_support::team(&g);
    let citizen = tokens_of(&g.sign_in(&team.citizen, PASSWORD)).access;
    let original = file_pothole(&g, Some(&citizen));
    let duplicate = file_pothole(&g, None);
    let artifacts = root().join("target/browser-artifacts");
    let env = [
        ("BASE_URL", g.host.base.as_str()),
        ("ARTIFACTS", artifacts.to_str().unwrap_or(".")),
        ("AGENT", team.agent.email.as_str()),
        ("CITIZEN", team.citizen.as_str()),
        ("PASSWORD", PASSWORD),
        ("REFERENCE", original.reference.as_str()),
        ("DUPLICATE", duplicate.reference.as_str()),
    ];
    node::run("admin-request-browser.mjs", &env, "admin-request-browser: all steps passed", Duration::from_secs(450), || g.host.log());
}
