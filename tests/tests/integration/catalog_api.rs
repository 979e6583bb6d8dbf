//! The catalogue's administration and public API, through the real host: drafts, versions,
//! archiving, validation (every error at once, nothing written), tokens, import/export,
//! caching, and the demo catalogue.

use crate::catalog_support;

use catalog_support::{definition, errors, simple, Catalog};
use serde_json::{json, Value};

const ADMIN_SERVICES: &str = "/api/catalog/admin/services";

fn has(found: &[(String, String)], field: &str, code: &str) -> bool {
    found.iter().any(|(f, c)| f == field && c == code)
}

#[test]
fn an_admin_creates_edits_and_publishes_a_service_and_an_edit_after_publishing_leaves_version_one_alone() {
    let catalog = Catalog::empty();
    let mut service = definition("dog-licence");

    let created = catalog.admin_call("POST", ADMIN_SERVICES, Some(&service));
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.header("location"), Some("/api/catalog/admin/services/dog-licence"));
    let view = created.json();
    assert_eq!(view["status"], "draft");
    assert_eq!(view["published_version"], Value::Null);
    assert_eq!(view["draft"]["name"]["en"], "Dog licence");
    // A draft is not public.
    assert_eq!(catalog.get("/api/catalog/services/dog-licence").status, 404);
    assert_eq!(catalog.get("/api/catalog/services").json()["services"], json!([]));

    // The same code again is a conflict.
    let again = catalog.admin_call("POST", ADMIN_SERVICES, Some(&service));
    assert_eq!(again.status, 409, "{}", again.body);
    assert_eq!(errors(&again), vec![("code".to_owned(), "exists".to_owned())]);

    // Editing the draft before publishing.
    service["processing_days"] = json!(12);
    let edited = catalog.admin_call("PUT", &format!("{ADMIN_SERVICES}/dog-licence"), Some(&service));
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(edited.json()["draft"]["processing_days"], 12);

    assert_eq!(catalog.publish("dog-licence"), 1);
    let public = catalog.get("/api/catalog/services/dog-licence?lang=en").json();
    assert_eq!(public["version"], 1);
    assert_eq!(public["name"], "Dog licence");
    assert_eq!(public["processing_days"], 12);
    assert_eq!(public["form"]["fields"][0]["label"], "Breed", "rendered in English");
    let french = catalog.get("/api/catalog/services/dog-licence").json();
    assert_eq!(french["name"], "Permis de chien", "French by default");
    assert_eq!(french["lang"], "fr");

    // An edit after publishing changes the draft only.
    service["name"] = json!({"fr": "Permis de chien (nouveau)", "en": "Dog licence (new)"});
    let edited = catalog.admin_call("PUT", &format!("{ADMIN_SERVICES}/dog-licence"), Some(&service));
    assert_eq!(edited.status, 200, "{}", edited.body);
    let view = edited.json();
    assert_eq!(view["status"], "published");
    assert_eq!(view["published_version"], 1);
    assert_eq!(view["unpublished_changes"], true);
    assert_eq!(catalog.get("/api/catalog/services/dog-licence?lang=en").json()["name"], "Dog licence");

    assert_eq!(catalog.publish("dog-licence"), 2);
    assert_eq!(catalog.get("/api/catalog/services/dog-licence?lang=en").json()["name"], "Dog licence (new)");
    let first = catalog.get("/api/catalog/services/dog-licence?lang=en&version=1").json();
    assert_eq!(first["version"], 1);
    assert_eq!(first["name"], "Dog licence", "version 1 is immutable");

    let view = catalog.admin_call("GET", &format!("{ADMIN_SERVICES}/dog-licence"), None).json();
    let versions: Vec<i64> = view["versions"].as_array().expect("versions").iter().map(|v| v["version"].as_i64().unwrap_or(0)).collect();
    assert_eq!(versions, vec![1, 2]);
    assert_eq!(view["unpublished_changes"], false);
    assert_eq!(view["versions"][0]["published_by"], "admin-1");

    let list = catalog.admin_call("GET", ADMIN_SERVICES, None).json();
    assert_eq!(list["services"][0]["code"], "dog-licence");
    assert_eq!(list["services"][0]["status"], "published");
}

