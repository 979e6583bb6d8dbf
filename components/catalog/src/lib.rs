//! Catalog: the services a commune offers (`/api/catalog/...`), also published as Open311
//! services (`/open311/v2/services.json`, `/open311/v2/services.xml`, `/open311/v2/services/...`).
//!
//! Owns the SQLite database `catalog`. For now:
//!
//! - `GET /api/catalog/health`: the common health report.
//! - Open311 service paths: Open311 404 errors, JSON or XML by suffix, until the catalogue exists.

use guichet_guest::{health, open311, routing, ApiError};
use spin_sdk::http::{Request, Response};

const PREFIX: &str = "/api/catalog";
const OPEN311_PREFIX: &str = "/open311/v2";
const DATABASE: &str = "catalog";
/// Schema of the `catalog` database (one statement per migration, append only).
const MIGRATIONS: &[&str] = &[];

guichet_guest::http_entry!(crate::route);

async fn route(req: Request) -> Result<Response, ApiError> {
    let path = req.path();
    if routing::segments_below(path, OPEN311_PREFIX).is_some() {
        return Ok(open311::not_found(path));
    }
    let segments = routing::request_segments(&req, PREFIX).ok_or(ApiError::NotFound)?;
    match segments.as_slice() {
        ["health"] => {
            routing::only_get(&req)?;
            health::respond("catalog", DATABASE, MIGRATIONS)
        }
        _ => Err(ApiError::NotFound),
    }
}
