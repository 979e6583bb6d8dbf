//! Identity never loses an e-mail because notifications is away: the message is written to
//! identity's outbox with the change, and handed over later by `POST
//! /api/identity/outbox/retry`.
//!
//! Notifications is made unreachable the way a partition would: the first run uses a copy of
//! spin.toml whose identity may not call `notifications.spin.internal` (the chained call fails
//! as an unreachable service does); the second run, on the same databases, uses the real
//! manifest.

use std::time::Duration;

use guichet_tests::guichet::{token_in, PASSWORD};
use guichet_tests::mailbox::Mailbox;
use guichet_tests::tokens::TestKeys;
use guichet_tests::{manifest_copy, Host, HostConfig};
use serde_json::json;

const EMAIL: &str = "olga@example.org";
const VERIFY: &str = "/account/verify-email";

/// A copy of spin.toml in `dir` where identity cannot reach notifications.
fn manifest_without_notifications_for_identity(dir: &std::path::Path) -> std::path::PathBuf {
    manifest_copy(dir, "spin-no-notifications.toml", |text| {
        let (before, identity) = text.split_once("[component.identity]").expect("identity component");
        let grant = "\"http://notifications.spin.internal\",";
        assert!(identity.contains(grant), "identity no longer chains to notifications");
        format!("{before}[component.identity]{}", identity.replacen(grant, "", 1))
    })
}

fn pending(dir: &std::path::Path) -> i64 {
    let db = rusqlite::Connection::open(dir.join("identity.db")).expect("identity.db");
    db.query_row("SELECT COUNT(*) FROM mail_outbox", [], |r| r.get(0)).expect("count")
}

#[test]
fn a_verification_mail_written_while_notifications_is_unreachable_is_delivered_by_the_retry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("test-key-1");
    let mailbox = Mailbox::start();
    let config = || HostConfig::guichet_identity(dir.path(), &[&keys], &mailbox.origin());

    let mut cut_off = config();
    cut_off.manifest = manifest_without_notifications_for_identity(dir.path());
    let mut host = Host::start_in(cut_off, dir.path().to_path_buf()).expect("host without notifications");
    let reply = host.post_json("/api/identity/register", None, &json!({"email": EMAIL, "password": PASSWORD}));
    assert_eq!(reply.status, 202, "the citizen's answer does not depend on notifications: {}", reply.body);
    std::thread::sleep(Duration::from_millis(500));
    assert!(mailbox.messages().is_empty(), "notifications was reachable after all");
    assert_eq!(pending(dir.path()), 1, "the message waits in identity's outbox");
    host.kill();

    let host = Host::start_in(config(), dir.path().to_path_buf()).expect("host with notifications");
    let admin = keys.access_token("demo", "some-admin-id", &["admin"]);
    let citizen = keys.access_token("demo", "someone", &[]);
    assert_eq!(host.post_json("/api/identity/outbox/retry", None, &json!({})).status, 401);
    assert_eq!(host.post_json("/api/identity/outbox/retry", Some(&citizen), &json!({})).status, 403);
    let retry = host.post_json("/api/identity/outbox/retry", Some(&admin), &json!({}));
    assert_eq!(retry.status, 200, "{}", retry.body);
    assert_eq!(retry.json(), json!({"delivered": 1, "failed": 0, "dropped": 0, "pending": 0}));
    assert_eq!(pending(dir.path()), 0, "a delivered message (it holds a link) is not kept");

    let mail = mailbox.wait_for(EMAIL, |m| m.text.contains(VERIFY), Duration::from_secs(20));
    let token = token_in(&mail.text, VERIFY);
    assert_eq!(host.post_json("/api/identity/verify-email", None, &json!({"token": token})).status, 200);
    let again = host.post_json("/api/identity/outbox/retry", Some(&admin), &json!({}));
    assert_eq!(again.json()["delivered"], 0, "{}", again.body);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(mailbox.messages().iter().filter(|m| m.to == EMAIL).count(), 1, "sent once");
}
