//! The transactional outbox: events are written with the change that causes them, then
//! delivered to notifications; the row remembers delivery attempts and success.
//!
//! Delivery happens three ways, all through [`deliver`]:
//! - right after the commit of the change (`events::deliver`), the usual path;
//! - opportunistically: when a delivery succeeds (notifications is up), one time in four a
//!   few older events still pending in the commune (at least [`CATCH_UP_AGE`] old, so their
//!   own writer is done with them) are retried too: bounded, and one indexed query when the
//!   outbox is clean;
//! - the retry sweep `POST /api/requests/outbox/retry` ([`crate::http::outbox`]), for an administrator or an external
//!   scheduler (cron, a Kubernetes CronJob) holding an administrator's token: Spin has no timer
//!   trigger, so nothing in the app runs on its own.
//!
//! Order: the events of one request are delivered in the order they were written (a citizen
//! is never told of a status change before the filing): before an event goes, the older
//! pending events of its request go first, and if one of them fails the later ones wait.
//! Events of different requests are independent. Redelivery is harmless: notifications stores
//! each event id once and creates its messages only then.
//!
//! A failed attempt is counted and pushes the event back (backoff: 10 s, 20 s, 40 s, ... up to
//! an hour); an event is never given up ("retried until acknowledged").

use anyhow::Context as _;
use guichet_guest::clients;
use guichet_guest::contracts::events::{Event, Payload};
use guichet_guest::db::{self, Connection, Value};
use guichet_guest::event::{self, EventKind};
use guichet_guest::Commune;
use serde_json::{Map, Value as Json};

use crate::COMPONENT;

/// Events a sweep takes unless it asks for fewer; each is one chained call (about a
/// millisecond), so a full sweep stays well inside a request's time.
pub(crate) const SWEEP_LIMIT: i64 = 500;
/// A sweep stops after this many failures in a row: notifications is down, the rest waits.
const MAX_FAILURES_IN_A_ROW: usize = 5;
/// Older pending events retried after a successful delivery (the opportunistic catch-up),
/// by one delivery in `CATCH_UP_ONE_IN`.
const CATCH_UP: i64 = 5;
const CATCH_UP_ONE_IN: u32 = 4;
/// How old a pending event must be before the catch-up takes it (`created_at` modifier).
const CATCH_UP_AGE: &str = "-60 seconds";
/// Delay before the second attempt; doubles with each failure, up to [`MAX_DELAY_SECONDS`].
const FIRST_DELAY_SECONDS: i64 = 10;
const MAX_DELAY_SECONDS: i64 = 3600;
/// Messages notifications retries per sweep (its own maximum).
pub(crate) const MESSAGES_PER_SWEEP: i64 = 100;

/// Records the event `payload` under `id`; call inside the transaction of the change. The
/// payload is the contract's typed record, stored as its flat JSON beside its kind.
pub fn record(
    conn: &Connection,
    id: &str,
    commune: &Commune,
    payload: &Payload,
    created_at: &str,
) -> anyhow::Result<()> {
    db::exec(
        conn,
        "INSERT INTO outbox (id, commune, kind, payload, created_at, delivered_at, attempts) \
         VALUES (?, ?, ?, ?, ?, NULL, 0)",
        &[
            db::text(id),
            db::text(commune.as_str()),
            db::text(EventKind::of(payload).as_str()),
            db::text(Json::Object(event::payload_json(payload)).to_string()),
            db::text(created_at),
        ],
    )
    .context("writing the outbox row")
}

/// Tries to deliver the pending event `id` of `commune` (after the older pending events of
/// its request); `true` once it is delivered (now or before). A failed attempt is counted and
/// logged, not returned as an error: the event stays in the outbox for a later attempt, and
/// the change that caused it has already succeeded. After a success, a few old pending events
/// of the commune are retried too, by one delivery in [`CATCH_UP_ONE_IN`] (see the module
/// documentation).
pub async fn deliver(conn: &Connection, commune: &Commune, id: &str) -> anyhow::Result<bool> {
    let (delivered, _) = deliver_in_order(conn, commune, id).await?;
    if delivered && takes_part_in_catch_up(id) {
        if let Err(error) = sweep(conn, commune, CATCH_UP, Some(CATCH_UP_AGE), false).await {
            eprintln!("outbox catch-up: {error:#}");
        }
    }
    Ok(delivered)
}

