//! The back-office's queue page (`GET /admin`, issue #14) on a commune of one million
//! requests, through the Guichet host, against the API call it makes (`GET /api/requests`)
//! in the same run.
//!
//! Builds the commune as `requests-queue` does (the shared [`commune`] module: the host
//! creates the requests database, the requests are written straight into it), then invites a
//! real team through identity (the platform invites the first administrator, who invites an
//! agent of `roads`), signs the agent in on identity's page as a browser does (the session
//! cookie), and loads, one request at a time on one keep-alive connection: the default view,
//! a filtered view, and page 2 (by the cursor the first page gives). Each page's baseline is
//! the very API call the page relays (same filters, `purpose=handling_request`, 25 rows), made with the
//! agent's own access token; what the page adds is identity's staff token, the relay, the
//! agent's saved views and the rendering.
//!
//! Prints a Markdown table. Usage: admin-queue [rows] [samples per query] (defaults 1000000
//! and 100), or `bash bench/admin_queue.sh`.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::{bail, Context as _};
use guichet_guest::query::escape;
use guichet_tests::guichet::{Guichet, PASSWORD, PLATFORM_TOKEN};
use guichet_tests::mailbox::Mailbox;
use guichet_tests::tokens::TestKeys;
use guichet_tests::{Host, HostConfig};
use serde_json::{json, Value};

#[allow(dead_code)] // each benchmark uses a part of the shared commune
#[path = "../commune.rs"]
mod commune;

use commune::{get, Stats};

/// The relay's and the session's secrets (the bench's own).
const RELAY_SECRET: &str = "bench-staff-relay-secret-0123456789";
const SESSION_SECRET: &str = "bench-portal-session-secret-0123456789";

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let rows: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1_000_000);
    let samples: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(100);
    let services = commune::read_services()?;

    let dir = tempfile::tempdir().context("tempdir")?;
    let keys = TestKeys::generate("bench");
    let mailbox = Mailbox::start();
    let config = HostConfig::guichet_identity(dir.path(), &[&keys], &mailbox.origin())
        .env("SPIN_VARIABLE_SMS_API_ORIGIN", &mailbox.origin())
        .env("SPIN_VARIABLE_STAFF_RELAY_SECRET", RELAY_SECRET)
        .env("SPIN_VARIABLE_PORTAL_SESSION_SECRET", SESSION_SECRET);
    let mut host = Host::start(config, &dir);
    let client = commune::client();
    let (status, body) = get(&client, &host.url("/api/requests/health"), None)?;
    if status != 200 {
        bail!("health answered {status}: {body}");
    }
    host.kill();
    let started = Instant::now();
    let summary = commune::seed(&dir.path().join("requests.db"), &services, rows, commune::unix_now())?;
    let seed_time = started.elapsed();
    if let Some(keep) = std::env::var_os("BENCH_KEEP_DB") {
        // A copy of the generated database, to study query plans by hand.
        std::fs::copy(dir.path().join("requests.db"), &keep).context("copying the database")?;
    }
    let host = host.restart();
    let g = Guichet::around(host, mailbox, keys, dir);

    let agent_email = "agent.voirie@exemple.fr";
    let access = team(&g, agent_email)?;
    let cookie = browser_session(&client, &g, agent_email)?;
    let bearer = format!("Bearer {access}");

    // The first page's cursor (the same for the page and the API: the page hands the API's on).
    let (status, first) = get(&client, &g.host.url("/api/requests?lang=fr&purpose=handling_request&limit=25"), Some(&bearer))?;
    if status != 200 {
        bail!("the queue API answered {status}: {first}");
    }
    let first: Value = serde_json::from_str(&first).context("the queue's answer")?;
    let cursor = first["next_cursor"].as_str().context("no next page")?.to_owned();
    let views: [(&str, String); 3] = [
        ("default view (newest first)", String::new()),
        ("a filtered view (roads, open, by due date)", "department=roads&open=true&sort=expected".into()),
        ("page 2 of the default view (cursor)", format!("cursor={cursor}")),
    ];

    let mut table = Vec::new();
    for (name, filters) in &views {
        let page = format!("/admin?{filters}");
        let api = api_call(filters);
        let mut page_times = Vec::with_capacity(samples);
        let mut api_times = Vec::with_capacity(samples);
        for i in 0..samples + 5 {
            // In turns, so that both see the same machine load.
            let start = Instant::now();
            let (status, _, body) = send(&client, "GET", &g.host.url(&page), &[("cookie", &cookie)], None)?;
            let page_time = start.elapsed();
            if status != 200 || !body.contains("href=\"/admin/requests/") {
                bail!("{page} answered {status}: {}", commune::truncate(&body, 600));
            }
            let start = Instant::now();
            let (status, body) = get(&client, &g.host.url(&api), Some(&bearer))?;
            let api_time = start.elapsed();
            if status != 200 {
                bail!("{api} answered {status}: {}", commune::truncate(&body, 400));
            }
            // The first five are warm-up.
            if i >= 5 {
                page_times.push(page_time);
                api_times.push(api_time);
            }
        }
        table.push((*name, page, api, page_times, api_times));
    }

    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    println!(
        "| `GET /admin` on {rows} requests ({cores} cores, sequential, one connection) | samples | page p50 (ms) | page p95 (ms) | API p50 (ms) | API p95 (ms) | page / API (p50) | page / API (p95) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let mut calls = String::new();
    for (name, page, api, page_times, api_times) in &mut table {
        let p = Stats::of(page_times);
        let a = Stats::of(api_times);
        calls.push_str(&format!("- {name}: `GET {}` relays `GET {}`\n", commune::truncate(page, 60), commune::truncate(api, 110)));
        println!(
            "| {name} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            page_times.len(),
            p.p50,
            p.p95,
            a.p50,
            a.p95,
            p.p50 / a.p50.max(0.001),
            p.p95 / a.p95.max(0.001)
        );
    }
    println!();
    print!("{calls}");
    println!();
    println!(
        "Generated commune: {rows} requests ({} open, {} assigned), written in {:.1} s; the agent (department roads) signed in on identity's page.",
        summary.open,
        summary.assigned,
        seed_time.as_secs_f64()
    );
    Ok(())
}

