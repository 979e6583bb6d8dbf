//! Checklist item 22: staff reads of requests, of the agents' queue and of CSV exports are
//! logged in requests' database (who, when, what, purpose if given; the queue's filter, never
//! its results), shown to the citizen in their export where they concern their requests and
//! to administrators at `GET /api/requests/reads`, and purged after 12 months.

use crate::requests_support;

use guichet_tests::guichet::Guichet;
use requests_support::*;
use serde_json::{json, Value};

/// The admin's view of the log, filtered by `query`.
fn reads(g: &Guichet, query: &str) -> Vec<Value> {
    let reply = g.get(
        &format!("{REQUESTS}/reads{query}"),
        Some(&staff(g, "admin-1", &["admin"])),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["reads"].as_array().expect("reads").clone()
}

#[test]
fn a_staff_read_of_a_request_appears_in_its_citizen_s_export() {
    let g = Guichet::start();
    let anne = g.citizen("anne@exemple.fr");
    let filed = file_pothole(&g, Some(&anne.access));
    let other = anonymous_report(&g, "bob@exemple.fr");
    let agent = staff(&g, "agent-7", &["agent"]);
    let read = g.get(
        &format!("{REQUESTS}/{}?purpose=handling_request", filed.reference),
        Some(&agent),
    );
    assert_eq!(read.status, 200, "{}", read.body);
    let file = g.get(&format!("{REQUESTS}/{}", other.reference), Some(&agent));
    assert_eq!(file.status, 200);
    // The citizen reading her own request is not a staff read.
    assert_eq!(show(&g, &filed.reference, &anne.access).status, 200);
    let refused = g.get(
        &format!("{REQUESTS}/{}?purpose=curiosity", filed.reference),
        Some(&agent),
    );
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(errors_of(&refused), [pair("purpose", "unknown_value")]);

    let export = g.get("/api/identity/me/export", Some(&anne.access));
    assert_eq!(export.status, 200, "{}", export.body);
    let logged = &export.json()["components"]["requests"]["staff_reads"];
    let logged = logged
        .as_array()
        .unwrap_or_else(|| panic!("staff_reads: {logged}"));
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0]["reference"], json!(filed.reference));
    assert_eq!(logged[0]["reader_id"], "agent-7");
    assert_eq!(logged[0]["kind"], "request");
    assert_eq!(logged[0]["purpose"], "handling_request");
    assert!(logged[0]["read_at"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));

    let all = reads(&g, &format!("?reference={}", other.reference));
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["purpose"], Value::Null);
    let citizen_asks = g.get(&format!("{REQUESTS}/reads"), Some(&anne.access));
    assert_eq!(citizen_asks.status, 403);
}

#[test]
fn queue_and_csv_reads_are_logged_with_their_filter_not_their_results() {
    let g = Guichet::start();
    let filed = anonymous_report(&g, "secret-person@example.org");
    let agent = staff(&g, "agent-7", &["agent"]);
    let queue = g.get(
        &format!("{REQUESTS}?state=submitted&q=boulangerie&purpose=supervision"),
        Some(&agent),
    );
    assert_eq!(queue.status, 200, "{}", queue.body);
    assert!(queue.body.contains(&filed.reference), "{}", queue.body);
    let csv = g.get(
        &format!("{REQUESTS}/export.csv?service=pothole"),
        Some(&agent),
    );
    assert_eq!(csv.status, 200, "{}", csv.body);

    let logged = reads(&g, "?reader=agent-7");
    let summary: Vec<(String, String, Value)> = logged
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap_or("").to_owned(),
                r["filter"].as_str().unwrap_or("").to_owned(),
                r["purpose"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "export".to_owned(),
                "service=pothole".to_owned(),
                Value::Null
            ),
            (
                "queue".to_owned(),
                "state=submitted&q=boulangerie".to_owned(),
                json!("supervision")
            ),
        ]
    );
    let text = Value::Array(logged).to_string();
    assert!(
        !text.contains(&filed.reference) && !text.contains("secret-person"),
        "no results in the log: {text}"
    );
    assert_eq!(reads(&g, "?kind=export").len(), 1);
}

#[test]
fn reading_the_e_mails_waiting_for_triage_is_logged_too() {
    // Their senders' addresses and first lines are personal data, like a request's.
    let g = Guichet::start();
    let agent = staff(&g, "agent-7", &["agent"]);
    let list = g.get(&format!("{REQUESTS}/triage?limit=10&purpose=support"), Some(&agent));
    assert_eq!(list.status, 200, "{}", list.body);
    let refused = g.get(&format!("{REQUESTS}/triage?purpose=curiosity"), Some(&agent));
    assert_eq!(refused.status, 400, "{}", refused.body);
    let logged = reads(&g, "?kind=triage");
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(logged[0]["reader"].as_str().or(logged[0]["reader_id"].as_str()), Some("agent-7"), "{}", logged[0]);
    assert_eq!(logged[0]["filter"], "limit=10");
    assert_eq!(logged[0]["purpose"], "support");
}

#[test]
fn reads_older_than_twelve_months_are_purged() {
    let g = Guichet::start();
    let filed = anonymous_report(&g, "a@example.org");
    let agent = staff(&g, "agent-7", &["agent"]);
    assert_eq!(
        g.get(&format!("{REQUESTS}/{}", filed.reference), Some(&agent))
            .status,
        200
    );
    db(&g)
        .execute(
            "INSERT INTO staff_reads (commune, reader_id, kind, request_id, reference, read_at) \
             SELECT commune, 'agent-old', 'request', request_id, reference, \
             strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-13 months') FROM staff_reads",
            [],
        )
        .expect("an old read");
    let purged = g.post(
        &format!("{REQUESTS}/retention/purge"),
        &json!({}),
        Some(&staff(&g, "admin-1", &["admin"])),
    );
    assert_eq!(purged.status, 200, "{}", purged.body);
    assert_eq!(purged.json()["staff_reads_deleted"], 1);
    let left: Vec<String> = reads(&g, "")
        .iter()
        .filter_map(|r| r["reader_id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(left, ["agent-7"]);
}
