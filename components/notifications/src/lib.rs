//! Notifications: receives the events other components emit and (in later issues) tells
//! citizens and agents about them.
//!
//! Private: its route is `{ private = true }`, so it is only reachable by Spin service chaining
//! at `http://notifications.spin.internal/...` from components allowed to call it. Owns the
//! SQLite database `notifications`.
//!
//! - `GET /health`: the common health report.
//! - `POST /internal/events`: store an event (`guichet:platform/events` record as JSON), once
//!   per id: a retried delivery answers 200 again, with `"stored":"duplicate"`.
//! - `GET /internal/events/:id`: the stored event, or 404.

mod events;
mod schema;

use guichet_guest::{health, routing, ApiError};
use spin_sdk::http::{Request, Response};

const DATABASE: &str = "notifications";

guichet_guest::http_entry!(crate::route);

async fn route(req: Request) -> Result<Response, ApiError> {
    let segments = routing::request_segments(&req, "/").ok_or(ApiError::NotFound)?;
    match segments.as_slice() {
        ["health"] => {
            routing::only_get(&req)?;
            health::respond("notifications", DATABASE, schema::MIGRATIONS)
        }
        ["internal", "events"] => {
            routing::only_post(&req)?;
            events::receive(&req)
        }
        ["internal", "events", id] => {
            routing::only_get(&req)?;
            events::fetch(id)
        }
        _ => Err(ApiError::NotFound),
    }
}