#[test]
fn the_public_list_shows_published_services_in_the_language_asked_filtered_by_group() {
    let catalog = Catalog::empty();
    catalog.publish_new(&simple("dog-licence", "animals", "Permis de chien", "Dog licence"));
    catalog.publish_new(&simple("birth-certificate", "civil-status", "Acte de naissance", "Birth certificate"));
    let draft = simple("draft-only", "animals", "Brouillon", "Draft");
    assert_eq!(catalog.admin_call("POST", ADMIN_SERVICES, Some(&draft)).status, 201);

    let list = catalog.get("/api/catalog/services?lang=en").json();
    let names: Vec<&str> = list["services"].as_array().expect("list").iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(names, vec!["Dog licence", "Birth certificate"], "by group name (Animals, Civil status), drafts left out");
    let first = &list["services"][0];
    for member in ["code", "group", "group_name", "name", "description", "channel", "fee", "processing_days", "version"] {
        assert!(first.get(member).is_some(), "{member} missing from {first}");
    }
    assert_eq!(first["fee"], json!({"amount_cents": 2500, "currency": "EUR", "due": "on-filing"}));

    let animals = catalog.get("/api/catalog/services?group=animals").json();
    assert_eq!(animals["services"].as_array().map(Vec::len), Some(1));
    assert_eq!(animals["services"][0]["name"], "Permis de chien");

    let groups = catalog.get("/api/catalog/groups?lang=fr").json();
    assert_eq!(
        groups["groups"],
        json!([{"code": "animals", "name": "Animaux", "services": 1}, {"code": "civil-status", "name": "État civil", "services": 1}])
    );
}

#[test]
fn archiving_hides_a_service_from_lists_search_and_open311_but_keeps_its_versions() {
    let catalog = Catalog::empty();
    catalog.publish_new(&simple("dog-licence", "animals", "Permis de chien", "Dog licence"));
    catalog.publish_new(&simple("cat-licence", "animals", "Permis de chat", "Cat licence"));
    let search = catalog.get("/api/catalog/search?q=chien&lang=fr").json();
    assert!(search["hits"].as_array().expect("hits").iter().any(|h| h["code"] == "dog-licence"), "{search}");

    let archived = catalog.admin_call("POST", &format!("{ADMIN_SERVICES}/dog-licence/archive"), None);
    assert_eq!(archived.status, 200, "{}", archived.body);
    assert_eq!(archived.json()["status"], "archived");

    let list = catalog.get("/api/catalog/services").json();
    let codes: Vec<&str> = list["services"].as_array().expect("list").iter().filter_map(|s| s["code"].as_str()).collect();
    assert_eq!(codes, vec!["cat-licence"]);
    assert_eq!(catalog.get("/api/catalog/services/dog-licence").status, 404);
    let open311 = catalog.get("/open311/v2/services.json").json();
    assert!(!open311.to_string().contains("dog-licence"), "{open311}");
    assert_eq!(catalog.get("/open311/v2/services/dog-licence.json").status, 404);
    let search = catalog.get("/api/catalog/search?q=chien&lang=fr").json();
    assert!(!search.to_string().contains("dog-licence"), "{search}");

    // The version stays readable (a request filed against it needs it), and in the admin view.
    assert_eq!(catalog.get("/api/catalog/services/dog-licence?version=1").json()["version"], 1);
    let view = catalog.admin_call("GET", &format!("{ADMIN_SERVICES}/dog-licence"), None).json();
    assert_eq!(view["status"], "archived");
    assert_eq!(view["versions"].as_array().map(Vec::len), Some(1));

    // Publishing again brings it back as a new version.
    assert_eq!(catalog.publish("dog-licence"), 2);
    assert_eq!(catalog.get("/api/catalog/services/dog-licence").json()["version"], 2);
}

