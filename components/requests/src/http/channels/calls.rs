//! `POST /api/requests/{ref}/calls` (staff): a call about an existing request (the citizen
//! phoned to ask, or was called back). Body: `{"called_at","duration_seconds","caller",
//! "summary"}`. Writes the call log and its internal `call` timeline entry in one
//! transaction. No event: a call is the commune's working note, nobody is told about it.
//! Answer: 201 `{"id","reference","called_at","duration_seconds","caller","summary"}`.

use guichet_guest::db;
use guichet_guest::{body, response, ApiError};
use serde_json::json;
use spin_sdk::http::Response;

use super::{request, staff_account, staff_on};
use crate::store::channels::call::{self, CallLog};
use crate::store::record;
use crate::Ctx;

pub async fn call_log(ctx: &Ctx<'_>, reference: &str) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    let caller = staff_on(ctx, reference)?;
    let agent = staff_account(&caller)?;
    let body = body::json(req, body::DEFAULT_MAX_JSON)?;
    let log = CallLog::parse(&body, "").map_err(|errors| ApiError::BadRequest { errors })?;
    let conn = ctx.conn();
    let record = request(conn, commune, reference)?;
    let id = db::transaction(conn, |conn| {
        let id = call::write(conn, commune, &record.id, &log, &agent, "phone")?;
        record::touch_now(conn, &record.id)?;
        Ok(id)
    })?;
    let called_at = call::called_at(conn, &id)?;
    Ok(response::json(
        201,
        &json!({
            "id": id,
            "reference": record.reference,
            "called_at": called_at,
            "duration_seconds": log.duration_seconds,
            "caller": log.caller,
            "summary": log.summary,
        }),
    ))
}
