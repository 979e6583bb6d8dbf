//! One e-mail rule and one phone rule across components (issue #10, item 2), through the real
//! host: the same tables of addresses and numbers, edge cases that used to disagree included,
//! are accepted or refused identically when a request is filed (`POST /api/requests`), when it
//! is followed, when an agent files it at the counter, and by notifications when asked to send
//! to them (an event's recipient, and for e-mail the `/internal/messages` contract).
//!
//! Before, requests had its own e-mail check (any character but a few), its own looser phone
//! check for form answers and Open311, identity another phone check for the profile, and
//! notifications refused addresses requests had kept: a contact could be accepted at filing
//! and never be told.

use guichet_tests::guichet::Guichet;
use guichet_tests::mailbox::Mailbox;
use guichet_tests::tokens::TestKeys;
use guichet_tests::{Host, HostConfig, Reply};
use crate::requests_support::errors_of;
use serde_json::{json, Value};

/// Addresses and whether the one rule accepts them.
const EMAILS: &[(&str, bool)] = &[
    ("anne@example.org", true),
    ("élodie+guichet@exemple.fr", true),
    ("o'brien@example.ie", true),
    ("a&b@example.org", true),
    // Surrounding spaces are trimmed everywhere (notifications used to refuse them).
    ("  Anne.Martin@Mairie.EXAMPLE.fr ", true),
    // Requests used to accept these; notifications and identity refused them.
    ("a€b@example.org", false),
    ("a\u{202e}gro.elpmaxe@b.fr", false),
    ("nope", false),
    ("anne@localhost", false),
    ("an..ne@example.org", false),
    ("Anne <anne@example.org>", false),
    ("a;b@example.org", false),
];

/// Numbers and whether they are accepted: a number the one rule reads, in a country the
/// commune sends SMS to (the default, France and its overseas territories).
const PHONES: &[(&str, bool)] = &[
    ("06 12 34 56 78", true),
    ("+33 6 12 34 56 79", true),
    ("0033 6 12 34 56 80", true),
    ("06.12.34.56.81", true),
    ("+590 690 12 34 56", true),
    // Form answers, Open311 and identity's profile used to accept these; SMS could not go.
    ("(555) 123-4567", false),
    ("112233", false),
    ("+33 (0)6 12 34 56 78", false),
    ("call me", false),
    // A number SMS may not go to is refused as such everywhere.
    ("+1 900 555 0199", false),
];

const COMMUNE: &str = "demo";

/// Guichet with limits high enough for the tables.
fn guichet() -> Guichet {
    Guichet::start_with(&[(
        "SPIN_VARIABLE_REQUEST_LIMITS",
        "filing_client=1000,filing_contact=1000,follow_client=1000,follow_contact=1000",
    )])
}

fn pothole(contact: Value) -> Value {
    json!({
        "service_code": "pothole",
        "description": "Trou profond devant l'école",
        "location": {"lat": 48.8566, "long": 2.3522, "address": "1 rue de l'École"},
        // The service asks for an e-mail address; answered here so that only the contact's
        // address or number decides.
        "answers": {"size": "medium", "consent": true, "email": "form@example.org"},
        "contact": contact,
    })
}

/// Whether `reply` accepted the value: a success, or a 400 whose only errors are the ones
/// the value's rule gives at `field` (anything else fails the test).
fn accepted(reply: &Reply, field: &str, what: &str) -> bool {
    if (200..300).contains(&reply.status) {
        return true;
    }
    assert_eq!(reply.status, 400, "{what}: {}", reply.body);
    let errors = errors_of(reply);
    assert!(
        !errors.is_empty()
            && errors.iter().all(|(f, code)| {
                f == field
                    && matches!(code.as_str(), "invalid_email" | "invalid_phone" | "country_not_allowed")
            }),
        "{what}: {errors:?}"
    );
    false
}

/// Where each value is accepted in requests: `(filing, following, counter filing)`.
fn in_requests(g: &Guichet, member: &str, value: &str) -> (bool, bool, bool) {
    let field = format!("contact.{member}");
    // A number is given to be told by SMS, so that the countries SMS may go to count too.
    let contact = match member {
        "phone" => json!({"phone": value, "notify": "sms"}),
        _ => json!({ member: value }),
    };
    let filed = g.post("/api/requests", &pothole(contact.clone()), None);
    let filing = accepted(&filed, &field, &format!("filing {value:?}"));

    let original = g.post("/api/requests", &pothole(json!({"email": "origin@example.org"})), None);
    assert_eq!(original.status, 201, "{}", original.body);
    let reference = original.json()["reference"].as_str().expect("reference").to_owned();
    let followed = g.post(
        &format!("/api/requests/{reference}/follow"),
        &json!({ "contact": contact }),
        None,
    );
    let following = accepted(&followed, &field, &format!("following {value:?}"));

    let agent = g.keys.access_token(COMMUNE, "agent-0001", &["agent"]);
    let mut body = pothole(contact);
    body["channel"] = json!("counter");
    let counter = g.post("/api/requests/counter", &body, Some(&agent));
    let counter = accepted(&counter, &field, &format!("counter {value:?}"));
    (filing, following, counter)
}

