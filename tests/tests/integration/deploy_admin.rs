//! `guichet-admin` (deploy/bin): a commune put on board through the platform API from the
//! command line, its host names, languages, branding and first administrator; refusals come
//! back with the API's field errors and a failing exit status.

use std::process::Command;

use guichet_tests::guichet::{Guichet, PLATFORM_TOKEN};
use guichet_tests::root;
use serde_json::Value;

const HOST: &str = "saint-martin.localhost";

/// Runs guichet-admin against `g` with `token` in the token file; (success, stdout, stderr).
pub(crate) fn admin(g: &Guichet, token: &str, args: &[&str]) -> (bool, String, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let token_file = dir.path().join("platform_admin_token");
    std::fs::write(&token_file, token).expect("token file");
    let out = Command::new(root().join("deploy/bin/guichet-admin"))
        .args(args)
        .env("GUICHET_URL", &g.host.base)
        .env("GUICHET_PLATFORM_TOKEN_FILE", &token_file)
        .output()
        .expect("guichet-admin");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

#[test]
fn a_commune_created_with_hosts_and_branding_is_served_at_its_host_and_its_first_admin_invited() {
    let g = Guichet::start();
    let port = g.host.base.rsplit(':').next().expect("port").to_owned();
    let origin = format!("http://{HOST}:{port}");
    let (ok, out, err) = admin(
        &g,
        PLATFORM_TOKEN,
        &[
            "commune",
            "create",
            "--id",
            "saint-martin",
            "--name",
            "Saint-Martin \"les Bains\"",
            "--host",
            HOST,
            "--language",
            "fr",
            "--language",
            "en",
            "--public-origin",
            &origin,
            "--primary-color",
            "#0055aa",
            "--logo-text",
            "Mairie de Saint-Martin",
        ],
    );
    assert!(ok, "{out}{err}");
    let commune = g
        .at(HOST, "GET", "/api/identity/commune", None, None)
        .json();
    assert_eq!(commune["commune"], "saint-martin");
    assert_eq!(commune["name"], "Saint-Martin \"les Bains\"");
    assert_eq!(commune["languages"], serde_json::json!(["fr", "en"]));
    assert_eq!(commune["branding"]["logo_text"], "Mairie de Saint-Martin");

    let (ok, out, _) = admin(&g, PLATFORM_TOKEN, &["commune", "list"]);
    assert!(ok && out.contains("saint-martin"), "{out}");

    let (ok, out, err) = admin(
        &g,
        PLATFORM_TOKEN,
        &[
            "commune",
            "invite-admin",
            "--id",
            "saint-martin",
            "--email",
            "maire@saint-martin.example",
        ],
    );
    assert!(ok, "{out}{err}");
    let invitation = g.mail_to("maire@saint-martin.example", "/account/accept-invitation");
    assert!(
        invitation.text.contains(&origin),
        "the link leads to the commune's origin: {}",
        invitation.text
    );
}

#[test]
fn a_refused_creation_prints_the_field_errors_and_fails_and_a_wrong_token_is_refused() {
    let g = Guichet::start();
    let (ok, out, err) = admin(
        &g,
        PLATFORM_TOKEN,
        &[
            "commune",
            "create",
            "--id",
            "x",
            "--name",
            "X",
            "--host",
            "not a host",
        ],
    );
    assert!(!ok);
    assert!(err.contains("400"), "{err}");
    let answer: Value = serde_json::from_str(out.trim()).expect("the API's JSON answer");
    let fields: Vec<&str> = answer["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert!(fields.contains(&"hosts[0]"), "{answer}");

    let (ok, _, err) = admin(&g, "not-the-platform-token-0123456", &["commune", "list"]);
    assert!(!ok && err.contains("401"), "{err}");
    let (ok, _, err) = admin(&g, PLATFORM_TOKEN, &["commune", "create", "--id", "x"]);
    assert!(
        !ok && err.contains("guichet-admin commune create"),
        "usage: {err}"
    );
    assert!(
        g.get("/api/identity/communes", Some(PLATFORM_TOKEN))
            .body
            .find("\"x\"")
            .is_none(),
        "nothing created"
    );
}
