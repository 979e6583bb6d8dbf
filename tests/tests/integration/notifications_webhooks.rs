//! Webhooks to a commune's own systems: each event of the kinds a webhook takes is POSTed to
//! its URL, signed as the Standard Webhooks specification says, and the signature is verified
//! here by the published `standardwebhooks` library (PyPI) on the exact bytes a real local
//! HTTP receiver got, with the current secret and, after a rotation, with the old one too.
//! Administrators manage webhooks; URLs that are not https or point inside a network are
//! refused, naming the field, and nothing is stored.

use serde_json::{json, Value};

use guichet_tests::receiver::{Received, Receiver};

use crate::notifications_support::{errors, python, start, to_email, App, API, WAIT};

/// Verifies the request (body file, headers as JSON) with the secret; prints the event type.
const VERIFY: &str = r#"
import sys, json
from standardwebhooks.webhooks import Webhook
body = open(sys.argv[2], "rb").read()
print(Webhook(sys.argv[1]).verify(body, json.loads(sys.argv[3]))["type"])
"#;

/// Whether `standardwebhooks` accepts `request` with `secret`: the event type it read.
fn verified(secret: &str, request: &Received) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let body = dir.path().join("body");
    std::fs::write(&body, &request.body).expect("writing the body");
    let headers: serde_json::Map<String, Value> =
        request.headers.iter().map(|(n, v)| (n.clone(), json!(v))).collect();
    python(VERIFY, &[secret, body.to_str().expect("path"), &Value::Object(headers).to_string()])
}

fn create(app: &App, body: &Value) -> guichet_tests::Reply {
    app.call("POST", &format!("{API}/webhooks"), &app.admin(), Some(body))
}

fn local(env: &[(&str, &str)]) -> App {
    let mut all = vec![("SPIN_VARIABLE_WEBHOOK_ALLOWED_HOSTS", "http://127.0.0.1:*")];
    all.extend_from_slice(env);
    start(&all)
}

#[test]
fn a_webhook_verifies_with_the_standardwebhooks_library_before_and_after_a_rotation() {
    let app = local(&[]);
    let receiver = Receiver::start();
    let created = create(&app, &json!({"url": receiver.url("/hooks/guichet"), "events": ["status-changed"]}));
    assert_eq!(created.status, 201, "{}", created.body);
    let created = created.json();
    let (id, secret) = (created["id"].as_str().expect("id").to_owned(), created["secret"].as_str().expect("secret").to_owned());
    assert!(secret.starts_with("whsec_"), "{secret}");

    // A kind the webhook does not take: nothing sent.
    app.event("ev-w0", "request-filed", "2026-000301", json!([to_email("anne@example.org")]));
    app.event("ev-w1", "status-changed", "2026-000301", json!([to_email("anne@example.org")]));
    let got = receiver.wait_for(1, WAIT);
    assert_eq!(got.len(), 1, "{got:?}");
    let first = &got[0];
    assert_eq!((first.method.as_str(), first.path.as_str()), ("POST", "/hooks/guichet"));
    assert_eq!(verified(&secret, first), "status-changed");
    let body = first.json();
    assert_eq!(body["data"]["reference"], "2026-000301", "{body}");
    assert!(body["data"].get("recipients").is_none(), "no citizen's contact leaves: {body}");
    let webhook_id = first.header("webhook-id").expect("webhook-id").to_owned();

    // The agent sees the webhook message on the request, delivered.
    let messages = app.messages_of("2026-000301");
    let hook = messages.iter().find(|m| m["channel"] == "webhook").expect("the webhook message");
    assert_eq!((hook["id"].as_str(), hook["state"].as_str()), (Some(webhook_id.as_str()), Some("delivered")), "{hook}");

    let rotated = app.call("POST", &format!("{API}/webhooks/{id}/rotate"), &app.admin(), Some(&json!({"previous_valid_hours": 1})));
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let new_secret = rotated.json()["secret"].as_str().expect("secret").to_owned();
    assert_ne!(new_secret, secret);
    app.event("ev-w2", "status-changed", "2026-000302", json!([]));
    let second = receiver.wait_for(2, WAIT)[1].clone();
    assert_eq!(second.header("webhook-signature").map(|s| s.split(' ').count()), Some(2));
    assert_eq!(verified(&new_secret, &second), "status-changed");
    assert_eq!(verified(&secret, &second), "status-changed", "the old secret still verifies during the rotation");

    let listed = app.call("GET", &format!("{API}/webhooks"), &app.admin(), None);
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert!(!listed.body.contains("whsec_"), "secrets are shown once: {}", listed.body);
    assert_eq!(listed.json()["webhooks"][0]["secrets"].as_array().map(Vec::len), Some(2));
}

