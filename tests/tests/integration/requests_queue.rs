//! The agents' queue (`GET /api/requests`), its CSV export and the commune's figures, through
//! the real host. Requests are filed for real (`POST /api/requests`) and, to have many of them
//! with known states, dates and assignees, also written straight into the requests database
//! (the component's own schema) while the host runs: SQLite's WAL lets both share the file.

use crate::requests_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use guichet_tests::guichet::Guichet;
use requests_support::*;
use serde_json::Value;

/// One request written straight into the database. Times are SQLite modifiers relative to
/// now (`-3 days`), so that "overdue" and "this week" hold whenever the test runs.
#[derive(Debug, Clone)]
struct Seed {
    reference: String,
    service: &'static str,
    department: &'static str,
    state: &'static str,
    open: bool,
    channel: &'static str,
    assignee: Option<&'static str>,
    created: String,
    /// Days from now of the expected date (negative: in the past).
    expected_days: Option<i64>,
    closed: Option<String>,
    address: String,
    description: String,
}

impl Seed {
    fn new(n: usize) -> Seed {
        Seed {
            reference: format!("2020-{n:06}"),
            service: "graffiti",
            department: "cleanliness",
            state: "submitted",
            open: true,
            channel: "web",
            assignee: None,
            created: format!("-{} hours", 10 + n),
            expected_days: Some(5),
            closed: None,
            address: format!("{n} rue des Lilas"),
            description: "tags sur le mur".into(),
        }
    }

    fn overdue(&self) -> bool {
        self.open && self.expected_days.is_some_and(|d| d < 0)
    }
}

fn database(g: &Guichet) -> PathBuf {
    g.host.state_dir.join("requests.db")
}

/// Makes sure the requests database exists and is migrated (the health check migrates it).
fn migrated(g: &Guichet) {
    let reply = g.host.get("/api/requests/health");
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// Writes `seeds` of `commune` as `record::insert` would (row and full-text entry).
fn seed(g: &Guichet, commune: &str, seeds: &[Seed]) {
    migrated(g);
    let mut conn = rusqlite::Connection::open(database(g)).expect("requests database");
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .expect("busy timeout");
    let tx = conn.transaction().expect("transaction");
    for s in seeds {
        let closed = s.closed.as_deref();
        tx.execute(
            "INSERT INTO requests (id, commune, reference, service_code, service_version, \
             service_name, department, state, is_open, channel, account_id, contact, description, \
             answers, lat, long, address, assignee, expected_on, tracking_hash, merged_into, \
             filed_by, lang, created_at, updated_at, closed_at) \
             VALUES (lower(hex(randomblob(16))), ?1, ?2, ?3, 1, ?4, ?5, ?6, ?7, ?8, NULL, '{}', ?9, \
             '{}', NULL, NULL, ?10, ?11, \
             CASE WHEN ?12 IS NULL THEN NULL ELSE date('now', ?12 || ' days') END, \
             lower(hex(randomblob(32))), NULL, NULL, 'fr', \
             strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?13), \
             strftime('%Y-%m-%dT%H:%M:%SZ', 'now', coalesce(?14, ?13)), \
             CASE WHEN ?14 IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?14) END)",
            rusqlite::params![
                commune,
                s.reference,
                s.service,
                format!(r#"{{"fr":"Service {}","en":"Service {} (en)"}}"#, s.service, s.service),
                s.department,
                s.state,
                i64::from(s.open),
                s.channel,
                s.description,
                s.address,
                s.assignee,
                s.expected_days.map(|d| format!("{d:+}")),
                s.created,
                closed,
            ],
        )
        .expect("inserting a request");
        tx.execute(
            "INSERT INTO requests_text (rowid, text) SELECT rowid, ?1 FROM requests \
             WHERE commune = ?2 AND reference = ?3",
            rusqlite::params![
                format!(
                    "{}\n{}\n{}\n{}",
                    s.reference, s.service, s.description, s.address
                ),
                commune,
                s.reference
            ],
        )
        .expect("indexing a request");
    }
    tx.commit().expect("commit");
}

/// Every item of `GET /api/requests?{query}`, following the cursors (100 a page).
fn all_pages(g: &Guichet, token: &str, query: &str, limit: usize) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..1000 {
        let mut path = format!("{REQUESTS}?limit={limit}&{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let reply = g.get(&path, Some(token));
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        let body = reply.json();
        let page = body["items"].as_array().expect("items").clone();
        assert!(page.len() <= limit, "{path}: {} items", page.len());
        items.extend(page);
        match body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return items,
        }
    }
    panic!("more than 1000 pages for {query}");
}

fn references(items: &[Value]) -> BTreeSet<String> {
    items
        .iter()
        .map(|i| i["reference"].as_str().expect("reference").to_owned())
        .collect()
}

/// 60 requests with every combination the filters tell apart, plus two of another commune.
fn varied() -> Vec<Seed> {
    let services = [
        ("graffiti", "cleanliness"),
        ("pothole", "roads"),
        ("streetlight-out", "roads"),
        ("birth-certificate", "civil-status"),
    ];
    let agents = [None, Some("agent-7"), Some("agent-9")];
    let channels = ["web", "phone", "counter", "email", "open311"];
    (1..=60)
        .map(|n| {
            let mut s = Seed::new(n);
            (s.service, s.department) = services[n % services.len()];
            s.assignee = agents[n % agents.len()];
            s.channel = channels[n % channels.len()];
            s.created = format!("-{} days", n);
            s.expected_days = Some(if n % 4 == 0 { -2 } else { 3 });
            if n % 3 == 0 {
                s.open = false;
                s.state = if n % 2 == 0 { "resolved" } else { "refused" };
                s.closed = Some(format!("-{} hours", n));
            } else if n % 5 == 0 {
                s.state = "acknowledged";
            }
            s
        })
        .collect()
}

fn check(g: &Guichet, token: &str, query: &str, seeds: &[Seed], keep: impl Fn(&Seed) -> bool) {
    let expected: BTreeSet<String> = seeds
        .iter()
        .filter(|s| keep(s))
        .map(|s| s.reference.clone())
        .collect();
    assert!(
        !expected.is_empty(),
        "{query} selects nothing: a useless check"
    );
    let got = references(&all_pages(g, token, query, 100));
    assert_eq!(got, expected, "{query}");
    let reply = g.get(&format!("{REQUESTS}?{query}&counts=true"), Some(token));
    let body = reply.json();
    assert_eq!(body["total"], expected.len(), "{query}: {}", reply.body);
    let mut by_state: BTreeMap<String, usize> = BTreeMap::new();
    for s in seeds.iter().filter(|s| keep(s)) {
        *by_state.entry(s.state.to_owned()).or_default() += 1;
    }
    let counted: BTreeMap<String, usize> = body["counts"]["by_state"]
        .as_object()
        .expect("by_state")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().expect("count") as usize))
        .collect();
    assert_eq!(counted, by_state, "{query}");
    let plain = g
        .get(&format!("{REQUESTS}?{query}&limit=5"), Some(token))
        .json();
    assert_eq!(
        plain["total"],
        expected.len(),
        "{query}: total without counts"
    );
    assert_eq!(plain["total_is_capped"], false);
}

