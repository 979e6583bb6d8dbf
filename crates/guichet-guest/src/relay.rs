//! Calls the back-office relays for a signed-in agent (`wit/staff.wit`).
//!
//! The back-office's pages (in the portal, under `/admin/`) act through the same JSON API an
//! agent's own client would use, with the agent's access token. Service chaining removes the
//! `Host` header and gives the callee the address `0.0.0.0:0`, so the portal states both in
//! headers: [`ORIGIN`] (the origin the agent reached, whose host name picks the commune) and
//! [`CLIENT`] (the agent's address as the portal resolved it under `trusted_proxies`). They
//! count only with [`SECRET`] holding the Spin variable `staff_relay_secret`, shared by the
//! portal and the components it relays to, compared in constant time: then [`accept`]
//! rebuilds the request as if the agent had sent it to that origin. Anyone else's copy of
//! these headers is refused (403), and never read.
//!
//! The relay grants nothing by itself: the callee still verifies the bearer token (issuer,
//! audience = the commune, expiry, roles) exactly as on its public route.

use spin_sdk::http::Request;

use crate::{secret, tenant, ApiError};

/// The origin (`scheme://host[:port]`) the agent reached.
pub const ORIGIN: &str = "x-guichet-relay-origin";
/// The agent's IP address.
pub const CLIENT: &str = "x-guichet-relay-client";
/// The shared secret.
pub const SECRET: &str = "x-guichet-relay-secret";
/// The Spin variable holding it.
pub const VARIABLE: &str = "staff_relay_secret";

/// `req` as the agent sent it, when it is a relayed call; `req` unchanged otherwise.
pub fn accept(req: Request) -> Result<Request, ApiError> {
    let relayed = [ORIGIN, CLIENT, SECRET]
        .iter()
        .any(|name| req.header(name).is_some());
    if !relayed {
        return Ok(req);
    }
    let refused = ApiError::Forbidden {
        message: "relay headers are for the back-office only",
    };
    let given = req.header(SECRET).and_then(|v| v.as_str()).unwrap_or_default();
    match secret::configured(VARIABLE) {
        Some(expected) if secret::same(given, &expected) => {}
        _ => return Err(refused),
    }
    let (origin, host) = req
        .header(ORIGIN)
        .and_then(|v| v.as_str())
        .and_then(origin_of)
        .ok_or_else(|| ApiError::field(ORIGIN, "invalid_origin", "scheme://host[:port]"))?;
    let client: std::net::IpAddr = req
        .header(CLIENT)
        .and_then(|v| v.as_str())
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| ApiError::field(CLIENT, "invalid_address", "an IP address"))?;
    let path = path_and_query(req.uri());
    let url = format!("{origin}{path}");
    let peer = match client {
        std::net::IpAddr::V4(ip) => format!("{ip}:0"),
        std::net::IpAddr::V6(ip) => format!("[{ip}]:0"),
    };
    let mut builder = Request::builder();
    builder.method(req.method().clone()).uri(url.as_str());
    for (name, value) in req.headers() {
        let dropped = [ORIGIN, CLIENT, SECRET, "spin-full-url", "spin-client-addr", "host", "x-forwarded-for"];
        if dropped.contains(&name) {
            continue;
        }
        if let Some(value) = value.as_str() {
            builder.header(name, value);
        }
    }
    builder
        .header("spin-full-url", url.as_str())
        .header("spin-client-addr", peer)
        .header("host", host.as_str());
    Ok(builder.body(req.into_body()).build())
}

/// `scheme://host[:port]` (http or https, nothing after) and its host name.
pub fn origin_of(text: &str) -> Option<(String, tenant::Host)> {
    let uri: http::Uri = text.parse().ok()?;
    let scheme = uri.scheme_str().filter(|s| *s == "http" || *s == "https")?;
    if !matches!(uri.path(), "" | "/") || uri.query().is_some() {
        return None;
    }
    let authority = uri.authority()?;
    if authority.as_str().contains('@') {
        return None;
    }
    let host = tenant::Host::parse(authority.host()).ok()?;
    Some((format!("{scheme}://{authority}"), host))
}

/// The origin (`scheme://authority`) of an absolute URL (a request's `spin-full-url`).
pub fn origin_of_url(full_url: &str) -> Option<String> {
    let uri: http::Uri = full_url.parse().ok()?;
    Some(format!("{}://{}", uri.scheme_str()?, uri.authority()?))
}

/// The path and query of a URI that may be absolute (`http://x/p?q`) or a path (`/p?q`).
fn path_and_query(uri: &str) -> &str {
    match uri.find("://") {
        Some(at) => {
            let rest = &uri[at + 3..];
            rest.find('/').map_or("/", |slash| &rest[slash..])
        }
        None => uri,
    }
}

#[cfg(test)]
mod tests {
    use super::{origin_of, path_and_query};

    #[test]
    fn only_a_bare_http_origin_is_an_origin() {
        assert_eq!(origin_of("https://mairie.example.org:8443").map(|o| o.0).as_deref(), Some("https://mairie.example.org:8443"));
        assert!(origin_of("https://mairie.example.org/x").is_none());
        assert!(origin_of("ftp://mairie.example.org").is_none());
        assert!(origin_of("https://u@mairie.example.org").is_none());
        assert!(origin_of("mairie").is_none());
    }

    #[test]
    fn the_path_and_query_of_an_absolute_or_relative_uri_are_kept_whole() {
        assert_eq!(path_and_query("http://requests.spin.internal/api/requests?q=a%20b"), "/api/requests?q=a%20b");
        assert_eq!(path_and_query("/api/x?y=1"), "/api/x?y=1");
        assert_eq!(path_and_query("http://h"), "/");
    }
}
