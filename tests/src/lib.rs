//! Test harness: starts the real `guichet-host` binary on a free port with a fresh state
//! directory, and talks to it over HTTP. The wasm components and the host must be built first
//! (`make test` does it).

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub mod guichet;
pub mod mailbox;
pub mod node;
pub mod probe;
pub mod receiver;
pub mod tokens;
pub mod webauthn;

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

fn host_binary() -> PathBuf {
    let path = root().join("target/release/guichet-host");
    assert!(path.exists(), "{} is missing: run `make build` (or `make test`)", path.display());
    path
}

/// A manifest to run and how.
#[derive(Clone)]
pub struct HostConfig {
    pub manifest: PathBuf,
    pub runtime_config: Option<PathBuf>,
    pub env: Vec<(String, String)>,
}

impl HostConfig {
    pub fn guichet() -> HostConfig {
        HostConfig { manifest: root().join("spin.toml"), runtime_config: None, env: Vec::new() }
    }

    /// Guichet with its databases in `dir`: the runtime config is rewritten with absolute paths
    /// there (its relative ones name the repository's `.spin/`, from the root for SQLite and
    /// from `infra/` for key-value, as Spin resolves them).
    pub fn guichet_in(dir: &Path) -> HostConfig {
        let here = format!("\"{}/", dir.display());
        let text = std::fs::read_to_string(root().join("infra/runtime-config.toml"))
            .expect("infra/runtime-config.toml")
            .replace("\"../.spin/", &here)
            .replace("\".spin/", &here);
        let runtime_config = dir.join("runtime-config.toml");
        std::fs::write(&runtime_config, text).expect("writing runtime config");
        HostConfig { runtime_config: Some(runtime_config), ..HostConfig::guichet() }
    }

    /// The probe fixture with its non-default stores in `dir` (relative paths in the copied
    /// runtime config resolve from there when `dir` is also the state directory, which is the
    /// host's working directory), so every test starts from empty stores.
    pub fn probe_in(dir: &Path) -> HostConfig {
        let fixture = root().join("tests/fixtures/probe-app/runtime-config.toml");
        let runtime_config = dir.join("runtime-config.toml");
        std::fs::copy(&fixture, &runtime_config).expect("copying the probe runtime config");
        HostConfig { runtime_config: Some(runtime_config), ..HostConfig::probe() }
    }

    pub fn probe() -> HostConfig {
        let dir = root().join("tests/fixtures/probe-app");
        HostConfig {
            manifest: dir.join("spin.toml"),
            runtime_config: Some(dir.join("runtime-config.toml")),
            env: vec![("SPIN_VARIABLE_API_TOKEN".into(), "s3cret".into())],
        }
    }

    /// This configuration with a copy of spin.toml in `dir` whose catch-all route `/...`
    /// serves `component` instead of the portal (same grants, same variables): how tests
    /// reach a component's private `/internal/...` contract.
    pub fn routing_everything_else_to(mut self, dir: &Path, component: &str) -> HostConfig {
        let text = std::fs::read_to_string(root().join("spin.toml")).expect("spin.toml");
        let catch_all = "route = \"/...\"\ncomponent = \"portal\"";
        assert!(text.contains(catch_all), "spin.toml no longer routes `/...` to the portal");
        let text = text
            .replace(catch_all, &format!("route = \"/...\"\ncomponent = \"{component}\""))
            .replace("\"target/", &format!("\"{}/target/", root().display()));
        let path = dir.join("spin.toml");
        std::fs::write(&path, text).expect("writing the manifest copy");
        self.manifest = path;
        self
    }

    pub fn env(mut self, name: &str, value: &str) -> HostConfig {
        self.env.push((name.into(), value.into()));
        self
    }
}

/// A running host; killed on drop.
pub struct Host {
    child: Child,
    pub base: String,
    pub state_dir: PathBuf,
    log: Arc<Mutex<String>>,
    config: HostConfig,
}

/// What a failed start printed.
#[derive(Debug)]
pub struct StartFailure {
    pub stderr: String,
}

impl Host {
    /// Starts with a fresh state dir (deleted when `dir` is).
    pub fn start(config: HostConfig, dir: &tempfile::TempDir) -> Host {
        Self::start_in(config, dir.path().to_path_buf()).unwrap_or_else(|f| panic!("host did not start:\n{}", f.stderr))
    }

