//! `POST reminders` (supervisors and administrators, run daily by the commune's scheduler):
//! reminds every signer whose turn it is in an open flow due within [`DAYS_BEFORE`] days or
//! overdue, through notifications (event `signature-reminder`, `guichet:platform/events`),
//! at most once a day per signer (the event id names the day, so a retry is harmless).

use guichet_guest::clients::events::post_event;
use guichet_guest::codes::Role;
use guichet_guest::contracts::events::{Event, Payload, SignatureReminder};
use guichet_guest::db;
use guichet_guest::{dates, response, ApiError};
use serde_json::json;
use spin_sdk::http::Response;

use crate::rules::{self, Mode, SignerState};
use crate::{documents, flows, now, Ctx, COMPONENT};

/// How many days before its due date a flow's signers are reminded.
pub const DAYS_BEFORE: i64 = 2;

/// `POST reminders`: `{"reminded": n}`.
pub async fn send(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    ctx.caller()?
        .caller
        .require_any(&[Role::Supervisor, Role::Admin])?;
    let commune = ctx.commune();
    let (unix, at) = now();
    let today_days = i64::try_from(unix / 86_400).unwrap_or(0);
    let today = dates::format_date(today_days);
    let horizon = dates::format_date(today_days + DAYS_BEFORE);
    let rows = db::query(
        ctx.conn(),
        "SELECT id FROM flows WHERE commune = ? AND state = 'open' AND due_on IS NOT NULL \
         AND due_on <= ? ORDER BY due_on, id",
        &[db::text(commune.as_str()), db::text(horizon)],
    )?;
    let ids: Vec<String> = db::rows(&rows)
        .map(|r| r.get("id"))
        .collect::<Result<_, _>>()
        .map_err(anyhow::Error::from)?;
    let mut reminded = 0;
    for id in ids {
        let Some(flow) = flows::load(ctx.conn(), commune, &id)? else {
            continue;
        };
        let title = documents::find(ctx.conn(), commune, &flow.document_id)?
            .map(|d| d.title)
            .unwrap_or_default();
        let due = flow.due_on.clone().unwrap_or_default();
        let states: Vec<(String, SignerState)> = flow
            .signers
            .iter()
            .map(|s| (s.account.clone(), s.state))
            .collect();
        let next = rules::next_in_order(&states);
        for (index, signer) in flow.signers.iter().enumerate() {
            let their_turn = signer.state == SignerState::Pending
                && (flow.mode == Mode::Parallel || next == Some(index));
            if !their_turn || signer.reminded_on.as_deref() == Some(today.as_str()) {
                continue;
            }
            let event = Event {
                id: format!("sigrem-{}-{}-{}", flow.id, signer.position, today),
                commune: commune.as_str().to_owned(),
                source: COMPONENT.to_owned(),
                occurred_at: at.clone(),
                payload: Payload::SignatureReminder(SignatureReminder {
                    flow_id: flow.id.clone(),
                    document_title: title.clone(),
                    purpose: flow.purpose.clone(),
                    account: signer.account.clone(),
                    email: signer.email.clone(),
                    role: signer.role.clone(),
                    due_on: due.clone(),
                    overdue: due < today,
                    origin: Some(ctx.public_origin().to_owned()).filter(|o| !o.is_empty()),
                }),
            };
            if post_event(&event).await? {
                db::exec(
                    ctx.conn(),
                    "UPDATE flow_signers SET reminded_on = ? WHERE commune = ? AND flow_id = ? AND position = ?",
                    &[
                        db::text(today.as_str()),
                        db::text(commune.as_str()),
                        db::text(flow.id.as_str()),
                        db::Value::Integer(signer.position),
                    ],
                )?;
                reminded += 1;
            }
        }
    }
    Ok(response::json(200, &json!({ "reminded": reminded })))
}
