//! Filing and following cannot be used to send the commune's messages in bulk (issue #17,
//! finding 1): every filing and every follow sends a message in the commune's name, so they
//! are limited per client address and per contact (429 with `Retry-After`, no field), a
//! request's followers and a contact's follows are capped (409), and an SMS contact outside
//! the commune's countries (`sms_allowed_countries`, France and its overseas territories by
//! default) is refused at its field: paid SMS to premium numbers abroad cost the commune.

use crate::requests_support;

use guichet_tests::guichet::Guichet;
use guichet_tests::Reply;
use requests_support::*;
use serde_json::json;

/// `(status, Retry-After present, error codes)` of a refused answer.
fn refusal(reply: &Reply) -> (u16, bool, Vec<(String, String)>) {
    (reply.status, reply.header("retry-after").is_some(), errors_of(reply))
}

fn too_many() -> (u16, bool, Vec<(String, String)>) {
    (429, true, vec![pair("", "too_many_requests")])
}

fn total(g: &Guichet) -> u64 {
    let supervisor = staff(g, "acct-supervisor", &["supervisor"]);
    g.get(REQUESTS, Some(&supervisor)).json()["total"].as_u64().expect("total")
}

#[test]
fn a_burst_of_filings_from_one_client_is_stopped_with_429_and_retry_after() {
    let g = Guichet::start_with(&[("SPIN_VARIABLE_REQUEST_LIMITS", "filing_client=10")]);
    let replies: Vec<Reply> = (0..30)
        .map(|n| g.post(REQUESTS, &pothole_body(&format!("n{n}@example.org")), None))
        .collect();
    assert!(replies[..10].iter().all(|r| r.status == 201), "the first ten are filed");
    for reply in &replies[10..] {
        assert_eq!(refusal(reply), too_many(), "{}", reply.body);
    }
    assert_eq!(total(&g), 10);
}

#[test]
fn one_contact_filing_again_and_again_is_stopped_at_its_hourly_limit_by_default() {
    let g = Guichet::start();
    let statuses: Vec<u16> = (0..30)
        .map(|_| g.post(REQUESTS, &pothole_body("target@example.org"), None).status)
        .collect();
    assert_eq!(statuses[..20], [201; 20]);
    assert_eq!(statuses[20..], [429; 10]);
    // Another contact from the same client is still served.
    assert_eq!(g.post(REQUESTS, &pothole_body("other@example.org"), None).status, 201);
}

#[test]
fn thirty_strangers_following_one_report_are_capped_and_only_the_admitted_get_a_receipt() {
    let g = Guichet::start_with(&[("SPIN_VARIABLE_REQUEST_LIMITS", "followers_request=10")]);
    let filed = file_pothole(&g, None);
    let path = format!("{REQUESTS}/{}/follow", filed.reference);
    let replies: Vec<Reply> = (0..30)
        .map(|n| g.post(&path, &json!({"contact": {"email": format!("f{n}@example.org")}}), None))
        .collect();
    assert!(replies[..10].iter().all(|r| r.status == 201), "ten followers are admitted");
    for reply in &replies[10..] {
        assert_eq!(
            refusal(reply),
            (409, false, vec![pair("", "too_many_followers")]),
            "{}",
            reply.body
        );
    }
    g.mailbox.wait_for("f9@example.org", |m| m.subject.contains("Vous suivez"), std::time::Duration::from_secs(20));
    std::thread::sleep(std::time::Duration::from_millis(300));
    let told = g.mailbox.messages().iter().filter(|m| m.subject.contains("Vous suivez")).count();
    assert_eq!(told, 10);
}

#[test]
fn following_from_one_client_is_limited_per_hour_by_default() {
    let g = Guichet::start();
    let filed = file_pothole(&g, None);
    let path = format!("{REQUESTS}/{}/follow", filed.reference);
    let statuses: Vec<u16> = (0..35)
        .map(|n| g.post(&path, &json!({"contact": {"email": format!("f{n}@example.org")}}), None).status)
        .collect();
    assert_eq!(statuses[..30], [201; 30]);
    assert_eq!(statuses[30..], [429; 5]);
}

#[test]
fn an_sms_contact_outside_the_communes_countries_is_refused_at_filing_and_following() {
    let g = Guichet::start();
    for phone in ["+1 900 555 0199", "+44 7700 900123", "+882 16 1234 5678"] {
        let mut body = pothole_body("camille@example.org");
        body["contact"]["phone"] = json!(phone);
        body["contact"]["notify"] = json!("sms");
        let reply = g.post(REQUESTS, &body, None);
        assert_eq!(reply.status, 400, "{phone}: {}", reply.body);
        assert_eq!(errors_of(&reply), [pair("contact.phone", "country_not_allowed")], "{phone}");
    }
    assert_eq!(total(&g), 0);
    let mut body = pothole_body("camille@example.org");
    body["contact"]["phone"] = json!("06 12 34 56 78");
    body["contact"]["notify"] = json!("sms");
    let filed = file(&g, &body, None);
    let follow = g.post(
        &format!("{REQUESTS}/{}/follow", filed.reference),
        &json!({"contact": {"phone": "+1 900 555 0199", "notify": "sms"}}),
        None,
    );
    assert_eq!(
        (follow.status, errors_of(&follow)),
        (400, vec![pair("contact.phone", "country_not_allowed")]),
        "{}",
        follow.body
    );

    // A commune that serves Britain too says so in its setting.
    let g = Guichet::start_with(&[("SPIN_VARIABLE_SMS_ALLOWED_COUNTRIES", "FR,GB")]);
    let mut body = pothole_body("camille@example.org");
    body["contact"]["phone"] = json!("+44 7700 900123");
    body["contact"]["notify"] = json!("sms");
    file(&g, &body, None);
}

#[test]
fn an_open311_app_cannot_send_one_contact_more_filings_than_the_web_allows() {
    // An app's server is one client address for all its users, so only the contact is counted.
    let g = Guichet::start_with(&[("SPIN_VARIABLE_REQUEST_LIMITS", "filing_contact=2")]);
    let admin = g.keys.access_token("demo", "admin-1", &["admin"]);
    let issued = g.post("/api/requests/api-keys", &json!({"name": "app"}), Some(&admin));
    assert_eq!(issued.status, 201, "{}", issued.body);
    let key = issued.json()["api_key"].as_str().expect("api_key").to_owned();
    let form = |email: &str| {
        format!(
            "api_key={key}&service_code=pothole&lat=48.8566&long=2.3522&email={email}\
             &description=Trou&attribute%5Bsize%5D=large&attribute%5Bconsent%5D=true"
        )
    };
    let post = |email: &str| {
        let body = form(email);
        let headers = [("content-type", "application/x-www-form-urlencoded")];
        g.host.send("POST", "/open311/v2/requests.json", &headers, Some(body.as_bytes())).status
    };
    let statuses: Vec<u16> = (0..3).map(|_| post("target%40example.org")).collect();
    assert_eq!(statuses, [200, 200, 429]);
    assert_eq!(post("other%40example.org"), 200, "another contact of the same app is served");
}
