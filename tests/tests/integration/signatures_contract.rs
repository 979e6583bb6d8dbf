//! Requests' side of `wit/signing.wit`: a signing step outside its contract is refused with
//! a 400 naming the member and writes nothing; a step is appended once however often it is
//! sent; a reference the commune does not have is a 404 naming `unknown_request`. Driven on
//! a copy of spin.toml whose catch-all route reaches requests' private `/internal/...`.

use crate::requests_support::{pothole_body, REQUESTS};

use guichet_tests::mailbox::Mailbox;
use guichet_tests::tokens::TestKeys;
use guichet_tests::{Host, HostConfig, Reply};
use serde_json::{json, Value};

fn post(host: &Host, path: &str, body: &Value) -> Reply {
    host.send(
        "POST",
        path,
        &[("content-type", "application/json")],
        Some(body.to_string().as_bytes()),
    )
}

fn step(id: &str, reference: &str) -> Value {
    json!({"id": id, "commune": "demo", "reference": reference, "flow_id": "f1",
           "document_id": "d1", "document_title": "Arrêté", "purpose": "Signature du maire",
           "kind": "signed", "account": "alice", "reason": null,
           "occurred_at": "2026-12-07T10:00:00Z"})
}

fn signature_entries(host: &Host, reference: &str) -> i64 {
    let conn = rusqlite::Connection::open(host.state_dir.join("requests.db")).expect("requests.db");
    conn.query_row(
        "SELECT count(*) FROM timeline t JOIN requests r ON r.id = t.request_id \
         WHERE r.reference = ?1 AND t.kind = 'signature'",
        [reference],
        |row| row.get(0),
    )
    .expect("count")
}

#[test]
fn requests_records_a_signing_step_once_and_refuses_one_outside_the_contract() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("k1");
    let mail = Mailbox::start();
    let config = HostConfig::guichet_identity(dir.path(), &[&keys], &mail.origin())
        .routing_everything_else_to(dir.path(), "requests");
    let host = Host::start(config, &dir);
    let filed = post(&host, REQUESTS, &pothole_body("camille@example.org"));
    assert_eq!(filed.status, 201, "{}", filed.body);
    let reference = filed.json()["reference"]
        .as_str()
        .expect("reference")
        .to_owned();

    let mut broken = step("f1-1", &reference);
    broken["kind"] = json!(7);
    let refused = post(&host, "/internal/signing-steps", &broken);
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(refused.json()["errors"][0]["field"], "kind");
    assert_eq!(signature_entries(&host, &reference), 0);

    let first = post(&host, "/internal/signing-steps", &step("f1-1", &reference));
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json()["recorded"], true);
    let again = post(&host, "/internal/signing-steps", &step("f1-1", &reference));
    assert_eq!(again.json()["recorded"], false);
    assert_eq!(signature_entries(&host, &reference), 1);

    let unknown = post(
        &host,
        "/internal/signing-steps",
        &step("f1-2", "2026-999999"),
    );
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["errors"][0]["code"], "unknown_request");
}