#[test]
fn the_queue_filters_by_service_state_department_assignee_and_overdue_and_counts_match() {
    let g = Guichet::start();
    let mut seeds = varied();
    // Two real filings: what `POST /api/requests` writes shows in the queue too.
    for _ in 0..2 {
        let filed = file_pothole(&g, Some(&citizen(&g, "alice")));
        let mut s = Seed::new(0);
        s.reference = filed.reference;
        s.service = "pothole";
        s.department = "roads";
        s.expected_days = Some(7);
        seeds.push(s);
    }
    seed(&g, "demo", &seeds[..60]);
    let mut elsewhere = Seed::new(1);
    elsewhere.service = "pothole";
    seed(&g, "autre-commune", &[elsewhere]);
    let me = staff(&g, "agent-7", &["agent"]);

    check(&g, &me, "service=graffiti", &seeds, |s| {
        s.service == "graffiti"
    });
    check(&g, &me, "service=pothole,streetlight-out", &seeds, |s| {
        s.department == "roads"
    });
    check(
        &g,
        &me,
        "service=pothole&service=birth-certificate",
        &seeds,
        |s| ["pothole", "birth-certificate"].contains(&s.service),
    );
    check(&g, &me, "state=resolved", &seeds, |s| s.state == "resolved");
    check(
        &g,
        &me,
        "state=submitted,acknowledged&department=roads",
        &seeds,
        |s| s.open && s.department == "roads",
    );
    check(&g, &me, "department=civil-status", &seeds, |s| {
        s.department == "civil-status"
    });
    check(&g, &me, "assignee=agent-9", &seeds, |s| {
        s.assignee == Some("agent-9")
    });
    check(&g, &me, "assignee=me&open=true", &seeds, |s| {
        s.assignee == Some("agent-7") && s.open
    });
    check(&g, &me, "assignee=none", &seeds, |s| s.assignee.is_none());
    check(&g, &me, "overdue=true", &seeds, Seed::overdue);
    check(&g, &me, "overdue=false&department=roads", &seeds, |s| {
        !s.overdue() && s.department == "roads"
    });
    check(&g, &me, "open=false", &seeds, |s| !s.open);
    check(&g, &me, "channel=phone,email", &seeds, |s| {
        ["phone", "email"].contains(&s.channel)
    });
    // Created 1 to 60 days ago: from 10 days ago to 5 days ago, both days included.
    let day = |days: i64| {
        let conn = rusqlite::Connection::open_in_memory().expect("sqlite");
        conn.query_row("SELECT date('now', ?1)", [format!("-{days} days")], |r| {
            r.get::<_, String>(0)
        })
        .expect("date")
    };
    check(
        &g,
        &me,
        &format!("from={}&to={}", day(10), day(5)),
        &seeds,
        |s| {
            let n: i64 = s
                .created
                .trim_start_matches('-')
                .trim_end_matches(" days")
                .parse()
                .unwrap_or(-1);
            (5..=10).contains(&n)
        },
    );

    let all = all_pages(&g, &me, "", 100);
    assert_eq!(all.len(), 62, "the other commune's request never shows");
    let item = all
        .iter()
        .find(|i| i["reference"] == "2020-000004")
        .expect("seeded request");
    assert_eq!(item["overdue"], true);
    assert_eq!(item["service"]["code"], "graffiti");
    assert_eq!(item["service"]["name"], "Service graffiti");
    assert!(
        item.get("answers").is_none(),
        "the queue shows no answers: {item}"
    );
    let english = g
        .get(&format!("{REQUESTS}?q=2020-000004&lang=en"), Some(&me))
        .json();
    assert_eq!(
        english["items"][0]["service"]["name"],
        "Service graffiti (en)"
    );
}

