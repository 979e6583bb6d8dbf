//! E-mail delivery by notifications, against a real local provider (the [`Mailbox`]), and the
//! personal-data endpoints of notifications, requests and signatures.
//!
//! Two ways in, both with the built `.wasm` files and Guichet's own spin.toml:
//! - the administrators' e-mail check of requests (`/api/requests/diagnostics/mail...`), which
//!   reaches the private notifications component by service chaining, as identity will;
//! - for the contracts themselves (`/internal/...`), a copy of spin.toml whose catch-all route
//!   `/...` goes to the component under test instead of the portal: same grants, same
//!   variables (the `{{ mail_api_origin }}` outbound template included), but reachable.

use std::time::Duration;

use guichet_tests::mailbox::Mailbox;
use guichet_tests::tokens::TestKeys;
use guichet_tests::{privacy_by_kind, Host, HostConfig, Reply};
use serde_json::{json, Value};

const FROM: &str = "Mairie de Démo <mairie@demo.example>";
const MAIL: &str = "/api/requests/diagnostics/mail";

/// Guichet (or its copy routing `/...` to `catch_all`) sending mail to `mailbox` with `key`.
fn start(dir: &tempfile::TempDir, keys: &TestKeys, mailbox: &Mailbox, key: &str, catch_all: Option<&str>) -> Host {
    let mut config = HostConfig::guichet_in(dir.path())
        .env("SPIN_VARIABLE_TOKEN_JWKS", &keys.jwks())
        .env("SPIN_VARIABLE_MAIL_API_ORIGIN", &mailbox.origin())
        .env("SPIN_VARIABLE_MAIL_API_KEY", key)
        .env("SPIN_VARIABLE_MAIL_FROM", FROM);
    if let Some(component) = catch_all {
        config = config.routing_everything_else_to(dir.path(), component);
    }
    Host::start(config, dir)
}

fn post(host: &Host, path: &str, bearer: Option<&str>, body: &Value) -> Reply {
    let mut headers = vec![("content-type", "application/json")];
    if let Some(bearer) = bearer {
        headers.push(("authorization", bearer));
    }
    host.send("POST", path, &headers, Some(body.to_string().as_bytes()))
}

fn admin(keys: &TestKeys) -> String {
    format!("Bearer {}", keys.access_token("demo", "admin-1", &["admin"]))
}

/// The fields named by a 400 answer's errors.
fn error_fields(reply: &Reply) -> Vec<String> {
    assert_eq!(reply.status, 400, "{}", reply.body);
    reply.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or("").to_owned())
        .collect()
}

fn wait() -> Duration {
    Duration::from_secs(10)
}

#[test]
fn a_test_message_reaches_the_mailbox_with_its_sender_recipient_subject_and_text() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("k1");
    let mailbox = Mailbox::start_with_key("provider-key-123");
    // The message contract itself (identity's mails hold secrets), reached through the copy of
    // spin.toml that routes `/...` to notifications; the administrators' check reads it back.
    let host = start(&dir, &keys, &mailbox, "provider-key-123", Some("notifications"));
    let bearer = admin(&keys);
    let secret = "one-time-link-SECRET-7f3a9c";
    let text = format!("Bonjour,\n\nVotre lien : https://demo.example/v/{secret}\n\nÀ bientôt.\n");
    let mut message = message("diag-anne-1", "demo", None, "anne@example.org");
    message["purpose"] = json!("diagnostic");
    message["subject"] = json!("Vérifiez votre adresse");
    message["text"] = json!(text);

    let sent = post(&host, "/internal/messages", None, &message);
    assert_eq!(sent.status, 200, "{}", sent.body);
    let sent = sent.json();
    assert_eq!(sent["status"], "sent");
    assert_eq!(sent["stored"], "new");
    let id = sent["id"].as_str().expect("id").to_owned();

    let received = mailbox.wait_for("anne@example.org", |m| m.message_id == id, wait());
    assert_eq!(received.from, FROM);
    assert_eq!(received.subject, "Vérifiez votre adresse");
    assert_eq!(received.text, text);
    assert_eq!(mailbox.posts(), 1, "handed over once");

    let stored = host.send("GET", &format!("{MAIL}/{id}"), &[("authorization", &bearer)], None);
    assert_eq!(stored.status, 200, "{}", stored.body);
    assert_eq!(stored.header("cache-control"), Some("no-store"));
    let stored = stored.json();
    assert_eq!(stored["status"], "sent");
    assert_eq!(stored["attempts"], 1);
    assert_eq!(stored["to"], "anne@example.org");
    assert_eq!(stored["commune"], "demo");
    assert!(stored["sent_at"].is_string(), "{stored}");

    // The outbound template `{{ mail_api_origin }}` was granted, and the log names the message
    // by id without its text.
    let log = host.log_with(&format!("mail {id}: sent"));
    assert!(!log.contains("outbound request refused"), "{log}");
    assert!(log.contains(&format!("mail {id}: sent")), "{log}");
    assert!(!log.contains(secret), "the message text reached the log:\n{log}");
}

