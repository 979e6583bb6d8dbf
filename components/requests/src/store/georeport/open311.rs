//! The SQL of Open311's own reads and writes (beyond [`super::publicity`]): the clock in
//! seconds, the public requests, the public updates of a commune and the notes of one request, the number of an
//! update just written, the batch tokens, and the reference a merge points to.

use anyhow::Context as _;
use guichet_guest::db::{self, Connection, FromRow, Row, RowError, Value};
use guichet_guest::Commune;

use super::publicity::{PUBLIC_ENTRIES, PUBLIC_REQUEST, STATE_AFTER};
use crate::store::record::{self, Record};

/// The current time from SQLite's clock (as every stored time), in Unix seconds.
pub fn unix_now(conn: &Connection) -> anyhow::Result<i64> {
    let result = db::query(
        conn,
        "SELECT CAST(strftime('%s', 'now') AS INTEGER) AS now",
        &[],
    )?;
    db::first_value(&result, "now")?.context("SQLite gave no time")
}

/// A public timeline entry of a public request, as Open311's updates list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub seq: i64,
    pub reference: Option<String>,
    pub at: Option<String>,
    pub kind: Option<String>,
    pub to_value: Option<String>,
    pub body: Option<String>,
    /// The entry's details, as JSON text.
    pub detail: Option<String>,
    pub service_code: Option<String>,
    /// The request's state after this entry.
    pub state: Option<String>,
    pub merged_into: Option<String>,
}

impl FromRow for Update {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(Update {
            seq: row.get::<Option<i64>>("seq")?.unwrap_or_default(),
            reference: row.get("reference")?,
            at: row.get("at")?,
            kind: row.get("kind")?,
            to_value: row.get("to_value")?,
            body: row.get("body")?,
            detail: row.get("detail")?,
            service_code: row.get("service_code")?,
            state: row.get("state")?,
            merged_into: row.get("merged_into")?,
        })
    }
}

/// Which updates: of these services, written between two times, one page.
pub struct UpdatesPage<'a> {
    pub services: &'a [&'a String],
    pub from: String,
    pub to: String,
    pub limit: i64,
    pub offset: i64,
}

/// The public updates (not the filings) of the public requests of `commune` in `page`, in
/// the order they were written.
pub fn updates(
    conn: &Connection,
    commune: &Commune,
    page: &UpdatesPage<'_>,
) -> anyhow::Result<Vec<Update>> {
    let sql = format!(
        "SELECT t.seq, r.reference, t.at, t.kind, t.to_value, t.body, t.detail, \
         r.service_code, {STATE_AFTER} AS state, r.merged_into FROM timeline t \
         JOIN requests r ON r.id = t.request_id \
         WHERE t.commune = ? AND r.commune = t.commune AND {PUBLIC_REQUEST} \
         AND r.service_code IN ({}) \
         AND t.at >= ? AND t.at <= ? \
         AND t.kind <> 'filed' AND {PUBLIC_ENTRIES} ORDER BY t.seq LIMIT ? OFFSET ?",
        vec!["?"; page.services.len()].join(", ")
    );
    let mut params = vec![db::text(commune.as_str())];
    params.extend(page.services.iter().map(|c| db::text(c.as_str())));
    params.push(db::text(page.from.as_str()));
    params.push(db::text(page.to.as_str()));
    params.push(Value::Integer(page.limit));
    params.push(Value::Integer(page.offset));
    let result = db::query(conn, &sql, &params)?;
    Ok(db::decode_all(&result)?)
}

/// The number of the last timeline entry of request `request_id` (the update just written).
pub fn last_seq(conn: &Connection, request_id: &str) -> anyhow::Result<i64> {
    let result = db::query(
        conn,
        "SELECT MAX(seq) AS seq FROM timeline WHERE request_id = ?",
        &[db::text(request_id)],
    )?;
    db::first_value::<Option<i64>>(&result, "seq")?
        .flatten()
        .context("the update just written has no number")
}

/// The reference of the request `merged_into` names (an id or a reference) in `commune`.
pub fn reference_named(
    conn: &Connection,
    commune: &Commune,
    merged_into: &str,
) -> anyhow::Result<Option<String>> {
    let result = db::query(
        conn,
        "SELECT reference FROM requests WHERE commune = ? AND (id = ? OR reference = ?)",
        &[
            db::text(commune.as_str()),
            db::text(merged_into),
            db::text(merged_into),
        ],
    )?;
    Ok(db::first_value::<Option<String>>(&result, "reference")?.flatten())
}

/// A batch token: 16 random bytes from SQLite, as hex.
pub fn random_token(conn: &Connection) -> anyhow::Result<String> {
    let result = db::query(conn, "SELECT lower(hex(randomblob(16))) AS token", &[])?;
    db::first_value(&result, "token")?.context("randomblob(16) gave nothing")
}

/// The reference of the public request filed under batch `token` in `commune`.
pub fn token_reference(
    conn: &Connection,
    commune: &Commune,
    token: &str,
) -> anyhow::Result<Option<String>> {
    let result = db::query(
        conn,
        &format!(
            "SELECT r.reference FROM open311_requests o JOIN requests r ON r.id = o.request_id \
             WHERE o.commune = ? AND o.token = ? AND {PUBLIC_REQUEST}"
        ),
        &[db::text(commune.as_str()), db::text(token)],
    )?;
    Ok(db::first_value::<Option<String>>(&result, "reference")?.flatten())
}

