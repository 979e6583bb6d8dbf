//! Identity: accounts, passwords, rate limits, one-time links, tokens and keys, through the
//! built components (docs/SECURITY.md items 1-9, 11 and the bad-input rules).

use std::time::Duration;

use guichet_tests::guichet::{claims_of, private_jwks, public_jwks, token_in, tokens_of, Guichet, PASSWORD};
use guichet_tests::tokens::TestKeys;
use guichet_tests::{Host, HostConfig};
use jwt_simple::prelude::*;
use serde_json::{json, Value};

fn db(g: &Guichet) -> rusqlite::Connection {
    rusqlite::Connection::open(g.host.state_dir.join("identity.db")).expect("identity.db")
}

fn count(g: &Guichet, sql: &str) -> i64 {
    db(g).query_row(sql, [], |r| r.get(0)).expect(sql)
}

fn codes(reply: &guichet_tests::Reply) -> Vec<(String, String)> {
    reply.json()["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| (e["field"].as_str().unwrap_or("").to_owned(), e["code"].as_str().unwrap_or("").to_owned()))
        .collect()
}

fn payload(token: &str) -> Value {
    claims_of(token)
}

fn header(token: &str) -> Value {
    let part = token.split('.').next().expect("header");
    let bytes = Base64UrlSafeNoPadding::decode_to_vec(part, None).expect("base64");
    serde_json::from_slice(&bytes).expect("json")
}

#[test]
fn a_citizen_registers_follows_the_link_once_and_then_signs_in() {
    let g = Guichet::start();
    let reply = g.post("/api/identity/register", &json!({"email": "Anne@Exemple.fr", "password": PASSWORD, "given_name": "Anne"}), None);
    assert_eq!(reply.status, 202, "{}", reply.body);
    assert_eq!(reply.json(), json!({"status": "check_your_email"}));
    // Not verified yet: the right password is not enough.
    let early = g.sign_in("anne@exemple.fr", PASSWORD);
    assert_eq!(early.status, 403, "{}", early.body);

    let mail = g.mail_to("anne@exemple.fr", "/account/verify-email");
    assert!(mail.text.contains(&format!("{}/account/verify-email#token=", g.host.base)), "{}", mail.text);
    let token = token_in(&mail.text, "/account/verify-email");
    assert_eq!(g.post("/api/identity/verify-email", &json!({"token": token}), None).status, 200);
    let again = g.post("/api/identity/verify-email", &json!({"token": token}), None);
    assert_eq!(again.status, 400);
    assert_eq!(codes(&again), [("token".to_owned(), "invalid_or_expired".to_owned())]);

    let reply = g.sign_in("ANNE@exemple.fr", PASSWORD);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let tokens = tokens_of(&reply);
    let me = g.get("/api/identity/me", Some(&tokens.access));
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["email"], "anne@exemple.fr");
    assert_eq!(me.json()["given_name"], "Anne");
    assert_eq!(me.header("cache-control"), Some("no-store"));
}

#[test]
fn sign_in_registration_and_reset_answer_the_same_for_known_and_unknown_addresses() {
    let g = Guichet::start();
    g.citizen("known@exemple.fr");
    let wrong = g.sign_in("known@exemple.fr", "not the right password at all");
    let unknown = g.sign_in("nobody@exemple.fr", "not the right password at all");
    assert_eq!((wrong.status, &wrong.body), (unknown.status, &unknown.body));
    assert_eq!(wrong.status, 401);

    let again = g.post("/api/identity/register", &json!({"email": "known@exemple.fr", "password": PASSWORD}), None);
    let fresh = g.post("/api/identity/register", &json!({"email": "fresh@exemple.fr", "password": PASSWORD}), None);
    assert_eq!((again.status, &again.body), (fresh.status, &fresh.body));
    // What differs goes to the mailbox's owner only.
    g.mailbox.wait_for("known@exemple.fr", |m| m.text.contains("/account/forgot-password"), Duration::from_secs(20));

    let known = g.post("/api/identity/password-reset", &json!({"email": "known@exemple.fr"}), None);
    let unknown = g.post("/api/identity/password-reset", &json!({"email": "ghost@exemple.fr"}), None);
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body));
    assert_eq!(known.status, 202);
    g.mail_to("known@exemple.fr", "/account/reset-password");
    assert!(g.mailbox.messages().iter().all(|m| m.to != "ghost@exemple.fr"));
}

