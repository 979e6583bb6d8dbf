//! The SQL of the e-mails the inbound webhook receives ([`crate::http::channels::inbound_mail`]):
//! each stored once (`inbound_mail`, keyed by its Message-ID or the hash of its bytes), attached
//! to a request or waiting for triage ([`super::triage`]).

use anyhow::Context as _;
use guichet_guest::db::{self, Connection, FromRow, Row, RowError, Value};
use guichet_guest::Commune;

use crate::domain::channels::mime::InboundMessage;

/// An e-mail as first stored: its id, `attached` or `triage`, and the reference of the request
/// it went to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub id: String,
    pub status: String,
    pub reference: Option<String>,
}

impl FromRow for Received {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(Received {
            id: row.get("id")?,
            status: row.get("status")?,
            reference: row.get("reference")?,
        })
    }
}

/// A received e-mail to store.
#[derive(Debug, Clone, Copy)]
pub struct NewMail<'a> {
    pub id: &'a str,
    pub commune: &'a Commune,
    pub message: &'a InboundMessage,
    /// The request it is attached to, `None` while it waits for triage.
    pub request_id: Option<&'a str>,
    /// `attached` or `triage`.
    pub status: &'a str,
    pub raw: &'a [u8],
    pub received_at: &'a str,
    /// Whether the receiving mail server authenticated the sender.
    pub sender_verified: bool,
}

/// The e-mail of `commune` first stored under `dedupe_key`, if any.
pub fn received(
    conn: &Connection,
    commune: &Commune,
    dedupe_key: &str,
) -> anyhow::Result<Option<Received>> {
    let result = db::query(
        conn,
        "SELECT m.id, m.status, r.reference FROM inbound_mail m \
         LEFT JOIN requests r ON r.id = m.request_id \
         WHERE m.commune = ? AND m.message_id = ? ORDER BY m.received_at LIMIT 1",
        &[db::text(commune.as_str()), db::text(dedupe_key)],
    )?;
    Ok(db::decode_first(&result)?)
}

/// Stores `mail`, with its raw bytes.
pub fn insert(conn: &Connection, mail: &NewMail<'_>) -> anyhow::Result<()> {
    let message = mail.message;
    db::exec(
        conn,
        "INSERT INTO inbound_mail (id, commune, message_id, sender, subject, body_text, \
         request_id, status, raw, received_at, sender_verified) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            db::text(mail.id),
            db::text(mail.commune.as_str()),
            db::text(message.dedupe_key.as_str()),
            db::text(message.sender.as_str()),
            db::text(message.subject.as_str()),
            db::text(message.text.as_str()),
            mail.request_id.map_or(Value::Null, db::text),
            db::text(mail.status),
            Value::Blob(mail.raw.to_vec()),
            db::text(mail.received_at),
            Value::Integer(i64::from(mail.sender_verified)),
        ],
    )
    .context("storing the inbound e-mail")
}
