//! The catalogue's `listing` contract (wit/catalog.wit), which the portal's pages read by
//! chaining: every published service ordered by group, or the search's hits best first; a
//! request outside the contract is a 400 naming the parameter. Reached on a copy of spin.toml
//! whose catch-all `/...` serves the catalogue's private `/internal/...` routes.

use guichet_tests::tokens::TestKeys;
use guichet_tests::{Host, HostConfig};

fn catalog(dir: &tempfile::TempDir) -> Host {
    let keys = TestKeys::generate("k1");
    let config = HostConfig::guichet_in(dir.path())
        .env("SPIN_VARIABLE_TOKEN_JWKS", &keys.jwks())
        .routing_everything_else_to(dir.path(), "catalog");
    Host::start(config, dir)
}

#[test]
fn the_listing_holds_every_published_service_by_group_and_the_search_hits_best_first() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = catalog(&dir);
    let all = host.get("/internal/listing?commune=demo&lang=fr");
    assert_eq!(all.status, 200, "{}", all.body);
    let services = all.json()["services"].as_array().cloned().unwrap_or_default();
    assert!(services.len() > 10, "{}", all.body);
    let groups: Vec<String> = services.iter().map(|s| s["group_name"]["fr"].as_str().unwrap_or("").to_owned()).collect();
    let mut sorted = groups.clone();
    sorted.sort();
    assert_eq!(groups, sorted, "ordered by group");
    let dog = services.iter().find(|s| s["code"] == "dog-licence").cloned().unwrap_or_default();
    assert_eq!(dog["group"], "animals");
    assert_eq!(dog["group_name"]["en"], "Animals");
    assert_eq!(dog["name"]["en"], "Dog registration and tag");

    let found = host.get("/internal/listing?commune=demo&lang=fr&q=mon%20chien");
    assert_eq!(found.status, 200, "{}", found.body);
    assert_eq!(found.json()["services"][0]["code"], "dog-licence", "{}", found.body);
    let other = host.get("/internal/listing?commune=autre&lang=fr");
    assert_eq!(other.json()["services"], serde_json::json!([]), "another commune sees none of demo's");
}

#[test]
fn a_listing_request_outside_the_contract_is_a_400_naming_the_parameter() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = catalog(&dir);
    for (query, field) in [
        ("lang=fr", "commune"),
        ("commune=Not%20A%20Commune&lang=fr", "commune"),
        ("commune=demo&lang=de", "lang"),
    ] {
        let reply = host.get(&format!("/internal/listing?{query}"));
        assert_eq!(reply.status, 400, "{query}: {}", reply.body);
        assert_eq!(reply.json()["errors"][0]["field"], field, "{query}: {}", reply.body);
    }
    let long = "a".repeat(201);
    let reply = host.get(&format!("/internal/listing?commune=demo&q={long}"));
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.json()["errors"][0]["field"], "q");
}
