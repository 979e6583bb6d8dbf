//! `GET /track`: the page where anyone holding a request's reference and tracking code sees
//! its public status and timeline, without an account (the receipt's QR code leads here with
//! `?reference=`; the tracking code is typed, never carried in a URL).
//!
//! The page is static: its script (`/assets/track.js`) posts the reference and code to
//! `POST /api/requests/track` and writes the answer with `textContent` only.

use guichet_guest::context::Ctx;
use guichet_guest::markup::escape;
use guichet_guest::{response, ApiError};
use spin_sdk::http::{Request, Response};

const TRACK_JS: &str = include_str!("assets/track.js");
const TRACK_CSS: &str = include_str!("assets/track.css");
const PORTAL_CSS: &str = include_str!("assets/portal.css");

/// Scripts, styles and requests only from the page's own origin; nothing else.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// `GET /track`.
pub fn page(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let name = escape(&ctx.served().name);
    let page = format!(
        r#"<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Suivre une demande — {name}</title>
<link rel="stylesheet" href="/assets/track.css">
<script src="/assets/track.js" defer></script>
</head>
<body>
<main>
<h1>Suivre une demande <span lang="en">/ Track a request</span></h1>
<p class="commune">{name}</p>
<form id="track">
<label for="reference">Référence <span lang="en">/ Reference</span></label>
<input id="reference" name="reference" autocomplete="off" required placeholder="2026-000123">
<label for="code">Code de suivi <span lang="en">/ Tracking code</span></label>
<input id="code" name="code" autocomplete="off" required placeholder="XXXX-XXXX-XXXX-XXXX">
<button type="submit">Voir l’état <span lang="en">/ See the status</span></button>
</form>
<p id="error" role="alert" hidden></p>
<section id="result" hidden aria-live="polite">
<h2 id="service"></h2>
<p>État <span lang="en">/ Status</span> : <strong id="state"></strong></p>
<p id="merged" hidden></p>
<dl>
<dt>Déposée le <span lang="en">/ Filed on</span></dt><dd id="created"></dd>
<dt>Réponse attendue le <span lang="en">/ Expected by</span></dt><dd id="expected"></dd>
</dl>
<p id="overdue" hidden>En retard <span lang="en">/ Overdue</span></p>
<h3>Historique <span lang="en">/ History</span></h3>
<ol id="timeline"></ol>
<form id="receipt" method="post" target="_blank">
<input type="hidden" name="code">
<button type="submit">Imprimer le récépissé <span lang="en">/ Print the receipt</span></button>
</form>
</section>
</main>
</body>
</html>
"#
    );
    let mut response = response::html(200, page);
    response.set_header("content-security-policy", CONTENT_SECURITY_POLICY);
    response.set_header("x-content-type-options", "nosniff");
    response.set_header("referrer-policy", "no-referrer");
    Ok(response)
}

/// `GET /assets/{name}`: the page's script and style sheet (public, cacheable).
pub fn asset(req: &Request, name: &str) -> Result<Response, ApiError> {
    let (content_type, body) = match name {
        "track.js" => ("text/javascript; charset=utf-8", TRACK_JS),
        "track.css" => ("text/css; charset=utf-8", TRACK_CSS),
        "portal.css" => ("text/css; charset=utf-8", PORTAL_CSS),
        _ => return Err(ApiError::NotFound),
    };
    let mut response = response::cacheable(req, content_type, body.as_bytes().to_vec(), 3600);
    response.set_header("x-content-type-options", "nosniff");
    Ok(response)
}
