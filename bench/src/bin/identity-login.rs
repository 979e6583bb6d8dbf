//! Password sign-ins per second through the Guichet host, against native Argon2id hashes per
//! second with the same parameters and the same crate, in the same run.
//!
//! Starts `guichet-host` on Guichet's own spin.toml with identity signing keys and a mailbox
//! (the integration tests' [`Guichet`]), creates verified accounts through the API (register,
//! follow the e-mailed link), then keeps `connections` clients (one keep-alive connection
//! each) posting successful sign-ins (`POST /api/identity/token`, grant `password`) for
//! `seconds`. Every answer must be 200: successful sign-ins are not rate-limited (only failures
//! are counted), and the run makes far more of them per account and per client than any
//! failure limit allows.
//!
//! Then, one at a time, sign-ins and refresh-token grants alternately: both issue tokens the
//! same way, so the difference of their medians is about the Argon2id verification in wasm.
//!
//! Then, the host idle, the baseline: `argon2` 0.5 verifying the same password against a PHC
//! string of identity's parameters (Argon2id, m=19456 KiB, t=2, p=1), which is the hash a
//! sign-in computes, on 1 thread and on `connections` threads, natively.
//!
//! Prints `key=value` lines (bench/identity.sh makes the table).
//! Usage: identity-login [seconds] [connections] [accounts]   (defaults: 20, 2, 4)

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, ensure, Context as _};
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use guichet_tests::guichet::{Guichet, PASSWORD};
use serde_json::json;