#[test]
fn while_the_mailbox_is_down_the_message_stays_queued_with_backoff_and_a_retry_delivers_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("k1");
    let mailbox = Mailbox::start();
    let host = start(&dir, &keys, &mailbox, "", None);
    let bearer = admin(&keys);
    mailbox.set_unavailable(true);

    let queued = post(&host, MAIL, Some(&bearer), &json!({"to": "bob@example.org", "id": "outage-1"}));
    assert_eq!(queued.status, 202, "{}", queued.body);
    assert_eq!(queued.json()["status"], "queued");
    let stored = host.send("GET", &format!("{MAIL}/outage-1"), &[("authorization", &bearer)], None).json();
    assert_eq!(stored["status"], "queued");
    assert_eq!(stored["attempts"], 1);
    assert!(stored["last_error"].as_str().unwrap_or("").contains("503"), "{stored}");
    assert!(stored["next_attempt_at"].as_str() > stored["created_at"].as_str(), "backoff: {stored}");
    assert_eq!(mailbox.posts(), 1);

    // Not due yet (30 s of backoff): an ordinary retry run leaves it alone.
    let retry = post(&host, &format!("{MAIL}/retry"), Some(&bearer), &json!({}));
    assert_eq!(retry.status, 200, "{}", retry.body);
    assert_eq!(retry.json()["attempted"], 0);
    assert_eq!(mailbox.posts(), 1);

    // Forced while still down: attempted, still queued, counted.
    let retry = post(&host, &format!("{MAIL}/retry"), Some(&bearer), &json!({"ignore_backoff": true})).json();
    assert_eq!((retry["attempted"].as_i64(), retry["queued"].as_i64()), (Some(1), Some(1)), "{retry}");
    assert_eq!(mailbox.posts(), 2);

    // The provider is back.
    mailbox.set_unavailable(false);
    let retry = post(&host, &format!("{MAIL}/retry"), Some(&bearer), &json!({"ignore_backoff": true})).json();
    assert_eq!((retry["attempted"].as_i64(), retry["sent"].as_i64()), (Some(1), Some(1)), "{retry}");
    let received = mailbox.wait_for("bob@example.org", |m| m.message_id == "outage-1", wait());
    assert_eq!(received.subject, "Guichet test message");
    let stored = host.send("GET", &format!("{MAIL}/outage-1"), &[("authorization", &bearer)], None).json();
    assert_eq!(stored["status"], "sent");
    assert_eq!(stored["attempts"], 3);
    assert_eq!(stored["last_error"], Value::Null);

    // Nothing left: another run sends nothing twice.
    let retry = post(&host, &format!("{MAIL}/retry"), Some(&bearer), &json!({"ignore_backoff": true})).json();
    assert_eq!(retry["attempted"], 0);
    assert_eq!(mailbox.messages().len(), 1);
}

