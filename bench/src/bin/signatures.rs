//! Signatures through the Guichet host, over HTTP: how many signatures and verifications per
//! second, against baselines measured in the same run.
//!
//! Starts Guichet (the integration tests' harness: host, identity's keys, a mailbox), gives
//! each of `clients` agents a server-held key and a passkey (the tests' software WebAuthn
//! authenticator, ES256), starts `count` one-signer flows per agent and method, then measures,
//! each agent on its own thread and keep-alive connection:
//!
//! - baseline: `GET /api/signatures/health` for `seconds`;
//! - server-key signatures: `POST flows/{id}/sign`;
//! - passkey signatures: `POST flows/{id}/passkey/options`, the authenticator's assertion,
//!   `POST flows/{id}/passkey/sign`;
//! - verifications: `GET /api/signatures/check?sha256=` of a document signed twice (once with
//!   each method: the bundle rebuilt and every signature and statement checked), for
//!   `seconds`; and the same check natively (`guichet_verify::bundle::verify`, the library the
//!   component and `guichet-verify` use) on one thread.
//!
//! Prints `name=value` lines (bench/signatures.sh makes the table). Needs `make build`.
//! Usage: signatures [count] [clients] [seconds]   (defaults: 150, 2, 10)

use std::time::{Duration, Instant};

use anyhow::{ensure, Context as _};
use guichet_tests::guichet::Guichet;
use guichet_tests::webauthn::{Alg, Authenticator};
use guichet_verify::bundle::Bundle;
use guichet_verify::jws::Jwks;
use serde_json::{json, Value};

