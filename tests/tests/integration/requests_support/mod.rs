//! What the requests tests share: citizens' and staff tokens for the demo commune, and
//! filings that work (a pothole report by a signed-in citizen or anonymously).
//!
//! Use: `use crate::requests_support::*;` then `let g = Guichet::start();`,
//! `let filed = file_pothole(&g, Some(&citizen(&g, "alice")));` → `filed.reference`,
//! `filed.tracking_code`.

#![allow(dead_code, reason = "each test module uses a different part")]

use guichet_tests::guichet::Guichet;
use guichet_tests::Reply;
use serde_json::{json, Value};

/// The seeded demo commune (host 127.0.0.1 / localhost).
pub const COMMUNE: &str = "demo";
/// Where requests are filed.
pub const REQUESTS: &str = "/api/requests";

/// A signed-in citizen's access token (subject `account`), accepted by every component.
pub fn citizen(g: &Guichet, account: &str) -> String {
    g.keys.access_token(COMMUNE, account, &[])
}

/// A staff member's access token with `roles` (`agent`, `supervisor`, `admin`).
pub fn staff(g: &Guichet, account: &str, roles: &[&str]) -> String {
    g.keys.access_token(COMMUNE, account, roles)
}

/// An agent of the roads department (`roads`, the department of potholes in the demo
/// catalogue).
pub fn agent(g: &Guichet, account: &str) -> String {
    g.keys
        .access_token_with_departments(COMMUNE, account, &["agent"], &["roads"])
}

/// A valid pothole report: coordinates in the demo town, a size, consent, `email` as the way
/// to be reached.
pub fn pothole_body(email: &str) -> Value {
    json!({
        "service_code": "pothole",
        "description": "Nid-de-poule profond devant la boulangerie",
        "location": {"lat": 48.8566, "long": 2.3522, "address": "12 rue de la République"},
        "answers": {"size": "medium", "dangerous": true, "consent": true},
        "contact": {"name": "Camille Martin", "email": email},
        "lang": "fr",
    })
}

/// The definition of the demo catalogue's service `code` (components/catalog/demo), to
/// publish a variant of it.
pub fn demo_service(code: &str) -> Value {
    let catalogue: Value = serde_json::from_str(
        &std::fs::read_to_string(
            guichet_tests::root().join("components/catalog/demo/catalogue.json"),
        )
        .expect("catalogue"),
    )
    .expect("catalogue json");
    catalogue
        .as_array()
        .and_then(|services| services.iter().find(|s| s["code"] == code))
        .unwrap_or_else(|| panic!("{code} in the demo catalogue"))
        .clone()
}

/// What a successful filing gave.
#[derive(Debug, Clone)]
pub struct Filed {
    pub reference: String,
    pub tracking_code: String,
    pub id: String,
    /// The whole 201 body.
    pub body: Value,
}

/// Files `body` (with a bearer token when given); asserts 201.
pub fn file(g: &Guichet, body: &Value, bearer: Option<&str>) -> Filed {
    let reply = g.post(REQUESTS, body, bearer);
    assert_eq!(reply.status, 201, "filing: {}", reply.body);
    filed_of(&reply)
}

/// The reference, tracking code and id of a 201 filing answer.
pub fn filed_of(reply: &Reply) -> Filed {
    let body = reply.json();
    Filed {
        reference: body["reference"].as_str().expect("reference").to_owned(),
        tracking_code: body["tracking_code"]
            .as_str()
            .expect("tracking_code")
            .to_owned(),
        id: body["id"].as_str().unwrap_or_default().to_owned(),
        body,
    }
}

/// A pothole report filed by the holder of `bearer` (a citizen's token), or anonymously
/// with `None` (then reachable at `anonymous@example.org`).
pub fn file_pothole(g: &Guichet, bearer: Option<&str>) -> Filed {
    file(g, &pothole_body("camille@example.org"), bearer)
}

/// An anonymous pothole report reachable at `email`.
pub fn anonymous_report(g: &Guichet, email: &str) -> Filed {
    file(g, &pothole_body(email), None)
}

/// Confirms the contact `to` with the link of the newest receipt sent to it (a contact given
/// without an account gets its request's updates only once confirmed).
pub fn confirm_contact(g: &Guichet, to: &str) {
    let token = g.link_token(to, "/api/requests/contacts/confirm");
    let reply = g.post("/api/requests/contacts/confirm", &json!({"token": token}), None);
    assert_eq!(reply.status, 200, "confirming {to}: {}", reply.body);
}

/// `GET /api/requests/{reference}` as the holder of `bearer`.
pub fn show(g: &Guichet, reference: &str, bearer: &str) -> Reply {
    g.get(&format!("{REQUESTS}/{reference}"), Some(bearer))
}

/// `POST /api/requests/track` `{"reference","code"}` without an account.
pub fn track(g: &Guichet, reference: &str, code: &str) -> Reply {
    g.post(
        &format!("{REQUESTS}/track"),
        &json!({"reference": reference, "code": code}),
        None,
    )
}

/// The `(field, code)` pairs of an error answer, in order.
pub fn errors_of(reply: &Reply) -> Vec<(String, String)> {
    reply.json()["errors"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap_or_default().to_owned(),
                        e["code"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `(field, code)` as owned strings, to compare with [`errors_of`].
pub fn pair(field: &str, code: &str) -> (String, String) {
    (field.to_owned(), code.to_owned())
}

/// Standard base64 with padding (RFC 4648), as attachments are sent.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The first bytes of a PNG image and a little more.
pub const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R',
];
/// A small PDF (text only, so that a test can read it back as a string).
pub const PDF: &[u8] = b"%PDF-1.4\n% Guichet test document\n%%EOF\n";

/// An attachment of the filing body: `{"name","content_type","data_base64"}`.
pub fn attachment(name: &str, content_type: &str, bytes: &[u8]) -> Value {
    json!({"name": name, "content_type": content_type, "data_base64": base64(bytes)})
}

/// The requests database of the running host, for what the API does not show (the outbox,
/// backdating), read and written beside the host.
pub fn db(g: &Guichet) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(g.host.state_dir.join("requests.db")).expect("requests.db");
    conn.busy_timeout(std::time::Duration::from_secs(5)).expect("busy timeout");
    conn
}

/// The payloads of the outbox events of `kind` about `reference`, oldest first.
pub fn events(g: &Guichet, kind: &str, reference: &str) -> Vec<Value> {
    let conn = db(g);
    let mut statement = conn.prepare("SELECT payload FROM outbox WHERE kind = ?1 ORDER BY created_at, rowid").expect("prepare");
    let rows = statement.query_map([kind], |row| row.get::<_, String>(0)).expect("query");
    rows.filter_map(Result::ok)
        .filter_map(|text| serde_json::from_str::<Value>(&text).ok())
        .filter(|payload| payload["reference"] == reference)
        .collect()
}

/// Moves a pothole report through `acknowledged` to `resolved` (which requires a message to
/// the citizen in the demo workflow) with `token`.
pub fn close_pothole(g: &Guichet, reference: &str, token: &str) {
    for (to, body) in [
        ("acknowledged", json!({"to": "acknowledged"})),
        ("resolved", json!({"to": "resolved", "message": "Réparé, merci de votre signalement."})),
    ] {
        let reply = g.post(&format!("{REQUESTS}/{reference}/transitions"), &body, Some(token));
        assert_eq!(reply.status, 200, "{to}: {}", reply.body);
    }
}
