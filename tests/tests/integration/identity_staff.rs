//! Identity's staff: invitations, departments, roles, disabling accounts, staff reads of
//! citizens, and the commune boundary (docs/SECURITY.md items 11, 14, 15, 22), through the built
//! components and the mailbox.

use guichet_tests::guichet::{claims_of, token_in, tokens_of, Guichet, Tokens, PASSWORD, PLATFORM_TOKEN};
use guichet_tests::Reply;
use serde_json::{json, Value};

const ACCEPT_PAGE: &str = "/account/accept-invitation";

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

/// The claims of an access token (its signature is the verifiers' business, tested elsewhere).
fn claims(token: &str) -> Value {
    claims_of(token)
}

fn platform_invites(g: &Guichet, commune: &str, email: &str) -> Reply {
    g.post(&format!("/api/identity/communes/{commune}/invitations"), &json!({"email": email}), Some(PLATFORM_TOKEN))
}

/// Accepts the newest invitation e-mailed to `email` with `password`.
fn accept(g: &Guichet, email: &str, password: &str, names: (&str, &str)) -> Reply {
    let token = g.link_token(email, ACCEPT_PAGE);
    g.post(
        "/api/identity/invitations/accept",
        &json!({"token": token, "password": password, "given_name": names.0, "family_name": names.1}),
        None,
    )
}

fn signed_in(g: &Guichet, email: &str) -> Tokens {
    let reply = g.sign_in(email, PASSWORD);
    assert_eq!(reply.status, 200, "sign in {email}: {}", reply.body);
    tokens_of(&reply)
}

/// The first administrator of `demo`, invited by the platform, signed in: (account id, tokens).
fn first_admin(g: &Guichet) -> (String, Tokens) {
    assert_eq!(platform_invites(g, "demo", "maire@exemple.fr").status, 202);
    let accepted = accept(g, "maire@exemple.fr", PASSWORD, ("Marie", "Maire"));
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let id = accepted.json()["id"].as_str().expect("id").to_owned();
    (id, signed_in(g, "maire@exemple.fr"))
}

/// An agent of `department` (created if needed) invited by `admin`: (account id, tokens).
fn agent(g: &Guichet, admin: &str, email: &str, department: &str) -> (String, Tokens) {
    let created = g.post("/api/identity/departments", &json!({"id": department, "name": department}), Some(admin));
    assert!(created.status == 201 || created.status == 409, "{}", created.body);
    let invited = g.post("/api/identity/invitations", &json!({"email": email, "role": "agent", "departments": [department]}), Some(admin));
    assert_eq!(invited.status, 202, "{}", invited.body);
    let accepted = accept(g, email, PASSWORD, ("Alex", "Agent"));
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let id = accepted.json()["id"].as_str().expect("id").to_owned();
    (id, signed_in(g, email))
}

fn me(g: &Guichet, access: &str) -> Value {
    let reply = g.get("/api/identity/me", Some(access));
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.json()
}

fn refresh(g: &Guichet, refresh: &str) -> Reply {
    g.post("/api/identity/token", &json!({"grant_type": "refresh_token", "refresh_token": refresh}), None)
}