/// identity's Argon2id parameters (components/identity/src/password.rs, the OWASP floor and
/// the spin.toml defaults).
const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(20);
    let connections: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(2).max(1);
    // Registrations are limited to 10 per client address and hour.
    let accounts: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(4).clamp(1, 10);

    let guichet = Guichet::start();
    let emails: Vec<String> = (0..accounts).map(|i| format!("banc-{i}@exemple.fr")).collect();
    for email in &emails {
        guichet.verified_citizen(email);
    }
    let url = guichet.host.url("/api/identity/token");
    let bodies: Vec<String> = emails
        .iter()
        .map(|email| json!({"grant_type": "password", "email": email, "password": PASSWORD}).to_string())
        .collect();
    // Warm-up: each account once, and the answer is what a sign-in gives.
    for body in &bodies {
        let (status, text) = post(&agent(), &url, body)?;
        ensure!(status == 200 && text.contains("\"access_token\""), "sign-in answered {status}: {text}");
    }

    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let clients: Vec<_> = (0..connections)
        .map(|client| {
            let (url, bodies, stop) = (url.clone(), bodies.clone(), stop.clone());
            std::thread::spawn(move || -> anyhow::Result<Vec<(usize, u16, Duration)>> {
                let agent = agent();
                let mut samples = Vec::new();
                let mut next = client;
                while !stop.load(Ordering::Relaxed) {
                    let account = next % bodies.len();
                    next += connections;
                    let sent = Instant::now();
                    let (status, _) = post(&agent, &url, &bodies[account])?;
                    samples.push((account, status, sent.elapsed()));
                }
                Ok(samples)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    let mut samples = Vec::new();
    for client in clients {
        samples.extend(client.join().map_err(|_| anyhow!("a client thread panicked"))??);
    }
    let elapsed = started.elapsed().as_secs_f64();
    let (sequential_login, sequential_refresh) = sequential(&url, &bodies[0], 40)?;
    drop(guichet);

    let refused = samples.iter().filter(|(_, status, _)| *status != 200).count();
    if refused > 0 {
        let statuses: Vec<u16> = samples.iter().map(|s| s.1).filter(|s| *s != 200).take(10).collect();
        bail!("{refused} of {} sign-ins were not answered 200 (e.g. {statuses:?})", samples.len());
    }
    let mut per_account = vec![0usize; accounts];
    for (account, _, _) in &samples {
        per_account[*account] += 1;
    }
    let mut latencies: Vec<Duration> = samples.iter().map(|s| s.2).collect();
    latencies.sort_unstable();
    let at = |q: f64| latencies[((latencies.len() as f64 * q).ceil() as usize).saturating_sub(1)];
    let logins = samples.len() as f64 / elapsed;

    let (single, _) = native_hashes(1, seconds.div_ceil(2).max(3))?;
    let (parallel, _) = native_hashes(connections, seconds.div_ceil(2).max(3))?;

    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!("cores={cores}");
    println!("connections={connections}");
    println!("seconds={seconds}");
    println!("accounts={accounts}");
    println!("logins={}", samples.len());
    println!("logins_min_per_account={}", per_account.iter().min().copied().unwrap_or(0));
    println!("refused=0");
    println!("logins_per_s={logins:.1}");
    println!("login_p50_ms={:.0}", at(0.50).as_secs_f64() * 1000.0);
    println!("login_p99_ms={:.0}", at(0.99).as_secs_f64() * 1000.0);
    println!("sequential_login_p50_ms={:.1}", sequential_login.as_secs_f64() * 1000.0);
    println!("sequential_refresh_p50_ms={:.1}", sequential_refresh.as_secs_f64() * 1000.0);
    println!("native_1thread_per_s={single:.1}");
    println!("native_parallel_per_s={parallel:.1}");
    Ok(())
}

/// Medians of a password sign-in and of a refresh-token grant, one at a time on one
/// connection, the host otherwise idle. Both end in the same token issuance (a refresh token
/// stored, an access token signed); the sign-in adds the rate-limit counters, the account
/// lookup and the Argon2id verification, so the difference is about the hash inside wasm.
fn sequential(url: &str, login: &str, pairs: usize) -> anyhow::Result<(Duration, Duration)> {
    let agent = agent();
    let (mut logins, mut refreshes) = (Vec::new(), Vec::new());
    for _ in 0..pairs {
        let sent = Instant::now();
        let (status, text) = post(&agent, url, login)?;
        logins.push(sent.elapsed());
        ensure!(status == 200, "sign-in answered {status}: {text}");
        let answer: serde_json::Value = serde_json::from_str(&text)?;
        let refresh = answer["refresh_token"].as_str().context("no refresh_token")?;
        let body = json!({"grant_type": "refresh_token", "refresh_token": refresh}).to_string();
        let sent = Instant::now();
        let (status, text) = post(&agent, url, &body)?;
        refreshes.push(sent.elapsed());
        ensure!(status == 200, "refresh answered {status}: {text}");
    }
    let median = |mut v: Vec<Duration>| {
        v.sort_unstable();
        v[v.len() / 2]
    };
    Ok((median(logins), median(refreshes)))
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into()
}

fn post(agent: &ureq::Agent, url: &str, body: &str) -> anyhow::Result<(u16, String)> {
    let mut reply = agent
        .post(url)
        .header("content-type", "application/json")
        .send(body.as_bytes())
        .with_context(|| format!("POST {url}"))?;
    let status = reply.status().as_u16();
    let text = reply.body_mut().read_to_string().context("reading the answer")?;
    Ok((status, text))
}

/// Argon2id verifications per second (all threads together) of `PASSWORD` against a PHC
/// string made with identity's parameters, on `threads` threads for `seconds`.
fn native_hashes(threads: usize, seconds: u64) -> anyhow::Result<(f64, usize)> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, LANES, None).map_err(|e| anyhow!("{e}"))?;
    let salt = SaltString::encode_b64(b"bench-salt-16byt").map_err(|e| anyhow!("{e}"))?;
    let stored = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password(PASSWORD.as_bytes(), &salt)
        .map_err(|e| anyhow!("{e}"))?
        .to_string();
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (stored, stop) = (stored.clone(), stop.clone());
            std::thread::spawn(move || -> anyhow::Result<usize> {
                let parsed = PasswordHash::new(&stored).map_err(|e| anyhow!("{e}"))?;
                let mut count = 0;
                while !stop.load(Ordering::Relaxed) {
                    // As identity's password::verify: parameters from the PHC string.
                    Argon2::default()
                        .verify_password(PASSWORD.as_bytes(), &parsed)
                        .map_err(|e| anyhow!("native verification failed: {e}"))?;
                    count += 1;
                }
                Ok(count)
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    let mut total = 0;
    for worker in workers {
        total += worker.join().map_err(|_| anyhow!("a hashing thread panicked"))??;
    }
    Ok((total as f64 / started.elapsed().as_secs_f64(), total))
}
