//! A contact given without an account may be anyone's (issue #17, finding 1): it gets at most
//! the receipt, which carries a link confirming it, and the request's updates only once its
//! holder confirmed. The link's token travels in the URL's fragment (never sent to a server)
//! and is confirmed by a POST, once.

use crate::requests_support;

use std::time::Duration;

use guichet_tests::guichet::{token_in, Guichet};
use requests_support::*;
use serde_json::json;

const CONFIRM: &str = "/api/requests/contacts/confirm";
const WAIT: Duration = Duration::from_secs(20);

fn move_to(g: &Guichet, reference: &str, state: &str) {
    let agent = agent(g, "acct-agent");
    let reply = g.post(&format!("{REQUESTS}/{reference}/transitions"), &json!({"to": state}), Some(&agent));
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// The messages `to` received after a moment.
fn received(g: &Guichet, to: &str) -> Vec<String> {
    std::thread::sleep(Duration::from_millis(500));
    g.mailbox.messages().into_iter().filter(|m| m.to == to).map(|m| m.subject).collect()
}

#[test]
fn an_unverified_email_contact_gets_the_receipt_with_a_confirmation_link_but_not_the_status_change() {
    let g = Guichet::start();
    let filed = anonymous_report(&g, "victim@example.org");
    let receipt = g.mailbox.wait_for("victim@example.org", |_| true, WAIT);
    assert!(receipt.text.contains(&format!("{CONFIRM}#token=")), "{}", receipt.text);
    move_to(&g, &filed.reference, "acknowledged");
    assert_eq!(received(&g, "victim@example.org"), [receipt.subject]);
}

#[test]
fn once_confirmed_the_contact_gets_the_next_status_change_and_the_link_works_once() {
    let g = Guichet::start();
    let filed = anonymous_report(&g, "camille@example.org");
    let token = g.link_token("camille@example.org", CONFIRM);
    let reply = g.post(CONFIRM, &json!({"token": token}), None);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json(), json!({"reference": filed.reference, "confirmed": true}));
    let again = g.post(CONFIRM, &json!({"token": token}), None);
    assert_eq!((again.status, errors_of(&again)), (400, vec![pair("token", "invalid_or_expired")]));

    move_to(&g, &filed.reference, "acknowledged");
    let update = g.mailbox.wait_for("camille@example.org", |m| m.subject.contains("Pris en compte"), WAIT);
    assert!(!update.text.contains(CONFIRM), "a verified contact gets no link: {}", update.text);
}

#[test]
fn the_confirmation_page_holds_no_token_and_its_form_confirms() {
    let g = Guichet::start();
    anonymous_report(&g, "camille@example.org");
    let page = g.get(CONFIRM, None);
    assert_eq!(page.status, 200);
    assert!(page.header("content-security-policy").is_some_and(|c| c.contains("default-src 'none'")));
    assert!(page.body.contains("<form method=\"post\""), "{}", page.body);
    let token = g.link_token("camille@example.org", CONFIRM);
    let form = |token: &str| {
        g.host.send(
            "POST",
            CONFIRM,
            &[("content-type", "application/x-www-form-urlencoded")],
            Some(format!("token={token}").as_bytes()),
        )
    };
    let wrong = form("00000000000000000000000000000000");
    assert_eq!(wrong.status, 400);
    let done = form(&token);
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.body.contains("Adresse confirmée"), "{}", done.body);
}

#[test]
fn a_follower_without_an_account_gets_its_follow_receipt_and_updates_only_once_confirmed() {
    let g = Guichet::start();
    let filed = anonymous_report(&g, "first@example.org");
    let reply = g.post(
        &format!("{REQUESTS}/{}/follow", filed.reference),
        &json!({"contact": {"email": "neighbour@example.org"}}),
        None,
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let receipt = g.mailbox.wait_for("neighbour@example.org", |_| true, WAIT);
    assert_eq!(receipt.subject, format!("Vous suivez la demande {}", filed.reference));
    move_to(&g, &filed.reference, "acknowledged");
    assert_eq!(received(&g, "neighbour@example.org"), [receipt.subject.clone()]);

    let token = token_in(&receipt.text, CONFIRM);
    assert_eq!(g.post(CONFIRM, &json!({"token": token}), None).status, 200);
    move_to(&g, &filed.reference, "in-progress");
    g.mailbox.wait_for("neighbour@example.org", |m| m.subject.contains("Intervention programmée"), WAIT);
}

#[test]
fn a_reporter_whose_report_was_merged_confirms_with_their_own_receipt_and_gets_the_originals_updates() {
    let g = Guichet::start();
    let original = anonymous_report(&g, "first@example.org");
    let duplicate = anonymous_report(&g, "second@example.org");
    let token = g.link_token("second@example.org", CONFIRM);
    let agent = agent(&g, "acct-agent");
    let reply = g.post(
        &format!("{REQUESTS}/{}/merge", duplicate.reference),
        &json!({"into": original.reference}),
        Some(&agent),
    );
    assert_eq!(reply.status, 200, "{}", reply.body);
    move_to(&g, &original.reference, "acknowledged");
    assert!(
        !received(&g, "second@example.org").iter().any(|s| s.contains("Pris en compte")),
        "not confirmed yet"
    );
    assert_eq!(g.post(CONFIRM, &json!({"token": token}), None).status, 200);
    move_to(&g, &original.reference, "in-progress");
    let update = g.mailbox.wait_for("second@example.org", |m| m.subject.contains("Intervention programmée"), WAIT);
    assert!(update.subject.contains(&original.reference), "{}", update.subject);
}

#[test]
fn the_confirmation_token_is_kept_only_as_its_hash() {
    let g = Guichet::start();
    anonymous_report(&g, "camille@example.org");
    let token = g.link_token("camille@example.org", CONFIRM);
    // The event is marked delivered just after the message left: give it a moment.
    let deadline = std::time::Instant::now() + WAIT;
    while let Some(place) = holding(&g, &token) {
        assert!(std::time::Instant::now() < deadline, "{place} holds the token");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The first database table (other than notifications' messages, the message itself) whose
/// rows hold `token`.
fn holding(g: &Guichet, token: &str) -> Option<String> {
    for name in ["requests.db", "notifications.db"] {
        let conn = rusqlite::Connection::open(g.host.state_dir.join(name)).expect("a state database");
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
            .expect("tables");
        for table in tables.iter().filter(|t| *t != "messages") {
            let rows: Vec<String> = conn
                .prepare(&format!("SELECT * FROM \"{table}\""))
                .and_then(|mut s| {
                    let n = s.column_count();
                    s.query_map([], |r| {
                        Ok((0..n)
                            .map(|i| r.get::<_, rusqlite::types::Value>(i).map(|v| format!("{v:?}")).unwrap_or_default())
                            .collect::<Vec<_>>()
                            .join(" "))
                    })?
                    .collect()
                })
                .expect("rows");
            if rows.iter().any(|row| row.contains(token)) {
                return Some(format!("{name}: {table}"));
            }
        }
    }
    None
}
