//! Density: many communes on one host. A regional body serves hundreds of communes from one
//! machine; an extra commune must not make the others slower or the host fatter, and a commune
//! nobody uses must cost no CPU.
//!
//! Starts `guichet-host` on Guichet's own spin.toml, creates communes through the platform API
//! (`POST /api/identity/communes`, host name `cNNNN.localhost` each), and measures the same
//! mix of requests (the commune's description from identity, a catalogue search, requests'
//! health: each resolves the commune, opens its databases and answers) spread over the first
//! 10 communes, then, after creating the rest and touching each once, in alternate rounds over
//! the first 10 and over all of them: p50/p95 of the mix and the host's resident memory, as
//! ratios. Then the host
//! is left idle and the CPU time it uses in 10 s is read from /proc.
//!
//! Usage: density [communes] [rounds]   (defaults: 1000 communes, 3 rounds of the mix per
//! commune measured), or `bash bench/density.sh`. Needs `make build`.

use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use guichet_tests::tokens::TestKeys;
use guichet_tests::{request, Host, HostConfig};
use serde_json::json;

const PLATFORM_TOKEN: &str = "density-platform-token-0123456789";
const MIX: &[&str] = &[
    "/api/identity/commune",
    "/api/catalog/search?q=poubelle",
    "/api/requests/health",
];

fn host_name(i: usize) -> String {
    format!("c{i:04}.localhost")
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let communes: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let rounds: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(3);
    let few = 10.min(communes);

    let dir = tempfile::tempdir().context("tempdir")?;
    let keys = TestKeys::generate("density");
    let config = HostConfig::guichet_in(dir.path())
        .env("SPIN_VARIABLE_TOKEN_JWKS", &keys.jwks())
        .env("SPIN_VARIABLE_PLATFORM_ADMIN_TOKEN", PLATFORM_TOKEN);
    let host = Host::start(config, &dir);
    let pid = host.pid();

    let created = Instant::now();
    create(&host, 1, few)?;
    touch(&host, 1, few)?;
    let (p50_few, p95_few) = measure(&host, few, rounds * (communes / few).max(1));
    let rss_few = rss_kib(pid)?;

    create(&host, few + 1, communes)?;
    touch(&host, few + 1, communes)?;
    let setup = created.elapsed();
    // Rounds over the first communes and over all of them alternate, so that both see the
    // same machine (a busy neighbour slows both, not one).
    let (mut few_after, mut all) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        few_after.extend(timings(&host, few, (communes / few).max(1)));
        all.extend(timings(&host, communes, 1));
    }
    let (p50_few_after, p95_few_after) = percentiles(few_after);
    let (p50_all, p95_all) = percentiles(all);
    let rss_all = rss_kib(pid)?;

    std::thread::sleep(Duration::from_secs(2));
    let before = cpu_ticks(pid)?;
    std::thread::sleep(Duration::from_secs(10));
    let idle_ms = (cpu_ticks(pid)? - before) * 1000 / clock_ticks_per_second();

    println!("| {} cores, one host | {few} communes exist, mix over them | {communes} exist, mix over the first {few} | {communes} exist, mix over all | ratio all / first {few} (same rounds) |", cores());
    println!("|---|---|---|---|---|");
    println!("| p50 of the mix (ms) | {p50_few:.2} | {p50_few_after:.2} | {p50_all:.2} | {:.2} |", p50_all / p50_few_after);
    println!("| p95 of the mix (ms) | {p95_few:.2} | {p95_few_after:.2} | {p95_all:.2} | {:.2} |", p95_all / p95_few_after);
    println!("| host resident memory (MiB) | {:.1} | | {:.1} | {:.2} (against {few} communes) |", rss_few as f64 / 1024.0, rss_all as f64 / 1024.0, rss_all as f64 / rss_few as f64);
    println!();
    println!("Idle after the run: the host used {idle_ms} ms of CPU in 10 s. Creating and touching {communes} communes took {:.1} s.", setup.as_secs_f64());
    Ok(())
}

fn create(host: &Host, from: usize, to: usize) -> anyhow::Result<()> {
    for i in from..=to {
        let body = json!({"id": format!("c{i:04}"), "name": format!("Commune {i}"), "hosts": [host_name(i)], "languages": ["fr", "en"]});
        let reply = host.post_json("/api/identity/communes", Some(PLATFORM_TOKEN), &body);
        if reply.status != 201 {
            bail!("creating commune {i}: {} {}", reply.status, reply.body);
        }
    }
    Ok(())
}

fn get_at(host: &Host, i: usize, path: &str) -> anyhow::Result<Duration> {
    let port = host.base.rsplit(':').next().context("port")?;
    let name = format!("{}:{port}", host_name(i));
    let started = Instant::now();
    let reply = request("GET", &host.url(path), &[("host", name.as_str())], None);
    let took = started.elapsed();
    if reply.status != 200 {
        bail!("{path} at {name}: {} {}", reply.status, reply.body);
    }
    Ok(took)
}

/// Every commune of `from..=to` answers the mix once (their databases opened, their host
/// names cached by each component).
fn touch(host: &Host, from: usize, to: usize) -> anyhow::Result<()> {
    for i in from..=to {
        for path in MIX {
            get_at(host, i, path)?;
        }
    }
    Ok(())
}

/// p50 and p95 (ms) of the mix, `rounds` times over communes 1..=count.
fn measure(host: &Host, count: usize, rounds: usize) -> (f64, f64) {
    percentiles(timings(host, count, rounds))
}

/// Each request's time (ms) of the mix, `rounds` times over communes 1..=count.
fn timings(host: &Host, count: usize, rounds: usize) -> Vec<f64> {
    let mut times = Vec::new();
    for _ in 0..rounds {
        for i in 1..=count {
            for path in MIX {
                let took = get_at(host, i, path).unwrap_or_else(|e| panic!("{e:#}"));
                times.push(took.as_secs_f64() * 1000.0);
            }
        }
    }
    times
}

fn percentiles(mut times: Vec<f64>) -> (f64, f64) {
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    (at(0.50), at(0.95))
}

fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .context("VmRSS")
}

/// utime + stime of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> anyhow::Result<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let rest = stat.rsplit_once(')').context("stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11).context("utime")?.parse()?;
    let stime: u64 = fields.get(12).context("stime")?.parse()?;
    Ok(utime + stime)
}

fn clock_ticks_per_second() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(100)
}

fn cores() -> usize {
    std::thread::available_parallelism().map(usize::from).unwrap_or(1)
}
