//! Preferences: a citizen who turned off the optional messages gets none of them, but still
//! gets what the commune must send (receipts, the decision closing a request); an agent who
//! chose the daily digest gets their alerts in their inbox at once and in one e-mail from the
//! sweep; choices outside the rules are refused naming the member, and nothing is written.

use serde_json::json;

use crate::notifications_support::{account, errors, start, API, LOOKUP_SECRET, WAIT};

#[test]
fn an_opted_out_citizen_gets_nothing_optional_but_still_what_the_commune_must_send() {
    let app = start(&[]);
    let citizen = app.bearer("citizen-9", &["citizen"]);
    let path = format!("{API}/preferences");
    // A receipt cannot be turned off; nothing is written by a refused choice.
    let refused = app.call("PUT", &path, &citizen, Some(&json!({"channels": ["email"], "opt_out": ["request_message", "request_filed"]})));
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(errors(&refused), [("opt_out[1]".to_owned(), "must_send".to_owned())]);
    assert_eq!(app.call("GET", &path, &citizen, None).json()["customised"], false);
    let saved = app.call("PUT", &path, &citizen, Some(&json!({"channels": ["email"], "opt_out": ["request_status", "request_message"], "language": "en"})));
    assert_eq!(saved.status, 200, "{}", saved.body);

    let me = json!([{"account_id": "citizen-9", "email": "nine@example.org", "notify": "email", "verified": true}]);
    // Optional: a status change that leaves the request open, a message from the commune.
    app.event("ev-opt-1", "status-changed", "2026-000601", me.clone());
    // Must be sent: the receipt, and the decision that closes the request.
    app.event("ev-opt-2", "request-filed", "2026-000602", me.clone());
    app.event_with("ev-opt-3", "status-changed", "2026-000601", me, json!({"open": false, "state": "closed", "to": "closed", "state_label": {"fr": "Clôturée", "en": "Closed"}}));
    let closed = app.mailbox.wait_for("nine@example.org", |m| m.subject.contains("Closed"), WAIT);
    assert_eq!(closed.subject, "Request 2026-000601: Closed");
    let subjects: Vec<String> = app.mailbox.messages().iter().filter(|m| m.to == "nine@example.org").map(|m| m.subject.clone()).collect();
    assert_eq!(subjects, ["Request 2026-000602 received", "Request 2026-000601: Closed"]);
    // The inbox was turned off too: nothing there.
    assert_eq!(app.call("GET", &format!("{API}/inbox"), &citizen, None).json()["messages"], json!([]));
}

#[test]
fn an_agent_who_chose_the_daily_digest_gets_their_alerts_in_one_email_from_the_sweep() {
    let app = start(&[("SPIN_VARIABLE_CONTACT_LOOKUP_SECRET", LOOKUP_SECRET)]);
    let agent = account(&app, "ada@mairie.example");
    let bearer = app.bearer(&agent, &["agent"]);
    let chosen = app.call("PUT", &format!("{API}/preferences"), &bearer, Some(&json!({"channels": ["email", "inbox"], "agent_mode": "digest", "digest_hour": 0})));
    assert_eq!(chosen.status, 200, "{}", chosen.body);

    for (id, reference) in [("ev-dg-1", "2026-000701"), ("ev-dg-2", "2026-000702")] {
        app.event_with(id, "assigned", reference, json!([]), json!({"assignee": agent, "department": "voirie"}));
    }
    let alerts = |app: &crate::notifications_support::App| {
        app.mailbox.messages().into_iter().filter(|m| m.to == "ada@mairie.example" && !m.text.contains("verify-email")).count()
    };
    assert_eq!(alerts(&app), 0, "an alert was sent at once");
    assert_eq!(app.call("GET", &format!("{API}/inbox"), &bearer, None).json()["unread"], 2);

    let swept = app.call("POST", &format!("{API}/sweep"), &app.admin(), None);
    assert_eq!(swept.status, 200, "{}", swept.body);
    assert_eq!(swept.json()["digests"], 1, "{}", swept.body);
    let digest = app.mailbox.wait_for("ada@mairie.example", |m| m.subject.contains("résumé"), WAIT);
    assert_eq!(digest.subject, "Votre résumé : 2 demande(s) vous concernent");
    assert!(digest.text.contains("2026-000701") && digest.text.contains("2026-000702"), "{}", digest.text);
    assert!(digest.html.is_some());
    // Once a day: the next sweep sends nothing more.
    assert_eq!(app.call("POST", &format!("{API}/sweep"), &app.admin(), None).json()["digests"], 0);
    assert_eq!(alerts(&app), 1);
}
