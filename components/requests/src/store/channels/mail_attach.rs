//! Putting an inbound e-mail on a request's timeline (on arrival, or when an agent resolves it
//! from triage): an `email` entry with the text, the allowed attachments stored with source
//! `email` (the others skipped and listed in the entry), and a `message` event.
//!
//! E-mail fills a request's files only so far: at most [`attachments::MAX_FILES`] per message
//! and [`MAX_EMAIL_FILES`] per request, so that mail cannot take the room citizens and staff
//! need (the request keeps [`attachments::MAX_PER_REQUEST`] in all).

use guichet_guest::db::{self, Connection};
use guichet_guest::tenant::CommuneInfo;

use serde_json::{json, Value as Json};

use crate::calls::events;
use crate::domain::channels::mime::InboundMessage;
use crate::http::attachments;
use crate::store::record::Record;
use crate::store::timeline::{self, Actor, Entry};

/// Most files e-mails may add to one request, over its life.
pub const MAX_EMAIL_FILES: i64 = 10;

/// Whether `sender` is the contact address of `record`.
pub fn from_contact(record: &Record, sender: &str) -> bool {
    record
        .contact
        .get("email")
        .and_then(Json::as_str)
        .is_some_and(|contact| contact.eq_ignore_ascii_case(sender))
}

/// Attaches inbound mail `mail_id` (already stored) to `record`; `attached_by` is the agent
/// who did it from triage; `verified`: the receiving server authenticated the sender. Call
/// inside the transaction; returns the `message` event's id.
///
/// The entry is public (the citizen sees it) when the authenticated sender is the request's
/// own contact address: it is their message. Anything else stays internal, so that nobody
/// writes on someone's public timeline by quoting a reference or forging a From.
pub fn attach(
    conn: &Connection,
    served: &CommuneInfo,
    mail_id: &str,
    message: &InboundMessage,
    verified: bool,
    record: &Record,
    attached_by: Option<&str>,
) -> anyhow::Result<String> {
    let commune = &served.commune;
    let (_, now) = db::new_id_and_now(conn)?;
    let from_mail = db::query(
        conn,
        "SELECT COUNT(*) AS n FROM attachments WHERE request_id = ? AND source = 'email'",
        &[db::text(record.id.as_str())],
    )?;
    let from_mail = db::first_value::<i64>(&from_mail, "n")?.unwrap_or(0);
    let mut room = (attachments::MAX_PER_REQUEST - attachments::count(conn, &record.id)?)
        .min(MAX_EMAIL_FILES - from_mail)
        .min(attachments::MAX_FILES as i64);
    let mut stored = Vec::new();
    let mut skipped = Vec::new();
    for (i, part) in message.attachments.iter().enumerate() {
        let path = format!("attachments[{i}]");
        match attachments::check_bytes(&part.name, &part.content_type, part.data.clone(), &path) {
            Ok(_) if room <= 0 => skipped.push(json!({
                "name": part.name, "content_type": part.content_type, "reason": "too_many",
            })),
            Ok(file) => {
                let id = attachments::store(conn, commune, &record.id, &file, "email", None)?;
                room -= 1;
                stored.push(json!({"id": id, "name": file.name, "content_type": file.content_type, "size": file.data.len()}));
            }
            Err(errors) => skipped.push(json!({
                "name": part.name,
                "content_type": part.content_type,
                "reason": errors.first().map_or("refused", |e| e.code.as_str()),
            })),
        }
    }
    let public = verified && from_contact(record, &message.sender);
    let actor = Actor {
        kind: "email",
        id: Some(message.sender.clone()),
    };
    let mut entry = Entry::new("email", public);
    entry.body = Some(message.text.as_str());
    entry
        .detail
        .insert("inbound_mail_id".into(), json!(mail_id));
    entry.detail.insert("sender".into(), json!(message.sender));
    entry
        .detail
        .insert("sender_verified".into(), json!(verified));
    if let Some(name) = &message.sender_name {
        entry.detail.insert("sender_name".into(), json!(name));
    }
    entry
        .detail
        .insert("subject".into(), json!(message.subject));
    entry
        .detail
        .insert("attachments".into(), Json::Array(stored));
    entry.detail.insert("skipped".into(), Json::Array(skipped));
    if let Some(agent) = attached_by {
        entry.detail.insert("attached_by".into(), json!(agent));
    }
    timeline::append(conn, commune, &record.id, &now, &actor, &entry)?;
    db::exec(
        conn,
        "UPDATE requests SET updated_at = ? WHERE id = ?",
        &[db::text(now.as_str()), db::text(record.id.as_str())],
    )?;
    // `actor_kind: citizen`: notifications then tells agents' tools, not the citizen, who
    // would otherwise get their own message back.
    events::emit(conn, served, record, |about| {
        events::about_request!(Message, about, {
            text: message.text.clone(),
            author: Some("citizen".to_owned()),
            public,
            channel: Some("email".to_owned()),
            assignee: record.assignee.clone(),
        })
    })
}
