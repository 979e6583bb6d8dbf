//! The home page of the commune the request is addressed to (its host name, resolved by
//! identity): titled with the commune's name, in its first language.

use guichet_guest::markup::escape;
use guichet_guest::context::Ctx;
use guichet_guest::tenant::CommuneInfo;
use guichet_guest::{response, ApiError};
use spin_sdk::http::Response;

/// Public entry points shown on the home page: (path, label).
const LINKS: &[(&str, &str)] = &[
    ("/account/login", "Se connecter"),
    ("/account/register", "Créer un compte"),
    ("/account", "Mon compte"),
    ("/track", "Suivre une demande"),
    ("/open311/v2/services.json", "Services (Open311, JSON)"),
    ("/open311/v2/services.xml", "Services (Open311, XML)"),
    ("/health", "État du portail"),
    ("/api/identity/health", "État : identité"),
    ("/api/catalog/health", "État : catalogue"),
    ("/api/signatures/health", "État : signatures"),
];

/// The page needs no script, style or embedding: the policy forbids them all, so an
/// injection that escaped escaping still could not run.
const CONTENT_SECURITY_POLICY: &str =
    "default-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

pub fn respond(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let mut response = response::html(200, page(ctx.served()));
    response.set_header("content-security-policy", CONTENT_SECURITY_POLICY);
    response.set_header("x-content-type-options", "nosniff");
    Ok(response)
}

fn page(commune: &CommuneInfo) -> String {
    let title = escape(&format!("Guichet — {}", commune.name));
    // The page's language is a BCP 47 tag; anything else from identity falls back to French.
    let lang = commune
        .languages
        .first()
        .filter(|l| !l.is_empty() && l.len() <= 8 && l.bytes().all(|b| b.is_ascii_alphabetic()))
        .map_or("fr", String::as_str);
    let id = escape(commune.commune.as_str());
    let links: String = LINKS
        .iter()
        .map(|(href, label)| {
            format!(
                "      <li><a href=\"{}\">{}</a></li>\n",
                escape(href),
                escape(label)
            )
        })
        .collect();
    format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n  <head>\n    <meta charset=\"utf-8\">\n    \
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n    \
         <meta name=\"guichet-commune\" content=\"{id}\">\n    <title>{title}</title>\n  </head>\n  <body>\n    <h1>{title}</h1>\n    <ul>\n{links}    </ul>\n  \
         </body>\n</html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use guichet_guest::Commune;

    fn info(name: &str, languages: &[&str]) -> CommuneInfo {
        CommuneInfo {
            commune: Commune::parse("demo").unwrap_or_else(|e| panic!("{e}")),
            name: name.to_owned(),
            languages: languages.iter().map(|l| (*l).to_owned()).collect(),
            public_origin: "https://demo.example".to_owned(),
        }
    }

    #[test]
    fn the_page_is_titled_with_the_communes_name_and_names_its_id() {
        let html = page(&info("Démo", &["fr", "en"]));
        assert!(html.contains("<title>Guichet — Démo</title>"), "{html}");
        assert!(html.contains("<h1>Guichet — Démo</h1>"));
        assert!(html.contains("<meta name=\"guichet-commune\" content=\"demo\">"));
        assert!(html.contains("<html lang=\"fr\">"));
        assert!(html.contains("<a href=\"/open311/v2/services.json\">"));
        assert!(html.contains("<a href=\"/account/login\">Se connecter</a>"));
    }

    #[test]
    fn the_communes_name_is_escaped_and_its_first_language_is_the_pages() {
        let html = page(&info("<b>Ville</b>", &["en", "fr"]));
        assert!(
            html.contains("Guichet — &lt;b&gt;Ville&lt;/b&gt;"),
            "{html}"
        );
        assert!(html.contains("<html lang=\"en\">"));
        let odd = page(&info("Ville", &["\"><script>"]));
        assert!(odd.contains("<html lang=\"fr\">"), "{odd}");
    }
}
