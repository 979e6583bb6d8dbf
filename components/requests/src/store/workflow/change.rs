//! A change of state (transition, reopening, merge), written in one transaction: the
//! request's row, its timeline entries and the `status-changed` event.

use anyhow::Context as _;
use guichet_guest::dates::BusinessDays;
use guichet_guest::db::{self, Connection, Value};

use guichet_guest::service::Workflow;
use guichet_guest::tenant::CommuneInfo;
use serde_json::json;

use crate::calls::events;
use crate::domain::workflow::{deadline, rules};
use crate::store::record::{self, Record};
use crate::store::timeline::{self, Actor, Entry};

/// What to write.
#[derive(Debug, Clone)]
pub struct StateChange<'a> {
    pub to: &'a str,
    /// The timeline kind of the state entry: `status`, `reopened`.
    pub kind: &'a str,
    /// Body of the state entry itself (the reason of a reopening).
    pub body: Option<&'a str>,
    /// A public message to the citizen, written as its own `message` entry.
    pub message: Option<&'a str>,
    /// An internal note, written as its own `note` entry.
    pub note: Option<&'a str>,
    /// The processing time from now to the new expected date (a reopened request gets a new
    /// deadline).
    pub new_deadline: Option<BusinessDays>,
    /// Whether a closed request is reopened (said in the event).
    pub reopened: bool,
}

/// Applies `change` to `record` (as read before the transaction) with `workflow` its
/// service's workflow; call inside a transaction. `Ok(None)` when the request changed
/// meanwhile (another state, or merged): nothing was written. Else the updated record and
/// the event id to deliver after the commit.
pub fn apply(
    conn: &Connection,
    served: &CommuneInfo,
    record: &Record,
    workflow: &Workflow,
    actor: &Actor,
    change: &StateChange<'_>,
) -> anyhow::Result<Option<(Record, String)>> {
    let commune = &served.commune;
    let (_, now) = db::new_id_and_now(conn)?;
    let open = rules::is_open(workflow, change.to);
    let expected_on = match change.new_deadline {
        Some(processing) => db::text(deadline::expected_on(&now, processing)?),
        None => Value::Null,
    };
    // closed_at: cleared when the request is open again; set when it leaves the open states;
    // kept when it moves between closed states.
    db::exec(
        conn,
        "UPDATE requests SET state = ?, is_open = ?, \
         closed_at = CASE WHEN ? THEN NULL WHEN is_open = 1 THEN ? ELSE COALESCE(closed_at, ?) END, \
         expected_on = COALESCE(?, expected_on), \
         updated_at = ? \
         WHERE id = ? AND commune = ? AND state = ? AND merged_into IS NULL",
        &[
            db::text(change.to),
            Value::Integer(i64::from(open)),
            Value::Integer(i64::from(open)),
            db::text(now.as_str()),
            db::text(now.as_str()),
            expected_on,
            db::text(now.as_str()),
            db::text(record.id.as_str()),
            db::text(commune.as_str()),
            db::text(record.state.as_str()),
        ],
    )
    .context("changing the request's state")?;
    if changes(conn)? == 0 {
        return Ok(None);
    }
    let mut entry = Entry::new(change.kind, true);
    entry.from = Some(record.state.as_str());
    entry.to = Some(change.to);
    entry.body = change.body;
    timeline::append(conn, commune, &record.id, &now, actor, &entry)?;
    if let Some(message) = change.message {
        let mut entry = Entry::new("message", true);
        entry.body = Some(message);
        entry.detail.insert("author".into(), json!(actor.kind));
        timeline::append(conn, commune, &record.id, &now, actor, &entry)?;
    }
    if let Some(note) = change.note {
        let mut entry = Entry::new("note", false);
        entry.body = Some(note);
        timeline::append(conn, commune, &record.id, &now, actor, &entry)?;
    }
    let updated =
        record::load_by_id(conn, commune, &record.id)?.context("the request just changed")?;
    let state_label = events::state_label(workflow, change.to);
    let event = events::emit(conn, served, &updated, |about| {
        events::about_request!(StatusChanged, about, {
            from: record.state.clone(),
            to: change.to.to_owned(),
            message: change.message.or(change.body).map(str::to_owned),
            state_label,
            merged_into: None,
            reopened: change.reopened.then_some(true),
        })
    })?;
    Ok(Some((updated, event)))
}

/// Rows changed by the connection's last statement.
pub fn changes(conn: &Connection) -> anyhow::Result<i64> {
    let result = db::query(conn, "SELECT changes() AS n", &[])?;
    db::first_value(&result, "n")?.context("changes() gave no row")
}