#[test]
fn the_password_policy_accepts_long_unicode_passwords_and_refuses_short_or_common_ones() {
    let g = Guichet::start();
    let short = g.post("/api/identity/register", &json!({"email": "a@exemple.fr", "password": "elevenchars"}), None);
    assert_eq!(codes(&short), [("password".to_owned(), "too_short".to_owned())]);
    for common in ["password1234", "azertyuiop123", "123456789012"] {
        let reply = g.post("/api/identity/register", &json!({"email": "a@exemple.fr", "password": common}), None);
        assert_eq!(codes(&reply), [("password".to_owned(), "too_weak".to_owned())], "{common}");
    }
    // 128 characters, accents and an emoji: accepted, and every character counts.
    let long: String = "Ça-roule-à-Besançon-🚲-".repeat(8).chars().take(128).collect();
    assert_eq!(long.chars().count(), 128);
    let reply = g.post("/api/identity/register", &json!({"email": "long@exemple.fr", "password": long}), None);
    assert_eq!(reply.status, 202, "{}", reply.body);
    let token = g.link_token("long@exemple.fr", "/account/verify-email");
    assert_eq!(g.post("/api/identity/verify-email", &json!({"token": token}), None).status, 200);
    let mut chars: Vec<char> = long.chars().collect();
    chars[79] = if chars[79] == 'x' { 'y' } else { 'x' };
    let differs_at_80: String = chars.into_iter().collect();
    assert_eq!(g.sign_in("long@exemple.fr", &differs_at_80).status, 401);
    assert_eq!(g.sign_in("long@exemple.fr", &long).status, 200);
    assert_eq!(count(&g, "SELECT COUNT(*) FROM accounts WHERE email = 'a@exemple.fr'"), 0);
}

