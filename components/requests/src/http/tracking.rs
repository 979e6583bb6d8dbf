//! A request as its citizen, the commune's staff, or anyone holding its reference and
//! tracking code sees it, and the routes that show it:
//! `GET /api/requests/{ref}` (owner or staff), `GET /api/requests/mine` (the signed-in
//! citizen's requests), `POST /api/requests/track` `{"reference","code"}` (no account).
//!
//! Views other modules use (final signatures):
//! - `pub fn public_view(record: &Record, timeline: Vec<Json>) -> Json`: what anyone with the
//!   tracking code sees; `timeline` is `timeline::list(conn, id, false)` (bodies written by
//!   citizens are dropped, actor ids are never there). No state label (see [`with_label`]).
//! - `pub fn owner_view(conn: &Connection, record: &Record) -> anyhow::Result<Json>`
//! - `pub fn staff_view(conn: &Connection, record: &Record) -> anyhow::Result<Json>`
//! - `pub fn find_for(conn, commune, caller: &Caller, reference: &str) -> Result<Record, ApiError>`
//!
//! State labels come from `service_states`, copied from the catalogue when a request is filed
//! (so look-ups never wait for the catalogue).

use std::time::{SystemTime, UNIX_EPOCH};

use guichet_guest::db::{self, Connection};
use guichet_guest::query::Query;
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, response, ApiError, Commune, FieldError};
use serde_json::{json, Value as Json};
use spin_sdk::http::{Request, Response};

use crate::domain::reference::{Reference, TrackingCode};
use crate::http::attachments;
use crate::http::caller::Caller;
use crate::http::reads;
use crate::store::channels::call;
use crate::store::record::{self, Record};
use crate::store::timeline;
use crate::store::tracking;
use crate::Ctx;

/// Failed tracking look-ups a client address may make per window before a 429.
const TRACK_FAILURES_MAX: i64 = 20;
/// The window of that limit, in seconds.
const TRACK_WINDOW: i64 = 900;
/// The body of a tracking look-up.
const TRACK: Shape = Shape::Object(&[
    Member::required("reference", Shape::Text),
    Member::required("code", Shape::Text),
]);
/// Default and largest page of `mine`.
const PER_PAGE: i64 = 20;
const PER_PAGE_MAX: i64 = 100;

/// What anyone holding the reference and tracking code sees: status, dates, public timeline,
/// without personal data (no answers, contact, description, actor ids, citizens' texts).
pub fn public_view(record: &Record, timeline: Vec<Json>) -> Json {
    let timeline: Vec<Json> = timeline
        .into_iter()
        .map(|mut entry| {
            let by_commune = matches!(
                entry.get("actor").and_then(Json::as_str),
                Some("staff" | "system")
            );
            if let Some(object) = entry.as_object_mut() {
                object.remove("actor_id");
                object.remove("detail");
                if !by_commune || object.get("kind").and_then(Json::as_str) == Some("attachment") {
                    object.insert("body".into(), Json::Null);
                }
            }
            entry
        })
        .collect();
    json!({
        "reference": record.reference,
        "service_code": record.service_code,
        "service_name": record.service_name,
        "state": record.state,
        "state_label": Json::Null,
        "open": record.is_open,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "closed_at": record.closed_at,
        "expected_on": record.expected_on,
        "overdue": is_overdue(record),
        "merged_into": record.merged_into.as_deref().and_then(Reference::parse).map(|r| r.to_string()),
        "timeline": timeline,
    })
}

/// What the citizen who filed the request sees: everything they gave, its public timeline
/// (with their own messages), its files.
pub fn owner_view(conn: &Connection, record: &Record) -> anyhow::Result<Json> {
    let mut view = json!({
        "id": record.id,
        "reference": record.reference,
        "service_code": record.service_code,
        "service_name": record.service_name,
        "state": record.state,
        "state_label": state_label(conn, record)?,
        "open": record.is_open,
        "channel": record.channel,
        "description": record.description,
        "answers": record.answers,
        "location": location(record),
        "contact": record.contact,
        "lang": record.lang,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "closed_at": record.closed_at,
        "expected_on": record.expected_on,
        "overdue": is_overdue(record),
        "merged_into": merged_reference(conn, record)?,
        "original": original_view(conn, record)?,
        "attachments": attachments::list(conn, &record.id, false)?,
        "timeline": timeline::list(conn, &record.id, false)?,
    });
    if let Some(object) = view.as_object_mut() {
        object.insert("followers".into(), json!(followers(conn, record)?));
    }
    Ok(view)
}

