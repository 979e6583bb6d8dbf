//! The one-machine configuration shipped in `deploy/` read by the real programs that will run
//! it: the systemd units by `systemd-analyze verify`, the Caddyfile by `caddy validate`, the
//! logrotate file by logrotate itself (a forced rotation in a scratch directory). Each is a
//! Debian package that infra/setup.sh installs.

use std::path::Path;
use std::process::Command;

use guichet_tests::root;

fn output(command: &mut Command) -> (bool, String) {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e} (infra/setup.sh installs it)"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn every_systemd_unit_passes_systemd_analyze_verify_against_the_bundle_layout() {
    // The units name /opt/guichet/current: a scratch copy of that layout, so that verify also
    // checks that every program a unit starts exists and is executable.
    let dir = tempfile::tempdir().expect("tempdir");
    let (opt, units) = (dir.path().join("opt"), dir.path().join("units"));
    std::fs::create_dir_all(opt.join("bin")).expect("mkdir");
    std::fs::create_dir_all(&units).expect("mkdir");
    for entry in std::fs::read_dir(root().join("deploy/bin")).expect("deploy/bin") {
        let path = entry.expect("entry").path();
        std::os::unix::fs::symlink(&path, opt.join("bin").join(path.file_name().expect("name")))
            .expect("symlink");
    }
    std::os::unix::fs::symlink(
        root().join("target/release/guichet-host"),
        opt.join("bin/guichet-host"),
    )
    .expect("symlink");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(root().join("deploy/systemd")).expect("deploy/systemd") {
        let path = entry.expect("entry").path();
        let name = path.file_name().expect("name").to_owned();
        let text = std::fs::read_to_string(&path)
            .expect("unit")
            .replace("/opt/guichet/current", &opt.display().to_string());
        std::fs::write(units.join(&name), text).expect("write");
        names.push(units.join(&name));
    }
    assert!(names.len() >= 6, "{names:?}");
    let (ok, text) = output(
        Command::new("systemd-analyze")
            .args(["verify", "--man=no"])
            .args(&names),
    );
    assert!(ok, "{text}");
    // Unknown keys and bad values are only warnings to verify: none is allowed here.
    assert!(!text.contains(&units.display().to_string()), "{text}");
}

#[test]
fn the_caddyfile_is_valid_for_caddy_with_automatic_tls_and_the_health_check() {
    let path = root().join("deploy/caddy/Caddyfile");
    let (ok, text) = output(
        Command::new("caddy")
            .args(["validate", "--adapter", "caddyfile", "--config"])
            .arg(&path),
    );
    assert!(ok && text.contains("Valid configuration"), "{text}");
    assert!(
        text.contains("enabling automatic HTTP->HTTPS redirects"),
        "{text}"
    );
    let (ok, formatted) = output(Command::new("caddy").arg("fmt").arg(&path));
    assert!(ok);
    assert_eq!(
        formatted.trim_end(),
        std::fs::read_to_string(&path)
            .expect("Caddyfile")
            .trim_end(),
        "run `caddy fmt --overwrite`"
    );
}

#[test]
fn the_logrotate_file_rotates_a_log_the_service_keeps_open() {
    let dir = tempfile::tempdir().expect("tempdir");
    let logs = dir.path().join("log");
    std::fs::create_dir_all(&logs).expect("mkdir");
    std::fs::write(logs.join("guichet.log"), "a line\n").expect("log");
    // The shipped file, its paths moved here, its user the one running the test.
    let user = String::from_utf8(Command::new("id").arg("-un").output().expect("id").stdout)
        .expect("utf-8");
    let config = std::fs::read_to_string(root().join("deploy/logrotate/guichet"))
        .expect("deploy/logrotate/guichet")
        .replace("/var/log/guichet", &logs.display().to_string())
        .replace("guichet guichet", &format!("{0} {0}", user.trim()));
    let file = dir.path().join("guichet.logrotate");
    std::fs::write(&file, config).expect("write");
    let state = dir.path().join("status");
    let (ok, text) = output(
        Command::new("logrotate")
            .arg("--force")
            .arg("--verbose")
            .arg("--state")
            .arg(&state)
            .arg(&file),
    );
    assert!(ok && !text.contains("error"), "{text}");
    assert!(Path::new(&logs.join("guichet.log.1")).exists(), "{text}");
    assert_eq!(
        std::fs::read_to_string(logs.join("guichet.log")).expect("log"),
        "",
        "copytruncate empties it in place"
    );
}