#[test]
fn the_platform_invites_a_first_admin_who_builds_a_team_whose_tokens_carry_their_roles() {
    let g = Guichet::start();
    let no_token = g.post("/api/identity/communes/demo/invitations", &json!({"email": "maire@exemple.fr"}), None);
    assert_eq!(no_token.status, 401, "{}", no_token.body);
    let wrong = g.post("/api/identity/communes/demo/invitations", &json!({"email": "maire@exemple.fr"}), Some("not-the-platform-token-0123456789"));
    assert_eq!(wrong.status, 401);
    assert_eq!(platform_invites(&g, "nulle-part", "maire@exemple.fr").status, 404);
    assert_eq!(platform_invites(&g, "demo", "maire@exemple.fr").status, 202);

    // The link goes to the commune's own origin, and works once, for a password that passes.
    let mail = g.mail_to("maire@exemple.fr", ACCEPT_PAGE);
    assert!(mail.text.contains(&format!("{}{ACCEPT_PAGE}#token=", g.host.base)), "{}", mail.text);
    let token = token_in(&mail.text, ACCEPT_PAGE);
    let weak = g.post("/api/identity/invitations/accept", &json!({"token": token, "password": "password123"}), None);
    assert_eq!(weak.status, 400, "{}", weak.body);
    assert_eq!(codes(&weak)[0].0, "password");
    let accepted = g.post(
        "/api/identity/invitations/accept",
        &json!({"token": token, "password": PASSWORD, "given_name": "Marie", "family_name": "Maire"}),
        None,
    );
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let profile = accepted.json();
    assert_eq!(profile["roles"], json!(["citizen", "admin"]));
    assert_eq!(profile["email_verified"], true);
    assert_eq!(profile["given_name"], "Marie");
    let again = g.post("/api/identity/invitations/accept", &json!({"token": token, "password": PASSWORD}), None);
    assert_eq!(codes(&again), [code("token", "invalid_or_expired")]);
    // The commune has an administrator now: they invite the others, not the platform.
    let second = platform_invites(&g, "demo", "autre-maire@exemple.fr");
    assert_eq!((second.status, codes(&second)), (409, vec![code("", "has_admin")]));

    let admin = signed_in(&g, "maire@exemple.fr");
    assert_eq!(claims(&admin.access)["roles"], json!(["citizen", "admin"]));

    // Departments.
    let created = g.post("/api/identity/departments", &json!({"id": "etat-civil", "name": "État civil"}), Some(&admin.access));
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.json()["id"], "etat-civil");
    let twice = g.post("/api/identity/departments", &json!({"id": "etat-civil", "name": "Autre"}), Some(&admin.access));
    assert_eq!((twice.status, codes(&twice)), (409, vec![code("id", "exists")]));
    let bad = g.post("/api/identity/departments", &json!({"id": "État Civil", "name": ""}), Some(&admin.access));
    assert_eq!(codes(&bad), [code("id", "invalid"), code("name", "required")]);

    // An agent needs an existing department.
    let none = g.post("/api/identity/invitations", &json!({"email": "agent@exemple.fr", "role": "agent"}), Some(&admin.access));
    assert_eq!(codes(&none), [code("departments", "required_for_agent")]);
    let unknown = g.post(
        "/api/identity/invitations",
        &json!({"email": "agent@exemple.fr", "role": "agent", "departments": ["voirie"]}),
        Some(&admin.access),
    );
    assert_eq!(codes(&unknown), [code("departments[0]", "unknown_department")]);
    let role = g.post("/api/identity/invitations", &json!({"email": "agent@exemple.fr", "role": "mayor"}), Some(&admin.access));
    assert_eq!(codes(&role), [code("role", "unknown_value")]);
    let invited = g.post(
        "/api/identity/invitations",
        &json!({"email": "agent@exemple.fr", "role": "agent", "departments": ["etat-civil"]}),
        Some(&admin.access),
    );
    assert_eq!((invited.status, invited.json()), (202, json!({"status": "invitation_sent"})));
    let accepted = accept(&g, "agent@exemple.fr", PASSWORD, ("Alex", "Agent"));
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.json()["roles"], json!(["citizen", "agent"]));
    assert_eq!(accepted.json()["departments"], json!(["etat-civil"]));

    let agent = signed_in(&g, "agent@exemple.fr");
    let agent_claims = claims(&agent.access);
    assert_eq!(agent_claims["roles"], json!(["citizen", "agent"]));
    assert_eq!(agent_claims["departments"], json!(["etat-civil"]));
    assert_eq!(agent_claims["aud"], "demo");

    // Staff list and departments as an agent sees them.
    let agents = g.get("/api/identity/agents", Some(&admin.access));
    assert_eq!(agents.status, 200, "{}", agents.body);
    let listed: Vec<(String, Value, Value)> = agents.json()["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .map(|a| (a["email"].as_str().unwrap_or("").to_owned(), a["roles"].clone(), a["departments"].clone()))
        .collect();
    assert_eq!(
        listed,
        [
            ("agent@exemple.fr".to_owned(), json!(["agent"]), json!(["etat-civil"])),
            ("maire@exemple.fr".to_owned(), json!(["admin"]), json!([])),
        ]
    );
    let departments = g.get("/api/identity/departments", Some(&agent.access));
    assert_eq!(departments.status, 200, "{}", departments.body);
    assert_eq!(departments.json()["departments"][0]["members"], 1);
    let in_use = g.send_json("DELETE", "/api/identity/departments/etat-civil", &json!({}), Some(&admin.access));
    assert_eq!((in_use.status, codes(&in_use)), (409, vec![code("", "in_use")]));
    let empty = g.post("/api/identity/departments", &json!({"id": "voirie", "name": "Voirie"}), Some(&admin.access));
    assert_eq!(empty.status, 201);
    assert_eq!(g.send_json("DELETE", "/api/identity/departments/voirie", &json!({}), Some(&admin.access)).status, 204);
    assert_eq!(g.send_json("DELETE", "/api/identity/departments/voirie", &json!({}), Some(&admin.access)).status, 404);
}

