//! Durability: an acknowledged submission is never lost, nor is its event.
//!
//! - The host is killed with SIGKILL (`Host::kill`: `std::process::Child::kill` sends SIGKILL
//!   on Unix) in the middle of a burst of concurrent anonymous filings, restarted on the same
//!   state directory, and every reference that was answered 201 is there with its `filed`
//!   timeline entry; the events of those filings are delivered or pending in the outbox, and the
//!   retry sweep delivers what is pending: notifications then holds exactly one event, and one
//!   message, per acknowledged filing.
//! - Notifications down: Guichet runs from a copy of spin.toml in which notifications is not
//!   granted its database, so it answers every event with a 500, as it would with its storage
//!   gone. Filings still succeed; their events wait in the outbox (attempted, not delivered);
//!   once Guichet runs again from the real spin.toml on the same state directory, the sweep
//!   delivers each of them once. No test-only switch exists in the components.
//!
//! The stored rows are read with rusqlite from the state directory (as the identity tests do).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use guichet_tests::mailbox::Mailbox;
use guichet_tests::tokens::TestKeys;
use guichet_tests::{root, Host, HostConfig, Reply};
use serde_json::{json, Value};

const THREADS: usize = 8;
const SWEEP: &str = "/api/requests/outbox/retry";

/// A pothole report by an anonymous citizen at `email` (the demo catalogue's `pothole`).
fn pothole(email: &str) -> Value {
    json!({
        "service_code": "pothole",
        "description": "Nid-de-poule rue de la Gare",
        "answers": {"size": "small", "consent": true},
        "location": {"lat": 45.75, "long": 4.85},
        "contact": {"email": email, "notify": "email"},
        "lang": "fr",
    })
}

fn post(host: &Host, path: &str, bearer: Option<&str>, body: &Value) -> Reply {
    let auth = bearer.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(auth) = auth.as_deref() {
        headers.push(("authorization", auth));
    }
    host.send("POST", path, &headers, Some(body.to_string().as_bytes()))
}

/// Whether `value` holds, anywhere, an object with `"kind": "filed"` (a timeline entry).
fn has_filed_entry(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.get("kind") == Some(&json!("filed")) || map.values().any(has_filed_entry),
        Value::Array(items) => items.iter().any(has_filed_entry),
        _ => false,
    }
}

fn open_db(dir: &std::path::Path, name: &str) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(dir.join(name)).expect("opening a state database");
    conn.busy_timeout(Duration::from_secs(10)).expect("busy timeout");
    conn
}

