//! The main journeys of the integration tests, written once against a [`Deployment`] so that
//! they run unchanged on Spin and on the host. Each journey checks the route reaches the
//! intended component (Spin's router and ours must agree) and the answer's essentials; the
//! details stay in the integration tests.

use std::time::Duration;

use guichet_tests::guichet::{token_in, tokens_of, PASSWORD};
use serde_json::{json, Value};

use super::deployment::Deployment;

/// Every journey, by name.
const JOURNEYS: &[(&str, fn(&Deployment))] = &[
    ("every component answers its health route", every_component_answers_its_health_route),
    ("the catalogue is searched and served as Open311 services", the_catalogue_is_searched_and_served_as_open311_services),
    ("a request filed through the API is tracked with its code", a_request_filed_through_the_api_is_tracked_with_its_code),
    ("an Open311 app files a request and reads it back", an_open311_app_files_a_request_and_reads_it_back),
    ("a citizen registers, verifies, signs in and files", a_citizen_registers_verifies_signs_in_and_files),
    ("identity serves the account pages and the JWKS", identity_serves_the_account_pages_and_the_jwks),
    ("the portal serves its pages", the_portal_serves_its_pages),
    ("the databases are where the README's steps put them", the_databases_are_where_the_readme_steps_put_them),
    ("an administrator signs in to the back-office, which relays their calls", an_administrator_signs_in_to_the_back_office_which_relays_their_calls),
];

/// Runs every journey (one failing does not hide the others), then fails naming each one
/// that failed, with the runtime's log.
pub fn run_all(d: &Deployment) {
    let mut failed = Vec::new();
    for (name, journey) in JOURNEYS {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| journey(d))) {
            Ok(()) => eprintln!("conformance on {}: ok: {name}", d.name),
            Err(_) => failed.push(*name),
        }
    }
    let log = guichet_tests::node::tail(&d.log(), 60);
    assert!(failed.is_empty(), "on {}, failed: {failed:?}\n--- log (tail)\n{log}", d.name);
}

fn every_component_answers_its_health_route(d: &Deployment) {
    for (path, component) in [
        ("/health", "portal"),
        ("/api/identity/health", "identity"),
        ("/api/catalog/health", "catalog"),
        ("/api/requests/health", "requests"),
        ("/api/signatures/health", "signatures"),
    ] {
        let reply = d.get(path);
        assert_eq!(reply.status, 200, "{path}: {}", reply.body);
        let health = reply.json();
        assert_eq!((health["component"].as_str(), health["status"].as_str()), (Some(component), Some("ok")), "{path}: {health}");
        assert_eq!(health["commune"], "demo", "{path}");
    }
    assert_eq!(d.get("/api/identity/health").json()["kv_ok"], true, "identity's key-value store works");
    // notifications is private: no public route reaches it, the portal's catch-all answers.
    assert_eq!(d.get("/internal/events/1").status, 404);
}

fn the_catalogue_is_searched_and_served_as_open311_services(d: &Deployment) {
    let search = d.get("/api/catalog/search?q=nid%20de%20poule&lang=fr");
    assert_eq!(search.status, 200, "{}", search.body);
    assert_eq!(search.json()["hits"][0]["code"], "pothole", "{}", search.body);
    let discovery = d.get("/open311/v2/discovery.json");
    assert_eq!(discovery.status, 200, "{}", discovery.body);
    assert!(discovery.json()["endpoints"].is_array(), "{}", discovery.body);
    let services = d.get("/open311/v2/services.json");
    assert_eq!(services.status, 200, "{}", services.body);
    assert!(services.json().as_array().expect("a list").iter().any(|s| s["service_code"] == "pothole"), "{}", services.body);
    let definition = d.get("/open311/v2/services/pothole.json");
    assert_eq!(definition.status, 200, "{}", definition.body);
    assert_eq!(definition.json()["service_code"], "pothole", "{}", definition.body);
    assert!(d.get("/open311/v2/services.xml").body.contains("<services>"));
}

/// A valid anonymous pothole report reachable at `email`.
fn pothole(email: &str) -> Value {
    json!({
        "service_code": "pothole",
        "description": "Nid-de-poule profond devant la boulangerie",
        "location": {"lat": 48.8566, "long": 2.3522, "address": "12 rue de la République"},
        "answers": {"size": "medium", "dangerous": true, "consent": true},
        "contact": {"name": "Camille Martin", "email": email},
        "lang": "fr",
    })
}

