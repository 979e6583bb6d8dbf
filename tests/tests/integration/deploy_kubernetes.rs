//! The SpinKube manifests of `deploy/kubernetes/`, checked offline (no cluster runs here):
//! each SpinApp against spin-operator's CRD schema with the `jsonschema` library, strictly (an
//! unknown field is an error, as `kubectl apply` makes it), and what the cluster relies on
//! beyond the schema (tests/python/validate_manifests.py says what).

use std::path::Path;
use std::process::Command;

use guichet_tests::root;
use serde_json::Value;

/// Runs the validator on `manifests`; (exit success, its JSON report).
fn validate(manifests: &Path) -> (bool, Value) {
    let python = root().join("target/pyenv/bin/python");
    assert!(
        python.exists(),
        "run infra/setup.sh (make test does) to install the Python test tools"
    );
    let out = Command::new(python)
        .arg(root().join("tests/python/validate_manifests.py"))
        .arg(root().join("deploy/kubernetes/crds"))
        .arg(manifests)
        .arg(root().join("spin.toml"))
        .output()
        .expect("running validate_manifests.py");
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no report ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.success(), report)
}

fn errors(report: &Value) -> Vec<String> {
    report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e.as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A copy of deploy/kubernetes in `dir` with `file` changed by `edit`.
fn broken_copy(dir: &Path, file: &str, edit: impl FnOnce(String) -> String) -> std::path::PathBuf {
    let copy = dir.join("kubernetes");
    for sub in ["region", "per-commune"] {
        std::fs::create_dir_all(copy.join(sub)).expect("mkdir");
        for entry in
            std::fs::read_dir(root().join("deploy/kubernetes").join(sub)).expect("read_dir")
        {
            let path = entry.expect("entry").path();
            std::fs::copy(&path, copy.join(sub).join(path.file_name().expect("name")))
                .expect("copy");
        }
    }
    let text = std::fs::read_to_string(copy.join(file)).expect("manifest");
    let changed = edit(text.clone());
    assert_ne!(changed, text, "the edit changed nothing: {file} moved on");
    std::fs::write(copy.join(file), changed).expect("write");
    copy
}

#[test]
fn every_manifest_validates_both_spinapps_against_the_crd_schema() {
    let (ok, report) = validate(&root().join("deploy/kubernetes"));
    assert!(ok, "{report:#}");
    let validated: Vec<&str> = report["validated"]
        .as_array()
        .expect("validated")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for expected in [
        "region/spinapp.yaml: SpinApp guichet",
        "per-commune/spinapp.yaml: SpinApp guichet-saint-martin",
        "region/hpa.yaml: HorizontalPodAutoscaler guichet",
        "region/sweeps.yaml: CronJob guichet-sweeps",
    ] {
        assert!(
            validated.contains(&expected),
            "{expected} not validated: {validated:?}"
        );
    }
}

#[test]
fn a_misspelt_field_or_a_wrong_type_in_a_spinapp_is_refused_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = broken_copy(dir.path(), "region/spinapp.yaml", |t| {
        t.replace(
            "loadFromSecret: guichet-runtime-config",
            "loadFromSecrets: guichet-runtime-config",
        )
        .replace(
            "  executor: containerd-shim-spin",
            "  executor: [containerd-shim-spin]",
        )
    });
    let (ok, report) = validate(&copy);
    assert!(!ok, "{report:#}");
    let errors = errors(&report).join("\n");
    assert!(
        errors.contains("spec/runtimeConfig")
            && errors.contains("'loadFromSecrets' was unexpected"),
        "{errors}"
    );
    assert!(
        errors.contains("spec/executor") && errors.contains("is not of type 'string'"),
        "{errors}"
    );
}

#[test]
fn autoscaling_needs_a_spinapp_that_leaves_its_replicas_to_the_autoscaler() {
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = broken_copy(dir.path(), "region/spinapp.yaml", |t| {
        t.replace(
            "  enableAutoscaling: true\n",
            "  enableAutoscaling: true\n  replicas: 3\n",
        )
    });
    let (ok, report) = validate(&copy);
    assert!(!ok);
    assert!(
        errors(&report)
            .iter()
            .any(|e| e.contains("replicas and spec.enableAutoscaling")),
        "{report:#}"
    );

    let copy = broken_copy(&dir.path().join("2"), "region/hpa.yaml", |t| {
        t.replace("    name: guichet\n", "    name: guichet-eu\n")
    });
    let (ok, report) = validate(&copy);
    assert!(!ok);
    assert!(
        errors(&report)
            .iter()
            .any(|e| e.contains("no SpinApp guichet-eu")),
        "{report:#}"
    );
}

#[test]
fn a_variable_spin_toml_does_not_declare_or_a_config_map_key_not_shipped_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = broken_copy(dir.path(), "region/spinapp.yaml", |t| {
        t.replace("    - name: mail_from\n", "    - name: mail_sender\n")
            .replace(
                "          key: sms_api_origin\n",
                "          key: sms_origin\n",
            )
    });
    let (ok, report) = validate(&copy);
    assert!(!ok);
    let errors = errors(&report).join("\n");
    assert!(
        errors.contains("mail_sender is not a variable of spin.toml"),
        "{errors}"
    );
    assert!(
        errors.contains("ConfigMap guichet-settings with key sms_origin"),
        "{errors}"
    );
}

#[test]
fn every_secret_the_manifests_use_is_created_by_a_command_in_the_deployment_guide() {
    // Secrets are never in the repository: the guide must say how to make each, with its keys.
    let (_, report) = validate(&root().join("deploy/kubernetes"));
    let guide = std::fs::read_to_string(root().join("docs/DEPLOY.md")).expect("docs/DEPLOY.md");
    let secrets = report["secrets"].as_object().expect("secrets");
    assert!(
        secrets.contains_key("guichet-secrets") && secrets.contains_key("guichet-runtime-config"),
        "{secrets:?}"
    );
    for (name, keys) in secrets {
        let command = guide
            .lines()
            .find(|l| l.contains("create secret generic") && l.contains(&format!(" {name} ")))
            .unwrap_or_else(|| {
                panic!("docs/DEPLOY.md has no `kubectl create secret generic {name} ...`")
            });
        let block: String = guide
            .split(command)
            .nth(1)
            .unwrap_or_default()
            .lines()
            .take(8)
            .collect::<Vec<_>>()
            .join("\n");
        for key in keys
            .as_array()
            .expect("keys")
            .iter()
            .filter_map(Value::as_str)
        {
            assert!(
                command.contains(&format!("{key}=")) || block.contains(&format!("{key}=")),
                "docs/DEPLOY.md creates Secret {name} without its key {key}"
            );
        }
    }
}
