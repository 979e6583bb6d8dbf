//! `POST /internal/evidence` (`wit/evidence.wit`), driven through the host on a copy of
//! spin.toml whose catch-all route reaches signatures' private routes: without the shared
//! secret it refuses; an event outside its rules is a 400 naming every member at fault and
//! nothing is logged; a good event is logged once however often it is sent.

use guichet_tests::guichet::EVIDENCE_APPEND_SECRET;
use guichet_tests::mailbox::Mailbox;
use guichet_tests::tokens::TestKeys;
use guichet_tests::{Host, HostConfig, Reply};
use serde_json::{json, Value};

fn post(host: &Host, body: &Value, secret: &str) -> Reply {
    let auth = format!("Bearer {secret}");
    host.send(
        "POST",
        "/internal/evidence",
        &[("content-type", "application/json"), ("authorization", auth.as_str())],
        Some(body.to_string().as_bytes()),
    )
}

fn entries(host: &Host) -> i64 {
    let conn = rusqlite::Connection::open(host.state_dir.join("signatures.db")).expect("signatures.db");
    conn.query_row("SELECT count(*) FROM evidence_entries", [], |r| r.get(0)).expect("count")
}

#[test]
fn the_append_route_needs_the_secret_names_every_bad_member_and_logs_an_event_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("test-key-1");
    let mail = Mailbox::start();
    let config = HostConfig::guichet_identity(dir.path(), &[&keys], &mail.origin())
        .routing_everything_else_to(dir.path(), "signatures");
    let host = Host::start(config, &dir);
    let good = json!({"id": "e-1", "commune": "demo", "source": "catalog", "action": "service-published",
        "actor": "admin-1", "subject": "voirie-nid-de-poule", "occurred_at": "2026-12-07T10:00:00Z",
        "details": [{"name": "version", "value": "3"}]});

    assert_eq!(post(&host, &good, "not-the-secret-at-all").status, 401);

    let mut bad = good.clone();
    bad["id"] = json!("a b");
    bad["source"] = json!("signatures");
    bad["action"] = json!("Published!");
    bad["occurred_at"] = json!("yesterday");
    bad["details"][0]["name"] = json!("Version");
    let refused = post(&host, &bad, EVIDENCE_APPEND_SECRET);
    assert_eq!(refused.status, 400, "{}", refused.body);
    let fields: Vec<String> = refused.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(fields, ["id", "action", "occurred_at", "details[0].name"], "{}", refused.body);
    let mut reserved = good.clone();
    reserved["source"] = json!("signatures");
    let refused = post(&host, &reserved, EVIDENCE_APPEND_SECRET);
    assert_eq!((refused.status, refused.json()["errors"][0]["field"].clone()), (400, json!("source")));
    let mut missing = good.clone();
    missing.as_object_mut().expect("object").remove("subject");
    assert_eq!(post(&host, &missing, EVIDENCE_APPEND_SECRET).json()["errors"][0]["field"], "subject");

    let first = post(&host, &good, EVIDENCE_APPEND_SECRET);
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json(), json!({"index": 0, "appended": true}));
    let again = post(&host, &good, EVIDENCE_APPEND_SECRET);
    assert_eq!(again.json(), json!({"index": 0, "appended": false}));
    assert_eq!(entries(&host), 1);
}
