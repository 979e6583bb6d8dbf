//! An event the log cannot take is kept, not lost (issue 12, item 5): without
//! `evidence_append_secret` the role change still happens, its event waits in identity's
//! evidence outbox with the reason logged, and the log has nothing it did not acknowledge.

use guichet_tests::guichet::{tokens_of, Guichet, PASSWORD, PLATFORM_TOKEN};
use serde_json::json;

#[test]
fn without_the_secret_a_role_changes_event_waits_in_the_outbox() {
    let g = Guichet::start_with(&[("SPIN_VARIABLE_EVIDENCE_APPEND_SECRET", "")]);
    let invited = g.post("/api/identity/communes/demo/invitations", &json!({"email": "maire@exemple.fr"}), Some(PLATFORM_TOKEN));
    assert_eq!(invited.status, 202, "{}", invited.body);
    let token = g.link_token("maire@exemple.fr", "/account/accept-invitation");
    let accepted = g.post(
        "/api/identity/invitations/accept",
        &json!({"token": token, "password": PASSWORD, "given_name": "Ana", "family_name": "Lys"}),
        None,
    );
    let admin_id = accepted.json()["id"].as_str().expect("id").to_owned();
    let admin = tokens_of(&g.sign_in("maire@exemple.fr", PASSWORD)).access;
    let changed = g.send_json("PUT", &format!("/api/identity/agents/{admin_id}"), &json!({"roles": ["admin", "supervisor"], "departments": []}), Some(&admin));
    assert_eq!(changed.status, 200, "{}", changed.body);

    let conn = rusqlite::Connection::open(g.host.state_dir.join("identity.db")).expect("identity.db");
    let waiting: Vec<String> = conn
        .prepare("SELECT body FROM evidence_outbox")
        .expect("outbox")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .map(|r| r.expect("row"))
        .collect();
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert!(waiting[0].contains("role-changed"), "{waiting:?}");
    assert!(g.host.log().contains("evidence_append_secret is not set"));
    let head = g.get("/api/signatures/evidence/head", None).json();
    assert_eq!(head["tree_size"], 0, "{head}");
}
