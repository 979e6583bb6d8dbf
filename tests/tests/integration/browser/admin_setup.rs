//! The administrators' set-up pages in a real browser (issue #14 item 4 and its Tests): an
//! administrator adds a question to a service's form, previews it, publishes it, and the
//! residents' form shows it; axe-core finds no serious or critical violation on any set-up
//! page, and none scrolls sideways at 360 px (tests/node/admin-setup-browser.mjs).

use std::time::Duration;

use guichet_tests::node;
use guichet_tests::{guichet::PASSWORD, root};

use crate::admin_support;

#[test]
fn an_administrator_adds_a_question_publishes_it_and_residents_see_it_with_every_set_up_page_accessible() {
    node::require_browser();
    let g = admin_support::start();
    let team = admin_support::team(&g);
    let artifacts = root().join("target/browser-artifacts");
    let env = [
        ("BASE_URL", g.host.base.as_str()),
        ("ARTIFACTS", artifacts.to_str().unwrap_or(".")),
        ("EMAIL", team.admin.email.as_str()),
        ("PASSWORD", PASSWORD),
        ("AGENT", team.agent.id.as_str()),
    ];
    node::run("admin-setup-browser.mjs", &env, "admin-setup-browser: all steps passed", Duration::from_secs(450), || g.host.log());
}