#[test]
fn a_queued_message_survives_a_restart_of_the_host() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("k1");
    let mailbox = Mailbox::start();
    let host = start(&dir, &keys, &mailbox, "", None);
    let bearer = admin(&keys);
    mailbox.set_unavailable(true);
    let queued = post(&host, MAIL, Some(&bearer), &json!({"to": "carla@example.org", "id": "restart-1"}));
    assert_eq!(queued.status, 202, "{}", queued.body);

    let host = host.restart();
    mailbox.set_unavailable(false);
    let retry = post(&host, &format!("{MAIL}/retry"), Some(&bearer), &json!({"ignore_backoff": true})).json();
    assert_eq!(retry["sent"], 1, "{retry}");
    mailbox.wait_for("carla@example.org", |m| m.message_id == "restart-1", wait());
}

#[test]
fn a_wrong_provider_key_keeps_the_message_queued() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("k1");
    let mailbox = Mailbox::start_with_key("the-right-key");
    let host = start(&dir, &keys, &mailbox, "a-wrong-key", None);
    let bearer = admin(&keys);
    let reply = post(&host, MAIL, Some(&bearer), &json!({"to": "dan@example.org", "id": "key-1"}));
    assert_eq!(reply.status, 202, "{}", reply.body);
    let stored = host.send("GET", &format!("{MAIL}/key-1"), &[("authorization", &bearer)], None).json();
    assert_eq!(stored["status"], "queued");
    assert!(stored["last_error"].as_str().unwrap_or("").contains("401"), "{stored}");
    assert!(mailbox.messages().is_empty());
    assert!(!host.log().contains("a-wrong-key"), "the key reached the log");
}

#[test]
fn a_repeated_id_is_stored_and_sent_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("k1");
    let mailbox = Mailbox::start();
    let host = start(&dir, &keys, &mailbox, "", None);
    let bearer = admin(&keys);
    let first = post(&host, MAIL, Some(&bearer), &json!({"to": "eve@example.org", "id": "same_id-1"}));
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json()["stored"], "new");
    let again = post(&host, MAIL, Some(&bearer), &json!({"to": "bob@example.org", "id": "same_id-1"}));
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.json(), json!({"id": "same_id-1", "status": "sent", "stored": "duplicate"}));
    assert_eq!(mailbox.posts(), 1);
    assert_eq!(mailbox.messages()[0].to, "eve@example.org");
    let stored = host.send("GET", &format!("{MAIL}/same_id-1"), &[("authorization", &bearer)], None).json();
    assert_eq!(stored["to"], "eve@example.org");
}

#[test]
fn bad_messages_get_field_errors_and_nothing_is_sent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("k1");
    let mailbox = Mailbox::start();
    let host = start(&dir, &keys, &mailbox, "", None);
    let bearer = admin(&keys);
    let cases = [
        (json!({"to": "not an address"}), "to"),
        (json!({"to": "a@b.fr\r\nBcc: eve@example.org"}), "to"),
        (json!({"to": "a@b.fr, eve@example.org"}), "to"),
        (json!({"to": "a@b.fr", "id": "has space"}), "id"),
        (json!({"to": "a@b.fr", "id": "x".repeat(65)}), "id"),
        (json!({"to": "a@b.fr", "subject": "s".repeat(201)}), "subject"),
        (json!({"to": "a@b.fr", "subject": "two\nlines"}), "subject"),
        (json!({"to": "a@b.fr", "text": "nul \u{0} byte"}), "text"),
        (json!({"to": "a@b.fr", "text": "t".repeat(20_001)}), "text"),
        (json!({"to": "a@b.fr", "cc": "eve@example.org"}), "cc"),
        (json!({"to": 5}), "to"),
        (json!({}), "to"),
    ];
    for (body, field) in cases {
        let reply = post(&host, MAIL, Some(&bearer), &body);
        assert_eq!(error_fields(&reply), [field], "{body}");
    }
    let not_json = host.send("POST", MAIL, &[("authorization", &bearer)], Some(b"{\"to\":"));
    assert_eq!(error_fields(&not_json), ["body"]);
    assert_eq!(mailbox.posts(), 0);
    let missing = host.send("GET", &format!("{MAIL}/never-sent"), &[("authorization", &bearer)], None);
    assert_eq!(missing.status, 404, "{}", missing.body);
}