#[test]
fn an_existing_account_accepts_an_invitation_with_its_own_password_and_keeps_its_id() {
    let g = Guichet::start();
    let (_, admin) = first_admin(&g);
    let citizen = g.citizen("deja@exemple.fr");
    let id = me(&g, &citizen.access)["id"].clone();
    let invited = g.post("/api/identity/invitations", &json!({"email": "Deja@Exemple.fr", "role": "supervisor"}), Some(&admin.access));
    assert_eq!(invited.status, 202, "{}", invited.body);

    let wrong = accept(&g, "deja@exemple.fr", "un tout autre mot de passe solide", ("X", "Y"));
    assert_eq!((wrong.status, codes(&wrong)), (400, vec![code("password", "wrong_password")]));
    // The wrong password did not use the link up.
    let right = accept(&g, "deja@exemple.fr", PASSWORD, ("X", "Y"));
    assert_eq!(right.status, 200, "{}", right.body);
    assert_eq!(right.json()["id"], id);
    assert_eq!(right.json()["roles"], json!(["citizen", "supervisor"]));
    // The names of an existing account are its owner's, not the form's.
    assert_eq!(right.json()["given_name"], "");
    // The old token still carries the old roles; the next one carries the new ones.
    assert_eq!(claims(&citizen.access)["roles"], json!(["citizen"]));
    let next = tokens_of(&refresh(&g, &citizen.refresh));
    assert_eq!(claims(&next.access)["roles"], json!(["citizen", "supervisor"]));
}

#[test]
fn an_unverified_registration_of_the_address_does_not_capture_the_invitation() {
    let g = Guichet::start();
    let (_, admin) = first_admin(&g);
    // Someone registers the future agent's address with their own password, never verified.
    let squat = g.post("/api/identity/register", &json!({"email": "cible@exemple.fr", "password": "mot de passe du squatteur 42"}), None);
    assert_eq!(squat.status, 202);
    g.post("/api/identity/departments", &json!({"id": "voirie", "name": "Voirie"}), Some(&admin.access));
    let invited = g.post("/api/identity/invitations", &json!({"email": "cible@exemple.fr", "role": "agent", "departments": ["voirie"]}), Some(&admin.access));
    assert_eq!(invited.status, 202);
    // The invitee proves the mailbox: their password replaces the squatter's.
    let accepted = accept(&g, "cible@exemple.fr", PASSWORD, ("Camille", "Cible"));
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(g.sign_in("cible@exemple.fr", "mot de passe du squatteur 42").status, 401);
    assert_eq!(g.sign_in("cible@exemple.fr", PASSWORD).status, 200);
}