#[test]
fn every_validation_error_is_named_at_once_and_nothing_is_written() {
    let catalog = Catalog::empty();
    let mut service = definition("bad-service");
    service["colour"] = json!("red");
    service["processing_days"] = json!("ten");
    service["name"]["fr"] = json!("x".repeat(121));
    service["form"]["fields"][1]["code"] = json!("breed");
    service["form"]["fields"][2]["order"] = json!(0);
    service["form"]["fields"][3]["datatype"] = json!("colour");
    service["form"]["fields"][5]["rules"] = json!({"values": [
        {"key": "black", "name": {"fr": "Noir", "en": "Black"}},
        {"key": "black", "name": {"fr": "Noir", "en": "Black"}}]});
    service["form"]["fields"][0]["rules"] = json!({});
    service["form"]["fields"][6]["rules"] = json!({"values": [{"key": "a", "name": {"fr": "A", "en": "A"}}]});
    service["form"]["fields"][2]["rules"]["pattern"] = json!("[0-9");
    service["form"]["fields"][1]["rules"] = json!({"min": 10, "max": 1});
    service["workflow"]["initial"] = json!("nowhere");
    service["workflow"]["transitions"][0]["to"] = json!("limbo");
    service["workflow"]["transitions"][1]["roles"] = json!(["mayor"]);

    let refused = catalog.admin_call("POST", ADMIN_SERVICES, Some(&service));
    assert_eq!(refused.status, 400, "{}", refused.body);
    let found = errors(&refused);
    for (field, code) in [
        ("colour", "unknown_field"),
        ("processing_days", "wrong_type"),
        ("name.fr", "too_long"),
        ("form.fields[1].code", "duplicate"),
        ("form.fields[2].order", "out_of_range"),
        ("form.fields[3].datatype", "unknown_value"),
        ("form.fields[5].rules.values[1].key", "duplicate"),
        ("form.fields[0].rules.values", "required"),
        ("form.fields[6].rules.values", "not_allowed"),
        ("form.fields[2].rules.pattern", "invalid_pattern"),
        ("form.fields[1].rules.min", "min_above_max"),
        ("workflow.initial", "unknown_state"),
        ("workflow.transitions[0].to", "unknown_state"),
        ("workflow.transitions[1].roles[0]", "unknown_role"),
    ] {
        assert!(has(&found, field, code), "no {code} on {field} in {found:?}");
    }

    // Nothing was written.
    assert_eq!(catalog.admin_call("GET", &format!("{ADMIN_SERVICES}/bad-service"), None).status, 404);
    assert_eq!(catalog.admin_call("GET", ADMIN_SERVICES, None).json()["services"], json!([]));
}

#[test]
fn a_workflow_with_unreachable_states_traps_or_no_end_is_refused() {
    let catalog = Catalog::empty();
    let mut service = definition("loops");
    service["workflow"] = json!({
        "initial": "a",
        "states": [
            {"code": "a", "label": {"fr": "A", "en": "A"}, "open": true},
            {"code": "b", "label": {"fr": "B", "en": "B"}, "open": true},
            {"code": "done", "label": {"fr": "Fini", "en": "Done"}, "open": false},
            {"code": "orphan", "label": {"fr": "Orphelin", "en": "Orphan"}, "open": false}
        ],
        "transitions": [
            {"from": "a", "to": "b", "roles": ["agent"]},
            {"from": "b", "to": "a", "roles": ["agent"]},
            {"from": "done", "to": "a", "roles": ["admin"]}
        ]
    });
    let found = errors(&catalog.admin_call("POST", ADMIN_SERVICES, Some(&service)));
    assert!(has(&found, "workflow.states[0].code", "no_way_out"), "{found:?}");
    assert!(has(&found, "workflow.states[1].code", "no_way_out"), "{found:?}");
    assert!(has(&found, "workflow.states[2].code", "unreachable"), "{found:?}");
    assert!(has(&found, "workflow.states[3].code", "unreachable"), "{found:?}");

    for state in service["workflow"]["states"].as_array_mut().into_iter().flatten() {
        state["open"] = json!(true);
    }
    let found = errors(&catalog.admin_call("POST", ADMIN_SERVICES, Some(&service)));
    assert!(has(&found, "workflow.states", "no_closed_state"), "{found:?}");
}

