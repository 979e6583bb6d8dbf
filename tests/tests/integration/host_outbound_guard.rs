//! Outbound HTTP cannot be turned against the host's neighbours: only `http://ID.spin.internal`
//! chains to a private component (any other `spin.internal` URL is refused, not sent to the
//! network), and `[outbound_networking] block_networks` in the runtime config stops calls to
//! the addresses it lists, checked on the address actually connected to.

use std::net::TcpListener;

use guichet_tests::probe::{enc, one_shot_server};
use guichet_tests::{root, Host, HostConfig};

/// The probe app with its `probe` component allowed every host, so that only the host's
/// chaining rule stands between a guest and the private component.
fn wide_open_host(dir: &tempfile::TempDir) -> Host {
    let fixture = root().join("tests/fixtures/probe-app");
    let text = std::fs::read_to_string(fixture.join("spin.toml"))
        .expect("fixture")
        .replace(
            r#"allowed_outbound_hosts = ["http://127.0.0.1:*", "http://private-probe.spin.internal"]"#,
            r#"allowed_outbound_hosts = ["*://*:*"]"#,
        )
        .replace("../../../target/", &format!("{}/target/", root().display()));
    assert!(text.contains(r#"["*://*:*"]"#), "fixture layout changed");
    let manifest = dir.path().join("spin.toml");
    std::fs::write(&manifest, text).expect("write manifest");
    let config = HostConfig::probe_in(dir.path());
    Host::start(HostConfig { manifest, ..config }, dir)
}

#[test]
fn only_plain_http_to_a_component_id_chains_whatever_the_allowed_hosts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = wide_open_host(&dir);
    let chained = host.get(&format!("/probe/outbound?url={}", enc("http://private-probe.spin.internal/probe/hello"))).json();
    assert_eq!(chained["status"], 200, "{chained}");
    for url in [
        "https://private-probe.spin.internal/probe/hello",
        "http://private-probe.spin.internal:8080/probe/hello",
        "http://user:secret@private-probe.spin.internal/probe/hello",
        "http://x.private-probe.spin.internal/probe/hello",
        "http://PRIVATE-PROBE.spin.internal/probe/hello",
        "http://private-probe.spin.internal./probe/hello",
    ] {
        let refused = host.get(&format!("/probe/outbound?url={}", enc(url)));
        assert_eq!(refused.status, 502, "{url}: {}", refused.body);
        assert!(refused.body.contains("HttpRequestDenied"), "{url}: {}", refused.body);
    }
    let log = host.log_with("only http://ID.spin.internal chains");
    assert!(log.contains("only http://ID.spin.internal chains"), "{log}");
}

/// The probe app with `block_networks` added to its runtime config.
fn host_blocking(dir: &tempfile::TempDir, networks: &str) -> Host {
    let config = HostConfig::probe_in(dir.path());
    let runtime_config = config.runtime_config.clone().expect("probe runtime config");
    let mut text = std::fs::read_to_string(&runtime_config).expect("runtime config");
    text.push_str(&format!("\n[outbound_networking]\nblock_networks = {networks}\n"));
    std::fs::write(&runtime_config, text).expect("write runtime config");
    Host::start(config, dir)
}

#[test]
fn block_networks_stops_calls_to_loopback_before_connecting() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = host_blocking(&dir, r#"["private"]"#);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let refused = host.get(&format!("/probe/outbound?url={}", enc(&format!("http://127.0.0.1:{port}/"))));
    assert_eq!(refused.status, 502, "{}", refused.body);
    assert!(refused.body.contains("DestinationIpProhibited"), "{}", refused.body);
    listener.set_nonblocking(true).expect("nonblocking");
    assert!(listener.accept().is_err(), "the host connected to a blocked address");
    // Chaining never leaves the process: it is not a network call.
    let chained = host.get(&format!("/probe/outbound?url={}", enc("http://private-probe.spin.internal/probe/hello"))).json();
    assert_eq!(chained["status"], 200, "{chained}");
}

#[test]
fn networks_not_listed_in_block_networks_stay_reachable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = host_blocking(&dir, r#"["10.0.0.0/8", "192.168.0.0/16"]"#);
    let (port, server) = one_shot_server("pong");
    let allowed = host.get(&format!("/probe/outbound?url={}", enc(&format!("http://127.0.0.1:{port}/ping")))).json();
    assert_eq!(allowed["body"], "pong");
    assert!(server.join().expect("server thread"));
}

#[test]
fn a_malformed_block_networks_entry_stops_start_up_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = HostConfig::probe_in(dir.path());
    let runtime_config = config.runtime_config.clone().expect("probe runtime config");
    let mut text = std::fs::read_to_string(&runtime_config).expect("runtime config");
    text.push_str("\n[outbound_networking]\nblock_networks = [\"10.0.0.0/40\"]\n");
    std::fs::write(&runtime_config, text).expect("write runtime config");
    let failure = Host::start_in(config, dir.path().to_path_buf()).err().expect("start-up must fail");
    assert!(failure.stderr.contains("10.0.0.0/40"), "{}", failure.stderr);
}
