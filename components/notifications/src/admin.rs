//! The public API of notifications (`/api/notifications/...`): what a commune's staff may see
//! and do about the messages sent for it. Every route serves the commune of the host it is
//! called at, and checks the caller's access token with the composed `tokens` verifier, as
//! every other component does.
//!
//! - Agents (any staff role): a request's messages and their state.
//! - Administrators: the dead-letter list and its retry, suppressed addresses, webhooks
//!   ([`crate::webhooks`]).
//!
//! Provider callbacks ([`crate::callbacks`]) are public too but carry no token: they are
//! authenticated by their signature.

use guichet_guest::caller::Caller;
use guichet_guest::codes::Role;
use guichet_guest::context::Ctx;
use guichet_guest::db::{self, Connection, Value};
use guichet_guest::phone::{PhoneNumber, SmsCountries, COUNTRY_NOT_ALLOWED};
use guichet_guest::query::Query;
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, response, ApiError};
use serde::Deserialize;
use serde_json::{json, Value as Json};
use spin_sdk::http::Response;

use crate::delivery::{self, Providers};
use crate::store::{self, State};
use crate::suppression;

/// Most rows one list answers.
const MAX_LIST: i64 = 200;
const DEFAULT_LIST: i64 = 50;

/// The caller, who must be an administrator of the commune.
fn admin<'c>(ctx: &'c Ctx<'_, Caller>) -> Result<&'c Caller, ApiError> {
    let caller = ctx.caller()?.require_signed_in()?;
    caller.require(Role::Admin)?;
    Ok(caller)
}

/// `limit` of the query string: 1 to 200, default 50.
fn limit(ctx: &Ctx<'_, Caller>) -> Result<i64, ApiError> {
    match Query::of(ctx.request()).non_empty("limit") {
        None => Ok(DEFAULT_LIST),
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_LIST).contains(n))
            .ok_or_else(|| ApiError::field("limit", "out_of_range", "limit is between 1 and 200")),
    }
}

/// The columns a message is listed with (never its text: it may hold one-time links).
const LISTED: &str =
    "id, channel, to_address, purpose, language, subject, status, state, attempts, \
     next_attempt_at, last_error, created_at, sent_at, reference";

fn listed(result: &db::QueryResult) -> Result<Vec<Json>, ApiError> {
    Ok(db::rows(result)
        .map(|row| {
            let status = row.get::<&str>("status")?;
            let state = row
                .get::<Option<&str>>("state")?
                .unwrap_or_else(|| store::legacy_state(status));
            Ok(json!({
                "id": row.get::<&str>("id")?,
                "channel": row.get::<&str>("channel")?,
                "to": row.get::<Option<&str>>("to_address")?,
                "purpose": row.get::<&str>("purpose")?,
                "language": row.get::<&str>("language")?,
                "subject": row.get::<Option<&str>>("subject")?,
                "state": state,
                "attempts": row.get::<i64>("attempts")?,
                "next_attempt_at": (state == State::TemporaryFailure.as_str() || state == State::Queued.as_str())
                    .then(|| row.get::<&str>("next_attempt_at").ok()).flatten(),
                "last_error": row.get::<Option<&str>>("last_error")?,
                "created_at": row.get::<&str>("created_at")?,
                "sent_at": row.get::<Option<&str>>("sent_at")?,
                "reference": row.get::<Option<&str>>("reference")?,
            }))
        })
        .collect::<Result<Vec<Json>, db::RowError>>()?)
}

/// `GET /api/notifications/requests/{reference}/messages` (staff): every message sent about
/// the request (to citizens, agents and webhooks), oldest first, with its state.
pub fn request_messages(ctx: &Ctx<'_, Caller>, reference: &str) -> Result<Response, ApiError> {
    ctx.caller()?.require_staff()?;
    if reference.is_empty()
        || reference.len() > 40
        || !reference
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(ApiError::field(
            "reference",
            "invalid",
            "a request reference looks like 2026-000123",
        ));
    }
    let result = db::query(
        ctx.conn(),
        &format!("SELECT {LISTED} FROM messages WHERE commune = ? AND reference = ? ORDER BY created_at, id LIMIT 500"),
        &[db::text(ctx.commune().as_str()), db::text(reference)],
    )?;
    Ok(response::json(
        200,
        &json!({"reference": reference, "messages": listed(&result)?}),
    ))
}

/// `GET /api/notifications/dead-letters?limit=` (admin): the messages given up (refused,
/// bounced, suppressed, out of attempts), newest first.
pub fn dead_letters(ctx: &Ctx<'_, Caller>) -> Result<Response, ApiError> {
    admin(ctx)?;
    let limit = limit(ctx)?;
    let result = db::query(
        ctx.conn(),
        &format!(
            "SELECT {LISTED} FROM messages WHERE commune = ? AND status = 'failed' AND erased_at IS NULL \
             ORDER BY created_at DESC, id LIMIT ?"
        ),
        &[db::text(ctx.commune().as_str()), Value::Integer(limit)],
    )?;
    Ok(response::json(200, &json!({"messages": listed(&result)?})))
}

