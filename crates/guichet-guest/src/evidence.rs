//! The evidence log seen from the components that append to it (`guichet:platform/evidence`,
//! kept by `signatures`): the rules an event must follow, and the outbox that makes sure no
//! event is lost.
//!
//! A component writes the event with [`enqueue`] in the transaction of the action it records
//! (its table is [`OUTBOX_TABLE`], one migration), then calls [`flush`] after the commit:
//! every waiting event of the commune goes to signatures, oldest first, and leaves the outbox
//! once appended (a repeat is appended once: the log keys events by source and id). An event
//! signatures could not take (down, no secret) stays and goes with the next flush.

use anyhow::Context as _;
use guichet_contracts::evidence::{Detail, EvidenceEvent};

use crate::db::{self, Connection};
use crate::{clients, Commune, FieldError};

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

fn all_of(text: &str, allowed: impl Fn(char) -> bool) -> bool {
    text.chars().all(allowed)
}

/// Every way `event` breaks the contract's rules, member by member (the receiver's check:
/// nothing is logged unless the list is empty).
pub fn problems(event: &EvidenceEvent) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut check = |ok: bool, field: &str, message: &str| {
        if !ok {
            errors.push(FieldError::new(field, "invalid", message));
        }
    };
    check(
        (1..=128).contains(&event.id.len())
            && all_of(&event.id, |c| {
                c.is_ascii_alphanumeric() || "-_.".contains(c)
            }),
        "id",
        "1 to 128 of A-Z a-z 0-9 - _ .",
    );
    check(
        Commune::parse(&event.commune).is_ok(),
        "commune",
        "not a commune id",
    );
    check(
        (1..=32).contains(&event.source.len()) && all_of(&event.source, |c| c.is_ascii_lowercase()),
        "source",
        "1 to 32 of a-z",
    );
    check(
        (1..=64).contains(&event.action.len())
            && all_of(&event.action, |c| c.is_ascii_lowercase() || c == '-'),
        "action",
        "1 to 64 of a-z and -",
    );
    check(
        event.actor.as_ref().is_none_or(|a| {
            (1..=200).contains(&a.chars().count()) && !a.chars().any(char::is_control)
        }),
        "actor",
        "1 to 200 characters, no control characters",
    );
    check(
        (1..=200).contains(&event.subject.chars().count())
            && !event.subject.chars().any(char::is_control),
        "subject",
        "1 to 200 characters, no control characters",
    );
    check(
        crate::dates::is_rfc3339(&event.occurred_at),
        "occurred_at",
        "an RFC 3339 time",
    );
    check(
        event.details.len() <= MAX_DETAILS,
        "details",
        "at most 20 details",
    );
    for (i, detail) in event.details.iter().enumerate().take(MAX_DETAILS) {
        check(
            (1..=64).contains(&detail.name.len())
                && all_of(&detail.name, |c| {
                    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'
                }),
            &format!("details[{i}].name"),
            "1 to 64 of a-z 0-9 _",
        );
        check(
            detail.value.chars().count() <= 500 && !detail.value.chars().any(char::is_control),
            &format!("details[{i}].value"),
            "at most 500 characters, no control characters",
        );
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> EvidenceEvent {
        EvidenceEvent {
            id: "abc-1".into(),
            commune: "demo".into(),
            source: "identity".into(),
            action: "role-changed".into(),
            actor: Some("admin-1".into()),
            subject: "account-7".into(),
            occurred_at: "2026-12-07T10:00:00Z".into(),
            details: vec![Detail {
                name: "roles".into(),
                value: "agent,admin".into(),
            }],
        }
    }

    #[test]
    fn a_well_formed_event_has_no_problem() {
        assert!(problems(&good()).is_empty());
    }

    #[test]
    fn every_member_out_of_its_rule_is_named() {
        let mut event = good();
        event.id = "a b".into();
        event.source = "Identity".into();
        event.action = String::new();
        event.occurred_at = "yesterday".into();
        event.details[0].name = "Roles!".into();
        event.details[0].value = "x\u{7}".into();
        let fields: Vec<_> = problems(&event)
            .into_iter()
            .filter_map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "id",
                "source",
                "action",
                "occurred_at",
                "details[0].name",
                "details[0].value"
            ]
        );
    }
}
