//! The host runs the probe fixture app (tests/fixtures/probe-app) the way `spin up` would:
//! these tests drive the real `probe.wasm` through the real host over HTTP.

use guichet_tests::probe::{enc, one_shot_server};
use guichet_tests::{root, Host, HostConfig};

fn probe_host(dir: &tempfile::TempDir) -> Host {
    Host::start(HostConfig::probe_in(dir.path()), dir)
}

#[test]
fn a_path_no_route_covers_answers_404_from_the_host() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = probe_host(&dir);
    let reply = host.get("/nothing/here");
    assert_eq!(reply.status, 404);
    assert_eq!(reply.body, "Not Found\n");
}

#[test]
fn spin_headers_describe_the_route_that_matched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = probe_host(&dir);

    let echo = host.send("GET", "/users/42/probe/echo?x=1", &[("spin-path-info", "/forged")], None).json();
    assert_eq!(echo["spin-matched-route"], "/users/:id/probe/...");
    assert_eq!(echo["spin-path-match-id"], "42");
    assert_eq!(echo["spin-path-info"], "/echo");
    assert_eq!(echo["spin-component-route"], "/users/:id/probe");
    assert_eq!(echo["spin-raw-component-route"], "/users/:id/probe/...");
    assert_eq!(echo["spin-base-path"], "/");
    assert!(echo["spin-full-url"].as_str().expect("full url").ends_with("/users/42/probe/echo?x=1"));
    assert!(echo["spin-client-addr"].as_str().expect("client addr").starts_with("127.0.0.1:"));

    // The longest wildcard prefix wins: /wild/deeper/... belongs to `stingy`.
    let shallow = host.get("/wild/probe/echo").json();
    assert_eq!(shallow["spin-matched-route"], "/wild/...");
    let deep = host.get("/wild/deeper/probe/echo").json();
    assert_eq!(deep["spin-matched-route"], "/wild/deeper/...");
    // An exact route beats the wildcards.
    let exact = host.get("/exact/probe/echo").json();
    assert_eq!(exact["spin-matched-route"], "/exact/probe/echo");
    assert_eq!(exact["spin-path-info"], "");
}

