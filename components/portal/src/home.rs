//! The home page.

use guichet_guest::markup::escape;
use guichet_guest::{response, ApiError, Commune};
use spin_sdk::http::Response;

/// Public entry points shown on the home page: (path, label).
const LINKS: &[(&str, &str)] = &[
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

pub fn respond() -> Result<Response, ApiError> {
    let commune = Commune::current()?;
    let mut response = response::html(200, page(&commune));
    response.set_header("content-security-policy", CONTENT_SECURITY_POLICY);
    response.set_header("x-content-type-options", "nosniff");
    Ok(response)
}

fn page(commune: &Commune) -> String {
    let title = escape(&format!("Guichet — {commune}"));
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
        "<!doctype html>\n<html lang=\"fr\">\n  <head>\n    <meta charset=\"utf-8\">\n    \
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n    \
         <title>{title}</title>\n  </head>\n  <body>\n    <h1>{title}</h1>\n    <ul>\n{links}    </ul>\n  \
         </body>\n</html>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_is_titled_with_the_commune() {
        let commune = Commune::parse("demo").unwrap_or_else(|e| panic!("{e}"));
        let html = page(&commune);
        assert!(html.contains("<title>Guichet — demo</title>"));
        assert!(html.contains("<h1>Guichet — demo</h1>"));
        assert!(html.contains("<a href=\"/open311/v2/services.json\">"));
    }
}
