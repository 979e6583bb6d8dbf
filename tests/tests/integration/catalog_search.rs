//! Finding a service in the citizen's words, through the real host: `GET /api/catalog/search`
//! on the demo commune (seeded from `components/catalog/demo/catalogue.json`), with the
//! citizen queries of `components/catalog/demo/queries.json`, and focused cases on catalogues
//! made for them through the administration API.

use std::collections::BTreeSet;
use std::path::PathBuf;

use guichet_tests::tokens::TestKeys;
use guichet_tests::{root, Host, HostConfig, Reply};
use serde_json::{json, Value};

/// Share of the demo queries whose expected service must be among the first three hits.
const TOP_THREE_TARGET: f64 = 0.95;

/// Guichet serving one commune, with an administrator's key.
struct Guichet {
    host: Host,
    keys: TestKeys,
    commune: String,
    // After `host`: the host stops before its state directory is deleted.
    _dir: tempfile::TempDir,
}

impl Guichet {
    fn demo() -> Guichet {
        Self::serving("demo")
    }

    fn serving(commune: &str) -> Guichet {
        let dir = tempfile::tempdir().expect("tempdir");
        let keys = TestKeys::generate("k1");
        let host = Host::start(config(dir.path().to_path_buf(), &keys, commune), &dir);
        Guichet { host, keys, commune: commune.into(), _dir: dir }
    }

    /// The codes found for `query` in `lang`, best first, and the whole answer.
    fn search(&self, query: &str, lang: &str) -> (Vec<String>, Value) {
        self.search_with(&format!("q={}&lang={lang}", encode(query)))
    }

    fn search_with(&self, parameters: &str) -> (Vec<String>, Value) {
        let reply = self.host.get(&format!("/api/catalog/search?{parameters}"));
        assert_eq!(reply.status, 200, "{parameters}: {}", reply.body);
        let answer = reply.json();
        let codes = answer["hits"]
            .as_array()
            .unwrap_or_else(|| panic!("no hits list: {answer}"))
            .iter()
            .map(|hit| hit["code"].as_str().expect("code").to_owned())
            .collect();
        (codes, answer)
    }

    fn admin(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        admin(&self.host, &self.keys, &self.commune, method, path, body)
    }

    /// Imports `definitions` as published services.
    fn import(&self, definitions: &[Value]) {
        import(&self.host, &self.keys, &self.commune, definitions);
    }
}

/// A request with a token of an administrator of `commune`.
fn admin(host: &Host, keys: &TestKeys, commune: &str, method: &str, path: &str, body: Option<&Value>) -> Reply {
    let bearer = format!("Bearer {}", keys.access_token(commune, "admin-1", &["admin"]));
    let text = body.map(Value::to_string);
    host.send(
        method,
        path,
        &[("authorization", &bearer), ("content-type", "application/json")],
        text.as_deref().map(str::as_bytes),
    )
}

/// Imports `definitions` into `commune` as published services.
fn import(host: &Host, keys: &TestKeys, commune: &str, definitions: &[Value]) {
    let services: Vec<Value> = definitions.iter().map(|d| json!({"status": "published", "definition": d})).collect();
    let reply = admin(host, keys, commune, "POST", "/api/catalog/admin/import", Some(&json!({ "services": services })));
    assert_eq!(reply.status, 200, "{}", reply.body);
}

