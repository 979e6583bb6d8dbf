//! Open311 GeoReport v2 requests through the real host, checked against the contract
//! (docs/OPEN311.md): API keys, discovery, filing with a key, listing
//! with every filter and limit, reading one, tokens, errors, XML, `extensions=true` and
//! mySociety's `servicerequestupdates`. A third-party client (`georeport` from PyPI, unchanged,
//! with its own `requests` and `xmltodict`) drives the main path: tests/python/open311_client.py.
//!
//! What a test cannot do through the API (a request filed 100 days ago, a thousand requests,
//! status changes before the workflow exists) it writes into the requests database directly.

use crate::requests_support;

use guichet_tests::guichet::Guichet;
use guichet_tests::Reply;
use serde_json::{json, Value};

const JSON_TYPE: &str = "application/json; charset=utf-8";
const XML_TYPE: &str = "text/xml; charset=utf-8";
const COMMUNE: &str = "demo";

fn admin(g: &Guichet) -> String {
    g.keys.access_token(COMMUNE, "admin-1", &["admin"])
}

/// Issues an API key: `(id, key)`.
fn issue_key(g: &Guichet, name: &str) -> (String, String) {
    let reply = g.post(
        "/api/requests/api-keys",
        &json!({"name": name}),
        Some(&admin(g)),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let body = reply.json();
    (
        body["id"].as_str().expect("id").to_owned(),
        body["api_key"].as_str().expect("api_key").to_owned(),
    )
}

/// `application/x-www-form-urlencoded` of `pairs`.
fn encode(pairs: &[(&str, &str)]) -> String {
    let escape = |text: &str| -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_owned(),
                b => format!("%{b:02X}"),
            })
            .collect()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn form_post(g: &Guichet, path: &str, pairs: &[(&str, &str)]) -> Reply {
    let body = encode(pairs);
    g.host.send(
        "POST",
        path,
        &[(
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        )],
        Some(body.as_bytes()),
    )
}

/// A valid pothole report filed with `key`, plus `extra` (later values win).
fn pothole<'a>(key: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut pairs = vec![
        ("api_key", key),
        ("service_code", "pothole"),
        ("lat", "48.8566"),
        ("long", "2.3522"),
        ("email", "reporter@example.org"),
        ("description", "Nid de poule <profond> & dangereux"),
        ("attribute[size]", "large"),
        ("attribute[consent]", "true"),
    ];
    for (name, value) in extra {
        pairs.retain(|(n, _)| n != name);
        pairs.push((name, value));
    }
    pairs
}

/// Files a pothole report; its reference.
fn file_pothole(g: &Guichet, key: &str) -> String {
    let reply = form_post(g, "/open311/v2/requests.json", &pothole(key, &[]));
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()[0]["service_request_id"]
        .as_str()
        .expect("service_request_id")
        .to_owned()
}

fn db(g: &Guichet) -> rusqlite::Connection {
    let conn =
        rusqlite::Connection::open(g.host.state_dir.join("requests.db")).expect("requests.db");
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .expect("busy timeout");
    conn
}

fn count(g: &Guichet, sql: &str) -> i64 {
    db(g).query_row(sql, [], |row| row.get(0)).expect(sql)
}

/// SQLite's `now` moved by `modifier` (`-30 days`), as stored times are written.
fn time(conn: &rusqlite::Connection, modifier: &str) -> String {
    conn.query_row(
        "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?)",
        [modifier],
        |row| row.get(0),
    )
    .expect("time")
}

/// Copies the request `reference` as a new one with `reference_new`, `created_at`, and the
/// given column values; its id.
fn clone_request(
    conn: &rusqlite::Connection,
    reference: &str,
    reference_new: &str,
    created_at: &str,
    set: &[(&str, &str)],
) -> String {
    let columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info('requests')")
        .expect("columns")
        .query_map([], |row| row.get(0))
        .expect("columns")
        .map(|c| c.expect("column"))
        .collect();
    let id: String = conn
        .query_row("SELECT lower(hex(randomblob(16)))", [], |row| row.get(0))
        .expect("id");
    let mut values: Vec<String> = Vec::new();
    let exprs: Vec<String> = columns
        .iter()
        .map(|c| match c.as_str() {
            "id" => {
                values.push(id.clone());
                format!("?{}", values.len())
            }
            "reference" => {
                values.push(reference_new.to_owned());
                format!("?{}", values.len())
            }
            "created_at" | "updated_at" => {
                values.push(created_at.to_owned());
                format!("?{}", values.len())
            }
            other => match set.iter().find(|(name, _)| *name == other) {
                Some((_, value)) => {
                    values.push((*value).to_owned());
                    format!("?{}", values.len())
                }
                None => other.to_owned(),
            },
        })
        .collect();
    values.push(reference.to_owned());
    let sql = format!(
        "INSERT INTO requests ({}) SELECT {} FROM requests WHERE reference = ?{}",
        columns.join(", "),
        exprs.join(", "),
        values.len()
    );
    let inserted = conn
        .execute(&sql, rusqlite::params_from_iter(values.iter()))
        .expect(&sql);
    assert_eq!(inserted, 1);
    id
}

