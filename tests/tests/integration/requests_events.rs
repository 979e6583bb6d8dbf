//! Events reaching people: what requests emits (filed, status changed, message, assigned,
//! overdue) goes through its outbox to notifications by service chaining, and notifications
//! tells each recipient on the channel they chose, in their language, with the reference and
//! the tracking link, never the tracking code.
//!
//! Real parts only: the built `.wasm` files on the Guichet host, a [`Mailbox`] as the e-mail
//! provider and a second one as the SMS provider (the SMS API has the same shape, see
//! components/notifications/src/sms.rs). Two ways in:
//! - end to end through the public API (`POST /api/requests`, transitions, the outbox sweep);
//! - for notifications' own contract (`POST /internal/events`), a copy of spin.toml whose
//!   catch-all route `/...` goes to notifications instead of the portal (same grants, same
//!   variables): the events are exactly those requests sends.

use std::time::Duration;

use guichet_tests::mailbox::{MailMessage, Mailbox};
use guichet_tests::tokens::TestKeys;
use guichet_tests::{privacy_by_kind, Host, HostConfig, Reply};
use serde_json::{json, Value};

const ORIGIN: &str = "https://demo.example";

struct App {
    host: Host,
    mail: Mailbox,
    sms: Mailbox,
    keys: TestKeys,
    _dir: tempfile::TempDir,
}

/// Guichet with e-mail and SMS providers of its own; `catch_all` routes `/...` to that
/// component (to reach notifications' internal contract).
fn start(catch_all: Option<&str>) -> App {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("test-key-1");
    let mail = Mailbox::start();
    let sms = Mailbox::start();
    let mut config = HostConfig::guichet_identity(dir.path(), &[&keys], &mail.origin())
        .env("SPIN_VARIABLE_SMS_API_ORIGIN", &sms.origin())
        .env("SPIN_VARIABLE_SMS_FROM", "Mairie Demo")
        .env("SPIN_VARIABLE_PUBLIC_ORIGIN", ORIGIN);
    if let Some(component) = catch_all {
        config = config.routing_everything_else_to(dir.path(), component);
    }
    let host = Host::start(config, &dir);
    App { host, mail, sms, keys, _dir: dir }
}

fn post(host: &Host, path: &str, bearer: Option<&str>, body: &Value) -> Reply {
    let auth = bearer.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(auth) = auth.as_deref() {
        headers.push(("authorization", auth));
    }
    host.send("POST", path, &headers, Some(body.to_string().as_bytes()))
}

/// An event as requests sends it (the `events` contract, wit/events.wit): the kind's record
/// under its case (`status-changed` → `StatusChanged`).
fn event(id: &str, kind: &str, payload: Value) -> Value {
    let case: String = kind
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|c| c.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect();
    json!({
        "id": id, "commune": "demo", "source": "requests",
        "occurred_at": "2026-12-01T20:00:00Z", "payload": {case: payload},
    })
}

/// The payload requests writes for request `reference` (see components/requests/src/calls/events.rs).
fn payload(reference: &str, recipients: Value) -> Value {
    json!({
        "request_id": format!("id-{reference}"), "reference": reference, "service_code": "pothole",
        "service_name": {"fr": "Signaler un nid-de-poule", "en": "Report a pothole"},
        "state": "submitted", "open": true, "lang": "fr", "recipients": recipients,
    })
}

/// What arrived at `mailbox` for `to` after `settle` (for "nothing more arrives" checks).
fn after(mailbox: &Mailbox, to: &str, settle: Duration) -> Vec<MailMessage> {
    std::thread::sleep(settle);
    mailbox.messages().into_iter().filter(|m| m.to == to).collect()
}

const WAIT: Duration = Duration::from_secs(20);

#[test]
fn a_status_change_reaches_the_filer_by_email_and_a_follower_by_sms_each_in_their_language() {
    let app = start(Some("notifications"));
    let mut body = payload(
        "2026-000042",
        json!([
            {"name": "Anne", "email": "anne@example.org", "notify": "email", "verified": true},
            {"phone": "06 12 34 56 78", "notify": "sms", "lang": "en", "verified": true},
            {"email": "quiet@example.org", "notify": "none", "verified": true},
        ]),
    );
    body["state"] = json!("in-progress");
    body["from"] = json!("submitted");
    body["to"] = json!("in-progress");
    body["state_label"] = json!({"fr": "Intervention programmée", "en": "Work scheduled"});
    body["message"] = json!("Les équipes passent lundi.");
    let reply = post(&app.host, "/internal/events", None, &event("ev-status-1", "status-changed", body));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["messages"], 2, "{}", reply.body);

    let mail = app.mail.wait_for("anne@example.org", |_| true, WAIT);
    assert_eq!(mail.subject, "Demande 2026-000042 : Intervention programmée");
    for part in [
        "Bonjour Anne,",
        "Signaler un nid-de-poule",
        "Les équipes passent lundi.",
        "https://demo.example/track?reference=2026-000042",
    ] {
        assert!(mail.text.contains(part), "{part:?} missing from {:?}", mail.text);
    }
    let sms = app.sms.wait_for("+33612345678", |_| true, WAIT);
    assert_eq!(sms.from, "Mairie Demo");
    assert!(sms.text.starts_with("Request 2026-000042: Work scheduled."), "{}", sms.text);
    assert!(sms.text.contains("Track: https://demo.example/track?reference=2026-000042"), "{}", sms.text);
    assert!(sms.text.chars().count() <= 459);
    // `notify: none` means nothing, on any channel.
    assert!(after(&app.mail, "quiet@example.org", Duration::from_millis(300)).is_empty());
    assert_eq!(app.mail.messages().len() + app.sms.messages().len(), 2);
}

