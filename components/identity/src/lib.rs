//! Identity: one account per person for every service of their commune, the communes
//! themselves, staff roles, access tokens every component can verify, and personal data.
//!
//! Owns the SQLite database `identity` ([`schema`]) and the key-value store `identity` (rate
//! limits, [`throttle`]). Routes (see docs/openapi.json for bodies and answers):
//!
//! - `/api/identity/...`: the JSON API: [`communes`] (platform administrator), [`accounts`]
//!   (register, verify, sign in, reset, change e-mail), [`issue`] (tokens), [`profile`],
//!   [`consents`], [`staff`] (departments, invitations, agents, agents' reads of citizens),
//!   [`privacy`] (export, erasure, who read my data), [`oidc`] (external providers).
//! - `/account/...`: the portal's sign-in pages with browser sessions ([`web`]).
//! - `/.well-known/jwks.json`: the public keys of access tokens ([`keys`]).
//! - `/internal/communes/resolve?host=`: which commune a host name serves, for the other
//!   components (Spin service chaining only: no public route reaches `/internal/`).
//! - `POST /internal/contacts`: the contact of accounts, for notifications only (a secret
//!   only the two share), see [`contacts`].
//! - `POST /internal/session-tokens`: the access token of a browser session, for the portal's
//!   pages only (a secret only the two share), see [`session_tokens`].
//! - `POST /internal/staff-tokens`: an agent's access token (with roles) from a young staff
//!   browser session, for the back-office only (`staff_relay_secret`), same module.

mod accounts;
mod auth;
mod communes;
mod consents;
mod contacts;
mod context;
mod evidence_log;
mod health;
mod issue;
mod keys;
mod links;
mod mail;
mod oidc;
mod password;
mod privacy;
mod profile;
mod retention;
mod roles;
mod schema;
mod secrets;
mod session_tokens;
mod staff;
mod throttle;
mod web;

use guichet_guest::{response, routing, ApiError};
use spin_sdk::http::{Method, Request, Response};

guichet_guest::http_entry!(crate::route);

async fn route(req: Request) -> Result<Response, ApiError> {
    let path = req.path().to_owned();
    if path == "/.well-known/jwks.json" {
        routing::only_get(&req)?;
        return jwks();
    }
    if let Some(segments) = routing::segments_below(&path, "/internal") {
        return match segments.as_slice() {
            ["communes", "resolve"] => {
                routing::only_get(&req)?;
                communes::resolve_route(&req)
            }
            ["contacts"] => {
                routing::only_post(&req)?;
                contacts::lookup(&req)
            }
            ["session-tokens"] => {
                routing::only_post(&req)?;
                session_tokens::issue_for_portal(&req)
            }
            ["staff-tokens"] => {
                routing::only_post(&req)?;
                session_tokens::issue_for_back_office(&req)
            }
            _ => Err(ApiError::NotFound),
        };
    }
    if let Some(segments) = routing::segments_below(&path, "/account") {
        let ctx = context::for_request(&req)?;
        return web::route(&req, &ctx, &segments).await;
    }
    let segments = routing::segments_below(&path, "/api/identity").ok_or(ApiError::NotFound)?;
    match segments.as_slice() {
        ["health"] => {
            routing::only_get(&req)?;
            return health::respond();
        }
        ["communes"] => {
            return match req.method() {
                Method::Get => communes::list(&req),
                Method::Post => communes::create(&req),
                _ => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
            };
        }
        ["retention", "purge"] => {
            routing::only_post(&req)?;
            return retention::purge_route(&req);
        }
        ["communes", commune] => {
            return match req.method() {
                Method::Patch => communes::update(&req, commune),
                _ => Err(ApiError::MethodNotAllowed { allow: "PATCH" }),
            };
        }
        ["communes", commune, "invitations"] => {
            routing::only_post(&req)?;
            return staff::invite_first_admin(&req, commune).await;
        }
        _ => {}
    }
    let ctx = context::for_request(&req)?;
    match segments.as_slice() {
        ["commune"] => {
            routing::only_get(&req)?;
            communes::current(&ctx)
        }
        ["register"] => {
            routing::only_post(&req)?;
            accounts::register(&req, &ctx).await
        }
        ["verify-email"] => {
            routing::only_post(&req)?;
            accounts::verify_email(&req, &ctx)
        }
        ["token"] => {
            routing::only_post(&req)?;
            accounts::token(&req, &ctx)
        }
        ["logout"] => {
            routing::only_post(&req)?;
            accounts::logout(&req, &ctx)
        }
        ["logout-all"] => {
            routing::only_post(&req)?;
            accounts::logout_all(&ctx)
        }
        ["password-reset"] => {
            routing::only_post(&req)?;
            accounts::request_reset(&req, &ctx).await
        }
        ["password-reset", "confirm"] => {
            routing::only_post(&req)?;
            accounts::confirm_reset(&req, &ctx)
        }
        ["me"] => match req.method() {
            Method::Get => profile::show(&ctx),
            Method::Patch => profile::update(&req, &ctx),
            _ => Err(ApiError::MethodNotAllowed {
                allow: "GET, PATCH",
            }),
        },
        ["me", "email"] => {
            routing::only_post(&req)?;
            accounts::request_email_change(&req, &ctx).await
        }
        ["me", "email", "confirm"] => {
            routing::only_post(&req)?;
            accounts::confirm_email_change(&req, &ctx)
        }
        ["me", "consents"] => {
            routing::only_get(&req)?;
            consents::show(&ctx)
        }
        ["me", "consents", purpose] => match req.method() {
            Method::Put => consents::change(&req, &ctx, purpose),
            _ => Err(ApiError::MethodNotAllowed { allow: "PUT" }),
        },
        ["me", rest @ ..] => privacy::route(&req, &ctx, rest).await,
        ["branding"] => match req.method() {
            Method::Put => communes::put_branding(&req, &ctx).await,
            _ => Err(ApiError::MethodNotAllowed { allow: "PUT" }),
        },
        ["oidc-providers", rest @ ..] => oidc::admin_route(&req, &ctx, rest).await,
        ["outbox", "retry"] => {
            routing::only_post(&req)?;
            mail::retry(&req, &ctx).await
        }
        rest => staff::route(&req, &ctx, rest).await,
    }
}

/// `GET /.well-known/jwks.json`: public, cacheable for a few minutes (rotation publishes a new
/// key well before it signs, so a cached copy is never missing the signing key).
fn jwks() -> Result<Response, ApiError> {
    let keys = keys::SigningKeys::configured()?;
    let body = serde_json::to_vec(&keys.jwks()).map_err(anyhow::Error::from)?;
    let mut response = response::with_type(200, "application/jwk-set+json", body, false);
    response.set_header("cache-control", "public, max-age=300");
    Ok(response)
}
