//! A request as stored (one row of `requests`), how a new one is written, and how it is read
//! back by reference or id. Every writer goes through [`insert`], whatever the channel.

use anyhow::Context as _;
use guichet_guest::db::{self, Connection, FromRow, Row, RowError, Value};
use guichet_guest::tenant::CommuneInfo;
use guichet_guest::Commune;
use serde_json::{json, Map, Value as Json};

use crate::calls::catalog::Service;
use crate::calls::events;
use crate::domain::reference::{Reference, TrackingCode};
use crate::domain::workflow::deadline;
use crate::store::contacts;
use crate::store::timeline::{self, Actor, Entry};

/// Where a request came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// Guichet's own web pages and API.
    Web,
    /// An Open311 client app (with an API key).
    Open311,
    /// An agent at the counter.
    Counter,
    /// An agent on the phone.
    Phone,
    /// An e-mail to the commune.
    Email,
    /// A letter, scanned by a clerk.
    Mail,
}

impl Channel {
    pub const NAMES: [&'static str; 6] = ["web", "open311", "counter", "phone", "email", "mail"];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Open311 => "open311",
            Channel::Counter => "counter",
            Channel::Phone => "phone",
            Channel::Email => "email",
            Channel::Mail => "mail",
        }
    }

    pub fn parse(text: &str) -> Option<Channel> {
        [
            Channel::Web,
            Channel::Open311,
            Channel::Counter,
            Channel::Phone,
            Channel::Email,
            Channel::Mail,
        ]
        .into_iter()
        .find(|c| c.as_str() == text)
    }
}

/// A place: coordinates (WGS 84) and/or an address.
#[derive(Debug, Clone, PartialEq)]
pub struct Location {
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub address: Option<String>,
}

/// A request to write: everything already checked.
#[derive(Debug, Clone)]
pub struct NewRequest<'a> {
    pub service: &'a Service,
    pub channel: Channel,
    /// The citizen's account, `None` when filed anonymously (or by an agent for someone
    /// without an account).
    pub account: Option<String>,
    /// `{"name","email","phone","notify"}` (members optional; `notify`: `email`, `sms` or
    /// `none`).
    pub contact: Json,
    pub description: String,
    /// Answers keyed by field code, checked against the service's form.
    pub answers: Map<String, Json>,
    pub location: Option<Location>,
    /// The agent who filed for the citizen (counter, phone, paper mail).
    pub filed_by: Option<String>,
    /// `fr` or `en`: the language of the messages the citizen receives.
    pub lang: String,
    pub actor: Actor,
    /// Whether Open311 may publish it (decided at filing: see `georeport::publicity`).
    pub public: bool,
}

/// What filing gives back.
#[derive(Debug, Clone)]
pub struct Filed {
    pub record: Record,
    pub tracking_code: TrackingCode,
    /// The `request-filed` event, to deliver after the commit.
    pub event_id: String,
}