const API: &str = "/api/signatures";
const COMMUNE: &str = "demo";

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let count: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(150);
    let clients: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(2);
    let seconds: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(10);
    ensure!(clients >= 2, "at least 2 clients (the verified document has two signers)");
    let g = Guichet::start();
    let fresh = |account: &str| g.keys.signed_in_token(COMMUNE, account, &["agent"], Duration::from_secs(1));
    let pdf = |n: usize| format!("%PDF-1.7\n% benchmark invoice {n}\n%%EOF\n").into_bytes();

    // Set-up (not measured): keys, passkeys, documents, flows.
    let started = Instant::now();
    let mut agents = Vec::new();
    for i in 0..clients {
        let account = format!("bench-{i}");
        let token = fresh(&account);
        expect(&g.post(&format!("{API}/keys"), &json!({}), Some(&token)), 201)?;
        let passkey = Authenticator::new(Alg::Es256, u8::try_from(i + 1)?, &g.host.base);
        let options = expect(&g.post(&format!("{API}/passkeys/options"), &json!({}), Some(&token)), 200)?;
        expect(&g.post(&format!("{API}/passkeys"), &passkey.register(&options), Some(&token)), 201)?;
        let document = upload(&g, &token, &pdf(i))?;
        let mut flows = Vec::new();
        for _ in 0..2 * count {
            let flow = expect(
                &g.post(
                    &format!("{API}/flows"),
                    &json!({"document": document, "purpose": "Banc d'essai", "mode": "ordered",
                            "signers": [{"account": account, "role": "agent"}]}),
                    Some(&token),
                ),
                201,
            )?;
            flows.push(flow["id"].as_str().context("flow id")?.to_owned());
        }
        agents.push((account, passkey, flows));
    }
    println!("setup_s={:.1}", started.elapsed().as_secs_f64());
    println!("clients={clients}");
    println!("count={count}");

    // Baseline: the component's health route.
    let health = run_threads(&g, clients, |_, g| {
        timed_loop(seconds, || Ok(expect(&g.get(&format!("{API}/health"), None), 200).map(drop)?))
    })?;
    report("health", &health);

    // Server-held keys.
    let jobs: Vec<(String, Vec<String>)> = agents.iter().map(|(a, _, f)| (a.clone(), f[..count].to_vec())).collect();
    let server = run_threads(&g, clients, |i, g| {
        let (account, flows) = &jobs[i];
        let token = g.keys.signed_in_token(COMMUNE, account, &["agent"], Duration::from_secs(1));
        let mut latencies = Vec::new();
        for flow in flows {
            let t = Instant::now();
            expect(&g.post(&format!("{API}/flows/{flow}/sign"), &json!({}), Some(&token)), 200)?;
            latencies.push(t.elapsed());
        }
        Ok(latencies)
    })?;
    report("server_key", &server);

    // Passkeys: options, assertion, sign.
    let mut passkeys: Vec<(String, Authenticator, Vec<String>)> =
        agents.into_iter().map(|(a, p, f)| (a, p, f[count..].to_vec())).collect();
    let passkey_runs = std::thread::scope(|scope| {
        let handles: Vec<_> = passkeys
            .iter_mut()
            .map(|(account, authenticator, flows)| {
                let g = &g;
                scope.spawn(move || -> anyhow::Result<Vec<Duration>> {
                    let token = g.keys.access_token(COMMUNE, account, &["agent"]);
                    let mut latencies = Vec::new();
                    for flow in flows.iter() {
                        let t = Instant::now();
                        let options = expect(&g.post(&format!("{API}/flows/{flow}/passkey/options"), &json!({}), Some(&token)), 200)?;
                        let body = authenticator.assert(&options);
                        expect(&g.post(&format!("{API}/flows/{flow}/passkey/sign"), &body, Some(&token)), 200)?;
                        latencies.push(t.elapsed());
                    }
                    Ok(latencies)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect::<anyhow::Result<Vec<_>>>()
    })?;
    report("passkey", &passkey_runs);

    // Verifications: a document signed once with each method.
    let alice = fresh("bench-0");
    let bob = fresh("bench-1");
    let bytes = pdf(999);
    let document = upload(&g, &alice, &bytes)?;
    let flow = expect(
        &g.post(
            &format!("{API}/flows"),
            &json!({"document": document, "purpose": "Banc d'essai", "mode": "parallel",
                    "signers": [{"account": "bench-0", "role": "agent"}, {"account": "bench-1", "role": "agent"}]}),
            Some(&alice),
        ),
        201,
    )?;
    let flow = flow["id"].as_str().context("flow id")?.to_owned();
    expect(&g.post(&format!("{API}/flows/{flow}/sign"), &json!({}), Some(&alice)), 200)?;
    let authenticator = &mut passkeys[1 % clients].1;
    let options = expect(&g.post(&format!("{API}/flows/{flow}/passkey/options"), &json!({}), Some(&bob)), 200)?;
    let body = authenticator.assert(&options);
    expect(&g.post(&format!("{API}/flows/{flow}/passkey/sign"), &body, Some(&bob)), 200)?;
    let digest = guichet_verify::sha256_hex(&bytes);
    let checked = expect(&g.get(&format!("{API}/check?sha256={digest}"), None), 200)?;
    ensure!(checked["valid"] == true, "the check said {checked}");
    let checks = run_threads(&g, clients, |_, g| {
        timed_loop(seconds, || {
            let reply = g.get(&format!("{API}/check?sha256={digest}"), None);
            ensure!(reply.status == 200 && reply.body.contains("\"valid\":true"), "{}", reply.body);
            Ok(())
        })
    })?;
    report("check", &checks);

    // The same verification natively.
    let bundle: Bundle = serde_json::from_str(&g.get(&format!("{API}/documents/{document}/bundle"), Some(&alice)).body)?;
    let keys: Jwks = serde_json::from_str(&g.get(&format!("{API}/keys"), None).body)?;
    let native = timed_loop(seconds.min(5), || {
        ensure!(guichet_verify::bundle::verify(&bundle, &digest, &keys).valid, "not valid natively");
        Ok(())
    })?;
    report("native_verify", &[native]);
    Ok(())
}

fn upload(g: &Guichet, token: &str, bytes: &[u8]) -> anyhow::Result<String> {
    use base64::Engine as _;
    let data = base64::engine::general_purpose::STANDARD.encode(bytes);
    let reply = expect(
        &g.post(
            &format!("{API}/documents"),
            &json!({"title": "Facture", "file": {"name": "facture.pdf", "content_type": "application/pdf", "data_base64": data}}),
            Some(token),
        ),
        201,
    )?;
    Ok(reply["id"].as_str().context("document id")?.to_owned())
}

fn expect(reply: &guichet_tests::Reply, status: u16) -> anyhow::Result<Value> {
    ensure!(reply.status == status, "expected {status}, got {}: {}", reply.status, reply.body);
    Ok(serde_json::from_str(&reply.body).unwrap_or(Value::Null))
}

/// Runs `work` for `seconds`, answering each call's latency.
fn timed_loop(seconds: u64, mut work: impl FnMut() -> anyhow::Result<()>) -> anyhow::Result<Vec<Duration>> {
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut latencies = Vec::new();
    while Instant::now() < end {
        let t = Instant::now();
        work()?;
        latencies.push(t.elapsed());
    }
    Ok(latencies)
}

/// `work(i, g)` on `clients` threads at once; each answers its latencies.
fn run_threads(
    g: &Guichet,
    clients: usize,
    work: impl Fn(usize, &Guichet) -> anyhow::Result<Vec<Duration>> + Sync,
) -> anyhow::Result<Vec<Vec<Duration>>> {
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..clients).map(|i| {
            let work = &work;
            scope.spawn(move || work(i, g))
        }).collect();
        handles.into_iter().map(|h| h.join().expect("thread")).collect()
    })
}

/// Prints `NAME_per_s`, `NAME_p50_ms`, `NAME_p99_ms` and `NAME_n` of threads that ran at once:
/// the rate is every call over the longest thread's busy time.
fn report(name: &str, runs: &[Vec<Duration>]) {
    let busy = runs.iter().map(|r| r.iter().sum::<Duration>()).max().unwrap_or_default();
    let mut all: Vec<Duration> = runs.iter().flatten().copied().collect();
    all.sort();
    let n = all.len();
    let at = |q: f64| all.get(((n as f64 * q) as usize).min(n.saturating_sub(1))).copied().unwrap_or_default();
    println!("{name}_n={n}");
    println!("{name}_per_s={:.1}", n as f64 / busy.as_secs_f64().max(1e-9));
    println!("{name}_p50_ms={:.2}", at(0.5).as_secs_f64() * 1000.0);
    println!("{name}_p99_ms={:.2}", at(0.99).as_secs_f64() * 1000.0);
}