/// A public entry of a request's timeline, as its Open311 notes show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub at: Option<String>,
    pub kind: Option<String>,
    pub to_value: Option<String>,
    pub body: Option<String>,
}

impl FromRow for Note {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(Note {
            at: row.get("at")?,
            kind: row.get("kind")?,
            to_value: row.get("to_value")?,
            body: row.get("body")?,
        })
    }
}

/// The public entries of request `request_id`'s timeline, oldest first.
pub fn notes(conn: &Connection, request_id: &str) -> anyhow::Result<Vec<Note>> {
    let result = db::query(
        conn,
        &format!(
            "SELECT t.at, t.kind, t.to_value, t.body FROM timeline t \
             WHERE t.request_id = ? AND {PUBLIC_ENTRIES} ORDER BY t.seq"
        ),
        &[db::text(request_id)],
    )?;
    Ok(db::decode_all(&result)?)
}

/// A public request as Open311 shows it: the request and its Open311 details.
pub struct Published {
    pub record: Record,
    pub address_id: Option<String>,
    pub media_url: Option<String>,
}

impl FromRow for Published {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(Published {
            record: Record::from_row(row)?,
            address_id: row.get("address_id")?,
            media_url: row.get("media_url")?,
        })
    }
}

/// Which public requests a list is about, besides their services.
pub enum Selection<'a> {
    /// These references only.
    References(&'a [String]),
    /// Filed between two times, open or closed only when said.
    Filed {
        from: String,
        to: String,
        open: Option<bool>,
    },
}

/// `SELECT` of a request and its Open311 details (`address_id`, `media_url` after the
/// record's columns).
fn select() -> String {
    let columns: Vec<String> = record::COLUMNS
        .split(',')
        .map(|c| format!("r.{}", c.trim()))
        .collect();
    format!(
        "SELECT {}, o.address_id, o.media_url FROM requests r \
         LEFT JOIN open311_requests o ON o.request_id = r.id",
        columns.join(", ")
    )
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// One page (`limit` after `offset`) of the public requests of `commune` for `services`,
/// newest first.
pub fn published(
    conn: &Connection,
    commune: &Commune,
    services: &[&String],
    selection: &Selection<'_>,
    limit: i64,
    offset: i64,
) -> anyhow::Result<Vec<Published>> {
    let mut sql = format!(
        "{} WHERE r.commune = ? AND {PUBLIC_REQUEST} AND r.service_code IN ({})",
        select(),
        placeholders(services.len())
    );
    let mut params = vec![db::text(commune.as_str())];
    params.extend(services.iter().map(|c| db::text(c.as_str())));
    match selection {
        Selection::References(ids) => {
            sql.push_str(&format!(
                " AND r.reference IN ({})",
                placeholders(ids.len())
            ));
            params.extend(ids.iter().map(|id| db::text(id.as_str())));
        }
        Selection::Filed { from, to, open } => {
            sql.push_str(" AND r.created_at >= ? AND r.created_at <= ?");
            params.push(db::text(from.as_str()));
            params.push(db::text(to.as_str()));
            if let Some(open) = open {
                sql.push_str(" AND r.is_open = ?");
                params.push(Value::Integer(i64::from(*open)));
            }
        }
    }
    sql.push_str(" ORDER BY r.created_at DESC, r.reference DESC LIMIT ? OFFSET ?");
    params.push(Value::Integer(limit));
    params.push(Value::Integer(offset));
    let result = db::query(conn, &sql, &params)?;
    Ok(db::decode_all(&result)?)
}

/// The public request `reference` of `commune`.
pub fn published_one(
    conn: &Connection,
    commune: &Commune,
    reference: &str,
) -> anyhow::Result<Option<Published>> {
    let result = db::query(
        conn,
        &format!(
            "{} WHERE r.commune = ? AND {PUBLIC_REQUEST} AND r.reference = ?",
            select()
        ),
        &[db::text(commune.as_str()), db::text(reference)],
    )?;
    Ok(db::decode_first(&result)?)
}

/// What an Open311 app sent with a filing, beyond the request itself.
pub struct Details<'a> {
    pub api_key_id: &'a str,
    /// The batch token, when the app asked for one.
    pub token: Option<&'a str>,
    pub address_id: Option<&'a str>,
    pub device_id: Option<&'a str>,
    pub client_account_id: Option<&'a str>,
    pub media_url: Option<&'a str>,
}

/// Writes `details` of request `record`; call inside the filing transaction.
pub fn insert_details(
    conn: &Connection,
    commune: &Commune,
    record: &Record,
    details: &Details<'_>,
) -> anyhow::Result<()> {
    let optional = |v: Option<&str>| v.map_or(Value::Null, db::text);
    db::exec(
        conn,
        "INSERT INTO open311_requests (request_id, commune, api_key_id, token, address_id, \
         device_id, client_account_id, media_url, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            db::text(record.id.as_str()),
            db::text(commune.as_str()),
            db::text(details.api_key_id),
            optional(details.token),
            optional(details.address_id),
            optional(details.device_id),
            optional(details.client_account_id),
            optional(details.media_url),
            db::text(record.created_at.as_str()),
        ],
    )
}
