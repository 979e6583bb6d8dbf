//! The commune's look on its pages: the logo text in the banner (escaped like any text) and
//! the banner in its colour with the text colour that stays readable on it, from the branding
//! the platform administrator set (`communes` contract, cached by the portal like the rest).

use guichet_tests::guichet::{Guichet, PLATFORM_TOKEN};
use serde_json::json;

const HOST: &str = "bourg-jaune.localhost";

#[test]
fn a_communes_logo_text_and_colour_are_on_its_pages_with_readable_text() {
    let g = Guichet::start();
    let created = g.post(
        "/api/identity/communes",
        &json!({"id": "bourg-jaune", "name": "Bourg-Jaune", "hosts": [HOST], "languages": ["fr", "en"],
                "branding": {"primary_color": "#FDE047", "logo_text": "Mairie <b>du</b> Bourg"}}),
        Some(PLATFORM_TOKEN),
    );
    assert_eq!(created.status, 201, "{}", created.body);

    let home = g.at(HOST, "GET", "/", None, None);
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(home.body.contains("Mairie &#60;b&#62;du&#60;/b&#62; Bourg") || home.body.contains("Mairie &lt;b&gt;du&lt;/b&gt; Bourg"), "{}", home.body);
    assert!(!home.body.contains("<b>du</b>"), "the logo text is text, never markup");
    assert!(home.body.contains("href=\"/assets/brand.css?c=fde047\""), "{}", home.body);

    let css = g.at(HOST, "GET", "/assets/brand.css", None, None);
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    // Yellow is light: the banner's text is black, not the white of the default style.
    assert!(css.body.contains(".banner{background:#fde047;color:#000000}"), "{}", css.body);
}

#[test]
fn a_commune_without_branding_keeps_the_default_look() {
    let g = Guichet::start();
    let home = g.get("/", None);
    assert_eq!(home.status, 200, "{}", home.body);
    assert!(!home.body.contains("brand.css"), "{}", home.body);
    let css = g.get("/assets/brand.css", None);
    assert_eq!(css.status, 200);
    assert!(css.body.trim().is_empty(), "{}", css.body);
}
