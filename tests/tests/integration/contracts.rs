//! The contracts between components (`wit/`): a chained body that does not match its
//! contract is refused with a 400 naming the member at fault, logged, and nothing of it is
//! stored or sent. Driven through the host, on a copy of spin.toml whose catch-all route `/...`
//! reaches notifications' private `/internal/...` routes (the bodies are those requests and
//! identity send by service chaining).

use guichet_tests::mailbox::Mailbox;
use guichet_tests::tokens::TestKeys;
use guichet_tests::{Host, HostConfig, Reply};
use serde_json::{json, Value};

struct App {
    host: Host,
    mail: Mailbox,
    _dir: tempfile::TempDir,
}

fn notifications() -> App {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("test-key-1");
    let mail = Mailbox::start();
    let config = HostConfig::guichet_identity(dir.path(), &[&keys], &mail.origin())
        .routing_everything_else_to(dir.path(), "notifications");
    let host = Host::start(config, &dir);
    App { host, mail, _dir: dir }
}

fn post(host: &Host, path: &str, body: &Value) -> Reply {
    host.send("POST", path, &[("content-type", "application/json")], Some(body.to_string().as_bytes()))
}

/// The single refused member of a 400.
fn refused_field(reply: &Reply) -> String {
    assert_eq!(reply.status, 400, "{}", reply.body);
    let errors = reply.json()["errors"].clone();
    assert_eq!(errors.as_array().map(Vec::len), Some(1), "{errors}");
    assert_eq!(errors[0]["code"], "contract_mismatch", "{errors}");
    errors[0]["field"].as_str().unwrap_or_default().to_owned()
}

fn status_changed(id: &str) -> Value {
    json!({
        "id": id, "commune": "demo", "source": "requests", "occurred_at": "2026-12-01T20:00:00Z",
        "payload": {"StatusChanged": {
            "request_id": "r1", "reference": "2026-000001", "service_code": "pothole",
            "service_name": {"fr": "Nid-de-poule", "en": "Pothole"}, "state": "in-progress",
            "open": true, "lang": "fr", "from": "submitted", "to": "in-progress",
            "recipients": [{"email": "anne@example.org", "notify": "email", "verified": true}]
        }}
    })
}

#[test]
fn an_event_outside_its_contract_is_refused_by_member_and_neither_stored_nor_told() {
    let app = notifications();
    let mut missing = status_changed("ev-missing");
    if let Some(record) = missing["payload"]["StatusChanged"].as_object_mut() {
        record.remove("to");
    }
    assert_eq!(refused_field(&post(&app.host, "/internal/events", &missing)), "payload.StatusChanged.to");
    let mut mistyped = status_changed("ev-mistyped");
    mistyped["payload"]["StatusChanged"]["recipients"][0]["verified"] = json!("yes");
    assert_eq!(
        refused_field(&post(&app.host, "/internal/events", &mistyped)),
        "payload.StatusChanged.recipients[0].verified"
    );
    let mut unknown_kind = status_changed("ev-kind");
    unknown_kind["payload"] = json!({"Party": {}});
    assert_eq!(refused_field(&post(&app.host, "/internal/events", &unknown_kind)), "payload");
    let mut extra = status_changed("ev-extra");
    extra["payload"]["StatusChanged"]["tracking_code"] = json!("ABCD-1234");
    assert_eq!(refused_field(&post(&app.host, "/internal/events", &extra)), "payload.StatusChanged.tracking_code");
    // The old wire form (kind beside a payload serialised as text) is outside the contract too.
    let old = json!({"id": "ev-old", "commune": "demo", "kind": "diagnostic", "source": "requests",
                     "occurred_at": "2026-12-01T20:00:00Z", "payload": "{\"ping_id\":\"p\"}"});
    assert_eq!(refused_field(&post(&app.host, "/internal/events", &old)), "payload");

    for id in ["ev-missing", "ev-mistyped", "ev-kind", "ev-extra", "ev-old"] {
        assert_eq!(app.host.get(&format!("/internal/events/{id}")).status, 404, "{id} was stored");
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(app.mail.posts(), 0, "a refused event told someone");
    assert!(app.host.log().contains("body refused, outside its contract"), "{}", app.host.log());

    // The same event within its contract is stored and told.
    let reply = post(&app.host, "/internal/events", &status_changed("ev-good"));
    assert_eq!((reply.status, reply.json()["messages"].clone()), (200, json!(1)), "{}", reply.body);
    let stored = app.host.get("/internal/events/ev-good").json();
    assert_eq!(stored["kind"], "status-changed");
}

#[test]
fn a_message_outside_its_contract_is_refused_by_member_and_not_stored() {
    let app = notifications();
    let message = json!({
        "id": "m-1", "commune": "demo", "account_id": null, "channel": "email",
        "to": "anne@example.org", "purpose": "verify_email", "language": "fr",
        "subject": "Objet", "text": "Texte"
    });
    let mut mistyped = message.clone();
    mistyped["account_id"] = json!(42);
    assert_eq!(refused_field(&post(&app.host, "/internal/messages", &mistyped)), "account_id");
    assert_eq!(app.host.get("/internal/messages/m-1").status, 404);
    assert_eq!(app.mail.posts(), 0);
    let reply = post(&app.host, "/internal/messages", &message);
    assert_eq!(reply.status, 200, "{}", reply.body);
}