fn count(conn: &rusqlite::Connection, sql: &str, param: &str) -> i64 {
    conn.query_row(sql, [param], |row| row.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[test]
fn acknowledged_submissions_survive_a_sigkill_and_their_events_are_delivered_by_the_sweep() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("test-key-1");
    let mail = Mailbox::start();
    // A burst of filings from one client address: its hourly filing limit is lifted.
    let config = HostConfig::guichet_identity(dir.path(), &[&keys], &mail.origin())
        .env("SPIN_VARIABLE_REQUEST_LIMITS", "filing_client=100000");
    let host = Host::start(config, &dir);
    // One filing first, so every component is warm and migrated before the burst.
    let warm = post(&host, "/api/requests", None, &pothole("warm@example.org"));
    assert_eq!(warm.status, 201, "{}", warm.body);

    let acknowledged: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let url = host.url("/api/requests");
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (acknowledged, stop, url) = (acknowledged.clone(), stop.clone(), url.clone());
            std::thread::spawn(move || {
                let agent: ureq::Agent = ureq::Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(Duration::from_secs(30)))
                    .build()
                    .into();
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    let email = format!("t{t}-{i}@example.org");
                    i += 1;
                    let sent = agent
                        .post(&url)
                        .header("content-type", "application/json")
                        .send(pothole(&email).to_string().as_bytes());
                    // The host dies mid-burst: a transport error ends this worker.
                    let Ok(mut reply) = sent else { break };
                    let status = reply.status().as_u16();
                    let Ok(text) = reply.body_mut().read_to_string() else { break };
                    if status == 201 {
                        let body: Value = serde_json::from_str(&text).expect("a 201 body is JSON");
                        let reference = body["reference"].as_str().expect("reference").to_owned();
                        acknowledged.lock().expect("lock").insert(reference, email);
                    } else {
                        panic!("a filing was answered {status}: {text}");
                    }
                }
            })
        })
        .collect();

    // Kill once the burst is well under way (and some filings are in flight).
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.lock().expect("lock").len() < 60 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut host = host;
    host.kill();
    stop.store(true, Ordering::SeqCst);
    for worker in workers {
        worker.join().expect("a worker panicked");
    }
    let acknowledged = acknowledged.lock().expect("lock").clone();
    assert!(acknowledged.len() >= 60, "only {} filings were acknowledged before the kill", acknowledged.len());

    let host = host.restart();
    let staff = keys.access_token("demo", "agent-1", &["admin"]);
    for reference in acknowledged.keys() {
        let reply = host.send("GET", &format!("/api/requests/{reference}"), &[("authorization", &format!("Bearer {staff}"))], None);
        assert_eq!(reply.status, 200, "acknowledged {reference} is gone after the kill: {}", reply.body);
        assert!(has_filed_entry(&reply.json()), "{reference} has no `filed` timeline entry: {}", reply.body);
    }

    // Every acknowledged filing's event is in the outbox, delivered or pending.
    let requests_db = open_db(dir.path(), "requests.db");
    for reference in acknowledged.keys() {
        let events = count(
            &requests_db,
            "SELECT count(*) FROM outbox WHERE kind = 'request-filed' AND json_extract(payload, '$.reference') = ?",
            reference,
        );
        assert_eq!(events, 1, "{reference} has {events} request-filed events");
    }
    let pending_before: i64 =
        requests_db.query_row("SELECT count(*) FROM outbox WHERE delivered_at IS NULL", [], |r| r.get(0)).expect("count");

    let admin = keys.access_token("demo", "admin-1", &["admin"]);
    let sweep = post(&host, SWEEP, Some(&admin), &json!({"ignore_backoff": true}));
    assert_eq!(sweep.status, 200, "{}", sweep.body);
    assert_eq!(sweep.json()["pending"], 0, "{}", sweep.body);
    assert_eq!(sweep.json()["delivered"], pending_before, "{}", sweep.body);
    let left: i64 =
        requests_db.query_row("SELECT count(*) FROM outbox WHERE delivered_at IS NULL", [], |r| r.get(0)).expect("count");
    assert_eq!(left, 0);

    // Notifications holds each acknowledged filing's event once, with its one message.
    let notifications_db = open_db(dir.path(), "notifications.db");
    for (reference, email) in &acknowledged {
        let events = count(
            &notifications_db,
            "SELECT count(*) FROM events WHERE kind = 'request-filed' AND json_extract(payload, '$.reference') = ?",
            reference,
        );
        assert_eq!(events, 1, "{reference}: {events} events in notifications");
        let messages = count(&notifications_db, "SELECT count(*) FROM messages WHERE to_address = ?", email);
        assert_eq!(messages, 1, "{reference}: {messages} messages to {email}");
    }
    // What the provider received: never two different messages for one filing.
    let mut ids_per_address: HashMap<String, Vec<String>> = HashMap::new();
    for message in mail.messages() {
        let ids = ids_per_address.entry(message.to).or_default();
        if !ids.contains(&message.message_id) {
            ids.push(message.message_id);
        }
    }
    assert!(ids_per_address.values().all(|ids| ids.len() == 1), "{ids_per_address:?}");
    eprintln!(
        "{} filings acknowledged before the SIGKILL, {pending_before} events pending after restart, all delivered",
        acknowledged.len()
    );
}

