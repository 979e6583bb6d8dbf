//! Filing requests through the real host (`POST /api/requests`): references and tracking
//! codes, the form's checks, anonymous reports, attachments, Idempotency-Key.

use crate::catalog_support;
use crate::requests_support;

use guichet_tests::guichet::{Guichet, PLATFORM_TOKEN};
use guichet_tests::Reply;
use requests_support::*;
use serde_json::{json, Value};

/// A complete dog licence (a service that needs an account, with a required file).
fn dog_licence() -> Value {
    json!({
        "service_code": "dog-licence",
        "answers": {
            "dog-name": "Rex", "breed": "Labrador", "category": "none",
            "birth-date": "2024-03-01", "chip": "250269812345678", "id-card": "icad.pdf",
            "email": "alice@example.org", "consent": true,
        },
        "attachments": [attachment("icad.pdf", "application/pdf", PDF)],
    })
}

fn mine_total(g: &Guichet, token: &str) -> i64 {
    let reply = g.get("/api/requests/mine", Some(token));
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()["total"].as_i64().expect("total")
}

/// Publishes `definition` in `commune` at host `name` as its administrator.
fn publish(g: &Guichet, name: &str, commune: &str, definition: &Value) {
    let admin = g.keys.access_token(commune, "admin-1", &["admin"]);
    let created = g.at(
        name,
        "POST",
        "/api/catalog/admin/services",
        Some(&admin),
        Some(definition),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    let code = definition["code"].as_str().expect("code");
    let path = format!("/api/catalog/admin/services/{code}/publish");
    let published = g.at(name, "POST", &path, Some(&admin), None);
    assert_eq!(published.status, 200, "{}", published.body);
}

#[test]
fn a_citizen_files_a_request_and_gets_a_reference_and_tracking_code() {
    let g = Guichet::start();
    let token = citizen(&g, "alice");
    let reply = g.post(REQUESTS, &pothole_body("alice@example.org"), Some(&token));
    assert_eq!(reply.status, 201, "{}", reply.body);
    let body = reply.json();
    let reference = body["reference"].as_str().expect("reference");
    let year = &body["created_at"].as_str().expect("created_at")[..4];
    assert_eq!(reference, format!("{year}-000001"));
    assert_eq!(
        reply.header("location"),
        Some(format!("/api/requests/{reference}").as_str())
    );
    let code = body["tracking_code"].as_str().expect("tracking code");
    assert_eq!(code.len(), 19, "{code}");
    assert_eq!(body["state"], json!("submitted"));
    assert_eq!(body["state_label"]["en"], json!("Report received"));
    assert!(
        body["expected_on"]
            .as_str()
            .is_some_and(|d| d.len() == 10 && d > year),
        "{body}"
    );

    let shown = show(&g, reference, &token);
    assert_eq!(shown.status, 200, "{}", shown.body);
    let view = shown.json();
    assert_eq!(view["answers"]["size"], json!("medium"));
    assert_eq!(
        view["answers"]["location"]["lat"],
        json!(48.8566),
        "the body's location answers the form's"
    );
    assert_eq!(
        view["answers"]["email"],
        json!("alice@example.org"),
        "the contact's e-mail answers the form's"
    );
    assert_eq!(
        view["location"]["address"],
        json!("12 rue de la République")
    );
    assert_eq!(view["channel"], json!("web"));
    let timeline = view["timeline"].as_array().expect("timeline");
    assert_eq!(timeline[0]["kind"], json!("filed"));
    assert_eq!(timeline[0]["to"], json!("submitted"));

    let second = file_pothole(&g, Some(&token));
    assert_eq!(second.reference, format!("{year}-000002"));
    assert_ne!(second.tracking_code, code);
}

#[test]
fn references_count_per_commune_and_year() {
    let g = Guichet::start();
    // Identity creates the default commune on first use; then the platform creates another.
    let home = g.at("localhost", "GET", "/", None, None);
    assert_eq!(home.status, 200, "{}", home.body);
    let created = g.post(
        "/api/identity/communes",
        &json!({"id": "autre", "name": "Autre", "hosts": ["autre.localhost"], "languages": ["fr"]}),
        Some(PLATFORM_TOKEN),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    publish(
        &g,
        "autre.localhost",
        "autre",
        &catalog_support::simple("trottoir", "roads", "Trottoir", "Sidewalk"),
    );

    let demo = citizen(&g, "alice");
    let first = file_pothole(&g, Some(&demo));
    let second = file_pothole(&g, Some(&demo));
    let other = g.keys.access_token("autre", "bob", &[]);
    let reply = g.at(
        "autre.localhost",
        "POST",
        REQUESTS,
        Some(&other),
        Some(&json!({"service_code": "trottoir"})),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let year = &first.body["created_at"].as_str().expect("created_at")[..4];
    assert_eq!(first.reference, format!("{year}-000001"));
    assert_eq!(second.reference, format!("{year}-000002"));
    assert_eq!(reply.json()["reference"], json!(format!("{year}-000001")));
    // The same reference in the other commune is not this commune's request.
    let at_demo = g.at(
        "localhost",
        "GET",
        &format!("{REQUESTS}/{}", first.reference),
        Some(&other),
        None,
    );
    assert_eq!(
        at_demo.status, 401,
        "a token of another commune is refused: {}",
        at_demo.body
    );
    let at_autre = g.at(
        "autre.localhost",
        "GET",
        &format!("{REQUESTS}/{}", first.reference),
        Some(&other),
        None,
    );
    assert_eq!(
        at_autre.status, 200,
        "bob's own request at autre: {}",
        at_autre.body
    );
    assert_eq!(at_autre.json()["service_code"], json!("trottoir"));
}

#[test]
fn every_wrong_answer_is_named_at_once_and_nothing_is_written() {
    let g = Guichet::start();
    let token = citizen(&g, "alice");
    let reply = g.post(
        REQUESTS,
        &json!({
            "service_code": "dog-licence",
            "answers": {
                "dog-name": "", "breed": 12, "category": "wolf", "birth-date": "2025-02-30",
                "chip": "12345", "phone": "call me", "email": "nope", "consent": false,
                "colour": "brown",
            },
            "location": {"lat": 91, "long": 2.35},
            "contact": {"email": "not-an-address", "notify": "pigeon"},
            "attachments": [attachment("x.exe", "application/x-msdownload", b"MZ\x90\x00")],
            "colour": "brown",
        }),
        Some(&token),
    );
    assert_eq!(reply.status, 400, "{}", reply.body);
    let mut found = errors_of(&reply);
    found.sort();
    let mut expected = vec![
        pair("colour", "unknown_field"),
        pair("contact.notify", "unknown_value"),
        pair("location.lat", "out_of_range"),
        pair("contact.email", "invalid_email"),
        pair("attachments[0].content_type", "forbidden_type"),
        pair("answers.dog-name", "required"),
        pair("answers.breed", "invalid_type"),
        pair("answers.category", "not_in_list"),
        pair("answers.birth-date", "invalid_date"),
        pair("answers.chip", "too_short"),
        pair("answers.chip", "pattern"),
        pair("answers.id-card", "required"),
        pair("answers.phone", "invalid_phone"),
        pair("answers.email", "invalid_email"),
        pair("answers.consent", "must_accept"),
        pair("answers.colour", "unknown_field"),
    ];
    expected.sort();
    assert_eq!(found, expected);

    assert_eq!(mine_total(&g, &token), 0, "nothing was filed");
    let filed = file(&g, &dog_licence(), Some(&token));
    assert!(
        filed.reference.ends_with("-000001"),
        "no reference number was used: {}",
        filed.reference
    );
}

#[test]
fn an_anonymous_report_needs_a_way_to_be_reached() {
    let g = Guichet::start();
    let mut body = pothole_body("x@example.org");
    body["contact"] = json!({"name": "Camille"});
    let reply = g.post(REQUESTS, &body, None);
    assert_eq!(reply.status, 400, "{}", reply.body);
    let found = errors_of(&reply);
    assert!(
        found.contains(&pair("contact", "contact_required")),
        "{found:?}"
    );
    assert!(
        found.contains(&pair("answers.email", "required")),
        "{found:?}"
    );

    let filed = anonymous_report(&g, "camille@example.org");
    assert!(filed.reference.ends_with("-000001"), "{}", filed.reference);
    // Nobody owns it: no citizen sees it, its tracking code shows it.
    assert_eq!(
        show(&g, &filed.reference, &citizen(&g, "alice")).status,
        404
    );
    assert_eq!(
        track(&g, &filed.reference, &filed.tracking_code).status,
        200
    );
}

#[test]
fn a_service_that_does_not_allow_anonymous_filing_refuses_without_a_token() {
    let g = Guichet::start();
    let reply = g.post(REQUESTS, &dog_licence(), None);
    assert_eq!(reply.status, 401, "{}", reply.body);
    assert_eq!(errors_of(&reply), vec![pair("", "missing_token")]);
    let bad = g.post(REQUESTS, &dog_licence(), Some("not-a-token"));
    assert_eq!(
        bad.status, 401,
        "an invalid token is never read as anonymous: {}",
        bad.body
    );
}

#[test]
fn an_unknown_or_counter_only_service_is_refused() {
    let g = Guichet::start();
    let token = citizen(&g, "alice");
    let reply = g.post(
        REQUESTS,
        &json!({"service_code": "teleportation"}),
        Some(&token),
    );
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(
        errors_of(&reply),
        vec![pair("service_code", "unknown_service")]
    );
    let reply = g.post(REQUESTS, &json!({"description": "?"}), Some(&token));
    assert_eq!(errors_of(&reply), vec![pair("service_code", "required")]);

    let mut counter = catalog_support::simple("mariage-guichet", "civil", "Mariage", "Wedding");
    counter["channel"] = json!("counter-only");
    publish(&g, "localhost", "demo", &counter);
    let reply = g.post(
        REQUESTS,
        &json!({"service_code": "mariage-guichet"}),
        Some(&token),
    );
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(
        errors_of(&reply),
        vec![pair("service_code", "counter_only")]
    );
    assert_eq!(mine_total(&g, &token), 0);
}

#[test]
fn coordinates_out_of_range_or_alone_are_refused_field_by_field() {
    let g = Guichet::start();
    let token = citizen(&g, "alice");
    let mut body = pothole_body("alice@example.org");
    body["location"] = json!({"lat": -90.5, "long": 181});
    let reply = g.post(REQUESTS, &body, Some(&token));
    assert_eq!(reply.status, 400, "{}", reply.body);
    let found = errors_of(&reply);
    assert!(
        found.contains(&pair("location.lat", "out_of_range")),
        "{found:?}"
    );
    assert!(
        found.contains(&pair("location.long", "out_of_range")),
        "{found:?}"
    );
    body["location"] = json!({"lat": 48.0});
    let reply = g.post(REQUESTS, &body, Some(&token));
    assert!(
        errors_of(&reply).contains(&pair("location.long", "required")),
        "{}",
        reply.body
    );
    assert_eq!(mine_total(&g, &token), 0);
}

#[test]
fn a_forbidden_or_disguised_attachment_is_refused() {
    let g = Guichet::start();
    let token = citizen(&g, "alice");
    let mut body = pothole_body("alice@example.org");
    body["answers"]["photo"] = json!("trou.jpg");
    body["attachments"] = json!([
        attachment("trou.jpg", "image/jpeg", PNG),
        attachment("page.html", "text/html", b"<script>alert(1)</script>"),
        attachment("faux.pdf", "application/pdf", b"MZ not a pdf"),
    ]);
    let reply = g.post(REQUESTS, &body, Some(&token));
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(
        errors_of(&reply),
        vec![
            pair("attachments[0].content_type", "type_mismatch"),
            pair("attachments[1].content_type", "forbidden_type"),
            pair("attachments[2].content_type", "type_mismatch"),
        ]
    );
    let six: Vec<Value> = (0..6)
        .map(|i| attachment(&format!("{i}.pdf"), "application/pdf", PDF))
        .collect();
    body["attachments"] = json!(six);
    body["answers"]["photo"] = json!("0.pdf");
    assert_eq!(
        errors_of(&g.post(REQUESTS, &body, Some(&token))),
        vec![pair("attachments", "too_many")]
    );
    let mut big = PDF.to_vec();
    big.resize(5 * 1024 * 1024 + 1, b' ');
    body["attachments"] = json!([attachment("0.pdf", "application/pdf", &big)]);
    let reply = g.post(REQUESTS, &body, Some(&token));
    assert_eq!(
        errors_of(&reply),
        vec![pair("attachments[0].data_base64", "too_large")],
        "{}",
        reply.body
    );
    body["attachments"] = json!([]);
    let reply = g.post(REQUESTS, &body, Some(&token));
    assert_eq!(
        errors_of(&reply),
        vec![pair("answers.photo", "unknown_attachment")],
        "{}",
        reply.body
    );
    assert_eq!(mine_total(&g, &token), 0, "nothing was filed");
}

#[test]
fn a_filed_attachment_is_served_to_its_owner_as_a_download_only() {
    let g = Guichet::start();
    let token = citizen(&g, "alice");
    let filed = file(&g, &dog_licence(), Some(&token));
    let id = filed.body["attachments"][0]["id"]
        .as_str()
        .expect("attachment id")
        .to_owned();
    let path = format!("{REQUESTS}/{}/attachments/{id}", filed.reference);
    let reply = g.get(&path, Some(&token));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body.as_bytes(), PDF);
    assert_eq!(reply.header("content-type"), Some("application/pdf"));
    assert!(
        reply
            .header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment;")),
        "{:?}",
        reply.headers
    );
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(g.get(&path, Some(&citizen(&g, "mallory"))).status, 404);
    assert_eq!(g.get(&path, None).status, 401);
    assert_eq!(
        g.get(&path, Some(&staff(&g, "agent-1", &["agent"]))).status,
        200
    );
    let unknown = format!(
        "{REQUESTS}/{}/attachments/{}",
        filed.reference,
        "0".repeat(32)
    );
    assert_eq!(g.get(&unknown, Some(&token)).status, 404);
}

#[test]
fn the_owner_adds_files_later_and_each_gets_a_public_timeline_entry() {
    let g = Guichet::start();
    let token = citizen(&g, "alice");
    let filed = file_pothole(&g, Some(&token));
    let path = format!("{REQUESTS}/{}/attachments", filed.reference);
    let reply = g.post(
        &path,
        &attachment("plan.pdf", "application/pdf", PDF),
        Some(&token),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    let id = reply.json()["attachments"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let refused = g.post(
        &path,
        &json!({"attachments": [attachment("x.png", "image/png", PDF)]}),
        Some(&token),
    );
    assert_eq!(
        errors_of(&refused),
        vec![pair("attachments[0].content_type", "type_mismatch")]
    );
    let other = g.post(
        &path,
        &attachment("plan.pdf", "application/pdf", PDF),
        Some(&citizen(&g, "mallory")),
    );
    assert_eq!(other.status, 404);

    let view = show(&g, &filed.reference, &token).json();
    assert_eq!(
        view["attachments"].as_array().map(Vec::len),
        Some(1),
        "{view}"
    );
    assert_eq!(view["attachments"][0]["id"], json!(id));
    let kinds: Vec<&str> = view["timeline"]
        .as_array()
        .expect("timeline")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["filed", "attachment"]);
}

fn file_with_key(g: &Guichet, key: &str, body: &Value, token: &str) -> Reply {
    let bearer = format!("Bearer {token}");
    let text = body.to_string();
    g.host.send(
        "POST",
        REQUESTS,
        &[
            ("content-type", "application/json"),
            ("authorization", &bearer),
            ("idempotency-key", key),
        ],
        Some(text.as_bytes()),
    )
}

#[test]
fn an_idempotency_key_replays_the_first_answer_and_refuses_reuse() {
    let g = Guichet::start();
    let token = citizen(&g, "alice");
    let body = pothole_body("alice@example.org");
    let first = file_with_key(&g, "key-0001", &body, &token);
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.header("idempotent-replayed"), None);
    let again = file_with_key(&g, "key-0001", &body, &token);
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(
        again.json(),
        first.json(),
        "the same reference and tracking code"
    );
    assert_eq!(again.header("location"), first.header("location"));

    let mut changed = body.clone();
    changed["description"] = json!("Un autre trou");
    let reused = file_with_key(&g, "key-0001", &changed, &token);
    assert_eq!(reused.status, 409, "{}", reused.body);
    assert_eq!(
        errors_of(&reused),
        vec![pair("Idempotency-Key", "key_reused")]
    );
    // Keys are per caller: another citizen's identical key is theirs.
    let bob = file_with_key(&g, "key-0001", &body, &citizen(&g, "bob"));
    assert_eq!(bob.status, 201, "{}", bob.body);
    assert_ne!(bob.json()["reference"], first.json()["reference"]);
    let invalid = file_with_key(&g, "clé avec espaces", &body, &token);
    assert_eq!(
        errors_of(&invalid),
        vec![pair("Idempotency-Key", "invalid")]
    );
    assert_eq!(mine_total(&g, &token), 1);
}

#[test]
fn concurrent_filings_with_one_idempotency_key_file_one_request() {
    let g = Guichet::start();
    let token = citizen(&g, "alice");
    let url = g.host.url(REQUESTS);
    let text = pothole_body("alice@example.org").to_string();
    let bearer = format!("Bearer {token}");
    let replies: Vec<Reply> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    guichet_tests::request(
                        "POST",
                        &url,
                        &[
                            ("content-type", "application/json"),
                            ("authorization", &bearer),
                            ("idempotency-key", "burst-1"),
                        ],
                        Some(text.as_bytes()),
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect()
    });
    let references: Vec<Value> = replies
        .iter()
        .map(|r| {
            assert_eq!(r.status, 201, "{}\n{}", r.body, g.host.log());
            r.json()["reference"].clone()
        })
        .collect();
    assert!(
        references.iter().all(|r| *r == references[0]),
        "{references:?}"
    );
    assert_eq!(mine_total(&g, &token), 1);
}

/// `(weekday, days since 1970-01-01)` of `date` (`YYYY-MM-DD`), by SQLite's calendar: an
/// oracle that owes nothing to Guichet's own date code. Weekday 0 is Sunday.
fn calendar(date: &str) -> (i64, i64) {
    let conn = rusqlite::Connection::open_in_memory().expect("an in-memory database");
    conn.query_row(
        "SELECT CAST(strftime('%w', ?1) AS INTEGER), CAST(julianday(?1) - julianday('1970-01-01') AS INTEGER)",
        [date],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .expect("a date SQLite reads")
}

#[test]
fn the_expected_date_is_the_services_processing_days_counted_in_business_days() {
    let g = Guichet::start();
    let token = citizen(&g, "alice");
    let reply = g.post(REQUESTS, &pothole_body("alice@example.org"), Some(&token));
    assert_eq!(reply.status, 201, "{}", reply.body);
    let body = reply.json();
    let filed = &body["created_at"].as_str().expect("created_at")[..10];
    let expected = body["expected_on"].as_str().expect("expected_on");
    // The demo pothole service announces 7 days (components/catalog/demo/catalogue.json).
    let (weekday, last) = calendar(expected);
    let (_, first) = calendar(filed);
    assert!((1..=5).contains(&weekday), "{expected} is a weekday");
    let weekdays = (first + 1..=last)
        .filter(|day| !matches!((day + 4).rem_euclid(7), 0 | 6))
        .count();
    // Seven weekdays after the filing day, plus any public holiday among them (at most three
    // in any such stretch: 1 May, 8 May and Ascension); never seven calendar days.
    assert!((7..=10).contains(&weekdays), "{filed} → {expected}: {weekdays} weekdays");
    assert!(last - first >= 9, "{filed} → {expected} spans a weekend");
}
