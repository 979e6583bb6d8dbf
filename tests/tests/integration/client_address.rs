//! The client address that rate limits count, one rule for every component (issue #17,
//! finding 6): behind a trusted proxy, the rightmost `X-Forwarded-For` entry the proxy wrote;
//! from anyone else, the peer; IPv6 clients by /64. Checked on identity's limit of reset
//! requests (10 per client address an hour) and requests' limit of failed look-ups
//! (`POST /api/requests/track`, 20 per client address in 15 minutes).

use guichet_tests::guichet::Guichet;
use guichet_tests::Reply;
use serde_json::json;

fn from(g: &Guichet, forwarded: &str, path: &str, body: &serde_json::Value) -> Reply {
    g.host.send(
        "POST",
        path,
        &[("content-type", "application/json"), ("x-forwarded-for", forwarded)],
        Some(body.to_string().as_bytes()),
    )
}

/// A password-reset request for a new unknown address: 202, or 429 once the client is over.
fn reset(g: &Guichet, forwarded: &str) -> u16 {
    let address = format!("nobody-{}@exemple.fr", next_number());
    from(g, forwarded, "/api/identity/password-reset", &json!({"email": address})).status
}

/// A look-up that fails: 404, or 429 once the client failed too often.
fn wrong_lookup(g: &Guichet, forwarded: &str) -> u16 {
    from(g, forwarded, "/api/requests/track", &json!({"reference": "2026-000001", "code": "ABCD-EFGH-JKLM-NPQR"})).status
}

fn next_number() -> usize {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    NEXT.fetch_add(1, Ordering::SeqCst)
}

/// Uses up `forwarded`'s limits in identity and in requests: the next try of each is 429.
fn use_up(g: &Guichet, forwarded: &dyn Fn(usize) -> String) {
    for i in 0..10 {
        assert_eq!(reset(g, &forwarded(i)), 202, "reset {i}");
    }
    assert_eq!(reset(g, &forwarded(10)), 429);
    for i in 0..20 {
        assert_eq!(wrong_lookup(g, &forwarded(i)), 404, "look-up {i}");
    }
    assert_eq!(wrong_lookup(g, &forwarded(20)), 429);
}

fn still_free(g: &Guichet, forwarded: &str) {
    assert_eq!(reset(g, forwarded), 202, "identity counted {forwarded} with someone else");
    assert_eq!(wrong_lookup(g, forwarded), 404, "requests counted {forwarded} with someone else");
}

#[test]
fn two_clients_behind_the_trusted_proxy_have_separate_limits_in_identity_and_in_tracking() {
    let g = Guichet::start_with(&[("SPIN_VARIABLE_TRUSTED_PROXIES", "127.0.0.1")]);
    use_up(&g, &|_| "203.0.113.1".to_owned());
    still_free(&g, "203.0.113.2");
}

#[test]
fn by_default_clients_behind_a_proxy_on_the_same_machine_are_told_apart() {
    // No trusted_proxies setting: spin.toml's default (loopback and private networks).
    let g = Guichet::start();
    use_up(&g, &|_| "203.0.113.1".to_owned());
    still_free(&g, "203.0.113.2");
}

#[test]
fn a_forwarded_for_from_an_untrusted_peer_or_left_of_the_proxys_entry_is_ignored() {
    let g = Guichet::start_with(&[("SPIN_VARIABLE_TRUSTED_PROXIES", "192.0.2.1")]);
    // The peer (127.0.0.1) is no trusted proxy: a new X-Forwarded-For each time changes nothing.
    use_up(&g, &|i| format!("203.0.113.{i}"));
    drop(g);

    let g = Guichet::start_with(&[("SPIN_VARIABLE_TRUSTED_PROXIES", "127.0.0.1")]);
    // Behind the proxy, a client writing its own entries before the proxy's gains nothing.
    use_up(&g, &|i| format!("198.51.100.{i}, 203.0.113.1"));
    still_free(&g, "203.0.113.1, 203.0.113.2");
}

#[test]
fn ipv6_addresses_in_one_slash_64_share_a_limit() {
    let g = Guichet::start_with(&[("SPIN_VARIABLE_TRUSTED_PROXIES", "127.0.0.1")]);
    use_up(&g, &|i| format!("2001:db8:1:2::{:x}", i + 1));
    assert_eq!(reset(&g, "2001:db8:1:2:ffff:ffff:ffff:ffff"), 429);
    assert_eq!(wrong_lookup(&g, "2001:db8:1:2:ffff:ffff:ffff:ffff"), 429);
    still_free(&g, "2001:db8:1:3::1");
}
