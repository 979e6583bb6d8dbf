//! `POST /api/requests/inbound-mail`: the webhook a mail provider calls with each e-mail sent
//! to the commune, as raw RFC 5322 / MIME (`Content-Type: message/rfc822` or `text/plain`).
//!
//! Authenticated by a shared secret (`Authorization: Bearer <inbound_mail_secret>`, compared
//! in constant time); with the variable empty the endpoint does not exist (404). A message
//! whose subject quotes a reference of this commune goes on that request's timeline with its
//! attachments only when its sender is that request's contact address and the commune's
//! receiving mail server authenticated that sender (its `Authentication-Results`, see
//! [`super::authres`]; authserv-id in `inbound_mail_authserv_id`): a From header is trivially
//! forged. Any other message waits for triage, where an agent decides. Providers deliver at
//! least once: the same message (same Message-ID, or same bytes without one) gets the same
//! answer and is stored once.
//!
//! Answer: 202 `{"id","status":"attached"|"triage","reference"?}`.

use guichet_guest::db::{self, Connection};
use guichet_guest::tenant::CommuneInfo;
use guichet_guest::{response, ApiError, Commune};
use serde_json::{json, Value as Json};
use spin_sdk::http::Response;

use super::status_error;
use crate::calls::events;
use crate::domain::channels::authres;
use crate::domain::channels::mime::{InboundMessage, MimeError, MAX_RAW};
use crate::domain::channels::secret;
use crate::domain::reference::Reference;
use crate::store::channels::inbound::{self, NewMail};
use crate::store::channels::mail_attach;
use crate::store::record::{self, Record};
use crate::Ctx;

/// The Spin variable holding the webhook's shared secret (empty: endpoint disabled).
const SECRET_VARIABLE: &str = "inbound_mail_secret";
/// The Spin variable naming the authserv-id of the commune's receiving mail server (empty: no
/// sender is authenticated, every e-mail waits for triage).
const AUTHSERV_VARIABLE: &str = "inbound_mail_authserv_id";
/// Body types providers use for a raw message.
const TYPES: [&str; 3] = ["message/rfc822", "text/plain", "application/octet-stream"];

pub async fn inbound_mail(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    let secret = match spin_sdk::variables::get(SECRET_VARIABLE) {
        Ok(value) => value,
        Err(error) => {
            eprintln!("reading {SECRET_VARIABLE}: {error:?} (inbound e-mail disabled)");
            String::new()
        }
    };
    if secret.is_empty() {
        return Err(ApiError::NotFoundWith {
            code: "endpoint_disabled",
            message: "inbound e-mail is not enabled for this deployment",
        });
    }
    let authorization = req.header("authorization").and_then(|v| v.as_str());
    if !secret::bearer_matches(authorization, &secret) {
        return Err(ApiError::Unauthorized {
            code: "invalid_secret",
            message: "the webhook's shared secret is missing or wrong",
        });
    }
    let media = req
        .header("content-type")
        .and_then(|v| v.as_str())
        .map(|t| {
            t.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    if !TYPES.contains(&media.as_str()) {
        return Ok(status_error(
            415,
            "content-type",
            "unsupported_media_type",
            "send the raw message as message/rfc822 (or text/plain)",
        ));
    }
    let raw = req.body();
    if raw.len() > MAX_RAW {
        return Ok(status_error(
            413,
            "body",
            "too_large",
            "an e-mail must be at most 10 MiB",
        ));
    }
    let message = InboundMessage::parse(raw).map_err(|error| match error {
        MimeError::TooLarge => {
            ApiError::field("body", "too_large", "an e-mail must be at most 10 MiB")
        }
        MimeError::Unreadable => ApiError::field(
            "body",
            "invalid_mail",
            "the body is not an RFC 5322 message",
        ),
        MimeError::NoSender => {
            ApiError::field("from", "required", "the message has no usable From address")
        }
    })?;
    let authserv_id = spin_sdk::variables::get(AUTHSERV_VARIABLE).unwrap_or_default();
    let verified = message.sole_sender
        && authres::sender_authenticated(
            message.auth_results.iter().map(String::as_str),
            &authserv_id,
            &message.sender,
        );
    let conn = ctx.conn();
    let (answer, event_ids) = db::transaction(conn, |conn| {
        receive(conn, ctx.served(), raw, &message, verified)
    })?;
    events::deliver(conn, commune, &event_ids).await;
    Ok(response::json(202, &answer))
}

/// Stores `message` once: the stored answer when it was already received, else attached to
/// the request its subject names (when `verified` and from its contact) or queued for
/// triage. Returns the answer and the events to deliver after the commit.
fn receive(
    conn: &Connection,
    served: &CommuneInfo,
    raw: &[u8],
    message: &InboundMessage,
    verified: bool,
) -> anyhow::Result<(Json, Vec<String>)> {
    let commune = &served.commune;
    if let Some(answer) = already_received(conn, commune, &message.dedupe_key)? {
        return Ok((answer, Vec::new()));
    }
    let target = match Reference::find_in(&message.subject) {
        Some(reference) if verified => followed(conn, commune, reference.as_str())?
            .filter(|record| mail_attach::from_contact(record, &message.sender)),
        _ => None,
    };
    let (id, now) = db::new_id_and_now(conn)?;
    let status = if target.is_some() {
        "attached"
    } else {
        "triage"
    };
    inbound::insert(
        conn,
        &NewMail {
            id: &id,
            commune,
            message,
            request_id: target.as_ref().map(|r| r.id.as_str()),
            status,
            raw,
            received_at: &now,
            sender_verified: verified,
        },
    )?;
    let mut events = Vec::new();
    if let Some(record) = &target {
        events.push(mail_attach::attach(
            conn, served, &id, message, verified, record, None,
        )?);
    }
    Ok((
        answer(&id, status, target.as_ref().map(|r| r.reference.as_str())),
        events,
    ))
}

/// The answer given for a mail with `dedupe_key` already stored, if any.
fn already_received(
    conn: &Connection,
    commune: &Commune,
    dedupe_key: &str,
) -> anyhow::Result<Option<Json>> {
    Ok(inbound::received(conn, commune, dedupe_key)?
        .map(|mail| answer(&mail.id, &mail.status, mail.reference.as_deref())))
}

/// The request `reference`, or the one it was merged into (a citizen quoting the reference
/// of a duplicate means the original); `None` when the commune has no such request.
pub fn followed(
    conn: &Connection,
    commune: &Commune,
    reference: &str,
) -> anyhow::Result<Option<Record>> {
    let mut current = record::load(conn, commune, reference)?;
    // Merges are one level deep in practice; the bound guards against a cycle.
    for _ in 0..5 {
        match current.as_ref().and_then(|r| r.merged_into.clone()) {
            Some(original) => match record::load_by_id(conn, commune, &original)? {
                Some(next) => current = Some(next),
                None => break,
            },
            None => break,
        }
    }
    Ok(current)
}

fn answer(id: &str, status: &str, reference: Option<&str>) -> Json {
    let mut body = json!({ "id": id, "status": status });
    if let Some(reference) = reference {
        body["reference"] = json!(reference);
    }
    body
}
