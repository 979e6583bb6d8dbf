//! Links Guichet sends (verification, reset, invitation e-mails; request messages) lead to the
//! commune's configured public origin only, whatever `Host`, port or forwarded scheme the
//! request came with: otherwise anyone could make Guichet mail a citizen a link to their own
//! server, or over plain http behind a TLS proxy.
//!
//! The harness sets the default commune's origin (`SPIN_VARIABLE_PUBLIC_ORIGIN`) to the test
//! server's address; a single-commune deployment answers on any host, which is the attack.

use std::time::Duration;

use guichet_tests::guichet::{Guichet, PASSWORD, PLATFORM_TOKEN};
use guichet_tests::Reply;
use serde_json::{json, Value};

const WAIT: Duration = Duration::from_secs(20);
/// What an attacker puts in the request: their host, a port of theirs, plain http.
const FORGED: &[(&str, &str)] = &[("x-forwarded-proto", "http"), ("x-forwarded-host", "evil.example"), ("x-forwarded-port", "666")];

fn post_as(g: &Guichet, host: &str, path: &str, body: &Value) -> Reply {
    let mut headers = vec![("host", host), ("content-type", "application/json")];
    headers.extend_from_slice(FORGED);
    g.host.send("POST", path, &headers, Some(body.to_string().as_bytes()))
}

fn assert_links_only_to(text: &str, origin: &str) {
    assert!(text.contains(&format!("{origin}/")), "no link to {origin}: {text}");
    for leak in ["evil.example", ":666"] {
        assert!(!text.contains(leak), "a link follows the request's {leak}: {text}");
    }
}

#[test]
fn registration_and_reset_mails_sent_with_a_forged_host_link_to_the_configured_origin() {
    let g = Guichet::start();
    let origin = g.host.base.clone();
    // A host the commune registered, with the attacker's port, and a host of the attacker's.
    let reply = post_as(&g, "localhost:666", "/api/identity/register", &json!({"email": "ines@example.org", "password": PASSWORD}));
    assert_eq!(reply.status, 202, "{}", reply.body);
    let verify = g.mail_to("ines@example.org", "/account/verify-email");
    assert_links_only_to(&verify.text, &origin);

    let reply = post_as(&g, "evil.example:666", "/api/identity/password-reset", &json!({"email": "ines@example.org"}));
    assert_eq!(reply.status, 202, "{}", reply.body);
    let reset = g.mail_to("ines@example.org", "/account/reset-password");
    assert_links_only_to(&reset.text, &origin);
}

#[test]
fn a_request_filed_with_a_forged_host_gets_messages_linking_to_the_configured_origin() {
    let g = Guichet::start();
    let filing = json!({
        "service_code": "pothole",
        "description": "Un trou profond devant le numéro 12",
        "answers": {"size": "medium", "consent": true},
        "location": {"lat": 48.8566, "long": 2.3522},
        "contact": {"email": "jules@example.org", "notify": "email"},
        "lang": "fr",
    });
    let reply = post_as(&g, "evil.example:666", "/api/requests", &filing);
    assert_eq!(reply.status, 201, "{}", reply.body);
    let reference = reply.json()["reference"].as_str().expect("reference").to_owned();
    let mail = g.mailbox.wait_for("jules@example.org", |m| m.text.contains("/track"), WAIT);
    assert!(mail.text.contains(&format!("{}/track?reference={reference}", g.host.base)), "{}", mail.text);
    assert_links_only_to(&mail.text, &g.host.base);
}

#[test]
fn a_communes_public_origin_is_checked_when_it_is_created_and_used_in_its_links() {
    let g = Guichet::start();
    let port = g.host.base.rsplit(':').next().expect("port").to_owned();
    let commune = |origin: Value| json!({"id": "autre", "name": "Autre", "hosts": ["autre.localhost"], "public_origin": origin});
    for bad in ["http://autre.example", "https://autre.example/guichet", "https://user@autre.example", "autre.example", "ftp://autre.example"] {
        let reply = g.post("/api/identity/communes", &commune(json!(bad)), Some(PLATFORM_TOKEN));
        assert_eq!(reply.status, 400, "{bad}: {}", reply.body);
        assert_eq!(reply.json()["errors"][0]["field"], "public_origin", "{bad}: {}", reply.body);
    }
    let origin = format!("http://autre.localhost:{port}");
    let created = g.post("/api/identity/communes", &commune(json!(origin)), Some(PLATFORM_TOKEN));
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.json()["public_origin"], json!(origin));

    let reply = post_as(&g, "autre.localhost:666", "/api/identity/register", &json!({"email": "lea@example.org", "password": PASSWORD}));
    assert_eq!(reply.status, 202, "{}", reply.body);
    assert_links_only_to(&g.mail_to("lea@example.org", "/account/verify-email").text, &origin);

    // Without one, a commune is reached over https at its first host name.
    let other = g.post("/api/identity/communes", &json!({"id": "trois", "name": "Trois", "hosts": ["trois.example", "www.trois.example"]}), Some(PLATFORM_TOKEN));
    assert_eq!(other.json()["public_origin"], "https://trois.example", "{}", other.body);
}
