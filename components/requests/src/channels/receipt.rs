//! `GET /api/requests/{ref}/receipt[?code=<tracking code>][&lang=fr|en]`: the printable
//! receipt (HTML) of a request, for its owner, staff, or whoever holds its tracking code (the
//! citizen filing at the counter or by letter has no account). Anyone else gets 404, as for a
//! request that does not exist.
//!
//! The page has no script and loads nothing: `Content-Security-Policy: default-src 'none';
//! style-src 'unsafe-inline'; img-src data:`, and `Referrer-Policy: no-referrer` so that a
//! `?code=` in its URL never leaves in a Referer header.

use guichet_guest::query::Query;
use guichet_guest::{response, tenant, ApiError, Commune};
use spin_sdk::http::{Request, Response};

use super::receipt_page::{self, Receipt};
use super::request;
use crate::caller::Caller;
use crate::reference::TrackingCode;

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

pub async fn receipt(req: &Request, commune: &Commune, reference: &str) -> Result<Response, ApiError> {
    let caller = Caller::of(req, commune)?;
    let query = Query::of(req);
    let conn = crate::database()?;
    let record = request(&conn, commune, reference)?;
    let owner = matches!((caller.account(), record.account_id.as_deref()), (Some(a), Some(b)) if a == b);
    let holds_code = query
        .non_empty("code")
        .and_then(TrackingCode::parse)
        .is_some_and(|code| code.hash() == record.tracking_hash);
    if !(caller.is_staff() || owner || holds_code) {
        return Err(ApiError::NotFound);
    }
    let info = tenant::resolve_info(req).await?;
    let host = tenant::request_host(req)?;
    let lang = match query.non_empty("lang") {
        Some("en") => "en",
        Some("fr") => "fr",
        _ if record.lang == "en" => "en",
        _ => "fr",
    };
    let url = receipt_page::tracking_url(host.as_str(), &record.reference);
    let qr = receipt_page::qr_svg(&url)?;
    let service = record.service_name_in(lang);
    let page = receipt_page::render(
        &Receipt {
            lang,
            commune_name: &info.name,
            reference: &record.reference,
            service_name: &service,
            filed_on: record.created_at.get(..10).unwrap_or(&record.created_at),
            expected_on: record.expected_on.as_deref(),
            channel: &record.channel,
            tracking_url: &url,
        },
        &qr,
    );
    let mut reply = response::html(200, page);
    reply.set_header("content-security-policy", CSP);
    reply.set_header("referrer-policy", "no-referrer");
    reply.set_header("x-content-type-options", "nosniff");
    reply.set_header("x-frame-options", "DENY");
    Ok(reply)
}
