//! Checklist item 12: a citizen only sees their own requests, messages and documents. Every
//! requests route that takes a reference or a file id (the route table of
//! components/requests/src/lib.rs), called by citizen B with citizen A's objects, answers 404
//! (as for objects that do not exist: B cannot even learn they exist) and writes nothing.
//!
//! Routes with ids that are not citizens' objects are left out: `triage/{id}` (e-mails,
//! staff only), `api-keys/{id}/revoke` (admin only), `diagnostics/.../{id}` (admin only); a
//! citizen gets 403 there whatever the id. `{ref}/follow` is tested on a personal procedure:
//! following a report on the public space (a pothole) is offered to anyone by design.

use crate::requests_support;

use guichet_tests::guichet::Guichet;
use requests_support::*;
use serde_json::{json, Value};

/// A personal procedure (not open to anonymous reports) filed by the holder of `bearer`,
/// with a PDF: its 201 body.
fn waste_bin(g: &Guichet, bearer: &str, email: &str) -> Value {
    let body = json!({
        "service_code": "waste-bin",
        "answers": {"address": "3 rue des Lilas", "request": "broken", "stream": "recycling",
                    "email": email, "consent": true},
        "contact": {"email": email},
        "attachments": [{"name": "photo.pdf", "content_type": "application/pdf",
                         "data_base64": base64(PDF)}],
    });
    file(g, &body, Some(bearer)).body
}

/// Everything the requests database holds about request `id` that a write would change.
fn state_of(g: &Guichet, id: &str) -> Value {
    let conn = db(g);
    let one = |sql: &str| -> String {
        conn.query_row(sql, [id], |row| row.get::<_, String>(0))
            .expect(sql)
    };
    json!({
        "request": one("SELECT json_array(state, updated_at, department, assignee, merged_into) FROM requests WHERE id = ?"),
        "timeline": one("SELECT json_group_array(seq) FROM timeline WHERE request_id = ?"),
        "attachments": one("SELECT json_group_array(id) FROM attachments WHERE request_id = ?"),
        "calls": one("SELECT json_group_array(id) FROM call_logs WHERE request_id = ?"),
        "followers": one("SELECT json_group_array(follower) FROM followers WHERE request_id = ?"),
    })
}

#[test]
fn every_request_route_answers_another_citizen_404_and_writes_nothing() {
    let g = Guichet::start();
    let alice = citizen(&g, "alice");
    let bob = citizen(&g, "bob");
    let a = waste_bin(&g, &alice, "alice@example.org");
    let b = waste_bin(&g, &bob, "bob@example.org");
    let (a_ref, a_id) = (
        a["reference"].as_str().expect("ref"),
        a["id"].as_str().expect("id"),
    );
    let a_file = a["attachments"][0]["id"].as_str().expect("attachment id");
    let b_ref = b["reference"].as_str().expect("ref");
    let file =
        json!({"name": "x.pdf", "content_type": "application/pdf", "data_base64": base64(PDF)});
    let call = json!({"called_at": "2026-11-30T09:15:00+01:00", "duration_seconds": 60,
                      "caller": "Bob", "summary": "?"});
    let table: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", format!("{REQUESTS}/{a_ref}"), None),
        (
            "GET",
            format!("{REQUESTS}/{a_ref}/attachments/{a_file}"),
            None,
        ),
        (
            "GET",
            format!("{REQUESTS}/{b_ref}/attachments/{a_file}"),
            None,
        ),
        (
            "POST",
            format!("{REQUESTS}/{a_ref}/attachments"),
            Some(file.clone()),
        ),
        (
            "POST",
            format!("{REQUESTS}/{a_ref}/transitions"),
            Some(json!({"to": "withdrawn"})),
        ),
        (
            "POST",
            format!("{REQUESTS}/{a_ref}/assignment"),
            Some(json!({"assignee": "bob"})),
        ),
        (
            "POST",
            format!("{REQUESTS}/{a_ref}/notes"),
            Some(json!({"text": "x"})),
        ),
        (
            "POST",
            format!("{REQUESTS}/{a_ref}/messages"),
            Some(json!({"text": "hello"})),
        ),
        (
            "POST",
            format!("{REQUESTS}/{a_ref}/reopen"),
            Some(json!({"reason": "again"})),
        ),
        (
            "POST",
            format!("{REQUESTS}/{a_ref}/merge"),
            Some(json!({"into": b_ref})),
        ),
        (
            "POST",
            format!("{REQUESTS}/{a_ref}/follow"),
            Some(json!({})),
        ),
        ("POST", format!("{REQUESTS}/{a_ref}/calls"), Some(call)),
        ("POST", format!("{REQUESTS}/{a_ref}/scans"), Some(file)),
        ("GET", format!("{REQUESTS}/{a_ref}/receipt"), None),
    ];
    let before = state_of(&g, a_id);
    for (method, path, body) in &table {
        let reply = match body {
            Some(body) => g.send_json(method, path, body, Some(&bob)),
            None => g.get(path, Some(&bob)),
        };
        assert_eq!(reply.status, 404, "{method} {path}: {}", reply.body);
        assert!(
            !reply.body.contains("alice"),
            "{method} {path}: {}",
            reply.body
        );
    }
    // The receipt's form: Bob does not hold Alice's tracking code.
    let receipt = g.host.send(
        "POST",
        &format!("{REQUESTS}/{a_ref}/receipt"),
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("authorization", &format!("Bearer {bob}")),
        ],
        Some(b"code=AAAA-AAAA-AAAA-AAAA"),
    );
    assert_eq!(receipt.status, 404, "{}", receipt.body);
    assert_eq!(
        state_of(&g, a_id),
        before,
        "nothing of Alice's request changed"
    );
    let mine = g.get(&format!("{REQUESTS}/mine"), Some(&bob)).json();
    let refs: Vec<&str> = mine["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .filter_map(|r| r["reference"].as_str())
        .collect();
    assert_eq!(refs, [b_ref], "Bob's list holds only his request");

    // The same routes with a reference that does not exist answer the same.
    for (method, path, body) in &table {
        let path = path.replace(a_ref, "2026-999999");
        let reply = match body {
            Some(body) => g.send_json(method, &path, body, Some(&bob)),
            None => g.get(&path, Some(&bob)),
        };
        assert_eq!(reply.status, 404, "{method} {path}: {}", reply.body);
    }
}
