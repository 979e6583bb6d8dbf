//! The agents' queue on a commune with one million requests, through the Guichet host.
//!
//! Starts `guichet-host` on Guichet's spin.toml with a fresh state directory, lets the requests
//! component create its database (`GET /api/requests/health`), stops the host and writes the
//! requests straight into that SQLite file (the exact schema the component migrated: its
//! indexes are dropped during the load and re-created from their own SQL, and the full-text
//! index is filled as `record::insert` fills it), then starts the host again and measures, one
//! request at a time on one keep-alive connection, the queue's common queries with an agent's
//! token. The generated commune: the 34 demo services with their departments and workflows,
//! requests spread over three years, about 20% open (most of them recent), two thirds
//! assigned, six channels, descriptions and addresses to search.
//!
//! Baselines in the same run: `GET /api/requests/health` through the host (the floor of any
//! request: instantiation, token-free routing, one SQLite open), and the very statements the
//! component runs (`components/requests/src/store/queue/sql.rs`, included here) run natively with
//! rusqlite on the same file, on one connection kept open with its statements cached (the
//! floor: whatever the host adds above it is the cost of going through the host).
//!
//! Prints a Markdown table. Usage: requests-queue [rows] [samples per query]
//! (defaults 1000000 and 100), or `bash bench/requests_queue.sh`.

use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use guichet_tests::tokens::TestKeys;
use guichet_tests::{Host, HostConfig};
use serde_json::Value;

#[allow(dead_code)] // the benchmark uses only some of the builders
#[path = "../../../components/requests/src/store/queue/sql.rs"]
mod sql;

#[allow(dead_code)] // each benchmark uses a part of the shared commune
#[path = "../commune.rs"]
mod commune;

use commune::*;


fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let rows: usize = args
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let samples: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100);
    let services = read_services()?;

    let dir = tempfile::tempdir().context("tempdir")?;
    let keys = TestKeys::generate("bench");
    let config = HostConfig::guichet_in(dir.path()).env("SPIN_VARIABLE_TOKEN_JWKS", &keys.jwks());
    let mut host = Host::start(config, &dir);
    let agent = client();
    let (status, body) = get(&agent, &host.url("/api/requests/health"), None)?;
    if status != 200 {
        bail!("health answered {status}: {body}");
    }
    host.kill();
    let db_path = dir.path().join("requests.db");
    let started = Instant::now();
    let now = unix_now();
    let summary = seed(&db_path, &services, rows, now)?;
    let seed_time = started.elapsed();
    if let Some(keep) = std::env::var_os("BENCH_KEEP_DB") {
        // A copy of the generated database, to study query plans by hand.
        std::fs::copy(&db_path, &keep).context("copying the database")?;
    }
    let host = host.restart();

    let token = keys.access_token(COMMUNE, "agent-1", &["agent"]);
    let bearer = format!("Bearer {token}");
    let departments: Vec<&str> = {
        let mut d: Vec<&str> = services.iter().map(|s| s.department.as_str()).collect();
        d.sort_unstable();
        d.dedup();
        d
    };
    let mut random = Lcg(7);
    let shapes: Vec<Shape> = vec![
        Shape::new(
            "first page, default sort (`-created`)",
            |_| String::new(),
            &[],
        ),
        Shape::new(
            "department + open",
            |i| {
                format!(
                    "department={}&open=true",
                    DEPARTMENTS_CYCLE[i % DEPARTMENTS_CYCLE.len()]
                )
            },
            &[],
        ),
        Shape::new(
            "overdue, most overdue first (`overdue=true&sort=expected`)",
            |_| "overdue=true&sort=expected".into(),
            &[],
        ),
        Shape::new(
            "overdue, newest first (`overdue=true`)",
            |_| "overdue=true".into(),
            &[],
        ),
        Shape::new(
            "assigned to me, open (`assignee=me&open=true`)",
            |_| "assignee=me&open=true".into(),
            &[],
        ),
        Shape::new(
            "text search, a surname (~0.03% of requests)",
            |i| format!("q={}", surname(i * 7)),
            &[],
        ),
        Shape::new(
            "text search, a street (`q=victor+hugo`, ~4%)",
            |_| "q=victor+hugo".into(),
            &[],
        ),
        Shape::new(
            "text search + open (`q=jaures&open=true`)",
            |_| "q=jaures&open=true".into(),
            &[],
        ),
        Shape::new(
            "text search, a word in 25% of requests (`q=bruit`)",
            |_| "q=bruit".into(),
            &[],
        ),
        Shape::new(
            "reference (`q=2025-012345`)",
            |i| format!("q=2025-{:06}", 1000 + (i * 997) % 300_000),
            &[],
        ),
        Shape::new(
            "deep page via cursor (random position in 1M)",
            |_| String::new(),
            &["cursor"],
        ),
        Shape::new(
            "department + open with `counts=true` (exact per state)",
            |i| {
                format!(
                    "department={}&open=true&counts=true",
                    DEPARTMENTS_CYCLE[i % DEPARTMENTS_CYCLE.len()]
                )
            },
            &[],
        ),
        Shape::new(
            "whole commune with `counts=true` (exact per state, 1M rows)",
            |_| "counts=true".into(),
            &[],
        ),
    ];

    let native_conn = rusqlite::Connection::open(&db_path).context("opening the database natively")?;
    let mut table = Vec::new();
    let mut plans = String::new();
    let mut health = Vec::with_capacity(samples);
    for _ in 0..samples {
        let url = host.url("/api/requests/health");
        let start = Instant::now();
        let (status, _) = get(&agent, &url, None)?;
        health.push(start.elapsed());
        if status != 200 {
            bail!("health answered {status}");
        }
    }
    for shape in &shapes {
        let mut times = Vec::with_capacity(samples);
        let mut native = Vec::with_capacity(samples);
        let mut checked = false;
        let budget = Instant::now();
        for i in 0..samples + 5 {
            // Slow shapes stop after a few seconds (at least 20 samples), to keep the run short.
            if i >= 25 && budget.elapsed() > Duration::from_secs(5) {
                break;
            }
            let mut query = (shape.query)(i);
            let mut after = None;
            if shape.flags.contains(&"cursor") {
                // A position deep in the commune: the cursor is the one the component hands
                // out (hex of `sort|value|rowid`, see queue/params.rs), built for any row.
                let rowid = 1 + random.below(rows - 1000) as i64;
                let value = created_at(rowid as usize - 1, rows, now);
                after = Some(sql::After {
                    value: Some(value.clone()),
                    rowid,
                });
                query = format!("cursor={}", hex(&format!("-created|{value}|{rowid}")));
            }
            let url = host.url(&format!("/api/requests?{query}"));
            let start = Instant::now();
            let (status, body) = get(&agent, &url, Some(&bearer))?;
            let elapsed = start.elapsed();
            if status != 200 {
                bail!("{url} answered {status}: {}", truncate(&body, 400));
            }
            if !checked {
                let answer: Value = serde_json::from_str(&body).context("queue answer")?;
                if answer["items"].as_array().is_none_or(Vec::is_empty) {
                    bail!("{url} found nothing: {}", truncate(&body, 400));
                }
                checked = true;
            }
            let mut ran = Vec::new();
            let native_time = native_list(&native_conn, &query, after, &mut ran)?;
            if i == 0 && std::env::var_os("BENCH_PLANS").is_some() {
                plans.push_str(&format!("\n{}  (`{query}`)\n", shape.name));
                for statement in &ran {
                    plans.push_str(&plan(&native_conn, statement)?);
                }
            }
            // The first five are warm-up (page cache, compiled code).
            if i >= 5 {
                times.push(elapsed);
                native.push(native_time);
            }
        }
        table.push((shape.name, times, native));
    }
    let mut figures = Vec::with_capacity(20);
    for _ in 0..20 {
        let url = host.url("/api/requests/figures");
        let start = Instant::now();
        let (status, body) = get(&agent, &url, Some(&bearer))?;
        figures.push(start.elapsed());
        if status != 200 {
            bail!("figures answered {status}: {body}");
        }
    }
    let (_, figures_body) = get(&agent, &host.url("/api/requests/figures"), Some(&bearer))?;

    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "| `GET /api/requests?…` on {rows} requests ({cores} cores, sequential, one connection) | samples | p50 (ms) | p95 (ms) | p99 (ms) | req/s | same SQL natively, p50 (ms) | host / native (p50) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let health_stats = Stats::of(&mut health);
    println!(
        "| baseline: `GET /api/requests/health` | {} | {:.2} | {:.2} | {:.2} | {:.0} | | |",
        health.len(),
        health_stats.p50,
        health_stats.p95,
        health_stats.p99,
        health_stats.rps
    );
    for (name, times, native) in &mut table {
        let s = Stats::of(times);
        let n = Stats::of(native);
        println!(
            "| {name} | {} | {:.2} | {:.2} | {:.2} | {:.0} | {:.2} | {:.1} |",
            times.len(),
            s.p50,
            s.p95,
            s.p99,
            s.rps,
            n.p50,
            s.p50 / n.p50.max(0.001)
        );
    }
    let f = Stats::of(&mut figures);
    println!(
        "| `GET /api/requests/figures` (open, overdue, closed this week, median time to close) | {} | {:.2} | {:.2} | {:.2} | {:.0} | | |",
        figures.len(),
        f.p50, f.p95, f.p99, f.rps
    );
    println!();
    println!(
        "Generated commune: {rows} requests ({} open, {} assigned) over 34 services and {} departments, written into the requests database in {:.1} s. Figures: {}.",
        summary.open,
        summary.assigned,
        departments.len(),
        seed_time.as_secs_f64(),
        truncate(&figures_body, 300)
    );
    if !plans.is_empty() {
        println!("\nQuery plans (EXPLAIN QUERY PLAN, first sample of each query):{plans}");
    }
    drop(host);
    Ok(())
}

