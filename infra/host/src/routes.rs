//! Spin's HTTP route semantics: exact routes, `:name` segments, a trailing `/...` wildcard;
//! an exact route beats a wildcard, and among wildcards the longest prefix wins.

use anyhow::{bail, Result};

/// One segment of a route pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

/// A parsed route such as `/api/users/:id/...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutePattern {
    raw: String,
    segments: Vec<Segment>,
    wildcard: bool,
}

impl RoutePattern {
    pub fn parse(route: &str) -> Result<RoutePattern> {
        if !route.starts_with('/') {
            bail!("`{route}`: a route must start with `/`");
        }
        let (body, wildcard) = match route.strip_suffix("/...") {
            Some(body) => (body, true),
            None if route == "/..." => ("", true),
            None => (route, false),
        };
        let mut segments = Vec::new();
        for seg in body.split('/').filter(|s| !s.is_empty()) {
            if seg == "..." {
                bail!("`{route}`: `...` may only end a route");
            }
            match seg.strip_prefix(':') {
                Some("") => bail!("`{route}`: a `:` segment needs a name"),
                Some(name) => segments.push(Segment::Param(name.to_string())),
                None => segments.push(Segment::Literal(seg.to_string())),
            }
        }
        Ok(RoutePattern { raw: route.to_string(), segments, wildcard })
    }

