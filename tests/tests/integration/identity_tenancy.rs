//! Identity across communes (docs/SECURITY.md item 14): tokens, refresh tokens, links, passwords and
//! ids of commune A used at commune B's host never reach B's data, on every identity route.
//! Commune A is the seeded `demo` (hosts localhost, 127.0.0.1); B is `autre` (autre.localhost).

use guichet_tests::guichet::{claims_of, token_in, tokens_of, Guichet, Tokens, PASSWORD, PLATFORM_TOKEN};
use guichet_tests::Reply;
use serde_json::{json, Value};

const B_HOST: &str = "autre.localhost";

fn port(g: &Guichet) -> String {
    g.host.base.rsplit(':').next().unwrap_or_default().to_owned()
}

/// A request addressed to host name `name`.
fn at(g: &Guichet, name: &str, method: &str, path: &str, bearer: Option<&str>, body: Option<&Value>) -> Reply {
    g.at(name, method, path, bearer, body)
}

fn two_communes() -> Guichet {
    let g = Guichet::start();
    assert_eq!(g.get("/api/identity/commune", None).json()["commune"], "demo");
    // B is reached at this test server too: its links must lead here.
    let origin = format!("http://{B_HOST}:{}", port(&g));
    let created = g.post(
        "/api/identity/communes",
        &json!({"id": "autre", "name": "Autre-sur-Mer", "hosts": [B_HOST], "languages": ["fr", "en"], "branding": {"primary_color": "#0055aa"}, "public_origin": origin}),
        Some(PLATFORM_TOKEN),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    g
}

/// Registers, verifies and signs in `email` at host `name`.
fn citizen_at(g: &Guichet, name: &str, email: &str) -> Tokens {
    let reply = at(g, name, "POST", "/api/identity/register", None, Some(&json!({"email": email, "password": PASSWORD})));
    assert_eq!(reply.status, 202, "{}", reply.body);
    let page = "/account/verify-email";
    // Each commune's links lead to its configured origin: A's is the test server's address.
    let origin = if name == B_HOST { format!("http://{B_HOST}:{}", port(g)) } else { g.host.base.clone() };
    let expected = format!("{origin}{page}#token=");
    let mail = g.mailbox.wait_for(email, |m| m.text.contains(&expected), std::time::Duration::from_secs(20));
    let token = token_in(&mail.text, page);
    assert_eq!(at(g, name, "POST", "/api/identity/verify-email", None, Some(&json!({"token": token}))).status, 200);
    let reply = at(g, name, "POST", "/api/identity/token", None, Some(&json!({"grant_type": "password", "email": email, "password": PASSWORD})));
    assert_eq!(reply.status, 200, "{}", reply.body);
    tokens_of(&reply)
}

fn subject(token: &str) -> String {
    claims_of(token)["sub"].as_str().unwrap_or_default().to_owned()
}

/// Every identity route that takes a bearer token, with a body where it needs one.
fn bearer_routes(account: &str) -> Vec<(&'static str, String, Option<Value>)> {
    vec![
        ("GET", "/api/identity/me".into(), None),
        ("PATCH", "/api/identity/me".into(), Some(json!({"given_name": "Intrus"}))),
        ("POST", "/api/identity/me/email".into(), Some(json!({"email": "x@exemple.fr", "password": PASSWORD}))),
        ("GET", "/api/identity/me/consents".into(), None),
        ("PUT", "/api/identity/me/consents/newsletter".into(), Some(json!({"given": true}))),
        ("GET", "/api/identity/me/export".into(), None),
        ("GET", "/api/identity/me/reads".into(), None),
        ("POST", "/api/identity/me/erasure".into(), Some(json!({"password": PASSWORD}))),
        ("POST", "/api/identity/logout-all".into(), Some(json!({}))),
        ("GET", "/api/identity/departments".into(), None),
        ("POST", "/api/identity/departments".into(), Some(json!({"id": "voirie", "name": "Voirie"}))),
        ("POST", "/api/identity/invitations".into(), Some(json!({"email": "agent@exemple.fr", "role": "supervisor", "departments": []}))),
        ("GET", "/api/identity/agents".into(), None),
        ("PUT", format!("/api/identity/agents/{account}"), Some(json!({"roles": ["admin"], "departments": []}))),
        ("POST", format!("/api/identity/accounts/{account}/disable"), Some(json!({}))),
        ("GET", format!("/api/identity/citizens/{account}?purpose=support"), None),
        ("POST", "/api/identity/citizens/search".into(), Some(json!({"email": "a@exemple.fr", "purpose": "support"}))),
        ("GET", "/api/identity/oidc-providers".into(), None),
    ]
}

#[test]
fn tokens_of_commune_a_are_refused_on_every_identity_route_at_commune_bs_host() {
    let g = two_communes();
    let a = citizen_at(&g, "localhost", "anne@exemple.fr");
    let a_admin = g.keys.access_token("demo", &subject(&a.access), &["citizen", "agent", "supervisor", "admin"]);
    let before = g.mailbox.messages().len();
    for token in [&a.access, &a_admin] {
        for (method, path, body) in bearer_routes(&subject(&a.access)) {
            let reply = at(&g, B_HOST, method, &path, Some(token), body.as_ref());
            assert_eq!(reply.status, 401, "{method} {path}: {}", reply.body);
            assert_eq!(reply.json()["errors"][0]["code"], "invalid_token", "{method} {path}");
        }
    }
    // Nothing happened to A: the profile is intact, the account still signs in, no mail left.
    let me = at(&g, "localhost", "GET", "/api/identity/me", Some(&a.access), None);
    assert_eq!(me.status, 200);
    assert_ne!(me.json()["given_name"], "Intrus");
    assert_eq!(g.mailbox.messages().len(), before);
}

#[test]
fn refresh_tokens_links_and_passwords_of_one_commune_are_unknown_to_the_other() {
    let g = two_communes();
    let a = citizen_at(&g, "localhost", "marc@exemple.fr");
    let refresh = at(&g, B_HOST, "POST", "/api/identity/token", None, Some(&json!({"grant_type": "refresh_token", "refresh_token": a.refresh})));
    assert_eq!(refresh.status, 401);
    assert_eq!(refresh.json()["errors"][0]["code"], "invalid_grant");
    let password = at(&g, B_HOST, "POST", "/api/identity/token", None, Some(&json!({"grant_type": "password", "email": "marc@exemple.fr", "password": PASSWORD})));
    assert_eq!(password.status, 401);
    // A reset link asked at A does nothing at B.
    assert_eq!(at(&g, "localhost", "POST", "/api/identity/password-reset", None, Some(&json!({"email": "marc@exemple.fr"}))).status, 202);
    let token = g.link_token("marc@exemple.fr", "/account/reset-password");
    let crossed = at(&g, B_HOST, "POST", "/api/identity/password-reset/confirm", None, Some(&json!({"token": token, "password": "une autre phrase de passe"})));
    assert_eq!(crossed.status, 400);
    let same_commune = at(&g, "localhost", "POST", "/api/identity/password-reset/confirm", None, Some(&json!({"token": token, "password": "une autre phrase de passe"})));
    assert_eq!(same_commune.status, 200, "the link was used up by the other commune");
    // The same address is a separate account in each commune, with its own password.
    let b = citizen_at(&g, B_HOST, "marc@exemple.fr");
    assert_ne!(subject(&a.access), subject(&b.access));
    let b_me = at(&g, B_HOST, "GET", "/api/identity/me", Some(&b.access), None).json();
    assert_eq!(b_me["commune"], "autre");
    assert_eq!(at(&g, "localhost", "GET", "/api/identity/me", Some(&b.access), None).status, 401);
}

#[test]
fn an_administrator_of_b_cannot_reach_an_account_of_a_by_its_id() {
    let g = two_communes();
    let a = citizen_at(&g, "localhost", "lea@exemple.fr");
    let a_id = subject(&a.access);
    let b_admin = g.keys.access_token("autre", "admin-of-b", &["citizen", "agent", "supervisor", "admin"]);
    for (method, path, body) in [
        ("GET", format!("/api/identity/citizens/{a_id}?purpose=support"), None),
        ("PUT", format!("/api/identity/agents/{a_id}"), Some(json!({"roles": ["supervisor"], "departments": []}))),
        ("POST", format!("/api/identity/accounts/{a_id}/disable"), Some(json!({}))),
    ] {
        let reply = at(&g, B_HOST, method, &path, Some(&b_admin), body.as_ref());
        assert_eq!(reply.status, 404, "{method} {path}: {}", reply.body);
    }
    let search = at(&g, B_HOST, "POST", "/api/identity/citizens/search", Some(&b_admin), Some(&json!({"email": "lea@exemple.fr", "purpose": "support"})));
    assert_eq!(search.status, 404, "{}", search.body);
    // A's account is untouched and still signs in.
    let again = at(&g, "localhost", "POST", "/api/identity/token", None, Some(&json!({"grant_type": "password", "email": "lea@exemple.fr", "password": PASSWORD})));
    assert_eq!(again.status, 200);
}

#[test]
fn each_host_reports_its_own_commune_and_an_unknown_host_none() {
    let g = two_communes();
    let a = at(&g, "localhost", "GET", "/api/identity/commune", None, None).json();
    let b = at(&g, B_HOST, "GET", "/api/identity/commune", None, None).json();
    assert_eq!((a["commune"].as_str(), b["commune"].as_str()), (Some("demo"), Some("autre")));
    assert_eq!(b["name"], "Autre-sur-Mer");
    assert_eq!(b["branding"]["primary_color"], "#0055aa");
    let nowhere = at(&g, "nowhere.localhost", "GET", "/api/identity/commune", None, None);
    assert_eq!(nowhere.status, 404);
    assert_eq!(nowhere.json()["errors"][0]["code"], "unknown_commune");
    let register = at(&g, "nowhere.localhost", "POST", "/api/identity/register", None, Some(&json!({"email": "x@exemple.fr", "password": PASSWORD})));
    assert_eq!(register.status, 404);
}

#[test]
fn the_platform_api_checks_its_token_and_every_field() {
    let g = two_communes();
    let body = json!({"id": "trois", "name": "Trois", "hosts": ["trois.localhost"]});
    assert_eq!(g.post("/api/identity/communes", &body, None).status, 401);
    assert_eq!(g.post("/api/identity/communes", &body, Some("a-wrong-platform-token-123456")).status, 401);
    let admin = g.keys.access_token("demo", "someone", &["admin"]);
    assert_eq!(g.post("/api/identity/communes", &body, Some(&admin)).status, 401);
    let bad = g.post(
        "/api/identity/communes",
        &json!({"id": "Trois!", "name": "", "hosts": ["bad host", "autre.localhost"], "languages": ["de"], "extra": 1}),
        Some(PLATFORM_TOKEN),
    );
    assert_eq!(bad.status, 400);
    let fields: Vec<String> = bad.json()["errors"].as_array().into_iter().flatten().map(|e| e["field"].as_str().unwrap_or("").to_owned()).collect();
    assert!(fields.contains(&"extra".to_owned()) && fields.iter().any(|f| f.starts_with("languages")), "{}", bad.body);
    let invalid = g.post("/api/identity/communes", &json!({"id": "Trois!", "name": "", "hosts": ["bad host"]}), Some(PLATFORM_TOKEN));
    let fields: Vec<String> = invalid.json()["errors"].as_array().into_iter().flatten().map(|e| e["field"].as_str().unwrap_or("").to_owned()).collect();
    assert_eq!(fields, ["id", "name", "hosts[0]"], "{}", invalid.body);
    let taken = g.post("/api/identity/communes", &json!({"id": "trois", "name": "Trois", "hosts": [B_HOST]}), Some(PLATFORM_TOKEN));
    assert_eq!(taken.status, 409);
    let exists = g.post("/api/identity/communes", &json!({"id": "autre", "name": "Encore", "hosts": ["encore.localhost"]}), Some(PLATFORM_TOKEN));
    assert_eq!(exists.status, 409);
    let list = g.get("/api/identity/communes", Some(PLATFORM_TOKEN));
    let list = list.json();
    let ids: Vec<&str> = list["communes"].as_array().into_iter().flatten().filter_map(|c| c["commune"].as_str()).collect();
    assert_eq!(ids, ["autre", "demo"]);
}