#[test]
fn paging_with_the_cursor_visits_every_request_exactly_once() {
    let g = Guichet::start();
    // 233 requests, many sharing the same creation second and some without an expected date:
    // ties and NULLs are where keyset paging goes wrong.
    let seeds: Vec<Seed> = (1..=233)
        .map(|n| {
            let mut s = Seed::new(n);
            s.created = format!("-{} hours", n / 7);
            s.expected_days = if n % 10 == 0 {
                None
            } else {
                Some(i64::try_from(n % 13).unwrap_or(0) - 6)
            };
            s
        })
        .collect();
    seed(&g, "demo", &seeds);
    let token = staff(&g, "agent-1", &["agent"]);
    let everyone: BTreeSet<String> = seeds.iter().map(|s| s.reference.clone()).collect();
    for sort in [
        "-created",
        "created",
        "expected",
        "-expected",
        "updated",
        "-updated",
    ] {
        let items = all_pages(&g, &token, &format!("sort={sort}"), 10);
        let got = references(&items);
        assert_eq!(
            items.len(),
            everyone.len(),
            "{sort}: a request was shown twice or missed"
        );
        assert_eq!(got, everyone, "{sort}");
        let key = match sort.trim_start_matches('-') {
            "created" => "created_at",
            "updated" => "updated_at",
            _ => "expected_on",
        };
        let values: Vec<String> = items
            .iter()
            .map(|i| i[key].as_str().unwrap_or("").to_owned())
            .collect();
        let mut sorted = values.clone();
        sorted.sort();
        if sort.starts_with('-') {
            sorted.reverse();
        }
        assert_eq!(values, sorted, "{sort}: pages are in order");
    }
    // Paging with a filter: only the filter's requests, still once each.
    let overdue = all_pages(&g, &token, "overdue=true&sort=expected", 7);
    let expected: BTreeSet<String> = seeds
        .iter()
        .filter(|s| s.overdue())
        .map(|s| s.reference.clone())
        .collect();
    assert_eq!(overdue.len(), expected.len());
    assert_eq!(references(&overdue), expected);
}