#[test]
fn a_role_change_applies_from_the_next_refresh_and_never_removes_the_last_admin() {
    let g = Guichet::start();
    let (admin_id, admin) = first_admin(&g);
    let (agent_id, agent) = agent(&g, &admin.access, "agent@exemple.fr", "etat-civil");
    assert_eq!(claims(&agent.access)["roles"], json!(["citizen", "agent"]));

    let path = format!("/api/identity/agents/{agent_id}");
    let bad = g.send_json("PUT", &path, &json!({"roles": ["agent"], "departments": []}), Some(&admin.access));
    assert_eq!(codes(&bad), [code("departments", "required_for_agent")]);
    let bad = g.send_json("PUT", &path, &json!({"roles": ["boss"], "departments": ["nowhere"], "extra": 1}), Some(&admin.access));
    assert_eq!(codes(&bad), [code("extra", "unknown_field"), code("roles[0]", "unknown_value")]);
    let changed = g.send_json("PUT", &path, &json!({"roles": ["supervisor"], "departments": []}), Some(&admin.access));
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!((changed.json()["roles"].clone(), changed.json()["departments"].clone()), (json!(["supervisor"]), json!([])));

    // The access token in hand keeps its claims until it expires; the next one has the new roles.
    assert_eq!(claims(&agent.access)["roles"], json!(["citizen", "agent"]));
    let next = refresh(&g, &agent.refresh);
    assert_eq!(next.status, 200, "{}", next.body);
    let next = tokens_of(&next);
    assert_eq!(claims(&next.access)["roles"], json!(["citizen", "supervisor"]));
    assert_eq!(claims(&next.access)["departments"], json!([]));
    assert_eq!(g.get(&path, Some(&admin.access)).json()["roles"], json!(["supervisor"]));

    // The only administrator cannot step down...
    let own = format!("/api/identity/agents/{admin_id}");
    let alone = g.send_json("PUT", &own, &json!({"roles": [], "departments": []}), Some(&admin.access));
    assert_eq!((alone.status, codes(&alone)), (409, vec![code("roles", "last_admin")]));
    assert_eq!(g.get(&own, Some(&admin.access)).json()["roles"], json!(["admin"]));
    // ...until someone else is administrator.
    let promoted = g.send_json("PUT", &path, &json!({"roles": ["admin", "supervisor"], "departments": []}), Some(&admin.access));
    assert_eq!(promoted.json()["roles"], json!(["admin", "supervisor"]));
    let stepped_down = g.send_json("PUT", &own, &json!({"roles": [], "departments": []}), Some(&admin.access));
    assert_eq!(stepped_down.status, 200, "{}", stepped_down.body);
    // No role: no longer staff.
    assert_eq!(g.get(&own, Some(&admin.access)).status, 404);
    let after = tokens_of(&refresh(&g, &admin.refresh));
    assert_eq!(claims(&after.access)["roles"], json!(["citizen"]));
    assert_eq!(g.get("/api/identity/agents", Some(&after.access)).status, 403);
}

#[test]
fn disabling_an_account_revokes_its_refresh_tokens_at_once() {
    let g = Guichet::start();
    let (admin_id, admin) = first_admin(&g);
    let citizen = g.citizen("citoyen@exemple.fr");
    let second = g.sign_in("citoyen@exemple.fr", PASSWORD);
    let second = tokens_of(&second);
    let id = me(&g, &citizen.access)["id"].as_str().expect("id").to_owned();

    let disabled = g.post(&format!("/api/identity/accounts/{id}/disable"), &json!({}), Some(&admin.access));
    assert_eq!((disabled.status, disabled.json()), (200, json!({"id": id, "status": "disabled"})));
    for refresh_token in [&citizen.refresh, &second.refresh] {
        assert_eq!(refresh(&g, refresh_token).status, 401);
    }
    assert_eq!(g.sign_in("citoyen@exemple.fr", PASSWORD).status, 403);
    let own = g.post(&format!("/api/identity/accounts/{admin_id}/disable"), &json!({}), Some(&admin.access));
    assert_eq!((own.status, codes(&own)), (409, vec![code("", "own_account")]));
    let unknown = g.post("/api/identity/accounts/0123456789abcdef0123456789abcdef/disable", &json!({}), Some(&admin.access));
    assert_eq!(unknown.status, 404);

    let enabled = g.post(&format!("/api/identity/accounts/{id}/enable"), &json!({}), Some(&admin.access));
    assert_eq!((enabled.status, enabled.json()["status"].clone()), (200, json!("active")));
    // Revoked sign-ins stay revoked; signing in again works.
    assert_eq!(refresh(&g, &citizen.refresh).status, 401);
    assert_eq!(g.sign_in("citoyen@exemple.fr", PASSWORD).status, 200);
}

