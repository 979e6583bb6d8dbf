//! `guichet-sweep` (deploy/bin), what the systemd timer and the Kubernetes CronJob run: every
//! sweep of every commune answered 2xx with the credentials it was given, and a run whose
//! credentials are refused fails naming each sweep that did not run.

use std::path::Path;
use std::process::Command;

use guichet_tests::guichet::{Guichet, PLATFORM_TOKEN};
use guichet_tests::root;

/// The demo commune's host name, as the sweep sends it (`Host:`).
const DEMO_HOST: &str = "127.0.0.1";

fn sweep(g: &Guichet, credentials: &Path) -> (bool, String) {
    let out = Command::new(root().join("deploy/bin/guichet-sweep"))
        .env("GUICHET_URL", &g.host.base)
        .env("GUICHET_COMMUNES", DEMO_HOST)
        .env("GUICHET_CREDENTIALS_DIR", credentials)
        .output()
        .expect("guichet-sweep");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn every_sweep_of_every_commune_runs_with_an_administrators_token_and_the_platform_token() {
    let g = Guichet::start();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("platform_admin_token"), PLATFORM_TOKEN).expect("write");
    let admin = g.keys.access_token("demo", "scheduler", &["admin"]);
    std::fs::write(dir.path().join(format!("{DEMO_HOST}.token")), admin).expect("write");
    let (ok, text) = sweep(&g, dir.path());
    assert!(ok, "{text}");
    assert!(text.contains("every sweep done"), "{text}");
}

#[test]
fn refused_credentials_fail_the_run_naming_every_sweep_that_did_not_run() {
    let g = Guichet::start();
    let dir = tempfile::tempdir().expect("tempdir");
    // A citizen's token: no sweep is theirs to run; no platform token at all.
    let citizen = g.keys.access_token("demo", "someone", &[]);
    std::fs::write(dir.path().join(format!("{DEMO_HOST}.token")), citizen).expect("write");
    let (ok, text) = sweep(&g, dir.path());
    assert!(!ok);
    for path in [
        "/api/requests/overdue/sweep(403)",
        "/api/identity/outbox/retry(403)",
        "platform_admin_token:missing",
    ] {
        assert!(text.contains(path), "{path} not named: {text}");
    }

    // An account that cannot sign in: the commune is named, nothing else is attempted there.
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join(format!("{DEMO_HOST}.email")),
        "nobody@example.org",
    )
    .expect("write");
    std::fs::write(
        dir.path().join(format!("{DEMO_HOST}.password")),
        "not the password \"at all\"",
    )
    .expect("write");
    let (ok, text) = sweep(&g, dir.path());
    assert!(!ok);
    assert!(text.contains(&format!("{DEMO_HOST}:sign-in")), "{text}");
}