/// Writes `new` (request, reference, `filed` timeline entry, text index, `request-filed`
/// event); call inside a transaction.
pub fn insert(
    conn: &Connection,
    served: &CommuneInfo,
    new: &NewRequest<'_>,
) -> anyhow::Result<Filed> {
    let commune = &served.commune;
    let (id, now) = db::new_id_and_now(conn)?;
    let year: i64 = now[..4].parse().context("the year of the filing time")?;
    let reference = next_reference(conn, commune, year)?;
    let code = new_tracking_code(conn)?;
    let definition = &new.service.definition;
    let state = definition.workflow.initial.as_str();
    let is_open = new.service.is_open_state(state);
    let (lat, long, address) = match &new.location {
        Some(l) => (l.lat, l.long, l.address.clone()),
        None => (None, None, None),
    };
    // A contact typed without an account (nor by an agent) may be anyone's: see contacts.rs.
    let mut contact = new.contact.clone();
    if new.account.is_none() && new.filed_by.is_none() {
        contacts::mark_unverified(&mut contact);
    }
    let processing = deadline::processing_time(definition.processing_days)?;
    let expected_on = deadline::expected_on(&now, processing)?;
    let float = |v: Option<f64>| v.map_or(Value::Null, Value::Real);
    let opt = |v: Option<&str>| v.map_or(Value::Null, db::text);
    db::exec(
        conn,
        "INSERT INTO requests (id, commune, reference, service_code, service_version, \
         service_name, department, state, is_open, channel, account_id, contact, description, \
         answers, lat, long, address, assignee, expected_on, tracking_hash, merged_into, \
         filed_by, lang, created_at, updated_at, closed_at, retention_days, public) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, \
         ?, ?, NULL, ?, ?, ?, ?, CASE WHEN ? THEN NULL ELSE ? END, ?, ?)",
        &[
            db::text(id.as_str()),
            db::text(commune.as_str()),
            db::text(reference.as_str()),
            db::text(definition.code.as_str()),
            Value::Integer(new.service.version),
            db::text(json!({"fr": definition.name.fr, "en": definition.name.en}).to_string()),
            db::text(definition.department.as_str()),
            db::text(state),
            Value::Integer(i64::from(is_open)),
            db::text(new.channel.as_str()),
            opt(new.account.as_deref()),
            db::text(contact.to_string()),
            db::text(new.description.as_str()),
            db::text(Json::Object(new.answers.clone()).to_string()),
            float(lat),
            float(long),
            opt(address.as_deref()),
            db::text(expected_on.as_str()),
            db::text(code.hash()),
            opt(new.filed_by.as_deref()),
            db::text(new.lang.as_str()),
            db::text(now.as_str()),
            db::text(now.as_str()),
            Value::Integer(i64::from(is_open)),
            db::text(now.as_str()),
            Value::Integer(definition.retention_days.max(0)),
            Value::Integer(i64::from(new.public)),
        ],
    )
    .context("writing the request")?;
    index_text(conn, &id, &reference, new)?;
    let mut entry = Entry::new("filed", true);
    entry.to = Some(state);
    entry
        .detail
        .insert("channel".into(), json!(new.channel.as_str()));
    entry
        .detail
        .insert("service_version".into(), json!(new.service.version));
    if let Some(agent) = &new.filed_by {
        entry.detail.insert("filed_by".into(), json!(agent));
    }
    timeline::append(conn, commune, &id, &now, &new.actor, &entry)?;
    let record = load_by_id(conn, commune, &id)?.context("the request just written")?;
    let state_label = events::state_label(&definition.workflow, &state);
    let mut recipients = events::recipients(conn, &record)?;
    if contacts::is_unverified(&record.contact) {
        let token = crate::store::contacts::issue(conn, commune, &id, None)?;
        if let Some(filer) = recipients.first_mut() {
            filer.confirm_token = Some(token);
        }
    }
    let event_id = events::emit_to(conn, served, &record, recipients, |about| {
        events::about_request!(RequestFiled, about, { state_label })
    })?;
    Ok(Filed {
        record,
        tracking_code: code,
        event_id,
    })
}

/// Adds the request's searchable text (reference, service, description, answers, address)
/// to the full-text index, under the request's rowid.
fn index_text(
    conn: &Connection,
    id: &str,
    reference: &Reference,
    new: &NewRequest<'_>,
) -> anyhow::Result<()> {
    let mut text = vec![
        reference.to_string(),
        new.service.definition.code.clone(),
        new.service.definition.name.fr.clone(),
        new.description.clone(),
    ];
    if let Some(address) = new.location.as_ref().and_then(|l| l.address.clone()) {
        text.push(address);
    }
    for value in new.answers.values() {
        if let Some(s) = value.as_str() {
            text.push(s.to_owned());
        }
    }
    db::exec(
        conn,
        "INSERT INTO requests_text (rowid, text) SELECT rowid, ? FROM requests WHERE id = ?",
        &[db::text(text.join("\n")), db::text(id)],
    )
    .context("indexing the request's text")
}