/// What staff see: the owner's view plus internal notes, actor ids, call logs, assignment,
/// the account and the agent who filed, where each file came from, the followers' count.
pub fn staff_view(conn: &Connection, record: &Record) -> anyhow::Result<Json> {
    let mut view = owner_view(conn, record)?;
    if let Some(object) = view.as_object_mut() {
        object.insert("service_version".into(), json!(record.service_version));
        object.insert("department".into(), json!(record.department));
        object.insert("assignee".into(), json!(record.assignee));
        object.insert("account_id".into(), json!(record.account_id));
        object.insert("filed_by".into(), json!(record.filed_by));
        object.insert(
            "attachments".into(),
            json!(attachments::list(conn, &record.id, true)?),
        );
        object.insert(
            "timeline".into(),
            json!(timeline::list(conn, &record.id, true)?),
        );
        object.insert("call_logs".into(), json!(call_logs(conn, &record.id)?));
    }
    Ok(view)
}

/// The request `reference` when `caller` filed it (its account) or is staff; 404 otherwise,
/// as for a reference that does not exist or is malformed, so that nobody learns which
/// references exist.
pub fn find_for(
    conn: &Connection,
    commune: &Commune,
    caller: &Caller,
    reference: &str,
) -> Result<Record, ApiError> {
    let reference = Reference::parse(reference).ok_or(ApiError::NotFound)?;
    let record = record::load(conn, commune, reference.as_str())?.ok_or(ApiError::NotFound)?;
    let owner = caller.account().is_some() && record.account_id.as_deref() == caller.account();
    if owner || caller.is_staff() {
        Ok(record)
    } else {
        Err(ApiError::NotFound)
    }
}

/// `view` with its `state_label` and `merged_into` filled from the database.
/// For a merged request, `original` too: the public view of the request it was merged into,
/// so that whoever follows the duplicate (with its code, or as its owner) sees the status of
/// the original (public data only).
pub fn with_label(conn: &Connection, record: &Record, mut view: Json) -> anyhow::Result<Json> {
    if let Some(object) = view.as_object_mut() {
        object.insert("state_label".into(), state_label(conn, record)?);
        object.insert("merged_into".into(), json!(merged_reference(conn, record)?));
        object.insert("original".into(), original_view(conn, record)?);
    }
    Ok(view)
}

/// The public view (with its state label) of the request `record` was merged into, `null`
/// when it was not.
fn original_view(conn: &Connection, record: &Record) -> anyhow::Result<Json> {
    let Some(merged) = &record.merged_into else {
        return Ok(Json::Null);
    };
    let Some(original) = tracking::original(conn, merged, &record.id)? else {
        return Ok(Json::Null);
    };
    let mut view = public_view(&original, timeline::list(conn, &original.id, false)?);
    if let Some(object) = view.as_object_mut() {
        object.insert("state_label".into(), state_label(conn, &original)?);
    }
    Ok(view)
}

/// `GET /api/requests/{ref}[?purpose=]`: the owner's view for its citizen, the staff view for
/// staff (each staff read logged with it: [`reads`]) with what they may do with it
/// (`may_act`, `states`, `transitions`: [`crate::http::workflow::view::choices`]).
pub async fn show(ctx: &Ctx<'_>, reference: &str) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    let caller = ctx.caller()?.require_signed_in()?;
    let conn = ctx.conn();
    let record = find_for(conn, commune, &caller, reference)?;
    let view = match (caller.is_staff(), caller.account()) {
        (true, Some(reader)) => {
            let purpose = reads::purpose(&Query::of(req))?;
            let view = db::transaction(conn, |conn| {
                let view = staff_view(conn, &record)?;
                let read = reads::Read::Request {
                    kind: "request",
                    id: &record.id,
                    reference: &record.reference,
                };
                reads::log(conn, commune, reader, &read, purpose)?;
                Ok(view)
            })?;
            guichet_guest::evidence::flush(conn, commune).await;
            let mut view = view;
            let choices = crate::http::workflow::view::choices(conn, commune, &record, &caller).await;
            if let Some(object) = view.as_object_mut() {
                object.extend(choices);
            }
            view
        }
        _ => owner_view(conn, &record)?,
    };
    Ok(response::json(200, &view))
}

