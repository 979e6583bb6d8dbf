//! Signatures: electronic signatures of documents by the commune's agents
//! (`/api/signatures/...`), and their public verification.
//!
//! Owns the SQLite database `signatures` ([`schema`]; every row carries its commune). Every
//! route but health and the privacy contract serves the commune the request is addressed to
//! (its host name, resolved by identity through the shared context); staff routes take the
//! caller from the bearer token, verified by the composed `tokens` verifier ([`agent`]).
//!
//! - `GET health`: the common health report.
//! - documents, staff ([`documents`]): `POST documents`, `GET documents/{id}`,
//!   `POST documents/{id}/versions`, `GET documents/{id}/versions/{n}/content`,
//!   `GET documents/{id}/bundle` ([`bundle`]).
//! - flows, staff ([`flows`], rules in [`rules`], history in [`steps`]): `POST flows`,
//!   `GET flows/{id}`, `POST flows/{id}/sign|decline|cancel`; each step of a flow about a
//!   request goes to that request's timeline (`guichet:platform/signing`), retried by
//!   `POST steps/retry` (administrators); `POST reminders` ([`reminders`]) reminds the
//!   signers of flows due soon or late through notifications.
//! - keys ([`keys`]): `POST keys`, `GET keys/mine`, `POST keys/{kid}/revoke` (staff);
//!   `GET keys` (public: the commune's JWKS).
//! - public verification ([`check`]): `GET|POST check`, the page `GET verify` and
//!   its upload form `POST verify`.
//! - the commune's evidence log ([`evidence`]): `GET evidence/head|heads|consistency`
//!   (public), `GET evidence/entries[/{index}]` (supervisors, administrators); other
//!   components append by chaining to `POST /internal/evidence` (`guichet:platform/evidence`).
//! - passkeys ([`passkeys`]): `POST passkeys/options`, `POST passkeys`, `GET passkeys/mine`,
//!   `POST passkeys/{credential}/revoke`, `POST flows/{id}/passkey/options|sign`, the page
//!   `GET passkey` and its script `GET assets/passkey.js`.
//! - completion certificates ([`certificate`]): `GET flows/{id}/certificate` (HTML) and
//!   `GET flows/{id}/certificate.pdf`.
//! - `POST /internal/privacy/export`, `POST /internal/privacy/erase`: only by service chaining
//!   (no public route covers `/internal/...`); see [`privacy`].

mod agent;
mod bundle;
mod certificate;
mod check;
mod documents;
mod evidence;
mod flows;
mod keys;
mod passkeys;
mod privacy;
mod reminders;
mod rules;
mod schema;
mod steps;

use guichet_guest::{dates, health, routing, ApiError};
use spin_sdk::http::{Method, Request, Response};

const PREFIX: &str = "/api/signatures";
/// Paths only other components reach, by service chaining.
const INTERNAL_PREFIX: &str = "/internal";
const DATABASE: &str = "signatures";
/// This component's id, in its health and privacy answers.
const COMPONENT: &str = "signatures";

/// One request's context in signatures: its caller is an [`agent::Agent`].
pub(crate) type Ctx<'r> = guichet_guest::context::Ctx<'r, agent::Agent>;

guichet_guest::http_entry!(crate::route);

/// Now, in Unix seconds and as Guichet stores times (`YYYY-MM-DDThh:mm:ssZ`).
pub(crate) fn now() -> (u64, String) {
    let unix = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    (unix, dates::format(i64::try_from(unix).unwrap_or(i64::MAX)))
}

async fn route(req: Request) -> Result<Response, ApiError> {
    if let Some(segments) = routing::segments_below(req.path(), INTERNAL_PREFIX) {
        if let ["evidence"] = segments.as_slice() {
            routing::only_post(&req)?;
            return evidence::append::receive(&req);
        }
        return privacy::route(&req, &segments);
    }
    let segments = routing::request_segments(&req, PREFIX).ok_or(ApiError::NotFound)?;
    if let ["assets", "passkey.js"] = segments.as_slice() {
        routing::only_get(&req)?;
        return Ok(passkeys::page::script());
    }
    if let ["health"] = segments.as_slice() {
        routing::only_get(&req)?;
        return health::respond(COMPONENT, DATABASE, schema::MIGRATIONS);
    }
    let ctx = Ctx::for_request(&req, DATABASE, schema::MIGRATIONS).await?;
    let post = || routing::only_post(&req);
    let get = || routing::only_get(&req);
    match segments.as_slice() {
        ["documents"] => post().and_then(|()| documents::create(&ctx)),
        ["documents", id] => get().and_then(|()| documents::show(&ctx, id)),
        ["documents", id, "versions"] => post().and_then(|()| documents::add_version(&ctx, id)),
        ["documents", id, "versions", n, "content"] => {
            get().and_then(|()| documents::content(&ctx, id, n))
        }
        ["documents", id, "bundle"] => get().and_then(|()| bundle::respond(&ctx, id)),
        ["flows"] => {
            post()?;
            flows::create(&ctx).await
        }
        ["flows", id] => get().and_then(|()| flows::show(&ctx, id)),
        ["flows", id, "sign"] => {
            post()?;
            flows::sign(&ctx, id).await
        }
        ["flows", id, "decline"] => {
            post()?;
            flows::decline(&ctx, id).await
        }
        ["flows", id, "cancel"] => {
            post()?;
            flows::cancel(&ctx, id).await
        }
        ["reminders"] => {
            post()?;
            reminders::send(&ctx).await
        }
        ["steps", "retry"] => {
            post()?;
            steps::retry(&ctx).await
        }
        ["keys"] => match req.method() {
            Method::Get => keys::published(&ctx),
            Method::Post => keys::enrol(&ctx),
            _ => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        },
        ["keys", "mine"] => get().and_then(|()| keys::mine(&ctx)),
        ["keys", kid, "revoke"] => post().and_then(|()| keys::revoke(&ctx, kid)),
        ["check"] => match req.method() {
            Method::Get => check::by_digest(&ctx),
            Method::Post => check::by_file(&ctx),
            _ => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        },
        ["verify"] => match req.method() {
            Method::Get => check::page(&ctx),
            Method::Post => check::page_upload(&ctx).await,
            _ => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        },
        ["evidence", rest @ ..] => get().and_then(|()| evidence::route(&ctx, rest)),
        ["flows", id, "certificate"] => get().and_then(|()| certificate::html(&ctx, id)),
        ["flows", id, "certificate.pdf"] => get().and_then(|()| certificate::pdf(&ctx, id)),
        other => match passkeys::route(&ctx, other).await {
            Some(answer) => answer,
            None => Err(ApiError::NotFound),
        },
    }
}
