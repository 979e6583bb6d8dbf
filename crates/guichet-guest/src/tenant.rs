//! The commune a request is for, from the host name it was addressed to.
//!
//! One deployment may serve several communes, each at its own host names
//! (`guichet.ville-a.fr`, `ville-b.example.org`); the `identity` component owns the communes
//! and their host names, and every other component asks it by Spin service chaining:
//!
//! `GET http://identity.spin.internal/internal/communes/resolve?host=<host>` → 200
//! `{"commune":"<id>","name":"<display name>","languages":["fr","en"],
//! "public_origin":"https://<host>"}`, or 404
//! `{"errors":[{"field":null,"code":"unknown_commune",..}]}`. A deployment with a single
//! commune serves it whatever the host name (identity decides; callers do not special-case it).
//!
//! Components never see the `Host` header (wasi-http withholds it, as Spin does): the host
//! name comes from `spin-full-url`, which the trigger builds from the client's `Host`.
//!
//! - [`Host`]: a host name as identity stores and compares it (lowercase DNS name without the
//!   trailing dot, or an IP literal, never a port).
//! - [`host_of`]: the [`Host`] of a full URL (pure).
//! - [`resolve`] / [`resolve_info`]: the commune of a request; unknown host name → 404
//!   `unknown_commune`, a malformed one → 400 `invalid_host`, identity unreachable → 500.
//!
//! A request handler picks its data with the commune resolved here, never with
//! [`Commune::current`] (which only names the deployment's default commune).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use anyhow::{anyhow, Context as _};
use guichet_contracts::communes::Resolved;
use spin_sdk::http::Request;

use crate::{clients, ApiError, Commune};

/// Longest DNS name (RFC 1035), without the trailing dot.
const MAX_NAME: usize = 253;
/// Longest DNS label (RFC 1035).
const MAX_LABEL: usize = 63;

/// A host name: a lowercase DNS name (labels of a-z, 0-9 and inner `-`, no trailing dot), an
/// IPv4 address (`127.0.0.1`) or a bracketed IPv6 address (`[::1]`), each in canonical form so
/// that two spellings of one host compare equal. Never a port.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Host(String);

/// Why a text is not a host name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    /// Nothing (or only a dot).
    #[error("the host name is empty")]
    Empty,
    /// More than 253 characters.
    #[error("the host name is longer than 253 characters")]
    TooLong,
    /// A label is empty, longer than 63 characters, holds a character other than a-z, 0-9
    /// and `-`, or starts or ends with `-`.
    #[error("the host name has an invalid label")]
    Label,
    /// Looks like an IP address but is not one (`999.1.1.1`, `[::g]`).
    #[error("the host name is not a valid IP address")]
    Address,
}

impl Host {
    /// Checks and normalises `text`: ASCII case folded, one trailing dot dropped, IP
    /// addresses written canonically. A port, user info or non-ASCII letters are refused
    /// (clients send internationalised names in their ASCII `xn--` form).
    pub fn parse(text: &str) -> Result<Host, HostError> {
        let lower = text.to_ascii_lowercase();
        let name = lower.strip_suffix('.').unwrap_or(&lower);
        if name.is_empty() {
            return Err(HostError::Empty);
        }
        if let Some(inner) = name.strip_prefix('[') {
            let inner = inner.strip_suffix(']').ok_or(HostError::Address)?;
            let address: Ipv6Addr = inner.parse().map_err(|_| HostError::Address)?;
            return Ok(Host(format!("[{address}]")));
        }
        if name.len() > MAX_NAME {
            return Err(HostError::TooLong);
        }
        let labels: Vec<&str> = name.split('.').collect();
        if !labels.iter().all(|label| is_label(label)) {
            return Err(HostError::Label);
        }
        // No top-level domain is all digits, so such a name can only mean an IPv4 address.
        let numeric = |label: &str| label.bytes().all(|b| b.is_ascii_digit());
        if labels.last().is_some_and(|last| numeric(last)) {
            let address: Ipv4Addr = name.parse().map_err(|_| HostError::Address)?;
            return Ok(Host(address.to_string()));
        }
        Ok(Host(name.to_owned()))
    }

