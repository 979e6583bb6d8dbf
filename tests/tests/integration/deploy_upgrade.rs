//! Upgrades keep what earlier releases stored. Each directory of `tests/fixtures/releases/`
//! holds the databases of a Guichet of one release, with data in them, as SQL text (one
//! `<database>.sql` per store) and `facts.json` naming what they hold. The current build is
//! started on them: every component must migrate its schema forward and serve the old data
//! (a citizen signs in and finds their request, an anonymous filer tracks theirs, staff see the
//! messages sent, the catalogue is there, filing goes on with new references).
//!
//! A release's fixture is written once, by the build of that release, with
//! `GUICHET_RELEASE_FIXTURE=<name> cargo test --release -p guichet-tests --test integration --
//! deploy_upgrade::write_release_fixture --ignored` (docs/DEPLOY.md, "Upgrades"), and never
//! edited afterwards: it is what a commune running that release has on disk.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use guichet_tests::guichet::{tokens_of, Guichet, PASSWORD};
use guichet_tests::mailbox::Mailbox;
use guichet_tests::tokens::TestKeys;
use guichet_tests::{root, Host, HostConfig};
use serde_json::{json, Value};

use crate::requests_support::{agent, anonymous_report, file, pothole_body, staff, track};

/// The components whose health answer names their database's schema version.
const HEALTH: &[(&str, &str)] = &[
    ("identity", "/api/identity/health"),
    ("catalog", "/api/catalog/health"),
    ("requests", "/api/requests/health"),
    ("notifications", "/api/notifications/health"),
    ("signatures", "/api/signatures/health"),
];

fn releases() -> Vec<PathBuf> {
    let dir = root().join("tests/fixtures/releases");
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.join("facts.json").is_file())
        .collect();
    found.sort();
    found
}

fn schema_versions(g: &Guichet) -> Value {
    let mut versions = serde_json::Map::new();
    for (component, path) in HEALTH {
        let reply = g.get(path, None);
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        versions.insert((*component).to_owned(), reply.json()["schema_version"].clone());
    }
    Value::Object(versions)
}