#[test]
fn every_stored_hash_meets_the_argon2id_floor_and_raising_the_cost_rehashes_at_next_sign_in() {
    let mut g = Guichet::start();
    g.citizen("floor@exemple.fr");
    g.citizen("other@exemple.fr");
    let hashes: Vec<String> = {
        let conn = db(&g);
        let mut stmt = conn.prepare("SELECT password_hash FROM accounts WHERE password_hash IS NOT NULL").expect("sql");
        stmt.query_map([], |r| r.get(0)).expect("rows").map(|r| r.expect("row")).collect()
    };
    assert_eq!(hashes.len(), 2);
    for phc in &hashes {
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    }
    // Raise the cost: the next sign-in re-hashes with it.
    g.host.kill();
    let config = HostConfig::guichet_identity(&g.host.state_dir, &[&g.keys], &g.mailbox.origin())
        .env("SPIN_VARIABLE_ARGON2_MEMORY_KIB", "24576")
        .env("SPIN_VARIABLE_ARGON2_ITERATIONS", "3");
    g.host = Host::start_in(config, g.host.state_dir.clone()).expect("restart");
    assert_eq!(g.sign_in("floor@exemple.fr", PASSWORD).status, 200);
    let rehashed: String = db(&g)
        .query_row("SELECT password_hash FROM accounts WHERE email = 'floor@exemple.fr'", [], |r| r.get(0))
        .expect("row");
    assert!(rehashed.starts_with("$argon2id$v=19$m=24576,t=3,p=1$"), "{rehashed}");
    let untouched: String = db(&g)
        .query_row("SELECT password_hash FROM accounts WHERE email = 'other@exemple.fr'", [], |r| r.get(0))
        .expect("row");
    assert!(untouched.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{untouched}");
    assert_eq!(g.sign_in("floor@exemple.fr", PASSWORD).status, 200);
}

#[test]
fn one_time_links_live_fifteen_minutes_and_an_expired_one_fails() {
    let g = Guichet::start();
    g.citizen("reset@exemple.fr");
    assert_eq!(g.post("/api/identity/password-reset", &json!({"email": "reset@exemple.fr"}), None).status, 202);
    let token = g.link_token("reset@exemple.fr", "/account/reset-password");
    let lifetimes: Vec<i64> = {
        let conn = db(&g);
        let mut stmt = conn.prepare("SELECT expires_at - created_at FROM one_time_links").expect("sql");
        stmt.query_map([], |r| r.get(0)).expect("rows").map(|r| r.expect("row")).collect()
    };
    assert!(!lifetimes.is_empty() && lifetimes.iter().all(|s| (600..=900).contains(s)), "{lifetimes:?}");
    // Fifteen minutes later (the clock is the database's: move the link's expiry instead).
    db(&g)
        .execute("UPDATE one_time_links SET expires_at = strftime('%s','now') - 1 WHERE purpose = 'reset_password'", [])
        .expect("expire");
    let reply = g.post("/api/identity/password-reset/confirm", &json!({"token": token, "password": "un tout autre mot de passe"}), None);
    assert_eq!(codes(&reply), [("token".to_owned(), "invalid_or_expired".to_owned())]);
    assert_eq!(g.sign_in("reset@exemple.fr", PASSWORD).status, 200, "the password did not change");
}

#[test]
fn a_password_reset_changes_the_password_once_and_ends_every_session() {
    let g = Guichet::start();
    let before = g.citizen("forgot@exemple.fr");
    assert_eq!(g.post("/api/identity/password-reset", &json!({"email": "forgot@exemple.fr"}), None).status, 202);
    let token = g.link_token("forgot@exemple.fr", "/account/reset-password");
    let weak = g.post("/api/identity/password-reset/confirm", &json!({"token": token, "password": "password1234"}), None);
    assert_eq!(codes(&weak), [("password".to_owned(), "too_weak".to_owned())]);
    let new_password = "trois tortues traversent la route";
    let ok = g.post("/api/identity/password-reset/confirm", &json!({"token": token, "password": new_password}), None);
    assert_eq!(ok.status, 200, "{}", ok.body);
    let replay = g.post("/api/identity/password-reset/confirm", &json!({"token": token, "password": "encore un autre mot de passe"}), None);
    assert_eq!(replay.status, 400);
    assert_eq!(g.sign_in("forgot@exemple.fr", PASSWORD).status, 401);
    assert_eq!(g.sign_in("forgot@exemple.fr", new_password).status, 200);
    let refresh = g.post("/api/identity/token", &json!({"grant_type": "refresh_token", "refresh_token": before.refresh}), None);
    assert_eq!(refresh.status, 401, "the old sign-in survived the reset");
}

#[test]
fn fifty_wrong_passwords_on_one_account_are_throttled_and_the_owner_still_signs_in() {
    let g = Guichet::start_with(&[("SPIN_VARIABLE_TRUSTED_PROXIES", "127.0.0.1")]);
    g.citizen("target@exemple.fr");
    let body = json!({"grant_type": "password", "email": "target@exemple.fr", "password": "guessing the password now"});
    let mut statuses = Vec::new();
    for i in 0..50 {
        let from = format!("10.0.{}.{}", i / 5, i % 5 + 1);
        let reply = g.host.send(
            "POST",
            "/api/identity/token",
            &[("content-type", "application/json"), ("x-forwarded-for", &from)],
            Some(body.to_string().as_bytes()),
        );
        statuses.push(reply.status);
        if reply.status == 429 {
            assert!(reply.header("retry-after").is_some());
        }
    }
    let refused = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert!(refused <= 20 && throttled >= 30, "{statuses:?}");
    // The owner signs in from where they signed in before.
    assert_eq!(g.sign_in("target@exemple.fr", PASSWORD).status, 200);
}

#[test]
fn one_password_tried_on_two_hundred_accounts_from_one_client_is_throttled() {
    let g = Guichet::start_with(&[("SPIN_VARIABLE_TRUSTED_PROXIES", "127.0.0.1")]);
    let mut statuses = Vec::new();
    for i in 0..200 {
        let body = json!({"grant_type": "password", "email": format!("user{i}@exemple.fr"), "password": "Summer2026!Summer"});
        let reply = g.host.send(
            "POST",
            "/api/identity/token",
            &[("content-type", "application/json"), ("x-forwarded-for", "192.0.2.7")],
            Some(body.to_string().as_bytes()),
        );
        statuses.push(reply.status);
    }
    let tried = statuses.iter().filter(|s| **s == 401).count();
    assert!(tried <= 30, "{tried} accounts were tried before throttling");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 200 - tried);
    // Another client is not affected.
    g.citizen("bystander@exemple.fr");
}

