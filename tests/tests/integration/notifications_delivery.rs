//! Every message can be accounted for (issue #11, "Delivery you can account for"): its state
//! follows the provider's answers, failed attempts back off and end, what is given up lands in
//! the commune's dead-letter list where an administrator retries it, a duplicate event gives
//! one message, and each provider takes no more than its rate limit. Agents read the states on
//! the request (`GET /api/notifications/requests/{reference}/messages`).

use guichet_tests::guichet::PLATFORM_TOKEN;
use serde_json::json;

use crate::notifications_support::{errors, start, to_email, API, WAIT};

#[test]
fn a_provider_failing_then_recovering_gives_exactly_one_delivery() {
    let app = start(&[]);
    app.mailbox.set_unavailable(true);
    let told = app.event("ev-outage", "status-changed", "2026-000101", json!([to_email("anne@example.org")]));
    assert_eq!(told["messages"], 1, "{told}");

    let messages = app.messages_of("2026-000101");
    assert_eq!(messages.len(), 1, "{messages:?}");
    let message = &messages[0];
    assert_eq!(message["state"], "temporary_failure", "{message}");
    assert_eq!(message["attempts"], 1);
    assert!(message["last_error"].as_str().unwrap_or("").contains("503"), "{message}");
    assert!(message["next_attempt_at"].is_string(), "a retry is scheduled: {message}");
    let id = message["id"].as_str().expect("id").to_owned();

    // The same event delivered again (requests retries until acknowledged): no second message.
    let again = app.event("ev-outage", "status-changed", "2026-000101", json!([to_email("anne@example.org")]));
    assert_eq!(again["stored"], "duplicate");
    assert_eq!(app.messages_of("2026-000101").len(), 1);

    app.mailbox.set_unavailable(false);
    let retry = app.retry(true);
    assert_eq!(retry["sent"], 1, "{retry}");
    app.mailbox.wait_for("anne@example.org", |m| m.message_id == id, WAIT);
    // Nothing left to send: another run hands nothing over twice.
    assert_eq!(app.retry(true)["attempted"], 0);
    let delivered: Vec<_> = app.mailbox.messages().into_iter().filter(|m| m.message_id == id).collect();
    assert_eq!(delivered.len(), 1, "exactly one delivery");

    let message = &app.messages_of("2026-000101")[0];
    assert_eq!((message["state"].as_str(), message["attempts"].as_i64()), (Some("delivered"), Some(2)), "{message}");
    assert!(message["last_error"].is_null() && message["sent_at"].is_string(), "{message}");
    assert!(message.get("text").is_none(), "agents see states, not texts (they hold links)");
}

#[test]
fn a_permanent_refusal_lands_in_the_dead_letters_and_an_administrator_retries_it() {
    let app = start(&[]);
    app.mailbox.answer_with(Some(422));
    app.event("ev-refused", "status-changed", "2026-000102", json!([to_email("bob@example.org")]));
    let message = &app.messages_of("2026-000102")[0];
    assert_eq!(message["state"], "permanent_failure", "{message}");
    let id = message["id"].as_str().expect("id").to_owned();

    // Only administrators see and retry the dead letters.
    let listed = app.call("GET", &format!("{API}/dead-letters"), &app.agent(), None);
    assert_eq!(listed.status, 403, "{}", listed.body);
    let listed = app.call("GET", &format!("{API}/dead-letters"), &app.admin(), None);
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.header("cache-control"), Some("no-store"));
    let dead = listed.json()["messages"].clone();
    assert_eq!(dead.as_array().map(Vec::len), Some(1), "{dead}");
    assert_eq!(dead[0]["id"], id.as_str());
    assert!(dead[0]["last_error"].as_str().unwrap_or("").contains("422"), "{dead}");

    let unknown = app.call("POST", &format!("{API}/dead-letters/nope/retry"), &app.admin(), None);
    assert_eq!(unknown.status, 404, "{}", unknown.body);

    // The provider takes it now (the address was fixed on its side).
    app.mailbox.answer_with(None);
    let retried = app.call("POST", &format!("{API}/dead-letters/{id}/retry"), &app.admin(), None);
    assert_eq!(retried.status, 200, "{}", retried.body);
    assert_eq!(retried.json()["state"], "delivered", "{}", retried.body);
    app.mailbox.wait_for("bob@example.org", |m| m.message_id == id, WAIT);
    let listed = app.call("GET", &format!("{API}/dead-letters"), &app.admin(), None).json();
    assert_eq!(listed["messages"], json!([]), "{listed}");
    // A delivered message is no dead letter: retrying it again is a 404.
    let again = app.call("POST", &format!("{API}/dead-letters/{id}/retry"), &app.admin(), None);
    assert_eq!(again.status, 404, "{}", again.body);
}

