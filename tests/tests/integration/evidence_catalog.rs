//! Publishing, archiving and importing services leave their trace in the commune's evidence log
//! (issue 12, item 5): catalog writes each event to its outbox with the change and sends it
//! to signatures after the commit.

use crate::catalog_support::definition;

use guichet_tests::guichet::Guichet;
use serde_json::{json, Value};

#[test]
fn publishing_and_archiving_a_service_are_logged_with_who_and_which_version() {
    let g = Guichet::start();
    let admin = g.keys.access_token("demo", "admin-1", &["admin"]);
    let created = g.post("/api/catalog/admin/services", &definition("bulky-waste-pickup"), Some(&admin));
    assert_eq!(created.status, 201, "{}", created.body);
    let published = g.post("/api/catalog/admin/services/bulky-waste-pickup/publish", &json!({}), Some(&admin));
    assert_eq!(published.status, 200, "{}", published.body);
    let archived = g.post("/api/catalog/admin/services/bulky-waste-pickup/archive", &json!({}), Some(&admin));
    assert_eq!(archived.status, 200, "{}", archived.body);

    let listed = g.get("/api/signatures/evidence/entries", Some(&admin));
    assert_eq!(listed.status, 200, "{}", listed.body);
    let events: Vec<Value> = listed.json()["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["event"].clone())
        .filter(|e| e["source"] == "catalog")
        .collect();
    let actions: Vec<&str> = events.iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, ["service-published", "service-archived"], "{events:?}");
    assert!(events.iter().all(|e| e["subject"] == "bulky-waste-pickup" && e["actor"] == "admin-1"));
    assert_eq!(events[0]["details"], json!([{"name": "version", "value": "1"}]));
    // Nothing waits in catalog's outbox once signatures took it.
    let conn = rusqlite::Connection::open(g.host.state_dir.join("catalog.db")).expect("catalog.db");
    let waiting: i64 = conn.query_row("SELECT count(*) FROM evidence_outbox", [], |r| r.get(0)).expect("count");
    assert_eq!(waiting, 0);
}

#[test]
fn importing_a_catalogue_logs_each_service_with_its_status_and_version() {
    let g = Guichet::start();
    let admin = g.keys.access_token("demo", "admin-1", &["admin"]);
    let catalogue = json!({"services": [
        {"status": "published", "definition": definition("bulky-waste-pickup")},
        {"status": "draft", "definition": definition("street-party")},
    ]});
    let imported = g.post("/api/catalog/admin/import", &catalogue, Some(&admin));
    assert_eq!(imported.status, 200, "{}", imported.body);
    let listed = g.get("/api/signatures/evidence/entries", Some(&admin));
    assert_eq!(listed.status, 200, "{}", listed.body);
    let events: Vec<Value> = listed.json()["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["event"].clone())
        .filter(|e| e["source"] == "catalog" && e["action"] == "service-imported")
        .collect();
    let subjects: Vec<(&str, &Value)> = events.iter().map(|e| (e["subject"].as_str().unwrap_or(""), &e["details"])).collect();
    assert_eq!(
        subjects,
        [
            ("bulky-waste-pickup", &json!([{"name": "status", "value": "published"}, {"name": "version", "value": "1"}])),
            ("street-party", &json!([{"name": "status", "value": "draft"}])),
        ],
        "{events:?}"
    );
    assert!(events.iter().all(|e| e["actor"] == "admin-1"));

    // A refused import writes nothing, not even to the log.
    let before = events.len();
    let refused = g.post("/api/catalog/admin/import", &json!({"services": [{"status": "published", "definition": {"code": "x"}}]}), Some(&admin));
    assert_eq!(refused.status, 400, "{}", refused.body);
    let after = g.get("/api/signatures/evidence/entries", Some(&admin)).json()["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["event"]["action"] == "service-imported")
        .count();
    assert_eq!(after, before);
}
