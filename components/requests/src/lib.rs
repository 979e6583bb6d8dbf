//! Requests: the case file of every citizen request, whatever the channel (web and API,
//! Open311 apps, counter, phone, e-mail, paper mail): one reference, one timeline, one status
//! the citizen can see.
//!
//! Owns the SQLite database `requests`; verifies bearer tokens with the composed
//! `guichet:platform/tokens` verifier; reads service definitions from `catalog` and sends
//! events to `notifications`, both by service chaining. Events go through a transactional
//! outbox (written with the change that causes them, delivered after the commit, retried until
//! acknowledged), so none is lost when notifications is down.
//!
//! Every route but health serves the commune the request is addressed to (its host name,
//! resolved by identity). The modules, by layer (each with one sub-module per capability:
//! filing, tracking, workflow, duplicates, channels, queue, georeport, ...):
//! - [`http`]: the handlers; each reads the request, calls the domain and the store, and
//!   renders the answer.
//! - [`domain`]: the rules as pure functions (form answers, references and tracking codes,
//!   workflow rules, distances, e-mail parsing), without SQL or HTTP.
//! - [`store`]: the SQL of the `requests` database (schema, request rows, timeline, outbox,
//!   the queue's queries).
//! - [`calls`]: the other components, by service chaining (catalogue, identity,
//!   notifications).

mod calls;
mod domain;
mod http;
mod store;

use http::{
    api_keys, attachments, channels, contacts, duplicates, filing, georeport, mail_check, ping,
    privacy, queue, reads, retention, tracking, workflow,
};
use store::schema;

use guichet_guest::{health, routing, ApiError};
use spin_sdk::http::{Method, Request, Response};

const PREFIX: &str = "/api/requests";
const OPEN311_PREFIX: &str = "/open311/v2";
/// Paths only other components reach, by service chaining.
const INTERNAL_PREFIX: &str = "/internal";
pub(crate) const DATABASE: &str = "requests";
/// This component's id, as the `source` of the events it emits.
const COMPONENT: &str = "requests";

guichet_guest::http_entry!(crate::route);

/// One request's context (database, commune, client, caller), built once in [`route`] and
/// passed to every handler.
pub(crate) type Ctx<'r> = guichet_guest::context::Ctx<'r, http::caller::Caller>;

async fn route(req: Request) -> Result<Response, ApiError> {
    let path = req.path();
    if routing::segments_below(path, OPEN311_PREFIX).is_some() {
        return Ok(georeport::respond(&req).await);
    }
    if let Some(segments) = routing::segments_below(path, INTERNAL_PREFIX) {
        if let ["signing-steps"] = segments.as_slice() {
            routing::only_post(&req)?;
            return http::signing::receive(&req);
        }
        if let ["filings"] = segments.as_slice() {
            routing::only_post(&req)?;
            return http::portal_filing::receive(&req).await;
        }
        if let ["mine"] = segments.as_slice() {
            routing::only_post(&req)?;
            return http::portal_filing::mine(&req).await;
        }
        return privacy::route(&req, &segments).await;
    }
    let segments = routing::request_segments(&req, PREFIX).ok_or(ApiError::NotFound)?;
    match segments.as_slice() {
        ["health"] => {
            routing::only_get(&req)?;
            return health::respond(COMPONENT, DATABASE, schema::MIGRATIONS);
        }
        ["diagnostics", "ping"] => {
            routing::only_post(&req)?;
            return ping::create(&req).await;
        }
        ["diagnostics", "ping", id] => {
            routing::only_get(&req)?;
            return ping::show(&req, id).await;
        }
        ["diagnostics", "mail"] => {
            routing::only_post(&req)?;
            return mail_check::send(&req).await;
        }
        ["diagnostics", "mail", "retry"] if matches!(req.method(), Method::Post) => {
            return mail_check::retry(&req).await;
        }
        ["diagnostics", "mail", id] => {
            routing::only_get(&req)?;
            return mail_check::show(&req, id).await;
        }
        _ => {}
    }
    let ctx = Ctx::for_request(&req, DATABASE, schema::MIGRATIONS).await?;
    route_in(&ctx, &segments).await
}

/// The routes of one commune's requests.
async fn route_in(ctx: &Ctx<'_>, segments: &[&str]) -> Result<Response, ApiError> {
    let method = ctx.request().method();
    match (segments, method) {
        ([], Method::Post) => filing::file(ctx).await,
        ([], Method::Get) => queue::list(ctx),
        ([], _) => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        (["mine"], Method::Get) => tracking::mine(ctx),
        (["track"], Method::Post) => tracking::track(ctx),
        (["contacts", "confirm"], Method::Get) => contacts::page(),
        (["contacts", "confirm"], Method::Post) => contacts::confirm(ctx),
        (["similar"], Method::Get) => duplicates::similar(ctx).await,
        (["figures"], Method::Get) => queue::figures(ctx),
        (["figures", "history"], Method::Get) => queue::history(ctx),
        (["export.csv"], Method::Get) => queue::csv(ctx),
        (["counter"], Method::Post) => channels::counter_filing(ctx).await,
        (["inbound-mail"], Method::Post) => channels::inbound_mail(ctx).await,
        (["triage"], Method::Get) => channels::triage_list(ctx),
        (["triage", id], Method::Post) => channels::triage_resolve(ctx, id).await,
        (["overdue", "sweep"], Method::Post) => workflow::sweep_overdue(ctx).await,
        (["outbox", "retry"], Method::Post) => http::outbox::retry(ctx).await,
        (["retention", "purge"], Method::Post) => retention::purge(ctx),
        (["reads"], Method::Get) => reads::list(ctx),
        (["api-keys"], Method::Get) => api_keys::list(ctx),
        (["api-keys"], Method::Post) => api_keys::create(ctx).await,
        (["api-keys", id, "revoke"], Method::Post) => api_keys::revoke(ctx, id).await,
        ([reference], Method::Get) => tracking::show(ctx, reference).await,
        ([reference, "transitions"], Method::Post) => workflow::transition(ctx, reference).await,
        ([reference, "assignment"], Method::Post) => workflow::assign(ctx, reference).await,
        ([reference, "notes"], Method::Post) => workflow::note(ctx, reference).await,
        ([reference, "messages"], Method::Post) => workflow::message(ctx, reference).await,
        ([reference, "reopen"], Method::Post) => workflow::reopen(ctx, reference).await,
        ([reference, "merge"], Method::Post) => duplicates::merge(ctx, reference).await,
        ([reference, "follow"], Method::Post) => duplicates::follow(ctx, reference).await,
        ([reference, "attachments"], Method::Post) => attachments::add(ctx, reference).await,
        ([reference, "attachments", id], Method::Get) => attachments::download(ctx, reference, id),
        ([reference, "calls"], Method::Post) => channels::call_log(ctx, reference).await,
        ([reference, "scans"], Method::Post) => channels::paper_scan(ctx, reference).await,
        ([reference, "receipt"], Method::Get | Method::Post) => {
            channels::receipt(ctx, reference).await
        }
        _ => Err(ApiError::NotFound),
    }
}
