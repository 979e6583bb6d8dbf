//! The answer of the workflow routes: the request as the caller sees it after the change
//! ([`tracking::staff_view`] to staff acting on it, [`tracking::owner_view`] to the citizen who
//! filed it).

use guichet_guest::db::Connection;
use guichet_guest::{response, ApiError, Commune};
use spin_sdk::http::Response;

use crate::http::tracking;
use crate::http::workflow::access::Acting;
use crate::store::record;

/// `status` with the request `id` (re-read after the change) as `acting` sees it.
pub fn respond(
    conn: &Connection,
    commune: &Commune,
    id: &str,
    acting: &Acting,
    status: u16,
) -> Result<Response, ApiError> {
    let record = record::load_by_id(conn, commune, id)?.ok_or(ApiError::NotFound)?;
    let view = if acting.staff {
        tracking::staff_view(conn, &record)?
    } else {
        tracking::owner_view(conn, &record)?
    };
    Ok(response::json(status, &view))
}
