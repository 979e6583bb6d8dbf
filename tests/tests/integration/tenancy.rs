//! Tenant isolation (security docs/SECURITY.md item 14): a token, an object id or a Host header of one
//! commune never reaches another commune's data. One deployment, two communes: A is the seeded
//! `demo` (host names `localhost` and `127.0.0.1`), B is `autre` (`autre.localhost`), created
//! through identity's platform API. Every request goes to the same socket; only the `Host`
//! header says which commune it is for.
//!
//! The matrix covers the routes outside identity: the catalogue's administration, public and
//! Open311 routes, and requests' diagnostics.

use crate::catalog_support;

use catalog_support::simple;
use guichet_tests::tokens::TestKeys;
use guichet_tests::{Host, HostConfig, Reply};
use serde_json::{json, Value};

const PLATFORM_ADMIN_TOKEN: &str = "platform-admin-token-for-the-tenancy-tests-0123456789";
const A: &str = "demo";
const B: &str = "autre";
const ADMIN_SERVICES: &str = "/api/catalog/admin/services";
const PING: &str = "/api/requests/diagnostics/ping";

/// A running Guichet and the keys its token verifier trusts.
struct Guichet {
    // Declared before `_dir`: the host stops before its state directory is deleted.
    host: Host,
    keys: TestKeys,
    port: String,
    _dir: tempfile::TempDir,
}

impl Guichet {
    /// Guichet with only the seeded commune A.
    fn single() -> Guichet {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = TestKeys::generate("k1");
        let config = HostConfig::guichet_in(dir.path())
            .env("SPIN_VARIABLE_TOKEN_JWKS", &keys.jwks())
            .env("SPIN_VARIABLE_PLATFORM_ADMIN_TOKEN", PLATFORM_ADMIN_TOKEN);
        let host = Host::start(config, &dir);
        let port = host.base.rsplit(':').next().expect("port").to_owned();
        Guichet { host, keys, port, _dir: dir }
    }

    /// Guichet with communes A and B.
    fn two_communes() -> Guichet {
        let guichet = Self::single();
        // Identity creates the default commune A on first use; use it before creating B.
        let home = guichet.call("localhost", "GET", "/", None, None);
        assert!(home.body.contains("content=\"demo\""), "{}", home.body);
        guichet.create_b();
        guichet
    }

    /// Creates commune B through identity's platform API.
    fn create_b(&self) {
        let body = json!({"id": B, "name": "Autre", "hosts": ["autre.localhost"], "languages": ["fr"]}).to_string();
        let bearer = format!("Bearer {PLATFORM_ADMIN_TOKEN}");
        let created = self.host.send(
            "POST",
            "/api/identity/communes",
            &[("authorization", &bearer), ("content-type", "application/json")],
            Some(body.as_bytes()),
        );
        assert_eq!(created.status, 201, "creating commune B: {}", created.body);
    }

    /// The `Host` header of a request addressed to `name` on this server's port.
    fn host_header(&self, name: &str) -> String {
        format!("{name}:{}", self.port)
    }

    /// `Bearer` access token of an administrator of `commune`.
    fn admin(&self, commune: &str) -> String {
        format!("Bearer {}", self.keys.access_token(commune, &format!("admin-{commune}"), &["admin"]))
    }

    /// A request addressed to the host name `name`, with `bearer` if given and a JSON body.
    fn call(&self, name: &str, method: &str, path: &str, bearer: Option<&str>, body: Option<&Value>) -> Reply {
        let host = self.host_header(name);
        let text = body.map(Value::to_string);
        let mut headers = vec![("host", host.as_str())];
        if let Some(bearer) = bearer {
            headers.push(("authorization", bearer));
        }
        if text.is_some() {
            headers.push(("content-type", "application/json"));
        }
        self.host.send(method, path, &headers, text.as_deref().map(str::as_bytes))
    }

    /// What commune A's administrator does at A's host.
    fn as_a(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        self.call("localhost", method, path, Some(&self.admin(A)), body)
    }

    /// What commune B's administrator does at B's host.
    fn as_b(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        self.call("autre.localhost", method, path, Some(&self.admin(B)), body)
    }

