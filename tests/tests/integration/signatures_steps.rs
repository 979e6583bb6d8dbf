//! A flow's steps reach the world (issue 12, item 2): each step of a flow about a request is
//! appended once to that request's timeline (requests, `wit/signing.wit`), and the signers
//! of a flow due soon are reminded through notifications (event `signature-reminder`), once
//! a day.

use crate::requests_support::{file_pothole, staff};
use crate::signatures_support::*;

use guichet_tests::guichet::Guichet;
use serde_json::json;

#[test]
fn each_step_of_a_flow_about_a_request_appears_once_in_its_timeline() {
    let g = Guichet::start();
    let filed = file_pothole(&g, None);
    let alice = agent(&g, "alice");
    enrol(&g, &alice);
    let reply = g.post(
        &format!("{API}/documents"),
        &json!({"title": "Réponse", "request": filed.reference.clone(), "decision": "Réparation prévue."}),
        Some(&alice),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let doc = reply.json();
    let flow = start_flow(
        &g,
        &alice,
        doc["id"].as_str().expect("id"),
        "ordered",
        None,
        &[("alice", "maire")],
    );
    assert_eq!(flow["request"], filed.reference.as_str());
    sign(&g, &alice, flow["id"].as_str().expect("id"));
    // A retry hands nothing twice.
    let retried = g.post(
        &format!("{API}/steps/retry"),
        &json!({}),
        Some(&admin(&g, "boss")),
    );
    assert_eq!(retried.status, 200, "{}", retried.body);
    assert_eq!(retried.json()["delivered"], 0);

    let view = g.get(
        &format!("/api/requests/{}", filed.reference),
        Some(&staff(&g, "sup", &["supervisor"])),
    );
    assert_eq!(view.status, 200, "{}", view.body);
    let steps: Vec<(String, String)> = view.json()["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter(|e| e["kind"] == "signature")
        .map(|e| {
            (
                e["to"].as_str().unwrap_or("").to_owned(),
                e["actor_id"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> =
        [("created", "alice"), ("signed", "alice"), ("completed", "")]
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect();
    assert_eq!(steps, expected, "{}", view.body);
}

#[test]
fn signers_of_a_flow_due_soon_are_reminded_once_a_day_through_notifications() {
    let g = Guichet::start();
    let alice = agent(&g, "alice");
    let doc = upload(&g, &alice, PDF);
    let reply = g.post(
        &format!("{API}/flows"),
        &json!({"document": doc["id"], "purpose": "Facture", "mode": "ordered", "due_on": "2026-01-05",
                "signers": [{"account": "bob", "role": "adjoint", "email": "bob@mairie.example"},
                            {"account": "chloe", "role": "maire", "email": "chloe@mairie.example"}]}),
        Some(&alice),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(
        g.post(&format!("{API}/reminders"), &json!({}), Some(&alice))
            .status,
        403
    );
    let supervisor = staff(&g, "sup", &["supervisor"]);
    let first = g.post(&format!("{API}/reminders"), &json!({}), Some(&supervisor));
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.json()["reminded"], 1, "only bob: the flow is ordered");
    let again = g.post(&format!("{API}/reminders"), &json!({}), Some(&supervisor));
    assert_eq!(again.json()["reminded"], 0);

    let notifications =
        rusqlite::Connection::open(g.host.state_dir.join("notifications.db")).expect("db");
    let (kind, payload): (String, String) = notifications
        .query_row(
            "SELECT kind, payload FROM events WHERE source = 'signatures'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("the reminder reached notifications");
    assert_eq!(kind, "signature-reminder");
    let payload: serde_json::Value = serde_json::from_str(&payload).expect("json");
    assert_eq!(payload["account"], "bob");
    assert_eq!(payload["email"], "bob@mairie.example");
    assert_eq!(payload["overdue"], true);
}
