//! What every state-changing request of the account pages must show before it is read
//! (docs/SECURITY.md item 10), in this order:
//!
//! 1. Same origin: an `Origin` header, when present, must be the request's own origin, and a
//!    `Sec-Fetch-Site: cross-site` is refused (browsers send one or both on every form POST).
//! 2. `Content-Type: application/x-www-form-urlencoded`: what an HTML form sends; anything
//!    else (JSON, multipart, text/plain tricks) is not a form of ours.
//! 3. A readable form body (size limit, valid UTF-8, no NUL): see [`super::form`].
//! 4. A live session (a pre-session before sign-in) and its synchronizer token in the hidden
//!    field `csrf`, compared in constant time.
//!
//! `SameSite=Lax` already keeps the cookie off cross-site POSTs in current browsers; the
//! token and the origin check do not depend on that.

use spin_sdk::http::Request;

use super::form::Form;
use super::sessions::{self, Session};
use super::PageError;
use crate::context::{self, Ctx};
use crate::secrets;

/// The hidden field that carries the token.
pub const FIELD: &str = "csrf";

/// Checks 1-4 and returns the session and the form.
pub fn accept(req: &Request, ctx: &Ctx<'_>) -> Result<(Session, Form), PageError> {
    let form = read(req)?;
    let session = sessions::current(req, ctx)?.ok_or(PageError::Csrf)?;
    if session.csrf.is_empty() || !secrets::same(form.get(FIELD), &session.csrf) {
        return Err(PageError::Csrf);
    }
    Ok((session, form))
}

/// Checks 1-3 only (for logging out a browser whose session already ended).
pub fn read(req: &Request) -> Result<Form, PageError> {
    same_origin(req)?;
    form_content_type(req)?;
    Form::parse(req.body()).map_err(|_| PageError::Malformed)
}

/// `scheme://host[:port]` of the request, lowercase, from `spin-full-url`.
fn own_origin(req: &Request) -> Option<String> {
    let url = context::full_url(req);
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    (!authority.is_empty()).then(|| {
        format!(
            "{}://{}",
            scheme.to_ascii_lowercase(),
            authority.to_ascii_lowercase()
        )
    })
}

/// A header's text; a value that is not UTF-8 reads as a NUL, which no check accepts.
fn header<'r>(req: &'r Request, name: &str) -> Option<&'r str> {
    req.header(name).map(|v| v.as_str().unwrap_or("\u{0}"))
}

fn same_origin(req: &Request) -> Result<(), PageError> {
    if header(req, "sec-fetch-site").is_some_and(|site| site.eq_ignore_ascii_case("cross-site")) {
        return Err(PageError::CrossOrigin);
    }
    let Some(origin) = header(req, "origin") else {
        return Ok(());
    };
    let own = own_origin(req).ok_or(PageError::CrossOrigin)?;
    if origin_matches(origin, &own) {
        Ok(())
    } else {
        Err(PageError::CrossOrigin)
    }
}

/// Whether the `Origin` header `given` names `own`. Behind a proxy that ends TLS the request
/// reaches us as `http://host`, while the browser's origin is `https://host`: the same host
/// over https is the same site (nobody but its owner serves https at that host).
fn origin_matches(given: &str, own: &str) -> bool {
    let given = given.trim().to_ascii_lowercase();
    if given == own {
        return true;
    }
    match own.strip_prefix("http://") {
        Some(authority) => given.strip_prefix("https://") == Some(authority),
        None => false,
    }
}

fn form_content_type(req: &Request) -> Result<(), PageError> {
    let value = header(req, "content-type").unwrap_or_default();
    let essence = value.split(';').next().unwrap_or_default().trim();
    if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        Ok(())
    } else {
        Err(PageError::UnsupportedType)
    }
}

#[cfg(test)]
mod tests {
    use super::origin_matches;

    #[test]
    fn only_the_same_origin_or_its_https_twin_matches() {
        let own = "http://127.0.0.1:3000";
        assert!(origin_matches("http://127.0.0.1:3000", own));
        assert!(origin_matches("HTTP://127.0.0.1:3000", own));
        assert!(origin_matches("https://127.0.0.1:3000", own));
        assert!(!origin_matches("http://127.0.0.1:3001", own));
        assert!(!origin_matches("http://evil.example", own));
        assert!(!origin_matches("null", own));
        assert!(!origin_matches("http://127.0.0.1:3000.evil.example", own));
        assert!(!origin_matches("http://guichet.fr", "https://guichet.fr"));
    }
}
