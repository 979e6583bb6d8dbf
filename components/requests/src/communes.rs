//! The commune a request is addressed to ([`guichet_guest::tenant`]: its host name, asked of
//! identity by chaining), remembered in the `commune_hosts_cache` table for
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

/// The commune served at the host `req` was addressed to: 404 `unknown_commune` when none
/// is, 400 `invalid_host` for a malformed host name.
pub async fn resolve(req: &Request) -> Result<Commune, ApiError> {
    let host = tenant::request_host(req)?;
    let conn = crate::database()?;
    if let Some(commune) = cached(&conn, &host)? {
        return Ok(commune);
    }
    let info = tenant::lookup(&host).await?.ok_or_else(tenant::unknown_commune)?;
    db::exec(
        &conn,
        "INSERT INTO commune_hosts_cache (host, commune, fetched_at) \
         VALUES (?, ?, CAST(strftime('%s','now') AS INTEGER)) \
         ON CONFLICT (host) DO UPDATE SET commune = excluded.commune, \
         fetched_at = excluded.fetched_at",
        &[db::text(host.as_str()), db::text(info.commune.as_str())],
    )
    .context("remembering the commune of a host")?;
    Ok(info.commune)
}

fn cached(conn: &Connection, host: &Host) -> anyhow::Result<Option<Commune>> {
    let result = db::query(
        conn,
        "SELECT commune FROM commune_hosts_cache WHERE host = ? \
         AND fetched_at > CAST(strftime('%s','now') AS INTEGER) - ?",
        &[db::text(host.as_str()), Value::Integer(TTL_SECONDS)],
    )?;
    Ok(db::first_text(&result).and_then(|text| Commune::parse(&text).ok()))
}
