//! A citizen's personal data (docs/SECURITY.md items 22-24): the export gathers every component's
//! part and nothing of anyone else; erasure anonymises everywhere, keeps what the law requires
//! with its legal basis, and frees the address; staff reads are shown to the citizen; consents
//! are withdrawn with their dates kept.

use std::time::Duration;

use guichet_tests::guichet::{token_in, tokens_of, Guichet, Tokens, PASSWORD};
use guichet_tests::mailbox::Mailbox;
use guichet_tests::tokens::TestKeys;
use guichet_tests::{root, Host, HostConfig, Reply};
use serde_json::{json, Value};

fn codes(reply: &Reply) -> Vec<(String, String)> {
    reply.json()["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| (e["field"].as_str().unwrap_or("").to_owned(), e["code"].as_str().unwrap_or("").to_owned()))
        .collect()
}

fn code(field: &str, code: &str) -> (String, String) {
    (field.to_owned(), code.to_owned())
}

fn me(g: &Guichet, access: &str) -> Value {
    let reply = g.get("/api/identity/me", Some(access));
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

fn export(g: &Guichet, access: &str) -> Value {
    let reply = g.get("/api/identity/me/export", Some(access));
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

/// Registers `email` with `consents`, verifies it and signs in.
fn citizen_with_consents(g: &Guichet, email: &str, consents: &[&str]) -> Tokens {
    let reply = g.post("/api/identity/register", &json!({"email": email, "password": PASSWORD, "consents": consents}), None);
    assert_eq!(reply.status, 202, "{}", reply.body);
    let token = g.link_token(email, "/account/verify-email");
    assert_eq!(g.post("/api/identity/verify-email", &json!({"token": token}), None).status, 200);
    let reply = g.sign_in(email, PASSWORD);
    assert_eq!(reply.status, 200, "{}", reply.body);
    tokens_of(&reply)
}

/// An agent reads `account`'s profile for `purpose`.
fn agent_reads(g: &Guichet, account: &str, purpose: &str) {
    let agent = g.keys.access_token("demo", "agent-7", &["citizen", "agent"]);
    let read = g.get(&format!("/api/identity/citizens/{account}?purpose={purpose}"), Some(&agent));
    assert_eq!(read.status, 200, "{}", read.body);
}

fn ids(records: &Value) -> Vec<String> {
    records.as_array().into_iter().flatten().filter_map(|r| r["id"].as_str().map(str::to_owned)).collect()
}

#[test]
fn the_export_holds_every_components_records_of_the_citizen_and_none_of_another() {
    let g = Guichet::start();
    let anne = citizen_with_consents(&g, "anne@exemple.fr", &["newsletter"]);
    let changes = json!({"given_name": "Anne", "family_name": "Martin", "phone": "+33 6 11 22 33 44",
                         "postal_address": {"street": "1 place de la Mairie", "postcode": "75001", "city": "Paris"}});
    assert_eq!(g.send_json("PATCH", "/api/identity/me", &changes, Some(&anne.access)).status, 200);
    let given = g.send_json("PUT", "/api/identity/me/consents/satisfaction_surveys", &json!({"given": true}), Some(&anne.access));
    assert_eq!(given.status, 200, "{}", given.body);
    assert_eq!(g.send_json("PUT", "/api/identity/me/consents/satisfaction_surveys", &json!({"given": false}), Some(&anne.access)).status, 200);
    let anne_id = me(&g, &anne.access)["id"].as_str().expect("id").to_owned();
    agent_reads(&g, &anne_id, "support");

    let bob = citizen_with_consents(&g, "bob@exemple.fr", &["sms_notifications"]);
    let bob_changes = json!({"given_name": "Roberto", "phone": "+33 7 99 88 77 66"});
    assert_eq!(g.send_json("PATCH", "/api/identity/me", &bob_changes, Some(&bob.access)).status, 200);
    let bob_id = me(&g, &bob.access)["id"].as_str().expect("id").to_owned();
    agent_reads(&g, &bob_id, "identity_check");

    assert_eq!(g.get("/api/identity/me/export", None).status, 401);
    let reply = g.get("/api/identity/me/export", Some(&anne.access));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    assert!(reply.header("content-disposition").is_some_and(|v| v.starts_with("attachment")), "{:?}", reply.headers);
    let file = reply.json();
    assert_eq!(file["format"], "guichet-personal-data/1");
    assert_eq!(file["account_id"], anne_id.as_str());
    let parts: Vec<&String> = file["components"].as_object().expect("components").keys().collect();
    assert_eq!(parts, ["identity", "notifications", "requests", "signatures"]);

    let identity = &file["components"]["identity"];
    assert_eq!(identity["account"]["email"], "anne@exemple.fr");
    assert_eq!(identity["account"]["family_name"], "Martin");
    assert_eq!(identity["account"]["phone"], "+33611223344", "kept in E.164 form");
    assert_eq!(identity["account"]["postal_address"]["city"], "Paris");
    let consents = identity["consents"].as_array().expect("consents");
    let newsletter = consents.iter().find(|c| c["purpose"] == "newsletter").expect("newsletter");
    assert_eq!((newsletter["given"].clone(), newsletter["withdrawn_at"].clone()), (json!(true), Value::Null));
    let surveys = consents.iter().find(|c| c["purpose"] == "satisfaction_surveys").expect("surveys");
    assert_eq!(surveys["given"], false);
    assert!(surveys["given_at"].is_string() && surveys["withdrawn_at"].is_string(), "{surveys}");
    let sign_ins = identity["sign_ins"].as_array().expect("sign_ins");
    assert_eq!(sign_ins.len(), 1);
    assert_eq!(sign_ins[0]["active"], true);
    let reads = identity["personal_data_reads"].as_array().expect("reads");
    assert_eq!(reads.len(), 1);
    assert_eq!((reads[0]["reader_id"].clone(), reads[0]["purpose"].clone()), (json!("agent-7"), json!("support")));

    // Notifications' part: the verification e-mail sent at registration.
    let messages = file["components"]["notifications"]["messages"].as_array().expect("messages").clone();
    assert!(messages.iter().any(|m| m["purpose"] == "verify_email" && m["to"] == "anne@exemple.fr"), "{messages:?}");
    assert!(messages.iter().all(|m| m["to"] == "anne@exemple.fr"), "{messages:?}");

    // Nothing about Bob, anywhere in the file; and no secret.
    for theirs in ["bob@exemple.fr", "Roberto", "+33 7 99 88 77 66", bob_id.as_str(), "identity_check", "sms_notifications", &anne.refresh] {
        assert!(!reply.body.contains(theirs), "the export shows {theirs}");
    }
    // Bob's own export has his records and not Anne's.
    let bobs = g.get("/api/identity/me/export", Some(&bob.access)).body;
    assert!(bobs.contains("Roberto") && !bobs.contains("anne@exemple.fr") && !bobs.contains("Martin"), "{bobs}");
}

#[test]
fn a_citizen_sees_who_of_the_staff_read_their_profile_and_withdraws_consents() {
    let g = Guichet::start();
    let anne = citizen_with_consents(&g, "anne@exemple.fr", &["newsletter"]);
    let bob = g.citizen("bob@exemple.fr");
    let anne_id = me(&g, &anne.access)["id"].as_str().expect("id").to_owned();
    let empty = g.get("/api/identity/me/reads", Some(&anne.access));
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert_eq!(empty.json()["reads"], json!([]));
    assert_eq!(empty.header("cache-control"), Some("no-store"));

    agent_reads(&g, &anne_id, "handling_request");
    let reads = g.get("/api/identity/me/reads", Some(&anne.access)).json();
    let reads = reads["reads"].as_array().expect("reads").clone();
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0]["reader_id"], "agent-7");
    assert_eq!(reads[0]["purpose"], "handling_request");
    assert!(reads[0]["read_at"].is_string());
    // Another citizen's log is theirs alone.
    assert_eq!(g.get("/api/identity/me/reads", Some(&bob.access)).json()["reads"], json!([]));
    assert_eq!(g.get("/api/identity/me/reads", None).status, 401);

    let withdrawn = g.send_json("PUT", "/api/identity/me/consents/newsletter", &json!({"given": false}), Some(&anne.access));
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
    let newsletter = withdrawn.json()["consents"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["purpose"] == "newsletter").cloned())
        .expect("newsletter");
    assert_eq!(newsletter["given"], false);
    assert!(newsletter["given_at"].is_string() && newsletter["withdrawn_at"].is_string(), "{newsletter}");
}

