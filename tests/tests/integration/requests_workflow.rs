//! The workflow of requests through the real host: transitions allowed per role and
//! department, timeline entries written with each change, internal notes and public messages,
//! assignment, reopening, the overdue sweep, and the immutability of the timeline.

use crate::requests_support;

use guichet_tests::guichet::Guichet;
use guichet_tests::Reply;
use requests_support::{db, errors_of, events};
use serde_json::{json, Value};

const COMMUNE: &str = "demo";
const ALICE: &str = "acct-alice";
const BOB: &str = "acct-bob";
const AGENT: &str = "acct-agent-clean";

fn citizen(g: &Guichet, account: &str) -> String {
    g.keys.access_token(COMMUNE, account, &["citizen"])
}

/// An agent of the cleanliness department (which handles `waste-bin`).
fn agent(g: &Guichet) -> String {
    g.keys
        .access_token_with_departments(COMMUNE, AGENT, &["agent"], &["cleanliness"])
}

fn supervisor(g: &Guichet) -> String {
    g.keys
        .access_token_with_departments(COMMUNE, "acct-supervisor", &["supervisor"], &[])
}

fn admin(g: &Guichet) -> String {
    g.keys.access_token(COMMUNE, "acct-admin", &["admin"])
}

/// A `waste-bin` request filed by the signed-in citizen `token`: (reference, tracking code).
fn file_waste_bin(g: &Guichet, token: &str) -> (String, String) {
    let body = json!({
        "service_code": "waste-bin",
        "description": "Notre bac jaune a été volé cette nuit.",
        "answers": {"address": "3 rue des Lilas", "request": "stolen", "stream": "recycling", "consent": true},
        "contact": {"email": "alice@example.org"},
    });
    let reply = g.post("/api/requests", &body, Some(token));
    assert_eq!(reply.status, 201, "filing: {}", reply.body);
    let json = reply.json();
    (
        json["reference"].as_str().expect("reference").to_owned(),
        json["tracking_code"].as_str().expect("code").to_owned(),
    )
}

fn transition(g: &Guichet, reference: &str, body: Value, token: &str) -> Reply {
    g.post(
        &format!("/api/requests/{reference}/transitions"),
        &body,
        Some(token),
    )
}

fn show(g: &Guichet, reference: &str, token: &str) -> Value {
    let reply = g.get(&format!("/api/requests/{reference}"), Some(token));
    assert_eq!(reply.status, 200, "show: {}", reply.body);
    reply.json()
}

fn entries<'v>(view: &'v Value, kind: &str) -> Vec<&'v Value> {
    view["timeline"]
        .as_array()
        .map(|t| t.iter().filter(|e| e["kind"] == kind).collect())
        .unwrap_or_default()
}

fn timeline_count(g: &Guichet, reference: &str) -> i64 {
    db(g)
        .query_row(
            "SELECT count(*) FROM timeline t JOIN requests r ON r.id = t.request_id WHERE r.reference = ?1",
            [reference],
            |row| row.get(0),
        )
        .expect("count")
}

