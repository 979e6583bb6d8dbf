//! The commune's branding set by its own administrator (issue #14 item 4): identity's
//! `PUT /api/identity/branding` changes the branding of the administrator's commune and
//! nothing else, for the `admin` role only; the set-up page uses it and names a wrong colour
//! with what was typed kept.

use guichet_tests::guichet::PLATFORM_TOKEN;
use serde_json::{json, Value};

use crate::admin_setup::post_from;
use crate::admin_support;

#[test]
fn a_communes_administrator_replaces_its_branding_and_nothing_else_through_the_api() {
    let g = admin_support::start();
    let team = admin_support::team(&g);
    let before: Value = g.get("/api/identity/commune", None).json();

    let put = |body: &Value, token: Option<&str>| g.send_json("PUT", "/api/identity/branding", body, token);
    let changed = put(&json!({"primary_color": "#0B4F9C", "logo_text": "  Ville de Démo "}), Some(&team.admin.access));
    assert_eq!(changed.status, 200, "{}", changed.body);
    let after: Value = g.get("/api/identity/commune", None).json();
    assert_eq!(after["branding"], json!({"primary_color": "#0B4F9C", "logo_text": "Ville de Démo"}), "{after}");
    assert_eq!(after["hosts"], before["hosts"]);
    assert_eq!(after["public_origin"], before["public_origin"]);
    assert_eq!(after["name"], before["name"]);
    let listed = g.get("/api/signatures/evidence/entries", Some(&team.admin.access)).json();
    let logged = listed["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|e| e["event"]["action"] == "branding-changed")
        .unwrap_or_else(|| panic!("no branding-changed entry in {listed}"));
    assert_eq!(logged["event"]["actor"], team.admin.id.as_str(), "{logged}");
    assert!(logged["event"]["details"].to_string().contains("Ville de Démo"), "{logged}");

    for (token, status) in [(Some(team.agent.access.as_str()), 403), (Some(team.supervisor.access.as_str()), 403), (Some(PLATFORM_TOKEN), 401), (None, 401)] {
        let refused = put(&json!({"logo_text": "Pirate"}), token);
        assert_eq!(refused.status, status, "{}", refused.body);
    }
    let wrong = put(&json!({"primary_color": "blue", "logo_text": "x".repeat(61)}), Some(&team.admin.access));
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    let answer = wrong.json();
    let fields: Vec<&str> = answer["errors"].as_array().into_iter().flatten().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["primary_color", "logo_text"], "{}", wrong.body);
    let more = put(&json!({"hosts": ["evil.example"]}), Some(&team.admin.access));
    assert_eq!(more.status, 400, "{}", more.body);
    assert_eq!(g.get("/api/identity/commune", None).json()["branding"]["logo_text"], "Ville de Démo");

    // null (or blank) removes a member.
    assert_eq!(put(&json!({"primary_color": null, "logo_text": ""}), Some(&team.admin.access)).status, 200);
    assert_eq!(g.get("/api/identity/commune", None).json()["branding"], json!({}));
}

#[test]
fn the_branding_page_saves_the_logo_text_and_colour_and_names_a_wrong_colour() {
    let g = admin_support::start();
    let team = admin_support::team(&g);
    let mut admin = admin_support::browser(&g, &team.admin.email);
    let page = "/admin/setup/branding";

    let wrong = post_from(&mut admin, &g, page, page, &[("logo_text", "Mairie <de> Démo"), ("primary_color", "bleu")]);
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    assert!(wrong.body.contains("primary_color") && wrong.body.contains("value=\"bleu\""), "{}", wrong.body);
    assert!(wrong.body.contains("value=\"Mairie &#60;de&#62; Démo\""), "{}", wrong.body);

    let saved = post_from(&mut admin, &g, page, page, &[("logo_text", "Mairie de Démo"), ("primary_color", "#1a7f37")]);
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(saved.header("location"), Some("/admin/setup/branding?done=saved"));
    let shown = admin.get(&g, "/admin/setup/branding?done=saved");
    assert!(shown.body.contains("value=\"Mairie de Démo\"") && shown.body.contains("value=\"#1a7f37\""), "{}", shown.body);
    assert_eq!(g.get("/api/identity/commune", None).json()["branding"]["primary_color"], "#1a7f37");
}
