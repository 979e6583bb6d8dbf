//! `POST /api/requests/outbox/retry`: an administrator (or a scheduler holding an
//! administrator's token) delivers the commune's pending events ([`crate::store::outbox`])
//! and asks notifications to retry its queued messages.

use guichet_guest::clients;
use guichet_guest::contracts::mail::RetryOptions;
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, response, ApiError, FieldError};
use serde_json::{json, Value as Json};
use spin_sdk::http::Response;

use crate::http::caller::{Caller, Role};
use crate::store::outbox::{backlog, sweep, MESSAGES_PER_SWEEP, SWEEP_LIMIT};
use crate::Ctx;

const RETRY: Shape = Shape::Object(&[
    Member::optional("limit", Shape::Integer),
    Member::optional("ignore_backoff", Shape::Bool),
]);

/// `POST /api/requests/outbox/retry`, optional body `{"limit": 1..500, "ignore_backoff":
/// bool}`, for an administrator of the commune (or a scheduler with an administrator's
/// token): delivers the commune's pending events that are due, oldest first (at most
/// `limit`, default 500), then asks notifications to retry the commune's queued messages.
/// 200 `{"delivered","failed","pending","oldest_pending_at","messages"}`: `pending` is what is
/// still undelivered afterwards; `messages` is notifications' retry report (null when it
/// could not be asked). 401 without a valid token, 403 for anyone but an administrator, 400
/// for a bad body.
pub async fn retry(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    let caller = Caller::staff(req, commune)?;
    if !caller.has_role(Role::Admin) {
        return Err(ApiError::Forbidden {
            message: "the outbox retry is for the commune's administrators",
        });
    }
    let json = if req.body().iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        body::json(req, body::DEFAULT_MAX_JSON)?
    };
    let (limit, ignore_backoff) =
        retry_options(&json).map_err(|errors| ApiError::BadRequest { errors })?;
    let conn = ctx.conn();
    let swept = sweep(conn, commune, limit, None, ignore_backoff).await?;
    // Staff reads of the queue, files and triage wait in the evidence outbox for this sweep.
    guichet_guest::evidence::flush(conn, commune).await;
    let (pending, oldest) = backlog(conn, commune)?;
    let options = RetryOptions {
        commune: Some(commune.as_str().to_owned()),
        ignore_backoff: None,
        limit: Some(MESSAGES_PER_SWEEP),
    };
    let messages = match clients::mail::retry(&options).await {
        Ok(report) => serde_json::to_value(report).unwrap_or(Json::Null),
        Err(error) => {
            eprintln!("notifications' message retry: {error:#}");
            Json::Null
        }
    };
    Ok(response::json(
        200,
        &json!({
            "delivered": swept.delivered,
            "failed": swept.failed,
            "pending": pending,
            "oldest_pending_at": oldest,
            "messages": messages,
        }),
    ))
}

/// The sweep's options, every problem at once.
fn retry_options(json: &Json) -> Result<(i64, bool), Vec<FieldError>> {
    let mut errors = Vec::new();
    shape::check(json, &RETRY, "", &mut errors);
    // A limit of the wrong type is already reported; one out of range is reported with the rest.
    let limit = json
        .get("limit")
        .and_then(Json::as_i64)
        .unwrap_or(SWEEP_LIMIT);
    if !(1..=SWEEP_LIMIT).contains(&limit) {
        errors.push(FieldError::new(
            "limit",
            "out_of_range",
            "limit must be between 1 and 500",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let ignore_backoff = json
        .get("ignore_backoff")
        .and_then(Json::as_bool)
        .unwrap_or(false);
    Ok((limit, ignore_backoff))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(json: Json) -> Vec<(String, String)> {
        guichet_guest::FieldError::codes(retry_options(&json))
    }

    #[test]
    fn a_sweep_without_options_takes_up_to_500_due_events() {
        assert_eq!(retry_options(&json!({})), Ok((500, false)));
        assert_eq!(
            retry_options(&json!({"limit": 3, "ignore_backoff": true})),
            Ok((3, true))
        );
    }

    #[test]
    fn sweep_options_are_checked() {
        assert_eq!(
            codes(json!({"limit": 0})),
            [("limit".to_owned(), "out_of_range".to_owned())]
        );
        assert_eq!(
            codes(json!({"limit": 501})),
            [("limit".to_owned(), "out_of_range".to_owned())]
        );
        assert_eq!(
            codes(json!({"all": true, "ignore_backoff": "yes"})),
            [
                ("all".to_owned(), "unknown_field".to_owned()),
                ("ignore_backoff".to_owned(), "wrong_type".to_owned())
            ]
        );
    }
}