fn references(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("a top-level array: {list}"))
        .iter()
        .map(|r| r["service_request_id"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// Asserts an Open311 error answer: `status`, one entry per problem, each with that code.
fn open311_error(reply: &Reply, status: u16) -> Vec<String> {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some(JSON_TYPE));
    let body = reply.json();
    let entries = body
        .as_array()
        .unwrap_or_else(|| panic!("an array of errors: {body}"));
    assert!(!entries.is_empty());
    entries
        .iter()
        .map(|e| {
            assert_eq!(e["code"], status, "{body}");
            e["description"]
                .as_str()
                .unwrap_or_else(|| panic!("a description: {body}"))
                .to_owned()
        })
        .collect()
}

#[test]
fn api_keys_are_issued_by_administrators_shown_once_stored_as_hashes_and_revocable() {
    let g = Guichet::start();
    let agent = g.keys.access_token(COMMUNE, "agent-1", &["agent"]);
    let citizen = g.keys.access_token(COMMUNE, "citizen-1", &[]);
    assert_eq!(
        g.post("/api/requests/api-keys", &json!({"name": "x"}), None)
            .status,
        401
    );
    assert_eq!(
        g.post(
            "/api/requests/api-keys",
            &json!({"name": "x"}),
            Some(&agent)
        )
        .status,
        403
    );
    assert_eq!(
        g.post(
            "/api/requests/api-keys",
            &json!({"name": "x"}),
            Some(&citizen)
        )
        .status,
        403
    );
    assert_eq!(g.get("/api/requests/api-keys", Some(&agent)).status, 403);
    let (id, key) = issue_key(&g, "FixMyStreet");
    assert_eq!(key.len(), 64);
    assert!(key.bytes().all(|b| b.is_ascii_hexdigit()), "{key}");
    let (_, other) = issue_key(&g, "Dashboard");
    assert_ne!(key, other);
    let bad = g.post(
        "/api/requests/api-keys",
        &json!({"name": " ", "scope": "all"}),
        Some(&admin(&g)),
    );
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert_eq!(
        bad.json()["errors"].as_array().map(Vec::len),
        Some(2),
        "{}",
        bad.body
    );
    assert_eq!(
        count(&g, "SELECT COUNT(*) FROM api_keys"),
        2,
        "nothing written on refusals"
    );
    let stored: String = db(&g)
        .query_row("SELECT key_hash FROM api_keys WHERE id = ?", [&id], |row| {
            row.get(0)
        })
        .expect("stored");
    assert_eq!(stored.len(), 64);
    assert_ne!(stored, key, "only the hash is stored");
    let leaked: i64 = db(&g)
        .query_row(
            "SELECT COUNT(*) FROM api_keys WHERE instr(id || name || key_hash, ?) > 0",
            [&key],
            |row| row.get(0),
        )
        .expect("search");
    assert_eq!(leaked, 0);

    let list = g.get("/api/requests/api-keys", Some(&admin(&g)));
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(!list.body.contains(&key), "the key is shown only once");
    let keys = list.json()["api_keys"].clone();
    assert_eq!(keys.as_array().map(Vec::len), Some(2));
    assert!(keys
        .as_array()
        .into_iter()
        .flatten()
        .all(|k| k["revoked_at"].is_null() && k.get("api_key").is_none()));

    assert_eq!(
        form_post(&g, "/open311/v2/requests.json", &pothole(&key, &[])).status,
        200
    );
    let revoked = g.post(
        &format!("/api/requests/api-keys/{id}/revoke"),
        &json!({}),
        Some(&admin(&g)),
    );
    assert_eq!(revoked.status, 200, "{}", revoked.body);
    let at = revoked.json()["revoked_at"]
        .as_str()
        .expect("revoked_at")
        .to_owned();
    let again = g.post(
        &format!("/api/requests/api-keys/{id}/revoke"),
        &json!({}),
        Some(&admin(&g)),
    );
    assert_eq!(
        again.json()["revoked_at"],
        json!(at),
        "the first revocation stands"
    );
    let refused = form_post(&g, "/open311/v2/requests.json", &pothole(&key, &[]));
    open311_error(&refused, 403);
    assert_eq!(
        form_post(&g, "/open311/v2/requests.json", &pothole(&other, &[])).status,
        200,
        "other keys still work"
    );
    assert_eq!(
        g.post(
            "/api/requests/api-keys/nope/revoke",
            &json!({}),
            Some(&admin(&g))
        )
        .status,
        404
    );
    assert_eq!(count(&g, "SELECT COUNT(*) FROM requests"), 2);
}

#[test]
fn a_third_party_client_discovers_files_lists_and_reads_requests() {
    let g = Guichet::start();
    let (key_id, key) = issue_key(&g, "georeport");
    // A batch service that citizens may report without an account, for the token flow.
    let mut batch = requests_support::demo_service("pothole");
    batch["code"] = json!("pothole-batch");
    batch["open311_type"] = json!("batch");
    let bearer = format!("Bearer {}", admin(&g));
    let headers = [
        ("authorization", bearer.as_str()),
        ("content-type", "application/json"),
    ];
    let created = g.host.send(
        "POST",
        "/api/catalog/admin/services",
        &headers,
        Some(batch.to_string().as_bytes()),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let published = g.host.send(
        "POST",
        "/api/catalog/admin/services/pothole-batch/publish",
        &headers[..1],
        None,
    );
    assert_eq!(published.status, 200, "{}", published.body);

    let python = guichet_tests::root().join("target/pyenv/bin/python");
    assert!(
        python.exists(),
        "run infra/setup.sh (make test does) to install the Python test tools"
    );
    let script = guichet_tests::root().join("tests/python/open311_client.py");
    let run = std::process::Command::new(python)
        .args([
            script.to_str().expect("path"),
            &g.host.base,
            &key,
            "pothole",
            "pothole-batch",
        ])
        .output()
        .expect("running python");
    assert!(
        run.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&run.stderr),
        g.host.log()
    );
    let out: Value = serde_json::from_slice(&run.stdout).expect("the script prints JSON");

    // Discovery, in both formats.
    let endpoint = format!("{}/open311/v2", g.host.base);
    let discovery = &out["discovery_json"];
    assert_eq!(
        discovery["endpoints"][0]["url"],
        json!(endpoint),
        "{discovery}"
    );
    assert_eq!(
        discovery["endpoints"][0]["specification"],
        "http://wiki.open311.org/GeoReport_v2"
    );
    assert_eq!(discovery["endpoints"][0]["type"], "production");
    assert_eq!(
        discovery["endpoints"][0]["formats"],
        json!(["text/xml", "application/json"])
    );
    for member in ["changeset", "contact", "key_service"] {
        assert!(
            discovery[member].as_str().is_some_and(|s| !s.is_empty()),
            "{member}: {discovery}"
        );
    }
    let xml_endpoint = &out["discovery_xml"]["discovery"]["endpoints"]["endpoint"];
    assert_eq!(xml_endpoint["url"], json!(endpoint));
    assert_eq!(
        xml_endpoint["formats"]["format"],
        json!(["text/xml", "application/json"])
    );
    assert_eq!(
        out["discovery_xml"]["discovery"]["key_service"],
        discovery["key_service"]
    );
    assert!(out["services"]
        .as_array()
        .expect("services")
        .contains(&json!("pothole")));
    assert_eq!(
        out["attributes_sent"],
        json!({"attribute[size]": "small", "attribute[consent]": "true"})
    );

    // Filing: a reference for a realtime service, in JSON and XML.
    let posted = &out["post_json"];
    assert_eq!(posted["status"], 200, "{posted}");
    assert_eq!(posted["content_type"], JSON_TYPE);
    let first = posted["body"][0]["service_request_id"]
        .as_str()
        .expect("reference")
        .to_owned();
    assert!(first.len() == 11 && first.as_bytes()[4] == b'-', "{first}");
    assert!(posted["body"][0].get("token").is_none(), "never both");
    assert_eq!(posted["body"][0]["account_id"], "app-user-7");
    assert!(posted["body"][0]["service_notice"]
        .as_str()
        .is_some_and(|n| n.contains('7')));
    assert_eq!(out["post_xml"]["status"], 200);
    assert_eq!(out["post_xml"]["content_type"], XML_TYPE);
    let second = out["post_xml"]["body"]["service_requests"]["request"]["service_request_id"]
        .as_str()
        .expect("reference")
        .to_owned();
    assert_ne!(first, second);

    // Listing with filters, reading one.
    let all = references(&out["list_all"]);
    assert!(all.contains(&first) && all.contains(&second), "{all:?}");
    assert_eq!(references(&out["list_all"])[0], all[0], "newest first");
    let mut open = references(&out["list_by_code_open"]);
    open.sort();
    let mut expected = vec![first.clone(), second.clone()];
    expected.sort();
    assert_eq!(open, expected);
    assert_eq!(out["list_closed"], json!([]));
    assert_eq!(references(&out["list_by_ids"]).len(), 2);
    assert_eq!(
        out["list_xml"].as_array().map(Vec::len),
        Some(2),
        "{}",
        out["list_xml"]
    );
    let one = &out["one_json"];
    assert_eq!(one["service_request_id"], json!(first));
    assert_eq!(one["status"], "open");
    assert_eq!(one["status_notes"], "Signalement reçu");
    assert_eq!(one["service_code"], "pothole");
    assert_eq!(one["service_name"], "Signaler un nid-de-poule");
    assert_eq!(one["description"], "Un nid de poule <profond> & dangereux");
    assert_eq!(one["agency_responsible"], "roads");
    assert_eq!(one["address"], "1 place de l'Hôtel de Ville");
    assert_eq!(one["lat"], 48.8566);
    assert_eq!(one["long"], 2.3522);
    assert_eq!(one["media_url"], "https://photos.example.org/1.jpg");
    assert!(
        one["requested_datetime"]
            .as_str()
            .is_some_and(|d| d.ends_with('Z')),
        "{one}"
    );
    assert!(
        one["expected_datetime"]
            .as_str()
            .is_some_and(|d| d.ends_with('Z')),
        "{one}"
    );
    let xml = &out["one_xml"];
    for member in [
        "service_request_id",
        "status",
        "status_notes",
        "description",
        "address",
        "requested_datetime",
    ] {
        assert_eq!(xml[member], one[member], "{member}");
    }
    assert_eq!(xml["lat"], "48.8566");
    let listed = out["list_all"].to_string();
    for personal in [
        "reporter@example.org",
        "Ada",
        "Lovelace",
        "app-user-7",
        "device-42",
    ] {
        assert!(!listed.contains(personal), "{personal} published: {listed}");
    }

    // Batch: a token, which resolves to the reference.
    let batch = &out["batch_post"]["body"][0];
    let token = batch["token"].as_str().expect("token");
    assert!(
        batch.get("service_request_id").is_none(),
        "never both: {batch}"
    );
    let resolved = &out["token_json"][0];
    assert_eq!(resolved["token"], json!(token));
    let reference = resolved["service_request_id"].as_str().expect("reference");
    assert_eq!(
        out["token_xml"]["service_requests"]["request"]["service_request_id"],
        json!(reference)
    );

    // What was written: the Open311 channel, the key as actor, the app's details kept aside.
    let conn = db(&g);
    let (channel, account, contact): (String, Option<String>, String) = conn
        .query_row(
            "SELECT channel, account_id, contact FROM requests WHERE reference = ?",
            [&first],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("request");
    assert_eq!(channel, "open311");
    assert_eq!(
        account, None,
        "the app's account_id is not a Guichet account"
    );
    let contact: Value = serde_json::from_str(&contact).expect("contact");
    assert_eq!(contact["email"], "reporter@example.org");
    assert_eq!(contact["name"], "Ada Lovelace");
    let actor: (String, String) = conn
        .query_row(
            "SELECT t.actor_kind, t.actor_id FROM timeline t JOIN requests r ON r.id = t.request_id \
             WHERE r.reference = ? AND t.kind = 'filed'",
            [&first],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("filed entry");
    assert_eq!(actor, ("open311".to_owned(), key_id.clone()));
    let device: String = conn
        .query_row(
            "SELECT o.device_id FROM open311_requests o JOIN requests r ON r.id = o.request_id WHERE r.reference = ?",
            [&first],
            |r| r.get(0),
        )
        .expect("open311 details");
    assert_eq!(device, "device-42");
}

#[test]
fn every_refusal_is_an_open311_error_and_writes_nothing() {
    let g = Guichet::start();
    let (id, key) = issue_key(&g, "app");
    let (revoked_id, revoked) = issue_key(&g, "old app");
    let reply = g.post(
        &format!("/api/requests/api-keys/{revoked_id}/revoke"),
        &json!({}),
        Some(&admin(&g)),
    );
    assert_eq!(reply.status, 200);
    let path = "/open311/v2/requests.json";

    let mut without_key = pothole(&key, &[]);
    without_key.retain(|(n, _)| *n != "api_key");
    assert_eq!(
        open311_error(&form_post(&g, path, &without_key), 403),
        ["api_key is required"]
    );
    open311_error(
        &form_post(&g, path, &pothole(&key, &[("api_key", "0123")])),
        403,
    );
    open311_error(&form_post(&g, path, &pothole(&revoked, &[])), 403);
    let xml = form_post(&g, "/open311/v2/requests.xml", &pothole(&revoked, &[]));
    assert_eq!(xml.status, 403);
    assert_eq!(xml.header("content-type"), Some(XML_TYPE));
    assert!(
        xml.body
            .contains("<errors><error><code>403</code><description>"),
        "{}",
        xml.body
    );

    let unknown = open311_error(
        &form_post(&g, path, &pothole(&key, &[("service_code", "nope")])),
        400,
    );
    assert!(unknown[0].starts_with("service_code"), "{unknown:?}");
    let personal = open311_error(
        &form_post(
            &g,
            path,
            &pothole(&key, &[("service_code", "birth-certificate")]),
        ),
        400,
    );
    assert!(
        personal.iter().any(|d| d.contains("signed in")),
        "{personal:?}"
    );

    // Every problem at once, one entry each.
    let long = "x".repeat(4_001);
    let bad = pothole(
        &key,
        &[
            ("lat", "91"),
            ("long", "east"),
            ("attribute[size]", "enormous"),
            ("attribute[nope]", "1"),
            ("attribute[photo]", "https://example.org/p.jpg"),
            ("description", &long),
            ("email", "not-an-email"),
            ("media_url", "javascript:alert(1)"),
        ],
    );
    let problems = open311_error(&form_post(&g, path, &bad), 400);
    for expected in [
        "lat:",
        "long:",
        "description:",
        "email:",
        "media_url:",
        "attribute[photo]:",
    ] {
        assert!(
            problems.iter().any(|p| p.starts_with(expected)),
            "{expected} in {problems:?}"
        );
    }
    let attributes = pothole(
        &key,
        &[("attribute[size]", "enormous"), ("attribute[nope]", "1")],
    );
    let problems = open311_error(&form_post(&g, path, &attributes), 400);
    assert!(
        problems.iter().any(|p| p.starts_with("attribute[size]:")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.starts_with("attribute[nope]:")),
        "{problems:?}"
    );
    let mut nowhere = pothole(&key, &[]);
    nowhere.retain(|(n, _)| *n != "lat" && *n != "long");
    let problems = open311_error(&form_post(&g, path, &nowhere), 400);
    assert!(
        problems.iter().any(|p| p.contains("location")),
        "{problems:?}"
    );
    let mut unreachable = pothole(&key, &[]);
    unreachable.retain(|(n, _)| *n != "email");
    open311_error(&form_post(&g, path, &unreachable), 400);
    let mut lost = pothole(&key, &[]);
    lost.retain(|(n, _)| *n != "long");
    let problems = open311_error(&form_post(&g, path, &lost), 400);
    assert!(
        problems.iter().any(|p| p.starts_with("long:")),
        "{problems:?}"
    );

    for table in ["requests", "open311_requests", "timeline", "outbox"] {
        assert_eq!(
            count(&g, &format!("SELECT COUNT(*) FROM {table}")),
            0,
            "{table}: nothing written"
        );
    }

    // Reads and routes.
    open311_error(&g.get("/open311/v2/requests/2026-999999.json", None), 404);
    open311_error(&g.get("/open311/v2/tokens/unknown.json", None), 404);
    assert_eq!(
        g.get("/open311/v2/requests", None).status,
        404,
        "the format suffix is required"
    );
    open311_error(&g.host.send("PUT", path, &[], None), 400);
    open311_error(
        &g.get(
            "/open311/v2/requests.json?jurisdiction_id=elsewhere.org",
            None,
        ),
        404,
    );
    open311_error(
        &g.get(
            "/open311/v2/requests.json?start_date=yesterday&status=pending",
            None,
        ),
        400,
    );
    assert_eq!(
        g.get("/open311/v2/requests.json?jurisdiction_id=demo", None)
            .status,
        200
    );
    assert_eq!(id.len(), 32);
}

#[test]
fn the_date_window_and_the_thousand_item_limit_bound_the_list() {
    let g = Guichet::start();
    let (_, key) = issue_key(&g, "app");
    let now = file_pothole(&g, &key);
    let conn = db(&g);
    let month_ago = time(&conn, "-30 days");
    let long_ago = time(&conn, "-100 days");
    clone_request(&conn, &now, "2026-900001", &month_ago, &[]);
    clone_request(&conn, &now, "2026-900002", &long_ago, &[]);
    let list = |query: &str| -> Value {
        let reply = g.get(&format!("/open311/v2/requests.json{query}"), None);
        assert_eq!(reply.status, 200, "{query}: {}", reply.body);
        reply.json()
    };
    assert_eq!(
        references(&list("")),
        [now.clone(), "2026-900001".to_owned()],
        "the last 90 days, newest first"
    );
    let start = time(&conn, "-110 days");
    assert_eq!(
        references(&list(&format!("?start_date={start}"))),
        ["2026-900001", "2026-900002"],
        "90 days from the start"
    );
    let end = time(&conn, "-95 days");
    assert_eq!(
        references(&list(&format!("?end_date={end}"))),
        ["2026-900002"],
        "90 days up to the end"
    );
    let too_wide = g.get(
        &format!(
            "/open311/v2/requests.json?start_date={}&end_date={}",
            time(&conn, "-120 days"),
            time(&conn, "+0 days")
        ),
        None,
    );
    assert!(open311_error(&too_wide, 400)[0].contains("90 days"));
    // An offset is honoured: the 30-day-old request's time, written an hour ahead of UTC.
    let local: String = conn
        .query_row(
            "SELECT strftime('%Y-%m-%dT%H:%M:%S', ?, '+1 hours') || '%2B01:00'",
            [&month_ago],
            |r| r.get(0),
        )
        .expect("local time");
    let shifted = g.get(
        &format!("/open311/v2/requests.json?start_date={local}"),
        None,
    );
    assert_eq!(
        references(&shifted.json()),
        [now.clone(), "2026-900001".to_owned()],
        "{local}"
    );
    assert_eq!(references(&list("?status=closed")), Vec::<String>::new());
    assert_eq!(
        references(&list("?service_code=graffiti,streetlight-out")),
        Vec::<String>::new()
    );
    // The ids filter overrides the others (the window included).
    assert_eq!(
        references(&list("?service_request_id=2026-900002&status=closed")),
        ["2026-900002"]
    );

    // A thousand more: the answer stops at 1,000; paging walks on.
    let recent = time(&conn, "-1 hours");
    conn.execute_batch("BEGIN").expect("begin");
    for n in 0..1_000 {
        clone_request(
            &conn,
            &now,
            &format!("2026-{:06}", 100_000 + n),
            &recent,
            &[],
        );
    }
    conn.execute_batch("COMMIT").expect("commit");
    let page = list("");
    assert_eq!(page.as_array().map(Vec::len), Some(1_000));
    assert_eq!(references(&page)[0], now, "newest first");
    let rest = list("?page=2");
    assert_eq!(
        references(&rest),
        ["2026-100000", "2026-900001"],
        "the oldest in the window comes last"
    );
    assert_eq!(list("?page_size=10").as_array().map(Vec::len), Some(10));
    open311_error(
        &g.get("/open311/v2/requests.json?page_size=1001", None),
        400,
    );
}

#[test]
fn extensions_and_updates_publish_only_what_the_commune_said_publicly() {
    let g = Guichet::start();
    let (key_id, key) = issue_key(&g, "FixMyStreet");
    let reference = file_pothole(&g, &key);
    let conn = db(&g);
    let (id, filed_at): (String, String) = conn
        .query_row(
            "SELECT id, created_at FROM requests WHERE reference = ?",
            [&reference],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("request");
    let entry = |actor: &str, kind: &str, to: Option<&str>, body: &str, public: i64| {
        conn.execute(
            "INSERT INTO timeline (commune, request_id, at, actor_kind, actor_id, kind, from_value, to_value, \
             body, public, detail) VALUES ('demo', ?1, ?2, ?3, 'someone', ?4, NULL, ?5, ?6, ?7, '{}')",
            rusqlite::params![id, filed_at, actor, kind, to, body, public],
        )
        .expect("timeline entry");
    };
    entry(
        "staff",
        "status",
        Some("in-progress"),
        "Équipe en route <demain>",
        1,
    );
    entry("staff", "note", None, "secret internal note", 0);
    entry("citizen", "message", None, "my phone is 0601020304", 1);
    entry("staff", "message", None, "Merci pour votre signalement", 1);
    conn.execute(
        "UPDATE requests SET state = 'in-progress' WHERE id = ?",
        [&id],
    )
    .expect("state");

    let one = g.get(
        &format!("/open311/v2/requests/{reference}.json?extensions=true"),
        None,
    );
    assert_eq!(one.status, 200, "{}", one.body);
    let one = &one.json()[0];
    assert_eq!(one["status_notes"], "Intervention programmée");
    assert_eq!(one["extended_attributes"]["state"], "in-progress");
    assert_eq!(one["extended_attributes"]["channel"], "open311");
    let types: Vec<&str> = one["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter_map(|n| n["type"].as_str())
        .collect();
    assert_eq!(types, ["filed", "status", "message"]);
    assert_eq!(one["notes"][1]["description"], "Équipe en route <demain>");
    assert_eq!(one["notes"][1]["datetime"], json!(filed_at));
    let text = one.to_string();
    assert!(!text.contains("secret") && !text.contains("0601"), "{text}");
    let plain = g
        .get(&format!("/open311/v2/requests/{reference}.json"), None)
        .json();
    assert!(
        plain[0].get("notes").is_none(),
        "notes only with extensions=true"
    );

    let updates = g.get("/open311/v2/servicerequestupdates.json", None);
    assert_eq!(updates.status, 200, "{}", updates.body);
    let list = updates.json();
    let list = list.as_array().expect("array");
    let summary: Vec<(&str, &str)> = list
        .iter()
        .map(|u| {
            (
                u["status"].as_str().unwrap_or(""),
                u["description"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("in_progress", "Équipe en route <demain>"),
            ("in_progress", "Merci pour votre signalement")
        ]
    );
    assert!(list
        .iter()
        .all(|u| u["service_request_id"] == json!(reference) && u["update_id"].is_string()));
    let xml = g.get("/open311/v2/servicerequestupdates.xml", None);
    assert_eq!(xml.header("content-type"), Some(XML_TYPE));
    assert!(
        xml.body
            .contains("<service_request_updates><request_update><update_id>"),
        "{}",
        xml.body
    );
    assert!(
        xml.body.contains("Équipe en route &lt;demain&gt;"),
        "{}",
        xml.body
    );
    let old = g.get(
        &format!(
            "/open311/v2/servicerequestupdates.json?end_date={}",
            time(&conn, "-1 days")
        ),
        None,
    );
    assert_eq!(old.json(), json!([]), "the window applies");

    // An app posts a comment: a public message of the key, to the followers.
    let path = "/open311/v2/servicerequestupdates.json";
    let comment = [
        ("api_key", key.as_str()),
        ("service_request_id", reference.as_str()),
        ("description", "Toujours là ce matin"),
        ("status", "OPEN"),
        ("update_id", "fms-1"),
        ("updated_datetime", "2026-12-01T08:00:00+01:00"),
        ("first_name", "Ada"),
    ];
    let posted = form_post(&g, path, &comment);
    assert_eq!(posted.status, 200, "{}", posted.body);
    let update_id = posted.json()[0]["update_id"]
        .as_str()
        .expect("update_id")
        .to_owned();
    let after = g.get(path, None).json();
    let last = after
        .as_array()
        .and_then(|l| l.last())
        .expect("an update")
        .clone();
    assert_eq!(last["update_id"], json!(update_id));
    assert_eq!(last["description"], "Toujours là ce matin");
    assert!(
        !after.to_string().contains("Ada"),
        "the author is kept for staff only"
    );
    let (actor, actor_id, public): (String, String, i64) = conn
        .query_row(
            "SELECT actor_kind, actor_id, public FROM timeline WHERE seq = ?",
            [&update_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("the update's entry");
    assert_eq!(
        (actor.as_str(), actor_id.as_str(), public),
        ("open311", key_id.as_str(), 1)
    );
    assert_eq!(
        count(&g, "SELECT COUNT(*) FROM outbox WHERE kind = 'message'"),
        1
    );
    let state: String = conn
        .query_row("SELECT state FROM requests WHERE id = ?", [&id], |r| {
            r.get(0)
        })
        .expect("state");
    assert_eq!(
        state, "in-progress",
        "an app's reported status is not applied"
    );

    let entries = count(&g, "SELECT COUNT(*) FROM timeline");
    open311_error(&form_post(&g, path, &comment[1..]), 403);
    open311_error(
        &form_post(
            &g,
            path,
            &[
                ("api_key", &key),
                ("service_request_id", "2026-999999"),
                ("description", "x"),
            ],
        ),
        404,
    );
    let problems = open311_error(
        &form_post(
            &g,
            path,
            &[
                ("api_key", &key),
                ("status", "fixed"),
                ("updated_datetime", "soon"),
            ],
        ),
        400,
    );
    assert_eq!(problems.len(), 4, "{problems:?}");
    assert_eq!(
        count(&g, "SELECT COUNT(*) FROM timeline"),
        entries,
        "nothing written on refusals"
    );
}

#[test]
fn merged_requests_are_closed_naming_the_original_and_personal_procedures_are_never_published() {
    let g = Guichet::start();
    let (_, key) = issue_key(&g, "app");
    let original = file_pothole(&g, &key);
    let conn = db(&g);
    let original_id: String = conn
        .query_row(
            "SELECT id FROM requests WHERE reference = ?",
            [&original],
            |r| r.get(0),
        )
        .expect("id");
    let now = time(&conn, "+0 days");
    clone_request(
        &conn,
        &original,
        "2026-800001",
        &now,
        &[
            ("merged_into", &original_id),
            ("is_open", "0"),
            ("state", "duplicate"),
        ],
    );
    clone_request(
        &conn,
        &original,
        "2026-800002",
        &now,
        &[("service_code", "birth-certificate")],
    );

    let merged = g.get("/open311/v2/requests/2026-800001.json", None);
    assert_eq!(merged.status, 200, "{}", merged.body);
    assert_eq!(merged.json()[0]["status"], "closed");
    let notes = merged.json()[0]["status_notes"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(notes.contains(&original), "{notes}");
    let english = g
        .get(
            "/open311/v2/requests/2026-800001.json?lang=en&extensions=true",
            None,
        )
        .json();
    assert!(
        english[0]["status_notes"]
            .as_str()
            .is_some_and(|n| n.starts_with("Duplicate")),
        "{english}"
    );
    assert_eq!(
        english[0]["extended_attributes"]["merged_into"],
        json!(original)
    );

    open311_error(&g.get("/open311/v2/requests/2026-800002.json", None), 404);
    let all = references(&g.get("/open311/v2/requests.json", None).json());
    assert!(!all.contains(&"2026-800002".to_owned()), "{all:?}");
    assert!(
        all.contains(&"2026-800001".to_owned()) && all.contains(&original),
        "{all:?}"
    );
}

#[test]
fn xml_documents_mirror_the_json_with_text_escaped() {
    let g = Guichet::start();
    let (_, key) = issue_key(&g, "app");
    let reference = file_pothole(&g, &key);
    let reply = g.get(&format!("/open311/v2/requests/{reference}.xml"), None);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some(XML_TYPE));
    let xml = &reply.body;
    assert!(
        xml.starts_with(&format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><service_requests><request><service_request_id>{reference}</service_request_id><status>open</status>"
        )),
        "{xml}"
    );
    assert!(
        xml.contains("<description>Nid de poule &lt;profond&gt; &amp; dangereux</description>"),
        "{xml}"
    );
    assert!(
        xml.contains("<lat>48.8566</lat><long>2.3522</long>"),
        "{xml}"
    );
    assert!(xml.contains("<zipcode></zipcode>"), "{xml}");
    assert!(xml.ends_with("</request></service_requests>"), "{xml}");
    let json = g.get(&format!("/open311/v2/requests/{reference}.json"), None);
    assert_eq!(json.header("content-type"), Some(JSON_TYPE));
    let one = &json.json()[0];
    let mut members: Vec<&str> = one
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    members.sort_unstable();
    assert_eq!(
        members,
        [
            "address",
            "address_id",
            "agency_responsible",
            "description",
            "expected_datetime",
            "lat",
            "long",
            "media_url",
            "requested_datetime",
            "service_code",
            "service_name",
            "service_notice",
            "service_request_id",
            "status",
            "status_notes",
            "updated_datetime",
            "zipcode"
        ]
    );
    for member in members {
        assert!(xml.contains(&format!("<{member}>")), "{member} in {xml}");
    }
    let posted = form_post(&g, "/open311/v2/requests.xml", &pothole(&key, &[]));
    assert_eq!(posted.header("content-type"), Some(XML_TYPE));
    assert!(
        posted
            .body
            .contains("<service_requests><request><service_request_id>"),
        "{}",
        posted.body
    );
    assert!(
        posted.body.contains("<account_id></account_id>"),
        "{}",
        posted.body
    );
    let discovery = g.get("/open311/v2/discovery.xml", None);
    assert!(discovery.body.contains("<endpoints><endpoint><specification>http://wiki.open311.org/GeoReport_v2</specification>"), "{}", discovery.body);
    assert!(
        discovery.body.contains(
            "<formats><format>text/xml</format><format>application/json</format></formats>"
        ),
        "{}",
        discovery.body
    );
}

#[test]
fn workflow_changes_and_merges_made_by_staff_reach_open311_clients() {
    let g = Guichet::start();
    let (_, key) = issue_key(&g, "FixMyStreet");
    let original = file_pothole(&g, &key);
    let duplicate = file_pothole(&g, &key);
    let supervisor = g
        .keys
        .access_token(COMMUNE, "supervisor-1", &["supervisor"]);
    let step = |to: &str, extra: Value| {
        let mut body = json!({"to": to});
        if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
            body.extend(extra.clone());
        }
        let reply = g.post(
            &format!("/api/requests/{original}/transitions"),
            &body,
            Some(&supervisor),
        );
        assert_eq!(reply.status, 200, "{to}: {}", reply.body);
    };
    step("acknowledged", json!({}));
    step(
        "in-progress",
        json!({"message": "Intervention jeudi", "note": "équipe B, ne pas publier"}),
    );
    let merged = g.post(
        &format!("/api/requests/{duplicate}/merge"),
        &json!({"into": original}),
        Some(&supervisor),
    );
    assert_eq!(merged.status, 200, "{}", merged.body);

    let one = g
        .get(
            &format!("/open311/v2/requests/{original}.json?extensions=true"),
            None,
        )
        .json();
    assert_eq!(one[0]["status"], "open");
    assert_eq!(one[0]["status_notes"], "Intervention programmée");
    let notes: Vec<(String, String)> = one[0]["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .map(|n| {
            (
                n["type"].as_str().unwrap_or("").to_owned(),
                n["description"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert!(
        notes.contains(&("message".to_owned(), "Intervention jeudi".to_owned())),
        "{notes:?}"
    );
    assert!(notes.iter().any(|(kind, _)| kind == "status"), "{notes:?}");
    assert!(
        !one.to_string().contains("équipe B"),
        "internal notes stay internal"
    );

    let copy = g
        .get(&format!("/open311/v2/requests/{duplicate}.json"), None)
        .json();
    assert_eq!(copy[0]["status"], "closed");
    assert!(
        copy[0]["status_notes"]
            .as_str()
            .is_some_and(|n| n.contains(&original)),
        "{copy}"
    );

    let updates = g.get("/open311/v2/servicerequestupdates.json", None).json();
    let seen: Vec<(String, String)> = updates
        .as_array()
        .expect("updates")
        .iter()
        .map(|u| {
            (
                u["service_request_id"].as_str().unwrap_or("").to_owned(),
                u["status"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    for expected in [
        (original.clone(), "investigating".to_owned()),
        (original.clone(), "in_progress".to_owned()),
        (duplicate.clone(), "duplicate".to_owned()),
    ] {
        assert!(seen.contains(&expected), "{expected:?} in {seen:?}");
    }
    assert!(!updates.to_string().contains("équipe B"));
}
