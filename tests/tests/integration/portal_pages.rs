//! The portal's catalogue pages through the host (issue #13): the home page lists the
//! commune's services by group, a search in the citizen's own words finds the service, the
//! service page says what, who, fees, documents, time and channels; French by default, English
//! through the switch and remembered by a cookie; security headers on every page; everything
//! the citizen typed comes back escaped.

use guichet_tests::tokens::TestKeys;
use guichet_tests::{Host, HostConfig, Reply};

fn guichet(dir: &tempfile::TempDir) -> Host {
    let keys = TestKeys::generate("k1");
    Host::start(HostConfig::guichet_in(dir.path()).env("SPIN_VARIABLE_TOKEN_JWKS", &keys.jwks()), dir)
}

fn assert_page(reply: &Reply, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert!(reply.header("content-type").unwrap_or("").starts_with("text/html"), "{:?}", reply.headers);
    let csp = reply.header("content-security-policy").unwrap_or("");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    assert!(reply.header("referrer-policy").is_some(), "{:?}", reply.headers);
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert!(reply.body.contains("<a class=\"skip\" href=\"#content\">"), "{}", reply.body);
    assert!(reply.body.contains("<main id=\"content\""), "{}", reply.body);
}

#[test]
fn the_home_page_lists_the_communes_services_by_group_in_french() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = guichet(&dir);
    let home = host.get("/");
    assert_page(&home, 200);
    assert!(home.body.contains("<html lang=\"fr\">"), "{}", home.body);
    assert!(home.body.contains("<h3 id=\"g-animals\">Animaux</h3>"), "{}", home.body);
    assert!(home.body.contains("<a href=\"/services/dog-licence\">Déclaration de chien et médaille</a>"), "{}", home.body);
    assert!(home.body.contains("role=\"search\""), "{}", home.body);
}

#[test]
fn a_search_in_the_citizens_words_finds_the_dog_licence() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = guichet(&dir);
    let found = host.get("/search?q=mon+chien");
    assert_page(&found, 200);
    let first = found.body.find("<ol class=\"hits\">").and_then(|at| found.body[at..].find("/services/"));
    let first = first.map(|at| &found.body[found.body.find("<ol class=\"hits\">").unwrap_or(0) + at..]);
    assert!(first.is_some_and(|rest| rest.starts_with("/services/dog-licence")), "{}", found.body);
    assert!(found.body.contains("value=\"mon chien\""), "the words are kept in the box: {}", found.body);
}

#[test]
fn the_service_page_says_who_what_documents_time_and_channels() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = guichet(&dir);
    let page = host.get("/services/dog-licence");
    assert_page(&page, 200);
    for expected in [
        "<h1>Déclaration de chien et médaille</h1>",
        "Propriétaires domiciliés dans la commune",
        "Gratuit.",
        // askama writes an apostrophe as its decimal entity.
        "Carte d&#39;identification (I-CAD) du chien",
        "15 jours",
        "En ligne ou au guichet.",
    ] {
        assert!(page.body.contains(expected), "{expected}: {}", page.body);
    }
    assert_page(&host.get("/services/no-such-service"), 404);
    assert_page(&host.get("/services/%3Cscript%3E"), 404);
}

#[test]
fn english_is_chosen_by_the_switch_and_remembered_by_a_cookie() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = guichet(&dir);
    let home = host.get("/");
    assert!(home.body.contains("href=\"/?lang=en\""), "the switch: {}", home.body);
    let english = host.get("/services/dog-licence?lang=en");
    assert_page(&english, 200);
    assert!(english.body.contains("<html lang=\"en\">"), "{}", english.body);
    assert!(english.body.contains("<h1>Dog registration and tag</h1>"), "{}", english.body);
    let cookie = english.header("set-cookie").unwrap_or("");
    assert!(cookie.starts_with("guichet_lang=en;") && cookie.contains("SameSite=Lax"), "{cookie}");
    let remembered = host.send("GET", "/", &[("cookie", "guichet_lang=en")], None);
    assert!(remembered.body.contains("<html lang=\"en\">"), "{}", remembered.body);
    assert!(remembered.body.contains("Animals"), "{}", remembered.body);
    let odd = host.send("GET", "/?lang=xx", &[("cookie", "guichet_lang=<b>")], None);
    assert!(odd.body.contains("<html lang=\"fr\">"), "{}", odd.body);
}

#[test]
fn what_the_citizen_typed_comes_back_escaped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = guichet(&dir);
    let page = host.get("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E");
    assert_page(&page, 200);
    assert!(!page.body.contains("<script>alert"), "{}", page.body);
    // Shown as typed, as text: askama writes `<` and `>` as decimal entities.
    assert!(page.body.contains("&#60;script&#62;alert(1)&#60;/script&#62;"), "{}", page.body);
}

#[test]
fn the_portals_style_sheet_is_served_and_a_page_weighs_under_100_kb() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = guichet(&dir);
    let css = host.get("/assets/portal.css");
    assert_eq!(css.status, 200);
    assert!(css.header("content-type").unwrap_or("").starts_with("text/css"));
    for path in ["/", "/search?q=chien", "/services/dog-licence"] {
        let page = host.get(path);
        let weight = page.body.len() + css.body.len();
        assert!(weight < 100 * 1024, "{path}: {weight} bytes");
    }
}