#[test]
fn over_the_provider_rate_limit_messages_wait_for_the_next_minute_without_losing_an_attempt() {
    let app = start(&[("SPIN_VARIABLE_PROVIDER_LIMITS", "mail=2")]);
    let recipients = json!([to_email("a@example.org"), to_email("b@example.org"), to_email("c@example.org")]);
    app.event("ev-burst", "status-changed", "2026-000103", recipients);
    let messages = app.messages_of("2026-000103");
    let states: Vec<_> = messages.iter().map(|m| m["state"].as_str().unwrap_or("").to_owned()).collect();
    assert_eq!(states, ["delivered", "delivered", "queued"], "{messages:?}");
    let held = &messages[2];
    assert_eq!(held["attempts"], 0, "the held message lost no attempt: {held}");
    assert_eq!(held["last_error"], "provider_rate_limited");
    assert_eq!(app.mailbox.posts(), 2);
}

#[test]
fn the_public_api_needs_a_token_of_the_commune_and_checks_its_input() {
    let app = start(&[]);
    let anonymous = app.host.send("GET", &format!("{API}/requests/2026-000001/messages"), &[], None);
    assert_eq!(anonymous.status, 401, "{}", anonymous.body);
    let citizen = app.call("GET", &format!("{API}/requests/2026-000001/messages"), &app.bearer("c-1", &["citizen"]), None);
    assert_eq!(citizen.status, 403, "{}", citizen.body);
    let bad = app.call("GET", &format!("{API}/requests/2026%0A1/messages"), &app.agent(), None);
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert_eq!(errors(&bad), [("reference".to_owned(), "invalid".to_owned())]);
    let limit = app.call("GET", &format!("{API}/dead-letters?limit=0"), &app.admin(), None);
    assert_eq!(errors(&limit), [("limit".to_owned(), "out_of_range".to_owned())]);
    let health = app.host.get(&format!("{API}/health"));
    assert_eq!(health.status, 200, "{}", health.body);
}

#[test]
fn the_sweep_takes_the_platform_token_or_a_commune_administrator_and_says_what_it_did() {
    let app = start(&[]);
    app.mailbox.set_unavailable(true);
    app.event("ev-sweep", "status-changed", "2026-000104", json!([to_email("anne@example.org")]));
    let platform = format!("Bearer {PLATFORM_TOKEN}");
    let swept = app.call("POST", &format!("{API}/sweep"), &platform, None);
    assert_eq!(swept.status, 200, "{}", swept.body);
    // The message is not due yet (backoff): the sweep leaves it for later.
    assert_eq!(swept.json()["attempted"], 0, "{}", swept.body);
    assert_eq!(app.call("POST", &format!("{API}/sweep"), &app.admin(), None).status, 200);
    assert_eq!(app.call("POST", &format!("{API}/sweep"), &app.agent(), None).status, 403);
    assert_eq!(app.call("POST", &format!("{API}/sweep"), "Bearer not-the-platform-token", None).status, 401);
}