#[test]
fn a_citizen_cannot_see_the_queue_the_export_or_the_figures() {
    let g = Guichet::start();
    file_pothole(&g, Some(&citizen(&g, "alice")));
    let alice = citizen(&g, "alice");
    for path in [
        REQUESTS,
        "/api/requests/export.csv",
        "/api/requests/figures",
    ] {
        let anonymous = g.get(path, None);
        assert_eq!(anonymous.status, 401, "{path}: {}", anonymous.body);
        let reply = g.get(path, Some(&alice));
        assert_eq!(reply.status, 403, "{path}: {}", reply.body);
        assert!(
            !reply.body.contains("2026-") && !reply.body.contains("pothole"),
            "{}",
            reply.body
        );
        let other = g.keys.access_token("autre-commune", "agent-1", &["agent"]);
        assert_eq!(
            g.get(path, Some(&other)).status,
            401,
            "{path}: a token of another commune"
        );
    }
    let agent = staff(&g, "agent-1", &["supervisor"]);
    assert_eq!(g.get(REQUESTS, Some(&agent)).status, 200);
}

#[test]
fn bad_filters_are_named_field_by_field() {
    let g = Guichet::start();
    let token = staff(&g, "agent-1", &["agent"]);
    let reply = g.get(
        &format!(
            "{REQUESTS}?sort=name&limit=0&open=maybe&overdue=1&from=2026-02-30&to=yesterday&channel=fax\
             &service=Pot%20hole&state=%27%3B--&assignee=%20&q=%22%22%22&lang=de&colour=red&cursor=abc"
        ),
        Some(&token),
    );
    assert_eq!(reply.status, 400, "{}", reply.body);
    let errors: BTreeSet<(String, String)> = reply.json()["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap_or("").to_owned(),
                e["code"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String)> = [
        ("sort", "invalid"),
        ("limit", "invalid"),
        ("open", "invalid"),
        ("overdue", "invalid"),
        ("from", "invalid"),
        ("to", "invalid"),
        ("channel", "invalid"),
        ("service", "invalid"),
        ("state", "invalid"),
        ("assignee", "invalid"),
        ("q", "invalid"),
        ("lang", "invalid"),
        ("colour", "unknown"),
        ("cursor", "invalid"),
    ]
    .into_iter()
    .map(|(f, c)| (f.to_owned(), c.to_owned()))
    .collect();
    assert_eq!(errors, expected);
    let export = g.get(
        "/api/requests/export.csv?limit=10&sort=-created",
        Some(&token),
    );
    assert_eq!(export.status, 400, "{}", export.body);
    assert_eq!(export.json()["errors"][0]["field"], "limit");
    let figures = g.get("/api/requests/figures?by=colour", Some(&token));
    assert_eq!(figures.status, 400, "{}", figures.body);
    assert_eq!(figures.json()["errors"][0]["field"], "by");
    let reversed = g.get(
        &format!("{REQUESTS}?from=2026-03-02&to=2026-03-01"),
        Some(&token),
    );
    assert_eq!(
        reversed.json()["errors"][0]["code"],
        "before_from",
        "{}",
        reversed.body
    );
}

#[test]
fn the_text_filter_finds_words_and_references_and_reads_fts_syntax_as_plain_text() {
    let g = Guichet::start();
    let filed = file_pothole(&g, Some(&citizen(&g, "alice")));
    let mut seeds: Vec<Seed> = (1..=30).map(Seed::new).collect();
    seeds[3].description = "lampadaire éteint devant l'école".into();
    seeds[7].description = "Lampadaire clignotant".into();
    seeds[7].open = false;
    seeds[7].state = "resolved";
    seeds[7].closed = Some("-1 hours".into());
    seed(&g, "demo", &seeds);
    let token = staff(&g, "agent-1", &["agent"]);
    let found = |q: &str| references(&all_pages(&g, &token, &format!("q={q}"), 100));
    let set = |refs: &[&str]| {
        refs.iter()
            .map(|r| (*r).to_owned())
            .collect::<BTreeSet<String>>()
    };
    assert_eq!(found("lampadaire"), set(&["2020-000004", "2020-000008"]));
    assert_eq!(
        found("LAMPADAIRE"),
        set(&["2020-000004", "2020-000008"]),
        "case does not matter"
    );
    assert!(found("lampad").is_empty(), "words match whole words");
    assert_eq!(
        found("ecole+lampadaire"),
        set(&["2020-000004"]),
        "accents do not matter, words are ANDed"
    );
    assert_eq!(
        references(&all_pages(&g, &token, "q=lampadaire&open=true", 100)),
        set(&["2020-000004"])
    );
    assert_eq!(
        found("boulangerie"),
        set(&[filed.reference.as_str()]),
        "a real filing is indexed"
    );
    assert_eq!(
        found(&filed.reference),
        set(&[filed.reference.as_str()]),
        "a reference is an exact match"
    );
    assert_eq!(found("2020-000012"), set(&["2020-000012"]));
    // FTS5 syntax typed by an agent is text to look for, never a query error.
    for q in [
        "%22lampadaire",
        "lampadaire%20OR%20tags",
        "NEAR(tags%20mur)",
        "tags*%20-mur",
        "col%3Avalue",
        "%5Etags(",
        "AND",
    ] {
        let reply = g.get(&format!("{REQUESTS}?q={q}"), Some(&token));
        assert_eq!(reply.status, 200, "q={q}: {}", reply.body);
    }
    assert!(
        found("lampadaire%20OR%20tags").is_empty(),
        "OR is a word here, not an operator"
    );
}

/// The cells of a CSV text (RFC 4180: quoted fields, doubled quotes, CRLF or LF).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

#[test]
fn the_csv_export_has_one_row_per_request_and_neutralises_formulas() {
    let g = Guichet::start();
    let mut seeds: Vec<Seed> = (1..=40).map(Seed::new).collect();
    let formulas = [
        "=HYPERLINK(\"http://evil.example\",\"clic\")",
        "+33 6 12 34 56 78",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1",
    ];
    for (seed, formula) in seeds.iter_mut().zip(formulas) {
        seed.address = formula.to_owned();
    }
    seeds[10].address = "3, rue \"des\" Lilas".into();
    seeds[20].department = "roads";
    seeds[20].service = "pothole";
    seed(&g, "demo", &seeds);
    let token = staff(&g, "agent-1", &["agent"]);
    let reply = g.get("/api/requests/export.csv", Some(&token));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.header("content-type"),
        Some("text/csv; charset=utf-8")
    );
    let disposition = reply
        .header("content-disposition")
        .expect("content-disposition");
    assert!(
        disposition.starts_with("attachment; filename=\"requests-20")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    let rows = parse_csv(&reply.body);
    assert_eq!(rows[0][0], "reference");
    let header = &rows[0];
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no {name} column"))
    };
    assert_eq!(
        rows.len(),
        1 + seeds.len(),
        "a header and one row per request"
    );
    let got: BTreeSet<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    assert_eq!(got.len(), seeds.len());
    assert!(rows.iter().all(|r| r.len() == header.len()));
    let address = column("address");
    let by_reference: BTreeMap<&str, &Vec<String>> =
        rows[1..].iter().map(|r| (r[0].as_str(), r)).collect();
    for (seed, formula) in seeds.iter().zip(formulas) {
        let cell = &by_reference[seed.reference.as_str()][address];
        assert_eq!(cell, &format!("'{formula}"), "{}", seed.reference);
    }
    assert_eq!(
        by_reference["2020-000011"][address], "3, rue \"des\" Lilas",
        "quoting round-trips"
    );
    assert_eq!(
        by_reference["2020-000001"][column("service_name")],
        "Service graffiti"
    );
    // The same filters as the queue.
    let roads = parse_csv(
        &g.get("/api/requests/export.csv?department=roads", Some(&token))
            .body,
    );
    assert_eq!(roads.len(), 2, "{roads:?}");
    assert_eq!(roads[1][0], "2020-000021");
}

