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
    /// The client's rate-limit key ([`guichet_guest::client`]: `trusted_proxies`, IPv6 by /64).
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
        Ok(Ctx { conn, commune, client: guichet_guest::client::address(req).rate_key(), origin })
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