    /// The route as written in the manifest.
    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The route without its trailing wildcard (Spin's `spin-component-route`).
    pub fn base(&self) -> String {
        if self.wildcard {
            let base = self.raw.trim_end_matches("/...");
            base.to_string()
        } else {
            self.raw.clone()
        }
    }

    /// Matches `path` (without query), giving the captured parameters and the path info
    /// (the part matched by the wildcard, with its leading `/`, or empty).
    pub fn matches(&self, path: &str) -> Option<RouteMatch> {
        let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        if parts.len() < self.segments.len() || (!self.wildcard && parts.len() != self.segments.len()) {
            return None;
        }
        let mut params = Vec::new();
        for (segment, part) in self.segments.iter().zip(&parts) {
            match segment {
                Segment::Literal(lit) if lit == part => {}
                Segment::Literal(_) => return None,
                Segment::Param(name) => params.push((name.clone(), (*part).to_string())),
            }
        }
        let path_info = if self.wildcard {
            let rest = &parts[self.segments.len()..];
            if rest.is_empty() {
                String::new()
            } else {
                let mut info = format!("/{}", rest.join("/"));
                if path.ends_with('/') {
                    info.push('/');
                }
                info
            }
        } else {
            String::new()
        };
        Some(RouteMatch { params, path_info })
    }

    /// Orders candidates: exact routes first, then longer prefixes, then more literal segments.
    fn rank(&self) -> (bool, usize, usize) {
        let literals = self.segments.iter().filter(|s| matches!(s, Segment::Literal(_))).count();
        (!self.wildcard, self.segments.len(), literals)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    pub params: Vec<(String, String)>,
    pub path_info: String,
}

/// The public routes of an application, each naming a component id.
#[derive(Debug, Default)]
pub struct Router {
    routes: Vec<(RoutePattern, String)>,
}

impl Router {
    pub fn new(routes: impl IntoIterator<Item = (RoutePattern, String)>) -> Result<Router> {
        let routes: Vec<_> = routes.into_iter().collect();
        for (i, (a, ca)) in routes.iter().enumerate() {
            for (b, cb) in &routes[i + 1..] {
                if a.segments == b.segments && a.wildcard == b.wildcard {
                    bail!("route `{}` is given to both `{ca}` and `{cb}`", a.raw());
                }
            }
        }
        Ok(Router { routes })
    }

    /// The best route for `path`: its pattern, component id and match.
    pub fn route(&self, path: &str) -> Option<(&RoutePattern, &str, RouteMatch)> {
        self.routes
            .iter()
            .filter_map(|(pattern, component)| {
                pattern.matches(path).map(|m| (pattern, component.as_str(), m))
            })
            .max_by_key(|(pattern, _, _)| pattern.rank())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router(routes: &[(&str, &str)]) -> Router {
        Router::new(
            routes
                .iter()
                .map(|(r, c)| (RoutePattern::parse(r).expect("valid route"), c.to_string())),
        )
        .expect("valid router")
    }

    /// (routes, request path, expected component or None, expected path info)
    #[test]
    fn requests_reach_the_component_spins_routing_rules_choose() {
        let app = router(&[
            ("/...", "portal"),
            ("/api/...", "api"),
            ("/api/users/...", "users"),
            ("/api/users/me", "me"),
            ("/open311/v2/services.json", "catalog"),
            ("/open311/v2/...", "requests"),
            ("/items/:id", "item"),
            ("/items/:id/photos/...", "photos"),
            ("/exact", "exact"),
        ]);
        let cases: &[(&str, Option<&str>, &str)] = &[
            ("/", Some("portal"), ""),
            ("/about", Some("portal"), "/about"),
            ("/api", Some("api"), ""),
            ("/api/", Some("api"), ""),
            ("/api/x", Some("api"), "/x"),
            ("/api/x/y/", Some("api"), "/x/y/"),
            ("/api/users", Some("users"), ""),
            ("/api/users/42", Some("users"), "/42"),
            ("/api/users/me", Some("me"), ""),
            ("/api/users/me/more", Some("users"), "/me/more"),
            ("/apix", Some("portal"), "/apix"),
            ("/open311/v2/services.json", Some("catalog"), ""),
            ("/open311/v2/services.xml", Some("requests"), "/services.xml"),
            ("/items/7", Some("item"), ""),
            ("/items/7/photos/1", Some("photos"), "/1"),
            ("/items", Some("portal"), "/items"),
            ("/exact", Some("exact"), ""),
            ("/exact/more", Some("portal"), "/exact/more"),
        ];
        for (path, expected, info) in cases {
            let got = app.route(path);
            assert_eq!(got.as_ref().map(|(_, c, _)| *c), *expected, "component for {path}");
            if let Some((_, _, m)) = got {
                assert_eq!(m.path_info, *info, "path info for {path}");
            }
        }
    }

    #[test]
    fn nothing_matches_when_no_route_covers_the_path() {
        let app = router(&[("/api/...", "api"), ("/health", "health")]);
        assert!(app.route("/").is_none());
        assert!(app.route("/healthz").is_none());
        assert!(app.route("/health/x").is_none());
    }

    #[test]
    fn named_segments_are_captured() {
        let app = router(&[("/users/:user/posts/:post", "posts")]);
        let (_, _, m) = app.route("/users/ada/posts/3").expect("matches");
        assert_eq!(
            m.params,
            vec![("user".into(), "ada".into()), ("post".into(), "3".into())]
        );
    }

    #[test]
    fn a_literal_segment_beats_a_named_one_at_the_same_length() {
        let app = router(&[("/items/:id", "item"), ("/items/new", "new")]);
        assert_eq!(app.route("/items/new").map(|(_, c, _)| c), Some("new"));
        assert_eq!(app.route("/items/9").map(|(_, c, _)| c), Some("item"));
    }

    #[test]
    fn invalid_routes_are_refused() {
        assert!(RoutePattern::parse("api").is_err());
        assert!(RoutePattern::parse("/a/.../b").is_err());
        assert!(RoutePattern::parse("/a/:").is_err());
    }

    #[test]
    fn the_same_route_for_two_components_is_refused() {
        let routes = [("/api/...", "a"), ("/api/...", "b")]
            .iter()
            .map(|(r, c)| (RoutePattern::parse(r).expect("valid"), c.to_string()))
            .collect::<Vec<_>>();
        assert!(Router::new(routes).is_err());
    }

    #[test]
    fn component_route_drops_the_wildcard() {
        assert_eq!(RoutePattern::parse("/api/...").expect("valid").base(), "/api");
        assert_eq!(RoutePattern::parse("/...").expect("valid").base(), "");
        assert_eq!(RoutePattern::parse("/x").expect("valid").base(), "/x");
    }
}
