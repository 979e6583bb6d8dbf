//! The message routes: receiving a message to send, retrying queued ones, reading one.

use guichet_guest::contracts::mail::{Accepted, Message, RetryOptions, RetryReport};
use guichet_guest::{body, response, ApiError, Commune, FieldError};
use guichet_guest::{clients, db};
use spin_sdk::http::{Request, Response};

use crate::delivery;
use crate::delivery::Providers;
use crate::message::NewMessage;
use crate::store::{self, Status};
use crate::{schema, DATABASE};

/// A message's text may be 20,000 characters of up to 4 bytes, escaped in JSON.
const MAX_MESSAGE_BODY: usize = 256 * 1024;
/// Messages attempted by one retry run unless it asks for fewer: each is an outbound call, so
/// a run stays well within a request's time.
const RETRY_BATCH: i64 = 20;
const MAX_RETRY_BATCH: i64 = 100;

/// `POST /internal/messages`: stores the message once per id, then tries to deliver it at
/// once. 200 `{"id","status":"sent","stored":"new"}` when the provider took it; 202 with
/// `"status":"queued"` (retried later) or `"failed"` (refused) otherwise; a repeated id
/// answers 200 with the stored status and `"stored":"duplicate"`, without storing or sending
/// anything. An invalid message writes nothing: 400 with every field error.
pub async fn receive(req: &Request) -> Result<Response, ApiError> {
    body::json(req, MAX_MESSAGE_BODY)?;
    let message: Message = clients::receive("POST /internal/messages", req.body())?;
    let message =
        NewMessage::from_contract(message).map_err(|errors| ApiError::BadRequest { errors })?;
    let conn = db::open(DATABASE)?;
    db::migrate(&conn, schema::MIGRATIONS)?;
    let id = message.id();
    if !store::insert(&conn, &message)? {
        let status = store::status(&conn, id)?.unwrap_or(Status::Queued);
        return Ok(answer(200, id, status, "duplicate"));
    }
    let providers = Providers::from_variables();
    // `None`: a concurrent retry run claimed it first; it is queued and being attempted.
    let status = delivery::attempt(&conn, &providers, id, false)
        .await?
        .unwrap_or(Status::Queued);
    let code = if status == Status::Sent { 200 } else { 202 };
    Ok(answer(code, id, status, "new"))
}

fn answer(code: u16, id: &str, status: Status, stored: &str) -> Response {
    response::json(
        code,
        &Accepted {
            id: id.to_owned(),
            status: status.as_str().to_owned(),
            stored: stored.to_owned(),
        },
    )
}

/// `POST /internal/messages/retry` with an optional body `{"commune","ignore_backoff","limit"}`:
/// attempts the queued messages that are due (of one commune, or all), oldest first, at most
/// `limit` (default 20, at most 100); `ignore_backoff` also takes those not due yet (an
/// operator's "send now" once the provider is back). 200
/// `{"attempted","sent","queued","failed","more"}`; `more` says a full batch was taken.
pub async fn retry(req: &Request) -> Result<Response, ApiError> {
    let options = if req.body().iter().all(u8::is_ascii_whitespace) {
        RetryOptions {
            commune: None,
            ignore_backoff: None,
            limit: None,
        }
    } else {
        body::json(req, body::DEFAULT_MAX_JSON)?;
        clients::receive("POST /internal/messages/retry", req.body())?
    };
    let (commune, ignore_backoff, limit) =
        retry_options(options).map_err(|errors| ApiError::BadRequest { errors })?;
    let conn = db::open(DATABASE)?;
    db::migrate(&conn, schema::MIGRATIONS)?;
    let report = run(&conn, commune.as_ref(), ignore_backoff, limit).await?;
    Ok(response::json(200, &report))
}

