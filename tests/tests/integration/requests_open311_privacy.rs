//! Issue #17, finding 9: Open311 publishes only the requests whose filer agreed to it, decided
//! at filing time: an Open311 app's filing (the GeoReport contract publishes them), or a report
//! filed with `"publish": true`. A report filed on the web, at the counter or on the phone
//! without that consent is absent from every Open311 answer (its description, address and
//! coordinates are the citizen's), and making a service anonymous-capable later publishes none
//! of its past requests. Read with the unchanged PyPI `georeport` client
//! (tests/python/open311_reader.py) and over plain HTTP.

use crate::requests_support;

use guichet_tests::guichet::Guichet;
use requests_support::*;
use serde_json::{json, Value};

/// What the third-party client sees: the lists (JSON and XML) and each of `ids` read by id.
fn seen_by_georeport(g: &Guichet, ids: &[&str]) -> Value {
    let python = guichet_tests::root().join("target/pyenv/bin/python");
    assert!(
        python.exists(),
        "run infra/setup.sh to install the Python test tools"
    );
    let script = guichet_tests::root().join("tests/python/open311_reader.py");
    let mut args = vec![
        script.to_str().expect("path").to_owned(),
        g.host.base.clone(),
    ];
    args.extend(ids.iter().map(|id| (*id).to_owned()));
    let run = std::process::Command::new(python)
        .args(&args)
        .output()
        .expect("running python");
    assert!(
        run.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&run.stderr),
        g.host.log()
    );
    serde_json::from_slice(&run.stdout).expect("the script prints JSON")
}

/// A pothole report by `who`, with personal details: a name, their street, exact
/// coordinates (`lat`, 2.398765).
fn report(email: &str, who: &str, street: &str, lat: f64) -> Value {
    let mut body = pothole_body(email);
    body["description"] = json!(format!("Devant chez moi, {street}, je suis {who}"));
    body["location"] = json!({"lat": lat, "long": 2.398765, "address": street});
    body
}

/// A report whose filer did not agree to publish it.
fn private_report(email: &str, street: &str) -> Value {
    report(email, "Mme Secret", street, 48.812345)
}

