//! A citizen's requests in their personal-data export and erasure (asked by identity of every
//! component), and the retention purge of closed requests.

use crate::requests_support;

use guichet_tests::guichet::{Guichet, PASSWORD};
use requests_support::*;
use serde_json::{json, Value};

fn close(g: &Guichet, reference: &str) {
    let supervisor = staff(g, "supervisor-1", &["supervisor"]);
    let moved = g.post(&format!("{REQUESTS}/{reference}/transitions"), &json!({"to": "not-municipal"}), Some(&supervisor));
    assert_eq!(moved.status, 200, "{}", moved.body);
}

fn references(records: &Value) -> Vec<String> {
    let mut found: Vec<String> =
        records.as_array().into_iter().flatten().filter_map(|r| r["reference"].as_str().map(str::to_owned)).collect();
    found.sort();
    found
}

fn count(g: &Guichet, sql: &str, reference: &str) -> i64 {
    let db = rusqlite::Connection::open(g.host.state_dir.join("requests.db")).expect("requests.db");
    db.query_row(sql, [reference], |r| r.get(0)).expect("count")
}

#[test]
fn the_export_lists_the_citizens_requests_with_answers_and_timeline_and_none_of_another() {
    let g = Guichet::start();
    let anne = g.citizen("anne@exemple.fr");
    let first = file_pothole(&g, Some(&anne.access));
    let second = file_pothole(&g, Some(&anne.access));
    // Filed without an account under her address: hers too.
    let anonymous = anonymous_report(&g, "anne@exemple.fr");
    let other = anonymous_report(&g, "bob@exemple.fr");

    let reply = g.get("/api/identity/me/export", Some(&anne.access));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let records = &reply.json()["components"]["requests"]["requests"];
    let mut expected = vec![first.reference.clone(), second.reference, anonymous.reference];
    expected.sort();
    assert_eq!(references(records), expected);
    assert!(!references(records).contains(&other.reference));
    let one = records.as_array().expect("list").iter().find(|r| r["reference"] == first.reference.as_str()).expect("first");
    assert_eq!(one["service_code"], "pothole");
    assert_eq!(one["answers"]["size"], "medium");
    assert_eq!(one["contact"]["email"], "camille@example.org");
    assert_eq!(one["timeline"][0]["kind"], "filed");
    assert!(one.get("tracking_hash").is_none(), "{one}");
}

#[test]
fn erasure_deletes_closed_requests_keeps_open_ones_with_their_legal_basis_and_spares_others() {
    let g = Guichet::start();
    let anne = g.citizen("anne@exemple.fr");
    let open = file_pothole(&g, Some(&anne.access));
    let closed = file_pothole(&g, Some(&anne.access));
    let other = anonymous_report(&g, "bob@exemple.fr");
    close(&g, &closed.reference);
    close(&g, &other.reference);

    let erased = g.post("/api/identity/me/erasure", &json!({"password": PASSWORD}), Some(&anne.access));
    assert_eq!(erased.status, 200, "{}", erased.body);
    let report = erased.json();
    let requests = report["components"].as_array().expect("components").iter().find(|c| c["component"] == "requests").expect("requests part").clone();
    assert_eq!(requests["erased"]["closed_requests"], 1, "{requests}");
    let kept = requests["kept"].as_array().expect("kept");
    assert_eq!(kept[0]["record"], "open_requests");
    assert_eq!(kept[0]["count"], 1);
    assert!(kept[0]["legal_basis"].as_str().is_some_and(|b| b.contains("17(3)(b)")), "{requests}");

    let in_requests = "SELECT COUNT(*) FROM requests WHERE reference = ?";
    // The reference parameter is unused: any timeline entry whose request is gone counts.
    let in_timeline = "SELECT COUNT(*) FROM timeline WHERE request_id NOT IN (SELECT id FROM requests) AND ? IS NOT NULL";
    assert_eq!(count(&g, in_requests, &closed.reference), 0);
    assert_eq!(count(&g, in_timeline, &closed.reference), 0, "no timeline entry outlives its request");
    assert_eq!(count(&g, in_requests, &open.reference), 1);
    assert_eq!(count(&g, in_requests, &other.reference), 1);
    let supervisor = staff(&g, "supervisor-1", &["supervisor"]);
    assert_eq!(show(&g, &other.reference, &supervisor).status, 200);
}

