//! Backups of a running Guichet and their restore, end to end: a request is filed, every
//! database is copied while the host serves (`guichet-host backup`), the state is wiped, the
//! copies are put back (`guichet-host restore`), and the request is tracked again.

use std::path::Path;
use std::process::{Command, Output};

use guichet_tests::mailbox::Mailbox;
use guichet_tests::tokens::TestKeys;
use guichet_tests::{root, Host, HostConfig};
use serde_json::{json, Value};

use crate::requests_support::pothole_body;

fn guichet_host(args: &[&str], config: &Path, state: &Path) -> Output {
    Command::new(root().join("target/release/guichet-host"))
        .args(args)
        .arg("--from")
        .arg(root().join("spin.toml"))
        .arg("--state-dir")
        .arg(state)
        .arg("--runtime-config-file")
        .arg(config)
        .current_dir(state)
        .output()
        .expect("running guichet-host")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn track(host: &Host, filed: &Value) -> (u16, Value) {
    let reply = host.post_json(
        "/api/requests/track",
        None,
        &json!({"reference": filed["reference"], "code": filed["tracking_code"]}),
    );
    let body = if reply.status == 200 {
        reply.json()
    } else {
        Value::Null
    };
    (reply.status, body)
}

#[test]
fn a_request_filed_before_an_online_backup_is_tracked_again_after_wipe_and_restore() {
    let dir = tempfile::tempdir().expect("tempdir");
    let backups = tempfile::tempdir().expect("tempdir");
    let mailbox = Mailbox::start();
    let config =
        HostConfig::guichet_identity(dir.path(), &[&TestKeys::generate("k1")], &mailbox.origin());
    let runtime_config = config.runtime_config.clone().expect("runtime config");
    let mut host = Host::start(config.clone(), &dir);
    let filed = host.post_json("/api/requests", None, &pothole_body("camille@example.org"));
    assert_eq!(filed.status, 201, "{}", filed.body);
    let filed = filed.json();

    // Online: the host keeps serving during and after the copy.
    let backup_dir = backups.path().join("nightly");
    let out = guichet_host(
        &["backup", "--to", backup_dir.to_str().expect("utf-8")],
        &runtime_config,
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(track(&host, &filed).0, 200);
    let listed: Value = serde_json::from_str(
        &std::fs::read_to_string(backup_dir.join("backup.json")).expect("backup.json"),
    )
    .expect("json");
    let labels: Vec<&str> = listed["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["label"].as_str())
        .collect();
    for label in ["identity", "catalog", "requests", "notifications", "portal"] {
        assert!(labels.contains(&label), "{label} not backed up: {listed:#}");
    }

    // A request filed after the backup is not in it.
    let later = host
        .post_json(
            "/api/requests",
            None,
            &pothole_body("dominique@example.org"),
        )
        .json();
    host.kill();
    for entry in std::fs::read_dir(dir.path()).expect("state dir") {
        let path = entry.expect("entry").path();
        if path
            .extension()
            .is_some_and(|e| e == "db" || e == "db-wal" || e == "db-shm")
        {
            std::fs::remove_file(&path).expect("wipe");
        }
    }

    let out = guichet_host(
        &[
            "restore",
            "--from-backup",
            backup_dir.to_str().expect("utf-8"),
        ],
        &runtime_config,
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("requests.db"), "{}", text(&out));
    let host = Host::start_in(config, dir.path().to_path_buf())
        .unwrap_or_else(|f| panic!("restart: {}", f.stderr));
    let (status, view) = track(&host, &filed);
    assert_eq!(status, 200);
    assert_eq!(view["reference"], filed["reference"]);
    assert_eq!(track(&host, &later).0, 404, "filed after the backup");
}

#[test]
fn a_restore_over_live_databases_is_refused_unless_forced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = HostConfig::guichet_in(dir.path());
    let runtime_config = config.runtime_config.clone().expect("runtime config");
    let host = Host::start(config, &dir);
    assert_eq!(host.get("/health").status, 200);
    let backup_dir = dir.path().join("backup");
    let out = guichet_host(
        &["backup", "--to", backup_dir.to_str().expect("utf-8")],
        &runtime_config,
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let out = guichet_host(
        &[
            "restore",
            "--from-backup",
            backup_dir.to_str().expect("utf-8"),
        ],
        &runtime_config,
        dir.path(),
    );
    assert!(!out.status.success());
    assert!(
        text(&out).contains("exists") && text(&out).contains("--force"),
        "{}",
        text(&out)
    );
    let out = guichet_host(
        &["backup", "--to", backup_dir.to_str().expect("utf-8")],
        &runtime_config,
        dir.path(),
    );
    assert!(
        !out.status.success(),
        "a backup never writes into a used directory"
    );
}
