//! Small routing helpers.
//!
//! Components route on the path of the request URI, not on `spin-path-info`: the URI is the
//! same whatever route matched (public, private or a future extra route), so the component's
//! answers do not depend on how the manifest happens to route it.

use spin_sdk::http::{Method, Request};

use crate::ApiError;

/// The path segments below `prefix` (`/api/identity/health` under `/api/identity` is
/// `["health"]`), or `None` when the path is not below `prefix`. Empty segments are dropped,
/// so a trailing slash does not change the route.
pub fn segments_below<'p>(path: &'p str, prefix: &str) -> Option<Vec<&'p str>> {
    let rest = path.strip_prefix(prefix)?;
    if !(rest.is_empty() || rest.starts_with('/') || prefix.ends_with('/')) {
        return None; // `/api/identityx` is not below `/api/identity`
    }
    Some(rest.split('/').filter(|s| !s.is_empty()).collect())
}

/// The segments of the request's URI path below `prefix`.
pub fn request_segments<'r>(req: &'r Request, prefix: &str) -> Option<Vec<&'r str>> {
    segments_below(req.path(), prefix)
}

/// `Ok` when the request's method is `GET`, else a 405 allowing only `GET`.
pub fn only_get(req: &Request) -> Result<(), ApiError> {
    match req.method() {
        Method::Get => Ok(()),
        _ => Err(ApiError::MethodNotAllowed { allow: "GET" }),
    }
}

/// `Ok` when the request's method is `POST`, else a 405 allowing only `POST`.
pub fn only_post(req: &Request) -> Result<(), ApiError> {
    match req.method() {
        Method::Post => Ok(()),
        _ => Err(ApiError::MethodNotAllowed { allow: "POST" }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_those_below_the_prefix() {
        assert_eq!(
            segments_below("/api/identity/health", "/api/identity"),
            Some(vec!["health"])
        );
        assert_eq!(
            segments_below("/api/identity", "/api/identity"),
            Some(vec![])
        );
    }

    #[test]
    fn a_trailing_slash_does_not_change_the_segments() {
        assert_eq!(
            segments_below("/api/identity/health/", "/api/identity"),
            Some(vec!["health"])
        );
    }

    #[test]
    fn a_path_that_only_shares_a_prefix_of_characters_is_not_below_it() {
        assert_eq!(
            segments_below("/api/identityx/health", "/api/identity"),
            None
        );
        assert_eq!(segments_below("/other", "/api/identity"), None);
    }

    #[test]
    fn the_root_prefix_takes_every_path() {
        assert_eq!(segments_below("/", "/"), Some(vec![]));
        assert_eq!(segments_below("/health", "/"), Some(vec!["health"]));
    }
}
