//! E-mails waiting for triage (no reference of this commune in their subject, or a sender
//! who is not that request's authenticated contact): agents list
//! them and resolve each by attaching it to a request, filing a new request from it, or
//! discarding it (spam, misdirected mail).
//!
//! - `GET /api/requests/triage?limit=&offset=` (staff): `{"total","items":[{"id","sender",
//!   "subject","received_at","excerpt","sender_verified"}]}`, oldest first
//!   (`sender_verified`: the receiving mail server authenticated the From address).
//! - `POST /api/requests/triage/{id}` (staff), exactly one of: `{"reference": "2026-000123"}`,
//!   `{"file": {filing body}}` (channel `email`, no account, `contact.email` = the sender
//!   unless given), `{"discard": true}`. 200 `{"id","status","reference"?}` (201 with the
//!   filing's answer for `file`); 409 `already_resolved` when another agent was first.

use guichet_guest::db::{self, Connection};
use guichet_guest::query::Query;
use guichet_guest::tenant::CommuneInfo;
use guichet_guest::{body, response, ApiError, Commune, FieldError};
use serde_json::{json, Map, Value as Json};
use spin_sdk::http::Response;

use super::inbound_mail::followed;
use super::staff_account;
use crate::calls::events;
use crate::domain::channels::mime::InboundMessage;
use crate::http::attachments;
use crate::http::caller::Caller;
use crate::http::filing;
use crate::store::channels::{mail_attach, triage};
use crate::store::record::Channel;
use crate::store::timeline::Actor;
use crate::Ctx;

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 200;

pub fn triage_list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    let caller = ctx.caller()?.require_staff()?;
    let query = Query::of(req);
    let mut errors = Vec::new();
    let limit = number(&query, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT, &mut errors);
    let offset = number(&query, "offset", 0, 0, i64::MAX, &mut errors);
    let purpose = crate::http::reads::purpose(&query)
        .map_err(|e| errors.extend(e.errors()))
        .ok()
        .flatten();
    if !errors.is_empty() {
        return Err(ApiError::BadRequest { errors });
    }
    let conn = ctx.conn();
    // Senders' addresses and the start of their mails are personal data: the read is logged
    // like the queue's (docs/SECURITY.md, item 22).
    let filter = crate::http::reads::without_purpose(req.query());
    let read = crate::http::reads::Read::List {
        kind: "triage",
        filter: &filter,
    };
    crate::http::reads::log(
        conn,
        commune,
        caller.account().unwrap_or_default(),
        &read,
        purpose,
    )?;
    let total = triage::count_waiting(conn, commune)?;
    let items: Vec<Json> = triage::waiting(conn, commune, limit, offset)?
        .into_iter()
        .map(|mail| {
            json!({
                "id": mail.id,
                "sender": mail.sender,
                "subject": mail.subject,
                "received_at": mail.received_at,
                "excerpt": mail.start.map(|t| InboundMessage::excerpt(&t)),
                "sender_verified": mail.sender_verified,
            })
        })
        .collect();
    Ok(response::json(
        200,
        &json!({"total": total, "items": items}),
    ))
}

fn number(
    query: &Query,
    name: &str,
    default: i64,
    min: i64,
    max: i64,
    errors: &mut Vec<FieldError>,
) -> i64 {
    match query.non_empty(name) {
        None => default,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => n,
            _ => {
                errors.push(FieldError::new(
                    name,
                    "out_of_range",
                    format!("must be a whole number from {min} to {max}"),
                ));
                default
            }
        },
    }
}

/// What the agent decided.
enum Decision {
    Attach(String),
    File(Map<String, Json>),
    Discard,
}

