//! The administrators' pages for client apps and messages (issue #14 item 4), through the
//! built components: Open311 API keys and webhooks' secrets shown once then never again,
//! revoked, rotated and deleted; a message template previewed with sample data, refused
//! with what was typed kept, saved and set back to the default.

use serde_json::Value;

use crate::admin_setup::{assert_moved, assert_page, post_from};
use crate::admin_support;


/// The secret of `<code id="issued-secret">` on the page.
fn issued(page: &str) -> String {
    let start = page.find("<code id=\"issued-secret\">").map(|i| i + "<code id=\"issued-secret\">".len()).expect("an issued secret");
    page[start..].split('<').next().unwrap_or_default().to_owned()
}

#[test]
fn an_api_key_is_shown_once_listed_without_it_and_revoked() {
    let g = admin_support::start();
    let team = admin_support::team(&g);
    let mut admin = admin_support::browser(&g, &team.admin.email);
    let keys = "/admin/setup/api-keys";

    let unnamed = post_from(&mut admin, &g, keys, keys, &[("name", "  ")]);
    assert_page(&unnamed, 422, "name");
    let made = post_from(&mut admin, &g, keys, keys, &[("name", "FixMyStreet <test>")]);
    assert_page(&made, 200, "issued-secret");
    assert_eq!(made.header("cache-control"), Some("no-store"));
    let key = issued(&made.body);
    assert!(key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()), "{key}");
    let list = admin.get(&g, keys);
    assert_page(&list, 200, "FixMyStreet &#60;test&#62;");
    assert!(!list.body.contains(&key), "the key is shown again");

    let listed: Value = g.get("/api/requests/api-keys", Some(&team.admin.access)).json();
    let id = listed["api_keys"][0]["id"].as_str().expect("id").to_owned();
    let revoked = post_from(&mut admin, &g, keys, &format!("{keys}/{id}/revoke"), &[]);
    assert_moved(&revoked, "/admin/setup/api-keys?done=revoked");
    let listed: Value = g.get("/api/requests/api-keys", Some(&team.admin.access)).json();
    assert!(listed["api_keys"][0]["revoked_at"].is_string(), "{listed}");
}

#[test]
fn a_webhooks_secret_is_shown_once_at_creation_and_rotation_and_the_webhook_deleted() {
    let g = admin_support::start();
    let team = admin_support::team(&g);
    let mut admin = admin_support::browser(&g, &team.admin.email);
    let hooks = "/admin/setup/webhooks";

    let wrong = post_from(&mut admin, &g, hooks, hooks, &[("url", "ftp://sig.mairie-demo.fr/h"), ("events", "request-filed")]);
    assert_page(&wrong, 422, "error-summary");
    assert!(wrong.body.contains("value=\"ftp://sig.mairie-demo.fr/h\"") && wrong.body.contains("value=\"request-filed\" checked"), "{}", wrong.body);
    let made = post_from(&mut admin, &g, hooks, hooks, &[("url", "https://sig.mairie-demo.fr/h"), ("events", "request-filed")]);
    assert_page(&made, 200, "issued-secret");
    let first = issued(&made.body);
    assert!(first.starts_with("whsec_"), "{first}");
    let list = admin.get(&g, hooks);
    assert_page(&list, 200, "https://sig.mairie-demo.fr/h");
    assert!(!list.body.contains(&first), "the secret is shown again");

    let listed: Value = g.get("/api/notifications/webhooks", Some(&team.admin.access)).json();
    let id = listed["webhooks"][0]["id"].as_str().expect("id").to_owned();
    let rotated = post_from(&mut admin, &g, hooks, &format!("{hooks}/{id}/rotate"), &[]);
    assert_page(&rotated, 200, "issued-secret");
    let second = issued(&rotated.body);
    assert!(second.starts_with("whsec_") && second != first, "{second}");
    let deleted = post_from(&mut admin, &g, hooks, &format!("{hooks}/{id}/delete"), &[]);
    assert_moved(&deleted, "/admin/setup/webhooks?done=deleted");
    let listed: Value = g.get("/api/notifications/webhooks", Some(&team.admin.access)).json();
    assert_eq!(listed["webhooks"].as_array().map(Vec::len), Some(0), "{listed}");
}

#[test]
fn a_message_template_is_previewed_refused_with_its_text_kept_saved_and_reset() {
    let g = admin_support::start();
    let team = admin_support::team(&g);
    let mut admin = admin_support::browser(&g, &team.admin.email);
    let list = admin.get(&g, "/admin/setup/templates");
    let edit = "/admin/setup/templates/request_filed/fr/email";
    assert_page(&list, 200, &format!("href=\"{edit}\""));
    assert_page(&admin.get(&g, edit), 200, "{{ reference }}");

    let preview = post_from(&mut admin, &g, edit, edit, &[("subject", "Demande {{ reference }}"), ("text", "Bonjour, votre demande {{ reference }} est reçue."), ("html", ""), ("preview", "true")]);
    assert_page(&preview, 200, "Bonjour, votre demande 2026-000123 est reçue.");
    let own: Value = g.get("/api/notifications/templates/request_filed/fr/email", Some(&team.admin.access)).json();
    assert_eq!(own["customised"], false, "a preview saves nothing");

    let refused = post_from(&mut admin, &g, edit, edit, &[("subject", "Demande"), ("text", "Bonjour {{ inconnu }}")]);
    assert_page(&refused, 422, "error-summary");
    assert!(refused.body.contains("Bonjour {{ inconnu }}</textarea>"), "{}", refused.body);

    let saved = post_from(&mut admin, &g, edit, edit, &[("subject", "Demande {{ reference }}"), ("text", "Reçue : {{ reference }}.")]);
    assert_moved(&saved, &format!("{edit}?done=saved"));
    let own: Value = g.get("/api/notifications/templates/request_filed/fr/email", Some(&team.admin.access)).json();
    assert_eq!(own["text"], "Reçue : {{ reference }}.", "{own}");
    let reset = post_from(&mut admin, &g, edit, &format!("{edit}/reset"), &[]);
    assert_moved(&reset, &format!("{edit}?done=reset"));
    let again = post_from(&mut admin, &g, edit, &format!("{edit}/reset"), &[]);
    assert_moved(&again, &format!("{edit}?done=default"));
    let own: Value = g.get("/api/notifications/templates/request_filed/fr/email", Some(&team.admin.access)).json();
    assert_eq!(own["customised"], false, "{own}");
}