/// Attempts the queued messages that are due (of `commune`, or all), oldest first, at most
/// `limit`; what came of them.
pub async fn run(
    conn: &db::Connection,
    commune: Option<&Commune>,
    ignore_backoff: bool,
    limit: i64,
) -> anyhow::Result<RetryReport> {
    let ids = store::due(conn, commune.map(Commune::as_str), ignore_backoff, limit)?;
    let providers = Providers::from_variables();
    let (mut sent, mut queued, mut failed, mut attempted) = (0_i64, 0_i64, 0_i64, 0_i64);
    for id in &ids {
        match delivery::attempt(conn, &providers, id, ignore_backoff).await? {
            Some(Status::Sent) => sent += 1,
            Some(Status::Queued) => queued += 1,
            Some(Status::Failed) => failed += 1,
            None => continue,
        }
        attempted += 1;
    }
    Ok(RetryReport {
        attempted,
        sent,
        queued,
        failed,
        more: i64::try_from(ids.len()).unwrap_or(i64::MAX) >= limit,
    })
}

/// The retry run's options, every problem at once.
fn retry_options(options: RetryOptions) -> Result<(Option<Commune>, bool, i64), Vec<FieldError>> {
    let RetryOptions {
        commune,
        ignore_backoff,
        limit,
    } = options;
    let mut errors = Vec::new();
    let commune = match commune.as_deref().map(Commune::parse) {
        Some(Ok(commune)) => Some(commune),
        Some(Err(error)) => {
            errors.push(FieldError::new("commune", "invalid", error.to_string()));
            None
        }
        None => None,
    };
    let limit = limit.unwrap_or(RETRY_BATCH);
    if !(1..=MAX_RETRY_BATCH).contains(&limit) {
        errors.push(FieldError::new(
            "limit",
            "out_of_range",
            "limit must be between 1 and 100",
        ));
    }
    if errors.is_empty() {
        Ok((commune, ignore_backoff.unwrap_or(false), limit))
    } else {
        Err(errors)
    }
}

/// `GET /internal/messages/:id`: the stored message, with its text and delivery state; 404
/// when there is none.
pub fn fetch(id: &str) -> Result<Response, ApiError> {
    if !guichet_guest::codes::is_exchange_id(id) {
        return Err(ApiError::field(
            "id",
            "invalid",
            "a message id is 1 to 64 of A-Z, a-z, 0-9, '_' and '-'",
        ));
    }
    let conn = db::open(DATABASE)?;
    db::migrate(&conn, schema::MIGRATIONS)?;
    let stored = store::fetch(&conn, id)?.ok_or(ApiError::NotFound)?;
    Ok(response::json(200, &stored))
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    /// What the retry route does with a body: the contract, then the values.
    fn options(json: Value) -> Result<(Option<Commune>, bool, i64), Vec<FieldError>> {
        let body = serde_json::to_vec(&json).unwrap_or_default();
        match clients::receive::<RetryOptions>("test", &body) {
            Ok(options) => retry_options(options),
            Err(ApiError::BadRequest { errors }) => Err(errors),
            Err(other) => panic!("{other:?}"),
        }
    }

    fn codes(json: Value) -> Vec<(String, String)> {
        guichet_guest::FieldError::codes(options(json))
    }

    #[test]
    fn a_retry_run_without_options_takes_every_commune_due_messages_by_twenty() {
        assert_eq!(options(json!({})), Ok((None, false, 20)));
    }

    #[test]
    fn retry_options_are_checked() {
        assert_eq!(
            options(json!({"commune":"demo","ignore_backoff":true,"limit":5})).map(|(c, b, l)| (
                c.map(|c| c.to_string()),
                b,
                l
            )),
            Ok((Some("demo".to_owned()), true, 5))
        );
        assert_eq!(
            codes(json!({"commune":"Demo","limit":0})),
            [
                ("commune".to_owned(), "invalid".to_owned()),
                ("limit".to_owned(), "out_of_range".to_owned())
            ]
        );
        assert_eq!(
            codes(json!({"ignore_backoff":"yes"})),
            [("ignore_backoff".to_owned(), "contract_mismatch".to_owned())]
        );
        assert_eq!(
            codes(json!({"force":true})),
            [("force".to_owned(), "contract_mismatch".to_owned())]
        );
    }
}
