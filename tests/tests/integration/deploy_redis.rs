//! Key-value stores on a real Redis (`[key_value_store.LABEL] type = "redis"`, `url`, as Spin's
//! runtime config spells it): Debian's `redis-server`, started by each test on a free loopback
//! port with no persistence. The data lands in Redis under the key the guest gave (as with
//! Spin's Redis store), never in a local file; an unreachable server or an unknown store type
//! stops the host at start, naming the setting; a server lost while serving makes identity's
//! health say so (503) until it is back.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use guichet_tests::{free_loopback_address, Host, HostConfig};

/// A `redis-server` on loopback, killed on drop.
struct Redis {
    child: Child,
    address: String,
}

impl Redis {
    fn start() -> Redis {
        Self::start_at(&free_loopback_address())
    }

    fn start_at(address: &str) -> Redis {
        let (bind, port) = address.rsplit_once(':').expect("host:port");
        let child = Command::new("redis-server")
            .args([
                "--bind",
                bind,
                "--port",
                port,
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (infra/setup.sh installs Debian's redis-server)");
        let redis = Redis {
            child,
            address: address.to_owned(),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while redis.try_command(&["PING"]).as_deref() != Some("+PONG") {
            assert!(
                Instant::now() < deadline,
                "redis-server did not answer on {address}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        redis
    }

    fn url(&self) -> String {
        format!("redis://{}/0", self.address)
    }

    /// One command in Redis's protocol; the reply's first line, and a bulk string's value.
    fn try_command(&self, args: &[&str]) -> Option<String> {
        let mut stream = TcpStream::connect(&self.address).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
        let mut request = format!("*{}\r\n", args.len());
        for arg in args {
            request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        stream.write_all(request.as_bytes()).ok()?;
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end().to_owned();
        if line.starts_with('$') && line != "$-1" {
            let mut value = String::new();
            reader.read_line(&mut value).ok()?;
            return Some(value.trim_end().to_owned());
        }
        Some(line)
    }

    fn command(&self, args: &[&str]) -> String {
        self.try_command(args)
            .unwrap_or_else(|| panic!("redis {args:?}: no answer"))
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Guichet's runtime config in `dir` with identity's key-value store on `url`.
fn guichet_on_redis(dir: &Path, url: &str) -> HostConfig {
    let config = HostConfig::guichet_in(dir);
    let path = config.runtime_config.clone().expect("runtime config");
    let text = std::fs::read_to_string(&path).expect("runtime config");
    let local = format!(
        "[key_value_store.identity]\ntype = \"spin\"\npath = \"{}/identity_kv.db\"",
        dir.display()
    );
    assert!(
        text.contains(&local),
        "infra/runtime-config.toml moved on: {text}"
    );
    std::fs::write(
        &path,
        text.replace(
            &local,
            &format!("[key_value_store.identity]\ntype = \"redis\"\nurl = \"{url}\""),
        ),
    )
    .expect("write");
    config
}

#[test]
fn identity_keeps_its_key_value_data_on_redis_and_nothing_in_a_local_file() {
    let redis = Redis::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let host = Host::start(guichet_on_redis(dir.path(), &redis.url()), &dir);
    for expected in [1, 2] {
        let reply = host.get("/api/identity/health");
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.json()["kv_ok"], true);
        assert_eq!(reply.json()["health_checks"], expected);
    }
    // Where Spin's Redis store puts it: the key as the guest named it.
    assert_eq!(redis.command(&["GET", "health:checks"]), "2");
    assert!(
        !dir.path().join("identity_kv.db").exists(),
        "no local fallback file"
    );
}

#[test]
fn a_redis_lost_while_serving_makes_identity_unhealthy_until_it_is_back() {
    let redis = Redis::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let host = Host::start(guichet_on_redis(dir.path(), &redis.url()), &dir);
    assert_eq!(host.get("/api/identity/health").status, 200);
    let address = redis.address.clone();
    drop(redis);

    let reply = host.get("/api/identity/health");
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert_eq!(reply.json()["kv_ok"], false);
    assert!(
        !dir.path().join("identity_kv.db").exists(),
        "no local fallback file"
    );

    let _redis = Redis::start_at(&address);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let reply = host.get("/api/identity/health");
        if reply.status == 200 {
            // A fresh server: the count starts again.
            assert_eq!(reply.json()["health_checks"], 1, "{}", reply.body);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "identity did not reconnect: {}",
            reply.body
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_probe_reads_back_on_redis_what_it_wrote_across_a_host_restart() {
    let redis = Redis::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = HostConfig::probe_in(dir.path());
    let path = config.runtime_config.clone().expect("runtime config");
    let text = std::fs::read_to_string(&path).expect("probe runtime config");
    let local = "[key_value_store.extra]\ntype = \"spin\"\npath = \"data/extra_kv.db\"";
    assert!(
        text.contains(local),
        "the probe's runtime config moved on: {text}"
    );
    std::fs::write(
        &path,
        text.replace(
            local,
            &format!(
                "[key_value_store.extra]\ntype = \"redis\"\nurl = \"{}\"",
                redis.url()
            ),
        ),
    )
    .expect("write");
    let host = Host::start(config, &dir);
    let put = host.send(
        "PUT",
        "/probe/kv/extra/greeting",
        &[],
        Some("bonjour ☀".as_bytes()),
    );
    assert_eq!(put.status, 204, "{}", put.body);
    assert_eq!(host.get("/probe/kv/extra/absent").status, 404);
    let host = host.restart();
    let got = host.get("/probe/kv/extra/greeting");
    assert_eq!((got.status, got.body.as_str()), (200, "bonjour ☀"));
    assert_eq!(redis.command(&["EXISTS", "greeting"]), ":1");
    // The default store is still the local file: only `extra` moved.
    assert_eq!(
        host.send("PUT", "/probe/kv/default/greeting", &[], Some(b"local"))
            .status,
        204
    );
    assert_eq!(redis.command(&["GET", "greeting"]), "bonjour ☀");
}

#[test]
fn an_unreachable_redis_or_an_unknown_store_type_stops_the_start_naming_the_setting() {
    let dir = tempfile::tempdir().expect("tempdir");
    // Nothing listens on a port that was free a moment ago.
    let url = format!("redis://:hunter22@{}/0", free_loopback_address());
    let failure = Host::start_in(guichet_on_redis(dir.path(), &url), dir.path().to_path_buf())
        .err()
        .expect("must not start");
    assert!(
        failure.stderr.contains("[key_value_store.identity]"),
        "{}",
        failure.stderr
    );
    assert!(failure.stderr.contains("unreachable"), "{}", failure.stderr);
    assert!(
        !failure.stderr.contains("hunter22"),
        "the password never reaches the log: {}",
        failure.stderr
    );
    assert!(
        !dir.path().join("identity_kv.db").exists(),
        "no local fallback file"
    );

    let other = tempfile::tempdir().expect("tempdir");
    let config = HostConfig::guichet_in(other.path());
    let path = config.runtime_config.clone().expect("runtime config");
    let text = std::fs::read_to_string(&path).expect("runtime config");
    std::fs::write(
        &path,
        text.replacen("type = \"spin\"", "type = \"libsql\"", 1),
    )
    .expect("write");
    let failure = Host::start_in(config, other.path().to_path_buf())
        .err()
        .expect("must not start");
    assert!(
        failure.stderr.contains("[sqlite_database.identity]") && failure.stderr.contains("libsql"),
        "{}",
        failure.stderr
    );
}
