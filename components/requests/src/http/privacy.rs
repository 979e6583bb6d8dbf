//! A person's data in requests, for identity's GDPR export and erasure
//! (`guichet_guest::privacy`), reached by service chaining at
//! `http://requests.spin.internal/internal/privacy/{export,erase}`. No public route covers
//! `/internal/...` (requests' routes are `/api/requests/...` and `/open311/v2/...`).
//!
//! A person's requests are those filed with their account, and those filed without one under
//! their e-mail address (anonymous reports, e-mails, calls). Export gives each with its
//! answers, contact, public timeline, the person's own messages, files (described, not
//! included) and call logs, the requests the person follows, and who of the commune's staff
//! read their requests (`staff_reads`, see [`crate::http::reads`]).
//!
//! Erasure deletes the person's closed requests with everything attached, and what they
//! follow and their e-mails still waiting for triage; open requests are kept (`kept`, legal
//! basis: the commune is processing them, GDPR art. 6(1)(e) and 17(3)(b)) and can be erased
//! once closed. The account is replaced in the administrators' notification-chain checks it
//! ran. The SQL is [`crate::store::privacy`]. An erasure leaves its trace in the commune's
//! evidence log (`personal-data-erased`, with what was deleted and kept, never a name),
//! written to the outbox in the erasure's transaction and sent after it.

use guichet_guest::db::{self, Connection};
use guichet_guest::privacy::{self, Erasure, Kept, Subject};
use guichet_guest::Commune;
use guichet_guest::{response, routing, ApiError};
use serde_json::{json, Map, Value as Json};
use spin_sdk::http::{Request, Response};

use crate::http::reads;
use crate::store::privacy as store;
use crate::store::record::{self, Record};
use crate::store::{schema, timeline};
use crate::{COMPONENT, DATABASE};

/// Routes `/internal/...` (the segments below it).
pub async fn route(req: &Request, segments: &[&str]) -> Result<Response, ApiError> {
    match segments {
        ["privacy", "export"] => {
            routing::only_post(req)?;
            export(req)
        }
        ["privacy", "erase"] => {
            routing::only_post(req)?;
            erase(req).await
        }
        _ => Err(ApiError::NotFound),
    }
}

fn subject_and_db(req: &Request) -> Result<(Subject, Connection), ApiError> {
    let subject = Subject::receive(req)?;
    let conn = db::open(DATABASE)?;
    db::migrate(&conn, schema::MIGRATIONS)?;
    Ok((subject, conn))
}

/// `POST /internal/privacy/export`: the chain checks the account ran.
fn export(req: &Request) -> Result<Response, ApiError> {
    let (subject, conn) = subject_and_db(req)?;
    let pings: Vec<Json> = store::pings(&conn, &subject)?
        .into_iter()
        .map(|ping| json!({"id": ping.id, "created_at": ping.created_at}))
        .collect();
    let mut records = Map::new();
    records.insert("diagnostic_pings".into(), json!(pings));
    let owned = store::owned_requests(&conn, &subject)?;
    let requests = owned
        .iter()
        .map(|r| exported(&conn, &subject, r))
        .collect::<anyhow::Result<Vec<_>>>()?;
    records.insert("requests".into(), Json::Array(requests));
    let ids: Vec<String> = owned.into_iter().map(|r| r.id).collect();
    records.insert(
        "staff_reads".into(),
        Json::Array(reads::of_requests(&conn, subject.commune(), &ids)?),
    );
    let followed: Vec<Json> = store::followed(&conn, &subject)?
        .into_iter()
        .map(|followed| {
            json!({
                "reference": followed.reference,
                "since": followed.since,
                "contact": serde_json::from_str::<Json>(&followed.contact).ok(),
            })
        })
        .collect();
    records.insert("followed_requests".into(), Json::Array(followed));
    let waiting: Vec<Json> = store::waiting_mails(&conn, &subject)?
        .into_iter()
        .map(|mail| {
            json!({
                "subject": mail.subject,
                "text": mail.text,
                "received_at": mail.received_at,
            })
        })
        .collect();
    records.insert("emails_awaiting_triage".into(), Json::Array(waiting));
    Ok(response::json(
        200,
        &privacy::export_body(COMPONENT, records),
    ))
}