#[test]
fn access_tokens_carry_issuer_commune_subject_type_roles_and_key_id() {
    let g = Guichet::start();
    let tokens = g.citizen("claims@exemple.fr");
    let claims = payload(&tokens.access);
    assert_eq!(claims["iss"], "guichet-identity");
    assert_eq!(claims["aud"], "demo");
    assert_eq!(claims["typ"], "access");
    assert_eq!(claims["roles"], json!(["citizen"]));
    assert!(claims["sub"].as_str().is_some_and(|s| s.len() == 32));
    assert_eq!(claims["exp"].as_u64().unwrap_or(0) - claims["iat"].as_u64().unwrap_or(0), 300);
    assert_eq!(header(&tokens.access)["alg"], "EdDSA");
    assert_eq!(header(&tokens.access)["kid"], "test-key-1");
}

#[test]
fn refresh_tokens_rotate_and_reusing_one_revokes_the_whole_family() {
    let g = Guichet::start();
    let first = g.citizen("rotate@exemple.fr");
    let refresh = |token: &str| g.post("/api/identity/token", &json!({"grant_type": "refresh_token", "refresh_token": token}), None);
    let second = refresh(&first.refresh);
    assert_eq!(second.status, 200, "{}", second.body);
    let second = tokens_of(&second);
    assert_ne!(second.refresh, first.refresh);
    // The first one again: stolen. The family dies, including the newest member.
    assert_eq!(refresh(&first.refresh).status, 401);
    assert_eq!(refresh(&second.refresh).status, 401);
    // Another sign-in is another family, unaffected.
    let other = tokens_of(&g.sign_in("rotate@exemple.fr", PASSWORD));
    assert_eq!(refresh(&other.refresh).status, 200);
    assert_eq!(refresh("not-a-token").status, 401);
}

#[test]
fn logout_ends_one_sign_in_and_logout_all_ends_every_one_at_once() {
    let g = Guichet::start();
    let phone = g.citizen("devices@exemple.fr");
    let laptop = tokens_of(&g.sign_in("devices@exemple.fr", PASSWORD));
    let tablet = tokens_of(&g.sign_in("devices@exemple.fr", PASSWORD));
    let refresh = |token: &str| g.post("/api/identity/token", &json!({"grant_type": "refresh_token", "refresh_token": token}), None).status;
    assert_eq!(g.post("/api/identity/logout", &json!({"refresh_token": phone.refresh}), None).status, 200);
    assert_eq!(refresh(&phone.refresh), 401);
    assert_eq!(refresh(&laptop.refresh), 200);
    let everywhere = g.post("/api/identity/logout-all", &json!({}), Some(&tablet.access));
    assert_eq!(everywhere.status, 200, "{}", everywhere.body);
    assert_eq!(refresh(&tablet.refresh), 401);
    let laptop_after: Vec<u16> = (0..1).map(|_| refresh(&laptop.refresh)).collect();
    assert_eq!(laptop_after, [401]);
    // Access tokens already issued live out their five minutes (docs/SECURITY.md item 11).
    assert_eq!(g.get("/api/identity/me", Some(&tablet.access)).status, 200);
}