#[test]
fn an_administrator_chooses_only_the_recipient_of_a_test_message_and_twenty_an_hour_at_most() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("k1");
    let mailbox = Mailbox::start();
    let host = start(&dir, &keys, &mailbox, "", None);
    let bearer = admin(&keys);
    let phishing = json!({"to": "victim@example.org", "subject": "Votre amende", "text": "Payez ici : https://evil.example"});
    assert_eq!(error_fields(&post(&host, MAIL, Some(&bearer), &phishing)), ["subject", "text"]);
    let statuses: Vec<u16> = (0..22)
        .map(|n| post(&host, MAIL, Some(&bearer), &json!({"to": format!("r{n}@example.org")})).status)
        .collect();
    assert_eq!(statuses[..20], [200; 20]);
    assert_eq!(statuses[20..], [429; 2]);
    assert_eq!(mailbox.posts(), 20);
    assert!(mailbox.messages().iter().all(|m| m.subject == "Guichet test message" && !m.text.contains("evil")));
}

#[test]
fn the_mail_check_needs_an_administrator() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("k1");
    let mailbox = Mailbox::start();
    let host = start(&dir, &keys, &mailbox, "", None);
    let citizen = format!("Bearer {}", keys.access_token("demo", "citizen-1", &["citizen"]));
    let body = json!({"to": "a@b.fr"});
    for (method, path) in [("POST", MAIL.to_owned()), ("POST", format!("{MAIL}/retry")), ("GET", format!("{MAIL}/x1"))] {
        let headers = [("content-type", "application/json")];
        let anonymous = host.send(method, &path, &headers, Some(body.to_string().as_bytes()));
        assert_eq!(anonymous.status, 401, "{method} {path}: {}", anonymous.body);
        let headers = [("content-type", "application/json"), ("authorization", citizen.as_str())];
        let forbidden = host.send(method, &path, &headers, Some(body.to_string().as_bytes()));
        assert_eq!(forbidden.status, 403, "{method} {path}: {}", forbidden.body);
    }
    assert_eq!(mailbox.posts(), 0);
}

#[test]
fn internal_paths_have_no_public_route() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("k1");
    let mailbox = Mailbox::start();
    let host = start(&dir, &keys, &mailbox, "", None);
    let subject = json!({"commune": "demo", "account_id": "acc-1", "email": "anne@example.org"});
    for path in [
        "/internal/privacy/export",
        "/internal/privacy/erase",
        "/internal/messages",
        "/internal/messages/retry",
        "/api/requests/internal/privacy/export",
        "/api/signatures/internal/privacy/export",
        "/api/requests/../../internal/privacy/erase",
    ] {
        let reply = post(&host, path, None, &subject);
        assert_eq!(reply.status, 404, "{path}: {}", reply.body);
        assert!(!reply.body.contains("\"component\""), "{path}: {}", reply.body);
    }
    assert_eq!(mailbox.posts(), 0);
}

/// A message of the `/internal/messages` contract.
fn message(id: &str, commune: &str, account: Option<&str>, to: &str) -> Value {
    json!({
        "id": id, "commune": commune, "account_id": account, "channel": "email", "to": to,
        "purpose": "verify_email", "language": "fr", "subject": format!("Objet {id}"),
        "text": format!("Texte {id}")
    })
}

