//! Identity: Guichet's accounts, sign-in and access tokens (`/api/identity/...`).
//!
//! Owns the SQLite database `identity` and the key-value store `identity`. For now it only
//! answers its health check:
//!
//! - `GET /api/identity/health`: the common health report plus `kv_ok` (a get/set round trip
//!   on the `identity` store).

mod health;

use guichet_guest::{routing, ApiError};
use spin_sdk::http::{Request, Response};

const PREFIX: &str = "/api/identity";

guichet_guest::http_entry!(crate::route);

async fn route(req: Request) -> Result<Response, ApiError> {
    let segments = routing::request_segments(&req, PREFIX).ok_or(ApiError::NotFound)?;
    match segments.as_slice() {
        ["health"] => {
            routing::only_get(&req)?;
            health::respond()
        }
        _ => Err(ApiError::NotFound),
    }
}
