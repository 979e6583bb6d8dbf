//! The catalogue, read by service chaining (the `catalog` contract, through
//! `guichet_guest::clients::catalog`): the definition of the service a request is filed for
//! (its form, workflow with each state's Open311 status, processing time).
//!
//! [`service_cached`] keeps what it reads in the `service_cache` table: a published version
//! never changes, so `(code, version)` is kept for good; "the current version" is trusted for
//! [`CURRENT_TTL_SECONDS`], so a newly published version applies to new filings within a
//! minute, and filing does not chain to the catalogue on every request.

use anyhow::Context as _;
use guichet_guest::contracts::catalog::{PublishedService, ServiceStatus};
use guichet_guest::db::{self, Connection, Value};
use guichet_guest::service::{Open311Status, ServiceDefinition};
use guichet_guest::{catalog_contract, clients, Commune};
use serde::Deserialize;
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

    /// The Open311 status of requests in `state`, as the catalogue declares it with the state
    /// (a state the workflow does not have: its default, as a closed state).
    pub fn open311_status(&self, state: &str) -> Open311Status {
        self.definition
            .workflow
            .states
            .iter()
            .find(|s| s.code == state)
            .map_or_else(
                || Open311Status::default_for(state, false),
                |s| s.open311_status(),
            )
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
    if let Some(body) = db::first_value::<String>(&cached, "body")? {
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
    let published = clients::catalog::service(commune, code, version).await?;
    Ok(published.map(Service::from))
}

impl From<PublishedService> for Service {
    fn from(published: PublishedService) -> Self {
        let PublishedService {
            version,
            status,
            definition,
        } = published;
        let status = match status {
            ServiceStatus::Draft => "draft",
            ServiceStatus::Published => "published",
            ServiceStatus::Archived => "archived",
        };
        Service {
            version,
            status: status.to_owned(),
            definition: catalog_contract::from_contract(definition),
        }
    }
}
