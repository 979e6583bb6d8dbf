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
//! follow and their e-mails still waiting for triage; open requests are kept (`kept`, legal basis: the commune is processing them, GDPR
//! art. 6(1)(e) and 17(3)(b)) and can be erased once closed. Administrators' notification-chain
//! checks name their account (`diagnostic_pings.requested_by`, also in the payload of their
//! outbox events): erasure replaces the account there.

use guichet_guest::db::{self, Connection, Value};
use guichet_guest::privacy::{self, Erasure, Kept, Subject};
use guichet_guest::Commune;
use guichet_guest::{response, routing, ApiError};
use serde_json::{json, Map, Value as Json};
use spin_sdk::http::{Request, Response};

use crate::http::reads;
use crate::store::record::{self, Record, COLUMNS};
use crate::store::{schema, timeline};
use crate::{COMPONENT, DATABASE};

/// What replaces an erased account id in records that must keep a non-empty value.
const ERASED: &str = "erased";

/// Routes `/internal/...` (the segments below it).
pub fn route(req: &Request, segments: &[&str]) -> Result<Response, ApiError> {
    match segments {
        ["privacy", "export"] => {
            routing::only_post(req)?;
            export(req)
        }
        ["privacy", "erase"] => {
            routing::only_post(req)?;
            erase(req)
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

fn params(subject: &Subject) -> [Value; 2] {
    [
        db::text(subject.commune().as_str()),
        db::text(subject.account_id()),
    ]
}

/// `POST /internal/privacy/export`: the chain checks the account ran.
fn export(req: &Request) -> Result<Response, ApiError> {
    let (subject, conn) = subject_and_db(req)?;
    let result = db::query(
        &conn,
        "SELECT id, created_at FROM diagnostic_pings WHERE commune = ? AND requested_by = ? \
         ORDER BY created_at, id",
        &params(&subject),
    )?;
    let pings: Vec<_> = result
        .rows
        .iter()
        .map(|row| json!({"id": row.get::<&str>(0), "created_at": row.get::<&str>(1)}))
        .collect();
    let mut records = Map::new();
    records.insert("diagnostic_pings".into(), json!(pings));
    let owned = owned_requests(&conn, &subject)?;
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
    let followed = db::query(
        &conn,
        "SELECT r.reference, f.since, f.contact FROM followers f JOIN requests r \
         ON r.id = f.request_id WHERE f.commune = ? AND f.follower IN (?, ?) ORDER BY f.since",
        &followers_params(&subject),
    )?;
    let followed: Vec<Json> = followed
        .rows
        .iter()
        .map(|row| {
            json!({
                "reference": row.get::<&str>(0),
                "since": row.get::<&str>(1),
                "contact": row.get::<&str>(2).and_then(|c| serde_json::from_str::<Json>(c).ok()),
            })
        })
        .collect();
    records.insert("followed_requests".into(), Json::Array(followed));
    let waiting = db::query(
        &conn,
        "SELECT subject, body_text, received_at FROM inbound_mail WHERE commune = ? \
         AND request_id IS NULL AND ? IS NOT NULL AND lower(sender) = ? ORDER BY received_at",
        &triage_params(&subject),
    )?;
    let waiting: Vec<Json> = waiting
        .rows
        .iter()
        .map(|row| {
            json!({
                "subject": row.get::<&str>(0),
                "text": row.get::<&str>(1),
                "received_at": row.get::<&str>(2),
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
fn erase(req: &Request) -> Result<Response, ApiError> {
    let (subject, conn) = subject_and_db(req)?;
    let erased = db::transaction(&conn, |conn| {
        let [commune, account] = params(&subject);
        db::exec(
            conn,
            "UPDATE outbox SET payload = json_set(payload, '$.requested_by', ?) \
             WHERE id IN (SELECT id FROM diagnostic_pings WHERE commune = ? AND requested_by = ?)",
            &[db::text(ERASED), commune.clone(), account.clone()],
        )?;
        db::exec(
            conn,
            "UPDATE diagnostic_pings SET requested_by = ? WHERE commune = ? AND requested_by = ?",
            &[db::text(ERASED), commune, account],
        )?;
        let pings = i64::try_from(conn.changes()).unwrap_or(i64::MAX);
        db::exec(
            conn,
            "DELETE FROM followers WHERE commune = ? AND follower IN (?, ?)",
            &followers_params(&subject),
        )?;
        let follows = i64::try_from(conn.changes()).unwrap_or(i64::MAX);
        // Their confirmation links name them too.
        db::exec(
            conn,
            "DELETE FROM contact_tokens WHERE commune = ? AND follower IN (?, ?)",
            &followers_params(&subject),
        )?;
        db::exec(
            conn,
            "DELETE FROM inbound_mail WHERE commune = ? AND request_id IS NULL \
             AND ? IS NOT NULL AND lower(sender) = ?",
            &triage_params(&subject),
        )?;
        let mails = i64::try_from(conn.changes()).unwrap_or(i64::MAX);
        let (mut deleted, mut open) = (0, 0);
        let owned = owned_requests(conn, &subject)?;
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
        Ok((pings, follows, mails, deleted, open, staff_reads))
    })?;
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

/// The subject's requests: filed with their account, or without one under their address.
fn owned_requests(conn: &Connection, subject: &Subject) -> anyhow::Result<Vec<Record>> {
    let email = subject.email().map(str::to_lowercase);
    let result = db::query(
        conn,
        &format!(
            "SELECT {COLUMNS} FROM requests WHERE commune = ? AND (account_id = ? OR \
             (account_id IS NULL AND ? IS NOT NULL \
              AND lower(json_extract(contact, '$.email')) = ?)) ORDER BY created_at"
        ),
        &[
            db::text(subject.commune().as_str()),
            db::text(subject.account_id()),
            email.clone().map_or(Value::Null, db::text),
            email.map_or(Value::Null, db::text),
        ],
    )?;
    Ok(db::decode_all::<Record>(&result)?)
}

/// The commune and the subject's address twice (e-mails from them not yet attached to a
/// request, found by sender).
fn triage_params(subject: &Subject) -> [Value; 3] {
    let email = subject.email().map(str::to_lowercase);
    [
        db::text(subject.commune().as_str()),
        email.clone().map_or(Value::Null, db::text),
        email.map_or(Value::Null, db::text),
    ]
}

/// `account:<id>` and `email:<address>` (or the account twice when there is no address).
fn followers_params(subject: &Subject) -> [Value; 3] {
    let account = format!("account:{}", subject.account_id());
    let email = subject.email().map_or_else(
        || account.clone(),
        |e| format!("email:{}", e.to_lowercase()),
    );
    [
        db::text(subject.commune().as_str()),
        db::text(account),
        db::text(email),
    ]
}

/// One request as its filer receives it in an export.
fn exported(conn: &Connection, subject: &Subject, request: &Record) -> anyhow::Result<Json> {
    let commune: &Commune = subject.commune();
    let own = |kind: &str| -> anyhow::Result<Vec<Json>> {
        let sql = match kind {
            "attachments" => {
                "SELECT name, content_type, size, source, created_at FROM attachments \
                 WHERE commune = ? AND request_id = ? ORDER BY created_at"
            }
            _ => {
                "SELECT called_at, duration_seconds, caller, summary, '' FROM call_logs \
                 WHERE commune = ? AND request_id = ? ORDER BY called_at"
            }
        };
        let result = db::query(
            conn,
            sql,
            &[db::text(commune.as_str()), db::text(request.id.as_str())],
        )?;
        Ok(result
            .rows
            .iter()
            .map(|row| {
                if kind == "attachments" {
                    json!({"name": row.get::<&str>(0), "content_type": row.get::<&str>(1),
                           "size": row.get::<i64>(2), "source": row.get::<&str>(3),
                           "added_at": row.get::<&str>(4)})
                } else {
                    json!({"called_at": row.get::<&str>(0), "duration_seconds": row.get::<i64>(1),
                           "caller": row.get::<&str>(2), "summary": row.get::<&str>(3)})
                }
            })
            .collect())
    };
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
        "attachments": own("attachments")?,
        "calls": own("calls")?,
    }))
}