fn decision(body: &Json) -> Result<Decision, ApiError> {
    let Some(object) = body.as_object() else {
        return Err(ApiError::field(
            "body",
            "invalid_type",
            "must be a JSON object",
        ));
    };
    let mut errors: Vec<FieldError> = object
        .keys()
        .filter(|k| !matches!(k.as_str(), "reference" | "file" | "discard"))
        .map(|k| FieldError::new(k.as_str(), "unknown_field", "this member is not expected"))
        .collect();
    let given: Vec<&str> = ["reference", "file", "discard"]
        .into_iter()
        .filter(|k| object.get(*k).is_some_and(|v| !v.is_null()))
        .collect();
    if given.len() != 1 {
        errors.push(FieldError::general(
            "one_of",
            "give exactly one of reference, file or discard",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::BadRequest { errors });
    }
    match (
        object.get("reference"),
        object.get("file"),
        object.get("discard"),
    ) {
        (Some(Json::String(reference)), _, _) => Ok(Decision::Attach(reference.trim().to_owned())),
        (Some(v), _, _) if !v.is_null() => Err(ApiError::field(
            "reference",
            "invalid_type",
            "must be a string",
        )),
        (_, Some(Json::Object(file)), _) => Ok(Decision::File(file.clone())),
        (_, Some(v), _) if !v.is_null() => Err(ApiError::field(
            "file",
            "invalid_type",
            "must be a filing body (object)",
        )),
        (_, _, Some(Json::Bool(true))) => Ok(Decision::Discard),
        _ => Err(ApiError::field("discard", "invalid_value", "must be true")),
    }
}

/// A mail of triage, as stored.
struct Queued {
    id: String,
    message: InboundMessage,
    /// Whether the receiving server authenticated the sender.
    verified: bool,
}

fn queued(conn: &Connection, commune: &Commune, id: &str) -> Result<Queued, ApiError> {
    let mail = triage::stored(conn, commune, id)?.ok_or(ApiError::NotFound)?;
    if mail.status.as_deref() != Some("triage") {
        return Err(already_resolved());
    }
    let message = InboundMessage::parse(mail.raw.as_deref().unwrap_or_default())
        .map_err(|e| anyhow::anyhow!("a stored inbound e-mail no longer parses: {e:?}"))?;
    Ok(Queued {
        id: id.to_owned(),
        message,
        verified: mail.sender_verified,
    })
}

fn already_resolved() -> ApiError {
    ApiError::conflict(
        "id",
        "already_resolved",
        "this e-mail was already attached, filed or discarded",
    )
}

pub async fn triage_resolve(ctx: &Ctx<'_>, id: &str) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    let caller = ctx.caller()?.require_staff()?;
    let agent = staff_account(&caller)?;
    let body = body::json(req, attachments::MAX_BODY)?;
    let decision = decision(&body)?;
    let conn = ctx.conn();
    let mail = queued(conn, commune, id)?;
    match decision {
        Decision::Discard => {
            if !db::transaction(conn, |conn| {
                triage::resolve(conn, &mail.id, "discarded", None)
            })? {
                return Err(already_resolved());
            }
            Ok(response::json(
                200,
                &json!({"id": mail.id, "status": "discarded"}),
            ))
        }
        Decision::Attach(reference) => {
            let record = followed(conn, commune, &reference)?.ok_or_else(|| {
                ApiError::field(
                    "reference",
                    "unknown_reference",
                    "no request of this commune has this reference",
                )
            })?;
            let event = db::transaction(conn, |conn| {
                if !triage::resolve(conn, &mail.id, "attached", Some(&record.id))? {
                    return Ok(None);
                }
                mail_attach::attach(
                    conn,
                    ctx.served(),
                    &mail.id,
                    &mail.message,
                    mail.verified,
                    &record,
                    Some(&agent),
                )
                .map(Some)
            })?;
            let Some(event) = event else {
                return Err(already_resolved());
            };
            events::deliver(conn, commune, &[event]).await;
            Ok(response::json(
                200,
                &json!({"id": mail.id, "status": "attached", "reference": record.reference}),
            ))
        }
        Decision::File(mut file) => {
            file_from_mail(conn, ctx.served(), &caller, &agent, &mail, &mut file).await
        }
    }
}

/// Files a new request (channel `email`) from the queued mail, with the mail on its timeline.
async fn file_from_mail(
    conn: &Connection,
    served: &CommuneInfo,
    caller: &Caller,
    agent: &str,
    mail: &Queued,
    file: &mut Map<String, Json>,
) -> Result<Response, ApiError> {
    let commune = &served.commune;
    let contact = file.entry("contact").or_insert_with(|| json!({}));
    if let Some(contact) = contact.as_object_mut() {
        contact
            .entry("email")
            .or_insert_with(|| json!(mail.message.sender));
    }
    if !file.contains_key("description") && !mail.message.text.is_empty() {
        file.insert(
            "description".into(),
            json!(mail.message.text.chars().take(5_000).collect::<String>()),
        );
    }
    let valid = filing::validate(
        conn,
        commune,
        caller,
        &Json::Object(file.clone()),
        Channel::Email,
        true,
    )
    .await
    .map_err(|error| match error {
        // The filing's errors are about the `file` member of this body.
        ApiError::BadRequest { errors } => ApiError::BadRequest {
            errors: errors
                .into_iter()
                .map(|mut e| {
                    e.field = Some(match e.field {
                        Some(f) if f != "body" => format!("file.{f}"),
                        _ => "file".to_owned(),
                    });
                    e
                })
                .collect(),
        },
        other => other,
    })?;
    let actor = Actor {
        kind: "staff",
        id: Some(agent.to_owned()),
    };
    let mut answer = Json::Null;
    let mut events_out = Vec::new();
    let mut raced = false;
    let written = filing::write(
        conn,
        served,
        &valid,
        Channel::Email,
        Some(agent.to_owned()),
        actor,
        |conn, filed, files| {
            if !triage::resolve(conn, &mail.id, "attached", Some(&filed.record.id))? {
                raced = true;
                anyhow::bail!("the e-mail was resolved by someone else meanwhile");
            }
            events_out.push(mail_attach::attach(
                conn,
                served,
                &mail.id,
                &mail.message,
                mail.verified,
                &filed.record,
                Some(agent),
            )?);
            answer = filing::created_body(&valid, filed, files);
            Ok(())
        },
    );
    let filed = match written {
        Ok(filed) => filed,
        Err(_) if raced => return Err(already_resolved()),
        Err(error) => return Err(error.into()),
    };
    events_out.insert(0, filed.event_id.clone());
    events::deliver(conn, commune, &events_out).await;
    answer["inbound_mail"] = json!({"id": mail.id, "status": "attached"});
    let mut reply = response::json(201, &answer);
    reply.set_header(
        "location",
        format!("/api/requests/{}", filed.record.reference),
    );
    Ok(reply)
}
