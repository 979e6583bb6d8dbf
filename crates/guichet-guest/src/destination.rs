//! Where a component may send requests to a URL a commune's administrator chose (an OpenID
//! provider's endpoints in identity, a webhook in notifications): the platform's own network
//! is not theirs to probe (server-side request forgery). One rule for every such URL.
//!
//! Refused, unless the platform operator named the host itself in the component's list of
//! allowed hosts (`oidc_allowed_hosts`, `webhook_allowed_hosts`):
//! - IP literals that are not public unicast: loopback, private, link-local, unique-local,
//!   shared address space (CGNAT), multicast, broadcast, unspecified, documentation,
//!   benchmarking, reserved, and IPv6 forms embedding such an IPv4 address;
//! - names that only make sense inside a network: `localhost` and `*.localhost`, `*.local`,
//!   `*.internal` (so `*.spin.internal` and cloud metadata names), `*.localdomain`,
//!   `*.home.arpa`, `*.lan`, `*.intranet`, `*.corp`, `*.private`, `*.test`, `*.invalid`,
//!   single-label names (resolved through the platform's search domains), and names that
//!   spell an IP address (`10.0.0.1.nip.io`, `10-0-0-1.sslip.io`).
//!
//! Names are not resolved here: Spin denies `wasi:sockets/ip-name-lookup` to components (its
//! `WasiFactor` never enables it), so a public name that resolves to an internal address is
//! refused when the connection is made, by the runtime configuration's
//! `[outbound_networking] block_networks` (see README, "OpenID Connect").
//!
//! The operator's exception: an entry of the allowed hosts whose host part is an exact
//! name or address (not `*`, `*.domain` nor a CIDR range) states that this host is a
//! provider the platform trusts, even on loopback or a private network (a provider beside
//! Guichet, the tests' one on 127.0.0.1). A wildcard entry grants no such trust.

use std::net::{Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

/// Top-level labels of names private to a network (RFC 6761, 6762, 8375, ICANN's
/// `.internal`, and common intranet suffixes).
const PRIVATE_SUFFIXES: &[&str] = &[
    "localhost",
    "local",
    "internal",
    "localdomain",
    "home.arpa",
    "lan",
    "intranet",
    "corp",
    "private",
    "test",
    "invalid",
    "example",
    "onion",
];

/// Wildcard DNS services that answer any IP address spelt in the name.
const IP_ECHO_DOMAINS: &[&str] = &[
    "nip.io",
    "sslip.io",
    "xip.io",
    "localtest.me",
    "lvh.me",
    "vcap.me",
];

/// Why `url` must not be requested, or `None` when it may, given the operator's allowed-hosts
/// entry `listed` (one `scheme://host[:port]`).
pub fn refusal_given(url: &Url, listed: &str) -> Option<&'static str> {
    let Some(host) = url.host() else {
        return Some(INTERNAL_NAME);
    };
    if listed_in(listed, &host.to_string()) {
        return None;
    }
    match host {
        Host::Ipv4(ip) => (!public_v4(ip)).then_some(INTERNAL_ADDRESS),
        Host::Ipv6(ip) => (!public_v6(ip)).then_some(INTERNAL_ADDRESS),
        Host::Domain(name) => private_name(name).then_some(INTERNAL_NAME),
    }
}

const INTERNAL_ADDRESS: &str =
    "this address is not public (loopback, private, link-local, shared or reserved addresses are refused)";
const INTERNAL_NAME: &str =
    "this host name is internal to a network (localhost, .local, .internal, single labels and names spelling an IP address are refused)";

/// `host` (as `Url` prints it: `[::1]` for IPv6) is the exact host of the
/// `scheme://host[:port]` entry `listed` (not `*`, `*.domain` nor a CIDR range).
pub fn listed_in(listed: &str, host: &str) -> bool {
    let Some((_, rest)) = listed.trim().split_once("://") else {
        return false;
    };
    let name = match rest.strip_prefix('[') {
        Some(v6) => format!("[{}]", v6.split(']').next().unwrap_or_default()),
        None => rest
            .rsplit_once(':')
            .map_or(rest, |(name, _)| name)
            .to_owned(),
    };
    let name = name.trim().trim_end_matches('/').to_ascii_lowercase();
    !name.is_empty() && !name.contains(['*', '/']) && name == host.to_ascii_lowercase()
}

fn private_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if !name.contains('.') {
        return true;
    }
    let under = |suffix: &str| name == suffix || name.ends_with(&format!(".{suffix}"));
    if PRIVATE_SUFFIXES.iter().any(|s| under(s)) || IP_ECHO_DOMAINS.iter().any(|d| under(d)) {
        return true;
    }
    spells_an_address(&name)
}

