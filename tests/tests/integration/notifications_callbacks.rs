//! The providers' delivery callbacks (`POST /api/notifications/callbacks/mail`), signed as
//! Standard Webhooks with `mail_callback_secret`: signed here by the published
//! `standardwebhooks` library (PyPI), so Guichet is checked against the specification, not
//! against itself. A provider that answers 202 leaves the message `sending` until its
//! callback; a bounce fails the message and suppresses the address; a bad signature changes
//! nothing.

use serde_json::{json, Value};

use crate::notifications_support::{errors, python, start, to_email, App, API, WAIT};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// `msg_id`, timestamp and signature of `body` by the `standardwebhooks` library.
const SIGN: &str = r#"
import sys, datetime
from standardwebhooks.webhooks import Webhook
now = datetime.datetime.now(tz=datetime.timezone.utc)
print(int(now.timestamp()))
print(Webhook(sys.argv[1]).sign(sys.argv[2], now, sys.argv[3]))
"#;

/// Posts the callback `body` signed with `secret` (as the provider would).
fn callback(app: &App, secret: &str, body: &Value) -> guichet_tests::Reply {
    let body = body.to_string();
    let signed = python(SIGN, &[secret, "cb-1", &body]);
    let (timestamp, signature) = signed.split_once('\n').expect("timestamp and signature");
    app.host.send(
        "POST",
        &format!("{API}/callbacks/mail"),
        &[
            ("content-type", "application/json"),
            ("webhook-id", "cb-1"),
            ("webhook-timestamp", timestamp),
            ("webhook-signature", signature),
        ],
        Some(body.as_bytes()),
    )
}

fn state(app: &App, reference: &str) -> (String, String) {
    let message = app.messages_of(reference)[0].clone();
    (message["id"].as_str().unwrap_or("").to_owned(), message["state"].as_str().unwrap_or("").to_owned())
}

#[test]
fn a_message_the_provider_accepted_is_delivered_when_its_signed_callback_says_so() {
    let app = start(&[("SPIN_VARIABLE_MAIL_CALLBACK_SECRET", SECRET)]);
    app.mailbox.answer_with(Some(202));
    app.event("ev-cb", "status-changed", "2026-000201", json!([to_email("anne@example.org")]));
    let (id, now) = state(&app, "2026-000201");
    assert_eq!(now, "sending");

    // Signed with another secret: refused, naming the header; nothing changes.
    let forged = callback(&app, "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &json!({"message_id": id, "status": "delivered"}));
    assert_eq!(forged.status, 401, "{}", forged.body);
    assert!(forged.body.contains("webhook-signature"), "{}", forged.body);
    assert_eq!(state(&app, "2026-000201").1, "sending");
    // Unsigned: refused too.
    let unsigned = app.host.send(
        "POST",
        &format!("{API}/callbacks/mail"),
        &[("content-type", "application/json")],
        Some(json!({"message_id": id, "status": "delivered"}).to_string().as_bytes()),
    );
    assert_eq!(unsigned.status, 401, "{}", unsigned.body);

    let told = callback(&app, SECRET, &json!({"message_id": id, "status": "delivered"}));
    assert_eq!(told.status, 200, "{}", told.body);
    assert_eq!(state(&app, "2026-000201").1, "delivered");

    // A well-signed callback with a bad body: 400 naming the member; about a message never
    // handed over: 409.
    let bad = callback(&app, SECRET, &json!({"message_id": id, "status": "lost"}));
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert_eq!(errors(&bad)[0].0, "status");
    let unknown = callback(&app, SECRET, &json!({"message_id": "never-sent", "status": "delivered"}));
    assert_eq!(unknown.status, 409, "{}", unknown.body);
}

#[test]
fn a_bounce_fails_the_message_and_nothing_more_goes_to_that_address_until_the_suppression_is_lifted() {
    let app = start(&[("SPIN_VARIABLE_MAIL_CALLBACK_SECRET", SECRET)]);
    app.event("ev-b1", "status-changed", "2026-000202", json!([to_email("gone@example.org")]));
    let (id, _) = state(&app, "2026-000202");
    let bounced = callback(&app, SECRET, &json!({"message_id": id, "status": "bounced", "reason": "550 no such user"}));
    assert_eq!(bounced.status, 200, "{}", bounced.body);
    assert_eq!(state(&app, "2026-000202").1, "permanent_failure");

    let listed = app.call("GET", &format!("{API}/suppressions"), &app.admin(), None).json();
    assert_eq!(listed["suppressions"][0]["address"], "gone@example.org", "{listed}");
    assert_eq!(listed["suppressions"][0]["reason"], "bounced");

    // The next message to it is given up without reaching the provider.
    let posts = app.mailbox.posts();
    app.event("ev-b2", "status-changed", "2026-000203", json!([to_email("Gone@Example.org")]));
    let message = app.messages_of("2026-000203")[0].clone();
    assert_eq!((message["state"].as_str(), message["last_error"].as_str()), (Some("permanent_failure"), Some("suppressed")), "{message}");
    assert_eq!(app.mailbox.posts(), posts, "the provider was not called");

    // Its dead letter cannot be retried while the address is suppressed.
    let second = message["id"].as_str().expect("id").to_owned();
    let refused = app.call("POST", &format!("{API}/dead-letters/{second}/retry"), &app.admin(), None);
    assert_eq!(refused.status, 409, "{}", refused.body);
    assert_eq!(errors(&refused), [("to".to_owned(), "suppressed".to_owned())]);

    let lift = json!({"channel": "email", "address": "gone@example.org"});
    let lifted = app.call("POST", &format!("{API}/suppressions/lift"), &app.admin(), Some(&lift));
    assert_eq!(lifted.status, 200, "{}", lifted.body);
    let retried = app.call("POST", &format!("{API}/dead-letters/{second}/retry"), &app.admin(), None);
    assert_eq!(retried.json()["state"], "delivered", "{}", retried.body);
    // The one e-mail rule lowercases the domain only: the local part stays as the filer typed it.
    app.mailbox.wait_for("Gone@example.org", |m| m.message_id == second, WAIT);
}

#[test]
fn without_a_callback_secret_the_route_does_not_exist() {
    let app = start(&[]);
    let reply = callback(&app, SECRET, &json!({"message_id": "m", "status": "delivered"}));
    assert_eq!(reply.status, 404, "{}", reply.body);
}
