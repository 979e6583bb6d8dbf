//! The client's address: one rule for every component's rate limits.
//!
//! The peer is `spin-client-addr` (set by the trigger; a client's own copy is dropped). When the
//! peer is a proxy listed in the Spin variable `trusted_proxies` (IP addresses or CIDR networks,
//! comma-separated), the client is the rightmost `X-Forwarded-For` entry that is not itself a
//! trusted proxy: each proxy appends the address it saw, so everything left of the entry our
//! own proxies wrote is the client's word and may be forged. An entry that is not an IP
//! address stops the walk at the last address known to be real.
//!
//! Rate limits count IPv6 clients by their /64 network: one subscriber gets a whole /64 and
//! can pick any address in it, so counting single addresses would give them 2^64 tries.

use std::net::IpAddr;

use ipnet::{IpNet, Ipv6Net};
use spin_sdk::http::Request;

/// Where a request comes from, as far as this deployment can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress {
    ip: Option<IpAddr>,
}

impl ClientAddress {
    /// The client's IP address, when the peer gave one.
    pub fn ip(&self) -> Option<IpAddr> {
        self.ip
    }

    /// What rate limits count under: an IPv4 address (`203.0.113.9`), the /64 network of an
    /// IPv6 address (`2001:db8:1:2::/64`), or `unknown`.
    pub fn rate_key(&self) -> String {
        match self.ip {
            Some(IpAddr::V4(v4)) => v4.to_string(),
            Some(IpAddr::V6(v6)) => {
                Ipv6Net::new(v6, 64).map_or_else(|_| v6.to_string(), |n| n.trunc().to_string())
            }
            None => "unknown".to_owned(),
        }
    }
}

/// The client of `req` under the `trusted_proxies` setting.
pub fn address(req: &Request) -> ClientAddress {
    let peer = req
        .header("spin-client-addr")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    // spin-sdk keeps one value per header name: with several `X-Forwarded-For` lines, the last
    // one, which the nearest proxy added.
    let forwarded = req
        .header("x-forwarded-for")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let setting = spin_sdk::variables::get("trusted_proxies").unwrap_or_default();
    resolve(peer, forwarded, &TrustedProxies::parse(&setting))
}

/// The networks whose `X-Forwarded-For` is believed.
#[derive(Debug, Default)]
pub struct TrustedProxies {
    networks: Vec<IpNet>,
}

impl TrustedProxies {
    /// `"127.0.0.1, 10.0.0.0/8, ::1"`. An entry that is neither an address nor a network is
    /// logged and ignored (trusting less, never more).
    pub fn parse(setting: &str) -> TrustedProxies {
        let networks = setting
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .filter_map(|entry| {
                let parsed = entry
                    .parse::<IpNet>()
                    .ok()
                    .or_else(|| entry.parse::<IpAddr>().ok().map(IpNet::from));
                if parsed.is_none() {
                    eprintln!("trusted_proxies: {entry:?} is neither an IP address nor a network, ignored");
                }
                parsed.map(|n| n.trunc())
            })
            .collect();
        TrustedProxies { networks }
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.networks.iter().any(|n| n.contains(&ip))
    }
}

/// The client, from the peer (`ip:port`, `[ip]:port` or a bare IP) and `X-Forwarded-For`.
pub fn resolve(peer: &str, forwarded: &str, trusted: &TrustedProxies) -> ClientAddress {
    let mut client = parse_ip(strip_port(peer));
    let mut entries = forwarded
        .rsplit(',')
        .map(str::trim)
        .filter(|e| !e.is_empty());
    while let Some(ip) = client.filter(|ip| trusted.trusts(*ip)) {
        let Some(next) = entries.next().and_then(parse_ip) else {
            client = Some(ip);
            break;
        };
        client = Some(next);
    }
    ClientAddress { ip: client }
}

/// `1.2.3.4:5` → `1.2.3.4`; `[::1]:5` → `::1`; a bare address stays as it is.
fn strip_port(addr: &str) -> &str {
    let addr = addr.trim();
    if let Some(rest) = addr.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default();
    }
    match addr.rsplit_once(':') {
        Some((ip, port)) if !ip.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => ip,
        _ => addr,
    }
}

