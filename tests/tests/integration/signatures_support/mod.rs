//! What the signatures tests share: agents' tokens (freshly signed in, as signing requires),
//! a document uploaded, a key enrolled, a flow started and signed.
//!
//! Use: `use crate::signatures_support::*;` then `let g = Guichet::start();`,
//! `let doc = upload(&g, &agent(&g, "alice"), PDF);`.

#![allow(dead_code, reason = "each test module uses a different part")]

pub mod passkeys;

use std::time::Duration;

use guichet_tests::guichet::Guichet;
use guichet_tests::Reply;

pub use crate::requests_support::base64;
use serde_json::{json, Value};

pub const COMMUNE: &str = "demo";
pub const API: &str = "/api/signatures";
/// A small PDF-looking file.
pub const PDF: &[u8] =
    b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% invoice 2026-117, 1 240,00 EUR\n%%EOF\n";

/// An agent's token, signed in a moment ago.
pub fn agent(g: &Guichet, account: &str) -> String {
    g.keys
        .signed_in_token(COMMUNE, account, &["agent"], Duration::from_secs(5))
}

/// An administrator's token, signed in a moment ago.
pub fn admin(g: &Guichet, account: &str) -> String {
    g.keys.signed_in_token(
        COMMUNE,
        account,
        &["agent", "admin"],
        Duration::from_secs(5),
    )
}

/// An agent's token whose sign-in is `ago` old (refreshed since).
pub fn agent_signed_in(g: &Guichet, account: &str, ago: Duration) -> String {
    g.keys.signed_in_token(COMMUNE, account, &["agent"], ago)
}

/// Uploads `bytes` as a PDF; asserts 201 and returns the document.
pub fn upload(g: &Guichet, token: &str, bytes: &[u8]) -> Value {
    let reply = g.post(
        &format!("{API}/documents"),
        &json!({"title": "Facture 2026-117", "file": {"name": "facture.pdf",
                "content_type": "application/pdf", "data_base64": base64(bytes)}}),
        Some(token),
    );
    assert_eq!(reply.status, 201, "upload: {}", reply.body);
    reply.json()
}

/// The signatures database, to check what was (not) written.
pub fn db(g: &Guichet) -> rusqlite::Connection {
    let conn =
        rusqlite::Connection::open(g.host.state_dir.join("signatures.db")).expect("signatures.db");
    conn.busy_timeout(Duration::from_secs(5))
        .expect("busy timeout");
    conn
}

/// How many rows `table` holds.
pub fn count(g: &Guichet, table: &str) -> i64 {
    db(g)
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
            row.get(0)
        })
        .expect("count")
}

/// Enrols the holder's personal key; asserts 201.
pub fn enrol(g: &Guichet, token: &str) -> Value {
    let reply = g.post(&format!("{API}/keys"), &json!({}), Some(token));
    assert_eq!(reply.status, 201, "enrol: {}", reply.body);
    reply.json()
}

/// Starts a flow on `document` with `signers` (account, role); asserts 201.
pub fn start_flow(
    g: &Guichet,
    token: &str,
    document: &str,
    mode: &str,
    quorum: Option<u32>,
    signers: &[(&str, &str)],
) -> Value {
    let signers: Vec<Value> = signers
        .iter()
        .map(|(account, role)| json!({"account": account, "role": role}))
        .collect();
    let reply = g.post(
        &format!("{API}/flows"),
        &json!({"document": document, "purpose": "Approbation de la facture", "mode": mode,
                "quorum": quorum, "due_on": "2026-12-31", "signers": signers}),
        Some(token),
    );
    assert_eq!(reply.status, 201, "flow: {}", reply.body);
    reply.json()
}

/// `POST flows/{id}/{action}` with `body`.
pub fn act(g: &Guichet, token: &str, flow: &str, action: &str, body: &Value) -> Reply {
    g.post(&format!("{API}/flows/{flow}/{action}"), body, Some(token))
}

/// Signs `flow` as the token's holder; asserts 200.
pub fn sign(g: &Guichet, token: &str, flow: &str) -> Value {
    let reply = act(g, token, flow, "sign", &json!({}));
    assert_eq!(reply.status, 200, "sign: {}", reply.body);
    reply.json()
}

/// The first error's (field, code) of a 4xx answer.
pub fn error_of(reply: &Reply) -> (String, String) {
    let body = reply.json();
    let first = &body["errors"][0];
    (
        first["field"].as_str().unwrap_or_default().to_owned(),
        first["code"].as_str().unwrap_or_default().to_owned(),
    )
}

/// A document signed by alice and bob (both enrolled), its bundle and the commune's keys.
pub struct Signed {
    pub document: Value,
    pub flow: Value,
    pub bundle: Value,
    pub keys: Value,
}

pub fn signed_document(g: &Guichet, bytes: &[u8]) -> Signed {
    let (alice, bob) = (agent(g, "alice"), agent(g, "bob"));
    enrol(g, &alice);
    enrol(g, &bob);
    let document = upload(g, &alice, bytes);
    let id = document["id"].as_str().expect("id").to_owned();
    let flow = start_flow(
        g,
        &alice,
        &id,
        "ordered",
        None,
        &[("alice", "comptable"), ("bob", "maire")],
    );
    let flow_id = flow["id"].as_str().expect("flow id").to_owned();
    sign(g, &alice, &flow_id);
    let flow = sign(g, &bob, &flow_id);
    let bundle = g.get(&format!("{API}/documents/{id}/bundle"), Some(&alice));
    assert_eq!(bundle.status, 200, "bundle: {}", bundle.body);
    let keys = g.get(&format!("{API}/keys"), None);
    assert_eq!(keys.status, 200, "keys: {}", keys.body);
    Signed {
        document,
        flow,
        bundle: bundle.json(),
        keys: keys.json(),
    }
}
