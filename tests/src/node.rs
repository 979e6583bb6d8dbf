//! Running a Node.js test script of `tests/node` (a real browser driven by playwright-core,
//! or a third-party client) against a running Guichet, and failing with everything it printed.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Debian's Chromium, as tests/node/lib/browser.mjs uses it.
pub fn chromium() -> PathBuf {
    PathBuf::from(std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".to_owned()))
}

/// Checks that the browser stack is installed (infra/setup.sh does it).
pub fn require_browser() {
    let modules = crate::root().join("tests/node/node_modules/playwright-core");
    assert!(chromium().exists(), "Chromium is missing at {} (infra/setup.sh installs it; or set CHROMIUM_PATH)", chromium().display());
    assert!(modules.exists(), "{} is missing: run `npm ci` in tests/node (infra/setup.sh does it)", modules.display());
}

/// Runs `tests/node/<script>` with `env`, waiting at most `limit`; panics unless it exits 0
/// and printed `done` (the script's own last line), showing its output and `log()` (e.g. the
/// host's log) when it fails. Returns its standard output.
pub fn run(script: &str, env: &[(&str, &str)], done: &str, limit: Duration, log: impl Fn() -> String) -> String {
    let path = crate::root().join("tests/node").join(script);
    let mut command = Command::new("node");
    command.arg(&path).stdout(Stdio::piped()).stderr(Stdio::piped());
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run node ({e}): Node.js 20+ is required (infra/setup.sh installs it)"));
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for node") {
            break Some(status);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let (out, err) = (out.join().unwrap_or_default(), err.join().unwrap_or_default());
    let report = format!("--- stdout\n{out}\n--- stderr\n{err}\n--- log (tail)\n{}", tail(&log(), 40));
    match status {
        Some(status) if status.success() => assert!(out.contains(done), "{report}"),
        Some(status) => panic!("{script} failed ({status}):\n{report}"),
        None => panic!("{script} did not finish within {limit:?}:\n{report}"),
    }
    out
}

/// The last `lines` lines of `text`.
pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