/// A stored request.
#[derive(Debug, Clone)]
pub struct Record {
    pub id: String,
    pub reference: String,
    pub service_code: String,
    pub service_version: i64,
    /// `{"fr","en"}`.
    pub service_name: Json,
    pub department: String,
    pub state: String,
    pub is_open: bool,
    pub channel: String,
    pub account_id: Option<String>,
    pub contact: Json,
    pub description: String,
    pub answers: Json,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub address: Option<String>,
    pub assignee: Option<String>,
    pub expected_on: Option<String>,
    pub tracking_hash: String,
    pub merged_into: Option<String>,
    pub filed_by: Option<String>,
    pub lang: String,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
}

/// The columns [`Record::from_row`] reads, in order.
pub const COLUMNS: &str = "id, reference, service_code, service_version, service_name, \
    department, state, is_open, channel, account_id, contact, description, answers, lat, long, \
    address, assignee, expected_on, tracking_hash, merged_into, filed_by, lang, created_at, \
    updated_at, closed_at";

impl FromRow for Record {
    /// A row selected with [`COLUMNS`] (read by name, so extra columns may follow).
    fn from_row(row: &Row<'_>) -> Result<Record, RowError> {
        // Stored JSON that does not parse is a corrupt row: reported like a mistyped column.
        let json = |column: &str| -> Result<Json, RowError> {
            serde_json::from_str(row.get::<&str>(column)?).map_err(|_| RowError::Type {
                column: column.to_owned(),
                expected: "JSON text",
                found: "other text",
            })
        };
        Ok(Record {
            id: row.get("id")?,
            reference: row.get("reference")?,
            service_code: row.get("service_code")?,
            service_version: row.get("service_version")?,
            service_name: json("service_name")?,
            department: row.get("department")?,
            state: row.get("state")?,
            is_open: row.get::<i64>("is_open")? == 1,
            channel: row.get("channel")?,
            account_id: row.get("account_id")?,
            contact: json("contact")?,
            description: row.get("description")?,
            answers: json("answers")?,
            lat: row.get("lat")?,
            long: row.get("long")?,
            address: row.get("address")?,
            assignee: row.get("assignee")?,
            expected_on: row.get("expected_on")?,
            tracking_hash: row.get("tracking_hash")?,
            merged_into: row.get("merged_into")?,
            filed_by: row.get("filed_by")?,
            lang: row.get("lang")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
            closed_at: row.get("closed_at")?,
        })
    }
}

impl Record {
    /// The service name in `lang` (French when there is none in it).
    pub fn service_name_in(&self, lang: &str) -> String {
        self.service_name
            .get(lang)
            .or_else(|| self.service_name.get("fr"))
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_owned()
    }
}

/// The request `reference` of `commune`.
pub fn load(
    conn: &Connection,
    commune: &Commune,
    reference: &str,
) -> anyhow::Result<Option<Record>> {
    one(
        conn,
        &format!("SELECT {COLUMNS} FROM requests WHERE commune = ? AND reference = ?"),
        &[db::text(commune.as_str()), db::text(reference)],
    )
}

/// The request with id `id` in `commune`.
pub fn load_by_id(
    conn: &Connection,
    commune: &Commune,
    id: &str,
) -> anyhow::Result<Option<Record>> {
    one(
        conn,
        &format!("SELECT {COLUMNS} FROM requests WHERE commune = ? AND id = ?"),
        &[db::text(commune.as_str()), db::text(id)],
    )
}

fn one(conn: &Connection, sql: &str, params: &[Value]) -> anyhow::Result<Option<Record>> {
    let result = db::query(conn, sql, params)?;
    Ok(db::decode_first::<Record>(&result)?)
}