#[test]
fn the_message_contract_is_closed_idempotent_and_answers_every_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("k1");
    let mailbox = Mailbox::start();
    let host = start(&dir, &keys, &mailbox, "", Some("notifications"));

    let first = post(&host, "/internal/messages", None, &message("m-1", "demo", Some("acc-1"), "anne@example.org"));
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json(), json!({"id": "m-1", "status": "sent", "stored": "new"}));
    let again = post(&host, "/internal/messages", None, &message("m-1", "autre", None, "eve@example.org"));
    assert_eq!(again.json(), json!({"id": "m-1", "status": "sent", "stored": "duplicate"}));
    assert_eq!(mailbox.posts(), 1);

    let mut extra = message("m-2", "demo", None, "anne@example.org");
    extra["bcc"] = json!("eve@example.org");
    assert_eq!(error_fields(&post(&host, "/internal/messages", None, &extra)), ["bcc"]);
    let mut wrong = message("m-2", "Demo", None, "anne@example.org");
    wrong["channel"] = json!("sms");
    wrong["language"] = json!("de");
    wrong["purpose"] = json!("Reset Password");
    assert_eq!(
        error_fields(&post(&host, "/internal/messages", None, &wrong)),
        ["commune", "channel", "purpose", "language"]
    );
    let huge = "x".repeat(300 * 1024);
    let reply = host.send("POST", "/internal/messages", &[], Some(huge.as_bytes()));
    assert_eq!(reply.json()["errors"][0]["code"], "too_large");
    assert_eq!(host.send("GET", "/internal/messages", &[], None).status, 405);
    assert_eq!(host.send("GET", "/internal/messages/bad%20id", &[], None).status, 400);
    assert_eq!(host.send("GET", "/internal/messages/m-2", &[], None).status, 404);
    let retry = post(&host, "/internal/messages/retry", None, &json!({"force": true}));
    assert_eq!(error_fields(&retry), ["force"]);
    let retry = post(&host, "/internal/messages/retry", None, &json!({"limit": 0, "commune": "Demo"}));
    assert_eq!(error_fields(&retry), ["commune", "limit"]);
    assert_eq!(mailbox.posts(), 1, "nothing invalid was sent");
}

#[test]
fn export_and_erasure_cover_the_account_and_its_address_in_its_commune_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("k1");
    let mailbox = Mailbox::start();
    let host = start(&dir, &keys, &mailbox, "", Some("notifications"));
    let send = |id: &str, commune: &str, account: Option<&str>, to: &str| {
        let reply = post(&host, "/internal/messages", None, &message(id, commune, account, to));
        assert!(reply.status == 200 || reply.status == 202, "{}", reply.body);
    };
    send("own-1", "demo", Some("acc-1"), "anne@example.org");
    send("own-2", "demo", None, "Anne@Example.org"); // before the address had an account
    send("other-commune", "autre", Some("acc-1"), "anne@example.org");
    send("other-person", "demo", Some("acc-2"), "bob@example.org");
    mailbox.set_unavailable(true);
    send("own-queued", "demo", Some("acc-1"), "anne.new@example.org");
    mailbox.set_unavailable(false);
    let event = json!({"id": "ev-1", "commune": "demo", "source": "requests",
                       "occurred_at": "2026-01-31T12:00:00Z",
                       "payload": {"Diagnostic": {"requested_by": "acc-1", "ping_id": "p1"}}});
    assert_eq!(post(&host, "/internal/events", None, &event).status, 200);

    let subject = json!({"commune": "demo", "account_id": "acc-1", "email": "anne@example.org"});
    let export = post(&host, "/internal/privacy/export", None, &subject);
    assert_eq!(export.status, 200, "{}", export.body);
    assert_eq!(export.header("cache-control"), Some("no-store"));
    let export = privacy_by_kind(export.json());
    assert_eq!(export["component"], "notifications");
    let ids: Vec<&str> = export["records"]["messages"].as_array().expect("messages").iter().filter_map(|m| m["id"].as_str()).collect();
    assert_eq!(ids, ["own-1", "own-2", "own-queued"]);
    assert_eq!(export["records"]["messages"][0]["text"], "Texte own-1");
    assert_eq!(export["records"]["messages"][0]["to"], "anne@example.org");
    assert_eq!(export["records"]["events"][0]["id"], "ev-1");

    let erase = post(&host, "/internal/privacy/erase", None, &subject);
    assert_eq!(erase.status, 200, "{}", erase.body);
    assert_eq!(
        privacy_by_kind(erase.json()),
        json!({"component": "notifications", "erased": {"messages": 3, "events": 1}, "kept": []})
    );
    let erased = host.get("/internal/messages/own-1").json();
    for member in ["to", "subject", "text", "account_id"] {
        assert_eq!(erased[member], Value::Null, "{member}: {erased}");
    }
    assert!(erased["erased_at"].is_string());
    assert_eq!(erased["status"], "sent");
    let queued = host.get("/internal/messages/own-queued").json();
    assert_eq!((queued["status"].as_str(), queued["last_error"].as_str()), (Some("failed"), Some("erased before delivery")));
    let retry = post(&host, "/internal/messages/retry", None, &json!({"ignore_backoff": true})).json();
    assert_eq!(retry["attempted"], 0, "an erased message is never sent");
    assert!(mailbox.messages().iter().all(|m| m.message_id != "own-queued"));
    let event = host.get("/internal/events/ev-1").json();
    assert_eq!(event["payload"], "{\"ping_id\":\"p1\"}");

    // Other communes and other people are untouched; a second export finds nothing.
    assert_eq!(host.get("/internal/messages/other-commune").json()["to"], "anne@example.org");
    assert_eq!(host.get("/internal/messages/other-person").json()["text"], "Texte other-person");
    let again = privacy_by_kind(post(&host, "/internal/privacy/export", None, &subject).json());
    assert_eq!(again["records"], json!({"messages": [], "events": []}));
    let bad = post(&host, "/internal/privacy/export", None, &json!({"commune": "demo"}));
    assert_eq!(error_fields(&bad), ["account_id"]);
    let bad = post(&host, "/internal/privacy/export", None, &json!({"commune": "demo", "account_id": "a", "extra": 1}));
    assert_eq!(error_fields(&bad), ["extra"]);
}

