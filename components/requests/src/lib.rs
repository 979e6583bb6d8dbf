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

use calls::{communes, events};
use http::{
    api_keys, attachments, channels, contacts, duplicates, filing, georeport, mail_check, ping,
    privacy, queue, reads, retention, tracking, workflow,
};
use store::{outbox, schema};

use guichet_guest::{health, routing, ApiError, Commune};
use spin_sdk::http::{Method, Request, Response};

const PREFIX: &str = "/api/requests";
const OPEN311_PREFIX: &str = "/open311/v2";
/// Paths only other components reach, by service chaining.
const INTERNAL_PREFIX: &str = "/internal";
const DATABASE: &str = "requests";
/// This component's id, as the `source` of the events it emits.
const COMPONENT: &str = "requests";

guichet_guest::http_entry!(crate::route);

thread_local! {
    /// The connection of the request being handled. Spin runs each request in a fresh
    /// instance, so this lives exactly one request: opening, tuning and checking the schema
    /// happen once per request instead of once per module that needs the database.
    static CONNECTION: std::cell::RefCell<Option<std::rc::Rc<guichet_guest::db::Connection>>> =
        const { std::cell::RefCell::new(None) };
}

/// The migrated database of this component (one connection per request, see
/// [`CONNECTION`]).
pub(crate) fn database() -> Result<std::rc::Rc<guichet_guest::db::Connection>, ApiError> {
    if let Some(conn) = CONNECTION.with(|c| c.borrow().clone()) {
        return Ok(conn);
    }
    let conn = guichet_guest::db::open(DATABASE)?;
    guichet_guest::db::migrate(&conn, schema::MIGRATIONS)?;
    let conn = std::rc::Rc::new(conn);
    CONNECTION.with(|c| *c.borrow_mut() = Some(conn.clone()));
    Ok(conn)
}

async fn route(req: Request) -> Result<Response, ApiError> {
    let path = req.path();
    if routing::segments_below(path, OPEN311_PREFIX).is_some() {
        return Ok(georeport::respond(&req).await);
    }
    if let Some(segments) = routing::segments_below(path, INTERNAL_PREFIX) {
        return privacy::route(&req, &segments);
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
    let served = communes::resolve(&req).await?;
    events::set_origin(&served.public_origin);
    route_in(&req, served.commune, &segments).await
}

/// The routes of one commune's requests.
async fn route_in(req: &Request, commune: Commune, segments: &[&str]) -> Result<Response, ApiError> {
    let method = req.method();
    match (segments, method) {
        ([], Method::Post) => filing::file(req, &commune).await,
        ([], Method::Get) => queue::list(req, &commune),
        ([], _) => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
        (["mine"], Method::Get) => tracking::mine(req, &commune),
        (["track"], Method::Post) => tracking::track(req, &commune),
        (["contacts", "confirm"], Method::Get) => contacts::page(),
        (["contacts", "confirm"], Method::Post) => contacts::confirm(req, &commune),
        (["similar"], Method::Get) => duplicates::similar(req, &commune).await,
        (["figures"], Method::Get) => queue::figures(req, &commune),
        (["export.csv"], Method::Get) => queue::csv(req, &commune),
        (["counter"], Method::Post) => channels::counter_filing(req, &commune).await,
        (["inbound-mail"], Method::Post) => channels::inbound_mail(req, &commune).await,
        (["triage"], Method::Get) => channels::triage_list(req, &commune),
        (["triage", id], Method::Post) => channels::triage_resolve(req, &commune, id).await,
        (["overdue", "sweep"], Method::Post) => workflow::sweep_overdue(req, &commune).await,
        (["outbox", "retry"], Method::Post) => outbox::retry(req, &commune).await,
        (["retention", "purge"], Method::Post) => retention::purge(req, &commune),
        (["reads"], Method::Get) => reads::list(req, &commune),
        (["api-keys"], Method::Get) => api_keys::list(req, &commune),
        (["api-keys"], Method::Post) => api_keys::create(req, &commune),
        (["api-keys", id, "revoke"], Method::Post) => api_keys::revoke(req, &commune, id),
        ([reference], Method::Get) => tracking::show(req, &commune, reference),
        ([reference, "transitions"], Method::Post) => workflow::transition(req, &commune, reference).await,
        ([reference, "assignment"], Method::Post) => workflow::assign(req, &commune, reference).await,
        ([reference, "notes"], Method::Post) => workflow::note(req, &commune, reference).await,
        ([reference, "messages"], Method::Post) => workflow::message(req, &commune, reference).await,
        ([reference, "reopen"], Method::Post) => workflow::reopen(req, &commune, reference).await,
        ([reference, "merge"], Method::Post) => duplicates::merge(req, &commune, reference).await,
        ([reference, "follow"], Method::Post) => duplicates::follow(req, &commune, reference).await,
        ([reference, "attachments"], Method::Post) => attachments::add(req, &commune, reference).await,
        ([reference, "attachments", id], Method::Get) => attachments::download(req, &commune, reference, id),
        ([reference, "calls"], Method::Post) => channels::call_log(req, &commune, reference).await,
        ([reference, "scans"], Method::Post) => channels::paper_scan(req, &commune, reference).await,
        ([reference, "receipt"], Method::Get | Method::Post) => {
            channels::receipt(req, &commune, reference).await
        }
        _ => Err(ApiError::NotFound),
    }
}
