//! The transactional outbox: events are written with the change that causes them, then
//! delivered to notifications; the row remembers delivery attempts and success.

use anyhow::Context as _;
use guichet_guest::db::{self, Connection, Value};
use guichet_guest::event::{Event, EventKind};
use guichet_guest::Commune;
use serde_json::{Map, Value as Json};

use crate::{notifications, COMPONENT};

/// Records `kind` with `payload` under `id`; call inside the transaction of the change.
pub fn record(
    conn: &Connection,
    id: &str,
    commune: &Commune,
    kind: EventKind,
    payload: &Map<String, Json>,
    created_at: &str,
) -> anyhow::Result<()> {
    db::exec(
        conn,
        "INSERT INTO outbox (id, commune, kind, payload, created_at, delivered_at, attempts) \
         VALUES (?, ?, ?, ?, ?, NULL, 0)",
        &[
            db::text(id),
            db::text(commune.as_str()),
            db::text(kind.as_str()),
            db::text(Json::Object(payload.clone()).to_string()),
            db::text(created_at),
        ],
    )
    .context("writing the outbox row")
}

/// Tries to deliver the pending event `id` of `commune`; `true` once it is delivered (now or
/// before). A failed attempt is counted and logged, not returned as an error: the event stays
/// in the outbox for a later attempt, and the change that caused it has already succeeded.
pub async fn deliver(conn: &Connection, commune: &Commune, id: &str) -> anyhow::Result<bool> {
    let Some(event) = pending(conn, commune, id)? else {
        return Ok(true);
    };
    let delivered = match notifications::post_event(&event).await {
        Ok(acknowledged) => acknowledged,
        Err(error) => {
            eprintln!("delivering event {id}: {error:#}");
            false
        }
    };
    let sql = if delivered {
        format!(
            "UPDATE outbox SET delivered_at = {}, attempts = attempts + 1 \
             WHERE id = ? AND commune = ?",
            db::NOW_RFC3339
        )
    } else {
        "UPDATE outbox SET attempts = attempts + 1 WHERE id = ? AND commune = ?".to_owned()
    };
    db::exec(conn, &sql, &[db::text(id), db::text(commune.as_str())])
        .context("recording the delivery attempt")?;
    Ok(delivered)
}

/// The undelivered event `id` of `commune`, rebuilt from its outbox row.
fn pending(conn: &Connection, commune: &Commune, id: &str) -> anyhow::Result<Option<Event>> {
    let result = db::query(
        conn,
        "SELECT commune, kind, payload, created_at FROM outbox \
         WHERE id = ? AND commune = ? AND delivered_at IS NULL",
        &[Value::Text(id.to_owned()), db::text(commune.as_str())],
    )?;
    let Some(row) = result.rows.first() else {
        return Ok(None);
    };
    let text = |i: usize| {
        row.get::<&str>(i)
            .map(str::to_owned)
            .context("outbox column is not text")
    };
    let commune = Commune::parse(&text(0)?).context("outbox commune")?;
    let kind = EventKind::parse(&text(1)?).context("outbox kind")?;
    let payload: Map<String, Json> = serde_json::from_str(&text(2)?).context("outbox payload")?;
    Ok(Some(Event::new(
        id.to_owned(),
        &commune,
        kind,
        COMPONENT,
        text(3)?,
        &payload,
    )))
}

/// `POST /api/requests/outbox/retry` (being written).
pub async fn retry(
    _req: &spin_sdk::http::Request,
    _commune: &Commune,
) -> Result<spin_sdk::http::Response, guichet_guest::ApiError> {
    Err(guichet_guest::ApiError::NotFound)
}
