//! End to end through the host, from requests to the citizen: a citizen signed in who filed
//! without typing a contact is told of a status change by e-mail, at the address identity has
//! for their account, and in their in-app inbox; a second status change opted out of is not
//! sent, while the decision closing the request is.

use guichet_tests::guichet::Guichet;
use serde_json::json;

use crate::notifications_support::{LOOKUP_SECRET, WAIT};
use crate::requests_support::{agent, pothole_body};

#[test]
fn a_status_change_reaches_the_signed_in_filer_by_email_and_in_their_inbox() {
    let g = Guichet::start_with(&[("SPIN_VARIABLE_CONTACT_LOOKUP_SECRET", LOOKUP_SECRET)]);
    let anne = g.citizen("anne@example.org").access;
    // The pothole form asks for an e-mail among its answers; no contact is typed.
    let mut body = pothole_body("unused@example.org");
    if let Some(b) = body.as_object_mut() {
        b.remove("contact");
        b["answers"]["email"] = json!("anne@example.org");
    }
    let filed = g.post("/api/requests", &body, Some(&anne));
    assert_eq!(filed.status, 201, "{}", filed.body);
    let reference = filed.json()["reference"].as_str().expect("reference").to_owned();
    let receipt = g.mailbox.wait_for("anne@example.org", |m| m.subject.contains(&reference), WAIT);
    assert_eq!(receipt.subject, format!("Demande {reference} enregistrée"));

    let roads = agent(&g, "agent-roads");
    let moved = g.post(&format!("/api/requests/{reference}/transitions"), &json!({"to": "acknowledged"}), Some(&roads));
    assert_eq!(moved.status, 200, "{}", moved.body);
    let update = g.mailbox.wait_for("anne@example.org", |m| m.subject.contains("Pris en compte"), WAIT);
    assert_eq!(update.subject, format!("Demande {reference} : Pris en compte"));
    assert!(update.text.contains(&format!("/track?reference={reference}")), "{}", update.text);
    assert!(update.html.as_deref().is_some_and(|h| h.contains("Pris en compte")), "{:?}", update.html);

    let inbox = g.get("/api/notifications/inbox", Some(&anne)).json();
    let mut purposes: Vec<&str> = inbox["messages"].as_array().map(|m| m.iter().filter_map(|m| m["purpose"].as_str()).collect()).unwrap_or_default();
    purposes.sort_unstable();
    assert_eq!(purposes, ["request_filed", "request_status"], "{inbox}");
    assert_eq!(inbox["unread"], 2);

    // Anne turns status changes off: the next one is not sent, the decision closing it is.
    let chose = g.send_json("PUT", "/api/notifications/preferences", &json!({"channels": ["email"], "opt_out": ["request_status"]}), Some(&anne));
    assert_eq!(chose.status, 200, "{}", chose.body);
    // Resolving a pothole requires a word to the citizen (the demo workflow).
    for body in [json!({"to": "in-progress"}), json!({"to": "resolved", "message": "Rebouché."})] {
        let moved = g.post(&format!("/api/requests/{reference}/transitions"), &body, Some(&roads));
        assert_eq!(moved.status, 200, "{}", moved.body);
    }
    g.mailbox.wait_for("anne@example.org", |m| m.subject.contains("Résolu"), WAIT);
    let subjects: Vec<String> = g.mailbox.messages().into_iter().filter(|m| m.to == "anne@example.org" && m.subject.contains(&reference)).map(|m| m.subject).collect();
    assert_eq!(
        subjects,
        [format!("Demande {reference} enregistrée"), format!("Demande {reference} : Pris en compte"), format!("Demande {reference} : Résolu")]
    );
}
