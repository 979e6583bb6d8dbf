//! Delivery callbacks: the e-mail and SMS providers tell notifications what became of a
//! message after they took it (`POST /api/notifications/callbacks/mail`, `.../sms`).
//!
//! Signed as Standard Webhooks ([`crate::signing`]) with the secret variable
//! `mail_callback_secret` or `sms_callback_secret` (`whsec_...`; empty: the route is a 404).
//! A callback with a missing, stale (more than 5 minutes away) or wrong signature is a 401
//! naming the header, and changes nothing.
//!
//! Body: `{"message_id", "status", "reason"?}`, `status` one of:
//! - `delivered`: the message reached its recipient;
//! - `deferred`: the provider is still trying (temporary failure);
//! - `bounced`: the address does not exist (permanent failure; the address is suppressed);
//! - `failed`: the provider gave up for another reason (permanent failure);
//! - `complained`: the recipient marked it as spam (the address is suppressed).
//!
//! A callback about a message that was never handed to the provider is refused (409); the
//! same callback twice changes nothing more.

use guichet_guest::db::{self, Connection};
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, response, text, ApiError};
use serde::Deserialize;
use serde_json::json;
use spin_sdk::http::{Request, Response};

use crate::signing::{self, Refusal};
use crate::{schema, suppression, DATABASE};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Callback {
    message_id: String,
    status: String,
    reason: Option<String>,
}

const CALLBACK: Shape = Shape::Object(&[
    Member::required("message_id", Shape::Text),
    Member::required(
        "status",
        Shape::OneOf(&["delivered", "deferred", "bounced", "failed", "complained"]),
    ),
    Member::nullable("reason", Shape::Text),
]);

/// `POST /api/notifications/callbacks/{provider}`, `provider` `mail` or `sms`.
pub fn receive(req: &Request, provider: &str) -> Result<Response, ApiError> {
    let (channel, variable) = match provider {
        "mail" => ("email", "mail_callback_secret"),
        "sms" => ("sms", "sms_callback_secret"),
        _ => return Err(ApiError::NotFound),
    };
    let secret = spin_sdk::variables::get(variable).unwrap_or_default();
    let Some(key) = signing::key_of(&secret) else {
        return Err(ApiError::NotFound);
    };
    let header = |name: &str| req.header(name).and_then(|v| v.as_str());
    signing::verify(
        &key,
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
        req.body(),
        guichet_guest::limits::unix_now(),
    )
    .map_err(refusal)?;
    let callback: Callback = shape::decode(body::json(req, body::DEFAULT_MAX_JSON)?, &CALLBACK)?;
    if !guichet_guest::codes::is_exchange_id(&callback.message_id) {
        return Err(ApiError::BadRequest {
            errors: vec![guichet_guest::codes::invalid_exchange_id("message_id")],
        });
    }
    let reason = callback
        .reason
        .as_deref()
        .and_then(|r| text::clean(r, text::Lines::One))
        .map(|r| r.chars().take(200).collect::<String>())
        .unwrap_or_else(|| callback.status.clone());
    let conn = db::open(DATABASE)?;
    db::migrate(&conn, schema::MIGRATIONS)?;
    let handed = db::query(
        &conn,
        "SELECT 1 FROM messages WHERE id = ? AND channel = ? AND attempts > 0",
        &[db::text(callback.message_id.as_str()), db::text(channel)],
    )?;
    if handed.rows.is_empty() {
        return Err(ApiError::conflict(
            "message_id",
            "unknown_message",
            "no message of this channel with this id was handed to the provider",
        ));
    }
    db::transaction(&conn, |conn| {
        apply(conn, &callback.message_id, &callback.status, &reason)
    })?;
    eprintln!(
        "{provider} {}: the provider says {}",
        callback.message_id, callback.status
    );
    Ok(response::json(
        200,
        &json!({"message_id": callback.message_id, "status": callback.status}),
    ))
}

/// What the provider's `status` does to message `id`.
fn apply(conn: &Connection, id: &str, status: &str, reason: &str) -> anyhow::Result<()> {
    let set = |sql: &str, params: &[db::Value]| db::exec(conn, sql, params);
    let id_param = db::text(id);
    match status {
        "delivered" => set(
            &format!(
                "UPDATE messages SET status = 'sent', state = 'delivered', last_error = NULL, \
                 in_flight_until = NULL, sent_at = coalesce(sent_at, {}) WHERE id = ?",
                db::NOW_RFC3339
            ),
            &[id_param],
        ),
        // The provider retries by itself; a message already settled stays settled.
        "deferred" => set(
            "UPDATE messages SET state = 'temporary_failure', last_error = ? \
             WHERE id = ? AND status = 'sent' AND state = 'sending'",
            &[db::text(reason), id_param],
        ),
        "complained" => suppression::suppress_address_of(conn, id, "complained"),
        permanent => {
            set(
                "UPDATE messages SET status = 'failed', state = 'permanent_failure', last_error = ?, \
                 in_flight_until = NULL WHERE id = ?",
                &[db::text(format!("the provider says {permanent}: {reason}")), id_param],
            )?;
            if permanent == "bounced" {
                suppression::suppress_address_of(conn, id, "bounced")?;
            }
            Ok(())
        }
    }
}

/// The 401 for a callback whose signature does not hold, naming the header at fault.
fn refusal(refusal: Refusal) -> ApiError {
    let message = match refusal {
        Refusal::Malformed("webhook-id") => "webhook-id: this header is missing or malformed",
        Refusal::Malformed("webhook-timestamp") => {
            "webhook-timestamp: this header is missing or malformed"
        }
        Refusal::Malformed(_) => "webhook-signature: this header is missing",
        Refusal::Stale => "webhook-timestamp: the timestamp is more than 5 minutes away",
        Refusal::BadSignature => "webhook-signature: no signature matches this body",
    };
    eprintln!("a provider callback was refused: {message}");
    ApiError::Unauthorized {
        code: "invalid_signature",
        message,
    }
}
