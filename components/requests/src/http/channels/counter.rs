//! `POST /api/requests/counter` (staff): an agent files a request for a citizen at the counter
//! or on the phone, or from a letter received by post.
//!
//! Body: the filing body of `POST /api/requests` plus `"channel": "counter"|"phone"|"mail"`
//! (`mail`: a clerk files from a paper letter, whose scan then goes to
//! `POST /api/requests/{ref}/scans`),
//! `"citizen"?: {"account_id"?}` (the citizen's account, when they have one: the request is
//! then theirs; without one the contact must give an e-mail or a phone number) and `"call"?:
//! {"called_at","duration_seconds","caller","summary"}` (required on the phone; at the counter
//! it logs the visit). The request (`filed_by` = the agent), its attachments and the call log
//! (with its internal `call` timeline entry) are written in one transaction; every error at
//! once, nothing written. Answer: 201 as `POST /api/requests`, plus `call_id`. An
//! `Idempotency-Key` (the agent's) makes retries safe, as for `POST /api/requests`.

use guichet_guest::db::Connection;
use guichet_guest::{body, ApiError, FieldError};
use serde_json::{json, Map, Value as Json};
use spin_sdk::http::Response;

use super::staff_account;
use crate::http::attachments;
use crate::http::caller::Caller;
use crate::http::filing;
use crate::http::idempotency::{self, Key};
use crate::store::channels::call::{self, CallLog};
use crate::store::record::Channel;
use crate::store::timeline::Actor;
use crate::Ctx;

/// Longest account id accepted (identity's ids are far shorter).
const ACCOUNT_MAX: usize = 128;

/// What this channel adds to the filing body, checked.
struct Extra {
    channel: Channel,
    account: Option<String>,
    call: Option<CallLog>,
}

pub async fn counter_filing(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    let caller = Caller::staff(req, commune)?;
    let agent = staff_account(&caller)?;
    let key = idempotency::header(req)?.map(|key| Key {
        caller: idempotency::owner(Some(&agent), &Json::Null),
        key,
        fingerprint: idempotency::fingerprint(req.body()),
    });
    let body = body::json(req, attachments::MAX_BODY)?;
    let conn = ctx.conn();
    // A retry is answered before anything is checked again (the service may be archived).
    if let Some(key) = &key {
        if let Some(replay) = idempotency::replay(conn, commune, key)? {
            return Ok(replay);
        }
    }
    let Some(object) = body.as_object() else {
        return Err(ApiError::field(
            "body",
            "invalid_type",
            "must be a JSON object",
        ));
    };
    let mut filing_body = object.clone();
    let checked = extra(&mut filing_body);
    let mut errors = checked.as_ref().err().cloned().unwrap_or_default();
    let has_account = checked.as_ref().is_ok_and(|e| e.account.is_some())
        || object
            .get("citizen")
            .and_then(|c| c.get("account_id"))
            .is_some();
    if !has_account && !reachable(object.get("contact")) {
        errors.push(FieldError::new(
            "contact",
            "contact_required",
            "without the citizen's account, give their e-mail address or phone number",
        ));
    }
    // The filing's own checks run even when ours failed, so that every error shows at once.
    let channel = checked.as_ref().map_or(Channel::Counter, |e| e.channel);
    let valid = filing::validate(
        conn,
        commune,
        &caller,
        &Json::Object(filing_body),
        channel,
        true,
    )
    .await;
    let mut valid = match valid {
        Ok(valid) => Some(valid),
        Err(ApiError::BadRequest { errors: mut found }) => {
            errors.append(&mut found);
            None
        }
        Err(other) => return Err(other),
    };
    let (Some(valid), Ok(extra), true) = (valid.as_mut(), checked, errors.is_empty()) else {
        return Err(ApiError::BadRequest { errors });
    };
    valid.account = extra.account.clone();
    let valid: &filing::Valid = valid;
    let actor = Actor {
        kind: "staff",
        id: Some(agent.clone()),
    };
    let mut answer = Json::Null;
    let written = idempotency::once(conn, commune, key.as_ref(), || async {
        filing::write(
            conn,
            ctx.served(),
            valid,
            extra.channel,
            Some(agent.clone()),
            actor,
            |conn: &Connection, filed, files| {
                answer = filing::created_body(valid, filed, files);
                if let Some(log) = &extra.call {
                    let id = call::write(
                        conn,
                        commune,
                        &filed.record.id,
                        log,
                        &agent,
                        extra.channel.as_str(),
                    )?;
                    answer["call_id"] = json!(id);
                }
                answer["channel"] = json!(extra.channel.as_str());
                answer["filed_by"] = json!(agent);
                idempotency::remember(conn, commune, key.as_ref(), 201, &answer)
            },
        )
        .map_err(ApiError::from)
    })
    .await?;
    Ok(filing::created(conn, commune, written, &answer).await)
}

