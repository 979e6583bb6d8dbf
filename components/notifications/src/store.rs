//! The `messages` table: storing messages once per id, claiming one for a delivery attempt,
//! recording what the attempt came to. All SQL is parameterised.

use anyhow::Context as _;
use guichet_guest::db::{self, Connection, Value};
use serde_json::{json, Value as Json};

use crate::citizen::Draft;
use crate::message::NewMessage;
use crate::provider::Outgoing;

/// `strftime` format of every timestamp (the same as [`db::NOW_RFC3339`]), so that text
/// comparison orders them.
const NOW: &str = db::NOW_RFC3339;
/// How long an attempt in progress keeps others off the message. Longer than any attempt can
/// take (the host interrupts a request after 60 s); if the instance dies mid-attempt, the
/// message becomes claimable again after this.
const IN_FLIGHT: &str = "+120 seconds";

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Waiting for a (first or next) delivery attempt.
    Queued,
    /// Accepted by the provider.
    Sent,
    /// Given up after a refusal or too many attempts; kept with its last error.
    Failed,
}

impl Status {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    fn parse(name: &str) -> anyhow::Result<Self> {
        match name {
            "queued" => Ok(Self::Queued),
            "sent" => Ok(Self::Sent),
            "failed" => Ok(Self::Failed),
            other => anyhow::bail!("unknown message status {other:?}"),
        }
    }
}

/// Where a message stands, as agents and administrators see it: finer than [`Status`], which
/// says only whether more attempts are due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Stored, not attempted yet.
    Queued,
    /// An attempt is in progress, or the provider took the message (answered 202) and has
    /// not yet said, by a callback, whether it was delivered.
    Sending,
    /// The provider delivered it (answered 200/201, or a callback said so).
    Delivered,
    /// The last attempt failed; another one is scheduled.
    TemporaryFailure,
    /// Given up: refused, bounced, sent to a suppressed address, or out of attempts. The
    /// commune's dead-letter list.
    PermanentFailure,
}

impl State {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Delivered => "delivered",
            Self::TemporaryFailure => "temporary_failure",
            Self::PermanentFailure => "permanent_failure",
        }
    }
}

/// Stores `message` as queued and due now, unless a message with its id exists; `true` when
/// it was stored. ON CONFLICT DO NOTHING: two identical requests racing cannot both insert.
pub fn insert(conn: &Connection, message: &NewMessage) -> anyhow::Result<bool> {
    db::exec(
        conn,
        &format!(
            "INSERT INTO messages (id, commune, account_id, channel, to_address, purpose, language, \
             subject, body_text, status, state, attempts, next_attempt_at, created_at) \
             VALUES (?, ?, ?, 'email', ?, ?, ?, ?, ?, 'queued', 'queued', 0, {NOW}, {NOW}) \
             ON CONFLICT(id) DO NOTHING"
        ),
        &[
            db::text(message.id()),
            db::text(message.commune().as_str()),
            message.account_id().map_or(Value::Null, db::text),
            db::text(message.to().as_str()),
            db::text(message.purpose()),
            db::text(message.language()),
            db::text(message.subject()),
            db::text(message.text()),
        ],
    )
    .context("storing the message")?;
    Ok(conn.changes() == 1)
}

/// Stores a message drafted from an event (see [`crate::citizen`]) already claimed for its
/// first attempt, as [`claim`] would leave it (attempt 1 counted, the next one scheduled
/// `delay` seconds from now, in flight), unless one with its id exists: the claim for a brand
/// new message. The caller sends it with the returned claim right after its transaction
/// commits; if it never does (instance killed), the message is retried once the in-flight
/// mark expires, like any claimed message. `None` when a message with its id existed.
pub fn insert_draft_claimed(
    conn: &Connection,
    commune: &str,
    draft: &Draft,
    delay: i64,
) -> anyhow::Result<Option<Claimed>> {
    insert_draft(conn, commune, draft, First::Claimed { delay })?;
    Ok((conn.changes() == 1).then(|| Claimed {
        outgoing: Outgoing {
            id: draft.id.clone(),
            to: draft.to.clone(),
            subject: draft.subject.clone(),
            text: draft.text.clone(),
            html: draft.html.clone(),
        },
        attempts: 1,
        channel: draft.channel.as_str().to_owned(),
        commune: commune.to_owned(),
    }))
}

/// Stores a message drafted from an event that must not be sent, as `failed` with `reason`
/// and no attempt, so that the refusal shows where the message would be.
pub fn insert_draft_refused(
    conn: &Connection,
    commune: &str,
    draft: &Draft,
    reason: &str,
) -> anyhow::Result<()> {
    insert_draft(conn, commune, draft, First::Refused { reason })
}

