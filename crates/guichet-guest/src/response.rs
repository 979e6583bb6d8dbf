//! Building responses with the headers Guichet wants on them.

use serde::Serialize;
use sha2::{Digest as _, Sha256};
use spin_sdk::http::{Request, Response};

/// A JSON response. `Cache-Control: no-store`: API answers carry personal or live data that no
/// cache (browser or proxy) should keep; a route that wants caching overrides the header.
pub fn json(status: u16, body: &impl Serialize) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => with_type(status, "application/json", bytes, true),
        // Serialising plain records cannot fail; should it, answer a bare 500 rather than panic.
        Err(error) => {
            eprintln!("internal error: serialising a JSON response: {error}");
            with_type(
                500,
                "application/json",
                br#"{"errors":[{"field":null,"code":"internal","message":"internal error"}]}"#
                    .to_vec(),
                true,
            )
        }
    }
}

/// A UTF-8 HTML page, not cached either (it shows the commune's live state).
pub fn html(status: u16, page: String) -> Response {
    with_type(status, "text/html; charset=utf-8", page.into_bytes(), true)
}

/// A response with an explicit content type.
pub fn with_type(status: u16, content_type: &str, body: Vec<u8>, no_store: bool) -> Response {
    let mut builder = Response::builder();
    builder.status(status).header("content-type", content_type);
    if no_store {
        builder.header("cache-control", "no-store");
    }
    builder.body(body).build()
}

/// A public answer that browsers and proxies may keep for `max_age` seconds
/// (`Cache-Control: public, max-age=N`), with a strong `ETag` (the SHA-256 of the body, so the
/// same content always has the same tag, whichever instance served it).
///
/// When the request's `If-None-Match` names that tag (or is `*`), the answer is a bodiless
/// `304 Not Modified` with the same `ETag` and `Cache-Control`.
pub fn cacheable(req: &Request, content_type: &str, body: Vec<u8>, max_age: u32) -> Response {
    let etag = etag_of(&body);
    let cache_control = format!("public, max-age={max_age}");
    let if_none_match = req.header("if-none-match").and_then(|v| v.as_str());
    let mut builder = Response::builder();
    if if_none_match.is_some_and(|header| none_match_hits(header, &etag)) {
        builder
            .status(304)
            .header("etag", etag)
            .header("cache-control", cache_control);
        return builder.build();
    }
    builder
        .status(200)
        .header("content-type", content_type)
        .header("etag", etag)
        .header("cache-control", cache_control)
        .body(body)
        .build()
}

/// The strong entity tag of `body`: `"` + 32 hex digits (128 bits of SHA-256) + `"`.
pub fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    let hex: String = digest
        .iter()
        .take(16)
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("\"{hex}\"")
}

/// Whether an `If-None-Match` value names `etag`. The comparison is the weak one RFC 9110
/// prescribes for this header: `W/"x"` matches `"x"`.
fn none_match_hits(header: &str, etag: &str) -> bool {
    header.split(',').map(str::trim).any(|candidate| {
        candidate == "*" || candidate.strip_prefix("W/").unwrap_or(candidate) == etag
    })
}

/// The `Content-Disposition` of a download named `name`: `attachment; filename="ascii
/// fallback"; filename*=UTF-8''percent-encoded` (RFC 6266).
pub fn attachment(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_etag_is_a_quoted_hash_that_only_depends_on_the_body() {
        let tag = etag_of(b"hello");
        assert_eq!(tag, etag_of(b"hello"));
        assert_ne!(tag, etag_of(b"hello!"));
        assert_eq!(tag.len(), 34);
        assert!(tag.starts_with('"') && tag.ends_with('"'));
    }

    #[test]
    fn if_none_match_hits_its_tag_in_a_list_weak_or_not_and_star() {
        let tag = etag_of(b"x");
        assert!(none_match_hits(&tag, &tag));
        assert!(none_match_hits(&format!("\"other\", W/{tag}"), &tag));
        assert!(none_match_hits("*", &tag));
        assert!(!none_match_hits("\"other\"", &tag));
        assert!(!none_match_hits("", &tag));
    }

    #[test]
    fn the_download_name_is_quoted_safely() {
        assert_eq!(
            attachment("rapport \"final\" é.pdf"),
            "attachment; filename=\"rapport _final_ _.pdf\"; filename*=UTF-8''rapport%20%22final%22%20%C3%A9.pdf"
        );
    }
}
