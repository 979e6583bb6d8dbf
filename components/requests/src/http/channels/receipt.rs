//! The printable receipt (HTML) of a request: `GET /api/requests/{ref}/receipt[?lang=fr|en]`
//! for its owner or staff, and `POST` of the form `code=<tracking code>` for whoever holds its
//! tracking code (the citizen who filed at the counter, by letter or without an account: the
//! tracking page has a button for it). The code travels in the body, never in a URL. Anyone
//! else gets 404, as for a request that does not exist.
//!
//! The page has no script and loads nothing: `Content-Security-Policy: default-src 'none';
//! style-src 'unsafe-inline'; img-src data:`, and `Referrer-Policy: no-referrer`.

use guichet_guest::query::Query;
use guichet_guest::{response, ApiError};
use spin_sdk::http::{Method, Response};

use super::receipt_page::{self, Receipt};
use super::request;
use crate::domain::reference::TrackingCode;
use crate::Ctx;

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
/// The form posted to the receipt is one short field.
const MAX_FORM: usize = 1024;

pub async fn receipt(ctx: &Ctx<'_>, reference: &str) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    let caller = ctx.caller()?;
    let query = Query::of(req);
    let conn = ctx.conn();
    let record = request(conn, commune, reference)?;
    let owner =
        matches!((caller.account(), record.account_id.as_deref()), (Some(a), Some(b)) if a == b);
    let form = match req.method() {
        Method::Post if req.body().len() <= MAX_FORM => {
            Query::parse(&String::from_utf8_lossy(req.body()))
        }
        Method::Post => return Err(ApiError::field("code", "too_long", "the form is too large")),
        _ => Query::parse(""),
    };
    let holds_code = form
        .non_empty("code")
        .and_then(TrackingCode::parse)
        .is_some_and(|code| code.hash() == record.tracking_hash);
    if !(caller.is_staff() || owner || holds_code) {
        return Err(ApiError::NotFound);
    }
    let info = ctx.served();
    let origin = &info.public_origin;
    let lang = match query.non_empty("lang") {
        Some("en") => "en",
        Some("fr") => "fr",
        _ if record.lang == "en" => "en",
        _ => "fr",
    };
    let url = receipt_page::tracking_url(origin, &record.reference);
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