#[test]
fn a_citizen_token_is_refused_on_every_staff_route() {
    let g = Guichet::start();
    let citizen = g.citizen("citoyen@exemple.fr");
    let id = me(&g, &citizen.access)["id"].as_str().expect("id").to_owned();
    let routes: Vec<(&str, String, Value)> = vec![
        ("GET", "/api/identity/departments".into(), json!({})),
        ("POST", "/api/identity/departments".into(), json!({"id": "x", "name": "X"})),
        ("DELETE", "/api/identity/departments/x".into(), json!({})),
        ("POST", "/api/identity/invitations".into(), json!({"email": "a@exemple.fr", "role": "admin"})),
        ("GET", "/api/identity/agents".into(), json!({})),
        ("GET", format!("/api/identity/agents/{id}"), json!({})),
        ("PUT", format!("/api/identity/agents/{id}"), json!({"roles": ["admin"], "departments": []})),
        ("POST", format!("/api/identity/accounts/{id}/disable"), json!({})),
        ("POST", format!("/api/identity/accounts/{id}/enable"), json!({})),
        ("GET", format!("/api/identity/citizens/{id}?purpose=support"), json!({})),
        ("POST", "/api/identity/citizens/search".into(), json!({"email": "citoyen@exemple.fr", "purpose": "support"})),
    ];
    let agent = g.keys.access_token("demo", "agent-1", &["citizen", "agent"]);
    for (method, path, body) in &routes {
        let reply = g.send_json(method, path, body, Some(&citizen.access));
        assert_eq!(reply.status, 403, "{method} {path}: {}", reply.body);
        let reply = g.send_json(method, path, body, None);
        assert_eq!(reply.status, 401, "{method} {path} without token: {}", reply.body);
        // Agents read departments and citizens, nothing else.
        let reply = g.send_json(method, path, body, Some(&agent));
        let allowed = (*method == "GET" && (path.contains("/departments") || path.contains("/citizens")))
            || path.ends_with("/citizens/search");
        assert_eq!(reply.status == 403, !allowed, "agent {method} {path}: {}", reply.body);
    }
    // The self-service citizen routes still work, and nothing was changed.
    assert_eq!(me(&g, &citizen.access)["roles"], json!(["citizen"]));
}

