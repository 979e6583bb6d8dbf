//! `POST /api/requests/overdue/sweep` (administrators): marks the open requests whose expected
//! date has passed. Spin has no timer trigger: an external scheduler (cron, a Kubernetes
//! CronJob) calls this route with an administrator's token, say hourly, as it calls the
//! outbox retry.
//!
//! A request is overdue when it is open and `expected_on` is before today (UTC). Each is
//! marked once per expected date: an internal `overdue` timeline entry whose `to` is that date
//! (a reopened request, with a new date, can be marked again), and an `overdue` event for
//! notifications. The entry is internal: it is the commune's own deadline alert; the citizen
//! sees the expected date on their request.

use anyhow::Context as _;
use guichet_guest::db::{self, Connection};

use guichet_guest::tenant::CommuneInfo;
use guichet_guest::{response, ApiError};
use serde_json::json;
use spin_sdk::http::Response;

use crate::calls::events;
use crate::http::caller::Role;
use crate::store::timeline::{self, Actor, Entry};
use crate::store::workflow::assignment;
use crate::Ctx;

/// Requests marked per call, to keep each transaction short; the answer says when more wait.
const BATCH: i64 = 200;

pub async fn sweep_overdue(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let commune = ctx.commune();
    let caller = ctx.caller()?.require_staff()?;
    if !caller.has_role(Role::Admin) {
        return Err(ApiError::Forbidden {
            message: "only administrators (or the scheduler, with an administrator's token) run the sweep",
        });
    }
    let conn = ctx.conn();
    let events = db::transaction(conn, |conn| mark(conn, ctx.served()))?;
    let marked = events.len();
    events::deliver(conn, commune, &events).await;
    Ok(response::json(
        200,
        &json!({"marked": marked, "more": i64::try_from(marked).unwrap_or(i64::MAX) >= BATCH}),
    ))
}

/// Marks up to [`BATCH`] newly overdue requests; returns their events' ids. Runs in the
/// sweep's transaction (a write lock), so two sweeps cannot mark a request twice.
fn mark(conn: &Connection, served: &CommuneInfo) -> anyhow::Result<Vec<String>> {
    let commune = &served.commune;
    let (_, now) = db::new_id_and_now(conn)?;
    let mut ids = Vec::new();
    for record in assignment::newly_overdue(conn, commune, BATCH)? {
        let due = record
            .expected_on
            .clone()
            .context("an overdue request has an expected date")?;
        let mut entry = Entry::new("overdue", false);
        entry.to = Some(due.as_str());
        timeline::append(conn, commune, &record.id, &now, &Actor::system(), &entry)?;
        ids.push(events::emit(conn, served, &record, |about| {
            events::about_request!(Overdue, about, {
                expected_on: Some(due),
                department: Some(record.department.clone()),
                assignee: record.assignee.clone(),
            })
        })?);
    }
    Ok(ids)
}