/// Waits until notifications lists at least one delivered message about `reference`.
fn messages_delivered(g: &Guichet, reference: &str, bearer: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let reply = g.get(&format!("/api/notifications/requests/{reference}/messages"), Some(bearer));
        assert_eq!(reply.status, 200, "{}", reply.body);
        let body = reply.json();
        let delivered = body["messages"]
            .as_array()
            .is_some_and(|m| m.iter().any(|m| m["state"] == "delivered"));
        if delivered || Instant::now() > deadline {
            return body;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
#[ignore = "writes a release's fixture: run once, by hand, with GUICHET_RELEASE_FIXTURE=<name>"]
fn write_release_fixture() {
    let name = std::env::var("GUICHET_RELEASE_FIXTURE").expect("GUICHET_RELEASE_FIXTURE=<release name>");
    let out = root().join("tests/fixtures/releases").join(&name);
    assert!(!out.exists(), "{} exists: a release's fixture is never rewritten", out.display());

    let g = Guichet::start();
    let citizen_email = "camille.upgrade@example.org";
    let tokens = g.citizen(citizen_email);
    let mut body = pothole_body(citizen_email);
    body["description"] = json!("Nid-de-poule déposé avant la mise à jour");
    let signed_in = file(&g, &body, Some(&tokens.access));
    let anonymous = anonymous_report(&g, "dominique.upgrade@example.org");
    let roads = agent(&g, "agent-roads");
    let moved = g.post(
        &format!("/api/requests/{}/transitions", signed_in.reference),
        &json!({"to": "acknowledged", "message": "Nous passons voir cette semaine."}),
        Some(&roads),
    );
    assert_eq!(moved.status, 200, "{}", moved.body);
    let admin = staff(&g, "admin-upgrade", &["admin"]);
    let messages = messages_delivered(&g, &signed_in.reference, &admin);
    assert!(messages["messages"].as_array().is_some_and(|m| !m.is_empty()), "{messages}");
    let versions = schema_versions(&g);

    let mut host = g.host;
    host.kill();
    std::fs::create_dir_all(&out).expect("fixture dir");
    let mut databases = Vec::new();
    for entry in std::fs::read_dir(&host.state_dir).expect("state dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "db") {
            let stem = path.file_stem().and_then(|s| s.to_str()).expect("name").to_owned();
            let dump = Command::new("sqlite3").arg(&path).arg(".dump").output().expect("sqlite3");
            assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
            std::fs::write(out.join(format!("{stem}.sql")), &dump.stdout).expect("write dump");
            databases.push(stem);
        }
    }
    databases.sort();
    let commit = Command::new("git").args(["rev-parse", "HEAD"]).current_dir(root()).output().expect("git");
    let facts = json!({
        "release": name,
        "commit": String::from_utf8_lossy(&commit.stdout).trim(),
        "databases": databases,
        "schema_versions": versions,
        "citizen": {"email": citizen_email, "password": PASSWORD},
        "signed_in_request": {"reference": signed_in.reference, "tracking_code": signed_in.tracking_code, "state": "acknowledged"},
        "anonymous_request": {"reference": anonymous.reference, "tracking_code": anonymous.tracking_code, "state": "submitted"},
    });
    std::fs::write(out.join("facts.json"), serde_json::to_string_pretty(&facts).expect("json") + "\n").expect("facts");
}

/// Loads a release's SQL dumps into `state` as the databases the host opens.
fn load_release(release: &Path, state: &Path) {
    for entry in std::fs::read_dir(release).expect("release dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "sql") {
            let stem = path.file_stem().and_then(|s| s.to_str()).expect("name");
            let sql = std::fs::read_to_string(&path).expect("dump");
            let conn = rusqlite::Connection::open(state.join(format!("{stem}.db"))).expect("open");
            conn.execute_batch(&sql).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
    }
}

#[test]
fn every_earlier_release_upgrades_in_place_and_serves_its_data() {
    let releases = releases();
    assert!(!releases.is_empty(), "no release fixture in tests/fixtures/releases");
    for release in releases {
        let facts: Value =
            serde_json::from_str(&std::fs::read_to_string(release.join("facts.json")).expect("facts")).expect("facts json");
        let dir = tempfile::tempdir().expect("tempdir");
        load_release(&release, dir.path());
        let keys = TestKeys::generate("after-upgrade");
        let mailbox = Mailbox::start();
        let config = HostConfig::guichet_identity(dir.path(), &[&keys], &mailbox.origin());
        let host = Host::start_in(config, dir.path().to_path_buf())
            .unwrap_or_else(|f| panic!("{}: the current build did not start: {}", release.display(), f.stderr));
        let g = Guichet::around(host, mailbox, keys, dir);
        let what = release.display().to_string();

        // Every schema moved forward (or stayed), never backward.
        let now = schema_versions(&g);
        for (component, before) in facts["schema_versions"].as_object().expect("versions") {
            let (before, after) = (before.as_i64().expect("old version"), now[component].as_i64().expect("new version"));
            assert!(after >= before, "{what}: {component} went from schema {before} to {after}");
        }

        // The anonymous filer tracks their request with the code they were given.
        let anon = &facts["anonymous_request"];
        let tracked = track(&g, anon["reference"].as_str().expect("ref"), anon["tracking_code"].as_str().expect("code"));
        assert_eq!(tracked.status, 200, "{what}: {}", tracked.body);
        assert_eq!(tracked.json()["state"], anon["state"], "{what}");

        // The citizen signs in with the password of before and finds their request.
        let citizen = &facts["citizen"];
        let signed = g.sign_in(citizen["email"].as_str().expect("email"), citizen["password"].as_str().expect("password"));
        assert_eq!(signed.status, 200, "{what}: {}", signed.body);
        let access = tokens_of(&signed).access;
        let mine = g.get("/api/requests/mine", Some(&access));
        assert_eq!(mine.status, 200, "{what}: {}", mine.body);
        let old = &facts["signed_in_request"];
        assert!(mine.body.contains(old["reference"].as_str().expect("ref")), "{what}: {}", mine.body);
        let shown = g.get(&format!("/api/requests/{}", old["reference"].as_str().expect("ref")), Some(&access));
        assert_eq!(shown.status, 200, "{what}: {}", shown.body);
        assert_eq!(shown.json()["state"], old["state"], "{what}");

        // Staff still see which messages went out about it.
        let admin = staff(&g, "admin-after", &["admin"]);
        let messages = g.get(&format!("/api/notifications/requests/{}/messages", old["reference"].as_str().expect("ref")), Some(&admin));
        assert_eq!(messages.status, 200, "{what}: {}", messages.body);
        assert!(messages.json()["messages"].as_array().is_some_and(|m| !m.is_empty()), "{what}: {}", messages.body);

        // Filing goes on, with a reference of its own.
        let new = file(&g, &pothole_body("nouveau@example.org"), None);
        assert_ne!(new.reference, old["reference"].as_str().expect("ref"), "{what}");
        assert_ne!(new.reference, anon["reference"].as_str().expect("ref"), "{what}");
    }
}
