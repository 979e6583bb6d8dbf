//! The `spin-*` request headers Spin's HTTP trigger adds, which components and the SDK's
//! router rely on. Headers of that name sent by a client are dropped first: only the host
//! may set them.

use std::net::SocketAddr;

use anyhow::Result;
use http::{HeaderName, HeaderValue};

use crate::app::Matched;

pub fn with_spin_headers<B>(
    request: http::Request<B>,
    matched: &Matched,
    client: SocketAddr,
) -> Result<http::Request<B>> {
    let (mut parts, body) = request.into_parts();
    let spoofed: Vec<HeaderName> = parts
        .headers
        .keys()
        .filter(|name| name.as_str().starts_with("spin-"))
        .cloned()
        .collect();
    for name in spoofed {
        parts.headers.remove(name);
    }
    let host = match parts.uri.authority() {
        Some(authority) => authority.to_string(),
        None => match parts.headers.get(http::header::HOST).and_then(|h| h.to_str().ok()) {
            Some(host) => host.to_string(),
            None => {
                parts.headers.insert(http::header::HOST, HeaderValue::from_static("localhost"));
                "localhost".to_string()
            }
        },
    };
    let scheme = parts.uri.scheme_str().unwrap_or("http");
    let path_and_query = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let full_url = format!("{scheme}://{host}{path_and_query}");

    let mut set = |name: &str, value: &str| -> Result<()> {
        parts.headers.insert(HeaderName::from_bytes(name.as_bytes())?, HeaderValue::from_str(value)?);
        Ok(())
    };
    set("spin-full-url", &full_url)?;
    set("spin-path-info", &matched.route_match.path_info)?;
    set("spin-matched-route", &matched.raw_route)?;
    set("spin-base-path", "/")?;
    set("spin-raw-component-route", &matched.raw_route)?;
    set("spin-component-route", &matched.component_route)?;
    set("spin-client-addr", &client.to_string())?;
    for (name, value) in &matched.route_match.params {
        set(&format!("spin-path-match-{}", name.to_ascii_lowercase()), value)?;
    }
    Ok(http::Request::from_parts(parts, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::RoutePattern;

    #[test]
    fn spin_headers_describe_the_match_and_client_copies_are_dropped() {
        let pattern = RoutePattern::parse("/users/:id/...").expect("route");
        let route_match = pattern.matches("/users/7/photos/1").expect("matches");
        let matched = Matched {
            raw_route: pattern.raw().into(),
            component_route: pattern.base(),
            route_match,
        };
        let request = http::Request::builder()
            .uri("/users/7/photos/1?size=2")
            .header("host", "guichet.example")
            .header("spin-path-info", "/forged")
            .body(())
            .expect("request");
        let client: SocketAddr = "10.0.0.9:5555".parse().expect("addr");
        let request = with_spin_headers(request, &matched, client).expect("headers");
        let h = |n: &str| request.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
        assert_eq!(h("spin-full-url").as_deref(), Some("http://guichet.example/users/7/photos/1?size=2"));
        assert_eq!(h("spin-path-info").as_deref(), Some("/photos/1"));
        assert_eq!(h("spin-matched-route").as_deref(), Some("/users/:id/..."));
        assert_eq!(h("spin-component-route").as_deref(), Some("/users/:id"));
        assert_eq!(h("spin-base-path").as_deref(), Some("/"));
        assert_eq!(h("spin-client-addr").as_deref(), Some("10.0.0.9:5555"));
        assert_eq!(h("spin-path-match-id").as_deref(), Some("7"));
        assert_eq!(request.headers().get_all("spin-path-info").iter().count(), 1);
    }
}
