//! The one rule every HTML form `POST` of Guichet's pages passes before its body is read
//! (identity's account pages, the portal's filing and conversation forms; docs/SECURITY.md
//! item 10), so that both page families refuse cross-site forms the same way:
//!
//! 1. Same origin: an `Origin` header, when present, must be the request's own origin (or its
//!    https twin behind a proxy that ends TLS), and a `Sec-Fetch-Site: cross-site` is refused
//!    (browsers send one or both on every form POST).
//! 2. A form content type: `application/x-www-form-urlencoded`, or `multipart/form-data` where
//!    the page takes files; anything else (JSON, `text/plain` tricks) is not a form of ours.
//!
//! Each page family then checks its synchronizer token (identity: the session's; the portal:
//! its form cookie's), compared with [`crate::caller::same_secret`] in constant time.

use spin_sdk::http::Request;

/// Why a form POST is refused before it is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `Origin` or `Sec-Fetch-Site` says another site sent the form: 403.
    CrossOrigin,
    /// Not one of the accepted form content types: 415.
    UnsupportedType,
}

/// What an HTML form without files sends.
pub const URLENCODED: &str = "application/x-www-form-urlencoded";
/// What an HTML form with a file input sends.
pub const MULTIPART: &str = "multipart/form-data";

/// Checks 1 and 2; `types` lists the accepted content types ([`URLENCODED`], [`MULTIPART`]).
pub fn check(req: &Request, types: &[&str]) -> Result<(), Refusal> {
    same_origin(req)?;
    let value = header(req, "content-type").unwrap_or_default();
    let essence = value.split(';').next().unwrap_or_default().trim();
    if types.iter().any(|t| essence.eq_ignore_ascii_case(t)) {
        Ok(())
    } else {
        Err(Refusal::UnsupportedType)
    }
}

/// Check 1 alone.
pub fn same_origin(req: &Request) -> Result<(), Refusal> {
    if header(req, "sec-fetch-site").is_some_and(|site| site.eq_ignore_ascii_case("cross-site")) {
        return Err(Refusal::CrossOrigin);
    }
    let Some(origin) = header(req, "origin") else {
        return Ok(());
    };
    let url = header(req, "spin-full-url").unwrap_or_default();
    let own = own_origin(url).ok_or(Refusal::CrossOrigin)?;
    if origin_matches(origin, &own) {
        Ok(())
    } else {
        Err(Refusal::CrossOrigin)
    }
}

/// A header's text; a value that is not UTF-8 reads as a NUL, which no check accepts.
fn header<'r>(req: &'r Request, name: &str) -> Option<&'r str> {
    req.header(name).map(|v| v.as_str().unwrap_or("\u{0}"))
}

/// `scheme://host[:port]` of a full URL, lowercase.
pub fn own_origin(url: &str) -> Option<String> {
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

/// Whether the `Origin` header `given` names `own`. Behind a proxy that ends TLS the request
/// reaches us as `http://host`, while the browser's origin is `https://host`: the same host
/// over https is the same site (nobody but its owner serves https at that host).
pub fn origin_matches(given: &str, own: &str) -> bool {
    let given = given.trim().to_ascii_lowercase();
    if given == own {
        return true;
    }
    match own.strip_prefix("http://") {
        Some(authority) => given.strip_prefix("https://") == Some(authority),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn the_own_origin_is_the_scheme_and_authority_of_the_url() {
        assert_eq!(
            own_origin("HTTP://Example.org:8080/a?b#c").as_deref(),
            Some("http://example.org:8080")
        );
        assert_eq!(own_origin("no-scheme"), None);
        assert_eq!(own_origin("http:///path"), None);
    }
}