    /// Starts on an existing state dir (to check what survives a restart).
    pub fn start_in(config: HostConfig, state_dir: PathBuf) -> Result<Host, StartFailure> {
        // The port is chosen here, not by the host, so that the commune's public origin (the
        // only origin links may use) can be this server's: `SPIN_VARIABLE_PUBLIC_ORIGIN`,
        // unless the test sets its own. Another process may take the port meanwhile: try again.
        let mut tries = 0;
        loop {
            let listen = free_loopback_address();
            match Self::launch(config.clone(), state_dir.clone(), &listen) {
                Err(failure) if tries < 3 && failure.stderr.contains("in use") => tries += 1,
                other => return other,
            }
        }
    }

    fn launch(config: HostConfig, state_dir: PathBuf, listen: &str) -> Result<Host, StartFailure> {
        let mut command = Command::new(host_binary());
        if !config.env.iter().any(|(name, _)| name == "SPIN_VARIABLE_PUBLIC_ORIGIN") {
            command.env("SPIN_VARIABLE_PUBLIC_ORIGIN", format!("http://{listen}"));
        }
        // The state directory is also the working directory, from which Spin (and the host)
        // resolve a relative SQLite path: such databases start empty with each test too.
        command
            .current_dir(&state_dir)
            .arg("up")
            .arg("--from")
            .arg(&config.manifest)
            .arg("--listen")
            .arg(listen)
            .arg("--state-dir")
            .arg(&state_dir)
            .arg("--cache-dir")
            .arg(root().join("target/wasm-cache"))
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(rc) = &config.runtime_config {
            command.arg("--runtime-config-file").arg(rc);
        }
        // `{listen_port}` in a setting is this host's port (a test choosing its public origin's
        // host name, such as `http://localhost:{listen_port}` for WebAuthn, which needs one).
        let port = listen.rsplit(':').next().unwrap_or_default();
        for (k, v) in &config.env {
            command.env(k, v.replace("{listen_port}", port));
        }
        std::fs::create_dir_all(&state_dir).expect("creating the state directory");
        Self::spawn(command, state_dir, config)
    }