/// A copy of spin.toml (in `dir`) in which notifications has no database.
fn manifest_without_notifications_storage(dir: &std::path::Path) -> std::path::PathBuf {
    let text = std::fs::read_to_string(root().join("spin.toml")).expect("spin.toml");
    let grant = "sqlite_databases = [\"notifications\"]";
    assert_eq!(text.matches(grant).count(), 1, "spin.toml no longer grants notifications its database");
    let text = text.replace(grant, "sqlite_databases = []").replace("\"target/", &format!("\"{}/target/", root().display()));
    let path = dir.join("spin-notifications-down.toml");
    std::fs::write(&path, text).expect("writing the manifest copy");
    path
}

#[test]
fn events_written_while_notifications_is_down_wait_in_the_outbox_and_the_sweep_delivers_each_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("test-key-1");
    let mail = Mailbox::start();
    let config = HostConfig::guichet_identity(dir.path(), &[&keys], &mail.origin());
    let mut down = config.clone();
    down.manifest = manifest_without_notifications_storage(dir.path());
    let host = Host::start(down, &dir);

    let mut references = Vec::new();
    for i in 0..3 {
        let reply = post(&host, "/api/requests", None, &pothole(&format!("down-{i}@example.org")));
        assert_eq!(reply.status, 201, "filing must not depend on notifications: {}", reply.body);
        references.push(reply.json()["reference"].as_str().expect("reference").to_owned());
    }
    let admin = keys.access_token("demo", "admin-1", &["admin"]);
    let sweep = post(&host, SWEEP, Some(&admin), &json!({"ignore_backoff": true}));
    assert_eq!(sweep.status, 200, "{}", sweep.body);
    assert_eq!((sweep.json()["delivered"].clone(), sweep.json()["pending"].clone()), (json!(0), json!(3)), "{}", sweep.body);
    assert!(sweep.json()["oldest_pending_at"].is_string(), "{}", sweep.body);
    {
        let db = open_db(dir.path(), "requests.db");
        let mut statement =
            db.prepare("SELECT attempts, delivered_at IS NULL, next_attempt_at IS NOT NULL FROM outbox").expect("prepare");
        let rows: Vec<(i64, bool, bool)> = statement
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("query")
            .map(|r| r.expect("row"))
            .collect();
        assert_eq!(rows.len(), 3);
        // Tried at filing time and by the sweep, still pending, with a next attempt scheduled.
        assert!(rows.iter().all(|&(attempts, pending, scheduled)| attempts >= 2 && pending && scheduled), "{rows:?}");
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(mail.messages().is_empty());

    // Notifications back (the real manifest, the same state): the sweep delivers everything.
    let mut host = host;
    host.kill();
    let host = Host::start_in(config, dir.path().to_path_buf()).unwrap_or_else(|f| panic!("restart:\n{}", f.stderr));
    // Not due yet: a sweep that respects the backoff leaves them.
    let early = post(&host, SWEEP, Some(&admin), &json!({}));
    assert_eq!((early.json()["delivered"].clone(), early.json()["pending"].clone()), (json!(0), json!(3)), "{}", early.body);
    let sweep = post(&host, SWEEP, Some(&admin), &json!({"ignore_backoff": true}));
    assert_eq!((sweep.json()["delivered"].clone(), sweep.json()["pending"].clone()), (json!(3), json!(0)), "{}", sweep.body);
    for (i, reference) in references.iter().enumerate() {
        let message = mail.wait_for(&format!("down-{i}@example.org"), |_| true, Duration::from_secs(20));
        assert!(message.subject.contains(reference.as_str()), "{}", message.subject);
    }
    let again = post(&host, SWEEP, Some(&admin), &json!({"ignore_backoff": true}));
    assert_eq!(again.json()["delivered"], 0, "{}", again.body);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(mail.messages().len(), 3, "each event was told once");
}