    /// Creates and publishes `definition` as `commune`'s administrator at its host.
    fn publish(&self, name: &str, commune: &str, definition: &Value) {
        let bearer = self.admin(commune);
        let created = self.call(name, "POST", ADMIN_SERVICES, Some(&bearer), Some(definition));
        assert_eq!(created.status, 201, "{commune}: {}", created.body);
        let code = definition["code"].as_str().expect("code");
        let published = self.call(name, "POST", &format!("{ADMIN_SERVICES}/{code}/publish"), Some(&bearer), None);
        assert_eq!(published.status, 200, "{commune}: {}", published.body);
    }
}

/// A definition of commune A's own service `code`.
fn service(code: &str, name: &str) -> Value {
    simple(code, "animals", name, name)
}

/// Every route of the catalogue's administration, as (method, path, body).
fn admin_routes(code: &str) -> Vec<(&'static str, String, Option<Value>)> {
    let definition = service(code, "Service");
    vec![
        ("GET", ADMIN_SERVICES.to_owned(), None),
        ("POST", ADMIN_SERVICES.to_owned(), Some(definition.clone())),
        ("GET", format!("{ADMIN_SERVICES}/{code}"), None),
        ("PUT", format!("{ADMIN_SERVICES}/{code}"), Some(definition.clone())),
        ("POST", format!("{ADMIN_SERVICES}/{code}/publish"), None),
        ("POST", format!("{ADMIN_SERVICES}/{code}/archive"), None),
        ("GET", "/api/catalog/admin/export".to_owned(), None),
        ("POST", "/api/catalog/admin/import".to_owned(), Some(json!({"services": []}))),
    ]
}

/// Every route that needs an administrator's token, `code` a service and `ping` a ping id.
fn token_routes(code: &str, ping: &str) -> Vec<(&'static str, String, Option<Value>)> {
    let mut routes = admin_routes(code);
    routes.push(("POST", PING.to_owned(), None));
    routes.push(("GET", format!("{PING}/{ping}"), None));
    routes
}

/// Every public route naming the service `code` or listing services.
fn public_routes(code: &str) -> Vec<String> {
    vec![
        "/api/catalog/services".to_owned(),
        format!("/api/catalog/services/{code}"),
        "/api/catalog/groups".to_owned(),
        "/api/catalog/search?q=chien".to_owned(),
        "/open311/v2/services.json".to_owned(),
        "/open311/v2/services.xml".to_owned(),
        format!("/open311/v2/services/{code}.json"),
        format!("/open311/v2/services/{code}.xml"),
    ]
}

fn first_error_code(reply: &Reply) -> String {
    reply.json()["errors"][0]["code"].as_str().unwrap_or("").to_owned()
}

fn codes(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|s| s["code"].as_str().or(s["service_code"].as_str()).unwrap_or("").to_owned())
        .collect()
}

/// A diagnostic ping of `commune`'s administrator at `name`; its id.
fn ping(guichet: &Guichet, name: &str, commune: &str) -> String {
    let reply = guichet.call(name, "POST", PING, Some(&guichet.admin(commune)), None);
    assert_eq!(reply.status, 202, "{commune}: {}", reply.body);
    reply.json()["id"].as_str().expect("id").to_owned()
}

#[test]
fn the_host_header_a_test_sets_reaches_the_components() {
    let guichet = Guichet::two_communes();
    let b = guichet.call("autre.localhost", "GET", "/", None, None);
    assert_eq!(b.status, 200, "{}", b.body);
    assert!(b.body.contains("<meta name=\"guichet-commune\" content=\"autre\">"), "{}", b.body);
    assert!(b.body.contains("Guichet — Autre"), "{}", b.body);
    let a = guichet.call("localhost", "GET", "/", None, None);
    assert!(a.body.contains("<meta name=\"guichet-commune\" content=\"demo\">"), "{}", a.body);
    // Case, a trailing dot and the port do not change the commune.
    let spelt = guichet.call("AUTRE.Localhost.", "GET", "/", None, None);
    assert!(spelt.body.contains("content=\"autre\""), "{}", spelt.body);
}

