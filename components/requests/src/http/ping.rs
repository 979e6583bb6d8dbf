//! The notification-chain check: an administrator's ping travels from requests to
//! notifications as a `diagnostic` event, through the outbox. The commune is the one the
//! request is addressed to (its host name); the administrator's token must be for it. The
//! SQL is [`crate::store::pings`].

use guichet_guest::codes::Role;
use guichet_guest::contracts::events::{Diagnostic, Payload};
use guichet_guest::db;
use guichet_guest::{clients, response, ApiError};
use serde_json::json;
use spin_sdk::http::{Request, Response};

use crate::store::{outbox, pings, schema};
use crate::DATABASE;

/// Only administrators may run the chain check.
const ADMIN: Role = Role::Admin;

/// Writes the ping and its event in one transaction, then delivers the event.
pub async fn create(req: &Request) -> Result<Response, ApiError> {
    let (commune, claims) = guichet_guest::tokens::authorize(req, ADMIN).await?;
    let conn = db::open(DATABASE)?;
    db::migrate(&conn, schema::MIGRATIONS)?;
    let (id, now) = db::new_id_and_now(&conn)?;
    let payload = Payload::Diagnostic(Diagnostic {
        ping_id: id.clone(),
        requested_by: claims.subject.clone(),
    });
    db::transaction(&conn, |conn| {
        pings::insert(conn, &id, &commune, &claims.subject, &now)?;
        outbox::record(conn, &id, &commune, &payload, &now)
    })?;
    let delivered = outbox::deliver(&conn, &commune, &id).await?;
    Ok(response::json(
        202,
        &json!({"id": id, "delivered": delivered}),
    ))
}

/// The ping's delivery state, and its event as notifications stored it (`null` if it has not;
/// also `null`, with `notifications_error`, when notifications cannot be reached).
pub async fn show(req: &Request, id: &str) -> Result<Response, ApiError> {
    let (commune, _claims) = guichet_guest::tokens::authorize(req, ADMIN).await?;
    if !guichet_guest::codes::is_exchange_id(id) {
        return Err(ApiError::BadRequest {
            errors: vec![guichet_guest::codes::invalid_exchange_id("id")],
        });
    }
    let conn = db::open(DATABASE)?;
    db::migrate(&conn, schema::MIGRATIONS)?;
    // Scoped to the request's commune: another commune's ping is "not found", not "forbidden".
    let pings::Delivery {
        delivered,
        attempts,
    } = pings::delivery(&conn, &commune, id)?.ok_or(ApiError::NotFound)?;
    let mut body =
        json!({"id": id, "delivered": delivered, "attempts": attempts, "notifications": null});
    // The check exists to diagnose a broken chain: when notifications cannot answer, still show
    // the local state, with a generic reason (the details go to the log).
    match clients::events::stored_event(id).await {
        Ok(stored) => {
            body["notifications"] = stored
                .and_then(|stored| serde_json::to_value(stored).ok())
                .unwrap_or_default();
        }
        Err(error) => {
            eprintln!("diagnostic ping {id}: {error:#}");
            body["notifications_error"] = json!("notifications could not be reached");
        }
    }
    Ok(response::json(200, &body))
}