#[test]
fn a_receiver_failing_then_recovering_gets_the_message_again_under_the_same_id() {
    let app = local(&[]);
    let receiver = Receiver::start();
    receiver.answer_with(500);
    let created = create(&app, &json!({"url": receiver.url("/h")})).json();
    assert!(created["id"].is_string(), "{created}");
    app.event("ev-w3", "status-changed", "2026-000303", json!([]));
    receiver.wait_for(1, WAIT);
    let hook = app.messages_of("2026-000303")[0].clone();
    assert_eq!(hook["state"], "temporary_failure", "{hook}");
    receiver.answer_with(200);
    assert_eq!(app.retry(true)["sent"], 1);
    let got = receiver.wait_for(2, WAIT);
    assert_eq!(got[0].header("webhook-id"), got[1].header("webhook-id"), "one id across attempts");
    assert_eq!(app.messages_of("2026-000303")[0]["state"], "delivered");
}

#[test]
fn webhook_urls_that_are_not_https_or_point_inside_a_network_are_refused_and_nothing_is_stored() {
    let app = start(&[]);
    for (url, code) in [
        ("http://sig.mairie-demo.fr/hook", "not_https"),
        ("https://10.0.0.8/hook", "internal_destination"),
        ("https://169.254.169.254/latest/meta-data", "internal_destination"),
        ("https://localhost/hook", "internal_destination"),
        ("https://identity.spin.internal/internal/contacts", "internal_destination"),
        ("https://[::1]/hook", "internal_destination"),
        ("no url", "invalid_url"),
    ] {
        let refused = create(&app, &json!({"url": url}));
        assert_eq!(refused.status, 400, "{url}: {}", refused.body);
        assert_eq!(errors(&refused), [("url".to_owned(), code.to_owned())], "{url}");
    }
    let refused = create(&app, &json!({"url": "https://sig.mairie-demo.fr/hook", "events": ["status-changed", "teleported"]}));
    assert_eq!(errors(&refused), [("events[1]".to_owned(), "unknown_event_kind".to_owned())]);
    let refused = create(&app, &json!({"url": "https://sig.mairie-demo.fr/hook", "secret": "mine"}));
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(errors(&refused)[0].0, "secret");

    let agent = app.call("POST", &format!("{API}/webhooks"), &app.agent(), Some(&json!({"url": "https://sig.mairie-demo.fr/h"})));
    assert_eq!(agent.status, 403, "{}", agent.body);
    let listed = app.call("GET", &format!("{API}/webhooks"), &app.admin(), None).json();
    assert_eq!(listed["webhooks"], json!([]), "{listed}");

    let unknown = app.call("POST", &format!("{API}/webhooks/nope/rotate"), &app.admin(), None);
    assert_eq!(unknown.status, 404, "{}", unknown.body);
}

#[test]
fn the_demo_mailbox_shows_a_webhook_beside_the_e_mails_and_its_signature_verifies() {
    // As `make demo` sets it up: webhooks allowed to the mailbox's address (infra/demo.sh).
    let app = local(&[]);
    let url = format!("{}/webhooks/demo", app.mailbox.origin());
    let created = create(&app, &json!({"url": url, "events": ["status-changed"]}));
    assert_eq!(created.status, 201, "{}", created.body);
    let secret = created.json()["secret"].as_str().expect("secret").to_owned();
    app.event("ev-m1", "status-changed", "2026-000401", json!([to_email("anne@example.org")]));
    let hook = app.mailbox.wait_for("/webhooks/demo", |m| m.from == "webhook", WAIT);
    let mail = app.mailbox.wait_for("anne@example.org", |_| true, WAIT);
    assert_eq!(hook.subject, "status-changed");
    assert!(hook.text.contains("2026-000401"), "{}", hook.text);
    assert!(mail.text.contains("2026-000401"), "{}", mail.text);
    // What the mailbox shows is what was signed: the body under the headers verifies.
    let (head, body) = hook.text.split_once("\n\n").expect("headers, then the body");
    let headers: Vec<(String, String)> = head
        .lines()
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    let received = Received { method: "POST".into(), path: "/webhooks/demo".into(), headers, body: body.as_bytes().to_vec() };
    assert_eq!(verified(&secret, &received), "status-changed");
}