#[test]
fn staff_reads_of_a_citizen_state_their_purpose_and_are_logged() {
    let g = Guichet::start();
    let citizen = g.citizen("citoyen@exemple.fr");
    let id = me(&g, &citizen.access)["id"].as_str().expect("id").to_owned();
    let agent = g.keys.access_token("demo", "agent-1", &["citizen", "agent"]);
    let db = || rusqlite::Connection::open(g.host.state_dir.join("identity.db")).expect("identity.db");
    let logged = || -> i64 { db().query_row("SELECT COUNT(*) FROM personal_data_reads", [], |r| r.get(0)).expect("count") };

    let missing = g.get(&format!("/api/identity/citizens/{id}"), Some(&agent));
    assert_eq!(codes(&missing), [code("purpose", "required")]);
    let unknown = g.get(&format!("/api/identity/citizens/{id}?purpose=curiosity"), Some(&agent));
    assert_eq!(codes(&unknown), [code("purpose", "unknown_value")]);
    assert_eq!(g.get("/api/identity/citizens/nobody?purpose=support", Some(&agent)).status, 404);
    assert_eq!(logged(), 0, "refused reads are not logged");

    let read = g.get(&format!("/api/identity/citizens/{id}?purpose=handling_request"), Some(&agent));
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.json()["email"], "citoyen@exemple.fr");
    assert_eq!(read.header("cache-control"), Some("no-store"));
    // Looking up by address: a POST, so that the address never sits in a URL (docs/SECURITY.md item 19).
    let search = "/api/identity/citizens/search";
    let found = g.post(search, &json!({"email": "Citoyen@exemple.fr", "purpose": "identity_check"}), Some(&agent));
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.json()["id"], id.as_str());
    let bad = g.post(search, &json!({"email": "not-an-address"}), Some(&agent));
    assert_eq!(codes(&bad), [code("email", "invalid_email"), code("purpose", "required")]);
    assert_eq!(g.post(search, &json!({"email": "personne@exemple.fr", "purpose": "support"}), Some(&agent)).status, 404);
    let in_url = g.get("/api/identity/citizens?email=citoyen%40exemple.fr&purpose=support", Some(&agent));
    assert_eq!(in_url.status, 404, "the query-string form is gone: {}", in_url.body);
    assert!(!in_url.body.contains("citoyen"), "{}", in_url.body);

    let rows: Vec<(String, String, String)> = db()
        .prepare("SELECT reader_id, account_id, purpose FROM personal_data_reads ORDER BY id")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .map(|r| r.expect("row"))
        .collect();
    assert_eq!(
        rows,
        [
            ("agent-1".to_owned(), id.clone(), "handling_request".to_owned()),
            ("agent-1".to_owned(), id.clone(), "identity_check".to_owned()),
        ]
    );
}