/// The query plan of `statement`, one line per step, indented by depth.
fn plan(conn: &rusqlite::Connection, statement: &sql::Sql) -> anyhow::Result<String> {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {}", statement.text))?;
    let mut rows = stmt.query(rusqlite::params_from_iter(statement.params.iter().map(value)))?;
    let mut out = format!("    {}\n", truncate(&statement.text, 160));
    let mut depth: Vec<(i64, usize)> = Vec::new();
    while let Some(row) = rows.next()? {
        let (id, parent, detail): (i64, i64, String) = (row.get(0)?, row.get(1)?, row.get(3)?);
        let level = depth.iter().find(|(i, _)| *i == parent).map_or(0, |(_, l)| l + 1);
        depth.push((id, level));
        out.push_str(&format!("      {}{detail}\n", "  ".repeat(level)));
    }
    Ok(out)
}

/// Departments to filter on, in turn (the demo catalogue's, big and small).
const DEPARTMENTS_CYCLE: [&str; 6] = [
    "roads",
    "population",
    "cleanliness",
    "urbanism",
    "municipal-police",
    "civil-status",
];

struct Shape {
    name: &'static str,
    query: Box<dyn Fn(usize) -> String>,
    flags: &'static [&'static str],
}

impl Shape {
    fn new(
        name: &'static str,
        query: impl Fn(usize) -> String + 'static,
        flags: &'static [&'static str],
    ) -> Shape {
        Shape {
            name,
            query: Box::new(query),
            flags,
        }
    }
}

/// What the component runs for `GET /api/requests?{query}` (the subset of parameters this
/// benchmark sends), natively on `conn` (kept open, statements cached), timed.
fn native_list(
    conn: &rusqlite::Connection,
    query: &str,
    after: Option<sql::After>,
    ran: &mut Vec<sql::Sql>,
) -> anyhow::Result<Duration> {
    let mut filters = sql::Filters {
        commune: COMMUNE.into(),
        text_drives: true,
        ..Default::default()
    };
    let mut sort = sql::Sort::DEFAULT;
    let mut counts = false;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = unpct(value);
        match name {
            "department" => filters.departments.push(value),
            "open" => filters.open = Some(value == "true"),
            "overdue" => filters.overdue = Some(value == "true"),
            "assignee" => filters.assignee = Some(sql::Assignee::Account("agent-1".into())),
            "sort" => sort = sql::Sort::parse(&value).context("sort")?,
            "counts" => counts = value == "true",
            "q" if value.starts_with("20") && value.len() == 11 => {
                filters.text = Some(sql::Text::Reference(value))
            }
            "q" => {
                filters.text = Some(sql::Text::Match(
                    sql::match_expression(&value).context("words")?,
                ))
            }
            _ => {}
        }
    }
    let start = Instant::now();
    if let Some(sql::Text::Match(expression)) = &filters.text {
        let statement = sql::text_matches(expression, 10_001);
        let n: i64 = one(conn, &statement)?;
        ran.push(statement);
        filters.text_drives = n <= 5_000;
    }
    let mut page = sql::page(&filters, sort, after.as_ref(), 26);
    if !filters.text_drives && after.is_none() && sort == sql::Sort::DEFAULT {
        // The component's first page of a many-match text search (queue.rs newest_matches):
        // read backwards from the full-text index, then one check of the order.
        page = sql::newest_by_rowid(&filters, 26).context("words")?;
        let check = sql::newer_below(COMMUNE, "9999-12-31T00:00:00Z", 1);
        let _: i64 = one(conn, &check)?;
        ran.push(check);
    }
    ran.push(page.clone());
    let mut stmt = conn.prepare_cached(&page.text)?;
    let mut rows = stmt.query(rusqlite::params_from_iter(page.params.iter().map(value)))?;
    let mut n = 0;
    while let Some(row) = rows.next()? {
        let _: Option<String> = row.get(1)?;
        n += 1;
    }
    drop(rows);
    if counts {
        let s = sql::state_counts(&filters);
        let mut stmt = conn.prepare_cached(&s.text)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(s.params.iter().map(value)))?;
        while rows.next()?.is_some() {}
        drop(rows);
        ran.push(s);
    } else if n > 25 || after.is_some() {
        let cap = if matches!(filters.text, Some(sql::Text::Match(_))) {
            1_001
        } else {
            10_001
        };
        let count = sql::capped_count(&filters, cap);
        let _: i64 = one(conn, &count)?;
        ran.push(count);
    }
    Ok(start.elapsed())
}

fn one(conn: &rusqlite::Connection, statement: &sql::Sql) -> anyhow::Result<i64> {
    let mut stmt = conn.prepare_cached(&statement.text)?;
    Ok(stmt.query_row(
        rusqlite::params_from_iter(statement.params.iter().map(value)),
        |r| r.get(0),
    )?)
}

fn value(param: &sql::Param) -> rusqlite::types::Value {
    match param {
        sql::Param::Text(t) => rusqlite::types::Value::Text(t.clone()),
        sql::Param::Int(i) => rusqlite::types::Value::Integer(*i),
        sql::Param::Real(r) => rusqlite::types::Value::Real(*r),
    }
}

