//! An upgrade that keeps serving (docs/DEPLOY.md, "Upgrades"): two guichet-host instances on
//! one state directory, behind a real Caddy with the shipped `reverse_proxy` block
//! (deploy/caddy/Caddyfile, upstreams moved to the test's ports). Each instance in turn is
//! stopped as systemd stops it (SIGTERM: the host drains) and started again while citizens keep
//! filing and tracking through Caddy: not one request fails, and every filing acknowledged is
//! tracked afterwards through the other instance.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use guichet_tests::mailbox::Mailbox;
use guichet_tests::tokens::TestKeys;
use guichet_tests::{free_loopback_address, request, root, Host, HostConfig};
use serde_json::{json, Value};

use crate::requests_support::pothole_body;

/// The shipped Caddyfile's `reverse_proxy` block, its upstreams replaced by `upstreams`.
fn shipped_proxy_block(upstreams: &[&str]) -> String {
    let text = std::fs::read_to_string(root().join("deploy/caddy/Caddyfile")).expect("Caddyfile");
    let start = text.find("\treverse_proxy 127.0.0.1:3000 127.0.0.1:3001 {").expect("the two-instance reverse_proxy block");
    let end = start + text[start..].find("\n\t}\n").expect("end of the block") + 3;
    text[start..end].replacen("127.0.0.1:3000 127.0.0.1:3001", &upstreams.join(" "), 1)
}

struct Caddy(Child);

impl Drop for Caddy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_caddy(dir: &std::path::Path, listen: &str, upstreams: &[&str]) -> Caddy {
    let config = format!(
        "{{\n\tadmin off\n\tauto_https off\n}}\n\nhttp://{listen} {{\n{}\n}}\n",
        shipped_proxy_block(upstreams)
    );
    let path = dir.join("Caddyfile");
    std::fs::write(&path, config).expect("Caddyfile");
    let child = Command::new("caddy")
        .args(["run", "--adapter", "caddyfile", "--config"])
        .arg(&path)
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir)
        .env("XDG_CONFIG_HOME", dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("caddy (infra/setup.sh installs it)");
    let caddy = Caddy(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(listen).is_ok() {
            return caddy;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("caddy did not listen on {listen}");
}

#[derive(Default)]
struct Load {
    filed: Vec<Value>,
    failures: Vec<String>,
    answered: usize,
}

/// Files a report, tracks it and searches the catalogue, in a loop, until `stop`.
fn citizens(base: String, stop: Arc<AtomicBool>, load: Arc<Mutex<Load>>) {
    let mut n = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let body = pothole_body(&format!("rolling{n}@example.org")).to_string();
        let filed = request(
            "POST",
            &format!("{base}/api/requests"),
            &[("content-type", "application/json")],
            Some(body.as_bytes()),
        );
        let mut tally = load.lock().expect("load");
        tally.answered += 1;
        if filed.status != 201 {
            tally.failures.push(format!("filing: {} {}", filed.status, filed.body));
            continue;
        }
        let filed = filed.json();
        tally.filed.push(filed.clone());
        drop(tally);
        let track = json!({"reference": filed["reference"], "code": filed["tracking_code"]}).to_string();
        let tracked = request(
            "POST",
            &format!("{base}/api/requests/track"),
            &[("content-type", "application/json")],
            Some(track.as_bytes()),
        );
        let searched = request("GET", &format!("{base}/api/catalog/search?q=trou"), &[], None);
        let mut tally = load.lock().expect("load");
        tally.answered += 2;
        for (what, reply) in [("tracking", &tracked), ("search", &searched)] {
            if reply.status != 200 {
                tally.failures.push(format!("{what}: {} {}", reply.status, reply.body));
            }
        }
    }
}

#[test]
fn two_instances_behind_caddy_keep_serving_while_each_restarts_in_turn() {
    let dir = tempfile::tempdir().expect("tempdir");
    let caddy_dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("rolling");
    let mailbox = Mailbox::start();
    let listen = free_loopback_address();
    let config = HostConfig::guichet_identity(dir.path(), &[&keys], &mailbox.origin())
        .env("SPIN_VARIABLE_PUBLIC_ORIGIN", &format!("http://{listen}"))
        .env("SPIN_VARIABLE_REQUEST_LIMITS", "filing_client=100000,filing_contact=100000");
    let first = Host::start_in(config.clone(), dir.path().to_path_buf()).unwrap_or_else(|f| panic!("{}", f.stderr));
    let second = Host::start_in(config, dir.path().to_path_buf()).unwrap_or_else(|f| panic!("{}", f.stderr));
    let upstreams = [first.base.trim_start_matches("http://").to_owned(), second.base.trim_start_matches("http://").to_owned()];
    let _caddy = start_caddy(caddy_dir.path(), &listen, &[&upstreams[0], &upstreams[1]]);
    let base = format!("http://{listen}");
    assert_eq!(request("GET", &format!("{base}/api/requests/health"), &[], None).status, 200);

    let stop = Arc::new(AtomicBool::new(false));
    let load = Arc::new(Mutex::new(Load::default()));
    let workers: Vec<_> = (0..3)
        .map(|_| {
            let (base, stop, load) = (base.clone(), stop.clone(), load.clone());
            std::thread::spawn(move || citizens(base, stop, load))
        })
        .collect();

    std::thread::sleep(Duration::from_secs(2));
    let first = first.restart_gracefully();
    std::thread::sleep(Duration::from_secs(3));
    let second = second.restart_gracefully();
    std::thread::sleep(Duration::from_secs(3));
    stop.store(true, Ordering::Relaxed);
    for worker in workers {
        worker.join().expect("worker");
    }

    let load = load.lock().expect("load");
    assert!(load.failures.is_empty(), "{} of {} requests failed: {:#?}", load.failures.len(), load.answered, load.failures);
    assert!(load.filed.len() >= 10, "too little load to show anything: {} filings", load.filed.len());
    // Every acknowledged filing is there, whichever instance took it.
    for filed in &load.filed {
        for host in [&first, &second] {
            let tracked = host.post_json(
                "/api/requests/track",
                None,
                &json!({"reference": filed["reference"], "code": filed["tracking_code"]}),
            );
            assert_eq!(tracked.status, 200, "{}: {}", filed["reference"], tracked.body);
        }
    }
}

#[test]
fn a_host_told_to_stop_finishes_what_it_has_and_exits_cleanly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("drain");
    let mailbox = Mailbox::start();
    let config = HostConfig::guichet_identity(dir.path(), &[&keys], &mailbox.origin());
    let mut host = Host::start_in(config, dir.path().to_path_buf()).unwrap_or_else(|f| panic!("{}", f.stderr));
    assert_eq!(host.get("/api/requests/health").status, 200);
    let status = host.stop();
    assert!(status.success(), "SIGTERM is a clean exit, not a crash: {status:?}\n{}", host.log());
    assert!(host.log().contains("draining"), "the host says it drains: {}", host.log());
}