#[test]
fn unknown_fields_and_wrong_types_are_named_with_their_path() {
    let catalog = Catalog::empty();
    let mut service = definition("typed");
    service["form"]["fields"][0]["colour"] = json!("red");
    service["workflow"]["states"][0]["open"] = json!("yes");
    service["fee"]["amount_cents"] = json!(12.5);
    service["keywords"]["fr"] = json!("chien");
    service.as_object_mut().map(|o| o.remove("department"));
    let refused = catalog.admin_call("POST", ADMIN_SERVICES, Some(&service));
    assert_eq!(refused.status, 400);
    let mut found = errors(&refused);
    found.sort();
    let mut expected: Vec<(String, String)> = [
        ("form.fields[0].colour", "unknown_field"),
        ("workflow.states[0].open", "wrong_type"),
        ("fee.amount_cents", "wrong_type"),
        ("keywords.fr", "wrong_type"),
        ("department", "required"),
    ]
    .iter()
    .map(|(f, c)| (f.to_string(), c.to_string()))
    .collect();
    expected.sort();
    assert_eq!(found, expected);

    // Not JSON, or not an object.
    let bearer = catalog.admin();
    let broken = catalog.host.send("POST", ADMIN_SERVICES, &[("authorization", &bearer)], Some(b"{"));
    assert_eq!(errors(&broken), vec![("body".to_owned(), "invalid_json".to_owned())]);
    let list = catalog.admin_call("POST", ADMIN_SERVICES, Some(&json!([1])));
    assert_eq!(errors(&list), vec![("body".to_owned(), "wrong_type".to_owned())]);
}

#[test]
fn a_draft_is_replaced_only_under_its_own_code() {
    let catalog = Catalog::empty();
    assert_eq!(catalog.admin_call("POST", ADMIN_SERVICES, Some(&definition("dog-licence"))).status, 201);
    let other = definition("cat-licence");
    let refused = catalog.admin_call("PUT", &format!("{ADMIN_SERVICES}/dog-licence"), Some(&other));
    assert_eq!(refused.status, 400);
    assert_eq!(errors(&refused), vec![("code".to_owned(), "mismatch".to_owned())]);
    let missing = catalog.admin_call("PUT", &format!("{ADMIN_SERVICES}/cat-licence"), Some(&other));
    assert_eq!(missing.status, 404);
    assert_eq!(catalog.admin_call("POST", &format!("{ADMIN_SERVICES}/nope/publish"), None).status, 404);
    assert_eq!(catalog.admin_call("POST", &format!("{ADMIN_SERVICES}/nope/archive"), None).status, 404);
    assert_eq!(catalog.admin_call("DELETE", &format!("{ADMIN_SERVICES}/dog-licence"), None).status, 405);
}

#[test]
fn the_admin_api_needs_an_admin_token_for_the_served_commune() {
    let catalog = Catalog::empty();
    let citizen = format!("Bearer {}", catalog.keys.access_token(&catalog.commune, "citizen-1", &["citizen", "agent"]));
    let elsewhere = format!("Bearer {}", catalog.keys.access_token("other-commune", "admin-9", &["admin"]));
    let body = definition("dog-licence").to_string();
    let routes = [
        ("GET", ADMIN_SERVICES.to_owned()),
        ("POST", ADMIN_SERVICES.to_owned()),
        ("GET", format!("{ADMIN_SERVICES}/dog-licence")),
        ("PUT", format!("{ADMIN_SERVICES}/dog-licence")),
        ("POST", format!("{ADMIN_SERVICES}/dog-licence/publish")),
        ("POST", format!("{ADMIN_SERVICES}/dog-licence/archive")),
        ("GET", "/api/catalog/admin/export".to_owned()),
        ("POST", "/api/catalog/admin/import".to_owned()),
    ];
    for (method, path) in &routes {
        let none = catalog.host.send(method, path, &[], Some(body.as_bytes()));
        assert_eq!(none.status, 401, "{method} {path} without a token: {}", none.body);
        assert_eq!(none.header("www-authenticate"), Some("Bearer"));
        let other = catalog.host.send(method, path, &[("authorization", &elsewhere)], Some(body.as_bytes()));
        assert_eq!(other.status, 401, "{method} {path} with another commune's token");
        let forbidden = catalog.host.send(method, path, &[("authorization", &citizen)], Some(body.as_bytes()));
        assert_eq!(forbidden.status, 403, "{method} {path} without the admin role");
    }
    assert_eq!(catalog.admin_call("GET", ADMIN_SERVICES, None).json()["services"], json!([]), "nothing was written");
}

