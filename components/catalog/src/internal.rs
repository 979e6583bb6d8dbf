//! What other components read of the catalogue by service chaining (no public route reaches
//! `/internal/...`): the whole bilingual definition of a service, for `requests`, which checks
//! answers against its form and follows its workflow.
//!
//! - `GET /internal/services/{code}?commune=C[&version=N]`: the `catalog` contract's
//!   `published-service` (`wit/catalog.wit`) of the published version (or of version N, kept
//!   after archiving: requests filed against it still need it); 404 when there is none.
//!
//! The commune is a parameter, not the host name: a chained request is addressed to
//! `catalog.spin.internal`, and the caller has already resolved the commune it serves.

use guichet_guest::catalog_contract;
use guichet_guest::codes::ServiceCode;
use guichet_guest::contracts::catalog::{PublishedService, ServiceStatus};
use guichet_guest::query::Query;
use guichet_guest::service::Status;
use guichet_guest::{response, ApiError, Commune, FieldError};
use spin_sdk::http::{Request, Response};

use crate::store::Store;

/// `GET /internal/services/{code}`.
pub fn service(req: &Request, code: &str) -> Result<Response, ApiError> {
    let query = Query::of(req);
    let mut errors = Vec::new();
    let commune = match query.non_empty("commune").map(Commune::parse) {
        Some(Ok(commune)) => Some(commune),
        _ => {
            errors.push(FieldError::new("commune", "invalid", "a commune id is required"));
            None
        }
    };
    let version = match query.non_empty("version") {
        None => None,
        Some(text) => match text.parse::<i64>().ok().filter(|v| *v > 0) {
            Some(version) => Some(version),
            None => {
                errors.push(FieldError::new("version", "invalid", "must be a positive integer"));
                None
            }
        },
    };
    let Some(commune) = commune.filter(|_| errors.is_empty()) else {
        return Err(ApiError::BadRequest { errors });
    };
    if ServiceCode::parse(code).is_err() {
        return Err(ApiError::NotFound);
    }
    let conn = crate::store::open()?;
    let store = Store::new(&conn, commune)?;
    let status = store.service(code)?.map(|s| s.status).ok_or(ApiError::NotFound)?;
    let published = match version {
        Some(version) => store.version(code, version)?,
        None => store.published(code)?,
    }
    .ok_or(ApiError::NotFound)?;
    let status = match status {
        Status::Published => ServiceStatus::Published,
        Status::Archived => ServiceStatus::Archived,
        Status::Draft => ServiceStatus::Draft,
    };
    Ok(response::json(
        200,
        &PublishedService {
            version: published.version,
            status,
            definition: catalog_contract::to_contract(published.definition),
        },
    ))
}