#[test]
fn the_figures_count_open_closed_this_week_overdue_and_the_median_time_to_close() {
    let g = Guichet::start();
    let mut seeds = Vec::new();
    let mut n = 0;
    let mut next = || {
        n += 1;
        Seed::new(n)
    };
    // Open: 5, of which 2 overdue.
    for expected in [3, 3, 3, -1, -4] {
        let mut s = next();
        s.expected_days = Some(expected);
        seeds.push(s);
    }
    // Closed within the last 90 days, after 10, 20, 30 and 40 hours. The one closed now is
    // "this week" whatever the day.
    for (hours, closed_hours_ago) in [(10, 0), (20, 480), (30, 720), (40, 960)] {
        let mut s = next();
        s.open = false;
        s.state = "resolved";
        s.closed = Some(format!("-{closed_hours_ago} hours"));
        s.created = format!("-{} hours", closed_hours_ago + hours);
        seeds.push(s);
    }
    // Closed long ago (out of the median) and closed before this week's Monday, after 24 h.
    let mut old = next();
    old.open = false;
    old.state = "resolved";
    old.created = "-200 days".into();
    old.closed = Some("-100 days".into());
    seeds.push(old);
    let mut last_week = next();
    last_week.open = false;
    last_week.state = "refused";
    last_week.department = "roads";
    last_week.service = "pothole";
    last_week.created = "-8 days".into();
    last_week.closed = Some("-7 days".into());
    seeds.push(last_week);
    seed(&g, "demo", &seeds);
    let token = staff(&g, "agent-1", &["supervisor"]);
    let reply = g.get("/api/requests/figures", Some(&token));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let figures = reply.json();
    assert_eq!(figures["commune"], "demo");
    assert_eq!(figures["open"], 5, "{figures}");
    assert_eq!(figures["overdue"], 2, "{figures}");
    assert_eq!(figures["closed_this_week"], 1, "{figures}");
    assert_eq!(figures["closed_last_90_days"], 5, "{figures}");
    // 10, 20, 24 (closed last week after a day), 30, 40 hours: the middle one.
    assert_eq!(figures["median_hours_to_close"], 24.0, "{figures}");
    let week_start = figures["week_start"].as_str().expect("week_start");
    assert!(week_start.ends_with("T00:00:00Z"), "{week_start}");
    let by = g
        .get("/api/requests/figures?by=department", Some(&token))
        .json();
    let groups = by["groups"].as_array().expect("groups");
    let cleanliness = groups
        .iter()
        .find(|g| g["department"] == "cleanliness")
        .expect("cleanliness");
    assert_eq!(cleanliness["open"], 5);
    assert_eq!(cleanliness["overdue"], 2);
    assert_eq!(cleanliness["closed_this_week"], 1);
    // A real filing is open and not overdue.
    file_pothole(&g, Some(&citizen(&g, "alice")));
    let after = g.get("/api/requests/figures", Some(&token)).json();
    assert_eq!(after["open"], 6);
    assert_eq!(after["overdue"], 2);
}

