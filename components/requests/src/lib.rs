//! Requests: citizens' requests (`/api/requests/...`, and Open311 requests under
//! `/open311/v2/...`) and, for now, the administrators' check of the notification chain.
//!
//! Owns the SQLite database `requests`; verifies bearer tokens with the composed
//! `guichet:platform/tokens` verifier; sends events to `notifications` by service chaining
//! through a transactional outbox (the event is written with the change that causes it, then
//! delivered, so a failed delivery is never lost).
//!
//! - `GET /api/requests/health`: the common health report.
//! - `POST /api/requests/diagnostics/ping` (admin token): write a ping and its `diagnostic` event,
//!   deliver the event; 202 `{"id","delivered"}`.
//! - `GET /api/requests/diagnostics/ping/:id` (admin token): the ping's delivery state and the
//!   event as notifications stored it.
//! - `POST /api/requests/diagnostics/mail` (admin token): send a test e-mail through
//!   notifications; `GET .../mail/:id` its delivery state; `POST .../mail/retry` retry the
//!   commune's queued messages (see [`mail_check`]).
//! - other `/open311/v2/...` paths: Open311 404 errors, JSON or XML by suffix.
//! - `POST /internal/privacy/export`, `POST /internal/privacy/erase`: only by service chaining
//!   (no public route covers `/internal/...`); see [`privacy`].

mod mail_check;
mod notifications;
mod outbox;
mod ping;
mod privacy;
mod schema;

use guichet_guest::{health, open311, routing, ApiError};
use spin_sdk::http::{Method, Request, Response};

const PREFIX: &str = "/api/requests";
const OPEN311_PREFIX: &str = "/open311/v2";
/// Paths only other components reach, by service chaining.
const INTERNAL_PREFIX: &str = "/internal";
const DATABASE: &str = "requests";
/// This component's id, as the `source` of the events it emits.
const COMPONENT: &str = "requests";

guichet_guest::http_entry!(crate::route);

async fn route(req: Request) -> Result<Response, ApiError> {
    let path = req.path();
    if routing::segments_below(path, OPEN311_PREFIX).is_some() {
        return Ok(open311::not_found(path));
    }
    if let Some(segments) = routing::segments_below(path, INTERNAL_PREFIX) {
        return privacy::route(&req, &segments);
    }
    let segments = routing::request_segments(&req, PREFIX).ok_or(ApiError::NotFound)?;
    match segments.as_slice() {
        ["health"] => {
            routing::only_get(&req)?;
            health::respond(COMPONENT, DATABASE, schema::MIGRATIONS)
        }
        ["diagnostics", "ping"] => {
            routing::only_post(&req)?;
            ping::create(&req).await
        }
        ["diagnostics", "ping", id] => {
            routing::only_get(&req)?;
            ping::show(&req, id).await
        }
        ["diagnostics", "mail"] => {
            routing::only_post(&req)?;
            mail_check::send(&req).await
        }
        ["diagnostics", "mail", "retry"] if matches!(req.method(), Method::Post) => {
            mail_check::retry(&req).await
        }
        ["diagnostics", "mail", id] => {
            routing::only_get(&req)?;
            mail_check::show(&req, id).await
        }
        _ => Err(ApiError::NotFound),
    }
}
