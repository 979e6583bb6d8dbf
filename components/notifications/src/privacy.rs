//! A person's data in notifications, for identity's GDPR export and erasure
//! (`guichet_guest::privacy`): the messages sent to them, and the events naming them (their
//! account, or their account or address among an event's recipients).
//!
//! A person's messages are those of their account (`account_id`), and those sent to their
//! address without an account (for instance "this address already has an account"). Erasure
//! anonymises them: recipient, subject, text and account are cleared; what remains (id,
//! purpose, language, status, dates) no longer relates to anyone, so nothing personal is kept.
//! A message still queued is given up: there is no one left to send it to.

use guichet_guest::db::{self, Connection, QueryResult, Value};
use guichet_guest::privacy::{self, Erasure, Subject};
use guichet_guest::{response, ApiError};
use serde_json::{json, Map, Value as Json};
use spin_sdk::http::{Request, Response};

use crate::{schema, DATABASE};

const COMPONENT: &str = "notifications";

/// The messages of the subject, in every statement (parameters: commune, account, address).
const MESSAGES_OF: &str = "commune = ? AND (account_id = ? \
     OR (account_id IS NULL AND ? IS NOT NULL AND lower(to_address) = lower(?)))";
/// Events whose payload names the account as the person who caused them (the administrator
/// who ran a diagnostic ping), or lists the person among the recipients of an event about a
/// request (by account or address). Parameters: commune, account, address, address, account.
const EVENTS_OF: &str = "commune = ? AND CASE WHEN json_valid(payload) THEN \
     (json_extract(payload, '$.requested_by') = ? \
      OR EXISTS (SELECT 1 FROM json_each(payload, '$.recipients') AS r \
                 WHERE (? IS NOT NULL AND lower(json_extract(r.value, '$.email')) = lower(?)) \
                 OR json_extract(r.value, '$.account_id') = ?)) \
     ELSE 0 END";
/// The payload without the subject: `requested_by` removed when it is theirs, their entries
/// removed from `recipients`. Parameters: account, account, address, address, account.
const PAYLOAD_WITHOUT: &str = "CASE WHEN json_extract(payload, '$.requested_by') = ? \
     THEN json_remove(payload, '$.requested_by') ELSE payload END";
const RECIPIENTS_WITHOUT: &str = "(SELECT json_group_array(json(r.value)) \
     FROM json_each(payload, '$.recipients') AS r \
     WHERE NOT coalesce(json_extract(r.value, '$.account_id') = ?, 0) \
     AND NOT (? IS NOT NULL AND coalesce(lower(json_extract(r.value, '$.email')) = lower(?), 0)))";

fn messages_params(subject: &Subject) -> Vec<Value> {
    let email = subject.email().map_or(Value::Null, db::text);
    vec![
        db::text(subject.commune().as_str()),
        db::text(subject.account_id()),
        email.clone(),
        email,
    ]
}

fn events_params(subject: &Subject) -> Vec<Value> {
    let email = subject.email().map_or(Value::Null, db::text);
    vec![
        db::text(subject.commune().as_str()),
        db::text(subject.account_id()),
        email.clone(),
        email,
        db::text(subject.account_id()),
    ]
}

fn subject_of(req: &Request) -> Result<Subject, ApiError> {
    Subject::receive(req)
}

fn open() -> anyhow::Result<Connection> {
    let conn = db::open(DATABASE)?;
    db::migrate(&conn, schema::MIGRATIONS)?;
    Ok(conn)
}