fn config(dir: PathBuf, keys: &TestKeys, commune: &str) -> HostConfig {
    HostConfig::guichet_in(&dir)
        .env("SPIN_VARIABLE_TOKEN_JWKS", &keys.jwks())
        .env("SPIN_VARIABLE_DEFAULT_COMMUNE", commune)
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn read_json(path: &str) -> Value {
    let text = std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The demo catalogue's service `code`, to build test services from a valid definition.
fn demo_service(code: &str) -> Value {
    read_json("components/catalog/demo/catalogue.json")
        .as_array()
        .expect("the demo catalogue is an array")
        .iter()
        .find(|s| s["code"] == code)
        .unwrap_or_else(|| panic!("{code} is not in the demo catalogue"))
        .clone()
}

/// A valid service (the demo pothole report's form and workflow) with the given texts.
fn service(code: &str, group: &str, name: (&str, &str), description: (&str, &str), keywords: (&[&str], &[&str])) -> Value {
    let mut service = demo_service("pothole");
    service["code"] = json!(code);
    service["group"] = json!(group);
    service["name"] = json!({"fr": name.0, "en": name.1});
    service["description"] = json!({"fr": description.0, "en": description.1});
    service["keywords"] = json!({"fr": keywords.0, "en": keywords.1});
    service
}

#[test]
fn the_demo_catalogue_and_query_set_are_large_enough() {
    let catalogue = read_json("components/catalog/demo/catalogue.json");
    let services = catalogue.as_array().expect("array");
    assert!(services.len() >= 25, "{} services", services.len());
    let queries = read_json("components/catalog/demo/queries.json");
    let queries = queries.as_array().expect("array");
    assert!(queries.len() >= 60, "{} queries", queries.len());
    let codes: BTreeSet<&str> = services.iter().filter_map(|s| s["code"].as_str()).collect();
    for query in queries {
        let expected = query["expected"].as_str().expect("expected");
        assert!(codes.contains(expected), "{query}: no such service");
        assert!(["fr", "en"].contains(&query["lang"].as_str().unwrap_or("")), "{query}");
    }
    let english = queries.iter().filter(|q| q["lang"] == "en").count();
    assert!(english >= 10 && english < queries.len() / 2, "{english} English queries");
}

#[test]
fn citizen_queries_find_the_expected_service_among_the_first_three() {
    let guichet = Guichet::demo();
    let queries = read_json("components/catalog/demo/queries.json");
    let queries = queries.as_array().expect("array");
    let mut misses = Vec::new();
    for query in queries {
        let (q, lang, expected) = (
            query["q"].as_str().expect("q"),
            query["lang"].as_str().expect("lang"),
            query["expected"].as_str().expect("expected"),
        );
        let (codes, _) = guichet.search(q, lang);
        if !codes.iter().take(3).any(|c| c == expected) {
            misses.push(format!("{q:?} ({lang}): expected {expected}, got {:?}", &codes[..codes.len().min(3)]));
        }
    }
    let found = queries.len() - misses.len();
    let rate = found as f64 / queries.len() as f64;
    println!("top-3: {found}/{} = {:.1}%", queries.len(), rate * 100.0);
    for miss in &misses {
        println!("miss: {miss}");
    }
    assert!(rate >= TOP_THREE_TARGET, "top-3 rate {:.1}% under {:.0}%:\n{}", rate * 100.0, TOP_THREE_TARGET * 100.0, misses.join("\n"));
}

#[test]
fn accents_and_case_do_not_matter() {
    let guichet = Guichet::demo();
    for (a, b, expected) in [
        ("lampadaire éteint", "LAMPADAIRE ETEINT", "streetlight-out"),
        ("dépôt sauvage de déchets", "Depot Sauvage De Dechets", "illegal-dumping"),
        ("état civil acte de décès", "ETAT CIVIL ACTE DE DECES", "death-certificate"),
        ("élagage", "Élagage", "tree-pruning"),
    ] {
        let (first, _) = guichet.search(a, "fr");
        let (second, _) = guichet.search(b, "fr");
        assert_eq!(first.first().map(String::as_str), Some(expected), "{a}: {first:?}");
        assert_eq!(first, second, "{a} and {b} differ");
    }
}

#[test]
fn a_typo_still_finds_the_service() {
    let guichet = Guichet::demo();
    for (query, lang, expected) in [
        ("lampadère", "fr", "streetlight-out"),          // one letter wrong
        ("permis de construir", "fr", "building-permit"), // one missing
        ("atestation de domicile", "fr", "residence-certificate"),
        ("encombrnats", "fr", "bulky-waste"),            // two letters swapped
        ("cimetierre", "fr", "cemetery-concession"),
        ("potholle", "en", "pothole"),
        ("graveyard plott", "en", "cemetery-concession"),
    ] {
        let (codes, _) = guichet.search(query, lang);
        assert!(codes.iter().take(3).any(|c| c == expected), "{query}: {codes:?}");
    }
}

#[test]
fn a_synonym_finds_the_service() {
    let guichet = Guichet::demo();
    let catalogue = read_json("components/catalog/demo/catalogue.json").to_string().to_lowercase();
    for (query, lang, expected) in [
        ("boucan", "fr", "noise-complaint"),
        ("bagnole abandonnée", "fr", "abandoned-vehicle"),
        ("racket", "en", "noise-complaint"),
        ("dustbin", "en", "waste-bin"),
    ] {
        // The word is nowhere in the catalogue: only a synonym can find the service.
        let word = query.split(' ').next().expect("word");
        assert!(!catalogue.contains(word), "{word} is in the catalogue: not a synonym test");
        let (codes, _) = guichet.search(query, lang);
        assert_eq!(codes.first().map(String::as_str), Some(expected), "{query}: {codes:?}");
    }
}

#[test]
fn the_name_outranks_the_keywords_which_outrank_the_description() {
    let guichet = Guichet::serving("ville-test");
    let text = "Un service de la commune.";
    guichet.import(&[
        service("in-description", "roads", ("Entretien des rues", "Street upkeep"),
            ("Les fontaines et les bancs publics sont entretenus.", "Fountains and benches are kept up."), (&["rue"], &["street"])),
        service("in-name", "roads", ("Fontaines publiques", "Public fountains"), (text, text), (&["eau"], &["water"])),
        service("in-keywords", "roads", ("Mobilier urbain", "Street furniture"), (text, text), (&["fontaine", "banc"], &["fountain", "bench"])),
    ]);
    for lang in ["fr", "en"] {
        let query = if lang == "fr" { "fontaine" } else { "fountain" };
        let (codes, _) = guichet.search(query, lang);
        assert_eq!(codes, ["in-name", "in-keywords", "in-description"], "{lang}");
    }
}

#[test]
fn the_group_filter_restricts_results() {
    let guichet = Guichet::demo();
    let (all, _) = guichet.search("permis", "fr");
    assert!(all.contains(&"building-permit".to_owned()) && all.contains(&"dog-licence".to_owned()), "{all:?}");
    let (urbanism, answer) = guichet.search_with("q=permis&lang=fr&group=urbanism");
    assert!(urbanism.contains(&"building-permit".to_owned()), "{urbanism:?}");
    for hit in answer["hits"].as_array().expect("hits") {
        assert_eq!(hit["group"], "urbanism", "{hit}");
    }
    let (none, _) = guichet.search_with("q=permis&lang=fr&group=schools");
    assert!(none.is_empty(), "{none:?}");
}

#[test]
fn english_queries_get_english_results() {
    let guichet = Guichet::demo();
    let (codes, answer) = guichet.search("parking permit", "en");
    assert_eq!(codes.first().map(String::as_str), Some("resident-parking"), "{codes:?}");
    assert_eq!(answer["lang"], "en");
    let first = &answer["hits"][0];
    assert_eq!(first["name"], "Resident parking permit", "{first}");
    assert!(first["description"].as_str().unwrap_or("").starts_with("Residents of paid parking zones"), "{first}");
    // The same service asked in French answers in French.
    let (_, french) = guichet.search("macaron", "fr");
    assert_eq!(french["hits"][0]["name"], "Macaron résident (carte de stationnement résident)");
}

#[test]
fn a_query_in_the_other_language_falls_back_to_it() {
    let guichet = Guichet::demo();
    // "encombrants" means nothing in English: the French texts answer, still shown in English.
    let (codes, answer) = guichet.search("encombrants", "en");
    assert_eq!(codes.first().map(String::as_str), Some("bulky-waste"), "{codes:?}");
    assert_eq!(answer["hits"][0]["name"], "Bulky waste collection by appointment");
    // And a word of neither language finds nothing rather than anything.
    let (nothing, _) = guichet.search("xqzwv", "fr");
    assert!(nothing.is_empty(), "{nothing:?}");
}

#[test]
fn a_republished_service_is_found_by_its_new_words_only() {
    let guichet = Guichet::serving("ville-test");
    let text = "Un service de la commune.";
    guichet.import(&[service("kiosk", "events", ("Kiosque à musique", "Bandstand"), (text, text), (&["concert"], &["concert"]))]);
    assert_eq!(guichet.search("kiosque", "fr").0, ["kiosk"]);

    let edited = service("kiosk", "events", ("Belvédère du parc", "Park gazebo"), (text, text), (&["panorama"], &["view"]));
    let reply = guichet.admin("PUT", "/api/catalog/admin/services/kiosk", Some(&edited));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let reply = guichet.admin("POST", "/api/catalog/admin/services/kiosk/publish", None);
    assert_eq!(reply.status, 200, "{}", reply.body);

    assert_eq!(guichet.search("belvédère", "fr").0, ["kiosk"]);
    assert!(guichet.search("kiosque", "fr").0.is_empty(), "the old name still finds it");
    // Nor is the old word offered as a correction any more: the vocabulary forgot it.
    assert!(guichet.search("kiosqe", "fr").0.is_empty(), "the old name is still in the vocabulary");
}

#[test]
fn a_commune_never_finds_another_communes_services() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keys = TestKeys::generate("k1");
    let text = "Un service de la commune.";
    let platform = "platform-admin-token-of-the-search-tests";
    let host = Host::start(config(dir.path().to_path_buf(), &keys, "ville-a").env("SPIN_VARIABLE_PLATFORM_ADMIN_TOKEN", platform), &dir);
    import(&host, &keys, "ville-a", &[service("ferry", "mobility", ("Bac fluvial", "River ferry"), (text, text), (&["traversée"], &["crossing"]))]);
    let reply = host.get("/api/catalog/search?q=traversee&lang=fr");
    assert_eq!(reply.json()["hits"][0]["code"], "ferry", "{}", reply.body);

    // The same database, serving another commune at its own host name.
    let commune = json!({"id": "ville-b", "name": "Ville B", "hosts": ["ville-b.localhost"]}).to_string();
    let bearer = format!("Bearer {platform}");
    let created = host.send("POST", "/api/identity/communes", &[("authorization", &bearer), ("content-type", "application/json")], Some(commune.as_bytes()));
    assert_eq!(created.status, 201, "{}", created.body);
    let ville_b = format!("ville-b.localhost:{}", host.base.rsplit(':').next().unwrap_or(""));
    let reply = host.send("GET", "/api/catalog/search?q=traversee&lang=fr", &[("host", &ville_b)], None);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["hits"], json!([]), "ville-b finds ville-a's service");
    let reply = host.send("GET", "/api/catalog/search?q=traverse&lang=fr", &[("host", &ville_b)], None);
    assert_eq!(reply.json()["hits"], json!([]), "ville-a's vocabulary corrects ville-b's typos");
}