/// Notifications alone behind the catch-all route, e-mail and SMS to one mailbox.
struct Notifications {
    host: Host,
    _mailbox: Mailbox,
    _dir: tempfile::TempDir,
}

fn notifications() -> Notifications {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("test-key-1");
    let mailbox = Mailbox::start();
    let config = HostConfig::guichet_identity(dir.path(), &[&keys], &mailbox.origin())
        .env("SPIN_VARIABLE_SMS_API_ORIGIN", &mailbox.origin())
        .routing_everything_else_to(dir.path(), "notifications");
    let host = Host::start(config, &dir);
    Notifications { host, _mailbox: mailbox, _dir: dir }
}

impl Notifications {
    fn post(&self, path: &str, body: &Value) -> Reply {
        self.host.send(
            "POST",
            path,
            &[("content-type", "application/json")],
            Some(body.to_string().as_bytes()),
        )
    }

    /// Whether notifications makes a message to `recipient` of a status change (event `id`).
    fn sends_to(&self, id: &str, recipient: Value) -> bool {
        let payload = json!({
            "request_id": "r1", "reference": "2026-000001", "service_code": "pothole",
            "service_name": {"fr": "Signaler un nid-de-poule", "en": "Report a pothole"},
            "state": "acknowledged", "state_label": {"fr": "Pris en compte", "en": "Acknowledged"},
            "open": true, "lang": "fr", "recipients": [recipient],
            "from": "submitted", "to": "acknowledged",
        });
        // The `events` contract's record (wit/events.wit): the kind is the payload's case.
        let event = json!({
            "id": id, "commune": COMMUNE, "source": "requests",
            "occurred_at": "2026-12-01T20:00:00Z", "payload": {"StatusChanged": payload},
        });
        let reply = self.post("/internal/events", &event);
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.json()["messages"].as_u64().expect("messages") == 1
    }

    /// Whether `/internal/messages` takes `to` (a 400 must name `to` with `invalid_email`).
    fn takes_message_to(&self, id: &str, to: &str) -> bool {
        let message = json!({
            "id": id, "commune": COMMUNE, "account_id": null, "channel": "email", "to": to,
            "purpose": "verify_email", "language": "fr", "subject": "Objet", "text": "Texte",
        });
        accepted(&self.post("/internal/messages", &message), "to", &format!("message to {to:?}"))
    }
}

#[test]
fn the_same_email_addresses_are_accepted_or_refused_at_filing_following_counter_and_notification() {
    let g = guichet();
    let n = notifications();
    for (i, (email, expected)) in EMAILS.iter().enumerate() {
        let (filing, following, counter) = in_requests(&g, "email", email);
        let event = n.sends_to(&format!("email-{i}"), json!({"email": email, "notify": "email", "verified": true}));
        let message = n.takes_message_to(&format!("m-{i}"), email);
        assert_eq!(
            [filing, following, counter, event, message],
            [*expected; 5],
            "{email:?}: filing, following, counter, event recipient, message"
        );
    }
}

#[test]
fn the_same_phone_numbers_are_accepted_or_refused_at_filing_following_counter_and_notification() {
    let g = guichet();
    let n = notifications();
    for (i, (phone, expected)) in PHONES.iter().enumerate() {
        let (filing, following, counter) = in_requests(&g, "phone", phone);
        let event = n.sends_to(&format!("sms-{i}"), json!({"phone": phone, "notify": "sms", "verified": true}));
        assert_eq!(
            [filing, following, counter, event],
            [*expected; 4],
            "{phone:?}: filing, following, counter, event recipient"
        );
    }
}

#[test]
fn an_address_or_number_is_kept_in_its_one_normal_form() {
    let g = guichet();
    let filed = g.post(
        "/api/requests",
        &pothole(json!({"email": "  Anne.Martin@Mairie.EXAMPLE.fr ", "phone": "06 12 34 56 78"})),
        None,
    );
    assert_eq!(filed.status, 201, "{}", filed.body);
    let reference = filed.json()["reference"].as_str().expect("reference").to_owned();
    let conn = rusqlite::Connection::open(g.host.state_dir.join("requests.db")).expect("requests.db");
    let contact: String = conn
        .query_row("SELECT contact FROM requests WHERE reference = ?", [&reference], |r| r.get(0))
        .expect("contact");
    let contact: Value = serde_json::from_str(&contact).expect("json");
    assert_eq!(contact["email"], "Anne.Martin@mairie.example.fr");
    assert_eq!(contact["phone"], "+33612345678");
}