/// An IP address, IPv4-mapped IPv6 (`::ffff:192.0.2.1`) read as the IPv4 address it is.
fn parse_ip(text: &str) -> Option<IpAddr> {
    let ip = strip_port(text).parse::<IpAddr>().ok()?;
    Some(match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(peer: &str, forwarded: &str, trusted: &str) -> String {
        resolve(peer, forwarded, &TrustedProxies::parse(trusted)).rate_key()
    }

    #[test]
    fn without_a_trusted_proxy_the_peer_is_the_client_whatever_it_forwards() {
        assert_eq!(key("198.51.100.7:4711", "203.0.113.1", ""), "198.51.100.7");
        assert_eq!(
            key("198.51.100.7:4711", "203.0.113.1", "10.0.0.0/8"),
            "198.51.100.7"
        );
        assert_eq!(key("[2001:db8::1]:80", "", ""), "2001:db8::/64");
    }

    #[test]
    fn behind_a_trusted_proxy_the_rightmost_untrusted_entry_is_the_client() {
        // The client forged the first entry; the proxy appended what it saw.
        assert_eq!(
            key("127.0.0.1:5000", "1.1.1.1, 203.0.113.9", "127.0.0.1"),
            "203.0.113.9"
        );
        // Two proxies of ours: the load balancer (10.0.0.5) and the ingress (the peer).
        assert_eq!(
            key(
                "10.1.2.3:5000",
                "1.1.1.1, 203.0.113.9, 10.0.0.5",
                "10.0.0.0/8"
            ),
            "203.0.113.9"
        );
        // Every entry trusted: the leftmost is the furthest we can see.
        assert_eq!(
            key("10.1.2.3:5000", "10.0.0.7, 10.0.0.5", "10.0.0.0/8"),
            "10.0.0.7"
        );
        // No header: the proxy itself.
        assert_eq!(key("127.0.0.1:5000", "", "127.0.0.1"), "127.0.0.1");
    }

    #[test]
    fn an_entry_that_is_not_an_address_stops_at_the_last_real_one() {
        assert_eq!(
            key("127.0.0.1:1", "203.0.113.9, not-an-ip", "127.0.0.1"),
            "127.0.0.1"
        );
        assert_eq!(
            key(
                "127.0.0.1:1",
                "unknown, 10.0.0.5",
                "127.0.0.0/8, 10.0.0.0/8"
            ),
            "10.0.0.5"
        );
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_slash_64() {
        assert_eq!(
            key("[::1]:1", "2001:db8:1:2::1", "::1"),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            key("[::1]:1", "2001:db8:1:2:ffff:ffff:ffff:ffff", "::1"),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            key("[::1]:1", "2001:db8:1:3::1", "::1"),
            "2001:db8:1:3::/64"
        );
        assert_eq!(
            key("[::1]:1", "[2001:db8:1:2::9]:443", "::1"),
            "2001:db8:1:2::/64"
        );
    }

    #[test]
    fn ipv4_mapped_addresses_are_ipv4_and_ports_are_dropped() {
        assert_eq!(
            key("[::ffff:127.0.0.1]:9", "192.0.2.4:5555", "127.0.0.1"),
            "192.0.2.4"
        );
        assert_eq!(key("10.0.0.9:5555", "", ""), "10.0.0.9");
        assert_eq!(key("", "", ""), "unknown");
        assert_eq!(key("0.0.0.0:0", "203.0.113.1", "127.0.0.1"), "0.0.0.0");
    }

    #[test]
    fn bad_trusted_entries_are_ignored_and_networks_are_matched_whole() {
        let trusted = TrustedProxies::parse("nonsense, 192.168.1.77/24, ::1");
        assert!(trusted.trusts("192.168.1.200".parse().expect("ip")));
        assert!(!trusted.trusts("192.168.2.1".parse().expect("ip")));
        assert!(trusted.trusts("::1".parse().expect("ip")));
    }
}