#[test]
fn a_token_of_one_commune_is_refused_at_the_other_communes_host() {
    let guichet = Guichet::two_communes();
    let a_ping = ping(&guichet, "localhost", A);
    let b_ping = ping(&guichet, "autre.localhost", B);
    guichet.publish("localhost", A, &service("ferret-licence", "Furet A"));
    guichet.publish("autre.localhost", B, &service("cat-licence", "Chat B"));

    for (token_of, name, other_ping) in [(A, "autre.localhost", &b_ping), (B, "localhost", &a_ping)] {
        let bearer = guichet.admin(token_of);
        for code in ["ferret-licence", "cat-licence"] {
            for (method, path, body) in token_routes(code, other_ping) {
                let reply = guichet.call(name, method, &path, Some(&bearer), body.as_ref());
                assert_eq!(reply.status, 401, "{token_of}'s token, {method} {path} at {name}: {}", reply.body);
                assert_eq!(first_error_code(&reply), "invalid_token", "{method} {path}");
                assert_eq!(reply.header("www-authenticate"), Some("Bearer"));
            }
        }
    }
    // Nothing was written: each catalogue holds only its own service.
    assert_eq!(codes(&guichet.as_b("GET", ADMIN_SERVICES, None).json()["services"]), ["cat-licence"]);
    let a_codes = codes(&guichet.as_a("GET", ADMIN_SERVICES, None).json()["services"]);
    assert!(a_codes.contains(&"ferret-licence".to_owned()) && !a_codes.contains(&"cat-licence".to_owned()), "{a_codes:?}");
}

#[test]
fn services_of_one_commune_are_unknown_and_unlisted_at_the_other_communes_host() {
    let guichet = Guichet::two_communes();
    guichet.publish("localhost", A, &service("ferret-licence", "Permis de furet"));
    let a_list = guichet.call("localhost", "GET", "/api/catalog/services", None, None).json();
    let a_codes = codes(&a_list["services"]);
    assert!(a_codes.len() > 1, "A has the demo catalogue and its own service: {a_codes:?}");

    // Public and Open311 routes at B's host: B's catalogue is empty, A's codes are unknown.
    for code in &a_codes {
        for path in [format!("/api/catalog/services/{code}"), format!("/api/catalog/services/{code}?version=1")] {
            let reply = guichet.call("autre.localhost", "GET", &path, None, None);
            assert_eq!(reply.status, 404, "{path} at B: {}", reply.body);
        }
        for suffix in ["json", "xml"] {
            let path = format!("/open311/v2/services/{code}.{suffix}");
            let reply = guichet.call("autre.localhost", "GET", &path, None, None);
            assert_eq!(reply.status, 404, "{path} at B: {}", reply.body);
        }
    }
    let b_list = guichet.call("autre.localhost", "GET", "/api/catalog/services", None, None).json();
    assert_eq!(b_list["services"], json!([]));
    assert_eq!(guichet.call("autre.localhost", "GET", "/api/catalog/groups", None, None).json()["groups"], json!([]));
    for q in ["chien", "permis", "furet", "carte+identite"] {
        let hits = guichet.call("autre.localhost", "GET", &format!("/api/catalog/search?q={q}"), None, None).json();
        assert_eq!(hits["hits"], json!([]), "search {q} at B");
    }
    assert_eq!(guichet.call("autre.localhost", "GET", "/open311/v2/services.json", None, None).json(), json!([]));
    let xml = guichet.call("autre.localhost", "GET", "/open311/v2/services.xml", None, None).body;
    assert!(!xml.contains("<service>"), "{xml}");

    // Administration at B's host with B's token: A's services do not exist there.
    for (method, path, body) in admin_routes("ferret-licence") {
        if method == "POST" && path == ADMIN_SERVICES {
            continue; // creating is not about an existing object (checked below)
        }
        let reply = guichet.as_b(method, &path, body.as_ref());
        match path.as_str() {
            ADMIN_SERVICES => assert_eq!(reply.json()["services"], json!([]), "{method} {path}"),
            "/api/catalog/admin/export" => assert_eq!(reply.json()["services"], json!([]), "{method} {path}"),
            "/api/catalog/admin/import" => assert_eq!(reply.status, 200, "{method} {path}: {}", reply.body),
            _ => assert_eq!(reply.status, 404, "{method} {path} at B: {}", reply.body),
        }
    }

    // B may use the same code for its own service; each commune keeps its own.
    guichet.publish("autre.localhost", B, &service("ferret-licence", "Furet de B"));
    let b_dog = guichet.call("autre.localhost", "GET", "/api/catalog/services/ferret-licence", None, None).json();
    assert_eq!(b_dog["name"], "Furet de B");
    assert_eq!(b_dog["version"], 1);
    let a_dog = guichet.call("localhost", "GET", "/api/catalog/services/ferret-licence", None, None).json();
    assert_eq!(a_dog["name"], "Permis de furet");
    let b_search = guichet.call("autre.localhost", "GET", "/api/catalog/search?q=chien", None, None).json();
    assert_eq!(codes(&b_search["hits"]), ["ferret-licence"]);
    assert_eq!(b_search["hits"][0]["name"], "Furet de B");
    // Archiving B's service leaves A's alone.
    assert_eq!(guichet.as_b("POST", &format!("{ADMIN_SERVICES}/ferret-licence/archive"), None).status, 200);
    assert_eq!(guichet.call("localhost", "GET", "/api/catalog/services/ferret-licence", None, None).status, 200);
    assert_eq!(guichet.call("autre.localhost", "GET", "/api/catalog/services/ferret-licence", None, None).status, 404);
}

