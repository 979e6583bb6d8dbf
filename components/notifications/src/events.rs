//! Receiving and reading events.

use guichet_guest::db::{self, Value};
use guichet_guest::event::{self, Event};
use guichet_guest::{body, response, ApiError};
use serde_json::json;
use spin_sdk::http::{Request, Response};

use crate::{schema, DATABASE};

/// Stores the event in the body unless one with its id is already stored. Validation comes
/// first: an invalid event writes nothing.
pub fn receive(req: &Request) -> Result<Response, ApiError> {
    let json = body::json(req, body::DEFAULT_MAX_JSON)?;
    let event = Event::validate(&json).map_err(|errors| ApiError::BadRequest { errors })?;
    let conn = db::open(DATABASE)?;
    db::migrate(&conn, schema::MIGRATIONS)?;
    // ON CONFLICT DO NOTHING instead of read-then-insert: two deliveries racing cannot both
    // insert, and neither fails.
    db::exec(
        &conn,
        &format!(
            "INSERT INTO events (id, commune, kind, source, occurred_at, payload, received_at) \
             VALUES (?, ?, ?, ?, ?, ?, {}) ON CONFLICT(id) DO NOTHING",
            db::NOW_RFC3339
        ),
        &[
            db::text(event.id.as_str()),
            db::text(event.commune.as_str()),
            db::text(event.kind.as_str()),
            db::text(event.source.as_str()),
            db::text(event.occurred_at.as_str()),
            db::text(event.payload.as_str()),
        ],
    )?;
    let stored = if conn.changes() == 1 {
        "new"
    } else {
        "duplicate"
    };
    Ok(response::json(
        200,
        &json!({"id": event.id, "stored": stored}),
    ))
}

/// The stored event `id` with the time it was received.
pub fn fetch(id: &str) -> Result<Response, ApiError> {
    if !event::is_valid_id(id) {
        return Err(ApiError::field(
            "id",
            "invalid",
            "an event id is 1 to 64 of A-Z, a-z, 0-9 and '-'",
        ));
    }
    let conn = db::open(DATABASE)?;
    db::migrate(&conn, schema::MIGRATIONS)?;
    let result = db::query(
        &conn,
        "SELECT id, commune, kind, source, occurred_at, payload, received_at FROM events WHERE id = ?",
        &[Value::Text(id.to_owned())],
    )?;
    let row = result.rows.first().ok_or(ApiError::NotFound)?;
    let column = |i: usize| row.get::<&str>(i).unwrap_or_default();
    Ok(response::json(
        200,
        &json!({
            "id": column(0),
            "commune": column(1),
            "kind": column(2),
            "source": column(3),
            "occurred_at": column(4),
            "payload": column(5),
            "received_at": column(6),
        }),
    ))
}