/// Three services: published with unpublished changes, draft only, archived.
fn varied_catalogue(catalog: &Catalog) {
    let mut published = definition("dog-licence");
    catalog.publish_new(&published);
    published["processing_days"] = json!(3);
    assert_eq!(catalog.admin_call("PUT", &format!("{ADMIN_SERVICES}/dog-licence"), Some(&published)).status, 200);
    assert_eq!(catalog.admin_call("POST", ADMIN_SERVICES, Some(&simple("draft-only", "other", "Brouillon", "Draft"))).status, 201);
    let mut old = simple("old-service", "other", "Ancien", "Old");
    catalog.publish_new(&old);
    assert_eq!(catalog.admin_call("POST", &format!("{ADMIN_SERVICES}/old-service/archive"), None).status, 200);
    old["name"] = json!({"fr": "Ancien (revu)", "en": "Old (revised)"});
    assert_eq!(catalog.admin_call("PUT", &format!("{ADMIN_SERVICES}/old-service"), Some(&old)).status, 200);
}

/// The export without version numbers (each catalogue numbers its own versions).
fn comparable(export: &Value) -> Value {
    let mut export = export.clone();
    for entry in export["services"].as_array_mut().into_iter().flatten() {
        entry.as_object_mut().map(|e| e.remove("published_version"));
    }
    export
}

#[test]
fn an_export_imported_into_another_catalogue_reproduces_it() {
    let source = Catalog::empty();
    varied_catalogue(&source);
    let export = source.admin_call("GET", "/api/catalog/admin/export", None);
    assert_eq!(export.status, 200, "{}", export.body);
    let export = export.json();
    let entries = export["services"].as_array().expect("services");
    assert_eq!(entries.len(), 3);
    let dog = entries.iter().find(|e| e["definition"]["code"] == "dog-licence").expect("dog-licence");
    assert_eq!(dog["status"], "published");
    assert_eq!(dog["published_version"], 1);
    assert_eq!(dog["definition"]["processing_days"], 10, "the published definition");
    assert_eq!(dog["draft"]["processing_days"], 3, "and the pending draft");

    let target = Catalog::empty();
    let imported = target.admin_call("POST", "/api/catalog/admin/import", Some(&export));
    assert_eq!(imported.status, 200, "{}", imported.body);
    let reexport = target.admin_call("GET", "/api/catalog/admin/export", None).json();
    assert_eq!(comparable(&reexport), comparable(&export));
    assert_eq!(target.get("/api/catalog/services/dog-licence").json()["processing_days"], 10);
    assert_eq!(target.get("/api/catalog/services/old-service").status, 404, "archived stays archived");
    let archived = target.admin_call("GET", &format!("{ADMIN_SERVICES}/old-service"), None).json();
    assert_eq!(archived["versions"].as_array().map(Vec::len), Some(1), "with the version it had: {archived}");
    assert_eq!(archived["draft"]["name"]["en"], "Old (revised)", "and its pending draft");
    assert_eq!(target.get("/api/catalog/services/old-service?version=1").json()["name"], "Ancien");
    assert_eq!(target.get("/api/catalog/services/draft-only").status, 404, "a draft stays a draft");

    // Importing the same catalogue again publishes no new version.
    let again = target.admin_call("POST", "/api/catalog/admin/import", Some(&export));
    assert_eq!(again.status, 200, "{}", again.body);
    let view = target.admin_call("GET", &format!("{ADMIN_SERVICES}/dog-licence"), None).json();
    assert_eq!(view["versions"].as_array().map(Vec::len), Some(1), "{view}");
}

