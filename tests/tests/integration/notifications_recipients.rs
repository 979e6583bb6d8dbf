//! Recipients resolved, not guessed: an account named in an event without an address (the
//! agent a request was assigned to, a signed-in filer who typed no contact) is reached at
//! the verified address identity gives notifications through the `contacts` contract, which
//! a secret shared by those two components alone closes to every other one. What an account
//! is sent about its requests also lands in its in-app inbox.

use guichet_tests::guichet::{claims_of, token_in, PASSWORD};
use serde_json::json;

use crate::notifications_support::{start, App, API, WAIT};

const SECRET: &str = "lookup-secret-0123456789abcdef";

/// Registers and verifies `email` in identity; its account id.
fn account(app: &App, email: &str) -> String {
    let post = |path: &str, body: serde_json::Value| {
        app.host.send("POST", path, &[("content-type", "application/json")], Some(body.to_string().as_bytes()))
    };
    let registered = post("/api/identity/register", json!({"email": email, "password": PASSWORD}));
    assert_eq!(registered.status, 202, "{}", registered.body);
    let mail = app.mailbox.wait_for(email, |m| m.text.contains("/account/verify-email"), WAIT);
    let verified = post("/api/identity/verify-email", json!({"token": token_in(&mail.text, "/account/verify-email")}));
    assert_eq!(verified.status, 200, "{}", verified.body);
    let signed = post("/api/identity/token", json!({"grant_type": "password", "email": email, "password": PASSWORD}));
    assert_eq!(signed.status, 200, "{}", signed.body);
    claims_of(signed.json()["access_token"].as_str().expect("token"))["sub"].as_str().expect("sub").to_owned()
}

#[test]
fn an_assignment_reaches_the_agent_and_an_update_the_signed_in_filer_at_their_verified_addresses() {
    let app = start(&[("SPIN_VARIABLE_CONTACT_LOOKUP_SECRET", SECRET)]);
    let agent = account(&app, "ada@mairie.example");
    let filer = account(&app, "anne@example.org");

    app.event_with("ev-assign", "assigned", "2026-000401", json!([]), json!({"assignee": agent, "department": "voirie"}));
    let alert = app.mailbox.wait_for("ada@mairie.example", |m| m.subject.contains("2026-000401"), WAIT);
    assert_eq!(alert.subject, "Demande 2026-000401 : elle vous est attribuée");

    app.event("ev-update", "status-changed", "2026-000401", json!([{"account_id": filer, "verified": true}]));
    let update = app.mailbox.wait_for("anne@example.org", |m| m.subject.contains("2026-000401"), WAIT);
    assert!(update.text.contains("Pris en compte"), "{}", update.text);

    let messages = app.messages_of("2026-000401");
    let purposes: Vec<_> = messages
        .iter()
        .map(|m| (m["purpose"].as_str().unwrap_or(""), m["channel"].as_str().unwrap_or(""), m["state"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        purposes,
        [
            ("agent_assigned", "email", "delivered"),
            ("agent_assigned", "inbox", "delivered"),
            ("request_status", "email", "delivered"),
            ("request_status", "inbox", "delivered")
        ],
        "{messages:?}"
    );

    // The filer's in-app inbox has the update, unread, until they read it; nobody else sees it.
    let filer_bearer = app.bearer(&filer, &["citizen"]);
    let inbox = app.call("GET", &format!("{API}/inbox"), &filer_bearer, None).json();
    assert_eq!(inbox["unread"], 1, "{inbox}");
    assert_eq!(inbox["messages"][0]["reference"], "2026-000401");
    let id = inbox["messages"][0]["id"].as_str().expect("id").to_owned();
    let other = app.call("POST", &format!("{API}/inbox/{id}/read"), &app.bearer("someone-else", &["citizen"]), None);
    assert_eq!(other.status, 404, "{}", other.body);
    let read = app.call("POST", &format!("{API}/inbox/{id}/read"), &filer_bearer, None);
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(app.call("GET", &format!("{API}/inbox"), &filer_bearer, None).json()["unread"], 0);
    // Identity's account mails (verification links) never show in the inbox.
    let texts = app.call("GET", &format!("{API}/inbox?limit=100"), &filer_bearer, None).body;
    assert!(!texts.contains("verify-email"), "{texts}");
}

#[test]
fn without_the_shared_secret_identity_answers_no_contact() {
    let app = start(&[]);
    let agent = account(&app, "ada@mairie.example");
    app.event_with("ev-assign", "assigned", "2026-000402", json!([]), json!({"assignee": agent}));
    assert!(app.messages_of("2026-000402").is_empty());
    assert!(app.host.log().contains("contact_lookup_secret is not set"), "the gap is logged");
}

#[test]
fn only_identity_and_notifications_are_given_the_contact_lookup_secret() {
    let manifest = std::fs::read_to_string(guichet_tests::root().join("spin.toml")).expect("spin.toml");
    let holders: Vec<&str> = manifest
        .split("[component.")
        .skip(1)
        .filter(|section| section.contains("contact_lookup_secret = \"{{ contact_lookup_secret }}\""))
        .map(|section| section.split(']').next().unwrap_or(""))
        .collect();
    assert_eq!(holders, ["identity.variables", "notifications.variables"]);
}
