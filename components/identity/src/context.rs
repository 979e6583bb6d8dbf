//! What every identity request starts from: the shared request context
//! ([`guichet_guest::context::Ctx`]: its database, its commune and public origin, its
//! client), built from identity's own tables, since identity owns the communes.

use guichet_guest::db::Connection;
use guichet_guest::ApiError;
use spin_sdk::http::Request;

use crate::{communes, schema};

const DATABASE: &str = "identity";

/// One request's context. The links identity sends use its public origin
/// ([`communes::origin`]), never the request's `Host` (that would let anyone send reset links
/// pointing elsewhere, or over plain http behind a TLS proxy).
pub type Ctx<'r> = guichet_guest::context::Ctx<'r, guichet_guest::caller::Caller>;

/// The context of `req`: 404 `unknown_commune` for a host name no commune is served at.
pub fn for_request(req: &Request) -> Result<Ctx<'_>, ApiError> {
    let conn = open()?;
    let url = full_url(req);
    let host = guichet_guest::tenant::host_of(&url);
    let host = host.as_ref().map(|h| h.as_str());
    let commune = communes::resolve(&conn, host)?.ok_or_else(communes::unknown)?;
    let info = communes::info(&conn, &commune)?;
    Ok(Ctx::new(req, conn, info))
}

/// The identity database, migrated.
pub fn open() -> anyhow::Result<Connection> {
    guichet_guest::context::open(DATABASE, schema::MIGRATIONS)
}

/// The request's full URL as Spin gives it (`spin-full-url`).
pub fn full_url(req: &Request) -> String {
    req.header("spin-full-url")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned()
}
