//! Outbound HTTP as Spin allows it: only to `allowed_outbound_hosts`, and
//! `http://ID.spin.internal` handed in memory to another component of the app (service
//! chaining); any other `*.spin.internal` URL is refused, never sent to the network. The rest
//! goes to the network through [`crate::network`] (blocked networks, timeouts).

use std::sync::Arc;

use anyhow::{bail, Result};
use wasmtime_wasi_http::{Error as HttpError, RequestOptions, WasiBody, WasiHttpHooks};

use crate::app::App;
use crate::network::{self, Timeouts};

pub use crate::network::BlockedNetworks;

/// One `scheme://host[:port]` entry, with `*` wildcards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost {
    scheme: Pattern,
    host: HostPattern,
    port: Pattern,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    Any,
    Exact(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum HostPattern {
    Any,
    Exact(String),
    /// `*.example.com`: any subdomain.
    Suffix(String),
}

impl AllowedHost {
    /// Checks an entry that may still contain `{{ var }}` templates (checked after expansion).
    pub fn parse_template(entry: &str) -> Result<()> {
        if entry.contains("{{") {
            return Ok(());
        }
        Self::parse(entry).map(drop)
    }

    pub fn parse(entry: &str) -> Result<AllowedHost> {
        let Some((scheme, rest)) = entry.split_once("://") else {
            bail!("`{entry}`: an allowed host needs a scheme, as in `https://example.com`");
        };
        if rest.contains('/') {
            bail!("`{entry}`: an allowed host has no path");
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        };
        if host.is_empty() {
            bail!("`{entry}`: missing host");
        }
        let scheme = match scheme {
            "*" => Pattern::Any,
            "http" | "https" => Pattern::Exact(scheme.to_string()),
            other => bail!("`{entry}`: unsupported scheme `{other}`"),
        };
        let port = match port {
            Some("*") => Pattern::Any,
            Some(p) => {
                p.parse::<u16>().map_err(|_| anyhow::anyhow!("`{entry}`: invalid port `{p}`"))?;
                Pattern::Exact(p.to_string())
            }
            // No port: the scheme's default port.
            None => match &scheme {
                Pattern::Exact(s) => Pattern::Exact(default_port(s).to_string()),
                Pattern::Any => Pattern::Any,
            },
        };
        let host = if host == "*" {
            HostPattern::Any
        } else if let Some(suffix) = host.strip_prefix("*.") {
            HostPattern::Suffix(format!(".{}", suffix.to_ascii_lowercase()))
        } else if host.contains('*') {
            bail!("`{entry}`: `*` may only be the whole host or its first label");
        } else {
            HostPattern::Exact(host.to_ascii_lowercase())
        };
        Ok(AllowedHost { scheme, host, port })
    }

    pub fn allows(&self, scheme: &str, host: &str, port: u16) -> bool {
        let host = host.to_ascii_lowercase();
        let scheme_ok = match &self.scheme {
            Pattern::Any => true,
            Pattern::Exact(s) => s == scheme,
        };
        let host_ok = match &self.host {
            HostPattern::Any => true,
            HostPattern::Exact(h) => *h == host,
            HostPattern::Suffix(s) => host.ends_with(s.as_str()),
        };
        let port_ok = match &self.port {
            Pattern::Any => true,
            Pattern::Exact(p) => *p == port.to_string(),
        };
        scheme_ok && host_ok && port_ok
    }
}

fn default_port(scheme: &str) -> u16 {
    if scheme == "https" {
        443
    } else {
        80
    }
}

/// Whether any entry allows this URL.
pub fn is_allowed(allowed: &[AllowedHost], uri: &http::Uri) -> bool {
    let scheme = uri.scheme_str().unwrap_or("http");
    let Some(host) = uri.host() else { return false };
    let port = uri.port_u16().unwrap_or_else(|| default_port(scheme));
    allowed.iter().any(|a| a.allows(scheme, host, port))
}

/// What a URL means for service chaining.
#[derive(Debug, PartialEq, Eq)]
pub enum Chaining<'a> {
    /// Not a `spin.internal` URL: the network.
    No,
    /// `http://ID.spin.internal[/path]`: component `ID`, in memory.
    To(&'a str),
    /// A `spin.internal` URL in any other form (`https`, a port, user info, a dotted or
    /// upper-case name): refused.
    Malformed,
}

/// Whether `uri` chains to a component: only `http://ID.spin.internal`, `ID` a component id
/// (lower-case letters, digits and `-`), chains.
pub fn chaining(uri: &http::Uri) -> Chaining<'_> {
    let Some(host) = uri.host() else { return Chaining::No };
    let lowered = host.trim_end_matches('.').to_ascii_lowercase();
    if lowered != "spin.internal" && !lowered.ends_with(".spin.internal") {
        return Chaining::No;
    }
    let authority = uri.authority().map_or("", |a| a.as_str());
    let id = host.strip_suffix(".spin.internal").unwrap_or("");
    let is_id = !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-');
    if uri.scheme_str() == Some("http") && authority == host && is_id {
        Chaining::To(id)
    } else {
        Chaining::Malformed
    }
}