/// Whether the delivery of `id` also runs the catch-up: event ids are random hex, so their
/// last digit picks about one delivery in [`CATCH_UP_ONE_IN`], which keeps the common path
/// to one query and still drains a backlog while traffic flows.
fn takes_part_in_catch_up(id: &str) -> bool {
    id.bytes()
        .last()
        .and_then(|b| char::from(b).to_digit(16))
        .is_some_and(|digit| digit < 16 / CATCH_UP_ONE_IN)
}

/// Delivers the older pending events of `id`'s request, then `id`; stops at the first
/// failure (the later events wait, to keep the request's order). Whether `id` is delivered
/// (now or before), and how many events this call delivered.
async fn deliver_in_order(
    conn: &Connection,
    commune: &Commune,
    id: &str,
) -> anyhow::Result<(bool, usize)> {
    let mut delivered = 0;
    for event in pending_up_to(conn, commune, id)? {
        if !attempt(conn, commune, &event).await? {
            return Ok((false, delivered));
        }
        delivered += 1;
    }
    Ok((true, delivered))
}

/// One delivery attempt at the pending `event`, recorded; `true` when delivered.
async fn attempt(conn: &Connection, commune: &Commune, event: &Event) -> anyhow::Result<bool> {
    let id = event.id.as_str();
    let delivered = match clients::events::post_event(event).await {
        Ok(acknowledged) => acknowledged,
        Err(error) => {
            eprintln!("delivering event {id}: {error:#}");
            false
        }
    };
    let sql = if delivered {
        // A receipt's confirmation token (its recipient is the first) was only for the
        // message: once delivered, only its hash stays (contacts.rs).
        format!(
            "UPDATE outbox SET delivered_at = {}, attempts = attempts + 1, \
             payload = json_remove(payload, '$.recipients[0].confirm_token') \
             WHERE id = ? AND commune = ?",
            db::NOW_RFC3339
        )
    } else {
        // The delay after the n-th failure: 10 s * 2^(n-1), at most an hour (`attempts` in
        // the expression is the count before this attempt).
        format!(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = \
             strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+' || \
             min({MAX_DELAY_SECONDS}, {FIRST_DELAY_SECONDS} * (1 << min(attempts, 20))) || ' seconds') \
             WHERE id = ? AND commune = ?"
        )
    };
    db::exec(conn, &sql, &[db::text(id), db::text(commune.as_str())])
        .context("recording the delivery attempt")?;
    if !delivered {
        eprintln!("event {id}: not acknowledged, left in the outbox for a retry");
    }
    Ok(delivered)
}

/// The pending events of `id`'s request written up to `id` (itself included when it is still
/// pending), oldest first, in one query: the common case is `id` alone.
fn pending_up_to(conn: &Connection, commune: &Commune, id: &str) -> anyhow::Result<Vec<Event>> {
    let result = db::query(
        conn,
        "SELECT o.id, o.commune, o.kind, o.payload, o.created_at FROM outbox AS o, outbox AS this \
         WHERE this.id = ? AND this.commune = ? \
         AND o.commune = this.commune AND o.delivered_at IS NULL AND o.rowid <= this.rowid \
         AND (o.rowid = this.rowid \
              OR json_extract(o.payload, '$.request_id') = json_extract(this.payload, '$.request_id')) \
         ORDER BY o.rowid LIMIT 50",
        &[db::text(id), db::text(commune.as_str())],
    )?;
    db::rows(&result).map(|row| event_of(&row)).collect()
}

/// What a sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Swept {
    pub delivered: usize,
    pub failed: usize,
}