    /// The normalised host name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Host {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Host {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

fn is_label(label: &str) -> bool {
    let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-';
    (1..=MAX_LABEL).contains(&label.len())
        && label.bytes().all(allowed)
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// The host name of `full_url` (`http://user@Mairie.Example.ORG.:8080/x` →
/// `mairie.example.org`), `None` when the URL has no authority or its host is not a valid
/// [`Host`].
pub fn host_of(full_url: &str) -> Option<Host> {
    let uri: http::Uri = full_url.parse().ok()?;
    Host::parse(uri.authority()?.host()).ok()
}

/// What identity says of the commune served at a host name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommuneInfo {
    /// The commune's identifier (token audience, the `commune` column of every row).
    pub commune: Commune,
    /// Its display name (`Ville-sur-Mer`).
    pub name: String,
    /// The languages it serves, preferred first (`["fr","en"]`).
    pub languages: Vec<String>,
    /// Where citizens reach it (`https://host[:port]`, configured in identity): the only
    /// origin for links that leave the app (e-mails, SMS, receipts' QR codes), never the
    /// request's own `Host`, scheme or port, which are the client's word.
    pub public_origin: String,
    /// How its pages look.
    pub branding: Branding,
}

/// A commune's look: a primary colour and the text of its logo, each optional. Built only
/// through [`Branding::new`], which drops a colour that is not `#rrggbb`, so that what a page
/// puts in its style sheet is always a colour.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Branding {
    primary_color: Option<String>,
    logo_text: Option<String>,
}

impl Branding {
    pub fn new(primary_color: Option<String>, logo_text: Option<String>) -> Branding {
        let primary_color = primary_color
            .filter(|c| c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit()))
            .map(|c| c.to_ascii_lowercase());
        let logo_text = logo_text
            .map(|t| t.trim().chars().take(60).collect::<String>())
            .filter(|t| !t.is_empty());
        Branding { primary_color, logo_text }
    }

    /// `#rrggbb`, lower case.
    pub fn primary_color(&self) -> Option<&str> {
        self.primary_color.as_deref()
    }

    pub fn logo_text(&self) -> Option<&str> {
        self.logo_text.as_deref()
    }

    /// The text colour readable on the primary colour (WCAG relative luminance: black or
    /// white, whichever contrasts more).
    pub fn text_on_primary(&self) -> Option<&'static str> {
        let color = self.primary_color.as_deref()?;
        let channel = |i: usize| -> f64 {
            let v = f64::from(u8::from_str_radix(&color[i..i + 2], 16).unwrap_or(0)) / 255.0;
            if v <= 0.039_28 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
        };
        let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
        // Contrast with black is (L + 0.05) / 0.05, with white 1.05 / (L + 0.05).
        Some(if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) { "#000000" } else { "#ffffff" })
    }
}

/// The commune `req` is addressed to (see [`resolve_info`]).
pub async fn resolve(req: &Request) -> Result<Commune, ApiError> {
    Ok(resolve_info(req).await?.commune)
}

/// The commune `req` is addressed to, with its name and languages: 404 `unknown_commune` when
/// no commune is served at the host name, 400 `invalid_host` when the host name is malformed,
/// 500 (logged) when identity cannot answer.
pub async fn resolve_info(req: &Request) -> Result<CommuneInfo, ApiError> {
    let host = request_host(req)?;
    lookup(&host).await?.ok_or_else(unknown_commune)
}

/// The 404 for a host name no commune is served at.
pub fn unknown_commune() -> ApiError {
    ApiError::NotFoundWith {
        code: "unknown_commune",
        message: "no commune is served at this address",
    }
}

/// The host name `req` was addressed to, from `spin-full-url`.
pub fn request_host(req: &Request) -> Result<Host, ApiError> {
    let url = req
        .header("spin-full-url")
        .and_then(|value| value.as_str())
        // Every Spin trigger sets it: its absence is the runtime's fault, not the caller's.
        .ok_or_else(|| anyhow!("the request has no spin-full-url header"))?;
    // RFC 9112 §3.2: a Host header with an invalid value is a 400.
    host_of(url).ok_or_else(|| {
        ApiError::field(
            "host",
            "invalid_host",
            "the Host header is not a valid host name",
        )
    })
}

