//! External sign-in with OpenID Connect providers (FranceConnect and any standard provider),
//! configured per commune, linked to Guichet accounts.
//!
//! - [`config`]: the providers a commune's administrator configures (JSON API under
//!   `/api/identity/oidc-providers`), and the public list the sign-in page shows.
//! - [`discovery`]: the provider's discovery document and JWKS, fetched at each use (a fresh
//!   instance serves every request, so there is nothing to cache in memory).
//! - [`pending`]: one authorization in progress: state, nonce and PKCE, bound to the browser
//!   that started it by a short-lived cookie.
//! - [`flow`]: the browser routes `/account/oidc/{provider}/start` and `/account/oidc/callback`
//!   (authorization code flow with PKCE S256, `state`, `nonce`, `acr_values`).
//! - [`id_token`]: the complete validation of the ID token (signature with the provider's key
//!   pinned to its algorithm, `iss`, `aud`/`azp`, `exp`/`iat`, `nonce`, `acr`, `sub`).
//! - [`userinfo`]: the claims a provider only gives at its userinfo endpoint (FranceConnect).
//! - [`link`]: which Guichet account an external identity signs in to, and when linking is
//!   refused (an existing account with the same e-mail is never taken over).
//! - [`fetch`]: outbound HTTP to providers, with size limits.
//! - [`destination`]: the hosts those requests may go to (no internal address or name).
//! - [`pages`]: the HTML pages the browser sees when something is refused.
//!
//! The account pages (`crate::web`) show the offered providers ([`offered`], the same list as
//! the public API) on the sign-in and registration pages, and the identities linked to an
//! account ([`linked`]) on its page, with a link to link each provider not linked yet.
//!
//! Outbound requests go only to hosts the manifest allows (`oidc_allowed_hosts`, by default
//! FranceConnect's `https://*.franceconnect.gouv.fr:443`), never to an internal address or name
//! unless the operator listed that very host ([`destination`]).

mod config;
mod destination;
mod discovery;
mod fetch;
mod flow;
mod id_token;
mod link;
mod pages;
mod pending;
mod userinfo;

/// For the account pages' unit tests, which build [`Offered`] values.
#[cfg(test)]
pub use config::ProviderId;
pub use config::{offered, Offered};
pub use link::{linked, Linked};

use guichet_guest::{routing, ApiError};
use spin_sdk::http::{Method, Request, Response};

use crate::context::Ctx;

/// `/api/identity/oidc-providers/...`; `rest` is what follows `oidc-providers`.
pub async fn admin_route(
    req: &Request,
    ctx: &Ctx<'_>,
    rest: &[&str],
) -> Result<Response, ApiError> {
    match rest {
        [] => match req.method() {
            Method::Get => config::list(ctx),
            Method::Post => config::create(req, ctx).await,
            _ => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        },
        ["public"] => {
            routing::only_get(req)?;
            config::public_list(ctx)
        }
        [id] => match req.method() {
            Method::Get => config::show(ctx, id),
            Method::Delete => config::delete(ctx, id),
            _ => Err(ApiError::MethodNotAllowed {
                allow: "GET, DELETE",
            }),
        },
        _ => Err(ApiError::NotFound),
    }
}

/// `/account/oidc/...` (browser pages); `rest` is what follows `/account/oidc`.
pub async fn web_route(req: &Request, ctx: &Ctx<'_>, rest: &[&str]) -> Result<Response, ApiError> {
    match rest {
        ["callback"] => {
            routing::only_get(req)?;
            Ok(flow::callback(req, ctx).await)
        }
        [provider, "start"] => {
            routing::only_get(req)?;
            Ok(flow::start(req, ctx, provider).await)
        }
        _ => Err(ApiError::NotFound),
    }
}