#[test]
fn a_diagnostic_ping_of_one_commune_is_unknown_to_the_other() {
    let guichet = Guichet::two_communes();
    let a_ping = ping(&guichet, "localhost", A);
    let at_b = guichet.as_b("GET", &format!("{PING}/{a_ping}"), None);
    assert_eq!(at_b.status, 404, "{}", at_b.body);
    let at_a = guichet.as_a("GET", &format!("{PING}/{a_ping}"), None);
    assert_eq!(at_a.status, 200, "{}", at_a.body);
    assert_eq!(at_a.json()["delivered"], true);
}

#[test]
fn each_commune_works_with_its_own_token_at_its_own_host() {
    let guichet = Guichet::two_communes();
    let definition = service("cat-licence", "Permis de chat");
    let created = guichet.as_b("POST", ADMIN_SERVICES, Some(&definition));
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(guichet.as_b("GET", &format!("{ADMIN_SERVICES}/cat-licence"), None).status, 200);
    assert_eq!(guichet.as_b("PUT", &format!("{ADMIN_SERVICES}/cat-licence"), Some(&definition)).status, 200);
    assert_eq!(guichet.as_b("POST", &format!("{ADMIN_SERVICES}/cat-licence/publish"), None).status, 200);
    let export = guichet.as_b("GET", "/api/catalog/admin/export", None);
    assert_eq!(export.status, 200);
    assert_eq!(export.json()["services"][0]["definition"]["code"], "cat-licence");
    let imported = guichet.as_b("POST", "/api/catalog/admin/import", Some(&json!({"services": [
        {"status": "published", "definition": service("bird-licence", "Permis d'oiseau")}
    ]})));
    assert_eq!(imported.status, 200, "{}", imported.body);
    assert_eq!(guichet.as_b("POST", &format!("{ADMIN_SERVICES}/cat-licence/archive"), None).status, 200);

    let public = guichet.call("autre.localhost", "GET", "/api/catalog/services", None, None).json();
    assert_eq!(codes(&public["services"]), ["bird-licence"]);
    let open311 = guichet.call("autre.localhost", "GET", "/open311/v2/services.json", None, None).json();
    assert_eq!(codes(&open311), ["bird-licence"]);
    for path in ["/open311/v2/services/bird-licence.json", "/open311/v2/services/bird-licence.xml"] {
        assert_eq!(guichet.call("autre.localhost", "GET", path, None, None).status, 200, "{path}");
    }
    let jurisdiction = guichet.call("autre.localhost", "GET", "/open311/v2/services.json?jurisdiction_id=autre", None, None);
    assert_eq!(jurisdiction.status, 200, "{}", jurisdiction.body);
    let by_host = guichet.call("autre.localhost", "GET", "/open311/v2/services.json?jurisdiction_id=autre.localhost", None, None);
    assert_eq!(by_host.status, 200, "{}", by_host.body);
    let other = guichet.call("autre.localhost", "GET", "/open311/v2/services.json?jurisdiction_id=demo", None, None);
    assert_eq!(other.status, 404, "A's jurisdiction at B's host: {}", other.body);

    let b_ping = ping(&guichet, "autre.localhost", B);
    let shown = guichet.as_b("GET", &format!("{PING}/{b_ping}"), None);
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert_eq!(shown.json()["notifications"]["commune"], B, "the event is B's: {}", shown.body);
    // A's catalogue did not change.
    let a_public = guichet.call("localhost", "GET", "/api/catalog/services", None, None).json();
    assert!(!codes(&a_public["services"]).iter().any(|c| c == "bird-licence" || c == "cat-licence"));
}