/// `POST /internal/privacy/erase`: the account no longer appears in its chain checks.
async fn erase(req: &Request) -> Result<Response, ApiError> {
    let (subject, conn) = subject_and_db(req)?;
    let erased = db::transaction(&conn, |conn| {
        let pings = store::erase_pings(conn, &subject)?;
        let follows = store::erase_follows(conn, &subject)?;
        let mails = store::erase_waiting_mails(conn, &subject)?;
        let (mut deleted, mut open) = (0, 0);
        let owned = store::owned_requests(conn, &subject)?;
        let ids: Vec<String> = owned.iter().map(|r| r.id.clone()).collect();
        let staff_reads = i64::try_from(reads::of_requests(conn, subject.commune(), &ids)?.len())
            .unwrap_or(i64::MAX);
        for request in owned {
            if request.is_open {
                open += 1;
            } else {
                record::delete(conn, subject.commune(), &request.id)?;
                deleted += 1;
            }
        }
        let (deleted_text, open_text) = (deleted.to_string(), open.to_string());
        let event = guichet_guest::evidence::event(
            conn,
            subject.commune(),
            COMPONENT,
            "personal-data-erased",
            Some(subject.account_id()),
            subject.account_id(),
            &[("closed_requests_deleted", deleted_text.as_str()), ("open_requests_kept", open_text.as_str())],
        )?;
        guichet_guest::evidence::enqueue(conn, &event)?;
        Ok((pings, follows, mails, deleted, open, staff_reads))
    })?;
    guichet_guest::evidence::flush(&conn, subject.commune()).await;
    let (pings, follows, mails, deleted, open, staff_reads) = erased;
    let mut erasure = Erasure::default();
    erasure.erased.insert("diagnostic_pings".into(), pings);
    erasure.erased.insert("followed_requests".into(), follows);
    erasure
        .erased
        .insert("emails_awaiting_triage".into(), mails);
    erasure.erased.insert("closed_requests".into(), deleted);
    if open > 0 {
        erasure.kept.push(Kept {
            record: "open_requests".into(),
            count: open,
            legal_basis: "requests being processed by the commune (GDPR art. 6(1)(e), \
                          17(3)(b)); erasable once closed"
                .into(),
        });
    }
    if staff_reads > 0 {
        erasure.kept.push(Kept {
            record: "staff_reads".into(),
            count: staff_reads,
            legal_basis: format!(
                "log of staff reads of the requests (GDPR art. 32, CNIL logging guidance), \
                 kept {} months",
                reads::RETENTION_MONTHS
            ),
        });
    }
    Ok(response::json(200, &erasure.body(COMPONENT)))
}

/// One request as its filer receives it in an export.
fn exported(conn: &Connection, subject: &Subject, request: &Record) -> anyhow::Result<Json> {
    let commune: &Commune = subject.commune();
    let files: Vec<Json> = store::files(conn, commune, &request.id)?
        .into_iter()
        .map(|file| {
            json!({"name": file.name, "content_type": file.content_type, "size": file.size,
                   "source": file.source, "added_at": file.added_at})
        })
        .collect();
    let calls: Vec<Json> = store::calls(conn, commune, &request.id)?
        .into_iter()
        .map(|call| {
            json!({"called_at": call.called_at, "duration_seconds": call.duration_seconds,
                   "caller": call.caller, "summary": call.summary})
        })
        .collect();
    let location = json!({"lat": request.lat, "long": request.long, "address": request.address});
    Ok(json!({
        "reference": request.reference,
        "service_code": request.service_code,
        "service_name": request.service_name,
        "state": request.state,
        "open": request.is_open,
        "channel": request.channel,
        "created_at": request.created_at,
        "closed_at": request.closed_at,
        "description": request.description,
        "answers": request.answers,
        "contact": request.contact,
        "location": location,
        "timeline": timeline::list(conn, &request.id, false)?,
        "attachments": files,
        "calls": calls,
    }))
}
