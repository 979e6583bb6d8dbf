//! The SQL of a person's data in requests, for identity's GDPR export and erasure
//! ([`crate::http::privacy`]).
//!
//! A person's requests are those filed with their account, and those filed without one under
//! their e-mail address (anonymous reports, e-mails, calls). What they follow is found by their
//! follower keys (`account:<id>`, and `email:<address>` when they have an address), their
//! e-mails still waiting for triage by sender. Administrators' notification-chain checks name
//! their account (`diagnostic_pings.requested_by`, also in the payload of their outbox events):
//! erasure replaces the account there with [`ERASED`].

use guichet_guest::db::{self, Connection, FromRow, Row, RowError, Value};
use guichet_guest::privacy::Subject;
use guichet_guest::Commune;

use crate::store::record::{Record, COLUMNS};

/// What replaces an erased account id in records that must keep a non-empty value.
const ERASED: &str = "erased";

/// A notification-chain check the person ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ping {
    pub id: String,
    pub created_at: String,
}

impl FromRow for Ping {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(Ping {
            id: row.get("id")?,
            created_at: row.get("created_at")?,
        })
    }
}

/// A request the person follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Followed {
    pub reference: String,
    pub since: String,
    /// The contact they follow it with, as stored (JSON text).
    pub contact: String,
}

impl FromRow for Followed {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(Followed {
            reference: row.get("reference")?,
            since: row.get("since")?,
            contact: row.get("contact")?,
        })
    }
}

/// An e-mail of the person's not yet attached to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingMail {
    pub subject: String,
    pub text: String,
    pub received_at: String,
}

impl FromRow for WaitingMail {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(WaitingMail {
            subject: row.get("subject")?,
            text: row.get("body_text")?,
            received_at: row.get("received_at")?,
        })
    }
}

/// A file of one of the person's requests, described (its content is not exported).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub source: String,
    pub added_at: String,
}

impl FromRow for File {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(File {
            name: row.get("name")?,
            content_type: row.get("content_type")?,
            size: row.get("size")?,
            source: row.get("source")?,
            added_at: row.get("created_at")?,
        })
    }
}

/// A call logged on one of the person's requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub called_at: String,
    pub duration_seconds: i64,
    pub caller: String,
    pub summary: String,
}

impl FromRow for Call {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(Call {
            called_at: row.get("called_at")?,
            duration_seconds: row.get("duration_seconds")?,
            caller: row.get("caller")?,
            summary: row.get("summary")?,
        })
    }
}

/// The chain checks the person ran, oldest first.
pub fn pings(conn: &Connection, subject: &Subject) -> anyhow::Result<Vec<Ping>> {
    let result = db::query(
        conn,
        "SELECT id, created_at FROM diagnostic_pings WHERE commune = ? AND requested_by = ? \
         ORDER BY created_at, id",
        &params(subject),
    )?;
    Ok(db::decode_all(&result)?)
}

/// The person's requests: filed with their account, or without one under their address.
pub fn owned_requests(conn: &Connection, subject: &Subject) -> anyhow::Result<Vec<Record>> {
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

/// The requests the person follows, by date.
pub fn followed(conn: &Connection, subject: &Subject) -> anyhow::Result<Vec<Followed>> {
    let result = db::query(
        conn,
        "SELECT r.reference, f.since, f.contact FROM followers f JOIN requests r \
         ON r.id = f.request_id WHERE f.commune = ? AND f.follower IN (?, ?) ORDER BY f.since",
        &followers_params(subject),
    )?;
    Ok(db::decode_all(&result)?)
}

/// The person's e-mails waiting for triage (none without an address), by date.
pub fn waiting_mails(conn: &Connection, subject: &Subject) -> anyhow::Result<Vec<WaitingMail>> {
    let result = db::query(
        conn,
        "SELECT subject, body_text, received_at FROM inbound_mail WHERE commune = ? \
         AND request_id IS NULL AND ? IS NOT NULL AND lower(sender) = ? ORDER BY received_at",
        &triage_params(subject),
    )?;
    Ok(db::decode_all(&result)?)
}

/// The files of request `request_id`, described.
pub fn files(conn: &Connection, commune: &Commune, request_id: &str) -> anyhow::Result<Vec<File>> {
    let result = db::query(
        conn,
        "SELECT name, content_type, size, source, created_at FROM attachments \
         WHERE commune = ? AND request_id = ? ORDER BY created_at",
        &[db::text(commune.as_str()), db::text(request_id)],
    )?;
    Ok(db::decode_all(&result)?)
}

/// The calls logged on request `request_id`.
pub fn calls(conn: &Connection, commune: &Commune, request_id: &str) -> anyhow::Result<Vec<Call>> {
    let result = db::query(
        conn,
        "SELECT called_at, duration_seconds, caller, summary, '' FROM call_logs \
         WHERE commune = ? AND request_id = ? ORDER BY called_at",
        &[db::text(commune.as_str()), db::text(request_id)],
    )?;
    Ok(db::decode_all(&result)?)
}

/// Replaces the person's account in their chain checks and in the payload of their events;
/// how many checks named them.
pub fn erase_pings(conn: &Connection, subject: &Subject) -> anyhow::Result<i64> {
    let [commune, account] = params(subject);
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
    Ok(changed(conn))
}

/// Deletes what the person follows, then their confirmation links (which name them too); how
/// many follows went.
pub fn erase_follows(conn: &Connection, subject: &Subject) -> anyhow::Result<i64> {
    db::exec(
        conn,
        "DELETE FROM followers WHERE commune = ? AND follower IN (?, ?)",
        &followers_params(subject),
    )?;
    let follows = changed(conn);
    db::exec(
        conn,
        "DELETE FROM contact_tokens WHERE commune = ? AND follower IN (?, ?)",
        &followers_params(subject),
    )?;
    Ok(follows)
}

/// Deletes the person's e-mails waiting for triage; how many went.
pub fn erase_waiting_mails(conn: &Connection, subject: &Subject) -> anyhow::Result<i64> {
    db::exec(
        conn,
        "DELETE FROM inbound_mail WHERE commune = ? AND request_id IS NULL \
         AND ? IS NOT NULL AND lower(sender) = ?",
        &triage_params(subject),
    )?;
    Ok(changed(conn))
}

/// Rows changed by the connection's last statement.
fn changed(conn: &Connection) -> i64 {
    i64::try_from(conn.changes()).unwrap_or(i64::MAX)
}

fn params(subject: &Subject) -> [Value; 2] {
    [
        db::text(subject.commune().as_str()),
        db::text(subject.account_id()),
    ]
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
