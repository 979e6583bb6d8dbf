//! The citizen's inbox and message preferences pages in their space (`/mine/inbox`,
//! `/mine/preferences`, issue #13), through the built components: what the commune wrote to
//! the account is listed and marked read, preferences are saved through notifications' API
//! (which stays the judge: a kind the commune must send cannot be turned off), forms without
//! their token are refused, and a guest is asked to sign in.

use std::time::{Duration, Instant};

use guichet_tests::guichet::Guichet;
use serde_json::Value;

use crate::admin_support;
use crate::portal_support::{hidden, Browser};
use crate::requests_support::file_pothole;

/// The account's inbox through the API, once it holds at least one message.
fn inbox_with_a_message(g: &Guichet, access: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let inbox = g.get("/api/notifications/inbox", Some(access)).json();
        if inbox["messages"].as_array().is_some_and(|m| !m.is_empty()) {
            return inbox;
        }
        assert!(Instant::now() < deadline, "no message in the inbox: {inbox}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn a_signed_in_citizen_reads_the_communes_messages_and_marks_them_read() {
    let g = admin_support::start();
    let anne = g.citizen("anne@exemple.fr");
    let filed = file_pothole(&g, Some(&anne.access));
    let inbox = inbox_with_a_message(&g, &anne.access);
    let subject = inbox["messages"][0]["subject"].as_str().expect("subject").to_owned();

    let mut browser = Browser::default();
    browser.sign_in(&g, "anne@exemple.fr");
    let page = browser.get(&g, "/mine/inbox");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&escaped(&subject)), "{subject} in {}", page.body);
    assert!(page.body.contains(&format!("/track?reference={}", filed.reference)), "{}", page.body);
    assert!(page.body.contains("class=\"unread\""), "{}", page.body);
    assert!(browser.get(&g, "/mine").body.contains("href=\"/mine/inbox\""));

    let csrf = hidden(&page.body, "csrf");
    let forged = browser.post_form(&g, "/mine/inbox", &[("csrf", "0".repeat(64).as_str())]);
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert!(g.get("/api/notifications/inbox", Some(&anne.access)).json()["unread"].as_i64() > Some(0));

    let marked = browser.post_form(&g, "/mine/inbox", &[("csrf", &csrf)]);
    assert_eq!((marked.status, marked.header("location")), (303, Some("/mine/inbox?done=read")), "{}", marked.body);
    assert_eq!(g.get("/api/notifications/inbox", Some(&anne.access)).json()["unread"], 0);
    let after = browser.get(&g, "/mine/inbox?done=read");
    assert!(!after.body.contains("class=\"unread\""), "{}", after.body);

    // Another citizen sees none of it.
    g.verified_citizen("bob@exemple.fr");
    let mut bob = Browser::default();
    bob.sign_in(&g, "bob@exemple.fr");
    assert!(!bob.get(&g, "/mine/inbox").body.contains(&filed.reference));
}

#[test]
fn preferences_are_saved_through_notifications_which_refuses_turning_off_what_must_be_sent() {
    let g = admin_support::start();
    let anne = g.citizen("anne@exemple.fr");
    let mut browser = Browser::default();
    browser.sign_in(&g, "anne@exemple.fr");
    let page = browser.get(&g, "/mine/preferences");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("name=\"channels\" value=\"email\" checked"), "defaults shown: {}", page.body);
    let csrf = hidden(&page.body, "csrf");

    let saved = browser.post_form(
        &g,
        "/mine/preferences",
        &[("csrf", &csrf), ("language", "en"), ("channels", "inbox"), ("opt_out", "request_message")],
    );
    assert_eq!(saved.status, 303, "{}", saved.body);
    let stored = g.get("/api/notifications/preferences", Some(&anne.access)).json();
    assert_eq!((stored["language"].as_str(), stored["channels"].clone(), stored["opt_out"].clone()), (Some("en"), serde_json::json!(["inbox"]), serde_json::json!(["request_message"])), "{stored}");
    let shown = browser.get(&g, "/mine/preferences?done=saved");
    assert!(shown.body.contains("value=\"request_message\" checked"), "{}", shown.body);
    assert!(shown.body.contains("value=\"en\" selected"), "{}", shown.body);

    // Nothing chosen: notifications names the field, the page shows it, nothing changes.
    let refused = browser.post_form(&g, "/mine/preferences", &[("csrf", &csrf), ("language", "fr")]);
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("error-summary") && refused.body.contains("channels"), "{}", refused.body);
    assert_eq!(g.get("/api/notifications/preferences", Some(&anne.access)).json()["language"], "en");

    // A receipt cannot be turned off: the page says so next to nothing written.
    let must = browser.post_form(&g, "/mine/preferences", &[("csrf", &csrf), ("channels", "email"), ("opt_out", "request_filed")]);
    assert_eq!(must.status, 422, "{}", must.body);
    assert!(must.body.contains("opt_out[0]"), "{}", must.body);
    assert_eq!(g.get("/api/notifications/preferences", Some(&anne.access)).json()["channels"], serde_json::json!(["inbox"]));

    let forged = browser.post_form(&g, "/mine/preferences", &[("csrf", "x"), ("channels", "email")]);
    assert_eq!(forged.status, 403);
}

#[test]
fn a_guest_is_asked_to_sign_in_for_messages_and_preferences() {
    let g = admin_support::start();
    for path in ["/mine/inbox", "/mine/preferences"] {
        let page = Browser::default().get(&g, path);
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("/account/login?next=%2Fmine"), "{path}: {}", page.body);
    }
}

/// The subject as the page writes it (askama escapes `'` and `&`).
fn escaped(text: &str) -> String {
    text.replace('&', "&amp;").replace('\'', "&#39;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}
