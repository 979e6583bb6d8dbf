//! Guichet deployed the way the README says, on Spin or on the host: a copy of the repository
//! root (the unchanged `spin.toml` and `infra/runtime-config.toml`, the built `target/`), and
//! the README's "With Spin itself" commands run there by bash, `spin` being either runtime.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use guichet_tests::mailbox::Mailbox;
use guichet_tests::tokens::TestKeys;
use guichet_tests::{request, root, Reply};

/// Which runtime serves the app.
pub enum Runtime {
    /// The real `spin` binary at this path.
    Spin(PathBuf),
    /// `target/release/guichet-host`.
    Host,
}

/// The Spin binary: `GUICHET_SPIN`, or what `infra/spin.sh` unpacked into target/spin.
pub fn spin_binary() -> Option<PathBuf> {
    let path = std::env::var_os("GUICHET_SPIN").map(PathBuf::from).unwrap_or_else(|| root().join("target/spin/spin"));
    path.exists().then_some(path)
}

/// A running deployment; its process group is stopped on drop.
pub struct Deployment {
    pub name: &'static str,
    pub base: String,
    /// The copy of the repository root it runs in.
    pub root: PathBuf,
    pub mailbox: Mailbox,
    child: Child,
    log: Arc<Mutex<String>>,
    _dir: tempfile::TempDir,
}

/// The commands of the README's "With Spin itself" block, as a bash script for `runtime`:
/// the build lines are left out (`make build` ran them), and `spin up` gets a free address.
fn readme_script(runtime: &Runtime) -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let start = readme.find("### With Spin itself").expect("README has a \"With Spin itself\" section");
    let block = readme[start..].split("```sh\n").nth(1).and_then(|b| b.split("```").next()).expect("its sh block");
    let mut script = String::from("set -euo pipefail\n");
    let mut up = None;
    for line in block.lines() {
        if line.starts_with("PATH=") || line.starts_with("spin build") || line.starts_with("cargo build") {
            continue;
        }
        match line.strip_prefix("spin up") {
            Some(args) => up = Some(args.to_owned()),
            None => script.push_str(&format!("{line}\n")),
        }
    }
    let args = up.expect("the README's steps end with `spin up`");
    let extra = match runtime {
        Runtime::Spin(_) => String::new(),
        // The host's compiled components are cached where the other tests keep theirs.
        Runtime::Host => format!(" --cache-dir '{}'", root().join("target/wasm-cache").display()),
    };
    script.push_str(&format!("exec \"$GUICHET_RUNTIME\" up{args} --listen \"$GUICHET_LISTEN\"{extra}\n"));
    script
}

/// A copy of the repository root with what `spin up` reads: the manifest, the runtime
/// config, and the build outputs (a link to `target/`).
fn root_copy(dir: &Path) -> PathBuf {
    let copy = dir.join("guichet");
    std::fs::create_dir_all(copy.join("infra")).expect("copy dirs");
    std::fs::copy(root().join("spin.toml"), copy.join("spin.toml")).expect("copying spin.toml");
    std::fs::copy(root().join("infra/runtime-config.toml"), copy.join("infra/runtime-config.toml")).expect("copying the runtime config");
    std::os::unix::fs::symlink(root().join("target"), copy.join("target")).expect("linking target/");
    copy
}

fn free_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding a free port");
    format!("127.0.0.1:{}", listener.local_addr().expect("address").port())
}