#[test]
fn key_value_and_sqlite_data_survive_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = probe_host(&dir);
    for label in ["default", "extra"] {
        let put = host.send("PUT", &format!("/probe/kv/{label}/greeting"), &[], Some(format!("bonjour {label}").as_bytes()));
        assert_eq!(put.status, 204, "{}", put.body);
    }
    for (version, label) in [("sql2", "default"), ("sql3", "extra")] {
        let create = host.send(
            "POST",
            &format!("/probe/{version}/{label}"),
            &[],
            Some(br#"{"sql":"CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, body TEXT)","params":[]}"#),
        );
        assert_eq!(create.status, 200, "{}", create.body);
        let insert = host.send(
            "POST",
            &format!("/probe/{version}/{label}"),
            &[],
            Some(format!(r#"{{"sql":"INSERT INTO notes (body) VALUES (?)","params":["kept in {label}"]}}"#).as_bytes()),
        );
        assert_eq!(insert.status, 200, "{}", insert.body);
        if version == "sql3" {
            let result = insert.json();
            assert_eq!(result["changes"], 1);
            assert_eq!(result["last_insert_rowid"], 1);
        }
    }

    let host = host.restart();

    for label in ["default", "extra"] {
        let got = host.get(&format!("/probe/kv/{label}/greeting"));
        assert_eq!((got.status, got.body.as_str()), (200, format!("bonjour {label}").as_str()));
    }
    for (version, label) in [("sql3", "default"), ("sql2", "extra")] {
        let rows = host
            .send("POST", &format!("/probe/{version}/{label}"), &[], Some(br#"{"sql":"SELECT body FROM notes","params":[]}"#))
            .json();
        assert_eq!(rows["rows"], serde_json::json!([[format!("kept in {label}")]]));
    }
    // The default stores are where `spin up` puts them.
    assert!(dir.path().join("sqlite_key_value.db").exists());
    assert!(dir.path().join("sqlite_db.db").exists());
}

#[test]
fn a_relative_sqlite_path_starts_at_the_working_directory_and_a_key_value_one_at_the_config_file() {
    // As Spin 4.0 resolves them (measured on the real binary; the conformance tier checks the
    // README's steps on it). The harness runs the host in its state directory: `work` here.
    let dir = tempfile::tempdir().expect("tempdir");
    let (config_dir, work) = (dir.path().join("config"), dir.path().join("work"));
    std::fs::create_dir_all(&config_dir).expect("config dir");
    let runtime_config = config_dir.join("runtime-config.toml");
    std::fs::copy(root().join("tests/fixtures/probe-app/runtime-config.toml"), &runtime_config).expect("copying");
    let config = HostConfig { runtime_config: Some(runtime_config), ..HostConfig::probe() };
    let host = Host::start_in(config, work.clone()).unwrap_or_else(|f| panic!("host did not start:\n{}", f.stderr));

    let put = host.send("PUT", "/probe/kv/extra/greeting", &[], Some(b"bonjour"));
    assert_eq!(put.status, 204, "{}", put.body);
    let create = host.send("POST", "/probe/sql3/extra", &[], Some(br#"{"sql":"CREATE TABLE t (x)","params":[]}"#));
    assert_eq!(create.status, 200, "{}", create.body);

    assert!(work.join("data/extra.db").exists(), "the SQLite file is under the working directory");
    assert!(config_dir.join("data/extra_kv.db").exists(), "the key-value file is under the config's directory");
    assert!(!config_dir.join("data/extra.db").exists() && !work.join("data/extra_kv.db").exists());
}

#[test]
fn a_store_not_granted_to_the_component_is_access_denied() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = probe_host(&dir);
    // `stingy` has no grants at all, `probe` has default and extra but not `other`.
    let kv = host.get("/stingy/probe/kv/default/x");
    assert_eq!(kv.status, 403);
    assert!(kv.body.contains("AccessDenied"), "{}", kv.body);
    let kv = host.get("/probe/kv/other/x");
    assert!(kv.body.contains("AccessDenied"), "{}", kv.body);
    let sql = host.send("POST", "/stingy/probe/sql3/default", &[], Some(br#"{"sql":"SELECT 1","params":[]}"#));
    assert_eq!(sql.status, 403);
    assert!(sql.body.contains("AccessDenied"), "{}", sql.body);
}

#[test]
fn a_granted_label_missing_from_the_runtime_config_stops_start_up_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fixture = root().join("tests/fixtures/probe-app");
    let text = std::fs::read_to_string(fixture.join("spin.toml"))
        .expect("fixture")
        .replace(r#"key_value_stores = ["default", "extra"]"#, r#"key_value_stores = ["default", "archive"]"#)
        .replace("../../../target/", &format!("{}/target/", root().display()));
    assert!(text.contains("archive"), "fixture layout changed");
    let manifest = dir.path().join("spin.toml");
    std::fs::write(&manifest, text).expect("write manifest");
    let config = HostConfig { manifest, ..HostConfig::probe() };
    let failure = Host::start_in(config, dir.path().join("state")).err().expect("start-up must fail");
    assert!(failure.stderr.contains("`archive`"), "{}", failure.stderr);
}

#[test]
fn variables_come_from_templates_defaults_and_the_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = probe_host(&dir);
    assert_eq!(host.get("/probe/var/greeting").body, "hello world");
    assert_eq!(host.get("/probe/var/secret_token").body, "s3cret");
    let undefined = host.get("/probe/var/who");
    assert_eq!(undefined.status, 404, "app variables are not visible unless the component maps them");
    drop(host);

    let dir = tempfile::tempdir().expect("tempdir");
    let host = Host::start(HostConfig::probe_in(dir.path()).env("SPIN_VARIABLE_WHO", "Guichet"), &dir);
    assert_eq!(host.get("/probe/var/greeting").body, "hello Guichet");
}

#[test]
fn an_unset_required_variable_stops_start_up_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = HostConfig::probe();
    config.env.clear();
    let failure = Host::start_in(config, dir.path().to_path_buf()).err().expect("start-up must fail");
    assert!(failure.stderr.contains("api_token"), "{}", failure.stderr);
}

#[test]
fn outbound_http_reaches_allowed_hosts_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = probe_host(&dir);
    let (port, server) = one_shot_server("pong");
    let url = format!("http://127.0.0.1:{port}/ping");

    let denied = host.get(&format!("/stingy/probe/outbound?url={}", enc(&url)));
    assert_eq!(denied.status, 502, "{}", denied.body);
    assert!(denied.body.contains("HttpRequestDenied"), "{}", denied.body);

    let allowed = host.get(&format!("/probe/outbound?url={}", enc(&url))).json();
    assert_eq!(allowed["status"], 200);
    assert_eq!(allowed["body"], "pong");
    assert!(server.join().expect("server thread"));
}

#[test]
fn a_chained_call_reaches_a_private_component_in_memory() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = probe_host(&dir);
    let chained = host.get(&format!("/probe/outbound?url={}", enc("http://private-probe.spin.internal/probe/echo"))).json();
    assert_eq!(chained["status"], 200, "{chained}");
    let echo: serde_json::Value = serde_json::from_str(chained["body"].as_str().expect("body")).expect("echo JSON");
    assert_eq!(echo["spin-client-addr"], "0.0.0.0:0");
    assert_eq!(echo["path"], "/probe/echo");

    // Chaining needs the grant: `stingy` may not call it.
    let denied = host.get(&format!("/stingy/probe/outbound?url={}", enc("http://private-probe.spin.internal/probe/echo")));
    assert_eq!(denied.status, 502, "{}", denied.body);
    // And a private component has no public route.
    assert_eq!(host.get("/private-probe/probe/echo").status, 404);
}

#[test]
fn a_trap_answers_500_and_the_next_request_succeeds() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = probe_host(&dir);
    let trap = host.get("/probe/trap");
    assert_eq!(trap.status, 500);
    assert_eq!(trap.body, "Internal Server Error\n");
    assert!(!trap.body.contains("probe trap"), "the cause stays in the log");
    let next = host.get("/probe/hello");
    assert_eq!(next.status, 200);
    assert_eq!(next.body, "hello /probe/hello");
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert!(host.log().contains("component=\"probe\"") || host.log().contains("component=probe"), "{}", host.log());
}

#[test]
fn a_malformed_manifest_names_the_faulty_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = dir.path().join("spin.toml");
    std::fs::write(
        &manifest,
        "spin_manifest_version = 2\n[application]\nname = \"x\"\n[component.web]\nsource = \"web.wasm\"\nallowed_hosts = []\n",
    )
    .expect("write");
    let config = HostConfig { manifest, runtime_config: None, env: Vec::new() };
    let failure = Host::start_in(config, dir.path().join("state")).err().expect("must fail");
    assert!(failure.stderr.contains("allowed_hosts"), "{}", failure.stderr);
}

#[test]
fn a_missing_wasm_file_names_the_component_and_how_to_build_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest = dir.path().join("spin.toml");
    std::fs::write(
        &manifest,
        "spin_manifest_version = 2\n[application]\nname = \"x\"\n[[trigger.http]]\nroute = \"/...\"\ncomponent = \"web\"\n[component.web]\nsource = \"missing.wasm\"\n",
    )
    .expect("write");
    let config = HostConfig { manifest, runtime_config: None, env: Vec::new() };
    let failure = Host::start_in(config, dir.path().join("state")).err().expect("must fail");
    assert!(failure.stderr.contains("`web`") && failure.stderr.contains("build"), "{}", failure.stderr);
}

