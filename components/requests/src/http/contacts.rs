//! Confirming a contact given without an account. Anyone can type someone else's e-mail
//! address or phone number when filing or following, so such a contact is unverified (its
//! stored contact has `"unverified": true`) and gets at most one message: the receipt of the
//! filing or of the follow, carrying a confirmation link. Only once its holder opens the link
//! and confirms does it get the request's updates. Contacts of signed-in citizens and those an
//! agent typed at the counter are verified from the start; contacts stored before this rule
//! (without the member) count as verified.
//!
//! The link is `<origin>/api/requests/contacts/confirm#token=<token>`: the token is in the fragment,
//! which browsers never send, so it stays out of server and proxy logs. The page served at
//! that path (`GET`, no personal data) reads the fragment into a form the person submits
//! (`POST`, form-encoded or JSON `{"token"}`): a mail scanner that follows links confirms
//! nothing. Tokens are 128 random bits, stored as their SHA-256, valid
//! [`crate::store::contacts::TOKEN_DAYS`] days, used once (their SQL:
//! [`crate::store::contacts`]).

use crate::store::contacts;
use crate::Ctx;
use base64::Engine as _;
use guichet_guest::db;
use guichet_guest::query::Query;
use guichet_guest::{body, response, ApiError};
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};
use spin_sdk::http::Response;

/// The path of the confirmation page and route.
pub const PATH: &str = "/api/requests/contacts/confirm";
/// A form or JSON body with one token.
const MAX_BODY: usize = 1024;

/// `POST /api/requests/contacts/confirm` with `token=` (the page's form: an HTML answer) or
/// `{"token"}` (JSON): the contact the token was sent to is verified. 200
/// `{"reference","confirmed":true}`; an unknown, used or expired token: 400 at `token`
/// (`invalid_or_expired`).
pub fn confirm(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    let form = !req
        .header("content-type")
        .and_then(|v| v.as_str())
        .is_some_and(|t| t.starts_with("application/json"));
    let token = if form {
        if req.body().len() > MAX_BODY {
            return Err(ApiError::field(
                "token",
                "too_long",
                "the form is too large",
            ));
        }
        Query::parse(&String::from_utf8_lossy(req.body()))
            .non_empty("token")
            .map(str::to_owned)
    } else {
        body::json(req, MAX_BODY)?
            .get("token")
            .and_then(Json::as_str)
            .map(str::to_owned)
    };
    let token = token
        .map(|t| t.trim().to_ascii_lowercase())
        .filter(|t| t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit()));
    let conn = ctx.conn();
    let reference = match token {
        Some(token) => db::transaction(conn, |conn| contacts::confirm(conn, commune, &token))?,
        None => None,
    };
    match (reference, form) {
        (Some(reference), false) => Ok(response::json(
            200,
            &json!({"reference": reference, "confirmed": true}),
        )),
        (Some(reference), true) => Ok(page_response(200, &done(&reference))),
        (None, false) => Err(ApiError::field(
            "token",
            "invalid_or_expired",
            "this confirmation link is not valid: it may have expired or been used already",
        )),
        (None, true) => Ok(page_response(400, &form_page(true))),
    }
}

/// The script that moves the link's fragment into the form (its hash is allowed by the CSP).
const SCRIPT: &str = "var m=/token=([0-9a-fA-F]+)/.exec(location.hash);if(m){document.getElementById('token').value=m[1];history.replaceState(null,'',location.pathname);}";

/// `GET /api/requests/contacts/confirm`: the page with the form (no personal data).
pub fn page() -> Result<Response, ApiError> {
    Ok(page_response(200, &form_page(false)))
}

fn form_page(failed: bool) -> String {
    let error = if failed {
        "<p role=\"alert\">Ce lien n'est pas valable : il a peut-être expiré ou déjà servi. \
         <span lang=\"en\">This link is not valid: it may have expired or been used already.</span></p>"
    } else {
        ""
    };
    format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\">\
         <title>Confirmer votre adresse</title></head><body><main>\
         <h1>Confirmer votre adresse <span lang=\"en\">/ Confirm your address</span></h1>{error}\
         <p>Confirmez pour recevoir les nouvelles de la demande. \
         <span lang=\"en\">Confirm to receive the request's updates.</span></p>\
         <form method=\"post\" action=\"{PATH}\"><label for=\"token\">Code</label> \
         <input id=\"token\" name=\"token\" required autocomplete=\"off\" size=\"34\"> \
         <button type=\"submit\">Confirmer / Confirm</button></form></main>\
         <script>{SCRIPT}</script></body></html>"
    )
}

fn done(reference: &str) -> String {
    let reference = guichet_guest::markup::escape(reference);
    format!(
        "<!doctype html><html lang=\"fr\"><head><meta charset=\"utf-8\">\
         <title>Adresse confirmée</title></head><body><main><h1>Adresse confirmée \
         <span lang=\"en\">/ Address confirmed</span></h1><p>Vous recevrez les nouvelles de la \
         demande {reference}. <span lang=\"en\">You will receive the updates of request \
         {reference}.</span></p></main></body></html>"
    )
}

fn page_response(status: u16, page: &str) -> Response {
    let digest =
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(SCRIPT.as_bytes()));
    let mut reply = response::html(status, page.to_owned());
    reply.set_header(
        "content-security-policy",
        format!("default-src 'none'; script-src 'sha256-{digest}'; form-action 'self'; frame-ancestors 'none'"),
    );
    reply.set_header("referrer-policy", "no-referrer");
    reply.set_header("x-content-type-options", "nosniff");
    reply.set_header("cache-control", "no-store");
    reply
}