/// The API call the page at `/admin?{filters}` relays (queue.rs: its filters, `lang`,
/// `purpose=handling_request`, 25 rows).
fn api_call(filters: &str) -> String {
    let mut path = String::from("/api/requests?");
    if !filters.is_empty() && !filters.starts_with("cursor=") {
        path.push_str(filters);
        path.push('&');
    }
    path.push_str("lang=fr&purpose=handling_request&limit=25");
    if let Some(cursor) = filters.strip_prefix("cursor=") {
        path.push_str("&cursor=");
        path.push_str(cursor);
    }
    path
}

/// The demo commune's first administrator (invited by the platform) invites `email` as an
/// agent of `roads`; both accept by the e-mailed link. The agent's API access token.
fn team(g: &Guichet, email: &str) -> anyhow::Result<String> {
    let admin = "maire@exemple.fr";
    let invited = g.post("/api/identity/communes/demo/invitations", &json!({"email": admin}), Some(PLATFORM_TOKEN));
    if invited.status != 202 {
        bail!("inviting the administrator: {} {}", invited.status, invited.body);
    }
    accept(g, admin)?;
    let admin_token = sign_in(g, admin)?;
    let created = g.post("/api/identity/departments", &json!({"id": "roads", "name": "Voirie"}), Some(&admin_token));
    if created.status != 201 && created.status != 409 {
        bail!("creating the department: {} {}", created.status, created.body);
    }
    let invited = g.post(
        "/api/identity/invitations",
        &json!({"email": email, "role": "agent", "departments": ["roads"]}),
        Some(&admin_token),
    );
    if invited.status != 202 {
        bail!("inviting the agent: {} {}", invited.status, invited.body);
    }
    accept(g, email)?;
    sign_in(g, email)
}

fn accept(g: &Guichet, email: &str) -> anyhow::Result<()> {
    let token = g.link_token(email, "/account/accept-invitation");
    let accepted = g.post(
        "/api/identity/invitations/accept",
        &json!({"token": token, "password": PASSWORD, "given_name": "Banc", "family_name": "Essai"}),
        None,
    );
    if accepted.status != 200 {
        bail!("accepting {email}: {} {}", accepted.status, accepted.body);
    }
    Ok(())
}

fn sign_in(g: &Guichet, email: &str) -> anyhow::Result<String> {
    let reply = g.sign_in(email, PASSWORD);
    if reply.status != 200 {
        bail!("signing {email} in: {} {}", reply.status, reply.body);
    }
    Ok(reply.json()["access_token"].as_str().context("access_token")?.to_owned())
}

/// Signs `email` in on identity's page as a browser does: the `Cookie` header of its session.
fn browser_session(client: &ureq::Agent, g: &Guichet, email: &str) -> anyhow::Result<String> {
    let mut jar = BTreeMap::new();
    let (status, headers, body) = send(client, "GET", &g.host.url("/account/login?next=%2Fadmin"), &[], None)?;
    if status != 200 {
        bail!("the sign-in page answered {status}: {body}");
    }
    keep(&mut jar, &headers);
    let csrf = hidden(&body, "csrf").context("no csrf on the sign-in page")?;
    let form = format!(
        "email={}&password={}&csrf={csrf}",
        escape(email),
        escape(PASSWORD)
    );
    let origin = g.host.url("");
    let cookie = cookie_header(&jar);
    let (status, headers, body) = send(
        client,
        "POST",
        &g.host.url("/account/login?next=%2Fadmin"),
        &[
            ("cookie", &cookie),
            ("origin", origin.trim_end_matches('/')),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        Some(form.into_bytes()),
    )?;
    if status != 303 {
        bail!("signing in on the page: {status} {body}");
    }
    keep(&mut jar, &headers);
    Ok(cookie_header(&jar))
}

/// One request, redirects not followed (a 303's cookies are the answer): status, headers, body.
fn send(
    client: &ureq::Agent,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<Vec<u8>>,
) -> anyhow::Result<(u16, Vec<(String, String)>, String)> {
    let mut builder = ureq::http::Request::builder().method(method).uri(url);
    for (k, v) in headers {
        builder = builder.header(*k, *v);
    }
    let reply = match body {
        Some(body) => client.run(builder.body(body)?),
        None => client.run(builder.body(())?),
    }
    .with_context(|| format!("{method} {url}"))?;
    let status = reply.status().as_u16();
    let headers = reply
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    let body = reply.into_body().read_to_string().context("reading the answer")?;
    Ok((status, headers, body))
}

fn keep(jar: &mut BTreeMap<String, String>, headers: &[(String, String)]) {
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("set-cookie") {
            if let Some((k, v)) = value.split(';').next().unwrap_or_default().split_once('=') {
                jar.insert(k.to_owned(), v.to_owned());
            }
        }
    }
}

fn cookie_header(jar: &BTreeMap<String, String>) -> String {
    jar.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
}

fn hidden(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    page[start..].split('"').next().map(str::to_owned)
}