/// Deletes request `id` of `commune` with everything attached to it (files, calls, e-mails,
/// followers, its events, its text index and, last, its timeline: the schema lets timeline entries go
/// only once their request is gone). For erasure and retention; call inside a transaction.
pub fn delete(conn: &Connection, commune: &Commune, id: &str) -> anyhow::Result<()> {
    let params = [db::text(commune.as_str()), db::text(id)];
    db::exec(
        conn,
        "DELETE FROM requests_text WHERE rowid = \
         (SELECT rowid FROM requests WHERE commune = ? AND id = ?)",
        &params,
    )?;
    for table in [
        "attachments",
        "call_logs",
        "contact_tokens",
        "followers",
        "inbound_mail",
        "open311_requests",
    ] {
        db::exec(
            conn,
            &format!("DELETE FROM {table} WHERE commune = ? AND request_id = ?"),
            &params,
        )
        .with_context(|| format!("deleting the request's {table}"))?;
    }
    // Event payloads carry the filer's contact.
    db::exec(
        conn,
        "DELETE FROM outbox WHERE commune = ? AND json_extract(payload, '$.request_id') = ?",
        &params,
    )?;
    db::exec(
        conn,
        "DELETE FROM requests WHERE commune = ? AND id = ?",
        &params,
    )?;
    db::exec(
        conn,
        "DELETE FROM timeline WHERE commune = ? AND request_id = ?",
        &params,
    )
    .context("deleting the request's timeline")
}

/// Takes the next reference of `commune` for `year`; call inside the filing transaction so
/// that a failed filing does not use a number.
fn next_reference(conn: &Connection, commune: &Commune, year: i64) -> anyhow::Result<Reference> {
    let result = db::query(
        conn,
        "INSERT INTO reference_counters (commune, year, last) VALUES (?, ?, 1) \
         ON CONFLICT (commune, year) DO UPDATE SET last = last + 1 RETURNING last",
        &[db::text(commune.as_str()), Value::Integer(year)],
    )?;
    let number = db::first_value::<i64>(&result, "last")?
        .context("the reference counter returned no number")?;
    Ok(Reference::numbered(year, number))
}

/// A new tracking code, from SQLite's randomness.
fn new_tracking_code(conn: &Connection) -> anyhow::Result<TrackingCode> {
    let result = db::query(conn, "SELECT randomblob(10) AS bytes", &[])?;
    let bytes = db::first_value::<&[u8]>(&result, "bytes")?
        .filter(|bytes| bytes.len() == 10)
        .context("randomblob(10) returned no 10 bytes")?;
    Ok(TrackingCode::from_bytes(bytes))
}

/// Whether the time `at` (RFC 3339) is less than `days` days ago, by SQLite's clock.
pub fn within_days(conn: &Connection, at: &str, days: i64) -> anyhow::Result<bool> {
    let result = db::query(
        conn,
        "SELECT ? >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-' || ? || ' days') AS recent",
        &[db::text(at), Value::Integer(days)],
    )?;
    Ok(db::first_value::<Option<bool>>(&result, "recent")?.flatten() == Some(true))
}

/// Marks request `id` as updated at `now` (a file, a scan, an update was added to it).
pub fn touch(conn: &Connection, id: &str, now: &str) -> anyhow::Result<()> {
    db::exec(
        conn,
        "UPDATE requests SET updated_at = ? WHERE id = ?",
        &[db::text(now), db::text(id)],
    )
}

/// Marks request `id` as updated now, by SQLite's clock (a call was logged on it).
pub fn touch_now(conn: &Connection, id: &str) -> anyhow::Result<()> {
    db::exec(
        conn,
        &format!(
            "UPDATE requests SET updated_at = {} WHERE id = ?",
            db::NOW_RFC3339
        ),
        &[db::text(id)],
    )
}

/// Today's date (`YYYY-MM-DD`, UTC) by SQLite's clock, the one every stored time is written
/// with.
pub fn today(conn: &Connection) -> anyhow::Result<String> {
    let result = db::query(conn, "SELECT date('now') AS today", &[])?;
    db::first_value(&result, "today")?.context("today's date")
}