#[test]
fn an_agent_moves_a_request_along_its_workflow_and_each_step_writes_one_timeline_entry_with_who_from_and_to(
) {
    let g = Guichet::start();
    let (reference, _) = file_waste_bin(&g, &citizen(&g, ALICE));
    let agent = agent(&g);

    let reply = transition(
        &g,
        &reference,
        json!({"to": "processing", "message": "Nous commandons un nouveau bac."}),
        &agent,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let view = reply.json();
    assert_eq!(view["state"], "processing");
    assert_eq!(view["open"], true);
    let reply = transition(&g, &reference, json!({"to": "delivered"}), &agent);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let view = reply.json();
    assert_eq!(
        (view["state"].as_str(), view["open"].as_bool()),
        (Some("delivered"), Some(false))
    );
    assert!(
        view["closed_at"].is_string(),
        "closing sets closed_at: {view}"
    );

    let status = entries(&view, "status");
    assert_eq!(status.len(), 2, "one status entry per step: {view}");
    let steps: Vec<(&str, &str, &str)> = status
        .iter()
        .map(|e| {
            (
                e["from"].as_str().unwrap_or(""),
                e["to"].as_str().unwrap_or(""),
                e["actor_id"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("submitted", "processing", AGENT),
            ("processing", "delivered", AGENT)
        ]
    );
    assert!(status
        .iter()
        .all(|e| e["actor"] == "staff" && e["public"] == true));
    let messages = entries(&view, "message");
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["body"], "Nous commandons un nouveau bac.");

    let changed = events(&g, "status-changed", &reference);
    let moves: Vec<(&str, &str)> = changed
        .iter()
        .map(|p| {
            (
                p["from"].as_str().unwrap_or(""),
                p["to"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        moves,
        [("submitted", "processing"), ("processing", "delivered")]
    );
    assert_eq!(changed[0]["message"], "Nous commandons un nouveau bac.");
    assert_eq!(changed[1]["open"], false);
}

#[test]
fn a_transition_not_allowed_from_the_current_state_is_refused_and_nothing_changes() {
    let g = Guichet::start();
    let (reference, _) = file_waste_bin(&g, &citizen(&g, ALICE));
    let agent = agent(&g);
    let before = timeline_count(&g, &reference);

    let reply = transition(&g, &reference, json!({"to": "delivered"}), &agent);
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert_eq!(
        errors_of(&reply),
        [("to".to_owned(), "transition_not_allowed".to_owned())]
    );
    let message = reply.json()["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        message.contains("processing") && message.contains("withdrawn"),
        "{message}"
    );

    let reply = transition(
        &g,
        &reference,
        json!({"to": "teleported", "message": ""}),
        &agent,
    );
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(
        errors_of(&reply),
        [
            ("message".to_owned(), "empty".to_owned()),
            ("to".to_owned(), "unknown_state".to_owned())
        ]
    );
    let reply = transition(&g, &reference, json!({"state": "processing"}), &agent);
    assert_eq!(reply.status, 400, "{}", reply.body);

    assert_eq!(show(&g, &reference, &agent)["state"], "submitted");
    assert_eq!(
        timeline_count(&g, &reference),
        before,
        "a refused transition writes nothing"
    );
    assert!(events(&g, "status-changed", &reference).is_empty());
}

#[test]
fn a_citizen_cannot_use_an_agents_transition_but_may_withdraw_their_own_request() {
    let g = Guichet::start();
    let alice = citizen(&g, ALICE);
    let (reference, _) = file_waste_bin(&g, &alice);

    let reply = transition(&g, &reference, json!({"to": "processing"}), &alice);
    assert_eq!(reply.status, 403, "{}", reply.body);
    let reply = transition(
        &g,
        &reference,
        json!({"to": "withdrawn"}),
        &citizen(&g, BOB),
    );
    assert_eq!(
        reply.status, 404,
        "another citizen's request does not exist for them: {}",
        reply.body
    );
    let reply = g.post(
        &format!("/api/requests/{reference}/transitions"),
        &json!({"to": "withdrawn"}),
        None,
    );
    assert_eq!(reply.status, 401, "{}", reply.body);
    let reply = transition(
        &g,
        &reference,
        json!({"to": "withdrawn", "note": "secret"}),
        &alice,
    );
    assert_eq!(
        errors_of(&reply),
        [("note".to_owned(), "staff_only".to_owned())]
    );

    let reply = transition(
        &g,
        &reference,
        json!({"to": "withdrawn", "message": "Le bac a été retrouvé."}),
        &alice,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let view = reply.json();
    assert_eq!(
        (view["state"].as_str(), view["open"].as_bool()),
        (Some("withdrawn"), Some(false))
    );
    let status = entries(&view, "status");
    assert_eq!(status.len(), 1);
    assert_eq!(
        (status[0]["actor"].as_str(), status[0]["to"].as_str()),
        (Some("citizen"), Some("withdrawn"))
    );
    assert!(
        view.get("department").is_none(),
        "the citizen gets the owner's view: {view}"
    );
}

#[test]
fn an_agent_of_another_department_is_refused_and_a_supervisor_of_any_department_is_not() {
    let g = Guichet::start();
    let (reference, _) = file_waste_bin(&g, &citizen(&g, ALICE));
    let roads =
        g.keys
            .access_token_with_departments(COMMUNE, "acct-agent-roads", &["agent"], &["roads"]);
    let before = timeline_count(&g, &reference);

    let reply = transition(&g, &reference, json!({"to": "processing"}), &roads);
    assert_eq!(reply.status, 403, "{}", reply.body);
    let reply = g.post(
        &format!("/api/requests/{reference}/notes"),
        &json!({"text": "vu"}),
        Some(&roads),
    );
    assert_eq!(reply.status, 403, "{}", reply.body);
    assert_eq!(timeline_count(&g, &reference), before);

    let reply = transition(&g, &reference, json!({"to": "processing"}), &supervisor(&g));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["state"], "processing");
}

#[test]
fn internal_notes_never_reach_the_citizen_nor_the_tracking_page() {
    let g = Guichet::start();
    let alice = citizen(&g, ALICE);
    let (reference, code) = file_waste_bin(&g, &alice);
    let agent = agent(&g);

    let reply = g.post(
        &format!("/api/requests/{reference}/notes"),
        &json!({"text": "Voisin procédurier, vérifier l'adresse"}),
        Some(&agent),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let reply = transition(
        &g,
        &reference,
        json!({"to": "processing", "note": "Stock de bacs jaunes bas"}),
        &agent,
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let staff = reply.json();
    let notes: Vec<&str> = entries(&staff, "note")
        .iter()
        .filter_map(|e| e["body"].as_str())
        .collect();
    assert_eq!(
        notes,
        [
            "Voisin procédurier, vérifier l'adresse",
            "Stock de bacs jaunes bas"
        ]
    );
    assert!(entries(&staff, "note").iter().all(|e| e["public"] == false));

    let owner = g.get(&format!("/api/requests/{reference}"), Some(&alice));
    assert_eq!(owner.status, 200, "{}", owner.body);
    let mut tracked = requests_support::track(&g, &reference, &code);
    if tracked.status != 200 {
        // The tracking route's method was being settled (GET or POST) when this was written.
        let path = format!("/api/requests/track?reference={reference}&code={code}");
        tracked = g.post(&path, &json!({"reference": reference, "code": code}), None);
    }
    assert_eq!(tracked.status, 200, "{}", tracked.body);
    for (who, reply) in [("owner", &owner), ("tracking", &tracked)] {
        assert!(
            !reply.body.contains("procédurier") && !reply.body.contains("Stock de bacs"),
            "{who} sees a note: {}",
            reply.body
        );
        assert!(entries(&reply.json(), "note").is_empty(), "{who}");
        assert_eq!(
            entries(&reply.json(), "status").len(),
            1,
            "{who} sees the status change"
        );
    }

    let reply = g.post(
        &format!("/api/requests/{reference}/notes"),
        &json!({"text": "moi aussi"}),
        Some(&alice),
    );
    assert_eq!(
        reply.status, 403,
        "citizens write no internal notes: {}",
        reply.body
    );
}

#[test]
fn citizen_and_agent_exchange_messages_and_each_one_is_an_event_for_the_other_side() {
    let g = Guichet::start();
    let alice = citizen(&g, ALICE);
    let (reference, _) = file_waste_bin(&g, &alice);
    let agent = agent(&g);
    let path = format!("/api/requests/{reference}/messages");

    let reply = g.post(
        &path,
        &json!({"text": "Quand passerez-vous ?"}),
        Some(&alice),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let reply = g.post(&path, &json!({"text": "Jeudi matin."}), Some(&agent));
    assert_eq!(reply.status, 201, "{}", reply.body);

    let view = show(&g, &reference, &alice);
    let thread: Vec<(&str, &str)> = entries(&view, "message")
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap_or(""),
                e["body"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        thread,
        [
            ("citizen", "Quand passerez-vous ?"),
            ("staff", "Jeudi matin.")
        ]
    );
    let sent: Vec<(String, String)> = events(&g, "message", &reference)
        .iter()
        .map(|p| {
            (
                p["author"].as_str().unwrap_or("").to_owned(),
                p["text"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        sent,
        [
            ("citizen".to_owned(), "Quand passerez-vous ?".to_owned()),
            ("staff".to_owned(), "Jeudi matin.".to_owned())
        ]
    );

    for (body, code) in [
        (json!({"text": "x".repeat(5001)}), "too_long"),
        (json!({"text": "   "}), "empty"),
        (json!({}), "required"),
    ] {
        let reply = g.post(&path, &body, Some(&alice));
        assert_eq!(reply.status, 400, "{}", reply.body);
        assert_eq!(errors_of(&reply), [("text".to_owned(), code.to_owned())]);
    }
    let reply = g.post(&path, &json!({"text": "Bonjour"}), Some(&citizen(&g, BOB)));
    assert_eq!(reply.status, 404, "{}", reply.body);
    assert_eq!(
        entries(&show(&g, &reference, &alice), "message").len(),
        2,
        "refused messages wrote nothing"
    );
}

#[test]
fn an_agent_takes_a_request_and_only_a_supervisor_moves_it_to_another_department() {
    let g = Guichet::start();
    let alice = citizen(&g, ALICE);
    let (reference, _) = file_waste_bin(&g, &alice);
    let agent = agent(&g);
    let path = format!("/api/requests/{reference}/assignment");

    let reply = g.post(
        &path,
        &json!({"assignee": "acct-someone-else"}),
        Some(&agent),
    );
    assert_eq!(reply.status, 403, "{}", reply.body);
    let reply = g.post(&path, &json!({"department": "roads"}), Some(&agent));
    assert_eq!(reply.status, 403, "{}", reply.body);
    let reply = g.post(&path, &json!({"assignee": AGENT}), Some(&agent));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["assignee"], AGENT);

    let reply = g.post(
        &path,
        &json!({"department": "roads"}),
        Some(&supervisor(&g)),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let view = reply.json();
    assert_eq!(
        (view["department"].as_str(), view["assignee"].as_str()),
        (Some("roads"), None)
    );
    let assigned: Vec<(Value, Value)> = entries(&view, "assigned")
        .iter()
        .map(|e| (e["from"].clone(), e["to"].clone()))
        .collect();
    assert_eq!(
        assigned,
        [
            (Value::Null, json!(AGENT)),
            (json!("cleanliness"), json!("roads")),
            (json!(AGENT), Value::Null)
        ]
    );
    assert!(
        entries(&show(&g, &reference, &alice), "assigned").is_empty(),
        "assignment is internal"
    );
    assert_eq!(events(&g, "assigned", &reference).len(), 2);

    let reply = transition(&g, &reference, json!({"to": "processing"}), &agent);
    assert_eq!(
        reply.status, 403,
        "the request left the agent's department: {}",
        reply.body
    );
    let reply = g.post(&path, &json!({"assignee": 12}), Some(&supervisor(&g)));
    assert_eq!(
        errors_of(&reply),
        [("assignee".to_owned(), "invalid".to_owned())]
    );
}

#[test]
fn a_closed_request_is_reopened_by_a_supervisor_to_the_initial_state_but_not_by_an_agent_or_its_citizen(
) {
    let g = Guichet::start();
    let alice = citizen(&g, ALICE);
    let (reference, _) = file_waste_bin(&g, &alice);
    let agent = agent(&g);
    let path = format!("/api/requests/{reference}/reopen");

    let reply = g.post(
        &path,
        &json!({"reason": "encore ouvert"}),
        Some(&supervisor(&g)),
    );
    assert_eq!(reply.status, 409, "{}", reply.body);
    assert_eq!(
        errors_of(&reply),
        [("state".to_owned(), "not_closed".to_owned())]
    );
    for to in ["processing", "delivered"] {
        assert_eq!(
            transition(&g, &reference, json!({"to": to}), &agent).status,
            200
        );
    }
    let reply = g.post(
        &path,
        &json!({"reason": "Le bac livré est cassé"}),
        Some(&agent),
    );
    assert_eq!(
        reply.status, 403,
        "the workflow gives agents no way back: {}",
        reply.body
    );
    let reply = g.post(
        &path,
        &json!({"reason": "Le bac livré est cassé"}),
        Some(&alice),
    );
    assert_eq!(reply.status, 403, "nor citizens: {}", reply.body);
    let reply = g.post(&path, &json!({}), Some(&supervisor(&g)));
    assert_eq!(
        errors_of(&reply),
        [("reason".to_owned(), "required".to_owned())]
    );

    let reply = g.post(
        &path,
        &json!({"reason": "Le bac livré est cassé"}),
        Some(&supervisor(&g)),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    let view = reply.json();
    assert_eq!(
        (view["state"].as_str(), view["open"].as_bool()),
        (Some("submitted"), Some(true))
    );
    assert!(
        view["closed_at"].is_null(),
        "reopening clears closed_at: {view}"
    );
    let reopened = entries(&view, "reopened");
    assert_eq!(reopened.len(), 1);
    assert_eq!(
        (reopened[0]["from"].as_str(), reopened[0]["to"].as_str()),
        (Some("delivered"), Some("submitted"))
    );
    assert_eq!(reopened[0]["body"], "Le bac livré est cassé");
    let last = events(&g, "status-changed", &reference)
        .pop()
        .expect("an event");
    assert_eq!(
        (last["to"].as_str(), last["reopened"].as_bool()),
        (Some("submitted"), Some(true))
    );
    assert_eq!(
        transition(&g, &reference, json!({"to": "processing"}), &agent).status,
        200,
        "the workflow goes on"
    );
}

#[test]
fn the_overdue_sweep_marks_each_late_request_once_per_expected_date() {
    let g = Guichet::start();
    let alice = citizen(&g, ALICE);
    let (late, _) = file_waste_bin(&g, &alice);
    let (on_time, _) = file_waste_bin(&g, &alice);
    db(&g)
        .execute(
            "UPDATE requests SET expected_on = '2020-01-15' WHERE reference = ?1",
            [&late],
        )
        .expect("backdating");

    let reply = g.post("/api/requests/overdue/sweep", &json!({}), Some(&agent(&g)));
    assert_eq!(reply.status, 403, "{}", reply.body);
    let reply = g.post("/api/requests/overdue/sweep", &json!({}), Some(&admin(&g)));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["marked"], 1);
    let reply = g.post("/api/requests/overdue/sweep", &json!({}), Some(&admin(&g)));
    assert_eq!(reply.json()["marked"], 0, "marked once: {}", reply.body);

    let staff = show(&g, &late, &supervisor(&g));
    let overdue = entries(&staff, "overdue");
    assert_eq!(overdue.len(), 1);
    assert_eq!(
        (overdue[0]["to"].as_str(), overdue[0]["public"].as_bool()),
        (Some("2020-01-15"), Some(false))
    );
    assert_eq!(staff["overdue"], true);
    assert!(entries(&show(&g, &on_time, &supervisor(&g)), "overdue").is_empty());
    let sent = events(&g, "overdue", &late);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["expected_on"], "2020-01-15");

    // A new expected date (here, moved by hand) that passes too is marked again.
    db(&g)
        .execute(
            "UPDATE requests SET expected_on = '2020-02-01' WHERE reference = ?1",
            [&late],
        )
        .expect("moving");
    let reply = g.post("/api/requests/overdue/sweep", &json!({}), Some(&admin(&g)));
    assert_eq!(reply.json()["marked"], 1, "{}", reply.body);
}

#[test]
fn timeline_entries_cannot_be_changed_once_written() {
    let g = Guichet::start();
    let (reference, _) = file_waste_bin(&g, &citizen(&g, ALICE));
    assert_eq!(
        transition(
            &g,
            &reference,
            json!({"to": "processing", "message": "En cours"}),
            &agent(&g)
        )
        .status,
        200
    );
    let conn = db(&g);
    let error = conn
        .execute(
            "UPDATE timeline SET body = 'rewritten' WHERE kind = 'message'",
            [],
        )
        .expect_err("an update of the timeline is refused");
    assert!(error.to_string().contains("immutable"), "{error}");
    let error = conn
        .execute("DELETE FROM timeline WHERE kind = 'status'", [])
        .expect_err("a delete is refused");
    assert!(
        error
            .to_string()
            .contains("deleted only with their request"),
        "{error}"
    );
    let bodies: Vec<String> = entries(&show(&g, &reference, &agent(&g)), "message")
        .iter()
        .filter_map(|e| e["body"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(bodies, ["En cours"]);
}

#[test]
fn a_transition_that_requires_a_message_is_refused_without_it_and_staff_are_told_what_each_requires() {
    let g = Guichet::start();
    let filed = requests_support::file_pothole(&g, None);
    let reference = filed.reference.as_str();
    let roads = requests_support::agent(&g, "acct-agent-roads");
    for to in ["acknowledged", "in-progress"] {
        assert_eq!(transition(&g, reference, json!({"to": to}), &roads).status, 200);
    }

    // The staff view lists what this agent may do from here, with what it requires.
    let view = g.get(&format!("/api/requests/{reference}"), Some(&roads)).json();
    assert_eq!(view["may_act"], true);
    assert_eq!(view["transitions"], json!([{"to": "resolved", "label": {"fr": "Résolu", "en": "Resolved"}, "open": false, "requires": ["message"]}]));
    assert!(view["states"].as_array().is_some_and(|s| s.len() == 6), "{view}");
    // An agent of another department reads it but acts on nothing.
    let culture = g.keys.access_token_with_departments(COMMUNE, "acct-culture", &["agent"], &["culture"]);
    let view = g.get(&format!("/api/requests/{reference}"), Some(&culture)).json();
    assert_eq!((view["may_act"].clone(), view["transitions"].clone()), (json!(false), json!([])));

    // Resolving a pothole needs a word to the citizen (the demo catalogue's workflow).
    let refused = transition(&g, reference, json!({"to": "resolved", "note": "rebouché"}), &roads);
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert_eq!(errors_of(&refused), [("message".to_owned(), "required".to_owned())]);
    let view = g.get(&format!("/api/requests/{reference}"), Some(&roads)).json();
    assert_eq!(view["state"], "in-progress");
    assert!(!view["timeline"].to_string().contains("rebouché"), "nothing written: {view}");

    let done = transition(&g, reference, json!({"to": "resolved", "message": "Le trou est rebouché."}), &roads);
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.json()["state"], "resolved");
}