/// Delivers up to `limit` pending events of `commune` that are due (or all pending ones with
/// `ignore_backoff`), oldest first, each after the older ones of its request; only those
/// written before `older_than` (a `strftime` modifier such as `-60 seconds`) when given.
/// Stops after [`MAX_FAILURES_IN_A_ROW`] failures in a row.
pub(crate) async fn sweep(
    conn: &Connection,
    commune: &Commune,
    limit: i64,
    older_than: Option<&str>,
    ignore_backoff: bool,
) -> anyhow::Result<Swept> {
    let result = db::query(
        conn,
        &format!(
            "SELECT id, json_extract(payload, '$.request_id') AS request_id FROM outbox \
             WHERE delivered_at IS NULL AND commune = ? \
             AND (? = 1 OR next_attempt_at IS NULL OR next_attempt_at <= {now}) \
             AND (? IS NULL OR created_at <= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?)) \
             ORDER BY created_at, rowid LIMIT ?",
            now = db::NOW_RFC3339
        ),
        &[
            db::text(commune.as_str()),
            Value::Integer(i64::from(ignore_backoff)),
            older_than.map_or(Value::Null, db::text),
            older_than.map_or(Value::Null, db::text),
            Value::Integer(limit),
        ],
    )?;
    let mut swept = Swept::default();
    let mut failed_requests: Vec<String> = Vec::new();
    let mut in_a_row = 0;
    for row in db::rows(&result) {
        let id = row.get::<&str>("id")?;
        // An event about no request (none is written) is delivered on its own.
        let request = row.get::<Option<String>>("request_id")?.unwrap_or_default();
        // A request whose earlier event failed keeps its later ones for next time.
        if !request.is_empty() && failed_requests.contains(&request) {
            continue;
        }
        let (ok, delivered) = deliver_in_order(conn, commune, id).await?;
        swept.delivered += delivered;
        if ok {
            in_a_row = 0;
        } else {
            swept.failed += 1;
            in_a_row += 1;
            failed_requests.push(request);
            if in_a_row >= MAX_FAILURES_IN_A_ROW {
                eprintln!("outbox sweep: {in_a_row} failures in a row, notifications seems down");
                break;
            }
        }
    }
    Ok(swept)
}

/// An event rebuilt from its outbox row (`id, commune, kind, payload, created_at`), as the
/// contract's record. Rows written by earlier versions are converted
/// (`guichet_guest::event::stored_payload`), so an upgrade delivers what was pending.
fn event_of(row: &db::Row<'_>) -> anyhow::Result<Event> {
    let text = |column: &str| row.get::<String>(column);
    let commune = Commune::parse(&text("commune")?).context("outbox commune")?;
    let kind = EventKind::parse(&text("kind")?).context("outbox kind")?;
    let payload: Map<String, Json> =
        serde_json::from_str(&text("payload")?).context("outbox payload")?;
    let payload = event::stored_payload(kind, &payload).context("outbox payload")?;
    Ok(Event {
        id: text("id")?,
        commune: commune.as_str().to_owned(),
        source: COMPONENT.to_owned(),
        occurred_at: text("created_at")?,
        payload,
    })
}

/// How many events of `commune` are undelivered, and when the oldest was written.
pub(crate) fn backlog(
    conn: &Connection,
    commune: &Commune,
) -> anyhow::Result<(i64, Option<String>)> {
    let result = db::query(
        conn,
        "SELECT count(*) AS n, min(created_at) AS oldest FROM outbox \
         WHERE delivered_at IS NULL AND commune = ?",
        &[db::text(commune.as_str())],
    )?;
    let row = db::first_row(&result).context("count(*) gave no row")?;
    Ok((row.get("n")?, row.get("oldest")?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_delivery_in_four_runs_the_catch_up() {
        let taking: Vec<bool> = "0123456789abcdef"
            .chars()
            .map(|c| takes_part_in_catch_up(&format!("9f{c}")))
            .collect();
        assert_eq!(taking.iter().filter(|&&t| t).count(), 4);
        assert!(takes_part_in_catch_up("ab0") && !takes_part_in_catch_up("ab4"));
        assert!(!takes_part_in_catch_up("") && !takes_part_in_catch_up("x-"));
    }
}
