//! Events about requests (filed, status changed, message, assigned, overdue), written to the
//! outbox in the transaction of their cause, then delivered to notifications after the commit
//! (see [`crate::store::outbox`]; undelivered events are retried by `POST /api/requests/outbox/retry`).
//!
//! The payload carries what notifications needs to tell people, so that it never reads the
//! requests database: the request's reference, service, state, the public text, its language,
//! and `recipients` (the filer's contact and the followers' contacts, each with the channel
//! they chose and `verified`: whether its holder confirmed it, see [`crate::http::contacts`]; an
//! unverified one is told of its receipt only, with `confirm_token` for its link).

use anyhow::Context as _;
use guichet_guest::db::{self, Connection};
use guichet_guest::event::EventKind;
use guichet_guest::tenant::CommuneInfo;
use guichet_guest::Commune;
use serde_json::{json, Map, Value as Json};

use crate::store::outbox;
use crate::store::record::Record;

/// Writes an event of `kind` about `record` to the outbox of `served`'s commune, with its
/// public origin (for notifications' links to the right commune's tracking page); `extra` members (e.g. `from`, `to`,
/// `message`) are added to the payload. Returns the event id, to deliver after the commit.
pub fn emit(
    conn: &Connection,
    served: &CommuneInfo,
    kind: EventKind,
    record: &Record,
    extra: Map<String, Json>,
) -> anyhow::Result<String> {
    let recipients = recipients(conn, record).context("listing the recipients")?;
    emit_to(conn, served, kind, record, extra, recipients)
}

/// [`emit`] to the given `recipients` (a receipt carrying a confirmation token, a follow).
pub fn emit_to(
    conn: &Connection,
    served: &CommuneInfo,
    kind: EventKind,
    record: &Record,
    extra: Map<String, Json>,
    recipients: Vec<Json>,
) -> anyhow::Result<String> {
    let (id, now) = db::new_id_and_now(conn)?;
    let mut payload = Map::new();
    payload.insert("request_id".into(), json!(record.id));
    payload.insert("reference".into(), json!(record.reference));
    payload.insert("service_code".into(), json!(record.service_code));
    payload.insert("service_name".into(), record.service_name.clone());
    payload.insert("state".into(), json!(record.state));
    payload.insert("open".into(), json!(record.is_open));
    payload.insert("lang".into(), json!(record.lang));
    if !served.public_origin.is_empty() {
        payload.insert("origin".into(), json!(served.public_origin));
    }
    payload.insert("recipients".into(), Json::Array(recipients));
    payload.extend(extra);
    outbox::record(conn, &id, &served.commune, kind, &payload, &now)?;
    Ok(id)
}

/// Delivers the events `ids` (written by a committed transaction); failures stay in the
/// outbox for the retry sweep and are not the caller's failure.
pub async fn deliver(conn: &Connection, commune: &Commune, ids: &[String]) {
    for id in ids {
        if let Err(error) = outbox::deliver(conn, commune, id).await {
            eprintln!("delivering event {id}: {error:#}");
        }
    }
}

/// The filer's contact (when they gave one; first) and every follower's, as recipients.
pub fn recipients(conn: &Connection, record: &Record) -> anyhow::Result<Vec<Json>> {
    let mut list = Vec::new();
    if record.contact.get("email").is_some() || record.contact.get("phone").is_some() {
        list.push(recipient(&record.contact));
    }
    let result = db::query(
        conn,
        "SELECT contact FROM followers WHERE request_id = ? ORDER BY since",
        &[db::text(record.id.as_str())],
    )?;
    for row in &result.rows {
        if let Some(contact) = row
            .get::<&str>(0)
            .and_then(|text| serde_json::from_str::<Json>(text).ok())
            .map(|contact| recipient(&contact))
        {
            if !list.contains(&contact) {
                list.push(contact);
            }
        }
    }
    Ok(list)
}

/// A stored contact as a recipient: `verified` says whether its holder confirmed it (or it
/// needed no confirmation), in place of the stored `unverified` mark.
pub fn recipient(contact: &Json) -> Json {
    let mut out = contact.clone();
    if let Some(map) = out.as_object_mut() {
        map.remove(crate::http::contacts::UNVERIFIED);
        map.insert(
            "verified".into(),
            json!(!crate::http::contacts::is_unverified(contact)),
        );
    }
    out
}
