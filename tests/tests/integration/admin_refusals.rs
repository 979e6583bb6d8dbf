//! Every back-office page refuses whoever may not see it (issue #14 item 6), read from the
//! OpenAPI document (`docs/openapi.json`, tag `back-office`, each operation's
//! `x-guichet-roles`: the staff roles that may use it), so that a page added there is checked
//! here without a new test: a guest is sent to sign in, a citizen gets the 403 page on every
//! page and form, a role not listed gets the 403 page, a listed one gets the page; an agent
//! of another department is refused a request that is not theirs.

use serde_json::Value;

use crate::admin_support::{self, Team};
use crate::portal_support::Browser;
use crate::requests_support::{citizen, file_pothole};

/// Every back-office operation: (method, path with `{reference}` filled, roles allowed,
/// whether an `{id}` was filled with one that names nothing).
fn operations(reference: &str) -> Vec<(String, String, Vec<String>, bool)> {
    let text = std::fs::read_to_string(guichet_tests::root().join("docs/openapi.json")).expect("openapi.json");
    let doc: Value = serde_json::from_str(&text).expect("openapi json");
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let tagged = op["tags"].as_array().is_some_and(|t| t.iter().any(|t| t == "back-office"));
            if !tagged {
                continue;
            }
            assert!(path.starts_with("/admin"), "{path} is tagged back-office");
            let roles: Vec<String> = op["x-guichet-roles"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path} has no x-guichet-roles"))
                .iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect();
            // Path parameters: the filed request, or an id no form needs to exist (POSTs are
            // only sent by those refused before anything is read). Required query parameters
            // take their documented `example`.
            let mut concrete = path.replace("{reference}", reference);
            for parameter in op["parameters"].as_array().into_iter().flatten().filter(|p| p["in"] == "path") {
                if let (Some(name), Some(example)) = (parameter["name"].as_str(), parameter["example"].as_str()) {
                    if name != "reference" {
                        concrete = concrete.replace(&format!("{{{name}}}"), example);
                    }
                }
            }
            let concrete_before_ids = concrete.clone();
            let mut concrete = concrete.replace("{id}", "0");
            assert!(!concrete.contains('{'), "{path}: a path parameter this test cannot fill");
            let required: Vec<String> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "query" && p["required"] == true)
                        .map(|p| {
                            let example = p["example"].as_str().unwrap_or_else(|| panic!("{method} {path}: no example for {}", p["name"]));
                            format!("{}={example}", p["name"].as_str().unwrap_or_default())
                        })
                        .collect()
                })
                .unwrap_or_default();
            if !required.is_empty() {
                concrete = format!("{concrete}?{}", required.join("&"));
            }
            // A page of one record named by a placeholder id answers its 404 to a listed role.
            let made_up = concrete_before_ids.contains("{id}") || concrete.ends_with("/0") || concrete.contains("/0/");
            found.push((method.to_uppercase(), concrete, roles, made_up));
        }
    }
    assert!(found.len() >= 6, "the back-office's pages are listed: {found:?}");
    found
}

fn call(browser: &mut Browser, g: &guichet_tests::guichet::Guichet, method: &str, path: &str) -> guichet_tests::Reply {
    match method {
        "GET" => browser.get(g, path),
        _ => {
            // The browser's own form token: a refusal must not come from CSRF.
            let page = browser.get(g, "/services/pothole/form");
            let csrf = admin_support::hidden(&page.body, "csrf");
            browser.post_form(g, path, &[("csrf", &csrf)])
        }
    }
}

#[test]
fn every_back_office_page_refuses_guests_citizens_and_roles_it_is_not_for() {
    let g = admin_support::start();
    let team: Team = admin_support::team(&g);
    let filed = file_pothole(&g, Some(&citizen(&g, "alice")));
    let operations = operations(&filed.reference);

    let mut citizen_browser = admin_support::browser(&g, &team.citizen);
    let mut members = [
        ("agent", admin_support::browser(&g, &team.agent.email)),
        ("supervisor", admin_support::browser(&g, &team.supervisor.email)),
        ("admin", admin_support::browser(&g, &team.admin.email)),
    ];
    for (method, path, roles, made_up_id) in &operations {
        let guest = call(&mut Browser::default(), &g, method, path);
        assert_eq!(guest.status, 303, "guest {method} {path}: {}", guest.body);
        let refused = call(&mut citizen_browser, &g, method, path);
        assert_eq!(refused.status, 403, "citizen {method} {path}: {}", refused.body);
        if method != "GET" {
            continue;
        }
        for (role, browser) in members.iter_mut() {
            let reply = call(browser, &g, method, path);
            if roles.iter().any(|r| r == role) {
                // Let through: the page, or for a made-up id the absent object (not a 403).
                let expected = if *made_up_id { 404 } else { 200 };
                assert_eq!(reply.status, expected, "{role} {method} {path}: {}", reply.body);
            } else {
                assert_eq!(reply.status, 403, "{role} must be refused {method} {path}: {}", reply.body);
            }
        }
    }

    // A request of another department: refused, whatever the page.
    let mut other = admin_support::browser(&g, &team.other_agent.email);
    for (method, path, _, _) in operations.iter().filter(|(m, p, _, _)| m == "GET" && p.contains(&filed.reference)) {
        let reply = call(&mut other, &g, method, path);
        assert!(matches!(reply.status, 403 | 404), "agent of culture {method} {path}: {} {}", reply.status, reply.body);
        assert!(!reply.body.contains("boulangerie"), "nothing of the request shows: {}", reply.body);
    }
}