/// `GET /api/requests/mine?page=&per_page=`: the signed-in citizen's requests, newest first,
/// each with its last public entry (`last_event`) and the commune's last message to them
/// (`last_reply`: `{"at","text"}`, or null).
pub fn mine(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    let caller = ctx.caller()?.require_signed_in()?;
    let account = caller.account().unwrap_or_default().to_owned();
    let query = Query::of(req);
    let mut errors = Vec::new();
    let page = number(&query, "page", 1, i64::MAX / PER_PAGE_MAX, &mut errors);
    let per_page = number(&query, "per_page", PER_PAGE, PER_PAGE_MAX, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::BadRequest { errors });
    }
    let conn = ctx.conn();
    let total = tracking::count_mine(conn, commune, &account)?;
    let offset = (page - 1).saturating_mul(per_page);
    let rows = tracking::mine(conn, commune, &account, per_page, offset)?;
    let today = today();
    // A label or event that is not JSON (none is written) is shown as absent.
    let parsed = |text: &Option<String>| {
        text.as_deref()
            .and_then(|t| serde_json::from_str::<Json>(t).ok())
            .unwrap_or(Json::Null)
    };
    let requests: Vec<Json> = rows
        .iter()
        .map(|row| {
            let merged = row.merged_reference.clone().or_else(|| {
                row.merged_into
                    .as_deref()
                    .and_then(Reference::parse)
                    .map(|r| r.to_string())
            });
            json!({
                "reference": row.reference,
                "service_code": row.service_code,
                "service_name": parsed(&row.service_name),
                "state": row.state,
                "state_label": parsed(&row.state_label),
                "open": row.is_open,
                "created_at": row.created_at,
                "updated_at": row.updated_at,
                "expected_on": row.expected_on,
                "overdue": row.is_open
                    && row.expected_on.as_deref().is_some_and(|d| d < today.as_str()),
                "merged_into": merged,
                "last_event": parsed(&row.last_event),
                "last_reply": parsed(&row.last_reply),
            })
        })
        .collect();
    Ok(response::json(
        200,
        &json!({"requests": requests, "page": page, "per_page": per_page, "total": total}),
    ))
}

/// `POST /api/requests/track` with `{"reference","code"}` (in the body, so that the code
/// stays out of URLs, logs and browser history): the public view, without an account. A
/// wrong code, an unknown or malformed reference all give the same 404; a client address
/// that fails too often is told to wait (429).
pub fn track(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    let body = body::json(req, body::DEFAULT_MAX_JSON)?;
    let mut errors = Vec::new();
    shape::check(&body, &TRACK, "", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::BadRequest { errors });
    }
    let given = |member: &str| body.get(member).and_then(Json::as_str).unwrap_or_default();
    let conn = ctx.conn();
    let client = client_hash(req);
    check_failures(conn, commune, &client)?;
    let found = Reference::parse(given("reference"))
        .zip(TrackingCode::parse(given("code")))
        .map(|(reference, code)| -> Result<Option<Record>, ApiError> {
            let record = record::load(conn, commune, reference.as_str())?;
            Ok(record.filter(|r| same(&r.tracking_hash, &code.hash())))
        })
        .transpose()?
        .flatten();
    let Some(record) = found else {
        count_failure(conn, commune, &client)?;
        return Err(ApiError::NotFound);
    };
    let view = public_view(&record, timeline::list(conn, &record.id, false)?);
    let view = with_label(conn, &record, view)?;
    Ok(response::json(200, &view))
}

