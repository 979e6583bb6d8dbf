//! Catalog: the services a commune offers (`/api/catalog/...`), also published as Open311
//! services (`/open311/v2/services.json`, `/open311/v2/services.xml`, `/open311/v2/services/...`).
//!
//! Owns the SQLite database `catalog` (every row carries its commune); verifies
//! administrators' bearer tokens with the composed `guichet:platform/tokens` verifier.
//! Every route but health serves the commune the request is addressed to
//! ([`guichet_guest::tenant`]: its host name, resolved by identity); a host name no commune
//! is served at is a 404 `unknown_commune`.
//!
//! - `GET /api/catalog/health`: the common health report.
//! - public, cacheable ([`public`]): `GET services`, `services/{code}`, `groups`, `search`.
//! - administration, `admin` role ([`admin`]): services (create, edit, publish, archive),
//!   export and import.
//! - by service chaining only ([`internal`]): `GET /internal/services/{code}?commune=`, the
//!   whole definition `requests` files against.
//! - Open311 ([`georeport`]): services and service definitions, JSON and XML; other
//!   Open311 paths routed here are Open311 404s.
//!
//! The service definition ([`model`]) is validated by [`validate`] (every error at once),
//! stored by [`store`] (drafts, immutable versions), indexed by [`search`], and the demo
//! commune's catalogue is seeded by [`seed`].

mod admin;
mod georeport;
mod groups;
mod internal;
mod model;
mod public;
mod schema;
mod search;
mod seed;
mod store;
mod validate;

use guichet_guest::context::Ctx;
use guichet_guest::{health, routing, ApiError, Commune};
use spin_sdk::http::{Method, Request, Response};

const PREFIX: &str = "/api/catalog";
const OPEN311_PREFIX: &str = "/open311/v2";
const DATABASE: &str = "catalog";

guichet_guest::http_entry!(crate::route);

async fn route(req: Request) -> Result<Response, ApiError> {
    let path = req.path();
    if routing::segments_below(path, OPEN311_PREFIX).is_some() {
        return Ok(georeport::respond(&req).await);
    }
    if let Some(segments) = routing::segments_below(path, "/internal") {
        return match segments.as_slice() {
            ["services", code] => {
                routing::only_get(&req)?;
                internal::service(&req, code)
            }
            ["listing"] => {
                routing::only_get(&req)?;
                internal::listing(&req)
            }
            _ => Err(ApiError::NotFound),
        };
    }
    let segments = routing::request_segments(&req, PREFIX).ok_or(ApiError::NotFound)?;
    if let ["health"] = segments.as_slice() {
        routing::only_get(&req)?;
        // Health describes the deployment, not a commune: it prepares the default commune's
        // store (migrations and, for the demo commune, the seed) and reads no commune's data.
        store::Store::new(&store::open()?, Commune::current()?)?;
        return health::respond("catalog", DATABASE, &schema::migrations());
    }
    let ctx = Ctx::for_request(&req, DATABASE, &schema::migrations()).await?;
    match segments.as_slice() {
        ["services"] => {
            routing::only_get(&req)?;
            public::services(&ctx)
        }
        ["services", code] => {
            routing::only_get(&req)?;
            public::service(&ctx, code)
        }
        ["groups"] => {
            routing::only_get(&req)?;
            public::groups(&ctx)
        }
        ["search"] => {
            routing::only_get(&req)?;
            public::search(&ctx)
        }
        ["admin", "services"] => match req.method() {
            Method::Get => admin::list(&ctx),
            Method::Post => admin::create(&ctx),
            _ => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        },
        ["admin", "services", code] => match req.method() {
            Method::Get => admin::show(&ctx, code),
            Method::Put => admin::replace(&ctx, code),
            _ => Err(ApiError::MethodNotAllowed { allow: "GET, PUT" }),
        },
        ["admin", "services", code, "publish"] => {
            routing::only_post(&req)?;
            admin::publish(&ctx, code).await
        }
        ["admin", "services", code, "archive"] => {
            routing::only_post(&req)?;
            admin::archive(&ctx, code).await
        }
        ["admin", "export"] => {
            routing::only_get(&req)?;
            admin::export(&ctx)
        }
        ["admin", "import"] => {
            routing::only_post(&req)?;
            admin::import(&ctx).await
        }
        _ => Err(ApiError::NotFound),
    }
}
