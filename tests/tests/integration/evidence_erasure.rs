//! A citizen's erasure leaves its trace in the commune's evidence log from every component
//! that erased something (issue 12, item 5): identity's account, and requests' part (what it
//! deleted and what it kept, never a name), each through its own outbox.

use guichet_tests::guichet::{Guichet, PASSWORD};
use serde_json::{json, Value};

use crate::requests_support::file_pothole;

#[test]
fn an_erasure_is_logged_by_identity_and_by_requests_with_what_requests_kept() {
    let g = Guichet::start();
    let anne = g.citizen("anne@exemple.fr");
    let filed = file_pothole(&g, Some(&anne.access));
    let erased = g.post("/api/identity/me/erasure", &json!({"password": PASSWORD}), Some(&anne.access));
    assert_eq!(erased.status, 200, "{}", erased.body);

    let admin = g.keys.access_token("demo", "admin-1", &["admin"]);
    let listed = g.get("/api/signatures/evidence/entries", Some(&admin));
    assert_eq!(listed.status, 200, "{}", listed.body);
    let events: Vec<Value> = listed.json()["entries"].as_array().expect("entries").iter().map(|e| e["event"].clone()).collect();
    let from = |source: &str, action: &str| events.iter().find(|e| e["source"] == source && e["action"] == action).cloned();
    let identity = from("identity", "account-erased").unwrap_or_else(|| panic!("identity's entry in {events:?}"));
    let requests = from("requests", "personal-data-erased").unwrap_or_else(|| panic!("requests' entry in {events:?}"));
    assert_eq!(requests["subject"], identity["subject"], "the same account");
    assert_eq!(
        requests["details"],
        json!([{"name": "closed_requests_deleted", "value": "0"}, {"name": "open_requests_kept", "value": "1"}]),
        "the open pothole report {} is kept",
        filed.reference
    );
    assert!(!requests.to_string().contains("anne@exemple.fr"), "no address in the log: {requests}");
    let conn = rusqlite::Connection::open(g.host.state_dir.join("requests.db")).expect("requests.db");
    let waiting: i64 = conn.query_row("SELECT count(*) FROM evidence_outbox", [], |r| r.get(0)).expect("count");
    assert_eq!(waiting, 0, "sent after the erasure");
}
