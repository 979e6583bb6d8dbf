//! Notifications: receives the events other components emit, tells citizens about their
//! requests, and sends the messages other components ask for (e-mail and SMS, through the
//! providers' HTTP APIs).
//!
//! Mostly private: its `/internal/...` routes are only reachable by Spin service chaining at
//! `http://notifications.spin.internal/...` from components allowed to call it. Its public
//! routes, under `/api/notifications/`, are the providers' signed delivery callbacks
//! ([`callbacks`]) and what the commune's staff see and do about messages ([`admin`],
//! [`webhooks`]: bearer access tokens checked by the composed `tokens` verifier). Owns the
//! SQLite database `notifications`; outbound HTTP to `{{ mail_api_origin }}`,
//! `{{ sms_api_origin }}`, `{{ webhook_allowed_hosts }}` and identity (the commune of a host).
//!
//! Every message has a state (`store::State`: queued, sending, delivered, temporary or
//! permanent failure), set by the provider's answer and its callbacks; attempts back off
//! exponentially with jitter up to a maximum ([`delivery`]), within a rate limit per provider;
//! given-up messages form the commune's dead-letter list; addresses that bounced are
//! suppressed ([`suppression`]).
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
//! - `/api/notifications/...`: see [`public`].

mod admin;
mod agents;
mod callbacks;
mod citizen;
mod delivery;
mod digest;
mod events;
mod inbox;
mod kinds;
mod message;
mod messages;
mod preferences;
mod privacy;
mod provider;
mod schema;
mod signing;
mod sms;
mod store;
mod suppression;
mod templates;
mod webhooks;

use guichet_guest::caller::Caller;
use guichet_guest::context::Ctx;
use guichet_guest::{health, routing, ApiError};
use spin_sdk::http::{Method, Request, Response};

const DATABASE: &str = "notifications";
/// Where the public routes are.
const PUBLIC: &str = "/api/notifications";

guichet_guest::http_entry!(crate::route);

async fn route(req: Request) -> Result<Response, ApiError> {
    if let Some(segments) = routing::request_segments(&req, PUBLIC) {
        return public(&req, &segments).await;
    }
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

/// The public routes (`/api/notifications/...`):
/// - `GET health`;
/// - `POST callbacks/{mail|sms}`: a provider's signed delivery callback ([`callbacks`]);
/// - `GET requests/{reference}/messages` (staff): a request's messages and their state;
/// - `GET dead-letters`, `POST dead-letters/{id}/retry` (admin);
/// - `GET suppressions`, `POST suppressions/lift` (admin);
/// - `GET inbox`, `POST inbox/{id}/read`, `POST inbox/read-all` (signed in): the account's
///   in-app inbox ([`inbox`]);
/// - `POST sweep` (platform administrator, or a commune's administrator): the due messages
///   and the agents' digests due ([`digest`]);
/// - `GET, PUT preferences` (signed in): the account's choices ([`preferences`]);
/// - `GET templates`, `GET, PUT, DELETE templates/{kind}/{language}/{channel}`,
///   `POST templates/{kind}/{language}/{channel}/preview` (admin): the commune's templates
///   ([`templates`]);
/// - `GET, POST webhooks`, `DELETE webhooks/{id}`, `POST webhooks/{id}/rotate` (admin).
async fn public(req: &Request, segments: &[&str]) -> Result<Response, ApiError> {
    match segments {
        ["health"] => {
            routing::only_get(req)?;
            return health::respond("notifications", DATABASE, schema::MIGRATIONS);
        }
        ["callbacks", provider] => {
            routing::only_post(req)?;
            return callbacks::receive(req, provider);
        }
        _ => {}
    }
    let ctx: Ctx<'_, Caller> = Ctx::for_request(req, DATABASE, schema::MIGRATIONS).await?;
    match segments {
        ["requests", reference, "messages"] => {
            routing::only_get(req)?;
            admin::request_messages(&ctx, reference)
        }
        ["dead-letters"] => {
            routing::only_get(req)?;
            admin::dead_letters(&ctx)
        }
        ["dead-letters", id, "retry"] => {
            routing::only_post(req)?;
            admin::retry_dead_letter(&ctx, id).await
        }
        ["suppressions"] => {
            routing::only_get(req)?;
            admin::suppressions(&ctx)
        }
        ["inbox"] => {
            routing::only_get(req)?;
            inbox::list(&ctx)
        }
        ["inbox", "read-all"] => {
            routing::only_post(req)?;
            inbox::mark_read(&ctx, None)
        }
        ["inbox", id, "read"] => {
            routing::only_post(req)?;
            inbox::mark_read(&ctx, Some(id))
        }
        ["sweep"] => {
            routing::only_post(req)?;
            admin::sweep(&ctx).await
        }
        ["suppressions", "lift"] => {
            routing::only_post(req)?;
            admin::lift(&ctx)
        }
        ["preferences"] => match req.method() {
            Method::Get => preferences::get(&ctx),
            Method::Put => preferences::put(&ctx),
            _ => Err(ApiError::MethodNotAllowed { allow: "GET, PUT" }),
        },
        ["templates"] => {
            routing::only_get(req)?;
            templates::list(&ctx)
        }
        ["templates", kind, language, channel] => match req.method() {
            Method::Get => templates::get(&ctx, kind, language, channel),
            Method::Put => templates::put(&ctx, kind, language, channel),
            Method::Delete => templates::delete(&ctx, kind, language, channel),
            _ => Err(ApiError::MethodNotAllowed {
                allow: "GET, PUT, DELETE",
            }),
        },
        ["templates", kind, language, channel, "preview"] => {
            routing::only_post(req)?;
            templates::preview(&ctx, kind, language, channel)
        }
        ["webhooks"] => match req.method() {
            Method::Get => webhooks::list(&ctx),
            Method::Post => webhooks::create(&ctx),
            _ => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        },
        ["webhooks", id] => match req.method() {
            Method::Delete => webhooks::delete(&ctx, id),
            _ => Err(ApiError::MethodNotAllowed { allow: "DELETE" }),
        },
        ["webhooks", id, "rotate"] => {
            routing::only_post(req)?;
            webhooks::rotate(&ctx, id)
        }
        _ => Err(ApiError::NotFound),
    }
}
