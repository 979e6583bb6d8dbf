//! Identity: password guessing with parallel requests (issue #17, finding 3). Every attempt
//! is counted before its Argon2 hash, atomically, and hashes are bounded per account and in
//! all, so sending many guesses at once buys no extra tries.

use std::sync::Barrier;

use guichet_tests::guichet::{Guichet, PASSWORD};
use guichet_tests::Reply;
use serde_json::json;

const TARGET: &str = "target@exemple.fr";

fn db(g: &Guichet) -> rusqlite::Connection {
    rusqlite::Connection::open(g.host.state_dir.join("identity.db")).expect("identity.db")
}

/// The live count of rate-limit `scope` (one subject per scope in these tests; 0 if none).
fn counter(g: &Guichet, scope: &str) -> i64 {
    db(g)
        .query_row(
            "SELECT COALESCE(SUM(count), 0) FROM throttle_counters WHERE scope = ? AND expires_at > strftime('%s','now')",
            [scope],
            |r| r.get(0),
        )
        .expect("throttle_counters")
}

fn sign_in_from(g: &Guichet, client: &str, email: &str, password: &str) -> Reply {
    let body = json!({"grant_type": "password", "email": email, "password": password}).to_string();
    g.host.send(
        "POST",
        "/api/identity/token",
        &[("content-type", "application/json"), ("x-forwarded-for", client)],
        Some(body.as_bytes()),
    )
}

/// Sends every `(client, email, password)` at once, from one thread each.
fn all_at_once(g: &Guichet, attempts: &[(String, String, String)]) -> Vec<Reply> {
    let start = Barrier::new(attempts.len());
    std::thread::scope(|scope| {
        let threads: Vec<_> = attempts
            .iter()
            .map(|(client, email, password)| {
                let start = &start;
                scope.spawn(move || {
                    start.wait();
                    sign_in_from(g, client, email, password)
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().expect("thread")).collect()
    })
}

fn statuses(replies: &[Reply]) -> (usize, usize) {
    let tried = replies.iter().filter(|r| r.status == 401).count();
    let throttled = replies.iter().filter(|r| r.status == 429).count();
    assert_eq!(tried + throttled, replies.len(), "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
    for reply in replies.iter().filter(|r| r.status == 429) {
        assert!(reply.header("retry-after").is_some_and(|s| s.parse::<u64>().is_ok_and(|s| s >= 1)), "{reply:?}");
    }
    (tried, throttled)
}

fn leases(g: &Guichet) -> i64 {
    db(g).query_row("SELECT COUNT(*) FROM argon2_leases", [], |r| r.get(0)).expect("argon2_leases")
}

#[test]
fn forty_parallel_guesses_on_one_account_get_at_most_five_tries_all_counted() {
    let g = Guichet::start_with(&[("SPIN_VARIABLE_TRUSTED_PROXIES", "127.0.0.1")]);
    // The owner signs in once from their usual address (the proxy's own, no X-Forwarded-For).
    g.citizen(TARGET);
    let attacker = "203.0.113.9";
    let guesses: Vec<_> = (0..40).map(|i| (attacker.to_owned(), TARGET.to_owned(), format!("guess number {i} for you"))).collect();
    let (tried, throttled) = statuses(&all_at_once(&g, &guesses));
    // The limit is 5 failed sign-ins per account and client address in 15 minutes.
    assert!((1..=5).contains(&tried), "{tried} guesses were hashed, {throttled} refused");
    // Every hashed guess was counted, once, on each limit it falls under.
    for scope in ["login-pair", "login-account", "login-client"] {
        assert_eq!(counter(&g, scope), i64::try_from(tried).unwrap_or(0), "{scope}");
    }
    assert_eq!(leases(&g), 0, "a hashing slot was not given back");

    // The policy afterwards, exactly: the attacker's address has its remaining tries...
    for i in tried..5 {
        assert_eq!(sign_in_from(&g, attacker, TARGET, &format!("one more guess {i} here")).status, 401);
    }
    // ...then not even the right password is tried from there,
    let blocked = sign_in_from(&g, attacker, TARGET, PASSWORD);
    assert_eq!(blocked.status, 429, "{}", blocked.body);
    assert_eq!(counter(&g, "login-pair"), 5);
    // while the owner signs in from their usual address, and from a new one (5 of the 20
    // failures an account takes from unknown addresses are used).
    assert_eq!(g.sign_in(TARGET, PASSWORD).status, 200);
    assert_eq!(sign_in_from(&g, "198.51.100.20", TARGET, PASSWORD).status, 200);
    assert_eq!(counter(&g, "login-account"), 5, "a right password counted as a failure");
}

#[test]
fn hashes_beyond_argon2_max_concurrent_are_refused_without_being_counted() {
    let g = Guichet::start_with(&[
        ("SPIN_VARIABLE_TRUSTED_PROXIES", "127.0.0.1"),
        ("SPIN_VARIABLE_ARGON2_MAX_CONCURRENT", "1"),
    ]);
    // Sixteen accounts from sixteen addresses: no rate limit applies, only the hashing bound.
    let attempts: Vec<_> = (1..=16)
        .map(|i| (format!("198.51.100.{i}"), format!("user{i}@exemple.fr"), "not the right password".to_owned()))
        .collect();
    let replies = all_at_once(&g, &attempts);
    let (tried, throttled) = statuses(&replies);
    assert!(tried >= 1 && throttled >= 1, "{tried} hashed, {throttled} refused: no bound on concurrent hashes");
    assert!(replies.iter().filter(|r| r.status == 429).all(|r| r.header("retry-after") == Some("1")));
    assert_eq!(counter(&g, "login-client"), i64::try_from(tried).unwrap_or(0), "a refused attempt was counted");
    assert_eq!(leases(&g), 0);
    // Once the crowd is gone, one at a time goes through.
    assert_eq!(sign_in_from(&g, "198.51.100.1", "user1@exemple.fr", "not the right password").status, 401);
}
