//! What Open311 may publish: requests whose filer agreed to it when filing (the request's
//! `public` flag, decided then and never changed: an Open311 app's filing, or a report filed
//! with `"publish": true`), for services that citizens may report without an account
//! (`anonymous` in the catalogue: reports on the public space), never procedures about a
//! person; and of their timelines, only what the commune said publicly (filing, status
//! changes, reopening, merging, public messages of staff and of client apps), never a
//! citizen's own messages, which may carry personal details.
//!
//! A request that is not public is absent from every Open311 answer (lists, by id, tokens,
//! updates), as if it did not exist: its description, address and coordinates are the
//! filer's, who did not agree to publish them. Both conditions hold at every read, so a
//! service made anonymous-capable later publishes none of its past requests (they were filed
//! not public), and one that stops being so stops publishing.

use std::collections::BTreeMap;

use guichet_guest::db::{self, Connection};
use guichet_guest::Commune;

use crate::calls::catalog::{self, Service};

/// The services (current definitions, by code) whose requests are public, among those the
/// commune's requests were filed for. The catalogue is asked once per code, through the
/// component's cache of services ([`catalog::service`]).
pub async fn public_services(
    conn: &Connection,
    commune: &Commune,
) -> anyhow::Result<BTreeMap<String, Service>> {
    let result = db::query(
        conn,
        "SELECT DISTINCT service_code FROM requests WHERE commune = ?",
        &[db::text(commune.as_str())],
    )?;
    let codes: Vec<String> = db::rows(&result)
        .map(|row| row.get::<String>("service_code"))
        .collect::<Result<_, _>>()?;
    let mut services = BTreeMap::new();
    for code in codes {
        if let Some(service) = public_service(conn, commune, &code).await? {
            services.insert(code, service);
        }
    }
    Ok(services)
}

/// The service `code` if its requests are public.
pub async fn public_service(
    conn: &Connection,
    commune: &Commune,
    code: &str,
) -> anyhow::Result<Option<Service>> {
    Ok(catalog::service(conn, commune, code, None)
        .await?
        .filter(|service| service.definition.anonymous))
}

/// The SQL condition (on requests alias `r`) of the requests whose filer agreed to publish.
pub const PUBLIC_REQUEST: &str = "r.public = 1";

/// Whether request `request_id` was filed public.
pub fn filed_public(conn: &Connection, request_id: &str) -> anyhow::Result<bool> {
    let result = db::query(
        conn,
        "SELECT public FROM requests WHERE id = ?",
        &[db::text(request_id)],
    )?;
    Ok(match db::first_row(&result) {
        Some(row) => row.get::<i64>("public")? == 1,
        None => false,
    })
}

/// The SQL condition (on timeline columns `kind`, `actor_kind`, `public` of alias `t`) of
/// the entries Open311 publishes.
pub const PUBLIC_ENTRIES: &str = "t.public = 1 AND (t.kind IN ('filed', 'status', 'reopened', \
    'merged') OR (t.kind = 'message' AND t.actor_kind IN ('staff', 'system', 'open311')))";

/// The SQL expression (for timeline alias `t`) of the request's state after entry `t`: the
/// target of the latest filing, status change or reopening up to it.
pub const STATE_AFTER: &str = "(SELECT s.to_value FROM timeline s WHERE s.request_id = \
    t.request_id AND s.seq <= t.seq AND s.kind IN ('filed', 'status', 'reopened') AND \
    s.to_value IS NOT NULL ORDER BY s.seq DESC LIMIT 1)";
