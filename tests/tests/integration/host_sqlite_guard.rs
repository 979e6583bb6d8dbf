//! A guest's SQL stays inside its own database file: the host refuses `ATTACH` of another
//! file (and `VACUUM INTO`, which attaches one), `load_extension`, and PRAGMAs that change how
//! the file is locked or journaled, while ordinary statements work.

use guichet_tests::{Host, HostConfig, Reply};

fn sql(host: &Host, statement: &str) -> Reply {
    let body = serde_json::json!({ "sql": statement, "params": [] }).to_string();
    host.send("POST", "/probe/sql3/default", &[], Some(body.as_bytes()))
}

#[test]
fn attaching_or_writing_another_file_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = Host::start(HostConfig::probe_in(dir.path()), &dir);
    let target = tempfile::tempdir().expect("target dir");
    let attached = target.path().join("attached.db");
    let vacuumed = target.path().join("copy.db");
    for statement in [
        format!("ATTACH DATABASE '{}' AS other", attached.display()),
        format!("ATTACH 'file:{}?mode=rwc' AS other", attached.display()),
        format!("VACUUM INTO '{}'", vacuumed.display()),
        "SELECT load_extension('/tmp/evil.so')".to_string(),
        "PRAGMA locking_mode=EXCLUSIVE".to_string(),
        "PRAGMA journal_mode=OFF".to_string(),
        "PRAGMA writable_schema=ON".to_string(),
    ] {
        let refused = sql(&host, &statement);
        assert_eq!(refused.status, 400, "{statement}: {}", refused.body);
        assert!(refused.body.contains("not authorized") || refused.body.contains("authorization denied"), "{statement}: {}", refused.body);
    }
    assert!(!attached.exists() && !vacuumed.exists(), "a file was written outside the database");
}

#[test]
fn ordinary_statements_and_the_pragmas_guichet_uses_still_work() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = Host::start(HostConfig::probe_in(dir.path()), &dir);
    for statement in [
        "PRAGMA journal_mode=WAL",
        "PRAGMA synchronous=NORMAL",
        "PRAGMA foreign_keys=ON",
        "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT)",
        "INSERT INTO notes (body) VALUES ('kept')",
        "SELECT name FROM pragma_table_info('notes')",
    ] {
        let reply = sql(&host, statement);
        assert_eq!(reply.status, 200, "{statement}: {}", reply.body);
    }
    assert_eq!(sql(&host, "SELECT body FROM notes").json()["rows"], serde_json::json!([["kept"]]));
}
