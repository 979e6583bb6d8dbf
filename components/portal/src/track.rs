//! `GET /track`: the page where anyone holding a request's reference and tracking code sees
//! its public status and timeline, without an account (the receipt's QR code leads here with
//! `?reference=`; the tracking code is typed, never carried in a URL). On the shared layout
//! (`templates/track.html`), in French and English.
//!
//! Its script (`/assets/track.js`) posts the reference and code to
//! `POST /api/requests/track` and writes the answer with `textContent` only.

use askama::Template;
use guichet_guest::context::Ctx;
use guichet_guest::{response, ApiError};
use spin_sdk::http::{Request, Response};

use crate::i18n;
use crate::page::{self, Chrome};

const TRACK_JS: &str = include_str!("assets/track.js");
const PORTAL_CSS: &str = include_str!("assets/portal.css");
const ADMIN_CSS: &str = include_str!("assets/admin.css");
const ADMIN_PREVIEW_JS: &str = include_str!("assets/admin-preview.js");

#[derive(Template)]
#[template(path = "track.html")]
struct Track {
    chrome: Chrome,
}

/// `GET /track`.
pub fn page(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let t = i18n::texts(Chrome::lang(ctx));
    let page = Track {
        chrome: Chrome::new(ctx, t.track_title),
    };
    page::answer(200, &page.chrome, &page)
}

/// `GET /assets/{name}`: the pages' script and style sheet (public, cacheable).
pub fn asset(req: &Request, name: &str) -> Result<Response, ApiError> {
    let (content_type, body) = match name {
        "track.js" => ("text/javascript; charset=utf-8", TRACK_JS),
        "portal.css" => ("text/css; charset=utf-8", PORTAL_CSS),
        "admin.css" => ("text/css; charset=utf-8", ADMIN_CSS),
        "admin-preview.js" => ("text/javascript; charset=utf-8", ADMIN_PREVIEW_JS),
        _ => return Err(ApiError::NotFound),
    };
    let mut response = response::cacheable(req, content_type, body.as_bytes().to_vec(), 3600);
    response.set_header("x-content-type-options", "nosniff");
    Ok(response)
}
