//! The commune a request is addressed to ([`guichet_guest::tenant`]: its host name, asked of
//! identity by chaining), and its public origin (for links), remembered in the
//! `commune_hosts_cache` table for
//! [`TTL_SECONDS`]: filing and tracking are the busiest routes of Guichet, and asking identity
//! costs an identity instance and a database look-up on every request. A host name added to a
//! commune works at once (unknown hosts are not remembered); one removed or moved keeps
//! reaching its old commune for up to a minute.

use anyhow::Context as _;
use guichet_guest::db::{self, Connection, Value};
use guichet_guest::tenant::{self, Host};
use guichet_guest::{ApiError, Commune};
use spin_sdk::http::Request;

/// How long identity's answer for a host name is trusted.
pub const TTL_SECONDS: i64 = 60;

/// The commune a request is for, and where citizens reach it.
pub struct Served {
    pub commune: Commune,
    /// `https://host[:port]` as identity has it configured: what links use.
    pub public_origin: String,
}

/// The commune served at the host `req` was addressed to: 404 `unknown_commune` when none
/// is, 400 `invalid_host` for a malformed host name.
pub async fn resolve(req: &Request) -> Result<Served, ApiError> {
    let host = tenant::request_host(req)?;
    let conn = crate::database()?;
    if let Some(served) = cached(&conn, &host)? {
        return Ok(served);
    }
    let info = tenant::lookup(&host).await?.ok_or_else(tenant::unknown_commune)?;
    db::exec(
        &conn,
        "INSERT INTO commune_hosts_cache (host, commune, public_origin, fetched_at) \
         VALUES (?, ?, ?, CAST(strftime('%s','now') AS INTEGER)) \
         ON CONFLICT (host) DO UPDATE SET commune = excluded.commune, \
         public_origin = excluded.public_origin, fetched_at = excluded.fetched_at",
        &[db::text(host.as_str()), db::text(info.commune.as_str()), db::text(info.public_origin.as_str())],
    )
    .context("remembering the commune of a host")?;
    Ok(Served { commune: info.commune, public_origin: info.public_origin })
}

fn cached(conn: &Connection, host: &Host) -> anyhow::Result<Option<Served>> {
    let result = db::query(
        conn,
        "SELECT commune, public_origin FROM commune_hosts_cache WHERE host = ? AND public_origin <> '' \
         AND fetched_at > CAST(strftime('%s','now') AS INTEGER) - ?",
        &[db::text(host.as_str()), Value::Integer(TTL_SECONDS)],
    )?;
    Ok(result.rows.first().and_then(|row| {
        let commune = Commune::parse(row.get::<&str>(0)?).ok()?;
        Some(Served { commune, public_origin: row.get::<&str>(1)?.to_owned() })
    }))
}