fn references(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .filter_map(|r| r["service_request_id"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn reports_filed_without_consent_never_reach_open311_and_consented_ones_do() {
    let g = Guichet::start();
    let web = file(
        &g,
        &private_report("web@example.org", "7 impasse Privée"),
        None,
    );
    let mut counter = private_report("counter@example.org", "9 impasse Privée");
    counter["channel"] = json!("phone");
    counter["call"] = json!({"called_at": "2026-11-30T09:15:00+01:00", "duration_seconds": 60,
                             "caller": "Mme Secret", "summary": "trou"});
    let by_phone = g.post(
        &format!("{REQUESTS}/counter"),
        &counter,
        Some(&staff(&g, "agent-1", &["agent"])),
    );
    assert_eq!(by_phone.status, 201, "{}", by_phone.body);
    let by_phone = filed_of(&by_phone);
    let mut consented = report("ok@example.org", "M. Public", "11 rue Publique", 48.8201);
    consented["publish"] = json!(true);
    let consented = file(&g, &consented, None);
    // A staff message on the private one: not published either.
    let message = g.post(
        &format!("{REQUESTS}/{}/messages", web.reference),
        &json!({"text": "Nous passons chez Mme Secret demain"}),
        Some(&staff(&g, "admin-1", &["admin"])),
    );
    assert_eq!(message.status, 201, "{}", message.body);

    let seen = seen_by_georeport(
        &g,
        &[&web.reference, &by_phone.reference, &consented.reference],
    );
    let text = seen.to_string();
    for secret in ["Privée", "Mme Secret", "48.812345"] {
        assert!(!text.contains(secret), "{secret} published: {text}");
    }
    assert_eq!(
        references(&seen["list"]),
        std::slice::from_ref(&consented.reference)
    );
    assert_eq!(seen["one"][&web.reference], json!({"status": 404}));
    assert_eq!(seen["one"][&by_phone.reference], json!({"status": 404}));
    let shown = &seen["one"][&consented.reference];
    assert_eq!(shown["address"], "11 rue Publique", "{shown}");
    assert_eq!(shown["lat"], json!(48.8201));
    assert!(shown["description"]
        .as_str()
        .is_some_and(|d| d.contains("rue Publique")));

    // Plain HTTP: by id in XML, the updates, with the extensions.
    for path in [
        format!("/open311/v2/requests/{}.xml", web.reference),
        format!(
            "/open311/v2/requests/{}.json?extensions=true",
            web.reference
        ),
    ] {
        assert_eq!(g.get(&path, None).status, 404, "{path}");
    }
    // Nor can an app comment on it.
    let key = g.post(
        &format!("{REQUESTS}/api-keys"),
        &json!({"name": "app"}),
        Some(&staff(&g, "admin-1", &["admin"])),
    );
    let key = key.json()["api_key"].as_str().expect("api_key").to_owned();
    let comment = g.host.send(
        "POST",
        "/open311/v2/servicerequestupdates.json",
        &[("content-type", "application/x-www-form-urlencoded")],
        Some(
            format!(
                "api_key={key}&service_request_id={}&description=vu",
                web.reference
            )
            .as_bytes(),
        ),
    );
    assert_eq!(comment.status, 404, "{}", comment.body);
    for path in [
        "/open311/v2/servicerequestupdates.json",
        "/open311/v2/requests.json?extensions=true",
        "/open311/v2/requests.xml",
    ] {
        let reply = g.get(path, None);
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        assert!(
            !reply.body.contains("Secret") && !reply.body.contains(&web.reference),
            "{path}: {}",
            reply.body
        );
    }
}

#[test]
fn consent_to_publish_is_refused_for_a_personal_procedure() {
    let g = Guichet::start();
    let body = json!({
        "service_code": "waste-bin",
        "answers": {"address": "3 rue des Lilas", "request": "broken", "stream": "recycling",
                    "email": "a@example.org", "consent": true},
        "publish": true,
    });
    let reply = g.post(REQUESTS, &body, Some(&citizen(&g, "alice")));
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(errors_of(&reply), [pair("publish", "not_publishable")]);
}

#[test]
fn a_service_made_anonymous_capable_later_publishes_none_of_its_past_requests() {
    let g = Guichet::start();
    let alice = citizen(&g, "alice");
    let filed = file(
        &g,
        &json!({
            "service_code": "waste-bin",
            "answers": {"address": "3 rue des Lilas, chez Alice", "request": "broken",
                        "stream": "recycling", "email": "alice@example.org", "consent": true},
        }),
        Some(&alice),
    );
    // The administrator opens the service to anonymous reports.
    let mut service = demo_service("waste-bin");
    service["anonymous"] = json!(true);
    let bearer = format!("Bearer {}", staff(&g, "admin-1", &["admin"]));
    let headers = [
        ("authorization", bearer.as_str()),
        ("content-type", "application/json"),
    ];
    let path = "/api/catalog/admin/services/waste-bin";
    let edited = g
        .host
        .send("PUT", path, &headers, Some(service.to_string().as_bytes()));
    assert_eq!(edited.status, 200, "{}", edited.body);
    let published = g
        .host
        .send("POST", &format!("{path}/publish"), &headers[..1], None);
    assert_eq!(published.status, 200, "{}", published.body);
    // Requests remembers "the current version" for a minute: forget it, as a minute would.
    db(&g)
        .execute("DELETE FROM service_cache", [])
        .expect("cache");

    let seen = seen_by_georeport(&g, &[&filed.reference]);
    assert_eq!(
        seen["one"][&filed.reference],
        json!({"status": 404}),
        "{seen}"
    );
    assert!(references(&seen["list"]).is_empty(), "{seen}");
    assert!(!seen.to_string().contains("Alice"), "{seen}");
    // A report filed after the change, with consent, is published.
    let mut body = json!({
        "service_code": "waste-bin",
        "answers": {"address": "5 rue des Lilas", "request": "broken", "stream": "recycling",
                    "email": "bob@example.org", "consent": true},
        "publish": true,
    });
    body["contact"] = json!({"email": "bob@example.org"});
    let later = file(&g, &body, None);
    let list = g.get("/open311/v2/requests.json", None).json();
    assert_eq!(references(&list), [later.reference]);
}