#[test]
fn an_event_redelivered_sends_no_second_message() {
    let app = start(Some("notifications"));
    let body = event("ev-twice", "request-filed", payload("2026-000007", json!([{"email": "bob@example.org", "verified": false}])));
    let first = post(&app.host, "/internal/events", None, &body);
    assert_eq!((first.status, first.json()["stored"].clone()), (200, json!("new")), "{}", first.body);
    app.mail.wait_for("bob@example.org", |_| true, WAIT);
    for _ in 0..3 {
        let again = post(&app.host, "/internal/events", None, &body);
        assert_eq!(again.status, 200, "{}", again.body);
        assert_eq!(again.json()["stored"], "duplicate");
        assert_eq!(again.json()["messages"], 0);
    }
    assert_eq!(after(&app.mail, "bob@example.org", Duration::from_millis(500)).len(), 1);
    assert_eq!(app.mail.posts(), 1, "the provider was called again");
}

#[test]
fn assignments_overdue_flags_and_a_citizens_own_message_tell_nobody() {
    let app = start(Some("notifications"));
    let to = json!([{"email": "carl@example.org", "phone": "+41791234567", "verified": true}]);
    let mut message = payload("2026-000008", to.clone());
    message["text"] = json!("Merci de passer vite");
    message["author"] = json!("citizen");
    message["public"] = json!(true);
    for (id, kind, body) in [
        ("ev-a", "assigned", payload("2026-000008", to.clone())),
        ("ev-o", "overdue", payload("2026-000008", to.clone())),
        ("ev-m", "message", message),
    ] {
        let reply = post(&app.host, "/internal/events", None, &event(id, kind, body));
        assert_eq!(reply.status, 200, "{kind}: {}", reply.body);
        assert_eq!(reply.json()["messages"], 0, "{kind}: {}", reply.body);
    }
    // The commune's answer does reach the citizen.
    let mut answer = payload("2026-000008", to);
    answer["text"] = json!("Nous intervenons demain.");
    answer["author"] = json!("staff");
    answer["public"] = json!(true);
    let reply = post(&app.host, "/internal/events", None, &event("ev-m2", "message", answer));
    assert_eq!(reply.json()["messages"], 1, "{}", reply.body);
    let mail = app.mail.wait_for("carl@example.org", |_| true, WAIT);
    assert_eq!(mail.subject, "Nouveau message sur votre demande 2026-000008");
    assert!(mail.text.contains("Nous intervenons demain."), "{}", mail.text);
    assert_eq!(after(&app.mail, "carl@example.org", Duration::from_millis(300)).len(), 1);
    assert!(app.sms.messages().is_empty());
}

#[test]
fn an_sms_the_provider_does_not_take_stays_queued_and_the_retry_sends_it_once() {
    let app = start(Some("notifications"));
    app.sms.set_unavailable(true);
    let reply = post(
        &app.host,
        "/internal/events",
        None,
        &event("ev-sms-down", "request-filed", payload("2026-000009", json!([{"phone": "+33700000001", "notify": "sms", "verified": false}]))),
    );
    assert_eq!((reply.status, reply.json()["messages"].clone()), (200, json!(1)), "{}", reply.body);
    let stored = app.host.get("/internal/messages/ev-ev-sms-down-0").json();
    assert_eq!((stored["status"].clone(), stored["attempts"].clone()), (json!("queued"), json!(1)), "{stored}");
    assert_eq!(stored["channel"], "sms");
    assert_eq!(app.sms.posts(), 1);

    app.sms.set_unavailable(false);
    let retry = post(&app.host, "/internal/messages/retry", None, &json!({"ignore_backoff": true}));
    assert_eq!(retry.status, 200, "{}", retry.body);
    assert_eq!(retry.json()["sent"], 1, "{}", retry.body);
    let sms = app.sms.wait_for("+33700000001", |_| true, WAIT);
    assert!(sms.text.starts_with("Demande 2026-000009 enregistrée"), "{}", sms.text);
    let again = post(&app.host, "/internal/messages/retry", None, &json!({"ignore_backoff": true}));
    assert_eq!(again.json()["attempted"], 0, "{}", again.body);
    assert_eq!(app.sms.messages().len(), 1);
}