    /// Runs `command` (a host, or a script that ends by running one) and waits until it prints
    /// `Serving <url>`: how tests start Guichet the way a deployment does.
    pub fn spawn(mut command: Command, state_dir: PathBuf, config: HostConfig) -> Result<Host, StartFailure> {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().expect("spawning the host");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().expect("stderr piped");
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut log) = sink.lock() {
                    log.push_str(&line);
                    log.push('\n');
                }
            }
        });
        let stdout = child.stdout.take().expect("stdout piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            while let Some(Ok(line)) = lines.next() {
                if let Some(url) = line.strip_prefix("Serving ") {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Ok(base) = rx.recv_timeout(Duration::from_millis(100)) {
                return Ok(Host { child, base, state_dir, log, config });
            }
            if let Ok(Some(_)) = child.try_wait() {
                std::thread::sleep(Duration::from_millis(200));
                let stderr = log.lock().map(|l| l.clone()).unwrap_or_default();
                return Err(StartFailure { stderr });
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("host did not print its address within 120 s");
            }
        }
    }

    /// Stops (SIGKILL) and starts again on the same state dir and address.
    pub fn restart(mut self) -> Host {
        self.kill();
        let config = self.config.clone();
        let dir = self.state_dir.clone();
        let listen = self.base.trim_start_matches("http://").to_owned();
        Self::launch(config, dir, &listen).unwrap_or_else(|f| panic!("restart failed:\n{}", f.stderr))
    }

    /// Stops the host as systemd does (SIGTERM, then up to 60 s for it to drain and exit);
    /// its exit status.
    pub fn stop(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("kill -TERM");
        assert!(sent.success(), "kill -TERM {pid}");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("host did not exit within 60 s of SIGTERM:\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops gracefully ([`Host::stop`]) and starts again on the same state dir and address.
    pub fn restart_gracefully(mut self) -> Host {
        let status = self.stop();
        assert!(status.success(), "host exited with {status:?} on SIGTERM:\n{}", self.log());
        let config = self.config.clone();
        let dir = self.state_dir.clone();
        let listen = self.base.trim_start_matches("http://").to_owned();
        Self::launch(config, dir, &listen).unwrap_or_else(|f| panic!("restart failed:\n{}", f.stderr))
    }

    /// The host's process id (to read its memory use from /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Everything the host wrote to stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// The log once it holds `needle`, or as it is after 10 s: a guest's lines reach the log
    /// through the host's stderr and a reader thread, possibly after its answer arrived.
    pub fn log_with(&self, needle: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let log = self.log();
            if log.contains(needle) || std::time::Instant::now() >= deadline {
                return log;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn get(&self, path: &str) -> Reply {
        request("GET", &self.url(path), &[], None)
    }

    pub fn send(&self, method: &str, path: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Reply {
        request(method, &self.url(path), headers, body)
    }

    /// POST a JSON body, with a bearer token when given.
    pub fn post_json(&self, path: &str, bearer: Option<&str>, body: &serde_json::Value) -> Reply {
        let auth = bearer.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("content-type", "application/json")];
        headers.extend(auth.as_deref().map(|a| ("authorization", a)));
        self.send("POST", path, &headers, Some(body.to_string().as_bytes()))
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A copy of spin.toml in `dir` changed by `edit`, its build outputs still found (for tests
/// that run Guichet with one grant or route changed).
pub fn manifest_copy(dir: &Path, name: &str, edit: impl FnOnce(String) -> String) -> PathBuf {
    let text = std::fs::read_to_string(root().join("spin.toml")).expect("spin.toml");
    let text = edit(text).replace("\"target/", &format!("\"{}/target/", root().display()));
    let path = dir.join(name);
    std::fs::write(&path, text).expect("writing the manifest copy");
    path
}

/// `127.0.0.1:<a port free a moment ago>`.
pub fn free_loopback_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding a free port");
    format!("127.0.0.1:{}", listener.local_addr().expect("local address").port())
}

/// An HTTP answer.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): status {} body {:?}", self.status, self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

/// One HTTP request; any status is an answer, only transport failures panic.
pub fn request(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Reply {
    run(agent(), method, url, headers, body)
}

/// [`request`] as a browser's single step: a redirect is an answer (its `Location` and
/// cookies are seen), not followed.
pub fn request_once(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Reply {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    run(agent, method, url, headers, body)
}

fn run(agent: ureq::Agent, method: &str, url: &str, headers: &[(&str, &str)], body: Option<&[u8]>) -> Reply {
    let method = ureq::http::Method::from_bytes(method.as_bytes()).expect("method");
    let mut builder = ureq::http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let response = match body {
        Some(body) => agent.run(builder.body(body.to_vec()).expect("request")),
        None => agent.run(builder.body(()).expect("request")),
    }
    .unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    let mut text = String::new();
    response
        .into_body()
        .into_reader()
        .read_to_string(&mut text)
        .unwrap_or_else(|e| panic!("{url}: reading body: {e}"));
    Reply { status, headers, body: text }
}

/// A component's privacy answer (`wit/privacy.wit`: `records` as `[{kind, json}]`, `erased` as
/// `[{kind, count}]`) viewed by kind (`{"records": {kind: [..]}, "erased": {kind: n}}`), the
/// way identity merges them, so that tests read records by kind.
pub fn privacy_by_kind(mut answer: serde_json::Value) -> serde_json::Value {
    use serde_json::{Map, Value};
    if let Some(records) = answer.get("records").and_then(Value::as_array).cloned() {
        let by_kind: Map<String, Value> = records
            .iter()
            .map(|r| {
                let json = r["json"].as_str().and_then(|t| serde_json::from_str(t).ok());
                (r["kind"].as_str().unwrap_or_default().to_owned(), json.unwrap_or(Value::Null))
            })
            .collect();
        answer["records"] = Value::Object(by_kind);
    }
    if let Some(erased) = answer.get("erased").and_then(Value::as_array).cloned() {
        let by_kind: Map<String, Value> = erased
            .iter()
            .map(|e| (e["kind"].as_str().unwrap_or_default().to_owned(), e["count"].clone()))
            .collect();
        answer["erased"] = Value::Object(by_kind);
    }
    answer
}