/// Takes `channel`, `citizen` and `call` out of `body` (leaving the filing body) and checks
/// them; every error at once.
fn extra(body: &mut Map<String, Json>) -> Result<Extra, Vec<FieldError>> {
    let mut errors = Vec::new();
    let channel = match body.remove("channel") {
        Some(Json::String(name)) if name == "counter" => Some(Channel::Counter),
        Some(Json::String(name)) if name == "phone" => Some(Channel::Phone),
        Some(Json::String(name)) if name == "mail" => Some(Channel::Mail),
        None | Some(Json::Null) => {
            errors.push(FieldError::new(
                "channel",
                "required",
                "counter, phone or mail",
            ));
            None
        }
        Some(_) => {
            errors.push(FieldError::new(
                "channel",
                "invalid_value",
                "must be counter, phone or mail",
            ));
            None
        }
    };
    let account = match body.remove("citizen") {
        None | Some(Json::Null) => None,
        Some(Json::Object(citizen)) => {
            for key in citizen.keys().filter(|k| k.as_str() != "account_id") {
                errors.push(FieldError::new(
                    format!("citizen.{key}"),
                    "unknown_field",
                    "this member is not expected",
                ));
            }
            match citizen.get("account_id") {
                None | Some(Json::Null) => None,
                Some(Json::String(id)) if is_account_id(id) => Some(id.clone()),
                Some(_) => {
                    errors.push(FieldError::new(
                        "citizen.account_id",
                        "invalid_format",
                        "must be the citizen's account id",
                    ));
                    None
                }
            }
        }
        Some(_) => {
            errors.push(FieldError::new(
                "citizen",
                "invalid_type",
                "must be an object",
            ));
            None
        }
    };
    let call = match body.remove("call") {
        None | Some(Json::Null) => {
            if channel == Some(Channel::Phone) {
                errors.push(FieldError::new(
                    "call",
                    "required",
                    "a phone filing needs its call log (called_at, duration_seconds, caller, summary)",
                ));
            }
            None
        }
        Some(value) => match CallLog::parse(&value, "call.") {
            Ok(log) => Some(log),
            Err(mut found) => {
                errors.append(&mut found);
                None
            }
        },
    };
    match channel {
        Some(channel) if errors.is_empty() => Ok(Extra {
            channel,
            account,
            call,
        }),
        _ => Err(errors),
    }
}

/// An account id as identity issues them (token subjects): short, no spaces or controls.
fn is_account_id(id: &str) -> bool {
    (1..=ACCOUNT_MAX).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.' | b'@'))
}

/// Whether `contact` gives an e-mail address or a phone number.
fn reachable(contact: Option<&Json>) -> bool {
    ["email", "phone"].iter().any(|member| {
        contact
            .and_then(|c| c.get(*member))
            .and_then(Json::as_str)
            .is_some_and(|v| !v.trim().is_empty())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(body: Json) -> Vec<String> {
        let Json::Object(mut map) = body else {
            return vec![];
        };
        extra(&mut map)
            .err()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|e| e.field)
            .collect()
    }

    #[test]
    fn a_phone_filing_needs_its_call_log() {
        assert_eq!(fields(json!({"channel": "phone"})), vec!["call"]);
        assert!(fields(json!({"channel": "counter"})).is_empty());
        assert!(fields(json!({"channel": "mail"})).is_empty());
    }

    #[test]
    fn the_channel_citizen_and_call_are_checked_together_and_removed() {
        assert_eq!(
            fields(
                json!({"channel": "fax", "citizen": {"account_id": "a b", "x": 1},
                          "call": {"called_at": "2026-12-01T10:00:00Z", "duration_seconds": -5, "caller": "x", "summary": "y"}})
            ),
            vec![
                "channel",
                "citizen.x",
                "citizen.account_id",
                "call.duration_seconds"
            ]
        );
        let mut body = json!({"channel": "counter", "citizen": {"account_id": "acc-1"}, "service_code": "pothole"});
        let map = body.as_object_mut().expect("object");
        let checked = extra(map).expect("valid");
        assert_eq!(checked.account.as_deref(), Some("acc-1"));
        assert_eq!(map.keys().collect::<Vec<_>>(), vec!["service_code"]);
    }
}
