//! Signatures: electronic signatures of documents by the commune's agents
//! (`/api/signatures/...`).
//!
//! Owns the SQLite database `signatures`. For now it answers its health check and the
//! personal-data contract:
//!
//! - `GET /api/signatures/health`: the common health report.
//! - `POST /internal/privacy/export`, `POST /internal/privacy/erase`: only by service chaining
//!   (no public route covers `/internal/...`); see [`privacy`].

mod privacy;

use guichet_guest::{health, routing, ApiError};
use spin_sdk::http::{Request, Response};

const PREFIX: &str = "/api/signatures";
/// Paths only other components reach, by service chaining.
const INTERNAL_PREFIX: &str = "/internal";
const DATABASE: &str = "signatures";
/// This component's id, in its health and privacy answers.
const COMPONENT: &str = "signatures";
/// Schema of the `signatures` database (one statement per migration, append only).
const MIGRATIONS: &[&str] = &[];

guichet_guest::http_entry!(crate::route);

async fn route(req: Request) -> Result<Response, ApiError> {
    if let Some(segments) = routing::segments_below(req.path(), INTERNAL_PREFIX) {
        return privacy::route(&req, &segments);
    }
    let segments = routing::request_segments(&req, PREFIX).ok_or(ApiError::NotFound)?;
    match segments.as_slice() {
        ["health"] => {
            routing::only_get(&req)?;
            health::respond(COMPONENT, DATABASE, MIGRATIONS)
        }
        _ => Err(ApiError::NotFound),
    }
}