#[test]
fn erasure_anonymises_everywhere_keeps_the_legal_records_and_frees_the_address() {
    let g = Guichet::start();
    let anne = citizen_with_consents(&g, "anne@exemple.fr", &["newsletter"]);
    let changes = json!({"given_name": "Anne", "family_name": "Martin", "phone": "+33 6 11 22 33 44"});
    assert_eq!(g.send_json("PATCH", "/api/identity/me", &changes, Some(&anne.access)).status, 200);
    let anne_id = me(&g, &anne.access)["id"].as_str().expect("id").to_owned();
    agent_reads(&g, &anne_id, "support");
    let bob = g.citizen("bob@exemple.fr");
    let old_messages = ids(&export(&g, &anne.access)["components"]["notifications"]["messages"]);
    assert!(!old_messages.is_empty());

    let missing = g.post("/api/identity/me/erasure", &json!({}), Some(&anne.access));
    assert_eq!(codes(&missing), [code("password", "required")]);
    let wrong = g.post("/api/identity/me/erasure", &json!({"password": "pas le bon mot de passe du tout"}), Some(&anne.access));
    assert_eq!(codes(&wrong), [code("password", "wrong_password")]);
    assert_eq!(g.post("/api/identity/me/erasure", &json!({"password": PASSWORD}), None).status, 401);
    assert_eq!(me(&g, &anne.access)["family_name"], "Martin", "refusals erase nothing");

    let erased = g.post("/api/identity/me/erasure", &json!({"password": PASSWORD}), Some(&anne.access));
    assert_eq!(erased.status, 200, "{}", erased.body);
    let report = erased.json();
    assert_eq!(report["status"], "erased");
    let components = report["components"].as_array().expect("components");
    let names: Vec<&str> = components.iter().filter_map(|c| c["component"].as_str()).collect();
    assert_eq!(names, ["identity", "notifications", "requests", "signatures"]);
    let identity = &components[0];
    assert_eq!(identity["erased"]["account"], 1);
    assert_eq!(identity["erased"]["sign_ins"], 1);
    let kept = |record: &str| identity["kept"].as_array().and_then(|k| k.iter().find(|k| k["record"] == record).cloned());
    let reads = kept("personal_data_reads").expect("reads kept");
    assert_eq!(reads["count"], 1);
    assert!(reads["legal_basis"].as_str().is_some_and(|b| b.contains("art. 32")), "{reads}");
    let consents = kept("consents").expect("consents kept");
    assert_eq!(consents["count"], 1);
    assert!(consents["legal_basis"].as_str().is_some_and(|b| b.contains("art. 7")), "{consents}");
    let notifications = &components[1];
    assert_eq!(notifications["erased"]["messages"], i64::try_from(old_messages.len()).expect("count"), "{notifications}");

    // The account is gone for its owner: no sign-in, no refresh, no profile, no export.
    assert_eq!(g.sign_in("anne@exemple.fr", PASSWORD).status, 401);
    let refreshed = g.post("/api/identity/token", &json!({"grant_type": "refresh_token", "refresh_token": anne.refresh}), None);
    assert_eq!(refreshed.status, 401);
    for path in ["/api/identity/me", "/api/identity/me/export", "/api/identity/me/reads"] {
        assert_eq!(g.get(path, Some(&anne.access)).status, 404, "{path}");
    }
    assert_eq!(g.post("/api/identity/me/erasure", &json!({"password": PASSWORD}), Some(&anne.access)).status, 404);
    let agent = g.keys.access_token("demo", "agent-7", &["citizen", "agent"]);
    assert_eq!(g.get(&format!("/api/identity/citizens/{anne_id}?purpose=support"), Some(&agent)).status, 404);

    // What is stored: an anonymous account, withdrawn consents with dates, the reads log kept,
    // messages anonymised; Bob untouched.
    let db = rusqlite::Connection::open(g.host.state_dir.join("identity.db")).expect("identity.db");
    let (email, status, family, phone, hash): (String, String, String, String, Option<String>) = db
        .query_row(
            "SELECT email, status, family_name, phone, password_hash FROM accounts WHERE id = ?",
            [&anne_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .expect("account row");
    assert_eq!((email, status, family, phone, hash), (format!("erased:{anne_id}"), "erased".into(), String::new(), String::new(), None));
    let withdrawn: Option<String> = db
        .query_row("SELECT withdrawn_at FROM consents WHERE account_id = ? AND purpose = 'newsletter'", [&anne_id], |r| r.get(0))
        .expect("consent row");
    assert!(withdrawn.is_some());
    let logged: i64 = db.query_row("SELECT COUNT(*) FROM personal_data_reads WHERE account_id = ?", [&anne_id], |r| r.get(0)).expect("reads");
    assert_eq!(logged, 1);
    let notifications = rusqlite::Connection::open(g.host.state_dir.join("notifications.db")).expect("notifications.db");
    let named: i64 = notifications
        .query_row("SELECT COUNT(*) FROM messages WHERE to_address = 'anne@exemple.fr' OR account_id = ?", [&anne_id], |r| r.get(0))
        .expect("messages");
    assert_eq!(named, 0);
    assert_eq!(me(&g, &bob.access)["email"], "bob@exemple.fr");
    assert!(!ids(&export(&g, &bob.access)["components"]["notifications"]["messages"]).is_empty());

    // The address is free: a new, separate account, which sees nothing of the old one.
    let again = citizen_with_consents(&g, "anne@exemple.fr", &[]);
    let new_me = me(&g, &again.access);
    assert_ne!(new_me["id"], anne_id.as_str());
    assert_eq!(new_me["family_name"], "");
    let file = export(&g, &again.access);
    let new_messages = ids(&file["components"]["notifications"]["messages"]);
    assert!(!new_messages.is_empty());
    assert!(new_messages.iter().all(|id| !old_messages.contains(id)), "{new_messages:?} vs {old_messages:?}");
    assert_eq!(file["components"]["identity"]["personal_data_reads"], json!([]));
    assert_eq!(file["components"]["identity"]["consents"], json!([]));
}

// ------------------------------------------------------------------ a component that fails

/// Guichet whose `signatures` component is replaced by the portal, which knows nothing of
/// `/internal/privacy/...` (404): a component that fails to erase.
fn guichet_with_a_broken_signatures(dir: &tempfile::TempDir, keys: &TestKeys, mailbox: &Mailbox) -> Host {
    let text = std::fs::read_to_string(root().join("spin.toml")).expect("spin.toml");
    let source = "source = \"target/wasm32-wasip2/release/signatures.wasm\"";
    assert!(text.contains(source), "spin.toml no longer has the signatures source");
    // The portal composes no token verifier: its stand-in drops signatures' dependencies.
    let dependencies = "[component.signatures.dependencies]\n\"guichet:platform/tokens@0.1.0\" = { path = \"target/wasm32-wasip2/release/tokens.wasm\" }\n";
    assert!(text.contains(dependencies), "spin.toml no longer composes signatures' verifier this way");
    let text = text
        .replace(dependencies, "")
        .replace(source, "source = \"target/wasm32-wasip2/release/portal.wasm\"")
        .replace("\"target/", &format!("\"{}/target/", root().display()));
    let manifest = dir.path().join("spin.toml");
    std::fs::write(&manifest, text).expect("writing the manifest copy");
    let mut config = HostConfig::guichet_identity(dir.path(), &[keys], &mailbox.origin());
    config.manifest = manifest;
    Host::start(config, dir)
}

fn post(host: &Host, path: &str, body: &Value, bearer: Option<&str>) -> Reply {
    let auth = bearer.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(auth) = auth.as_deref() {
        headers.push(("authorization", auth));
    }
    host.send("POST", path, &headers, Some(body.to_string().as_bytes()))
}

#[test]
fn a_component_that_fails_to_erase_stops_the_erasure_and_the_account_stays_usable() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("k1");
    let mailbox = Mailbox::start();
    let host = guichet_with_a_broken_signatures(&dir, &keys, &mailbox);
    assert_eq!(post(&host, "/api/identity/register", &json!({"email": "anne@exemple.fr", "password": PASSWORD}), None).status, 202);
    let mail = mailbox.wait_for("anne@exemple.fr", |m| m.text.contains("/account/verify-email"), Duration::from_secs(20));
    let token = token_in(&mail.text, "/account/verify-email");
    assert_eq!(post(&host, "/api/identity/verify-email", &json!({"token": token}), None).status, 200);
    let sign_in = json!({"grant_type": "password", "email": "anne@exemple.fr", "password": PASSWORD});
    let tokens = tokens_of(&post(&host, "/api/identity/token", &sign_in, None));

    let export = host.send("GET", "/api/identity/me/export", &[("authorization", &format!("Bearer {}", tokens.access))], None);
    assert_eq!(export.status, 502, "{}", export.body);
    let erased = post(&host, "/api/identity/me/erasure", &json!({"password": PASSWORD}), Some(&tokens.access));
    assert_eq!(erased.status, 502, "{}", erased.body);
    assert_eq!(codes(&erased), [code("", "component_unavailable")]);
    assert!(erased.body.contains("signatures"), "{}", erased.body);
    // The components that did answer are reported; identity erased nothing.
    let report = erased.json();
    let answered: Vec<&str> = report["components"].as_array().expect("components").iter().filter_map(|c| c["component"].as_str()).collect();
    assert_eq!(answered, ["notifications", "requests"]);
    let profile = host.send("GET", "/api/identity/me", &[("authorization", &format!("Bearer {}", tokens.access))], None);
    assert_eq!(profile.status, 200, "{}", profile.body);
    assert_eq!(post(&host, "/api/identity/token", &sign_in, None).status, 200);
}