fn a_request_filed_through_the_api_is_tracked_with_its_code(d: &Deployment) {
    let filed = d.post("/api/requests", &pothole("camille@example.org"), None);
    assert_eq!(filed.status, 201, "{}", filed.body);
    let filed = filed.json();
    let (reference, code) = (filed["reference"].as_str().expect("reference"), filed["tracking_code"].as_str().expect("code"));
    let tracked = d.post("/api/requests/track", &json!({"reference": reference, "code": code}), None);
    assert_eq!(tracked.status, 200, "{}", tracked.body);
    assert_eq!(tracked.json()["reference"], reference);
    let wrong = d.post("/api/requests/track", &json!({"reference": reference, "code": "0000-0000"}), None);
    assert_eq!(wrong.status, 404, "{}", wrong.body);
}

fn an_open311_app_files_a_request_and_reads_it_back(d: &Deployment) {
    let admin = d.keys().access_token("demo", "admin-1", &["admin"]);
    let issued = d.post("/api/requests/api-keys", &json!({"name": "conformance"}), Some(&admin));
    assert_eq!(issued.status, 201, "{}", issued.body);
    let key = issued.json()["api_key"].as_str().expect("api_key").to_owned();
    let form = format!(
        "api_key={key}&service_code=pothole&lat=48.8566&long=2.3522&email=reporter%40example.org\
         &description=Nid+de+poule&attribute%5Bsize%5D=large&attribute%5Bconsent%5D=true"
    );
    let filed = d.post_form("/open311/v2/requests.json", &form);
    assert_eq!(filed.status, 200, "{}", filed.body);
    let id = filed.json()[0]["service_request_id"].as_str().expect("service_request_id").to_owned();
    let read = d.get(&format!("/open311/v2/requests/{id}.json"));
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.json()[0]["service_request_id"], id.as_str(), "{}", read.body);
    assert_eq!(read.json()[0]["service_code"], "pothole");
}

fn a_citizen_registers_verifies_signs_in_and_files(d: &Deployment) {
    let email = "anne@exemple.fr";
    let registered = d.post("/api/identity/register", &json!({"email": email, "password": PASSWORD}), None);
    assert_eq!(registered.status, 202, "{}", registered.body);
    let mail = d.mailbox.wait_for(email, |m| m.text.contains("/account/verify-email"), Duration::from_secs(30));
    let verified = d.post("/api/identity/verify-email", &json!({"token": token_in(&mail.text, "/account/verify-email")}), None);
    assert_eq!(verified.status, 200, "{}", verified.body);
    let signed_in = d.post("/api/identity/token", &json!({"grant_type": "password", "email": email, "password": PASSWORD}), None);
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    let tokens = tokens_of(&signed_in);
    let me = d.get_as("/api/identity/me", &tokens.access);
    assert_eq!((me.status, me.json()["email"].as_str()), (200, Some(email)), "{}", me.body);
    // Identity's token is accepted by requests (the shared verifier, keys from `token_jwks`).
    let filed = d.post("/api/requests", &pothole(email), Some(&tokens.access));
    assert_eq!(filed.status, 201, "{}", filed.body);
    let mine = d.get_as("/api/requests/mine", &tokens.access);
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert_eq!(mine.json()["requests"][0]["reference"], filed.json()["reference"], "{}", mine.body);
}

fn identity_serves_the_account_pages_and_the_jwks(d: &Deployment) {
    for page in ["/account/login", "/account/register"] {
        let reply = d.get(page);
        assert_eq!(reply.status, 200, "{page}: {}", reply.body);
        assert!(reply.body.contains("<form"), "{page} is identity's form, not the portal: {}", reply.body);
    }
    let jwks = d.get("/.well-known/jwks.json");
    assert_eq!(jwks.status, 200, "{}", jwks.body);
    // `k1`: the key the README's steps generate.
    assert_eq!(jwks.json()["keys"][0]["kid"], "k1", "{}", jwks.body);
    assert_eq!(d.get("/api/identity/commune").json()["commune"], "demo");
}

