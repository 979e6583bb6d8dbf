//! Portal: Guichet's web pages, and the catch-all route `/...` of the application.
//!
//! Owns the SQLite database `portal` (its cache of the communes of host names,
//! [`guichet_guest::context`], and the agents' saved views of the queue, [`admin`]); keeps no
//! session of its own: who is signed in is identity's
//! browser session, turned into an access token by identity ([`session`]). Its pages are compiled askama templates (`templates/`, one
//! layout: [`page`]), in French and English ([`i18n`]), and read the catalogue by chaining.
//!
//! - `GET /`, `GET /search?q=`, `GET /services/{code}`: the commune's services ([`catalogue`]).
//! - `GET/POST /services/{code}/form`: the service's form, generated from its definition, and
//!   its filing through requests by chaining ([`form`]); the receipt ([`receipt`]).
//! - `/admin/...`: the agents' back-office ([`admin`]).
//! - `GET/POST /mine/inbox`, `GET/POST /mine/preferences`: the citizen's messages and their
//!   message preferences, through notifications' API ([`space`]).
//! - `GET /mine`: the signed-in citizen's requests with their state ([`mine`]).
//! - `GET /track`: follow a request with its reference and tracking code ([`track`]), and its
//!   static files under `/assets/`.
//! - `GET /health`: the common health report.
//! - `GET /openapi.json`: the OpenAPI document of every endpoint (`docs/openapi.json`).
//! - anything else: a JSON 404 (unknown `/api/...` paths land here too).

mod admin;
mod catalogue;
mod csrf;
mod form;
mod i18n;
mod mine;
mod page;
mod posted;
mod receipt;
mod session;
mod space;
mod track;

use guichet_guest::context::Ctx;
use guichet_guest::{health, response, routing, ApiError};
use spin_sdk::http::{Method, Request, Response};

const DATABASE: &str = "portal";
/// The API description, kept beside the architecture docs and compiled in.
const OPENAPI: &str = include_str!("../../../docs/openapi.json");
/// Schema of the `portal` database (one statement per migration, append only).
const MIGRATIONS: &[&str] = &[
    guichet_guest::context::CACHE_TABLE,
    guichet_guest::context::CACHE_BRANDING,
    // the agents' saved views of the queue (admin/views.rs).
    admin::views::TABLE,
];

guichet_guest::http_entry!(crate::route);

async fn route(req: Request) -> Result<Response, ApiError> {
    let segments = routing::request_segments(&req, "/").ok_or(ApiError::NotFound)?;
    match segments.as_slice() {
        [] => {
            routing::only_get(&req)?;
            catalogue::home(&Ctx::for_request(&req, DATABASE, MIGRATIONS).await?).await
        }
        ["search"] => {
            routing::only_get(&req)?;
            catalogue::search(&Ctx::for_request(&req, DATABASE, MIGRATIONS).await?).await
        }
        ["services", code] => {
            routing::only_get(&req)?;
            catalogue::service(&Ctx::for_request(&req, DATABASE, MIGRATIONS).await?, code).await
        }
        ["services", code, "form"] => {
            let ctx = Ctx::for_request(&req, DATABASE, MIGRATIONS).await?;
            match req.method() {
                Method::Get => form::show(&ctx, code).await,
                Method::Post => form::file(&ctx, code).await,
                _ => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
            }
        }
        ["admin", rest @ ..] => {
            admin::route(&Ctx::for_request(&req, DATABASE, MIGRATIONS).await?, rest).await
        }
        ["mine", "inbox"] => {
            only_get_or_post(&req)?;
            space::inbox(&Ctx::for_request(&req, DATABASE, MIGRATIONS).await?).await
        }
        ["mine", "preferences"] => {
            only_get_or_post(&req)?;
            space::preferences(&Ctx::for_request(&req, DATABASE, MIGRATIONS).await?).await
        }
        ["mine"] => {
            routing::only_get(&req)?;
            mine::page(&Ctx::for_request(&req, DATABASE, MIGRATIONS).await?).await
        }
        ["track"] => {
            routing::only_get(&req)?;
            track::page(&Ctx::for_request(&req, DATABASE, MIGRATIONS).await?)
        }
        ["assets", "brand.css"] => {
            routing::only_get(&req)?;
            page::brand_css(&Ctx::for_request(&req, DATABASE, MIGRATIONS).await?)
        }
        ["assets", name] => {
            routing::only_get(&req)?;
            track::asset(&req, name)
        }
        ["health"] => {
            routing::only_get(&req)?;
            health::respond("portal", DATABASE, MIGRATIONS)
        }
        ["openapi.json"] => {
            routing::only_get(&req)?;
            Ok(response::with_type(
                200,
                "application/json; charset=utf-8",
                OPENAPI.as_bytes().to_vec(),
                false,
            ))
        }
        _ => Err(ApiError::NotFound),
    }
}

/// `Ok` for GET and POST, else a 405 allowing them.
fn only_get_or_post(req: &Request) -> Result<(), ApiError> {
    match req.method() {
        Method::Get | Method::Post => Ok(()),
        _ => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
    }
}