#[test]
fn the_jwks_lists_current_and_previous_keys_and_tokens_of_both_verify() {
    let dir = tempfile::tempdir().expect("tempdir");
    let current = TestKeys::generate("2026-11");
    let previous = TestKeys::generate("2026-05");
    let mailbox = guichet_tests::mailbox::Mailbox::start();
    let mut previous_private = serde_json::from_str::<Value>(&private_jwks(&[&previous])).expect("jwks");
    previous_private["keys"][0].as_object_mut().map(|k| k.remove("d"));
    let mut signing = serde_json::from_str::<Value>(&private_jwks(&[&current])).expect("jwks");
    signing["keys"].as_array_mut().map(|a| a.push(previous_private["keys"][0].clone()));
    let config = HostConfig::guichet_identity(dir.path(), &[&current, &previous], &mailbox.origin())
        .env("SPIN_VARIABLE_IDENTITY_SIGNING_KEYS", &signing.to_string())
        .env("SPIN_VARIABLE_TOKEN_JWKS", &public_jwks(&[&current, &previous]));
    let host = Host::start(config, &dir);
    let jwks = host.get("/.well-known/jwks.json");
    assert_eq!(jwks.status, 200);
    assert_eq!(jwks.header("content-type"), Some("application/jwk-set+json"));
    let kids: Vec<String> = jwks.json()["keys"].as_array().into_iter().flatten().map(|k| k["kid"].as_str().unwrap_or("").to_owned()).collect();
    assert_eq!(kids, ["2026-11", "2026-05"]);
    assert!(!jwks.body.contains("\"d\""), "a private key is published");
    // A token signed with the previous key before the rotation still works.
    let old = previous.access_token("demo", "someone", &["citizen"]);
    let reply = host.send("GET", "/api/identity/commune", &[("authorization", &format!("Bearer {old}"))], None);
    assert_eq!(reply.status, 200);
    let logout_all = host.send("POST", "/api/identity/logout-all", &[("authorization", &format!("Bearer {old}")), ("content-type", "application/json")], Some(b"{}"));
    assert_eq!(logout_all.status, 200, "{}", logout_all.body);
}

