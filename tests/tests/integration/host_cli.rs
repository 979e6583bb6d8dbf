//! `guichet-host build` runs each component's build command, as `spin build` does.

use std::process::Command;

use guichet_tests::root;

fn host() -> Command {
    Command::new(root().join("target/release/guichet-host"))
}

const MANIFEST: &str = r#"spin_manifest_version = 2
[application]
name = "built"
[[trigger.http]]
route = "/a/..."
component = "a"
[[trigger.http]]
route = "/b/..."
component = "b"
[component.a]
source = "a.wasm"
[component.a.build]
command = "echo a > built-a.txt"
workdir = "sub"
[component.b]
source = "b.wasm"
[component.b.build]
command = "echo b > built-b.txt && exit 3"
"#;

#[test]
fn build_runs_the_named_components_command_in_its_workdir() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    std::fs::write(dir.path().join("spin.toml"), MANIFEST).expect("write");
    let out = host().args(["build", "-c", "a", "--from"]).arg(dir.path().join("spin.toml")).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(dir.path().join("sub/built-a.txt")).expect("built"), "a\n");
    assert!(!dir.path().join("built-b.txt").exists(), "only the named component is built");
}

#[test]
fn a_failing_build_command_fails_the_build_naming_the_component() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    std::fs::write(dir.path().join("spin.toml"), MANIFEST).expect("write");
    let out = host().args(["build", "--from"]).arg(dir.path().join("spin.toml")).output().expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`b`"), "{stderr}");
}

#[test]
fn building_an_unknown_component_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("spin.toml"), MANIFEST).expect("write");
    let out = host().args(["build", "-c", "zzz", "--from"]).arg(dir.path().join("spin.toml")).output().expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("zzz"));
}
