//! The catalogue, read by service chaining (`http://catalog.spin.internal/internal/...`): the
//! definition of the service a request is filed for (its form, workflow, processing time).
//!
//! [`service_cached`] keeps what it reads in the `service_cache` table: a published version
//! never changes, so `(code, version)` is kept for good; "the current version" is trusted for
//! [`CURRENT_TTL_SECONDS`], so a newly published version applies to new filings within a
//! minute, and filing does not chain to the catalogue on every request.

use anyhow::{anyhow, Context as _};
use guichet_guest::db::{self, Connection, Value};
use guichet_guest::service::ServiceDefinition;
use guichet_guest::Commune;
use serde::Deserialize;
use spin_sdk::http::{Request, Response};

const BASE: &str = "http://catalog.spin.internal";
/// How long "the current published version" read from the catalogue is trusted.
pub const CURRENT_TTL_SECONDS: i64 = 60;

/// A published version of a service.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
pub struct Service {
    pub version: i64,
    /// `published` or `archived` (an archived service takes no new requests).
    pub status: String,
    pub definition: ServiceDefinition,
}

impl Service {
    /// Whether new requests may be filed for it.
    pub fn is_open_for_filing(&self) -> bool {
        self.status == "published"
    }

    /// Whether `state` is an open state of its workflow (unknown states count as closed).
    pub fn is_open_state(&self, state: &str) -> bool {
        self.definition
            .workflow
            .states
            .iter()
            .any(|s| s.code == state && s.open)
    }
}

/// The published version `version` of `code` (the current one with `None`), `None` when the
/// catalogue has none: from the `service_cache` table when it is fresh there (see the module
/// documentation), else asked of the catalogue and stored for next time.
pub async fn service(
    conn: &Connection,
    commune: &Commune,
    code: &str,
    version: Option<i64>,
) -> anyhow::Result<Option<Service>> {
    let key = version.unwrap_or(0);
    let cached = db::query(
        conn,
        "SELECT body FROM service_cache WHERE commune = ? AND code = ? AND version = ? \
         AND (version > 0 OR fetched_at > CAST(strftime('%s','now') AS INTEGER) - ?)",
        &[
            db::text(commune.as_str()),
            db::text(code),
            Value::Integer(key),
            Value::Integer(CURRENT_TTL_SECONDS),
        ],
    )?;
    if let Some(body) = db::first_text(&cached) {
        if let Ok(service) = serde_json::from_str::<Service>(&body) {
            return Ok(Some(service));
        }
    }
    let Some(service) = fetch(commune, code, version).await? else {
        return Ok(None);
    };
    let body = serde_json::to_string(&service).context("serialising a service for the cache")?;
    for version in [key, service.version] {
        db::exec(
            conn,
            "INSERT INTO service_cache (commune, code, version, body, fetched_at) \
             VALUES (?, ?, ?, ?, CAST(strftime('%s','now') AS INTEGER)) \
             ON CONFLICT (commune, code, version) DO UPDATE SET body = excluded.body, \
             fetched_at = excluded.fetched_at",
            &[
                db::text(commune.as_str()),
                db::text(code),
                Value::Integer(version),
                db::text(body.as_str()),
            ],
        )
        .context("caching a service")?;
    }
    Ok(Some(service))
}

/// The current published version of `code` (or `version`) as the catalogue says now, `None`
/// when it has none. `code` is checked here before it goes into the URL.
async fn fetch(
    commune: &Commune,
    code: &str,
    version: Option<i64>,
) -> anyhow::Result<Option<Service>> {
    if code.is_empty()
        || code.len() > 63
        || !code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Ok(None);
    }
    let mut url = format!("{BASE}/internal/services/{code}?commune={}", commune.as_str());
    if let Some(version) = version {
        url.push_str(&format!("&version={version}"));
    }
    let response: Response = spin_sdk::http::send(Request::get(url).build())
        .await
        .map_err(|e| anyhow!("asking the catalogue for {code:?}: {e:?}"))?;
    match *response.status() {
        200 => serde_json::from_slice(response.body())
            .map(Some)
            .context("reading the catalogue's service"),
        404 => Ok(None),
        status => Err(anyhow!(
            "the catalogue answered {status} for {code:?}: {}",
            String::from_utf8_lossy(response.body())
        )),
    }
}