#[test]
fn an_unknown_host_is_an_unknown_commune_once_two_communes_exist() {
    let guichet = Guichet::two_communes();
    let (bearer_a, code) = (guichet.admin(A), "ferret-licence");
    for (method, path, body) in token_routes(code, "00000000000000000000000000000000") {
        for bearer in [None, Some(bearer_a.as_str())] {
            let reply = guichet.call("nowhere.localhost", method, &path, bearer, body.as_ref());
            assert_eq!(reply.status, 404, "{method} {path} at nowhere: {}", reply.body);
            assert_eq!(first_error_code(&reply), "unknown_commune", "{method} {path}");
        }
    }
    for path in public_routes(code) {
        let reply = guichet.call("nowhere.localhost", "GET", &path, None, None);
        assert_eq!(reply.status, 404, "{path} at nowhere: {}", reply.body);
        if path.starts_with("/api/") {
            assert_eq!(first_error_code(&reply), "unknown_commune", "{path}");
        } else if path.ends_with(".json") {
            assert_eq!(reply.json()[0]["code"], 404, "an Open311 error: {}", reply.body);
        } else {
            assert!(reply.body.contains("<errors><error><code>404</code>"), "{}", reply.body);
        }
    }
    let home = guichet.call("nowhere.localhost", "GET", "/", None, None);
    assert_eq!(home.status, 404, "{}", home.body);
    assert_eq!(first_error_code(&home), "unknown_commune");
    // Health describes the deployment, whatever the host name.
    for path in ["/api/catalog/health", "/api/requests/health", "/health"] {
        assert_eq!(guichet.call("nowhere.localhost", "GET", path, None, None).status, 200, "{path}");
    }
}

#[test]
fn with_a_single_commune_every_host_is_served_by_it() {
    let guichet = Guichet::single();
    let seeded = codes(&guichet.call("localhost", "GET", "/api/catalog/services", None, None).json()["services"]);
    assert!(!seeded.is_empty());
    for name in ["nowhere.localhost", "autre.localhost", "127.0.0.1", "guichet.example.org"] {
        let list = guichet.call(name, "GET", "/api/catalog/services", None, None);
        assert_eq!(list.status, 200, "{name}: {}", list.body);
        assert_eq!(codes(&list.json()["services"]), seeded, "{name}");
        let home = guichet.call(name, "GET", "/", None, None);
        assert!(home.body.contains("content=\"demo\""), "{name}: {}", home.body);
        let ping = guichet.call(name, "POST", PING, Some(&guichet.admin(A)), None);
        assert_eq!(ping.status, 202, "{name}: {}", ping.body);
        let code = format!("s-{}", name.len()); // a new code per host name
        let created = guichet.call(name, "POST", ADMIN_SERVICES, Some(&guichet.admin(A)), Some(&service(&code, "S")));
        assert_eq!(created.status, 201, "{name}: {}", created.body);
    }
}

#[test]
fn the_default_commune_keeps_its_host_names_when_another_is_created_on_a_fresh_deployment() {
    let guichet = Guichet::single();
    guichet.create_b();
    let a = guichet.call("localhost", "GET", "/", None, None);
    assert!(a.body.contains("content=\"demo\""), "localhost is still A's: {}", a.body);
    let b = guichet.call("autre.localhost", "GET", "/", None, None);
    assert!(b.body.contains("content=\"autre\""), "{}", b.body);
}

#[test]
fn a_malformed_host_name_is_a_bad_request() {
    let guichet = Guichet::two_communes();
    for host in ["bad_name.localhost", "-x.localhost"] {
        let reply = guichet.host.send("GET", "/api/catalog/services", &[("host", host)], None);
        assert_eq!(reply.status, 400, "{host}: {}", reply.body);
        assert_eq!(reply.json()["errors"][0]["field"], "host");
        assert_eq!(first_error_code(&reply), "invalid_host");
    }
}