#[test]
fn the_retention_purge_deletes_only_closed_requests_past_their_services_retention() {
    let g = Guichet::start();
    let old = anonymous_report(&g, "a@example.org");
    let recent = anonymous_report(&g, "b@example.org");
    let still_open = anonymous_report(&g, "c@example.org");
    close(&g, &old.reference);
    close(&g, &recent.reference);
    {
        let db = rusqlite::Connection::open(g.host.state_dir.join("requests.db")).expect("requests.db");
        let retention: i64 = db.query_row("SELECT retention_days FROM requests WHERE reference = ?", [&old.reference], |r| r.get(0)).expect("retention");
        assert!(retention > 0 && retention < 20 * 365, "copied from the service: {retention}");
        db.execute("UPDATE requests SET closed_at = '2001-01-01T00:00:00Z' WHERE reference = ?", [&old.reference]).expect("age it");
        db.execute("UPDATE requests SET created_at = '2000-01-01T00:00:00Z' WHERE reference = ?", [&still_open.reference]).expect("age it");
    }
    let path = format!("{REQUESTS}/retention/purge");
    assert_eq!(g.post(&path, &json!({}), Some(&agent(&g, "agent-1"))).status, 403);
    let admin = staff(&g, "admin-1", &["admin"]);
    let purged = g.post(&path, &json!({}), Some(&admin));
    assert_eq!(purged.status, 200, "{}", purged.body);
    assert_eq!(purged.json(), json!({"deleted": 1, "remaining": false, "staff_reads_deleted": 0}));
    let in_requests = "SELECT COUNT(*) FROM requests WHERE reference = ?";
    assert_eq!(count(&g, in_requests, &old.reference), 0);
    assert_eq!(count(&g, in_requests, &recent.reference), 1);
    assert_eq!(count(&g, in_requests, &still_open.reference), 1);
    let again = g.post(&path, &json!({}), Some(&admin));
    assert_eq!(again.json()["deleted"], 0);
}

#[test]
fn e_mails_waiting_for_triage_are_in_the_senders_export_and_go_with_their_erasure() {
    let secret = "inbound-secret-for-tests-0123456789";
    let g = Guichet::start_with(&[("SPIN_VARIABLE_INBOUND_MAIL_SECRET", secret)]);
    let anne = g.citizen("anne@exemple.fr");
    let mail = |from: &str, id: &str| {
        format!("From: {from}\r\nTo: mairie@demo.example\r\nSubject: Bruit la nuit\r\nMessage-ID: <{id}@exemple.fr>\r\n\r\nLa fete continue chaque nuit.\r\n")
    };
    let bearer = format!("Bearer {secret}");
    for (from, id) in [("Anne <anne@exemple.fr>", "a1"), ("bob@exemple.fr", "b1")] {
        let reply = g.host.send("POST", "/api/requests/inbound-mail", &[("content-type", "message/rfc822"), ("authorization", &bearer)], Some(mail(from, id).as_bytes()));
        assert_eq!(reply.status, 202, "{}", reply.body);
        assert_eq!(reply.json()["status"], "triage");
    }
    let export = g.get("/api/identity/me/export", Some(&anne.access)).json();
    let waiting = &export["components"]["requests"]["emails_awaiting_triage"];
    assert_eq!(waiting.as_array().map(Vec::len), Some(1), "{waiting}");
    assert_eq!(waiting[0]["subject"], "Bruit la nuit");

    let erased = g.post("/api/identity/me/erasure", &json!({"password": PASSWORD}), Some(&anne.access));
    assert_eq!(erased.status, 200, "{}", erased.body);
    let senders: Vec<String> = {
        let db = rusqlite::Connection::open(g.host.state_dir.join("requests.db")).expect("requests.db");
        let mut statement = db.prepare("SELECT sender FROM inbound_mail ORDER BY sender").expect("prepare");
        let rows = statement.query_map([], |r| r.get::<_, String>(0)).expect("query");
        rows.filter_map(Result::ok).collect()
    };
    assert_eq!(senders, ["bob@exemple.fr"]);
}
