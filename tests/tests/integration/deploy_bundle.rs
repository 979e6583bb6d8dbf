//! The release bundle of one machine (`make release`, infra/release.sh): built, unpacked into
//! a fresh directory, its checksums verified, and Guichet served from there by the bundle's own
//! start script with secrets read from files, as the systemd unit runs it.

use std::path::{Path, PathBuf};
use std::process::Command;

use guichet_tests::guichet::{private_jwks, PLATFORM_TOKEN};
use guichet_tests::tokens::TestKeys;
use guichet_tests::{free_loopback_address, root, Host, HostConfig};
use serde_json::json;

use crate::requests_support::pothole_body;

/// Builds the bundle into `out` and unpacks it into `out/unpacked`; the bundle's root.
fn unpacked_bundle(out: &Path) -> PathBuf {
    let built = Command::new("bash")
        .arg(root().join("infra/release.sh"))
        .arg("--out")
        .arg(out)
        .output()
        .expect("release.sh");
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let tarball = PathBuf::from(String::from_utf8_lossy(&built.stdout).trim());
    let unpacked = out.join("unpacked");
    std::fs::create_dir_all(&unpacked).expect("mkdir");
    let tar = Command::new("tar")
        .arg("-xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(&unpacked)
        .status()
        .expect("tar");
    assert!(tar.success());
    let name = tarball
        .file_name()
        .expect("name")
        .to_string_lossy()
        .trim_end_matches(".tar.gz")
        .to_owned();
    unpacked.join(name)
}

/// `guichet-start` of `bundle` with secrets from `secrets` and the state in `state`.
fn start_command(bundle: &Path, secrets: &Path, state: &Path, runtime_config: &Path) -> Command {
    let mut command = Command::new(bundle.join("bin/guichet-start"));
    let listen = free_loopback_address();
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("GUICHET_LISTEN", &listen)
        .env("GUICHET_SECRETS_DIR", secrets)
        .env("GUICHET_STATE_DIR", state)
        .env("GUICHET_RUNTIME_CONFIG", runtime_config)
        .env("GUICHET_CACHE_DIR", root().join("target/wasm-cache"))
        .env("SPIN_VARIABLE_PUBLIC_ORIGIN", format!("http://{listen}"));
    command
}

#[test]
fn the_unpacked_bundle_serves_guichet_with_secrets_from_files_health_and_a_filing() {
    let out = tempfile::tempdir().expect("tempdir");
    let bundle = unpacked_bundle(out.path());
    let sums = Command::new("sha256sum")
        .args(["--quiet", "-c", "SHA256SUMS"])
        .current_dir(&bundle)
        .output()
        .expect("sha256sum");
    assert!(
        sums.status.success(),
        "{}",
        String::from_utf8_lossy(&sums.stdout)
    );
    let manifest = std::fs::read_to_string(bundle.join("app/spin.toml")).expect("spin.toml");
    assert!(
        !manifest.contains("target/") && !manifest.contains(".build]"),
        "{manifest}"
    );

    // What an operator writes: secrets as files, the state directory in place of /var/lib/guichet.
    let secrets = out.path().join("secrets");
    let state = out.path().join("state");
    std::fs::create_dir_all(&secrets).expect("mkdir");
    std::fs::write(
        secrets.join("identity_signing_keys"),
        private_jwks(&[&TestKeys::generate("k1")]),
    )
    .expect("key");
    std::fs::write(secrets.join("platform_admin_token"), PLATFORM_TOKEN).expect("token");
    let config = std::fs::read_to_string(bundle.join("app/runtime-config/server.toml"))
        .expect("server.toml")
        .replace("/var/lib/guichet/", &format!("{}/", state.display()));
    let runtime_config = out.path().join("server.toml");
    std::fs::write(&runtime_config, config).expect("runtime config");

    let host = Host::spawn(
        start_command(&bundle, &secrets, &state, &runtime_config),
        state.clone(),
        HostConfig::guichet(),
    )
    .unwrap_or_else(|f| panic!("the bundle did not start:\n{}", f.stderr));
    let health = Command::new(bundle.join("bin/guichet-healthcheck"))
        .arg(&host.base)
        .output()
        .expect("healthcheck");
    assert!(
        health.status.success(),
        "{}",
        String::from_utf8_lossy(&health.stderr)
    );

    let filed = host.post_json("/api/requests", None, &pothole_body("camille@example.org"));
    assert_eq!(filed.status, 201, "{}", filed.body);
    let filed = filed.json();
    let tracked = host.post_json(
        "/api/requests/track",
        None,
        &json!({"reference": filed["reference"], "code": filed["tracking_code"]}),
    );
    assert_eq!(tracked.status, 200, "{}", tracked.body);
    assert!(
        state.join("requests.db").exists(),
        "the databases are where the runtime config puts them"
    );
    // The token verifiers' public keys were derived from the signing keys: tokens verify.
    assert!(host.get("/.well-known/jwks.json").body.contains("\"k1\""));
}

#[test]
fn the_start_script_refuses_to_start_without_a_secret_or_the_public_origin_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let script = root().join("deploy/bin/guichet-start");
    let run = |secrets: &Path, origin: Option<&str>| {
        let mut command = Command::new(&script);
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("GUICHET_SECRETS_DIR", secrets);
        if let Some(origin) = origin {
            command.env("SPIN_VARIABLE_PUBLIC_ORIGIN", origin);
        }
        let out = command.output().expect("guichet-start");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, stderr) = run(dir.path(), Some("https://guichet.example"));
    assert!(!ok);
    assert!(
        stderr.contains("the secret identity_signing_keys is missing"),
        "{stderr}"
    );

    std::fs::write(dir.path().join("identity_signing_keys"), "{}").expect("write");
    let (ok, stderr) = run(dir.path(), Some("https://guichet.example"));
    assert!(!ok);
    assert!(
        stderr.contains("the secret platform_admin_token is missing"),
        "{stderr}"
    );

    std::fs::write(dir.path().join("platform_admin_token"), PLATFORM_TOKEN).expect("write");
    let (ok, stderr) = run(dir.path(), None);
    assert!(!ok);
    assert!(stderr.contains("public_origin"), "{stderr}");
    assert!(
        !stderr.contains(PLATFORM_TOKEN),
        "a secret never reaches the output: {stderr}"
    );
}