/// Compares two hashes without stopping at the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A positive integer query parameter no larger than `max`, `default` when absent.
fn number(query: &Query, name: &str, default: i64, max: i64, errors: &mut Vec<FieldError>) -> i64 {
    match query.non_empty(name) {
        None => default,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                errors.push(FieldError::new(
                    name,
                    "invalid",
                    format!("must be a whole number from 1 to {max}"),
                ));
                default
            }
        },
    }
}

/// The label `{"fr","en"}` of the record's state, `null` when its service's states are
/// unknown here (a request written before labels were kept).
fn state_label(conn: &Connection, record: &Record) -> anyhow::Result<Json> {
    Ok(tracking::state_label(conn, &record.id, &record.state)?
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Json::Null))
}

/// The reference of the request this one was merged into (`merged_into` holds its id, or
/// its reference).
fn merged_reference(conn: &Connection, record: &Record) -> anyhow::Result<Option<String>> {
    let Some(merged) = &record.merged_into else {
        return Ok(None);
    };
    Ok(tracking::reference_of(conn, merged)?
        .or_else(|| Reference::parse(merged).map(|r| r.to_string())))
}

fn followers(conn: &Connection, record: &Record) -> anyhow::Result<i64> {
    tracking::followers(conn, &record.id)
}

fn call_logs(conn: &Connection, request_id: &str) -> anyhow::Result<Vec<Json>> {
    Ok(call::logged(conn, request_id)?
        .into_iter()
        .map(|call| {
            json!({
                "id": call.id,
                "called_at": call.called_at,
                "duration_seconds": call.duration_seconds,
                "caller": call.caller,
                "summary": call.summary,
                "agent_id": call.agent_id,
                "created_at": call.created_at,
            })
        })
        .collect())
}

fn location(record: &Record) -> Json {
    if record.lat.is_none() && record.address.is_none() {
        return Json::Null;
    }
    json!({"lat": record.lat, "long": record.long, "address": record.address})
}

/// Whether the request is open and its expected date has passed.
pub fn is_overdue(record: &Record) -> bool {
    record.is_open
        && record
            .expected_on
            .as_deref()
            .is_some_and(|d| d < today().as_str())
}

/// Today's date (UTC), `YYYY-MM-DD`, from the wall clock.
pub fn today() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    guichet_guest::dates::format_date(i64::try_from(seconds / 86_400).unwrap_or(0))
}

/// SHA-256 of the client's rate-limit key (`guichet_guest::client`, the one rule of every
/// component: `trusted_proxies`, IPv6 by /64): addresses are personal data and are not stored
/// in clear.
fn client_hash(req: &Request) -> String {
    guichet_guest::limits::hash(&crate::http::limits::client_address(req))
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())
        .unwrap_or(0)
}

/// 429 when the client already failed too often in the current window.
fn check_failures(conn: &Connection, commune: &Commune, client: &str) -> Result<(), ApiError> {
    let now = unix_now();
    if let Some((start, failures)) = tracking::track_failures(conn, commune, client)? {
        if now - start < TRACK_WINDOW && failures >= TRACK_FAILURES_MAX {
            let retry_after = u64::try_from(start + TRACK_WINDOW - now)
                .unwrap_or(1)
                .max(1);
            return Err(ApiError::TooManyRequests { retry_after });
        }
    }
    Ok(())
}

/// Counts one failed look-up of the client (a new window when the last one is over).
fn count_failure(conn: &Connection, commune: &Commune, client: &str) -> anyhow::Result<()> {
    tracking::count_track_failure(conn, commune, client, unix_now(), TRACK_WINDOW)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_since_the_epoch_are_civil_dates() {
        assert_eq!(guichet_guest::dates::format_date(0), "1970-01-01");
        assert_eq!(guichet_guest::dates::format_date(19_782), "2024-02-29");
        assert_eq!(guichet_guest::dates::format_date(20_788), "2026-12-01");
    }

    #[test]
    fn hashes_compare_equal_only_when_equal() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "ab"));
    }
}