/// `POST /internal/privacy/export`: every message and event of the subject, in full.
pub fn export(req: &Request) -> Result<Response, ApiError> {
    let subject = subject_of(req)?;
    let conn = open()?;
    let messages = db::query(
        &conn,
        &format!(
            "SELECT id, channel, to_address, purpose, language, subject, body_text, status, \
             attempts, created_at, sent_at FROM messages WHERE {MESSAGES_OF} ORDER BY created_at, id"
        ),
        &messages_params(&subject),
    )?;
    let events = db::query(
        &conn,
        &format!(
            "SELECT id, kind, source, occurred_at, payload, received_at FROM events \
             WHERE {EVENTS_OF} ORDER BY received_at, id"
        ),
        &events_params(&subject),
    )?;
    let mut records = Map::new();
    records.insert(
        "messages".into(),
        rows(
            &messages,
            &[
                "id",
                "channel",
                "to",
                "purpose",
                "language",
                "subject",
                "text",
                "status",
                "attempts",
                "created_at",
                "sent_at",
            ],
        ),
    );
    records.insert(
        "events".into(),
        rows(
            &events,
            &[
                "id",
                "kind",
                "source",
                "occurred_at",
                "payload",
                "received_at",
            ],
        ),
    );
    Ok(response::json(
        200,
        &privacy::export_body(COMPONENT, records),
    ))
}

/// The rows of `result` as objects with the member names `names` (text or integer columns).
fn rows(result: &QueryResult, names: &[&str]) -> Json {
    result
        .rows
        .iter()
        .map(|row| {
            let object: Map<String, Json> = names
                .iter()
                .enumerate()
                .map(|(i, name)| {
                    let value = row
                        .get::<&str>(i)
                        .map(|text| json!(text))
                        .or_else(|| row.get::<i64>(i).map(|n| json!(n)))
                        .unwrap_or(Json::Null);
                    ((*name).to_owned(), value)
                })
                .collect();
            Json::Object(object)
        })
        .collect()
}

/// `POST /internal/privacy/erase`: anonymises the subject's messages and removes them from
/// events (their account as `requested_by`, their entries among `recipients`), in one
/// transaction.
pub fn erase(req: &Request) -> Result<Response, ApiError> {
    let subject = subject_of(req)?;
    let conn = open()?;
    let (messages, events) = db::transaction(&conn, |conn| {
        db::exec(
            conn,
            &format!(
                "UPDATE messages SET to_address = NULL, subject = NULL, body_text = NULL, body_html = NULL, \
                 account_id = NULL, erased_at = {now}, in_flight_until = NULL, \
                 last_error = CASE WHEN status = 'queued' THEN 'erased before delivery' ELSE last_error END, \
                 status = CASE WHEN status = 'queued' THEN 'failed' ELSE status END \
                 WHERE {MESSAGES_OF}",
                now = db::NOW_RFC3339
            ),
            &messages_params(&subject),
        )?;
        let messages = conn.changes();
        // The account's choices and the lines of its next digest go with it.
        for table in ["preferences", "digest_items"] {
            db::exec(
                conn,
                &format!("DELETE FROM {table} WHERE commune = ? AND account_id = ?"),
                &[
                    db::text(subject.commune().as_str()),
                    db::text(subject.account_id()),
                ],
            )?;
        }
        let email = subject.email().map_or(Value::Null, db::text);
        // In the order of the statement's placeholders: PAYLOAD_WITHOUT, RECIPIENTS_WITHOUT,
        // PAYLOAD_WITHOUT again, then EVENTS_OF.
        let mut params = vec![
            db::text(subject.account_id()),
            db::text(subject.account_id()),
            email.clone(),
            email,
            db::text(subject.account_id()),
        ];
        params.extend(events_params(&subject));
        db::exec(
            conn,
            &format!(
                "UPDATE events SET payload = CASE WHEN json_type(payload, '$.recipients') = 'array' \
                 THEN json_set({PAYLOAD_WITHOUT}, '$.recipients', json({RECIPIENTS_WITHOUT})) \
                 ELSE {PAYLOAD_WITHOUT} END WHERE {EVENTS_OF}"
            ),
            &params,
        )?;
        Ok((messages, conn.changes()))
    })?;
    let mut erasure = Erasure::default();
    erasure.erased.insert(
        "messages".into(),
        i64::try_from(messages).unwrap_or(i64::MAX),
    );
    erasure
        .erased
        .insert("events".into(), i64::try_from(events).unwrap_or(i64::MAX));
    eprintln!(
        "privacy: erased {messages} message(s) and {events} event reference(s) in commune {}",
        subject.commune()
    );
    Ok(response::json(200, &erasure.body(COMPONENT)))
}
