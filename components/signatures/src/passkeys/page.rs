//! The passkey page (`GET passkey[?flow=ID]`, French with English alongside): an agent signs
//! in again (e-mail and password, through identity's token endpoint), enrols a passkey of this
//! phone or computer, and signs a flow's document with it. Rendered with askama
//! (`templates/passkey.html`, escaped by default); its one script is `GET assets/passkey.js`
//! (no inline script: the Content-Security-Policy allows scripts from this origin only).

use askama::Template;
use guichet_guest::query::Query;
use guichet_guest::{response, ApiError};
use spin_sdk::http::Response;

use crate::Ctx;

/// Scripts, styles and connections to this origin only; no framing, no plugins.
pub const CONTENT_SECURITY_POLICY: &str =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// The script, served as a file.
const SCRIPT: &str = include_str!("../../assets/passkey.js");

#[derive(Template)]
#[template(path = "passkey.html")]
struct Page {
    commune: String,
    flow: String,
}

/// `GET passkey[?flow=]`.
pub fn page(ctx: &Ctx) -> Result<Response, ApiError> {
    let flow = Query::of(ctx.request())
        .non_empty("flow")
        .map(|f| {
            f.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .take(64)
                .collect()
        })
        .unwrap_or_default();
    let html = Page {
        commune: ctx.served().name.clone(),
        flow,
    }
    .render()
    .map_err(anyhow::Error::from)?;
    let mut response = response::html(200, html);
    secure(&mut response);
    Ok(response)
}

/// `GET assets/passkey.js`.
pub fn script() -> Response {
    let mut response = response::with_type(
        200,
        "text/javascript; charset=utf-8",
        SCRIPT.as_bytes().to_vec(),
        false,
    );
    response.set_header("cache-control", "public, max-age=300");
    secure(&mut response);
    response
}

fn secure(response: &mut Response) {
    response.set_header("content-security-policy", CONTENT_SECURITY_POLICY);
    response.set_header("x-content-type-options", "nosniff");
    response.set_header("referrer-policy", "same-origin");
}
