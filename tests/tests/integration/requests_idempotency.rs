//! Checklist item 29: every filing route honours `Idempotency-Key` as `POST /api/requests`
//! does (requests_filing.rs): filing at the counter or on the phone
//! (`POST /api/requests/counter`) and Open311's `POST requests`. A retry with the same key and
//! body files nothing more and gets the first answer; the same key with another body is a 409.

use crate::requests_support;

use guichet_tests::guichet::Guichet;
use guichet_tests::Reply;
use requests_support::*;
use serde_json::{json, Value};

fn requests_count(g: &Guichet) -> i64 {
    db(g)
        .query_row("SELECT COUNT(*) FROM requests", [], |row| row.get(0))
        .expect("count")
}

fn counter(g: &Guichet, body: &Value, key: &str) -> Reply {
    let bearer = format!("Bearer {}", staff(g, "agent-1", &["agent"]));
    g.host.send(
        "POST",
        &format!("{REQUESTS}/counter"),
        &[
            ("authorization", bearer.as_str()),
            ("content-type", "application/json"),
            ("idempotency-key", key),
        ],
        Some(body.to_string().as_bytes()),
    )
}

#[test]
fn a_counter_filing_retried_with_its_key_is_filed_once() {
    let g = Guichet::start();
    let mut body = pothole_body("durand@example.org");
    body["channel"] = json!("phone");
    body["call"] = json!({"called_at": "2026-11-30T09:15:00+01:00", "duration_seconds": 60,
                          "caller": "M. Durand", "summary": "trou"});
    let first = counter(&g, &body, "desk-42-call-7");
    assert_eq!(first.status, 201, "{}", first.body);
    let again = counter(&g, &body, "desk-42-call-7");
    assert_eq!(again.status, 201, "{}", again.body);
    assert_eq!(
        again.json(),
        first.json(),
        "the same answer, tracking code included"
    );
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(requests_count(&g), 1);

    body["description"] = json!("another request");
    let reused = counter(&g, &body, "desk-42-call-7");
    assert_eq!(reused.status, 409, "{}", reused.body);
    assert_eq!(errors_of(&reused), [pair("Idempotency-Key", "key_reused")]);
    assert_eq!(requests_count(&g), 1, "nothing written");
    assert_eq!(counter(&g, &body, "desk-42-call-8").status, 201);
    assert_eq!(requests_count(&g), 2);
}

fn issue_key(g: &Guichet) -> String {
    let reply = g.post(
        &format!("{REQUESTS}/api-keys"),
        &json!({"name": "app"}),
        Some(&staff(g, "admin-1", &["admin"])),
    );
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()["api_key"]
        .as_str()
        .expect("api_key")
        .to_owned()
}

fn open311(g: &Guichet, format: &str, form: &str, key: &str) -> Reply {
    g.host.send(
        "POST",
        &format!("/open311/v2/requests.{format}"),
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("idempotency-key", key),
        ],
        Some(form.as_bytes()),
    )
}

#[test]
fn an_open311_filing_retried_with_its_key_is_filed_once() {
    let g = Guichet::start();
    let api_key = issue_key(&g);
    let form = format!(
        "api_key={api_key}&service_code=pothole&lat=48.8566&long=2.3522\
         &email=reporter%40example.org&attribute%5Bsize%5D=large&attribute%5Bconsent%5D=true\
         &description=Nid+de+poule&account_id=app-user-7"
    );
    let first = open311(&g, "json", &form, "app-report-1");
    assert_eq!(first.status, 200, "{}", first.body);
    let reference = first.json()[0]["service_request_id"]
        .as_str()
        .expect("service_request_id")
        .to_owned();
    let again = open311(&g, "json", &form, "app-report-1");
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.json(), first.json());
    let xml = open311(&g, "xml", &form, "app-report-1");
    assert!(
        xml.body.contains(&format!(
            "<service_request_id>{reference}</service_request_id>"
        )),
        "the same answer in the format asked: {}",
        xml.body
    );
    assert_eq!(requests_count(&g), 1);

    let other = form.replace("Nid+de+poule", "Autre+trou");
    let reused = open311(&g, "json", &other, "app-report-1");
    assert_eq!(reused.status, 409, "{}", reused.body);
    assert_eq!(reused.json()[0]["code"], 409);
    assert_eq!(requests_count(&g), 1, "nothing written");
    // Keys are the app's: another app's same key is another filing.
    let second_app = issue_key(&g);
    let theirs = form.replace(&api_key, &second_app);
    assert_eq!(open311(&g, "json", &theirs, "app-report-1").status, 200);
    assert_eq!(requests_count(&g), 2);
}
