//! Building responses with the headers Guichet wants on them.

use serde::Serialize;
use spin_sdk::http::Response;

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
