//! The back-office's queue page and its way in (issue #14 items 1 and 6), through the built
//! components: an agent signed in on identity's pages finds a new report in the queue, filters
//! and exports it; nobody else gets in; the relay's headers count only from the portal.

use guichet_tests::Reply;

use crate::admin_support::{self, RELAY_SECRET};
use crate::portal_support::Browser;
use crate::requests_support::{citizen, file_pothole};

fn assert_page(reply: &Reply, status: u16, needle: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert!(reply.body.contains(needle), "no {needle:?} in {}", reply.body);
}

#[test]
fn an_agent_finds_a_new_pothole_report_in_the_queue_filters_it_and_exports_it() {
    let g = admin_support::start();
    let team = admin_support::team(&g);
    let filed = file_pothole(&g, Some(&citizen(&g, "alice")));
    let mut agent = admin_support::browser(&g, &team.agent.email);

    let queue = agent.get(&g, "/admin");
    assert_page(&queue, 200, &format!("href=\"/admin/requests/{}\"", filed.reference));
    assert_eq!(queue.header("cache-control"), Some("no-store"));
    assert!(queue.header("content-security-policy").is_some_and(|c| c.contains("frame-ancestors 'none'")));

    let words = agent.get(&g, "/admin?q=boulangerie&channel=web&open=true");
    assert_page(&words, 200, &filed.reference);
    let nothing = agent.get(&g, "/admin?q=zeppelin");
    assert!(!nothing.body.contains(&filed.reference), "{}", nothing.body);

    let english = agent.get(&g, "/admin?lang=en");
    assert_page(&english, 200, "Requests");

    let csv = agent.get(&g, "/admin/export.csv?q=boulangerie");
    assert_eq!(csv.status, 200, "{}", csv.body);
    assert!(csv.header("content-type").is_some_and(|t| t.starts_with("text/csv")));
    assert!(csv.body.contains(&filed.reference), "{}", csv.body);
}

#[test]
fn a_filter_the_api_refuses_is_named_on_the_page() {
    let g = admin_support::start();
    let team = admin_support::team(&g);
    let mut agent = admin_support::browser(&g, &team.agent.email);
    let page = agent.get(&g, "/admin?from=hier");
    assert_page(&page, 200, "error-summary");
    assert!(page.body.contains("from"), "{}", page.body);
}

#[test]
fn without_a_staff_session_the_back_office_sends_to_sign_in_and_refuses_a_citizen() {
    let g = admin_support::start();
    let team = admin_support::team(&g);

    let guest = Browser::default().get(&g, "/admin");
    assert_eq!(guest.status, 303);
    assert_eq!(guest.header("location"), Some("/account/login?next=%2Fadmin"));

    let mut citizen = admin_support::browser(&g, &team.citizen);
    for path in ["/admin", "/admin/export.csv", "/admin/requests/X", "/admin/setup", "/admin/dashboard"] {
        let refused = citizen.get(&g, path);
        assert_eq!(refused.status, 403, "{path}: {}", refused.body);
        assert!(refused.body.contains("next=%2Fadmin"), "{}", refused.body);
    }

    // Signing in from the back-office's link leads back to it.
    let mut agent = Browser::default();
    let login = agent.get(&g, "/account/login?next=%2Fadmin");
    let csrf = admin_support::hidden(&login.body, "csrf");
    let signed = agent.post_form(&g, "/account/login?next=%2Fadmin", &[("email", &team.agent.email), ("password", guichet_tests::guichet::PASSWORD), ("csrf", &csrf)]);
    assert_eq!(signed.status, 303, "{}", signed.body);
    assert!(signed.header("location").is_some_and(|l| l.starts_with("/admin")), "{:?}", signed.header("location"));
    assert_eq!(agent.get(&g, "/admin").status, 200);
}

#[test]
fn relay_headers_count_only_with_the_portals_secret() {
    let g = admin_support::start();
    let team = admin_support::team(&g);
    let origin = g.host.url("");
    let origin = origin.trim_end_matches('/');
    let bearer = format!("Bearer {}", team.agent.access);
    for secret in ["guess-guess-guess-guess", ""] {
        let forged = g.host.send(
            "GET",
            "/api/requests",
            &[("authorization", &bearer), ("x-guichet-relay-origin", origin), ("x-guichet-relay-client", "10.1.2.3"), ("x-guichet-relay-secret", secret)],
            None,
        );
        assert_eq!(forged.status, 403, "{}", forged.body);
    }
    // The secret is never needed from outside: the same call without relay headers works.
    let plain = g.host.send("GET", "/api/requests", &[("authorization", &bearer)], None);
    assert_eq!(plain.status, 200, "{}", plain.body);
    // And the staff token route answers only the portal.
    let token = g.host.send("POST", "/internal/staff-tokens", &[("authorization", &format!("Bearer {RELAY_SECRET}")), ("content-type", "application/json")], Some(b"{}"));
    assert_eq!(token.status, 404, "{}", token.body);
}

#[test]
fn only_the_portal_and_the_components_it_relays_to_hold_the_relay_secret() {
    let manifest = std::fs::read_to_string(guichet_tests::root().join("spin.toml")).expect("spin.toml");
    let holders: Vec<String> = manifest
        .split("[component.")
        .skip(1)
        .filter(|section| section.contains("staff_relay_secret = \"{{ staff_relay_secret }}\""))
        .map(|section| section.split(']').next().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        holders,
        ["identity.variables", "catalog.variables", "requests.variables", "notifications.variables", "signatures.variables", "portal.variables"]
    );
}

/// Moves every browser session of `account` back in time by `created` seconds (when it was
/// opened) and `idle` seconds (its idle deadline), in identity's database: how a test stands
/// hours later without waiting.
fn age_sessions(g: &guichet_tests::guichet::Guichet, account: &str, created: i64, idle: i64) {
    let conn = rusqlite::Connection::open(g.host.state_dir.join("identity.db")).expect("identity.db");
    let changed = conn
        .execute(
            "UPDATE sessions SET created_at = created_at - ?1, expires_at = expires_at - ?2 WHERE account_id = ?3",
            rusqlite::params![created, idle, account],
        )
        .expect("ageing sessions");
    assert!(changed > 0, "no session of {account}");
}

#[test]
fn a_staff_session_stops_opening_the_back_office_after_half_an_hour_unused_or_a_working_day() {
    let g = admin_support::start();
    let team = admin_support::team(&g);

    let mut idle = admin_support::browser(&g, &team.agent.email);
    assert_eq!(idle.get(&g, "/admin").status, 200);
    // Last used 31 minutes ago (the idle deadline moved back as far): still a live session
    // for the account pages (2 hours), no longer for the back-office.
    age_sessions(&g, &team.agent.id, 31 * 60, 31 * 60);
    let refused = idle.get(&g, "/admin");
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(refused.body.contains("next=%2Fadmin"), "{}", refused.body);
    assert_eq!(idle.get(&g, "/account").status, 200, "the account pages still know the session");

    // Signing in again opens it at once.
    let mut again = admin_support::browser(&g, &team.supervisor.email);
    assert_eq!(again.get(&g, "/admin").status, 200);
    // Opened 8 hours ago and used a minute ago: the working day is over.
    age_sessions(&g, &team.supervisor.id, 8 * 3600, 60);
    assert_eq!(again.get(&g, "/admin").status, 403);
}