#[test]
fn pyjwt_verifies_access_tokens_from_the_published_jwks_alone() {
    let g = Guichet::start();
    let tokens = g.citizen("pyjwt@exemple.fr");
    let python = guichet_tests::root().join("target/pyenv/bin/python");
    assert!(python.exists(), "run infra/setup.sh (make test does) to install the Python test tools");
    let script = guichet_tests::root().join("tests/python/verify_access_token.py");
    let jwks_url = g.host.url("/.well-known/jwks.json");
    let run = |token: &str, audience: &str| {
        let out = std::process::Command::new(&python)
            .args([script.to_str().expect("path"), &jwks_url, token, audience, "guichet-identity"])
            .output()
            .expect("python");
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let (ok, out) = run(&tokens.access, "demo");
    assert!(ok, "{out}");
    let claims: Value = serde_json::from_str(out.trim()).expect("claims");
    assert_eq!(claims["typ"], "access");
    assert_eq!(run(&tokens.access, "autre").0, false, "another commune's audience passed");
    let mut parts: Vec<String> = tokens.access.split('.').map(str::to_owned).collect();
    let mut forged = payload(&tokens.access);
    forged["roles"] = json!(["citizen", "admin"]);
    parts[1] = Base64UrlSafeNoPadding::encode_to_string(forged.to_string()).expect("b64");
    let (ok, out) = run(&parts.join("."), "demo");
    assert!(!ok && out.contains("REFUSED"), "{out}");
}

#[test]
fn forged_expired_and_misdirected_tokens_are_refused_with_401() {
    let g = Guichet::start();
    let good = g.citizen("forge@exemple.fr").access;
    let sub = payload(&good)["sub"].as_str().unwrap_or_default().to_owned();
    let b64 = |v: &Value| Base64UrlSafeNoPadding::encode_to_string(v.to_string()).expect("b64");
    let body = payload(&good);
    let none = format!("{}.{}.", b64(&json!({"alg": "none", "typ": "JWT"})), b64(&body));
    let public_x = serde_json::from_str::<Value>(&g.keys.jwks()).expect("jwks")["keys"][0]["x"].as_str().unwrap_or("").to_owned();
    let hs = HS256Key::from_bytes(public_x.as_bytes()).with_key_id("test-key-1");
    let hs_claims = Claims::with_custom_claims(json!({"typ": "access", "roles": ["citizen"], "departments": []}), jwt_simple::prelude::Duration::from_mins(5))
        .with_issuer("guichet-identity")
        .with_audience("demo")
        .with_subject(&sub);
    let hs256 = hs.authenticate(hs_claims).expect("hs256");
    let stranger = TestKeys::generate("unknown-kid").access_token("demo", &sub, &["citizen"]);
    let other_commune = g.keys.access_token("autre", &sub, &["citizen"]);
    let expired = g.keys.expired_token("demo", &sub, &["citizen"], jwt_simple::prelude::Duration::from_secs(120));
    let mut tampered: Vec<String> = good.split('.').map(str::to_owned).collect();
    let mut admin = body.clone();
    admin["roles"] = json!(["citizen", "admin"]);
    tampered[1] = b64(&admin);
    let tampered = tampered.join(".");
    for (name, token) in [("alg none", none), ("HS256 with the public key", hs256), ("unknown kid", stranger), ("other commune", other_commune), ("expired", expired), ("tampered", tampered)] {
        let reply = g.get("/api/identity/me", Some(&token));
        assert_eq!(reply.status, 401, "{name}: {}", reply.body);
        assert_eq!(reply.json()["errors"][0]["code"], "invalid_token", "{name}");
    }
    assert_eq!(g.get("/api/identity/me", Some(&good)).status, 200);
    assert_eq!(g.get("/api/identity/me", None).status, 401);
}

#[test]
fn bad_registration_input_lists_every_field_error_and_writes_nothing() {
    let g = Guichet::start();
    assert_eq!(g.get("/api/identity/commune", None).status, 200);
    let before = count(&g, "SELECT COUNT(*) FROM accounts");
    let reply = g.post("/api/identity/register", &json!({"email": 42, "password": ["x"], "role": "admin", "given_name": "x"}), None);
    assert_eq!(reply.status, 400);
    let mut found = codes(&reply);
    found.sort();
    assert_eq!(found, [
        ("email".to_owned(), "wrong_type".to_owned()),
        ("password".to_owned(), "wrong_type".to_owned()),
        ("role".to_owned(), "unknown_field".to_owned()),
    ]);
    let reply = g.post("/api/identity/register", &json!({"email": "not an address", "password": "short", "given_name": "x".repeat(101)}), None);
    let mut found = codes(&reply);
    found.sort();
    assert_eq!(found, [
        ("email".to_owned(), "invalid_email".to_owned()),
        ("given_name".to_owned(), "too_long".to_owned()),
        ("password".to_owned(), "too_short".to_owned()),
    ]);
    let invalid_utf8 = g.host.send("POST", "/api/identity/register", &[("content-type", "application/json")], Some(b"{\"email\":\"\xff\xfe\"}"));
    assert_eq!(invalid_utf8.status, 400);
    let huge = vec![b' '; 10 * 1024 * 1024];
    let huge = g.host.send("POST", "/api/identity/register", &[("content-type", "application/json")], Some(&huge));
    assert_eq!(huge.status, 400);
    assert_eq!(codes(&huge), [("body".to_owned(), "too_large".to_owned())]);
    let nul = g.post("/api/identity/register", &json!({"email": "nul@exemple.fr", "password": "un mot de passe\u{0}avec nul"}), None);
    assert_eq!(nul.status, 400);
    assert_eq!(count(&g, "SELECT COUNT(*) FROM accounts"), before);
}

#[test]
fn a_citizen_edits_the_profile_but_cannot_set_roles_or_status() {
    let g = Guichet::start();
    let tokens = g.citizen("profile@exemple.fr");
    let patch = json!({
        "given_name": "<script>alert(1)</script>",
        "phone": "+33 6 12 34 56 78",
        "postal_address": {"street": "1 place de la Mairie", "postcode": "35000", "city": "Rennes"},
        "language": "en",
        "notification_preferences": {"channel": "sms", "status_updates": true},
    });
    let reply = g.send_json("PATCH", "/api/identity/me", &patch, Some(&tokens.access));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let me = g.get("/api/identity/me", Some(&tokens.access)).json();
    assert_eq!(me["given_name"], "<script>alert(1)</script>", "stored as text");
    assert_eq!(me["postal_address"]["city"], "Rennes");
    assert_eq!(me["notification_preferences"]["channel"], "sms");
    for forbidden in [json!({"roles": ["admin"]}), json!({"status": "active"}), json!({"email": "x@y.fr"}), json!({"id": "other"})] {
        let reply = g.send_json("PATCH", "/api/identity/me", &forbidden, Some(&tokens.access));
        assert_eq!(reply.status, 400, "{forbidden}");
        assert_eq!(reply.json()["errors"][0]["code"], "unknown_field");
    }
    let bad = g.send_json("PATCH", "/api/identity/me", &json!({"phone": "call me", "language": "de"}), Some(&tokens.access));
    let mut found = codes(&bad);
    found.sort();
    assert_eq!(found, [("language".to_owned(), "unknown_value".to_owned())], "{}", bad.body);
    let bad = g.send_json("PATCH", "/api/identity/me", &json!({"phone": "call me"}), Some(&tokens.access));
    assert_eq!(codes(&bad), [("phone".to_owned(), "invalid_phone".to_owned())]);
    let refreshed = g.post("/api/identity/token", &json!({"grant_type": "refresh_token", "refresh_token": tokens.refresh}), None);
    assert_eq!(payload(&tokens_of(&refreshed).access)["roles"], json!(["citizen"]));
}

#[test]
fn a_change_of_address_is_confirmed_from_the_new_mailbox_and_the_old_one_is_told() {
    let g = Guichet::start();
    let tokens = g.citizen("old@exemple.fr");
    let wrong = g.post("/api/identity/me/email", &json!({"email": "new@exemple.fr", "password": "not my password at all"}), Some(&tokens.access));
    assert_eq!(codes(&wrong), [("password".to_owned(), "wrong_password".to_owned())]);
    let reply = g.post("/api/identity/me/email", &json!({"email": "new@exemple.fr", "password": PASSWORD}), Some(&tokens.access));
    assert_eq!(reply.status, 202, "{}", reply.body);
    let token = g.link_token("new@exemple.fr", "/account/confirm-email");
    g.mailbox.wait_for("old@exemple.fr", |m| m.text.contains("/account/forgot-password"), Duration::from_secs(20));
    assert_eq!(g.sign_in("new@exemple.fr", PASSWORD).status, 401, "changed before confirmation");
    assert_eq!(g.post("/api/identity/me/email/confirm", &json!({"token": token}), None).status, 200);
    assert_eq!(g.sign_in("new@exemple.fr", PASSWORD).status, 200);
    assert_eq!(g.sign_in("old@exemple.fr", PASSWORD).status, 401);
    assert_eq!(g.post("/api/identity/me/email/confirm", &json!({"token": token}), None).status, 400);
}
