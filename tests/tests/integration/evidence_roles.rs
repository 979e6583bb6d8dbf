//! The evidence log through the host (issue 12, item 5): a role change made in identity goes
//! to signatures' log by service chaining, and its entry proves its inclusion in a tree head
//! signed with the commune's published key; the published heads stay consistent as the log
//! grows.

use guichet_tests::guichet::{tokens_of, Guichet, PASSWORD, PLATFORM_TOKEN};
use guichet_verify::evidence::verify_tree_head;
use guichet_verify::jws::Jwks;
use guichet_verify::merkle::{self, Hash};
use serde_json::{json, Value};

const LOG: &str = "/api/signatures/evidence";

fn accept(g: &Guichet, email: &str) -> String {
    let token = g.link_token(email, "/account/accept-invitation");
    let accepted = g.post(
        "/api/identity/invitations/accept",
        &json!({"token": token, "password": PASSWORD, "given_name": "Ana", "family_name": "Lys"}),
        None,
    );
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    accepted.json()["id"].as_str().expect("id").to_owned()
}

fn hashes(list: &Value) -> Vec<Hash> {
    list.as_array()
        .expect("proof")
        .iter()
        .map(|h| merkle::from_hex(h.as_str().expect("hex")).expect("a hash"))
        .collect()
}

#[test]
fn a_role_change_in_identity_appears_in_the_log_with_a_valid_inclusion_proof() {
    let g = Guichet::start();
    let invited = g.post(
        "/api/identity/communes/demo/invitations",
        &json!({"email": "maire@exemple.fr"}),
        Some(PLATFORM_TOKEN),
    );
    assert_eq!(invited.status, 202, "{}", invited.body);
    let admin_id = accept(&g, "maire@exemple.fr");
    let admin = tokens_of(&g.sign_in("maire@exemple.fr", PASSWORD)).access;
    let made = g.post("/api/identity/departments", &json!({"id": "voirie", "name": "Voirie"}), Some(&admin));
    assert_eq!(made.status, 201, "{}", made.body);
    let invited = g.post(
        "/api/identity/invitations",
        &json!({"email": "agent@exemple.fr", "role": "agent", "departments": ["voirie"]}),
        Some(&admin),
    );
    assert_eq!(invited.status, 202, "{}", invited.body);
    let agent_id = accept(&g, "agent@exemple.fr");

    let before = g.get(&format!("{LOG}/head"), None);
    assert_eq!(before.status, 200, "{}", before.body);
    let before = before.json();

    let changed = g.send_json(
        "PUT",
        &format!("/api/identity/agents/{agent_id}"),
        &json!({"roles": ["supervisor"], "departments": []}),
        Some(&admin),
    );
    assert_eq!(changed.status, 200, "{}", changed.body);

    // The entry is there, naming who changed what.
    let listed = g.get(&format!("{LOG}/entries"), Some(&admin));
    assert_eq!(listed.status, 200, "{}", listed.body);
    let listed = listed.json();
    let found = listed["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["event"]["action"] == "role-changed" && e["event"]["subject"] == agent_id.as_str())
        .unwrap_or_else(|| panic!("no role-changed entry in {listed}"))
        .clone();
    let event = &found["event"];
    assert_eq!(event["source"], "identity");
    assert_eq!(event["actor"], admin_id.as_str());
    let details: Vec<(String, String)> = event["details"]
        .as_array()
        .expect("details")
        .iter()
        .map(|d| (d["name"].as_str().unwrap().to_owned(), d["value"].as_str().unwrap().to_owned()))
        .collect();
    assert!(details.contains(&("roles_before".into(), "agent".into())), "{details:?}");
    assert!(details.contains(&("roles".into(), "supervisor".into())), "{details:?}");

    // Its inclusion proof leads to a tree head signed with the commune's published key.
    let index = found["index"].as_u64().expect("index");
    let proved = g.get(&format!("{LOG}/entries/{index}"), Some(&admin));
    assert_eq!(proved.status, 200, "{}", proved.body);
    let proved = proved.json();
    let keys: Jwks = serde_json::from_str(&g.get("/api/signatures/keys", None).body).expect("jwks");
    let head = verify_tree_head(proved["tree_head"].as_str().expect("head"), "demo", &keys).expect("a signed head");
    assert_eq!(proved["tree_size"].as_u64(), Some(head.tree_size));
    let entry = proved["entry"].as_str().expect("entry");
    let root = merkle::from_hex(&head.root_hash).expect("root");
    let proof = hashes(&proved["proof"]);
    assert!(merkle::verify_inclusion(index, head.tree_size, &merkle::leaf_hash(entry.as_bytes()), &proof, &root));
    let mut flipped = entry.as_bytes().to_vec();
    flipped[10] ^= 0x01;
    assert!(!merkle::verify_inclusion(index, head.tree_size, &merkle::leaf_hash(&flipped), &proof, &root));

    // The head kept before the change is a prefix of the new one, and both are published.
    let first = before["tree_size"].as_u64().expect("size");
    let consistency = g.get(&format!("{LOG}/consistency?first={first}&second={}", head.tree_size), None);
    assert_eq!(consistency.status, 200, "{}", consistency.body);
    let old_root = merkle::from_hex(before["root_hash"].as_str().expect("root")).expect("root");
    assert!(merkle::verify_consistency(first, head.tree_size, &old_root, &root, &hashes(&consistency.json()["proof"])));
    let heads = g.get(&format!("{LOG}/heads"), None).json();
    let sizes: Vec<u64> = heads["heads"].as_array().expect("heads").iter().filter_map(|h| h["tree_size"].as_u64()).collect();
    assert!(sizes.contains(&first) && sizes.contains(&head.tree_size), "{sizes:?}");

    // Disabling the account is logged too, by the same outbox.
    let disabled = g.post(&format!("/api/identity/accounts/{agent_id}/disable"), &json!({}), Some(&admin));
    assert_eq!(disabled.status, 200, "{}", disabled.body);
    let listed = g.get(&format!("{LOG}/entries?after={index}"), Some(&admin)).json();
    assert!(
        listed["entries"].as_array().expect("entries").iter().any(|e| e["event"]["action"] == "account-disabled"
            && e["event"]["subject"] == agent_id.as_str()),
        "{listed}"
    );

    // Entries name accounts: not for agents nor the public; bad sizes are named.
    assert_eq!(g.get(&format!("{LOG}/entries"), None).status, 401);
    let bad = g.get(&format!("{LOG}/consistency?first={}&second={}", head.tree_size + 1, head.tree_size), None);
    assert_eq!((bad.status, bad.json()["errors"][0]["field"].clone()), (400, json!("first")));
    let bad = g.get(&format!("{LOG}/consistency?first=x"), None);
    assert_eq!((bad.status, bad.json()["errors"][0]["field"].clone()), (400, json!("first")));
    let bad = g.get(&format!("{LOG}/consistency?first=0&second={}", head.tree_size + 100), None);
    assert_eq!((bad.status, bad.json()["errors"][0]["field"].clone()), (400, json!("second")));
}
