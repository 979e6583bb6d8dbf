//! The portal's tracking page (`/track`) in a real browser: a person with a reference and
//! tracking code sees the status and public history of a request without an account.

use crate::requests_support;

use std::time::Duration;

use guichet_tests::guichet::Guichet;
use guichet_tests::node;
use requests_support::*;
use serde_json::json;

#[test]
fn the_tracking_page_shows_the_status_and_history_for_the_reference_and_code_in_a_real_browser() {
    node::require_browser();
    let g = Guichet::start();
    let filed = anonymous_report(&g, "camille@example.org");
    let supervisor = staff(&g, "supervisor-1", &["supervisor"]);
    let message = "Équipe prévenue <b id=\"injected\">demain</b>";
    let moved = g.post(&format!("{REQUESTS}/{}/transitions", filed.reference), &json!({"to": "acknowledged", "message": message}), Some(&supervisor));
    assert_eq!(moved.status, 200, "{}", moved.body);

    let page = g.get("/track", None);
    assert_eq!(page.status, 200);
    let policy = page.header("content-security-policy").unwrap_or_default();
    assert!(policy.contains("script-src 'self'") && !policy.contains("unsafe-inline"), "{policy}");

    let env = [
        ("BASE_URL", g.host.base.as_str()),
        ("REFERENCE", filed.reference.as_str()),
        ("CODE", filed.tracking_code.as_str()),
        ("STATE_LABEL", "Pris en compte"),
        ("MESSAGE", message),
    ];
    node::run("track-browser.mjs", &env, "track-browser: all steps passed", Duration::from_secs(120), || g.host.log());
}