/// `a.b.c.d.anything` or `a-b-c-d.anything` with four numbers: wildcard DNS that answers the
/// address it spells.
fn spells_an_address(name: &str) -> bool {
    let labels: Vec<&str> = name.split('.').collect();
    let number = |l: &&str| !l.is_empty() && l.len() <= 3 && l.bytes().all(|b| b.is_ascii_digit());
    let dotted = labels.windows(4).any(|w| w.iter().all(number));
    let dashed = labels.iter().any(|label| {
        let parts: Vec<&str> = label.split('-').collect();
        parts.windows(4).any(|w| w.iter().all(number))
    });
    dotted || dashed
}

/// Public unicast IPv4 (the complement of IANA's special-purpose registry, roughly).
fn public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space, RFC 6598
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

/// Public unicast IPv6; addresses embedding an IPv4 address are judged by it.
fn public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return public_v4(v4);
    }
    let s = ip.segments();
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if s[0] == 0x64 && s[1] == 0xff9b {
        return public_v4(embedded(s[6], s[7])); // NAT64
    }
    if s[0] == 0x2002 {
        return public_v4(embedded(s[1], s[2])); // 6to4
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || ip.is_unique_local()
        || ip.is_unicast_link_local()
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0 && s[4] == 0)) // IPv4-compatible and others in ::/80
}

/// Whether an address is a public destination (for tests of the guest's own rules).
#[cfg(test)]
fn public(ip: std::net::IpAddr) -> bool {
    match ip {
        std::net::IpAddr::V4(v4) => public_v4(v4),
        std::net::IpAddr::V6(v6) => public_v6(v6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_of_every_kind_are_not_public() {
        for text in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "255.255.255.255",
            "192.0.2.1",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "2002:a00:1::",
            "::10.0.0.1",
            "fec0::1",
        ] {
            assert!(!public(text.parse().expect("ip")), "{text}");
        }
        for text in [
            "193.51.24.1",
            "8.8.8.8",
            "2a01:e0a::1",
            "::ffff:193.51.24.1",
            "2002:c133:1801::",
        ] {
            assert!(public(text.parse().expect("ip")), "{text}");
        }
    }

    #[test]
    fn network_private_names_and_names_spelling_an_address_are_refused() {
        for name in [
            "localhost",
            "LOCALHOST.",
            "a.localhost",
            "printer.local",
            "metadata.google.internal",
            "notifications.spin.internal",
            "intranet",
            "metadata",
            "router.home.arpa",
            "127.0.0.1.nip.io",
            "10-0-0-1.sslip.io",
            "app.10.0.0.1.example.org",
            "x.lvh.me",
        ] {
            assert!(private_name(name), "{name}");
        }
        for name in [
            "fcp.integ01.dev-franceconnect.fr",
            "op.example.org",
            "auth.agentconnect.gouv.fr",
            "a1.b2.c3.fr",
        ] {
            assert!(!private_name(name), "{name}");
        }
    }

    #[test]
    fn urls_are_refused_by_address_or_name_unless_the_operator_listed_their_host() {
        let refused = |url: &str, listed: &str| {
            refusal_given(&Url::parse(url).expect("url"), listed).is_some()
        };
        for url in [
            "https://10.0.0.5",
            "https://[::1]",
            "https://0x7f.1",
            "https://2130706433",
            "https://localhost:8443",
            "https://metadata.google.internal",
            "https://[::ffff:a00:5]",
            "http://127.0.0.1:4567",
        ] {
            assert!(refused(url, "https://*:443"), "{url}");
        }
        assert!(!refused(
            "https://fcp.integ01.dev-franceconnect.fr/api/v1",
            "https://*:443"
        ));
        assert!(!refused("http://127.0.0.1:4567", "http://127.0.0.1:*"));
        assert!(!refused("https://idp.corp", "https://idp.corp"));
    }

    #[test]
    fn only_exact_hosts_of_the_operator_list_are_trusted() {
        assert!(listed_in("http://127.0.0.1:*", "127.0.0.1"));
        assert!(listed_in("https://op.example.org", "OP.example.org"));
        assert!(listed_in("http://[::1]:8080", "[::1]"));
        assert!(!listed_in("http://127.0.0.0/8:*", "127.0.0.1"));
        assert!(!listed_in("https://*:443", "127.0.0.1"));
        assert!(!listed_in("https://*.example.org", "a.example.org"));
        assert!(!listed_in("", "localhost"));
        assert!(!listed_in("http://127.0.0.1:*", "localhost"));
    }
}