/// A pothole report as an anonymous citizen reachable at `email` (answers of the demo
/// catalogue's `pothole`).
pub fn pothole(email: &str, lang: &str) -> Value {
    json!({
        "service_code": "pothole",
        "description": "Un trou profond devant le numéro 12",
        "answers": {"size": "medium", "consent": true},
        "location": {"lat": 48.8566, "long": 2.3522},
        "contact": {"email": email, "notify": "email"},
        "lang": lang,
    })
}

#[test]
fn a_filing_tells_the_citizen_by_email_in_their_language_with_the_reference_and_no_tracking_code() {
    let app = start(None);
    let reply = post(&app.host, "/api/requests", None, &pothole("dora@example.org", "en"));
    assert_eq!(reply.status, 201, "{}", reply.body);
    let filed = reply.json();
    let reference = filed["reference"].as_str().expect("reference").to_owned();
    let code = filed["tracking_code"].as_str().expect("tracking_code").to_owned();

    let mail = app.mail.wait_for("dora@example.org", |_| true, WAIT);
    assert_eq!(mail.subject, format!("Request {reference} received"));
    assert!(mail.text.contains("Report a pothole"), "{}", mail.text);
    assert!(mail.text.contains("Report received"), "the first state is named: {}", mail.text);
    assert!(mail.text.contains(&format!("/track?reference={reference}")), "{}", mail.text);
    assert!(!mail.text.contains(&code) && !mail.subject.contains(&code), "the tracking code was sent: {}", mail.text);
    assert_eq!(after(&app.mail, "dora@example.org", Duration::from_millis(300)).len(), 1);
}

#[test]
fn a_status_change_by_an_agent_reaches_the_filer_with_the_new_state_and_the_public_message() {
    let app = start(None);
    let reply = post(&app.host, "/api/requests", None, &pothole("emile@example.org", "fr"));
    assert_eq!(reply.status, 201, "{}", reply.body);
    let reference = reply.json()["reference"].as_str().expect("reference").to_owned();
    let receipt = app.mail.wait_for("emile@example.org", |m| m.subject.contains("enregistrée"), WAIT);
    confirm(&app.host, &receipt);

    let agent = app.keys.access_token_with_departments("demo", "agent-1", &["agent"], &["roads"]);
    let reply = post(
        &app.host,
        &format!("/api/requests/{reference}/transitions"),
        Some(&agent),
        &json!({"to": "acknowledged", "message": "Merci, nous avons bien noté.", "note": "équipe B"}),
    );
    assert!(reply.status == 200 || reply.status == 201, "{}", reply.body);
    let mail = app.mail.wait_for("emile@example.org", |m| m.subject.contains("Pris en compte"), WAIT);
    assert_eq!(mail.subject, format!("Demande {reference} : Pris en compte"));
    assert!(mail.text.contains("Merci, nous avons bien noté."), "{}", mail.text);
    // The internal note is never sent.
    assert!(!mail.text.contains("équipe B"), "{}", mail.text);
    assert_eq!(after(&app.mail, "emile@example.org", Duration::from_millis(300)).len(), 2);
}

#[test]
fn the_outbox_sweep_is_for_the_communes_administrators_and_reports_what_is_left() {
    let app = start(None);
    let path = "/api/requests/outbox/retry";
    assert_eq!(post(&app.host, path, None, &json!({})).status, 401);
    let citizen = app.keys.access_token("demo", "citizen-1", &[]);
    assert_eq!(post(&app.host, path, Some(&citizen), &json!({})).status, 403);
    let agent = app.keys.access_token("demo", "agent-1", &["agent"]);
    assert_eq!(post(&app.host, path, Some(&agent), &json!({})).status, 403);
    let other = app.keys.access_token("elsewhere", "admin-1", &["admin"]);
    assert_eq!(post(&app.host, path, Some(&other), &json!({})).status, 401);

    let admin = app.keys.access_token("demo", "admin-1", &["admin"]);
    let bad = post(&app.host, path, Some(&admin), &json!({"limit": 0, "everything": true}));
    assert_eq!(bad.status, 400, "{}", bad.body);
    let mut fields: Vec<String> =
        bad.json()["errors"].as_array().expect("errors").iter().map(|e| e["field"].as_str().unwrap_or("").to_owned()).collect();
    fields.sort();
    assert_eq!(fields, ["everything", "limit"], "{}", bad.body);

    let reply = post(&app.host, path, Some(&admin), &json!({}));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let body = reply.json();
    assert_eq!((body["delivered"].clone(), body["pending"].clone()), (json!(0), json!(0)), "{body}");
    assert!(body["messages"].is_object(), "notifications' message retry ran: {body}");
    // An empty body is the same as `{}`.
    let empty = app.host.send("POST", path, &[("authorization", &format!("Bearer {admin}"))], None);
    assert_eq!(empty.status, 200, "{}", empty.body);
}

