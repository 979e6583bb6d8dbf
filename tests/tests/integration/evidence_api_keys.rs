//! Issuing and revoking an Open311 API key leave their trace in the commune's evidence log
//! (issue 12, item 5): requests writes each event to its outbox with the change and sends it
//! to signatures after the commit; a second revocation logs nothing more.

use guichet_tests::guichet::Guichet;
use serde_json::{json, Value};

fn key_events(g: &Guichet, admin: &str) -> Vec<Value> {
    let listed = g.get("/api/signatures/evidence/entries", Some(admin));
    assert_eq!(listed.status, 200, "{}", listed.body);
    listed.json()["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["event"].clone())
        .filter(|e| e["source"] == "requests")
        .collect()
}

#[test]
fn issuing_and_revoking_an_api_key_are_logged_once_each() {
    let g = Guichet::start();
    let admin = g.keys.access_token("demo", "admin-7", &["admin"]);
    let issued = g.post("/api/requests/api-keys", &json!({"name": "app mobile"}), Some(&admin));
    assert_eq!(issued.status, 201, "{}", issued.body);
    let id = issued.json()["id"].as_str().expect("id").to_owned();
    let revoke = format!("/api/requests/api-keys/{id}/revoke");
    assert_eq!(g.post(&revoke, &json!({}), Some(&admin)).status, 200);
    assert_eq!(g.post(&revoke, &json!({}), Some(&admin)).status, 200);

    let events = key_events(&g, &admin);
    let actions: Vec<&str> = events.iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions, ["api-key-issued", "api-key-revoked"], "{events:?}");
    assert!(events.iter().all(|e| e["subject"] == id.as_str() && e["actor"] == "admin-7"));
    assert_eq!(events[0]["details"], json!([{"name": "name", "value": "app mobile"}]));
    // The key itself never reaches the log.
    let key = issued.json()["api_key"].as_str().expect("key").to_owned();
    assert!(!g.get("/api/signatures/evidence/entries", Some(&admin)).body.contains(&key));
}