#[test]
fn compiled_code_is_cached_on_disk_for_the_next_start() {
    let dir = tempfile::tempdir().expect("tempdir");
    let _host = probe_host(&dir);
    let cache = root().join("target/wasm-cache");
    let entries = walk(&cache);
    assert!(entries > 0, "no compiled artefacts under {}", cache.display());
}

fn walk(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| if e.path().is_dir() { walk(&e.path()) } else { 1 })
                .sum()
        })
        .unwrap_or(0)
}

#[test]
fn a_runaway_guest_is_interrupted_at_the_request_timeout_while_others_are_served() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = Host::start(HostConfig::probe_in(dir.path()).env("GUICHET_REQUEST_TIMEOUT", "2"), &dir);
    let base = host.base.clone();
    let runaway = std::thread::spawn(move || guichet_tests::request("GET", &format!("{base}/probe/spin"), &[], None));
    // While it spins, other requests are answered (the guest yields at every epoch tick).
    std::thread::sleep(std::time::Duration::from_millis(300));
    let hello = host.get("/probe/hello");
    assert_eq!(hello.status, 200);
    let reply = runaway.join().expect("runaway request thread");
    assert_eq!(reply.status, 500);
    assert_eq!(reply.body, "Internal Server Error\n");
    assert_eq!(host.get("/probe/hello").status, 200);
}