#[test]
fn a_text_search_with_many_matches_lists_the_newest_first_whatever_the_rowid_order() {
    let g = Guichet::start();
    // More matches than the full-text index drives (5,000): the queue walks them newest first.
    // Request 1 is written first but is the newest; 2..=5200 are written oldest first.
    let mut seeds = Vec::new();
    let mut first = Seed::new(1);
    first.created = "-1 minutes".into();
    first.description = "lampadaire".into();
    seeds.push(first);
    for n in 2..=5200 {
        let mut s = Seed::new(n);
        s.created = format!("-{} minutes", 10 + 5200 - n);
        s.description = "lampadaire éteint".into();
        seeds.push(s);
    }
    seed(&g, "demo", &seeds);
    let token = staff(&g, "agent-1", &["agent"]);
    let page = |path: &str| -> (Vec<String>, Value) {
        let reply = g.get(path, Some(&token));
        assert_eq!(reply.status, 200, "{}", reply.body);
        let body = reply.json();
        let refs = body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["reference"].as_str().expect("ref").to_owned())
            .collect();
        (refs, body)
    };
    let numbered = |numbers: &[usize]| {
        numbers
            .iter()
            .map(|n| format!("2020-{n:06}"))
            .collect::<Vec<String>>()
    };
    let (refs, body) = page(&format!("{REQUESTS}?q=lampadaire&limit=25"));
    let mut expected = vec![1];
    expected.extend((5177..=5200).rev());
    assert_eq!(
        refs,
        numbered(&expected),
        "the newest, written first, comes first"
    );
    // With words the total is counted up to 1,000 matches, then given as "at least".
    assert_eq!(body["total"], 1000);
    assert_eq!(body["total_is_capped"], true);
    // Once request 1 is the oldest, rowid order is creation order: same answer either way.
    let conn = rusqlite::Connection::open(database(&g)).expect("db");
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .expect("busy");
    conn.execute(
        "UPDATE requests SET created_at = '2000-01-01T00:00:00Z' WHERE reference = '2020-000001'",
        [],
    )
    .expect("update");
    let (refs, body) = page(&format!("{REQUESTS}?q=lampadaire&limit=25"));
    assert_eq!(refs, numbered(&(5176..=5200).rev().collect::<Vec<_>>()));
    let cursor = body["next_cursor"].as_str().expect("a next page");
    let (refs, _) = page(&format!("{REQUESTS}?q=lampadaire&limit=25&cursor={cursor}"));
    assert_eq!(refs, numbered(&(5151..=5175).rev().collect::<Vec<_>>()));
    let (refs, _) = page(&format!("{REQUESTS}?q=lampadaire&sort=created&limit=3"));
    assert_eq!(refs, numbered(&[1, 2, 3]));
}