/// Stores a message for an account's in-app inbox (`channel` `inbox`, no address): delivered
/// as soon as stored, never handed to a provider. Nothing when its id exists.
pub fn insert_draft_inbox(conn: &Connection, commune: &str, draft: &Draft) -> anyhow::Result<()> {
    let opt = |v: Option<&str>| v.map_or(Value::Null, db::text);
    db::exec(
        conn,
        &format!(
            "INSERT INTO messages (id, commune, account_id, channel, to_address, purpose, language, \
             subject, body_text, status, state, attempts, next_attempt_at, created_at, sent_at, reference) \
             VALUES (?, ?, ?, 'inbox', NULL, ?, ?, ?, ?, 'sent', 'delivered', 0, {NOW}, {NOW}, {NOW}, ?) \
             ON CONFLICT(id) DO NOTHING"
        ),
        &[
            db::text(draft.id.as_str()),
            db::text(commune),
            opt(draft.account_id.as_deref()),
            db::text(draft.purpose),
            db::text(draft.language),
            db::text(draft.subject.as_str()),
            db::text(draft.text.as_str()),
            opt(draft.reference.as_deref()),
        ],
    )
    .context("storing the inbox message")
}

/// How a drafted message is first stored.
enum First<'a> {
    /// Queued, its first attempt counted and in flight, the next one `delay` seconds away.
    Claimed { delay: i64 },
    /// Failed before any attempt, for `reason`.
    Refused { reason: &'a str },
}

/// Stores `draft` in its first state unless a message with its id exists.
fn insert_draft(
    conn: &Connection,
    commune: &str,
    draft: &Draft,
    first: First<'_>,
) -> anyhow::Result<()> {
    let (status, state, attempts, delay, in_flight, reason) = match first {
        First::Claimed { delay } => ("queued", State::Sending, 1, delay, Some(IN_FLIGHT), None),
        First::Refused { reason } => ("failed", State::PermanentFailure, 0, 0, None, Some(reason)),
    };
    let opt = |v: Option<&str>| v.map_or(Value::Null, db::text);
    db::exec(
        conn,
        &format!(
            "INSERT INTO messages (id, commune, account_id, channel, to_address, purpose, language, \
             subject, body_text, status, attempts, next_attempt_at, in_flight_until, last_error, \
             created_at, state, reference, body_html) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ','now',?), \
             CASE WHEN ?13 IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%SZ','now',?13) END, \
             ?, {NOW}, ?, ?, ?) \
             ON CONFLICT(id) DO NOTHING"
        ),
        &[
            db::text(draft.id.as_str()),
            db::text(commune),
            opt(draft.account_id.as_deref()),
            db::text(draft.channel.as_str()),
            db::text(draft.to.as_str()),
            db::text(draft.purpose),
            db::text(draft.language),
            db::text(draft.subject.as_str()),
            db::text(draft.text.as_str()),
            db::text(status),
            Value::Integer(attempts),
            db::text(format!("+{delay} seconds")),
            opt(in_flight),
            opt(reason),
            db::text(state.as_str()),
            opt(draft.reference.as_deref()),
            opt(draft.html.as_deref()),
        ],
    )
    .context("storing the drafted message")?;
    Ok(())
}

/// The status of message `id`, if it exists.
pub fn status(conn: &Connection, id: &str) -> anyhow::Result<Option<Status>> {
    let result = db::query(
        conn,
        "SELECT status FROM messages WHERE id = ?",
        &[db::text(id)],
    )?;
    db::first_text(&result)
        .map(|name| Status::parse(&name))
        .transpose()
}

/// A message taken for one delivery attempt.
#[derive(Debug)]
pub struct Claimed {
    /// What to send.
    pub outgoing: Outgoing,
    /// Attempts made so far, this one included.
    pub attempts: i64,
    /// `email`, `sms` or `webhook`.
    pub channel: String,
    /// The commune it is sent for.
    pub commune: String,
}

/// Takes message `id` for an attempt if it is queued, not being attempted by another
/// instance, and due (or `ignore_backoff`). The attempt is counted and the next one scheduled
/// (`delay` seconds from now, as if this one failed) before sending, so that an attempt that
/// never comes back (instance killed) is still counted and retried later.
pub fn claim(
    conn: &Connection,
    id: &str,
    ignore_backoff: bool,
    delay: impl Fn(i64) -> i64,
) -> anyhow::Result<Option<Claimed>> {
    let result = db::query(
        conn,
        &format!(
            "SELECT attempts, to_address, subject, body_text, channel, commune, body_html FROM messages \
             WHERE id = ? AND status = 'queued' AND to_address IS NOT NULL \
             AND (in_flight_until IS NULL OR in_flight_until <= {NOW}) \
             AND (? = 1 OR next_attempt_at <= {NOW})"
        ),
        &[db::text(id), Value::Integer(i64::from(ignore_backoff))],
    )?;
    let Some(row) = result.rows.first() else {
        return Ok(None);
    };
    let previous = row.get::<i64>(0).context("attempts is not an integer")?;
    let text = |i: usize| {
        row.get::<&str>(i)
            .map(str::to_owned)
            .context("message column is not text")
    };
    let outgoing = Outgoing {
        id: id.to_owned(),
        to: text(1)?,
        subject: text(2)?,
        text: text(3)?,
        html: row.get::<&str>(6).map(str::to_owned),
    };
    let channel = text(4)?;
    let commune = text(5)?;
    let attempts = previous + 1;
    // `attempts = ?` makes the claim conditional on nobody having claimed it since the read:
    // of two instances racing, exactly one sees a changed row.
    db::exec(
        conn,
        &format!(
            "UPDATE messages SET attempts = ?, next_attempt_at = strftime('%Y-%m-%dT%H:%M:%SZ','now',?), \
             state = 'sending', in_flight_until = strftime('%Y-%m-%dT%H:%M:%SZ','now',?) \
             WHERE id = ? AND attempts = ? AND status = 'queued' \
             AND (in_flight_until IS NULL OR in_flight_until <= {NOW})"
        ),
        &[
            Value::Integer(attempts),
            db::text(format!("+{} seconds", delay(attempts))),
            db::text(IN_FLIGHT),
            db::text(id),
            Value::Integer(previous),
        ],
    )
    .context("claiming the message")?;
    Ok((conn.changes() == 1).then_some(Claimed {
        outgoing,
        attempts,
        channel,
        commune,
    }))
}