#[test]
fn another_communes_tokens_hosts_and_ids_are_refused() {
    let g = Guichet::start();
    let (admin_id, admin) = first_admin(&g);
    let (agent_id, _) = agent(&g, &admin.access, "agent@exemple.fr", "etat-civil");
    let citizen = g.citizen("citoyen@exemple.fr");
    let citizen_id = me(&g, &citizen.access)["id"].as_str().expect("id").to_owned();

    let created = g.post(
        "/api/identity/communes",
        &json!({"id": "autre", "name": "Autre", "hosts": ["autre.localhost"]}),
        Some(PLATFORM_TOKEN),
    );
    assert_eq!(created.status, 201, "{}", created.body);

    // A's administrator token, sent to B's host name: another audience.
    for path in ["/api/identity/agents", "/api/identity/departments", "/api/identity/me"] {
        let reply = g.at("autre.localhost", "GET", path, Some(&admin.access), None);
        assert_eq!(reply.status, 401, "{path}: {}", reply.body);
    }
    assert_eq!(g.at("localhost", "GET", "/api/identity/agents", Some(&admin.access), None).status, 200);

    // B's first administrator: the link points to B's host, and only works there.
    assert_eq!(platform_invites(&g, "autre", "maire@exemple.fr").status, 202);
    let mail = g.mailbox.wait_for(
        "maire@exemple.fr",
        |m| m.text.contains(&format!("https://autre.localhost{ACCEPT_PAGE}#token=")),
        std::time::Duration::from_secs(20),
    );
    let token = token_in(&mail.text, ACCEPT_PAGE);
    let body = json!({"token": token, "password": PASSWORD, "given_name": "Bea", "family_name": "Autre"});
    let elsewhere = g.post("/api/identity/invitations/accept", &body, None);
    assert_eq!(codes(&elsewhere), [code("token", "invalid_or_expired")]);
    let accepted = g.at("autre.localhost", "POST", "/api/identity/invitations/accept", None, Some(&body));
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let b_admin_id = accepted.json()["id"].as_str().expect("id").to_owned();
    assert_ne!(b_admin_id, admin_id, "the same address is another account in another commune");
    let signed = g.at(
        "autre.localhost",
        "POST",
        "/api/identity/token",
        None,
        Some(&json!({"grant_type": "password", "email": "maire@exemple.fr", "password": PASSWORD})),
    );
    assert_eq!(signed.status, 200, "{}", signed.body);
    let b_admin = tokens_of(&signed).access;
    assert_eq!(claims(&b_admin)["aud"], "autre");

    // Every id of commune A is unknown to B's administrator.
    let b = |method: &str, path: String, body: Option<Value>| g.at("autre.localhost", method, &path, Some(&b_admin), body.as_ref());
    for id in [&admin_id, &agent_id, &citizen_id] {
        assert_eq!(b("GET", format!("/api/identity/agents/{id}"), None).status, 404, "{id}");
        let put = b("PUT", format!("/api/identity/agents/{id}"), Some(json!({"roles": [], "departments": []})));
        assert_eq!(put.status, 404, "{id}: {}", put.body);
        assert_eq!(b("POST", format!("/api/identity/accounts/{id}/disable"), Some(json!({}))).status, 404, "{id}");
        assert_eq!(b("POST", format!("/api/identity/accounts/{id}/enable"), Some(json!({}))).status, 404, "{id}");
        assert_eq!(b("GET", format!("/api/identity/citizens/{id}?purpose=support"), None).status, 404, "{id}");
    }
    let search = b("POST", "/api/identity/citizens/search".into(), Some(json!({"email": "citoyen@exemple.fr", "purpose": "support"})));
    assert_eq!(search.status, 404, "{}", search.body);
    assert_eq!(b("DELETE", "/api/identity/departments/etat-civil".into(), None).status, 404);
    let b_staff = b("GET", "/api/identity/agents".into(), None).json();
    assert_eq!(b_staff["agents"].as_array().map(Vec::len), Some(1), "{b_staff}");
    assert_eq!(b_staff["agents"][0]["id"], b_admin_id.as_str());
    assert_eq!(b("GET", "/api/identity/departments".into(), None).json()["departments"], json!([]));
    // Invitations of B cannot name A's departments.
    let crossed = b("POST", "/api/identity/invitations".into(), Some(json!({"email": "x@exemple.fr", "role": "agent", "departments": ["etat-civil"]})));
    assert_eq!(codes(&crossed), [code("departments[0]", "unknown_department")]);

    // Nothing of A changed.
    assert_eq!(g.sign_in("citoyen@exemple.fr", PASSWORD).status, 200);
    assert_eq!(g.get(&format!("/api/identity/agents/{agent_id}"), Some(&admin.access)).json()["roles"], json!(["agent"]));
}

#[test]
fn an_administrator_cannot_turn_invitations_into_a_mailing_list() {
    // Invitations are the only e-mails whose recipient a commune's administrator chooses:
    // their text is fixed, and their number per commune is limited.
    let g = Guichet::start();
    let admin = g.keys.access_token("demo", "admin-1", &["admin"]);
    for i in 0..50 {
        let reply = g.post("/api/identity/invitations", &json!({"email": format!("cible{i}@exemple.fr"), "role": "admin"}), Some(&admin));
        assert_eq!(reply.status, 202, "invitation {i}: {}", reply.body);
    }
    let refused = g.post("/api/identity/invitations", &json!({"email": "cible50@exemple.fr", "role": "admin"}), Some(&admin));
    assert_eq!(refused.status, 429, "{}", refused.body);
    assert!(refused.header("retry-after").is_some());
    let unknown = g.post("/api/identity/invitations", &json!({"email": "x@exemple.fr", "role": "admin", "subject": "Promo", "text": "Cliquez"}), Some(&admin));
    assert_eq!(unknown.status, 400, "no free-form text is accepted: {}", unknown.body);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(g.mailbox.messages().iter().all(|m| m.to != "cible50@exemple.fr"));
}
