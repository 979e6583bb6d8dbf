//! Portal: Guichet's web pages, and the catch-all route `/...` of the application.
//!
//! Owns the SQLite database `portal`.
//!
//! - `GET /`: the home page, "Guichet — <commune>", with links to the public endpoints.
//! - `GET /health`: the common health report.
//! - anything else: a JSON 404 (unknown `/api/...` paths land here too).

mod home;

use guichet_guest::{health, routing, ApiError};
use spin_sdk::http::{Request, Response};

const DATABASE: &str = "portal";
/// Schema of the `portal` database (one statement per migration, append only).
const MIGRATIONS: &[&str] = &[];

guichet_guest::http_entry!(crate::route);

async fn route(req: Request) -> Result<Response, ApiError> {
    let segments = routing::request_segments(&req, "/").ok_or(ApiError::NotFound)?;
    match segments.as_slice() {
        [] => {
            routing::only_get(&req)?;
            home::respond()
        }
        ["health"] => {
            routing::only_get(&req)?;
            health::respond("portal", DATABASE, MIGRATIONS)
        }
        _ => Err(ApiError::NotFound),
    }
}
