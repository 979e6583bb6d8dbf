//! The e-mail check: an administrator sends a test message through notifications to the mail
//! provider, reads its delivery state, and asks for queued messages to be retried. Like the
//! ping, it proves the chain works in a deployment (and lets tests drive the private
//! notifications component through a public route).
//!
//! An administrator chooses the recipient only: the subject and text are fixed, and a commune
//! sends at most [`PER_HOUR`] test messages an hour, so that the platform's sender (the
//! commune's name on its domain) cannot become an administrator's mailing list
//! (docs/SECURITY.md, A10).

use guichet_guest::limits::{self, Limit, HOUR};
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, db, response, ApiError};
use serde_json::{json, Value};
use spin_sdk::http::{Method, Request, Response};

use crate::calls::notifications;

/// Only administrators may run the check.
const ADMIN: &str = "admin";
/// The purpose of test messages; reading a message through this check is limited to them, so
/// that an administrator cannot read a citizen's one-time links here.
const PURPOSE: &str = "diagnostic";
const MAX_ID_LEN: usize = 64;
/// Test messages one commune may send in an hour.
pub const PER_HOUR: i64 = 20;

/// Members the administrator may set (the subject and text are fixed). Only their types are
/// checked here: every rule on their values is notifications' (its field errors come back
/// unchanged, which is what the check is for).
const TEST_MESSAGE: Shape = Shape::Object(&[
    Member::required("to", Shape::Text),
    Member::optional("id", Shape::Text),
]);

const RETRY: Shape = Shape::Object(&[Member::optional("ignore_backoff", Shape::Bool)]);

/// `POST /api/requests/diagnostics/mail` `{"to", "id"?}`: sends the test message of the
/// served commune (429 beyond [`PER_HOUR`] an hour); answers with notifications' status and body (200 sent, 202
/// queued or failed, 200 duplicate, 400 field errors).
pub async fn send(req: &Request) -> Result<Response, ApiError> {
    let (commune, _claims) = guichet_guest::tokens::authorize(req, ADMIN).await?;
    let json = body::json(req, body::DEFAULT_MAX_JSON * 4)?;
    let mut errors = Vec::new();
    shape::check(&json, &TEST_MESSAGE, "", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::BadRequest { errors });
    }
    let given = |name: &str| json.get(name).and_then(Value::as_str).map(str::to_owned);
    let conn = guichet_guest::context::open(crate::DATABASE, crate::store::schema::MIGRATIONS)?;
    let hourly = Limit { max: PER_HOUR, window: HOUR };
    limits::hit(&conn, &format!("{commune}:mail_check"), commune.as_str(), hourly)?;
    let id = match given("id") {
        Some(id) => id,
        None => format!("diag-{}", db::new_id_and_now(&conn)?.0),
    };
    let message = json!({
        "id": id,
        "commune": commune.as_str(),
        "channel": "email",
        "to": given("to"),
        "purpose": PURPOSE,
        "language": "en",
        "subject": "Guichet test message",
        "text": format!(
            "This test message was sent by an administrator of {commune} to check that Guichet \
             can send e-mail.\n\nMessage id: {id}\n"
        ),
    });
    let (status, answer) =
        notifications::call(Method::Post, "/internal/messages", Some(&message)).await?;
    relay(status, &answer, &[200, 202, 400])
}

/// `GET /api/requests/diagnostics/mail/:id`: the test message `id` as notifications stored it
/// (delivery status, attempts, last error, text); 404 unless it is a test message of the
/// served commune.
pub async fn show(req: &Request, id: &str) -> Result<Response, ApiError> {
    let (commune, _claims) = guichet_guest::tokens::authorize(req, ADMIN).await?;
    let valid = (1..=MAX_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        return Err(ApiError::field(
            "id",
            "invalid",
            "a message id is 1 to 64 of A-Z, a-z, 0-9, '_' and '-'",
        ));
    }
    let (status, message) =
        notifications::call(Method::Get, &format!("/internal/messages/{id}"), None).await?;
    let ours = status == 200
        && message["purpose"] == PURPOSE
        && message["commune"].as_str() == Some(commune.as_str());
    if !ours {
        return Err(ApiError::NotFound);
    }
    Ok(response::json(200, &message))
}

/// `POST /api/requests/diagnostics/mail/retry` `{"ignore_backoff"?}`: attempts the served
/// commune's queued messages that are due (all of them with `ignore_backoff`); answers
/// notifications' counts `{"attempted","sent","queued","failed","more"}`.
pub async fn retry(req: &Request) -> Result<Response, ApiError> {
    let (commune, _claims) = guichet_guest::tokens::authorize(req, ADMIN).await?;
    let json = if req.body().iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        body::json(req, body::DEFAULT_MAX_JSON)?
    };
    let mut errors = Vec::new();
    shape::check(&json, &RETRY, "", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::BadRequest { errors });
    }
    let options = json!({
        "commune": commune.as_str(),
        "ignore_backoff": json.get("ignore_backoff").and_then(Value::as_bool).unwrap_or(false),
    });
    let (status, answer) =
        notifications::call(Method::Post, "/internal/messages/retry", Some(&options)).await?;
    relay(status, &answer, &[200])
}

/// Notifications' answer as this route's, when its status is one of `expected`; anything
/// else is our fault (500, details in the log).
fn relay(status: u16, answer: &Value, expected: &[u16]) -> Result<Response, ApiError> {
    if expected.contains(&status) {
        Ok(response::json(status, answer))
    } else {
        Err(ApiError::Internal(anyhow::anyhow!(
            "notifications answered {status} to the e-mail check"
        )))
    }
}
