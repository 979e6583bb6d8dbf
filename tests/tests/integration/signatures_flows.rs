//! Signing flows (issue 12, item 2): ordered and parallel signers, a quorum, declining with a
//! reason, cancellation and each signer's state; a signer out of turn or not in the flow is
//! refused, and a refusal writes nothing.

use crate::signatures_support::*;

use guichet_tests::guichet::Guichet;
use serde_json::json;

/// A document and three enrolled agents.
fn setup(g: &Guichet) -> (String, [String; 3]) {
    let tokens = [agent(g, "alice"), agent(g, "bob"), agent(g, "chloe")];
    for token in &tokens {
        enrol(g, token);
    }
    let doc = upload(g, &tokens[0], PDF);
    (doc["id"].as_str().expect("id").to_owned(), tokens)
}

fn states(flow: &serde_json::Value) -> Vec<String> {
    flow["signers"]
        .as_array()
        .expect("signers")
        .iter()
        .map(|s| s["state"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn an_ordered_flow_takes_its_signers_in_turn_and_completes_at_its_quorum() {
    let g = Guichet::start();
    let (doc, [alice, bob, chloe]) = setup(&g);
    let flow = start_flow(
        &g,
        &alice,
        &doc,
        "ordered",
        Some(2),
        &[
            ("alice", "comptable"),
            ("bob", "adjoint"),
            ("chloe", "maire"),
        ],
    );
    let id = flow["id"].as_str().expect("id");

    let early = act(&g, &bob, id, "sign", &json!({}));
    assert_eq!(early.status, 409, "{}", early.body);
    assert_eq!(error_of(&early), ("signer".into(), "not_your_turn".into()));
    assert_eq!(count(&g, "signatures"), 0);

    sign(&g, &alice, id);
    let done = sign(&g, &bob, id);
    assert_eq!(done["state"], "completed");
    assert_eq!(states(&done), ["signed", "signed", "skipped"]);
    let kinds: Vec<&str> = done["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|s| s["kind"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(kinds, ["created", "signed", "signed", "completed"]);

    let late = act(&g, &chloe, id, "sign", &json!({}));
    assert_eq!(late.status, 409);
    assert_eq!(error_of(&late), ("flow".into(), "closed".into()));
}

#[test]
fn in_a_parallel_flow_anyone_signs_first_and_declines_can_sink_the_quorum() {
    let g = Guichet::start();
    let (doc, [alice, bob, chloe]) = setup(&g);
    let flow = start_flow(
        &g,
        &alice,
        &doc,
        "parallel",
        Some(2),
        &[("alice", "a"), ("bob", "b"), ("chloe", "c")],
    );
    let id = flow["id"].as_str().expect("id");
    sign(&g, &chloe, id);
    let no_reason = act(&g, &alice, id, "decline", &json!({"reason": "  "}));
    assert_eq!(no_reason.status, 400);
    assert_eq!(error_of(&no_reason).0, "reason");
    let declined = act(
        &g,
        &alice,
        id,
        "decline",
        &json!({"reason": "Montant erroné"}),
    );
    assert_eq!(declined.status, 200, "{}", declined.body);
    assert_eq!(declined.json()["state"], "open");
    let sunk = act(&g, &bob, id, "decline", &json!({"reason": "Pas compétent"})).json();
    assert_eq!(sunk["state"], "declined");
    assert_eq!(states(&sunk), ["declined", "declined", "signed"]);
    assert_eq!(sunk["signers"][0]["reason"], "Montant erroné");
}

#[test]
fn only_the_creator_or_an_administrator_cancels_and_a_cancelled_flow_takes_no_signature() {
    let g = Guichet::start();
    let (doc, [alice, bob, _]) = setup(&g);
    let flow = start_flow(
        &g,
        &alice,
        &doc,
        "parallel",
        None,
        &[("alice", "a"), ("bob", "b")],
    );
    let id = flow["id"].as_str().expect("id");
    assert_eq!(
        act(&g, &bob, id, "cancel", &json!({"reason": "non"})).status,
        403
    );
    let cancelled = act(
        &g,
        &admin(&g, "dora"),
        id,
        "cancel",
        &json!({"reason": "Facture annulée"}),
    );
    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(cancelled.json()["state"], "cancelled");
    assert_eq!(cancelled.json()["cancel_reason"], "Facture annulée");
    assert_eq!(act(&g, &bob, id, "sign", &json!({})).status, 409);
    assert_eq!(count(&g, "signatures"), 0);
}

#[test]
fn bad_flows_are_400s_naming_the_field_and_write_nothing() {
    let g = Guichet::start();
    let (doc, [alice, _, _]) = setup(&g);
    let cases = [
        (
            json!({"document": "nope", "purpose": "p", "mode": "ordered", "signers": [{"account": "bob", "role": "r"}]}),
            "document",
            "unknown",
        ),
        (
            json!({"document": doc, "version": 9, "purpose": "p", "mode": "ordered", "signers": [{"account": "bob", "role": "r"}]}),
            "version",
            "unknown",
        ),
        (
            json!({"document": doc, "purpose": "p", "mode": "ordered", "quorum": 3, "signers": [{"account": "bob", "role": "r"}]}),
            "quorum",
            "out_of_range",
        ),
        (
            json!({"document": doc, "purpose": "p", "mode": "sometimes", "signers": [{"account": "bob", "role": "r"}]}),
            "mode",
            "unknown_value",
        ),
        (
            json!({"document": doc, "purpose": "p", "mode": "ordered", "signers": []}),
            "signers",
            "invalid_length",
        ),
        (
            json!({"document": doc, "purpose": "p", "mode": "ordered", "signers": [{"account": "bob", "role": "r"}, {"account": "bob", "role": "s"}]}),
            "signers[1].account",
            "duplicate",
        ),
        (
            json!({"document": doc, "purpose": "p", "mode": "ordered", "due_on": "2026-02-30", "signers": [{"account": "bob", "role": "r"}]}),
            "due_on",
            "invalid_date",
        ),
        (
            json!({"document": doc, "purpose": "p", "mode": "ordered", "signers": [{"account": "bob", "role": "r", "email": "nope"}]}),
            "signers[0].email",
            "invalid_email",
        ),
    ];
    for (body, field, code) in cases {
        let reply = g.post(&format!("{API}/flows"), &body, Some(&alice));
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        let errors = reply.json()["errors"].clone();
        assert!(
            errors
                .as_array()
                .expect("errors")
                .iter()
                .any(|e| e["field"] == field && e["code"] == code),
            "expected {field}/{code} in {errors}"
        );
    }
    assert_eq!(count(&g, "flows"), 0);
    assert_eq!(count(&g, "flow_signers"), 0);
    assert_eq!(
        g.get(&format!("{API}/flows/nope"), Some(&alice)).status,
        404
    );
    assert_eq!(act(&g, &alice, "nope", "sign", &json!({})).status, 404);
}