#[test]
fn a_citizens_export_and_erasure_cover_the_events_that_listed_them_as_recipients() {
    let app = start(Some("notifications"));
    let body = payload(
        "2026-000010",
        json!([
            {"name": "Anne", "email": "Anne@Example.org", "notify": "email", "verified": false},
            {"email": "bob@example.org", "notify": "email", "verified": false},
        ]),
    );
    assert_eq!(post(&app.host, "/internal/events", None, &event("ev-gdpr", "request-filed", body)).status, 200);
    // Sent to the address as the one e-mail rule keeps it: its domain lowercased.
    app.mail.wait_for("Anne@example.org", |_| true, WAIT);
    app.mail.wait_for("bob@example.org", |_| true, WAIT);

    let subject = json!({"commune": "demo", "account_id": "acc-anne", "email": "anne@example.org"});
    let export = privacy_by_kind(post(&app.host, "/internal/privacy/export", None, &subject).json());
    assert_eq!(export["records"]["events"][0]["id"], "ev-gdpr", "{export}");
    let erase = privacy_by_kind(post(&app.host, "/internal/privacy/erase", None, &subject).json());
    assert_eq!(erase["erased"]["events"], 1, "{erase}");
    let stored = app.host.get("/internal/events/ev-gdpr").json();
    let payload: Value = serde_json::from_str(stored["payload"].as_str().expect("payload")).expect("json");
    assert_eq!(payload["recipients"], json!([{"email": "bob@example.org", "notify": "email", "verified": false}]), "{payload}");
    assert_eq!(payload["reference"], "2026-000010");
    let again = privacy_by_kind(post(&app.host, "/internal/privacy/export", None, &subject).json());
    assert_eq!(again["records"]["events"], json!([]), "{again}");
}

#[test]
fn a_status_change_reaches_the_filer_by_email_and_an_anonymous_follower_by_sms_end_to_end() {
    let app = start(None);
    let reply = post(&app.host, "/api/requests", None, &pothole("fanny@example.org", "fr"));
    assert_eq!(reply.status, 201, "{}", reply.body);
    let reference = reply.json()["reference"].as_str().expect("reference").to_owned();
    confirm(&app.host, &app.mail.wait_for("fanny@example.org", |_| true, WAIT));
    let follow = post(
        &app.host,
        &format!("/api/requests/{reference}/follow"),
        None,
        &json!({"contact": {"phone": "+33 6 11 11 11 11", "notify": "sms"}}),
    );
    assert!(follow.status == 200 || follow.status == 201, "{}", follow.body);
    // The follower's receipt carries the link that confirms their number.
    let receipt = app.sms.wait_for("+33611111111", |_| true, WAIT);
    assert!(receipt.text.starts_with(&format!("Vous suivez la demande {reference}.")), "{}", receipt.text);
    confirm(&app.host, &receipt);

    let agent = app.keys.access_token_with_departments("demo", "agent-1", &["agent"], &["roads"]);
    let reply = post(&app.host, &format!("/api/requests/{reference}/transitions"), Some(&agent), &json!({"to": "acknowledged"}));
    assert!(reply.status == 200 || reply.status == 201, "{}", reply.body);
    // Links lead to the commune's configured public origin (the default commune's is the
    // `public_origin` variable), never to the address the request was made at.
    let origin = ORIGIN;
    let mail = app.mail.wait_for("fanny@example.org", |m| m.subject.contains("Pris en compte"), WAIT);
    assert!(mail.text.contains(&format!("{origin}/track?reference={reference}")), "{}", mail.text);
    let sms = app.sms.wait_for("+33611111111", |m| m.text.contains("Pris en compte"), WAIT);
    assert_eq!(sms.text, format!("Demande {reference} : Pris en compte. Suivi : {origin}/track?reference={reference}"));
    // The follower was not told of the filing, which happened before they followed: their
    // receipt and the status change only.
    assert_eq!(app.sms.messages().len(), 2);
}

/// Confirms the contact a receipt was sent to, with the link it carries (a filer's or a
/// follower's given without an account gets updates only once confirmed).
fn confirm(host: &Host, receipt: &MailMessage) {
    let token = guichet_tests::guichet::token_in(&receipt.text, "/api/requests/contacts/confirm");
    let reply = post(host, "/api/requests/contacts/confirm", None, &json!({"token": token}));
    assert_eq!(reply.status, 200, "{}", reply.body);
}
