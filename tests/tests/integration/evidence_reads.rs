//! Staff reads of a request leave their trace in the commune's evidence log (issue 12, item
//! 5): the read of one request goes at once; reads of the queue wait in requests' evidence
//! outbox for the scheduler's `POST /api/requests/outbox/retry`. The queue's filter, which may
//! hold a name, never reaches the log.

use crate::requests_support::*;

use guichet_tests::guichet::Guichet;
use serde_json::{json, Value};

fn read_events(g: &Guichet, admin: &str) -> Vec<Value> {
    let listed = g.get("/api/signatures/evidence/entries", Some(admin));
    assert_eq!(listed.status, 200, "{}", listed.body);
    listed.json()["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["event"].clone())
        .filter(|e| e["source"] == "requests" && e["action"] == "personal-data-read")
        .collect()
}

#[test]
fn a_staff_read_of_a_request_and_of_the_queue_reach_the_log_without_the_filter() {
    let g = Guichet::start();
    let filed = file_pothole(&g, None);
    let agent = staff(&g, "agent-7", &["agent"]);
    let admin = staff(&g, "admin-1", &["admin"]);
    let read = g.get(&format!("{REQUESTS}/{}?purpose=handling_request", filed.reference), Some(&agent));
    assert_eq!(read.status, 200, "{}", read.body);
    let events = read_events(&g, &admin);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!((events[0]["actor"].clone(), events[0]["subject"].clone()), (json!("agent-7"), json!(filed.reference)));
    assert!(events[0]["details"].as_array().expect("details").contains(&json!({"name": "purpose", "value": "handling_request"})));

    let queue = g.get(&format!("{REQUESTS}?q=Dupont"), Some(&agent));
    assert_eq!(queue.status, 200, "{}", queue.body);
    let swept = g.post(&format!("{REQUESTS}/outbox/retry"), &json!({}), Some(&admin));
    assert_eq!(swept.status, 200, "{}", swept.body);
    let events = read_events(&g, &admin);
    assert!(events.iter().any(|e| e["actor"] == "agent-7" && e["subject"] == "queue"), "{events:?}");
    let all = g.get("/api/signatures/evidence/entries", Some(&admin)).body;
    assert!(!all.contains("Dupont"), "the filter reached the log: {all}");
}