fn the_portal_serves_its_pages(d: &Deployment) {
    let home = d.get("/");
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.header("content-type").unwrap_or("").starts_with("text/html"), "{:?}", home.headers);
    let track = d.get("/track");
    assert_eq!(track.status, 200, "{}", track.body);
    let openapi = d.get("/openapi.json");
    assert_eq!(openapi.status, 200);
    assert!(openapi.json()["paths"]["/api/requests"].is_object(), "the OpenAPI document lists the API");
}

fn the_databases_are_where_the_readme_steps_put_them(d: &Deployment) {
    // infra/runtime-config.toml, read from the root: SQLite paths from the working directory,
    // the key-value path from infra/; both in the root's .spin/.
    for file in ["identity.db", "catalog.db", "requests.db", "notifications.db", "identity_kv.db"] {
        assert!(d.root.join(".spin").join(file).exists(), "{} has no .spin/{file}", d.name);
    }
    // (Spin makes an empty infra/.spin/; no database goes there.)
    let beside_config = |file: &str| d.root.join("infra").join(file).exists() || d.root.join("infra/.spin").join(file).exists();
    assert!(!["identity.db", "identity_kv.db"].iter().any(|f| beside_config(f)), "no database beside the runtime config");
}

/// The back-office's chain on this runtime: identity's staff token for a browser session, and
/// the agent's calls relayed by chaining with the `x-guichet-relay-*` headers (Spin must keep
/// them, and the callee must rebuild the request).
fn an_administrator_signs_in_to_the_back_office_which_relays_their_calls(d: &Deployment) {
    use guichet_tests::request_once;
    let email = "maire@exemple.fr";
    let invited = d.post("/api/identity/communes/demo/invitations", &json!({"email": email}), Some(super::deployment::PLATFORM_TOKEN));
    assert_eq!(invited.status, 202, "{}", invited.body);
    let mail = d.mailbox.wait_for(email, |m| m.text.contains("/account/accept-invitation"), Duration::from_secs(30));
    let token = token_in(&mail.text, "/account/accept-invitation");
    let accepted = d.post("/api/identity/invitations/accept", &json!({"token": token, "password": PASSWORD, "given_name": "Marie", "family_name": "Maire"}), None);
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let filed = d.post("/api/requests", &pothole("camille@example.org"), None);
    assert_eq!(filed.status, 201, "{}", filed.body);
    let reference = filed.json()["reference"].as_str().expect("reference").to_owned();

    // A browser: the login page's pre-session and form token, then the sign-in.
    let url = |path: &str| format!("{}{path}", d.base);
    let cookie_of = |reply: &guichet_tests::Reply| -> String {
        reply.headers.iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
            .filter_map(|(_, v)| v.split(';').next())
            .filter(|pair| pair.starts_with("__Host-guichet-session="))
            .map(str::to_owned)
            .next_back()
            .unwrap_or_default()
    };
    let login = request_once("GET", &url("/account/login?next=%2Fadmin"), &[], None);
    assert_eq!(login.status, 200, "{}", login.body);
    let pre = cookie_of(&login);
    let csrf = login.body.split("name=\"csrf\" value=\"").nth(1).and_then(|r| r.split('"').next()).expect("csrf").to_owned();
    let form = format!("email={}&password={}&csrf={csrf}", email.replace('@', "%40"), PASSWORD.replace(' ', "+"));
    let origin = d.base.clone();
    let signed = request_once(
        "POST",
        &url("/account/login?next=%2Fadmin"),
        &[("cookie", &pre), ("origin", &origin), ("content-type", "application/x-www-form-urlencoded")],
        Some(form.as_bytes()),
    );
    assert_eq!(signed.status, 303, "{}", signed.body);
    let session = cookie_of(&signed);
    assert!(!session.is_empty(), "{:?}", signed.headers);
    let queue = request_once("GET", &url("/admin"), &[("cookie", &session)], None);
    assert_eq!(queue.status, 200, "{}", queue.body);
    assert!(queue.body.contains(&format!("/admin/requests/{reference}")), "the queue lists {reference}: {}", queue.body);
    // Without the session: sent to sign in; relay headers from outside: refused.
    assert_eq!(request_once("GET", &url("/admin"), &[], None).status, 303);
    let forged = request_once("GET", &url("/api/requests"), &[("x-guichet-relay-origin", &origin), ("x-guichet-relay-client", "10.0.0.1"), ("x-guichet-relay-secret", "nope-nope-nope-nope")], None);
    assert_eq!(forged.status, 403, "{}", forged.body);
}