/// Asks identity which commune is served at `host` (the `communes` contract): `None` when
/// none is.
pub async fn lookup(host: &Host) -> anyhow::Result<Option<CommuneInfo>> {
    clients::communes::resolve(host)
        .await?
        .map(CommuneInfo::try_from)
        .transpose()
        .with_context(|| format!("the commune identity named for {host}"))
}

impl TryFrom<Resolved> for CommuneInfo {
    type Error = anyhow::Error;

    /// The contract's record, with its commune id checked.
    fn try_from(resolved: Resolved) -> anyhow::Result<Self> {
        let Resolved {
            commune,
            name,
            languages,
            public_origin,
            branding,
        } = resolved;
        let commune =
            Commune::parse(&commune).with_context(|| format!("invalid commune id {commune:?}"))?;
        let branding = branding
            .map(|b| Branding::new(b.primary_color, b.logo_text))
            .unwrap_or_default();
        Ok(CommuneInfo {
            commune,
            name,
            languages,
            public_origin,
            branding,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(url: &str) -> Option<String> {
        host_of(url).map(|h| h.to_string())
    }

    #[test]
    fn the_host_of_a_url_drops_scheme_path_query_and_port() {
        assert_eq!(
            host("http://localhost:3000/api/x?y=1").as_deref(),
            Some("localhost")
        );
        assert_eq!(
            host("https://mairie.example.org/").as_deref(),
            Some("mairie.example.org")
        );
        assert_eq!(host("http://127.0.0.1:8080").as_deref(), Some("127.0.0.1"));
    }

    #[test]
    fn user_info_is_not_part_of_the_host() {
        assert_eq!(
            host("http://user:secret@mairie.example.org:81/x").as_deref(),
            Some("mairie.example.org")
        );
        assert_eq!(
            host("http://evil.example@mairie.example.org/").as_deref(),
            Some("mairie.example.org")
        );
    }

    #[test]
    fn uppercase_and_a_trailing_dot_are_the_same_host() {
        assert_eq!(
            host("HTTP://Mairie.EXAMPLE.org.:3000/").as_deref(),
            Some("mairie.example.org")
        );
        assert_eq!(Host::parse("LocalHost."), Host::parse("localhost"));
    }

    #[test]
    fn ipv6_literals_keep_their_brackets_in_canonical_form() {
        assert_eq!(host("http://[::1]:3000/").as_deref(), Some("[::1]"));
        assert_eq!(
            host("http://[2001:DB8:0:0::1]/").as_deref(),
            Some("[2001:db8::1]")
        );
        assert_eq!(
            Host::parse("[0:0:0:0:0:0:0:1]").map(|h| h.to_string()),
            Ok("[::1]".into())
        );
    }

    #[test]
    fn malformed_ip_literals_are_refused() {
        assert_eq!(Host::parse("[::g]"), Err(HostError::Address));
        assert_eq!(Host::parse("[::1"), Err(HostError::Address));
        assert_eq!(Host::parse("[fe80::1%25eth0]"), Err(HostError::Address));
        assert_eq!(Host::parse("999.1.1.1"), Err(HostError::Address));
        assert_eq!(Host::parse("1.2.3"), Err(HostError::Address));
        assert_eq!(
            Host::parse("::1"),
            Err(HostError::Label),
            "IPv6 needs brackets"
        );
    }

    #[test]
    fn a_name_with_a_numeric_label_that_is_not_the_last_is_a_dns_name() {
        assert_eq!(
            Host::parse("123.example.org").map(|h| h.to_string()),
            Ok("123.example.org".into())
        );
    }

    #[test]
    fn ports_spaces_underscores_and_non_ascii_letters_are_not_host_names() {
        for bad in [
            "localhost:3000",
            "ex ample.org",
            "a_b.org",
            "mairie-é.fr",
            "a/b",
            "a@b",
        ] {
            assert_eq!(Host::parse(bad), Err(HostError::Label), "{bad}");
        }
    }

    #[test]
    fn empty_labels_and_hyphens_at_label_edges_are_refused() {
        for bad in ["a..b", ".a", "-a.org", "a-.org", "a.-b"] {
            assert_eq!(Host::parse(bad), Err(HostError::Label), "{bad}");
        }
        assert_eq!(Host::parse(""), Err(HostError::Empty));
        assert_eq!(Host::parse("."), Err(HostError::Empty));
    }

    #[test]
    fn labels_may_have_63_characters_and_names_253() {
        let label = "a".repeat(63);
        assert!(Host::parse(&format!("{label}.org")).is_ok());
        assert_eq!(Host::parse(&format!("a{label}.org")), Err(HostError::Label));
        let long = vec!["abcdefghi"; 26].join("."); // 26 * 10 - 1 = 259
        assert_eq!(Host::parse(&long), Err(HostError::TooLong));
        let longest = format!("{}.a", vec!["abcdefghi"; 25].join(".")); // 249 + 2 = 251
        assert!(Host::parse(&longest).is_ok());
    }

    #[test]
    fn urls_without_a_valid_host_have_none() {
        for url in [
            "/relative/path",
            "http:///x",
            "http://exa mple.org/",
            "http://a_b.org/",
            "not a url",
        ] {
            assert_eq!(host(url), None, "{url}");
        }
    }

    /// Identity's answer as the commune it names (what [`lookup`] does after the call).
    fn answer(status: u16, body: &[u8]) -> anyhow::Result<Option<CommuneInfo>> {
        clients::communes::read(status, body)?
            .map(CommuneInfo::try_from)
            .transpose()
    }

    #[test]
    fn identity_names_the_commune_its_name_languages_and_public_origin() {
        let body = br#"{"commune":"autre","name":"Autre","languages":["fr"],"public_origin":"https://autre.example"}"#;
        let info = answer(200, body).ok().flatten();
        assert_eq!(info.as_ref().map(|i| i.commune.as_str()), Some("autre"));
        assert_eq!(
            info.as_ref().map(|i| i.public_origin.as_str()),
            Some("https://autre.example")
        );
        assert_eq!(info.as_ref().map(|i| i.name.as_str()), Some("Autre"));
        assert_eq!(info.map(|i| i.languages), Some(vec!["fr".to_owned()]));
    }

    #[test]
    fn only_a_404_naming_unknown_commune_means_no_commune() {
        let unknown = br#"{"errors":[{"field":null,"code":"unknown_commune","message":"m"}]}"#;
        assert!(matches!(answer(404, unknown), Ok(None)));
        let no_route = br#"{"errors":[{"field":null,"code":"not_found","message":"m"}]}"#;
        assert!(answer(404, no_route).is_err());
        assert!(answer(404, b"Not Found\n").is_err());
    }

    #[test]
    fn an_invalid_commune_id_or_an_error_status_from_identity_is_a_fault() {
        assert!(answer(200, br#"{"commune":"Not Valid","name":"x"}"#).is_err());
        assert!(answer(200, b"{}").is_err());
        assert!(answer(500, b"{}").is_err());
        assert!(answer(400, b"{}").is_err());
    }
}

#[cfg(test)]
mod branding_tests {
    use super::Branding;

    #[test]
    fn a_colour_that_is_not_rrggbb_is_dropped_and_a_long_logo_text_cut() {
        let b = Branding::new(Some("red; background:url(x)".into()), Some(format!(" {} ", "A".repeat(80))));
        assert_eq!(b.primary_color(), None);
        assert_eq!(b.logo_text().map(str::len), Some(60));
        assert_eq!(Branding::new(Some("#0055AA".into()), None).primary_color(), Some("#0055aa"));
    }

    #[test]
    fn the_banner_text_is_black_on_light_colours_and_white_on_dark_ones() {
        let on = |c: &str| Branding::new(Some(c.into()), None).text_on_primary();
        assert_eq!(on("#fde047"), Some("#000000"));
        assert_eq!(on("#ffffff"), Some("#000000"));
        assert_eq!(on("#0b4f9c"), Some("#ffffff"));
        assert_eq!(on("#000000"), Some("#ffffff"));
        assert_eq!(Branding::default().text_on_primary(), None);
    }
}