/// wasi-http hooks of one request's store.
pub struct OutboundHooks {
    pub app: Arc<App>,
    pub component_id: Arc<str>,
}

impl WasiHttpHooks for OutboundHooks {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn std::future::Future<Output = Result<(), HttpError>> + Send>,
    ) -> Box<
        dyn std::future::Future<
                Output = Result<
                    (
                        http::Response<WasiBody>,
                        Box<dyn std::future::Future<Output = Result<(), HttpError>> + Send>,
                    ),
                    HttpError,
                >,
            > + Send,
    > {
        let app = self.app.clone();
        let component_id = self.component_id.clone();
        Box::new(async move {
            let caps = app.capabilities(&component_id).ok_or(HttpError::HttpRequestDenied)?;
            if !is_allowed(&caps.allowed_hosts, request.uri()) {
                tracing::warn!(
                    component = %component_id,
                    destination = %request.uri().host().unwrap_or(""),
                    "outbound request refused: host not in allowed_outbound_hosts"
                );
                return Err(HttpError::HttpRequestDenied);
            }
            match chaining(request.uri()) {
                Chaining::To(target) => {
                    let target = target.to_string();
                    let response = app.handle_chained(&target, request).await?;
                    let done: Box<dyn std::future::Future<Output = Result<(), HttpError>> + Send> =
                        Box::new(async { Ok(()) });
                    Ok((response, done))
                }
                Chaining::Malformed => {
                    tracing::warn!(
                        component = %component_id,
                        "outbound request refused: only http://ID.spin.internal chains to a component"
                    );
                    Err(HttpError::HttpRequestDenied)
                }
                Chaining::No => network::send(request, timeouts(&app, options), app.blocked_networks()).await,
            }
        })
    }
}

/// The host's outbound timeouts, shortened where the guest asked for less.
fn timeouts(app: &App, options: Option<RequestOptions>) -> Timeouts {
    let limits = app.limits();
    let shorter = |host: std::time::Duration, guest: Option<std::time::Duration>| guest.map_or(host, |g| g.min(host));
    let options = options.unwrap_or_default();
    Timeouts {
        connect: shorter(limits.outbound_connect_timeout, options.connect_timeout),
        first_byte: shorter(limits.outbound_timeout, options.first_byte_timeout),
        between_bytes: shorter(limits.outbound_timeout, options.between_bytes_timeout),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(entries: &[&str]) -> Vec<AllowedHost> {
        entries.iter().map(|e| AllowedHost::parse(e).expect("valid entry")).collect()
    }

    #[test]
    fn only_listed_hosts_are_reachable() {
        let a = allowed(&["https://api.example.com", "http://127.0.0.1:*", "http://*.spin.internal"]);
        let ok = |u: &str| is_allowed(&a, &u.parse().expect("uri"));
        assert!(ok("https://api.example.com/x"));
        assert!(!ok("https://api.example.com:8443/x"));
        assert!(!ok("http://api.example.com/x"));
        assert!(!ok("https://evil.example.com/"));
        assert!(ok("http://127.0.0.1:4567/"));
        assert!(!ok("http://localhost:4567/"));
        assert!(ok("http://notifications.spin.internal/internal/events"));
        assert!(!ok("http://spin.internal/"));
    }

    #[test]
    fn an_empty_list_allows_nothing() {
        assert!(!is_allowed(&[], &"http://127.0.0.1/".parse().expect("uri")));
    }

    #[test]
    fn malformed_entries_are_refused() {
        assert!(AllowedHost::parse("example.com").is_err());
        assert!(AllowedHost::parse("https://example.com/path").is_err());
        assert!(AllowedHost::parse("https://ex*ample.com").is_err());
        assert!(AllowedHost::parse("https://example.com:http").is_err());
        assert!(AllowedHost::parse("ftp://example.com").is_err());
    }

    #[test]
    fn only_plain_http_urls_to_a_component_id_chain() {
        let of = |u: &str| format!("{:?}", chaining(&u.parse().expect("uri")));
        assert_eq!(of("http://notifications.spin.internal/x"), "To(\"notifications\")");
        assert_eq!(of("http://private-probe.spin.internal"), "To(\"private-probe\")");
        assert_eq!(of("http://example.com/x"), "No");
        assert_eq!(of("http://spin.internal.example.com/x"), "No");
        for refused in [
            "https://notifications.spin.internal/x",
            "http://notifications.spin.internal:8080/x",
            "http://notifications.spin.internal:80/x",
            "http://user:pw@notifications.spin.internal/x",
            "http://a.b.spin.internal/x",
            "http://Notifications.spin.internal/x",
            "http://notifications.spin.internal./x",
            "http://spin.internal/x",
            "http://.spin.internal/x",
        ] {
            assert_eq!(of(refused), "Malformed", "{refused}");
        }
    }
}