#[test]
fn requests_exports_and_erases_the_chain_checks_an_account_ran() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("k1");
    let mailbox = Mailbox::start();
    let host = start(&dir, &keys, &mailbox, "", Some("requests"));
    let ping = host.send("POST", "/api/requests/diagnostics/ping", &[("authorization", &admin(&keys))], None);
    assert_eq!(ping.status, 202, "{}", ping.body);
    let ping_id = ping.json()["id"].as_str().expect("id").to_owned();

    let subject = json!({"commune": "demo", "account_id": "admin-1"});
    let export = privacy_by_kind(post(&host, "/internal/privacy/export", None, &subject).json());
    assert_eq!(export["component"], "requests");
    assert_eq!(export["records"]["diagnostic_pings"][0]["id"], ping_id.as_str());
    let elsewhere = privacy_by_kind(post(&host, "/internal/privacy/export", None, &json!({"commune": "autre", "account_id": "admin-1"})).json());
    assert_eq!(elsewhere["records"]["diagnostic_pings"], json!([]));

    let erase = privacy_by_kind(post(&host, "/internal/privacy/erase", None, &subject).json());
    assert_eq!(erase, json!({"component": "requests", "erased": {"diagnostic_pings": 1, "followed_requests": 0, "emails_awaiting_triage": 0, "closed_requests": 0}, "kept": []}));
    let again = privacy_by_kind(post(&host, "/internal/privacy/export", None, &subject).json());
    assert_eq!(again["records"]["diagnostic_pings"], json!([]));
    assert_eq!(error_fields(&post(&host, "/internal/privacy/erase", None, &json!({"account_id": "x"}))), ["commune"]);
}

#[test]
fn signatures_answers_the_privacy_contract_with_its_kinds_of_records_empty_for_a_stranger() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("k1");
    let mailbox = Mailbox::start();
    let host = start(&dir, &keys, &mailbox, "", Some("signatures"));
    let subject = json!({"commune": "demo", "account_id": "acc-1", "email": "anne@example.org"});
    let export = post(&host, "/internal/privacy/export", None, &subject);
    assert_eq!(export.status, 200, "{}", export.body);
    assert_eq!(
        privacy_by_kind(export.json()),
        json!({"component": "signatures", "records": {"flow_signers": [], "passkey_signatures": [], "passkeys": [], "signatures": [], "signer_keys": []}})
    );
    let erase = privacy_by_kind(post(&host, "/internal/privacy/erase", None, &subject).json());
    assert_eq!(erase, json!({"component": "signatures", "erased": {}, "kept": []}));
    assert_eq!(error_fields(&post(&host, "/internal/privacy/erase", None, &json!({"commune": "demo"}))), ["account_id"]);
    assert_eq!(host.get("/internal/privacy/export").status, 405);
}
