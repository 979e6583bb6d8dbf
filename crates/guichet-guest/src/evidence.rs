//! The evidence log seen from the components that append to it (`guichet:platform/evidence`,
//! kept by `signatures`): its limits and secret, and the outbox that makes sure no event is
//! lost (signatures checks each event against the contract's rules: its `evidence::rules`).
//!
//! A component writes the event with [`enqueue`] in the transaction of the action it records
//! (its table is [`OUTBOX_TABLE`], one migration), then calls [`flush`] after the commit:
//! every waiting event of the commune goes to signatures, oldest first, and leaves the outbox
//! once appended (a repeat is appended once: the log keys events by source and id). An event
//! signatures could not take (down, no secret) stays and goes with the next flush.
//!
//! The outbox is the senders' alone (feature `evidence-sender`): signatures, the receiver,
//! builds guichet-guest without it and checks events with its own rules, so that a member
//! renamed in `wit/evidence.wit` breaks the build of the senders here and of signatures in
//! its own source (`tests/contract_break.sh`).

#[cfg(feature = "evidence-sender")]
use anyhow::Context as _;
#[cfg(feature = "evidence-sender")]
use guichet_contracts::evidence::{Detail, EvidenceEvent};

#[cfg(feature = "evidence-sender")]
use crate::db::{self, Connection};
#[cfg(feature = "evidence-sender")]
use crate::{clients, Commune};

/// The outbox of events not yet in the log (one migration in each sending component).
pub const OUTBOX_TABLE: &str = "CREATE TABLE evidence_outbox (
        id TEXT PRIMARY KEY,
        commune TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
    )";

/// The secret variable both signatures and the senders are given.
pub const SECRET_VARIABLE: &str = "evidence_append_secret";
/// The shortest secret accepted (shorter: the route is closed, events wait).
pub const SECRET_MIN: usize = 16;
/// Details one event may carry.
pub const MAX_DETAILS: usize = 20;

#[cfg(feature = "evidence-sender")]
/// The event `action` by `actor` on `subject` in `commune`, seen by `source`, now, with
/// `details` (`(name, value)`), under a fresh id.
pub fn event(
    conn: &Connection,
    commune: &Commune,
    source: &str,
    action: &str,
    actor: Option<&str>,
    subject: &str,
    details: &[(&str, &str)],
) -> anyhow::Result<EvidenceEvent> {
    let (id, occurred_at) = db::new_id_and_now(conn)?;
    Ok(EvidenceEvent {
        id,
        commune: commune.as_str().to_owned(),
        source: source.to_owned(),
        action: action.to_owned(),
        actor: actor.map(str::to_owned),
        subject: subject.to_owned(),
        occurred_at,
        details: details
            .iter()
            .map(|(name, value)| Detail {
                name: (*name).to_owned(),
                value: (*value).to_owned(),
            })
            .collect(),
    })
}

#[cfg(feature = "evidence-sender")]
/// Writes `event` to the outbox (inside the transaction of the action it records).
pub fn enqueue(conn: &Connection, event: &EvidenceEvent) -> anyhow::Result<()> {
    let body = serde_json::to_string(event).context("an evidence event")?;
    db::exec(
        conn,
        "INSERT INTO evidence_outbox (id, commune, body, created_at) VALUES (?, ?, ?, ?)",
        &[
            db::text(event.id.as_str()),
            db::text(event.commune.as_str()),
            db::text(body),
            db::text(event.occurred_at.as_str()),
        ],
    )
    .context("writing the evidence outbox")
}

#[cfg(feature = "evidence-sender")]
/// Hands the commune's waiting events to the log, oldest first; returns how many it took. A
/// failure is logged and leaves the rest for the next flush.
pub async fn flush(conn: &Connection, commune: &Commune) -> usize {
    match try_flush(conn, commune).await {
        Ok(sent) => sent,
        Err(error) => {
            eprintln!("evidence outbox of {}: {error:#}", commune.as_str());
            0
        }
    }
}

#[cfg(feature = "evidence-sender")]
async fn try_flush(conn: &Connection, commune: &Commune) -> anyhow::Result<usize> {
    let rows = db::query(
        conn,
        "SELECT id, body FROM evidence_outbox WHERE commune = ? ORDER BY created_at, rowid LIMIT 100",
        &[db::text(commune.as_str())],
    )?;
    if rows.rows.is_empty() {
        return Ok(0);
    }
    let secret = spin_sdk::variables::get(SECRET_VARIABLE).unwrap_or_default();
    if secret.len() < SECRET_MIN {
        anyhow::bail!(
            "{SECRET_VARIABLE} is not set: {} event(s) wait in the outbox",
            rows.rows.len()
        );
    }
    let mut sent = 0;
    for row in db::rows(&rows) {
        let id: String = row.get("id")?;
        let event: EvidenceEvent =
            serde_json::from_str(row.get("body")?).context("an outbox row outside the contract")?;
        match clients::evidence::append(&event, &secret).await {
            Ok(_) => {
                db::exec(
                    conn,
                    "DELETE FROM evidence_outbox WHERE id = ?",
                    &[db::text(id.as_str())],
                )?;
                sent += 1;
            }
            Err(error) => {
                db::exec(
                    conn,
                    "UPDATE evidence_outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                    &[db::text(format!("{error:#}")), db::text(id.as_str())],
                )?;
                return Err(error.context(format!("event {id} left in the outbox")));
            }
        }
    }
    Ok(sent)
}