#[test]
fn an_import_with_bad_services_writes_nothing_and_names_every_error_by_service() {
    let catalog = Catalog::empty();
    catalog.publish_new(&definition("dog-licence"));
    let before = catalog.admin_call("GET", "/api/catalog/admin/export", None).json();

    let mut changed = definition("dog-licence");
    changed["processing_days"] = json!(99);
    let mut broken = definition("cat-licence");
    broken["form"]["fields"][1]["code"] = json!("breed");
    broken["extra"] = json!(true);
    let document = json!({"services": [
        {"status": "published", "definition": changed},
        {"status": "published", "definition": broken},
        {"status": "frozen", "definition": simple("dog-licence", "animals", "Doublon", "Duplicate")},
    ]});
    let refused = catalog.admin_call("POST", "/api/catalog/admin/import", Some(&document));
    assert_eq!(refused.status, 400, "{}", refused.body);
    let found = errors(&refused);
    for (field, code) in [
        ("services[1].definition.extra", "unknown_field"),
        ("services[1].definition.form.fields[1].code", "duplicate"),
        ("services[2].status", "unknown_value"),
        ("services[2].definition.code", "duplicate"),
    ] {
        assert!(has(&found, field, code), "no {code} on {field} in {found:?}");
    }
    let after = catalog.admin_call("GET", "/api/catalog/admin/export", None).json();
    assert_eq!(after, before, "the valid first service was not imported either");
    assert_eq!(catalog.get("/api/catalog/services/dog-licence").json()["processing_days"], 10);
}

#[test]
fn an_import_may_be_larger_than_an_ordinary_body() {
    let catalog = Catalog::empty();
    let demo: Value = serde_json::from_str(include_str!("../../../components/catalog/demo/catalogue.json")).expect("demo catalogue");
    let services: Vec<Value> = demo
        .as_array()
        .expect("array")
        .iter()
        .map(|d| json!({"status": "published", "definition": d}))
        .collect();
    let count = services.len();
    let document = json!({"services": services});
    assert!(document.to_string().len() > 64 * 1024, "the point is a body over 64 KiB");
    let imported = catalog.admin_call("POST", "/api/catalog/admin/import", Some(&document));
    assert_eq!(imported.status, 200, "{}", imported.body);
    assert_eq!(catalog.get("/api/catalog/services").json()["services"].as_array().map(Vec::len), Some(count));

    // An ordinary body that large is refused.
    let mut huge = definition("huge");
    huge["description"]["fr"] = json!("x".repeat(70 * 1024));
    let refused = catalog.admin_call("POST", ADMIN_SERVICES, Some(&huge));
    assert_eq!(errors(&refused), vec![("body".to_owned(), "too_large".to_owned())]);
}

#[test]
fn public_answers_carry_a_strong_etag_and_a_matching_request_gets_304() {
    let catalog = Catalog::empty();
    catalog.publish_new(&definition("dog-licence"));
    for path in [
        "/api/catalog/services?lang=fr",
        "/api/catalog/services/dog-licence?lang=en",
        "/api/catalog/groups",
        "/api/catalog/search?q=chien",
        "/open311/v2/services.json",
        "/open311/v2/services/dog-licence.xml",
    ] {
        let first = catalog.get(path);
        assert_eq!(first.status, 200, "{path}: {}", first.body);
        let etag = first.header("etag").unwrap_or_else(|| panic!("{path}: no etag")).to_owned();
        assert!(etag.starts_with('"') && !etag.starts_with("W/"), "{path}: a strong tag: {etag}");
        assert_eq!(first.header("cache-control"), Some("public, max-age=300"), "{path}");
        let again = catalog.get(path);
        assert_eq!(again.header("etag"), Some(etag.as_str()), "{path}: same body, same tag");
        let revalidated = catalog.host.send("GET", path, &[("if-none-match", &etag)], None);
        assert_eq!(revalidated.status, 304, "{path}");
        assert_eq!(revalidated.body, "");
        assert_eq!(revalidated.header("etag"), Some(etag.as_str()));
        let stale = catalog.host.send("GET", path, &[("if-none-match", "\"something-else\"")], None);
        assert_eq!(stale.status, 200, "{path}");
    }
    // A change gives a new tag.
    let before = catalog.get("/api/catalog/services").header("etag").map(str::to_owned);
    catalog.publish("dog-licence");
    let after = catalog.get("/api/catalog/services").header("etag").map(str::to_owned);
    assert_ne!(before, after, "version 2 is in the list");
}

