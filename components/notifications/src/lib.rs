//! Notifications: receives the events other components emit, tells citizens about their
//! requests, and sends the messages other components ask for (e-mail and SMS, through the
//! providers' HTTP APIs).
//!
//! Private: its route is `{ private = true }`, so it is only reachable by Spin service chaining
//! at `http://notifications.spin.internal/...` from components allowed to call it. Owns the
//! SQLite database `notifications`; outbound HTTP only to `{{ mail_api_origin }}` and
//! `{{ sms_api_origin }}`.
//!
//! - `GET /health`: the common health report.
//! - `POST /internal/events`: store an event (`guichet:platform/events` record as JSON), once
//!   per id: a retried delivery answers 200 again, with `"stored":"duplicate"`. An event about
//!   a citizen's request also becomes one message per recipient, on the channel they chose
//!   (e-mail or SMS), stored with the event and attempted at once (see [`citizen`]).
//! - `GET /internal/events/:id`: the stored event, or 404.
//! - `POST /internal/messages`: store a message once per id and try to send it at once
//!   (200 sent, 202 queued for retry or failed, 200 duplicate); see [`messages::receive`].
//! - `POST /internal/messages/retry`: attempt the queued messages that are due.
//! - `GET /internal/messages/:id`: a stored message and its delivery state, or 404.
//! - `POST /internal/privacy/export`, `POST /internal/privacy/erase`: a person's messages
//!   (GDPR), see `guichet_guest::privacy`.

mod citizen;
mod delivery;
mod events;
mod message;
mod messages;
mod privacy;
mod provider;
mod schema;
mod sms;
mod store;

use guichet_guest::{health, routing, ApiError};
use spin_sdk::http::{Method, Request, Response};

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
            events::receive(&req).await
        }
        ["internal", "events", id] => {
            routing::only_get(&req)?;
            events::fetch(id)
        }
        ["internal", "messages"] => {
            routing::only_post(&req)?;
            messages::receive(&req).await
        }
        // `retry` is also a valid message id: GET reads that message, POST runs the retries.
        ["internal", "messages", "retry"] if matches!(req.method(), Method::Post) => {
            messages::retry(&req).await
        }
        ["internal", "messages", id] => {
            routing::only_get(&req)?;
            messages::fetch(id)
        }
        ["internal", "privacy", "export"] => {
            routing::only_post(&req)?;
            privacy::export(&req)
        }
        ["internal", "privacy", "erase"] => {
            routing::only_post(&req)?;
            privacy::erase(&req)
        }
        _ => Err(ApiError::NotFound),
    }
}