impl Deployment {
    pub fn start(runtime: Runtime) -> Deployment {
        let dir = tempfile::tempdir().expect("tempdir");
        let copy = root_copy(dir.path());
        let mailbox = Mailbox::start();
        let listen = free_address();
        let (name, binary) = match &runtime {
            Runtime::Spin(path) => ("spin", path.clone()),
            Runtime::Host => ("host", root().join("target/release/guichet-host")),
        };
        let mut command = Command::new("bash");
        command
            .arg("-c")
            .arg(readme_script(&runtime))
            .current_dir(&copy)
            .env("GUICHET_RUNTIME", &binary)
            .env("GUICHET_LISTEN", &listen)
            // What the README leaves to the reader: where mail goes and the public address.
            .env("SPIN_VARIABLE_MAIL_API_ORIGIN", mailbox.origin())
            .env("SPIN_VARIABLE_SMS_API_ORIGIN", mailbox.origin())
            .env("SPIN_VARIABLE_PUBLIC_ORIGIN", format!("http://{listen}"))
            // The back-office's journey: a platform administrator invites the first one, and
            // the portal relays the agent's calls.
            .env("SPIN_VARIABLE_PLATFORM_ADMIN_TOKEN", PLATFORM_TOKEN)
            .env("SPIN_VARIABLE_STAFF_RELAY_SECRET", RELAY_SECRET)
            .env("RUST_LOG", "info")
            // `spin up` runs its trigger as a child process: stop the whole group.
            .process_group(0)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("spawning bash");
        let log = Arc::new(Mutex::new(String::new()));
        for stream in [child.stdout.take().map(|s| Box::new(s) as Box<dyn std::io::Read + Send>), child.stderr.take().map(|s| Box::new(s) as _)].into_iter().flatten() {
            let sink = log.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Ok(mut log) = sink.lock() {
                        log.push_str(&line);
                        log.push('\n');
                    }
                }
            });
        }
        let base = format!("http://{listen}");
        // Built before waiting, so that a failed start still stops what it started (on drop).
        let mut deployment = Deployment { name, base, root: copy, mailbox, child, log, _dir: dir };
        deployment.wait_until_serving();
        deployment
    }

    /// The key the README's steps generated (`.spin/signing-keys.json`), to mint staff tokens.
    pub fn keys(&self) -> TestKeys {
        let keys = std::fs::read_to_string(self.root.join(".spin/signing-keys.json"))
            .expect("the README's steps wrote .spin/signing-keys.json");
        TestKeys::from_private_jwks(&keys)
    }

    /// Waits (compiling seven components takes a while on Spin) until the portal answers.
    fn wait_until_serving(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(300);
        let address = self.base.trim_start_matches("http://").to_owned();
        loop {
            if std::net::TcpStream::connect(&address).is_ok() && self.get("/health").status == 200 {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                std::thread::sleep(Duration::from_millis(300));
                panic!("{} exited ({status}) before serving:\n{}", self.name, self.log());
            }
            assert!(Instant::now() < deadline, "{} did not serve within 300 s:\n{}", self.name, self.log());
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Everything the runtime printed so far.
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    pub fn get(&self, path: &str) -> Reply {
        request("GET", &format!("{}{path}", self.base), &[], None)
    }

    /// GET with a bearer token.
    pub fn get_as(&self, path: &str, bearer: &str) -> Reply {
        let auth = format!("Bearer {bearer}");
        request("GET", &format!("{}{path}", self.base), &[("authorization", &auth)], None)
    }

    /// POST a JSON body, with a bearer token when given.
    pub fn post(&self, path: &str, body: &serde_json::Value, bearer: Option<&str>) -> Reply {
        let auth = bearer.map(|t| format!("Bearer {t}"));
        let mut headers = vec![("content-type", "application/json")];
        headers.extend(auth.as_deref().map(|a| ("authorization", a)));
        request("POST", &format!("{}{path}", self.base), &headers, Some(body.to_string().as_bytes()))
    }

    /// POST an `application/x-www-form-urlencoded` body (already encoded).
    pub fn post_form(&self, path: &str, body: &str) -> Reply {
        let headers = [("content-type", "application/x-www-form-urlencoded; charset=utf-8")];
        request("POST", &format!("{}{path}", self.base), &headers, Some(body.as_bytes()))
    }
}

/// The platform administrator's token and the relay's secret of the deployments.
pub const PLATFORM_TOKEN: &str = "conformance-platform-token-0123456789";
pub const RELAY_SECRET: &str = "conformance-relay-secret-0123456789";

impl Drop for Deployment {
    fn drop(&mut self) {
        // SIGTERM to the group this deployment started (bash exec'd the runtime, which leads it).
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-s", "TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill").args(["-s", "KILL", "--", &group]).status();
        let _ = self.child.wait();
    }
}
