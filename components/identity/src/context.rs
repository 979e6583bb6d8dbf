//! What every identity request starts from: its database, its commune and its client.

use guichet_guest::db::{self, Connection};
use guichet_guest::{ApiError, Commune};
use spin_sdk::http::Request;

use crate::{communes, schema};

const DATABASE: &str = "identity";

/// One request's context.
pub struct Ctx {
    pub conn: Connection,
    /// The commune served, resolved from the request's host name.
    pub commune: Commune,
    /// The client's IP address (for rate limits), see [`client_address`].
    pub client: String,
    /// `scheme://host[:port]` to put in links sent by e-mail: the commune's configured public
    /// origin ([`communes::origin`]), never the request's `Host` (that would let anyone send
    /// reset links pointing elsewhere, or over plain http behind a TLS proxy).
    pub origin: String,
}

impl Ctx {
    pub fn for_request(req: &Request) -> Result<Ctx, ApiError> {
        let conn = open()?;
        let url = full_url(req);
        let host = guichet_guest::tenant::host_of(&url);
        let host = host.as_ref().map(|h| h.as_str());
        let commune = communes::resolve(&conn, host)?.ok_or_else(communes::unknown)?;
        let origin = communes::origin(&conn, &commune)?;
        Ok(Ctx { conn, commune, client: client_address(req), origin })
    }
}

/// The identity database, migrated.
pub fn open() -> anyhow::Result<Connection> {
    let conn = db::open(DATABASE)?;
    db::migrate(&conn, schema::MIGRATIONS)?;
    Ok(conn)
}

/// The request's full URL as Spin gives it (`spin-full-url`).
pub fn full_url(req: &Request) -> String {
    req.header("spin-full-url")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
}

/// The client's IP address: `spin-client-addr` without its port, or, when that peer is a
/// proxy listed in the Spin variable `trusted_proxies` (comma-separated IPs), the last address
/// of its `X-Forwarded-For` (the one the proxy itself saw; earlier ones are the client's word).
pub fn client_address(req: &Request) -> String {
    let peer = req
        .header("spin-client-addr")
        .and_then(|v| v.as_str())
        .map(strip_port)
        .unwrap_or_default();
    let trusted = spin_sdk::variables::get("trusted_proxies").unwrap_or_default();
    if trusted.split(',').map(str::trim).any(|t| !t.is_empty() && t == peer) {
        if let Some(forwarded) = req
            .header("x-forwarded-for")
            .and_then(|v| v.as_str())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty() && v.len() <= 64)
        {
            return forwarded.to_owned();
        }
    }
    peer
}

/// `1.2.3.4:5` → `1.2.3.4`; `[::1]:5` → `::1`.
fn strip_port(addr: &str) -> String {
    if let Some(rest) = addr.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default().to_owned();
    }
    match addr.rsplit_once(':') {
        Some((ip, port)) if !ip.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => ip.to_owned(),
        _ => addr.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::strip_port;

    #[test]
    fn the_port_is_taken_off_ipv4_and_ipv6_addresses() {
        assert_eq!(strip_port("10.0.0.9:5555"), "10.0.0.9");
        assert_eq!(strip_port("[::1]:80"), "::1");
        assert_eq!(strip_port("127.0.0.1"), "127.0.0.1");
    }
}
