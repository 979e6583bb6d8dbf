//! Identity: taking over an address before its owner verifies it (issue #17, finding 2).
//! Registering an address that waits for verification must not change its password, and a
//! verification link must confirm exactly the registration that produced it.

use std::time::Duration;

use guichet_tests::guichet::{token_in, tokens_of, Guichet, PASSWORD};
use serde_json::{json, Value};

const VICTIM: &str = "victor@exemple.fr";
const VERIFY: &str = "/account/verify-email";
/// The victim's password is the harness's, so `Guichet` helpers work for them.
const VICTIMS: &str = PASSWORD;
const ATTACKERS: &str = "trois chats gris dorment sur le toit";

/// Registers `VICTIM` with `password` and `body`'s other members; the secret of the link that
/// this registration produced (the verification e-mail not in `seen` yet).
fn register(g: &Guichet, password: &str, extra: Value, seen: &mut Vec<String>) -> String {
    let mut body = json!({"email": VICTIM, "password": password});
    body.as_object_mut().expect("object").extend(extra.as_object().cloned().unwrap_or_default());
    let reply = g.post("/api/identity/register", &body, None);
    assert_eq!((reply.status, reply.json()), (202, json!({"status": "check_your_email"})), "{}", reply.body);
    let mail = g.mailbox.wait_for(
        VICTIM,
        |m| m.text.contains(VERIFY) && !seen.contains(&token_in(&m.text, VERIFY)),
        Duration::from_secs(20),
    );
    let token = token_in(&mail.text, VERIFY);
    seen.push(token.clone());
    token
}

fn follow(g: &Guichet, token: &str) -> u16 {
    g.post("/api/identity/verify-email", &json!({"token": token}), None).status
}

fn password_hash(g: &Guichet) -> String {
    rusqlite::Connection::open(g.host.state_dir.join("identity.db"))
        .expect("identity.db")
        .query_row("SELECT password_hash FROM accounts WHERE email = ?", [VICTIM], |r| r.get(0))
        .expect("the account")
}

#[test]
fn the_owners_first_link_still_gives_the_password_they_chose_after_someone_registers_again() {
    let g = Guichet::start();
    let mut seen = Vec::new();
    let owners_link = register(&g, VICTIMS, json!({"given_name": "Victor"}), &mut seen);
    // Before the owner opens the e-mail, an attacker registers the same address.
    let attackers_link = register(&g, ATTACKERS, json!({"given_name": "Mallory"}), &mut seen);

    assert_eq!(follow(&g, &owners_link), 200);
    let signed_in = g.sign_in(VICTIM, VICTIMS);
    assert_eq!(signed_in.status, 200, "the owner's own password does not work: {}", signed_in.body);
    assert_eq!(g.sign_in(VICTIM, ATTACKERS).status, 401, "the attacker's password opens the owner's account");
    let me = g.get("/api/identity/me", Some(&tokens_of(&signed_in).access)).json();
    assert_eq!(me["given_name"], "Victor");
    // The attacker's registration lost: its link is dead.
    assert_eq!(follow(&g, &attackers_link), 400);
    assert_eq!(g.sign_in(VICTIM, ATTACKERS).status, 401);
}

#[test]
fn a_registration_made_before_the_owners_never_gets_their_account() {
    let g = Guichet::start();
    let mut seen = Vec::new();
    let attackers_link = register(&g, ATTACKERS, json!({"given_name": "Mallory", "consents": ["newsletter"]}), &mut seen);
    let owners_link = register(&g, VICTIMS, json!({"given_name": "Victor", "language": "en"}), &mut seen);

    assert_eq!(follow(&g, &owners_link), 200);
    let signed_in = g.sign_in(VICTIM, VICTIMS);
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    assert_eq!(g.sign_in(VICTIM, ATTACKERS).status, 401);
    let access = tokens_of(&signed_in).access;
    // What the owner confirmed is their registration, all of it: not the attacker's names,
    // language or consents.
    let me = g.get("/api/identity/me", Some(&access)).json();
    assert_eq!((me["given_name"].clone(), me["language"].clone()), (json!("Victor"), json!("en")));
    let consents = g.get("/api/identity/me/consents", Some(&access)).json();
    assert_eq!(consents["consents"], json!([]), "consents the owner never gave: {consents}");
    assert_eq!(follow(&g, &attackers_link), 400, "the attacker's link still works");
    assert_eq!(g.sign_in(VICTIM, ATTACKERS).status, 401);
    assert_eq!(g.sign_in(VICTIM, VICTIMS).status, 200);
}

#[test]
fn registering_an_address_that_waits_for_verification_does_not_change_its_password() {
    let g = Guichet::start();
    let mut seen = Vec::new();
    register(&g, ATTACKERS, json!({}), &mut seen);
    let before = password_hash(&g);
    register(&g, VICTIMS, json!({}), &mut seen);
    assert_eq!(password_hash(&g), before);
    // Unverified: the first registration's password is refused as unconfirmed (403), the
    // second's is no password of this account yet (401).
    assert_eq!(g.sign_in(VICTIM, ATTACKERS).status, 403);
    assert_eq!(g.sign_in(VICTIM, VICTIMS).status, 401);
}

#[test]
fn an_intercepted_link_confirms_only_the_registration_that_produced_it() {
    let g = Guichet::start();
    let mut seen = Vec::new();
    let attackers_link = register(&g, ATTACKERS, json!({}), &mut seen);
    let owners_link = register(&g, VICTIMS, json!({}), &mut seen);
    // The attacker reads the mailbox and follows the link of their own registration: it
    // confirms that registration (the mailbox was in their hands), never the owner's password.
    assert_eq!(follow(&g, &attackers_link), 200);
    assert_eq!(g.sign_in(VICTIM, VICTIMS).status, 401, "the attacker's link activated the owner's password");
    assert_eq!(follow(&g, &owners_link), 400, "a second registration confirmed over a verified account");
    // The owner's way back is the reset, which proves the mailbox again and ends every sign-in.
    assert_eq!(g.post("/api/identity/password-reset", &json!({"email": VICTIM}), None).status, 202);
    let reset = g.link_token(VICTIM, "/account/reset-password");
    let confirm = g.post("/api/identity/password-reset/confirm", &json!({"token": reset, "password": VICTIMS}), None);
    assert_eq!(confirm.status, 200, "{}", confirm.body);
    assert_eq!(g.sign_in(VICTIM, VICTIMS).status, 200);
    assert_eq!(g.sign_in(VICTIM, ATTACKERS).status, 401);
}
