//! Every channel besides the web form: an agent filing for a citizen at the counter or on the
//! phone (with a call log), inbound e-mail (a provider's webhook posting raw MIME: attached to
//! the request its subject names, else queued for triage), paper mail (a clerk attaches the
//! scanned letter) and the printable receipt with its QR code.
//!
//! - [`counter`]: `POST /api/requests/counter`, the agent files for a citizen.
//! - [`calls`]: `POST /api/requests/{ref}/calls`, a call log on an existing request.
//! - [`inbound_mail`] (with [`mime`], [`secret`], [`authres`], [`mail_attach`]): the e-mail
//!   webhook; only mail authenticated as the request's contact is attached on arrival.
//! - [`triage`]: e-mails without a usable reference, for agents to attach or file.
//! - [`paper`]: `POST /api/requests/{ref}/scans`, a scanned letter.
//! - [`receipt`] (with [`receipt_page`]): `GET /api/requests/{ref}/receipt`.

mod calls;
mod counter;
mod inbound_mail;
mod paper;
mod receipt;
mod receipt_page;
mod triage;

use guichet_guest::{response, ApiError, Commune, FieldError};
use serde_json::json;
use spin_sdk::http::Response;

pub use calls::call_log;
pub use counter::counter_filing;
pub use inbound_mail::inbound_mail;
pub use paper::paper_scan;
pub use receipt::receipt;
pub use triage::{triage_list, triage_resolve};

use crate::http::caller::Caller;
use crate::store::record::{self, Record};
use crate::Ctx;

/// The staff caller of a route about request `reference` (calls, scans): a citizen gets 404
/// for a request that is not theirs (as for one that does not exist: nobody learns which
/// references exist) and 403 for their own.
fn staff_on(ctx: &Ctx<'_>, reference: &str) -> Result<Caller, ApiError> {
    let commune = ctx.commune();
    let caller = ctx.caller()?.require_signed_in()?;
    if caller.is_staff() {
        return Ok(caller.clone());
    }
    let conn = ctx.conn();
    let record = record::load(conn, commune, reference)?.ok_or(ApiError::NotFound)?;
    Err(crate::http::workflow::access::refusal_of_citizen(
        caller, &record,
    ))
}

/// The account of a staff caller (the `Caller::staff` check already refused anyone else).
fn staff_account(caller: &Caller) -> Result<String, ApiError> {
    caller
        .account()
        .map(str::to_owned)
        .ok_or(ApiError::Forbidden {
            message: "this is for the commune's staff",
        })
}

/// The request `reference` of `commune`, or 404.
fn request(
    conn: &guichet_guest::db::Connection,
    commune: &Commune,
    reference: &str,
) -> Result<Record, ApiError> {
    record::load(conn, commune, reference)?.ok_or(ApiError::NotFound)
}

/// An error answer with a status [`ApiError`] has no variant for (413, 415), in the same body
/// shape as every other error.
fn status_error(status: u16, field: &str, code: &str, message: &str) -> Response {
    response::json(
        status,
        &json!({ "errors": [FieldError::new(field, code, message)] }),
    )
}