/// Records the end of an attempt: `status` and `state`, and the reason when it was not sent.
pub fn finish(
    conn: &Connection,
    id: &str,
    status: Status,
    state: State,
    error: Option<&str>,
) -> anyhow::Result<()> {
    let sent_at = if status == Status::Sent { NOW } else { "NULL" };
    db::exec(
        conn,
        &format!(
            "UPDATE messages SET status = ?, state = ?, last_error = ?, sent_at = {sent_at}, \
             in_flight_until = NULL WHERE id = ?"
        ),
        &[
            db::text(status.as_str()),
            db::text(state.as_str()),
            error.map_or(Value::Null, db::text),
            db::text(id),
        ],
    )
    .context("recording the delivery attempt")
}

/// Gives back a claim that was not used (the provider's rate limit was reached): the attempt
/// is not counted, and the next one is `delay` seconds away.
pub fn release(
    conn: &Connection,
    id: &str,
    attempts: i64,
    delay: i64,
    reason: &str,
) -> anyhow::Result<()> {
    db::exec(
        conn,
        "UPDATE messages SET attempts = ?, state = CASE WHEN ? = 0 THEN 'queued' ELSE 'temporary_failure' END, \
         last_error = ?, in_flight_until = NULL, \
         next_attempt_at = strftime('%Y-%m-%dT%H:%M:%SZ','now',?) WHERE id = ? AND status = 'queued'",
        &[
            Value::Integer(attempts - 1),
            Value::Integer(attempts - 1),
            db::text(reason),
            db::text(format!("+{delay} seconds")),
            db::text(id),
        ],
    )
    .context("releasing the claim")
}

/// Ids of queued messages to attempt now, oldest due first: of commune `commune` or all, due
/// or (`ignore_backoff`) not, never one being attempted.
pub fn due(
    conn: &Connection,
    commune: Option<&str>,
    ignore_backoff: bool,
    limit: i64,
) -> anyhow::Result<Vec<String>> {
    let result = db::query(
        conn,
        &format!(
            "SELECT id FROM messages WHERE status = 'queued' AND to_address IS NOT NULL \
             AND (in_flight_until IS NULL OR in_flight_until <= {NOW}) \
             AND (? = 1 OR next_attempt_at <= {NOW}) AND (? IS NULL OR commune = ?) \
             ORDER BY next_attempt_at, id LIMIT ?"
        ),
        &[
            Value::Integer(i64::from(ignore_backoff)),
            commune.map_or(Value::Null, db::text),
            commune.map_or(Value::Null, db::text),
            Value::Integer(limit),
        ],
    )?;
    Ok(result
        .rows
        .iter()
        .filter_map(|row| row.get::<&str>(0).map(str::to_owned))
        .collect())
}

/// Message `id` as stored, as JSON (for diagnostics and tests; it holds the text).
pub fn fetch(conn: &Connection, id: &str) -> anyhow::Result<Option<Json>> {
    let result = db::query(
        conn,
        "SELECT id, commune, account_id, channel, to_address, purpose, language, subject, \
         body_text, status, attempts, next_attempt_at, last_error, created_at, sent_at, erased_at, \
         state, reference FROM messages WHERE id = ?",
        &[db::text(id)],
    )?;
    let Some(row) = result.rows.first() else {
        return Ok(None);
    };
    let text = |i: usize| row.get::<&str>(i).map(str::to_owned);
    Ok(Some(json!({
        "id": text(0),
        "commune": text(1),
        "account_id": text(2),
        "channel": text(3),
        "to": text(4),
        "purpose": text(5),
        "language": text(6),
        "subject": text(7),
        "text": text(8),
        "status": text(9),
        "attempts": row.get::<i64>(10),
        "next_attempt_at": text(11),
        "last_error": text(12),
        "created_at": text(13),
        "sent_at": text(14),
        "erased_at": text(15),
        "state": text(16).or_else(|| text(9).map(|s| legacy_state(&s).to_owned())),
        "reference": text(17),
    })))
}

/// The state of a row stored before the `state` column, from its status.
pub fn legacy_state(status: &str) -> &'static str {
    match status {
        "sent" => State::Delivered.as_str(),
        "failed" => State::PermanentFailure.as_str(),
        _ => State::Queued.as_str(),
    }
}
