//! The log of staff reads (docs/SECURITY.md item 22): every time a member of staff reads a request
//! (`GET /api/requests/{ref}`, one of its files), the agents' queue (`GET /api/requests`: the
//! filter, never the results) or a CSV export, one row says who, when, what and why
//! (`?purpose=`, optional, one of [`PURPOSES`]). The row is written in the same transaction as
//! the read, so nothing is read without its log entry.
//!
//! The citizen sees the reads of their requests in their export (`staff_reads`, through
//! identity's `GET /api/identity/me/export`); administrators see every read at
//! `GET /api/requests/reads?reference=&reader=&kind=&limit=` (newest first). Rows are kept
//! [`RETENTION_MONTHS`] months (the CNIL's guidance for access logs), deleted by the
//! retention purge, and kept through a citizen's erasure (they are the commune's security
//! record, GDPR art. 32).

use guichet_guest::codes::Role;
use guichet_guest::db::Connection;
use guichet_guest::query::Query;
use guichet_guest::tokens::authorize_in;
use guichet_guest::{response, ApiError, Commune, FieldError};
use serde_json::{json, Value as Json};
use spin_sdk::http::Response;

use crate::store::reads::{self as store, Filter};
pub use crate::store::reads::{log, purge, Read, RETENTION_MONTHS};
use crate::Ctx;

/// Why a member of staff reads (the same purposes as identity's reads, plus the queue's).
pub const PURPOSES: &[&str] = &[
    "handling_request",
    "identity_check",
    "support",
    "supervision",
    "statistics",
];
/// The kinds of read.
const KINDS: &[&str] = &["request", "attachment", "queue", "export", "triage"];
/// Default and largest page of the admin list.
const LIMIT: i64 = 100;
const LIMIT_MAX: i64 = 1_000;

/// The `purpose` query parameter: `None` when not given, 400 when not one of [`PURPOSES`].
pub fn purpose(query: &Query) -> Result<Option<&'static str>, ApiError> {
    match query.non_empty("purpose") {
        None => Ok(None),
        Some(given) => PURPOSES
            .iter()
            .find(|p| **p == given)
            .copied()
            .map(Some)
            .ok_or_else(|| {
                ApiError::field(
                    "purpose",
                    "unknown_value",
                    format!("must be one of: {}", PURPOSES.join(", ")),
                )
            }),
    }
}

/// `query` without its `purpose` parameter (the queue checks the rest strictly).
pub fn without_purpose(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| {
            let name = pair.split_once('=').map_or(*pair, |(n, _)| n);
            !name.is_empty() && name != "purpose"
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The reads of the requests `request_ids`, for the citizen's export, newest first:
/// `{"reference","kind","reader_id","purpose","read_at"}`.
pub fn of_requests(
    conn: &Connection,
    commune: &Commune,
    request_ids: &[String],
) -> anyhow::Result<Vec<Json>> {
    let mut reads = Vec::new();
    for id in request_ids {
        reads.extend(store::of_request(conn, commune, id)?);
    }
    reads.sort_by(|a, b| b.read_at.cmp(&a.read_at));
    Ok(reads.iter().map(|read| json!(read)).collect())
}

/// `GET /api/requests/reads` (admin): `{"reads":[{"reference","kind","reader_id","purpose",
/// "read_at","filter"}],"retention_months"}`, newest first, filtered by `reference`, `reader`
/// and `kind`.
pub fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    authorize_in(req, commune, Role::Admin)?;
    let query = Query::of(req);
    let mut errors = Vec::new();
    for (name, _) in query.pairs() {
        if !matches!(name.as_str(), "reference" | "reader" | "kind" | "limit") {
            errors.push(FieldError::new(
                name.as_str(),
                "unknown_parameter",
                "not a filter of this list",
            ));
        }
    }
    let kind = query.non_empty("kind");
    if kind.is_some_and(|k| !KINDS.contains(&k)) {
        errors.push(FieldError::new(
            "kind",
            "unknown_value",
            format!("must be one of: {}", KINDS.join(", ")),
        ));
    }
    let limit = match query.non_empty("limit").map(str::parse::<i64>) {
        None => LIMIT,
        Some(Ok(n)) if (1..=LIMIT_MAX).contains(&n) => n,
        Some(_) => {
            errors.push(FieldError::new(
                "limit",
                "out_of_range",
                format!("must be a whole number from 1 to {LIMIT_MAX}"),
            ));
            LIMIT
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::BadRequest { errors });
    }
    let filter = Filter {
        reference: query.non_empty("reference"),
        reader: query.non_empty("reader"),
        kind,
        limit,
    };
    let reads = store::list(ctx.conn(), commune, &filter)?;
    Ok(response::json(
        200,
        &json!({"reads": reads, "retention_months": RETENTION_MONTHS}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purpose_is_taken_out_of_a_queue_query() {
        assert_eq!(
            without_purpose("state=new&purpose=supervision&q=rue"),
            "state=new&q=rue"
        );
        assert_eq!(without_purpose("purpose=x"), "");
        assert_eq!(without_purpose(""), "");
        assert_eq!(without_purpose("purposes=1&a"), "purposes=1&a");
    }
}
