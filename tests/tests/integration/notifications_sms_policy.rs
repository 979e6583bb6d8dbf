//! Notifications' own defences (issue #17, finding 1), whatever the sender checked: no SMS to a
//! country outside `sms_allowed_countries`, no more than `sms_limits` SMS to one number, no
//! update to an unverified contact, and no name with a line break in a greeting. A refused SMS
//! is stored as failed with its reason, never attempted.
//!
//! Reached through notifications' private contract (`POST /internal/events`) on a copy of
//! spin.toml whose catch-all route serves notifications: the events are those requests sends.

use std::time::Duration;

use serde_json::{json, Value};

use crate::notifications_support::{start, App, WAIT};

/// Sends the event `id` of `kind` about request 2026-000001 to `recipients`; the messages
/// notifications says it created (refused ones are not counted).
fn send(app: &App, id: &str, kind: &str, recipients: Value) -> u64 {
    app.event(id, kind, "2026-000001", recipients)["messages"].as_u64().expect("messages")
}

/// `(status, last_error)` of the first message of event `id`.
fn outcome(app: &App, id: &str) -> (String, String) {
    let stored = app.host.get(&format!("/internal/messages/ev-{id}-0")).json();
    let text = |name: &str| stored[name].as_str().unwrap_or_default().to_owned();
    (text("status"), text("last_error"))
}

#[test]
fn an_sms_to_a_country_the_commune_does_not_serve_is_never_sent_and_says_why() {
    let app = start(&[]);
    let to = json!([{"phone": "+1 900 555 0199", "notify": "sms", "verified": true}]);
    assert_eq!(send(&app, "abroad", "status-changed", to), 0);
    assert_eq!(outcome(&app, "abroad"), ("failed".into(), "country_not_allowed".into()));
    let to = json!([{"phone": "06 12 34 56 78", "notify": "sms", "verified": true}]);
    assert_eq!(send(&app, "home", "status-changed", to), 1);
    app.mailbox.wait_for("+33612345678", |_| true, WAIT);
    assert_eq!(app.mailbox.messages().len(), 1, "only the French number got an SMS");
}

#[test]
fn one_number_gets_at_most_its_hourly_share_of_sms_and_the_rest_are_refused() {
    let app = start(&[("SPIN_VARIABLE_SMS_LIMITS", "hour=2")]);
    let to = json!([{"phone": "+33611111111", "notify": "sms", "verified": true}]);
    for id in ["s1", "s2", "s3", "s4"] {
        send(&app, id, "status-changed", to.clone());
    }
    assert_eq!(outcome(&app, "s3"), ("failed".into(), "sms_rate_limited".into()));
    assert_eq!(outcome(&app, "s4"), ("failed".into(), "sms_rate_limited".into()));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(app.mailbox.messages().len(), 2);
}

#[test]
fn an_unverified_contact_is_told_of_its_receipt_only() {
    let app = start(&[]);
    let to = json!([{"email": "victim@example.org", "verified": false}, {"email": "old@example.org", "verified": false}]);
    assert_eq!(send(&app, "update", "status-changed", to.clone()), 0);
    assert_eq!(send(&app, "filed", "request-filed", to), 2);
}

#[test]
fn a_name_with_a_line_break_never_reaches_the_greeting() {
    let app = start(&[]);
    let to = json!([{"email": "anne@example.org", "name": "Anne\r\nBcc: x@evil.example\n\nClick http://evil.example", "verified": true}]);
    send(&app, "named", "status-changed", to);
    let mail = app.mailbox.wait_for("anne@example.org", |_| true, WAIT);
    assert!(mail.text.starts_with("Bonjour,\n"), "{}", mail.text);
    assert!(!mail.text.contains("evil"), "{}", mail.text);
}