#[test]
fn unknown_services_languages_and_search_parameters_are_refused() {
    let catalog = Catalog::empty();
    assert_eq!(catalog.get("/api/catalog/services/nope").status, 404);
    assert_eq!(catalog.get("/api/catalog/services/NOPE!").status, 404);
    for path in ["/api/catalog/services?lang=de", "/api/catalog/groups?lang=xx", "/api/catalog/services/nope?lang=de"] {
        let reply = catalog.get(path);
        assert_eq!(reply.status, 400, "{path}");
        assert_eq!(errors(&reply), vec![("lang".to_owned(), "unknown_value".to_owned())], "{path}");
    }
    let reply = catalog.get("/api/catalog/search?lang=de&limit=0&group=Bad!");
    let mut found = errors(&reply);
    found.sort();
    assert_eq!(
        found,
        vec![
            ("group".to_owned(), "invalid".to_owned()),
            ("lang".to_owned(), "unknown_value".to_owned()),
            ("limit".to_owned(), "invalid".to_owned()),
            ("q".to_owned(), "required".to_owned()),
        ]
    );
    let long = "a".repeat(201);
    assert_eq!(errors(&catalog.get(&format!("/api/catalog/search?q={long}"))), vec![("q".to_owned(), "too_long".to_owned())]);
    assert_eq!(catalog.get("/api/catalog/services/dog-licence?version=zero").status, 400);
    assert_eq!(catalog.host.send("POST", "/api/catalog/services", &[], None).status, 405);
}

#[test]
fn search_hits_carry_the_name_and_description_in_the_language_asked() {
    let catalog = Catalog::empty();
    catalog.publish_new(&definition("dog-licence"));
    let reply = catalog.get("/api/catalog/search?q=dog&lang=en&limit=5");
    assert_eq!(reply.status, 200, "{}", reply.body);
    let hits = reply.json();
    assert_eq!(hits["hits"][0]["code"], "dog-licence", "{hits}");
    assert_eq!(hits["hits"][0]["name"], "Dog licence");
    assert_eq!(hits["hits"][0]["description"], "Register a category dog.");
    assert!(hits["hits"][0]["score"].is_number());
}

#[test]
fn the_demo_commune_is_seeded_once_with_the_demo_catalogue_as_version_one() {
    let catalog = Catalog::demo();
    let demo: Value = serde_json::from_str(include_str!("../../../components/catalog/demo/catalogue.json")).expect("demo catalogue");
    let count = demo.as_array().map(Vec::len).unwrap_or(0);
    let list = catalog.get("/api/catalog/services").json();
    let services = list["services"].as_array().expect("services");
    assert_eq!(services.len(), count);
    assert!(services.iter().all(|s| s["version"] == 1), "{list}");

    // Archiving one survives a restart: the seed does not come back.
    let code = services[0]["code"].as_str().expect("code").to_owned();
    assert_eq!(catalog.admin_call("POST", &format!("{ADMIN_SERVICES}/{code}/archive"), None).status, 200);
    let Catalog { host, keys, commune, dir } = catalog;
    let catalog = Catalog { host: host.restart(), keys, commune, dir };
    let list = catalog.get("/api/catalog/services").json();
    assert_eq!(list["services"].as_array().map(Vec::len), Some(count - 1));
    let view = catalog.admin_call("GET", &format!("{ADMIN_SERVICES}/{code}"), None).json();
    assert_eq!(view["status"], "archived");
    assert_eq!(view["versions"].as_array().map(Vec::len), Some(1));
}
