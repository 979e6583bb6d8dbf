//! The back-office's intake and dashboard in a real browser (issue #14's tests): a counter
//! clerk files for a caller at 1280 px; a supervisor reads the dashboard on a 360×640 phone
//! (no sideways scroll, the charts visible); axe-core finds no serious or critical violation
//! on any page (tests/node/admin-intake-browser.mjs). Screenshots land in
//! target/browser-artifacts/.

use std::time::Duration;

use guichet_tests::node;
use guichet_tests::{guichet::PASSWORD, root};

use crate::admin_support;
use crate::requests_support::{citizen, close_pothole, file_pothole};

#[test]
fn a_counter_clerk_files_for_a_caller_and_a_supervisor_reads_the_dashboard_on_a_phone() {
    node::require_browser();
    let g = admin_support::start();
    let team = admin_support::team(&g);
    // Something to draw: three reports, one of them closed.
    let alice = citizen(&g, "alice");
    let filed: Vec<String> = (0..3).map(|_| file_pothole(&g, Some(&alice)).reference).collect();
    close_pothole(&g, &filed[0], &team.agent.access);
    let artifacts = root().join("target/browser-artifacts");
    let env = [
        ("BASE_URL", g.host.base.as_str()),
        ("ARTIFACTS", artifacts.to_str().unwrap_or(".")),
        ("AGENT_EMAIL", team.agent.email.as_str()),
        ("SUPERVISOR_EMAIL", team.supervisor.email.as_str()),
        ("PASSWORD", PASSWORD),
    ];
    node::run("admin-intake-browser.mjs", &env, "admin-intake-browser: all steps passed", Duration::from_secs(330), || g.host.log());
}
