//! What the back-office tests share: Guichet with the portal's and the relay's secrets, real
//! staff accounts (the platform invites the first administrator, who builds a team by
//! e-mailed invitations), and a browser signed in as one of them on identity's pages.
//!
//! Use: `let g = admin_support::start(); let team = admin_support::team(&g);` then
//! `let mut agent = admin_support::browser(&g, &team.agent);` and
//! `agent.get(&g, "/admin")`.

#![allow(dead_code, reason = "each test module uses a different part")]

use guichet_tests::guichet::{tokens_of, Guichet, PASSWORD, PLATFORM_TOKEN};
use serde_json::json;

use crate::portal_support::{self, Browser};

/// The relay's secret in tests.
pub const RELAY_SECRET: &str = "staff-relay-test-secret-0123456789";

/// Guichet whose portal files, sees citizens' sessions and relays agents' calls.
pub fn start() -> Guichet {
    Guichet::start_with(&[
        ("SPIN_VARIABLE_PORTAL_FILING_SECRET", portal_support::FILING_SECRET),
        ("SPIN_VARIABLE_PORTAL_SESSION_SECRET", portal_support::SESSION_SECRET),
        ("SPIN_VARIABLE_STAFF_RELAY_SECRET", RELAY_SECRET),
    ])
}

/// A staff account: its id, e-mail and an API access token (for set-up through the API).
#[derive(Debug, Clone)]
pub struct Member {
    pub id: String,
    pub email: String,
    pub access: String,
}

/// The demo commune's team: an administrator, a supervisor, an agent of `roads` (potholes),
/// an agent of `culture`, and a citizen.
pub struct Team {
    pub admin: Member,
    pub supervisor: Member,
    pub agent: Member,
    pub other_agent: Member,
    pub citizen: String,
}

/// Accepts the newest invitation e-mailed to `email`: the account's id.
fn accept(g: &Guichet, email: &str) -> String {
    let token = g.link_token(email, "/account/accept-invitation");
    let accepted = g.post(
        "/api/identity/invitations/accept",
        &json!({"token": token, "password": PASSWORD, "given_name": "Test", "family_name": email}),
        None,
    );
    assert_eq!(accepted.status, 200, "accepting {email}: {}", accepted.body);
    accepted.json()["id"].as_str().expect("id").to_owned()
}

fn signed_in(g: &Guichet, email: &str, id: String) -> Member {
    let reply = g.sign_in(email, PASSWORD);
    assert_eq!(reply.status, 200, "sign in {email}: {}", reply.body);
    Member { id, email: email.to_owned(), access: tokens_of(&reply).access }
}

/// The first administrator of the demo commune.
pub fn first_admin(g: &Guichet) -> Member {
    let email = "maire@exemple.fr";
    let invited = g.post("/api/identity/communes/demo/invitations", &json!({"email": email}), Some(PLATFORM_TOKEN));
    assert_eq!(invited.status, 202, "{}", invited.body);
    let id = accept(g, email);
    signed_in(g, email, id)
}

/// A member with `role` (and `departments`, created when missing) invited by `admin`.
pub fn member(g: &Guichet, admin: &Member, email: &str, role: &str, departments: &[&str]) -> Member {
    for department in departments {
        let created = g.post("/api/identity/departments", &json!({"id": department, "name": department}), Some(&admin.access));
        assert!(created.status == 201 || created.status == 409, "{}", created.body);
    }
    let invited = g.post(
        "/api/identity/invitations",
        &json!({"email": email, "role": role, "departments": departments}),
        Some(&admin.access),
    );
    assert_eq!(invited.status, 202, "{}", invited.body);
    let id = accept(g, email);
    signed_in(g, email, id)
}

/// The whole team (see [`Team`]).
pub fn team(g: &Guichet) -> Team {
    let admin = first_admin(g);
    let supervisor = member(g, &admin, "cheffe@exemple.fr", "supervisor", &[]);
    let agent = member(g, &admin, "agent.voirie@exemple.fr", "agent", &["roads"]);
    let other_agent = member(g, &admin, "agent.culture@exemple.fr", "agent", &["culture"]);
    g.verified_citizen("citoyenne@exemple.org");
    Team { admin, supervisor, agent, other_agent, citizen: "citoyenne@exemple.org".to_owned() }
}

/// A browser signed in as `email` on identity's pages.
pub fn browser(g: &Guichet, email: &str) -> Browser {
    let mut browser = Browser::default();
    browser.sign_in(g, email);
    browser
}

/// The value of the hidden field `name` of an HTML page.
pub fn hidden(html: &str, name: &str) -> String {
    portal_support::hidden(html, name)
}
