//! The e-mail check: an administrator sends a test message through notifications to the mail
//! provider, reads its delivery state, and asks for queued messages to be retried. Like the
//! ping, it proves the chain works in a deployment (and lets tests drive the private
//! notifications component through a public route).
//!
//! An administrator chooses the recipient only: the subject and text are fixed, and a commune
//! sends at most [`PER_HOUR`] test messages an hour, so that the platform's sender (the
//! commune's name on its domain) cannot become an administrator's mailing list
//! (docs/SECURITY.md, A10).

use guichet_guest::clients::{self, mail::Sent};
use guichet_guest::codes::Role;
use guichet_guest::contracts::mail::{Message, RetryOptions};
use guichet_guest::limits::{self, Limit, HOUR};
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, db, response, ApiError};
use serde_json::{json, Value};
use spin_sdk::http::{Request, Response};

/// Only administrators may run the check.
const ADMIN: Role = Role::Admin;
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
    let hourly = Limit {
        max: PER_HOUR,
        window: HOUR,
    };
    limits::hit(
        &conn,
        &format!("{commune}:mail_check"),
        commune.as_str(),
        hourly,
    )?;
    let id = match given("id") {
        Some(id) => id,
        None => format!("diag-{}", db::new_id_and_now(&conn)?.0),
    };
    let message = Message {
        text: format!(
            "This test message was sent by an administrator of {commune} to check that Guichet \
             can send e-mail.\n\nMessage id: {id}\n"
        ),
        id,
        commune: commune.as_str().to_owned(),
        account_id: None,
        channel: "email".to_owned(),
        to: given("to").unwrap_or_default(),
        purpose: PURPOSE.to_owned(),
        language: "en".to_owned(),
        subject: "Guichet test message".to_owned(),
    };
    // Notifications' answer is this route's (its field errors included: they are what the
    // check is for).
    Ok(match clients::mail::send(&message).await? {
        Sent::Accepted { status, accepted } => response::json(status, &accepted),
        Sent::Refused { errors } => response::json(400, &errors),
    })
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
    let message = clients::mail::stored(id)
        .await?
        .filter(|m| m.purpose == PURPOSE && m.commune == commune.as_str())
        .ok_or(ApiError::NotFound)?;
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
    let options = RetryOptions {
        commune: Some(commune.as_str().to_owned()),
        ignore_backoff: Some(
            json.get("ignore_backoff")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        ),
        limit: None,
    };
    let report = clients::mail::retry(&options).await?;
    Ok(response::json(200, &report))
}
