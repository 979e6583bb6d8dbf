//! Signatures: electronic signatures of documents by the commune's agents
//! (`/api/signatures/...`).
//!
//! Owns the SQLite database `signatures`. For now it only answers its health check:
//!
//! - `GET /api/signatures/health`: the common health report.

use guichet_guest::{health, routing, ApiError};
use spin_sdk::http::{Request, Response};

const PREFIX: &str = "/api/signatures";
const DATABASE: &str = "signatures";
/// Schema of the `signatures` database (one statement per migration, append only).
const MIGRATIONS: &[&str] = &[];

guichet_guest::http_entry!(crate::route);

async fn route(req: Request) -> Result<Response, ApiError> {
    let segments = routing::request_segments(&req, PREFIX).ok_or(ApiError::NotFound)?;
    match segments.as_slice() {
        ["health"] => {
            routing::only_get(&req)?;
            health::respond("signatures", DATABASE, MIGRATIONS)
        }
        _ => Err(ApiError::NotFound),
    }
}