/// `POST /api/notifications/dead-letters/{id}/retry` (admin): the message is queued again
/// with a fresh count of attempts and attempted at once; 200 with its state. 404 unless it is
/// a dead letter of the commune; 409 when its address is suppressed (lift the suppression
/// first) or its number is outside the countries SMS may go to.
pub async fn retry_dead_letter(ctx: &Ctx<'_, Caller>, id: &str) -> Result<Response, ApiError> {
    let caller = admin(ctx)?;
    let conn = ctx.conn();
    let commune = ctx.commune().as_str();
    let result = db::query(
        conn,
        "SELECT channel, to_address FROM messages WHERE id = ? AND commune = ? AND status = 'failed' \
         AND to_address IS NOT NULL",
        &[db::text(id), db::text(commune)],
    )?;
    let row = db::first_row(&result).ok_or(ApiError::NotFound)?;
    let channel = row.get::<String>("channel")?;
    let to = row.get::<String>("to_address")?;
    if channel != "webhook" && suppression::is_suppressed(conn, commune, &channel, &to)? {
        return Err(ApiError::conflict(
            "to",
            "suppressed",
            "this address bounced permanently: lift its suppression before sending to it again",
        ));
    }
    if channel == "sms"
        && !PhoneNumber::parse(&to).is_ok_and(|n| SmsCountries::from_variables().allow(&n))
    {
        return Err(ApiError::conflict(
            "to",
            COUNTRY_NOT_ALLOWED,
            "SMS may not go to this number's country",
        ));
    }
    requeue(conn, id)?;
    eprintln!(
        "message {id}: retried from the dead letters by {}",
        caller.account().unwrap_or("?")
    );
    delivery::attempt(conn, &Providers::from_variables(), id, true).await?;
    let stored = store::fetch(conn, id)?.ok_or(ApiError::NotFound)?;
    Ok(response::json(
        200,
        &json!({"id": id, "state": stored["state"], "attempts": stored["attempts"], "last_error": stored["last_error"]}),
    ))
}

/// A given-up message queued again, due now, with no attempt counted.
fn requeue(conn: &Connection, id: &str) -> anyhow::Result<()> {
    db::exec(
        conn,
        &format!(
            "UPDATE messages SET status = 'queued', state = 'queued', attempts = 0, last_error = NULL, \
             in_flight_until = NULL, sent_at = NULL, next_attempt_at = {} WHERE id = ? AND status = 'failed'",
            db::NOW_RFC3339
        ),
        &[db::text(id)],
    )
}

/// `GET /api/notifications/suppressions?limit=` (admin): the addresses nothing is sent to.
pub fn suppressions(ctx: &Ctx<'_, Caller>) -> Result<Response, ApiError> {
    admin(ctx)?;
    let list = suppression::list(ctx.conn(), ctx.commune().as_str(), limit(ctx)?)?;
    Ok(response::json(200, &json!({"suppressions": list})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Lift {
    channel: String,
    address: String,
}

const LIFT: Shape = Shape::Object(&[
    Member::required("channel", Shape::OneOf(&["email", "sms"])),
    Member::required("address", Shape::Text),
]);

/// `POST /api/notifications/suppressions/lift` `{"channel","address"}` (admin): messages may
/// go to the address again. 200, or 404 when it was not suppressed.
pub fn lift(ctx: &Ctx<'_, Caller>) -> Result<Response, ApiError> {
    let caller = admin(ctx)?;
    let lift: Lift = shape::decode(body::json(ctx.request(), body::DEFAULT_MAX_JSON)?, &LIFT)?;
    if !suppression::lift(
        ctx.conn(),
        ctx.commune().as_str(),
        &lift.channel,
        lift.address.trim(),
    )? {
        return Err(ApiError::NotFound);
    }
    eprintln!(
        "a suppression was lifted by {}",
        caller.account().unwrap_or("?")
    );
    Ok(response::json(200, &json!({"lifted": true})))
}

/// `POST /api/notifications/sweep` (the platform's scheduler: cron with curl, a Kubernetes
/// CronJob): attempts up to 100 due messages. With the platform administrator's token
/// (`platform_admin_token`), of every commune; with a commune administrator's access token, of
/// that commune; then the agents' digests that are due ([`crate::digest`]). 200
/// `{"attempted","sent","queued","failed","more","digests"}` (`more`: call again).
pub async fn sweep(ctx: &Ctx<'_, Caller>) -> Result<Response, ApiError> {
    let platform = spin_sdk::variables::get("platform_admin_token").unwrap_or_default();
    let commune = if Caller::platform(ctx.request(), &platform).is_ok() {
        None
    } else {
        admin(ctx)?;
        Some(ctx.commune().clone())
    };
    let report = crate::messages::run(ctx.conn(), commune.as_ref(), false, 100).await?;
    let digests =
        crate::digest::send_due(ctx.conn(), commune.as_ref().map(|c| c.as_str()), 50).await?;
    let mut report = serde_json::to_value(report).map_err(anyhow::Error::from)?;
    report["digests"] = json!(digests);
    Ok(response::json(200, &report))
}
