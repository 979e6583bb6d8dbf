//! `POST /api/requests/{ref}/transitions` and `POST /api/requests/{ref}/reopen`: moving a
//! request along its service's workflow.

use guichet_guest::db;
use guichet_guest::tenant::CommuneInfo;
use guichet_guest::{ApiError, Commune, FieldError};
use serde_json::{Map, Value as Json};
use spin_sdk::http::Response;

use crate::calls::catalog::{self, Service};
use crate::calls::events;
use crate::domain::workflow::deadline;
use crate::domain::workflow::rules::{self, Verdict};
use crate::http::workflow::access::{self, Acting, Who};
use crate::http::workflow::{input, view};
use crate::store::record::{self, Record};
use crate::store::workflow::change::{self, StateChange};
use crate::Ctx;
use guichet_guest::db::Connection;

/// How long after closing a citizen may reopen their request (when the workflow lets them).
const CITIZEN_REOPEN_DAYS: i64 = 30;

/// `{"to", "message"?, "note"?}`: the transition is checked against the workflow of the
/// service version the request was filed under.
pub async fn transition(ctx: &Ctx<'_>, reference: &str) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    let caller = ctx.caller()?.require_signed_in()?.clone();
    let body = input::object(req, &["to", "message", "note"])?;
    let conn = ctx.conn();
    let (record, acting) = access::load(conn, commune, caller, reference, Who::OwnerOrStaff)?;
    let mut errors = Vec::new();
    let to = target(&body, &mut errors);
    let message = input::text(&body, "message", false, &mut errors);
    let note = input::text(&body, "note", false, &mut errors);
    if note.is_some() && !acting.staff {
        errors.push(FieldError::new(
            "note",
            "staff_only",
            "only the commune's staff write internal notes",
        ));
    }
    let service = service_of(conn, commune, &record).await?;
    let workflow = &service.definition.workflow;
    let roles = acting.roles();
    let verdict = to
        .as_deref()
        .map(|to| rules::judge(workflow, &record.state, to, &roles));
    if verdict == Some(Verdict::UnknownState) {
        errors.push(FieldError::new(
            "to",
            "unknown_state",
            "this state is not part of the service's workflow",
        ));
    }
    if let (Some(Verdict::Allowed), Some(to)) = (&verdict, to.as_deref()) {
        let given = [("message", message.is_some()), ("note", note.is_some())];
        for (member, given) in given {
            let required = rules::requirements(workflow, &record.state, to, &roles);
            if !given && required.iter().any(|r| r == member) {
                errors.push(FieldError::new(
                    member,
                    "required",
                    format!("this transition requires a {member}"),
                ));
            }
        }
    }
    input::finish(errors)?;
    let Some(to) = to else {
        return Err(ApiError::field("to", "required", "to is required"));
    };
    refuse_merged(&record)?;
    match verdict {
        Some(Verdict::NotFromHere { allowed }) => {
            return Err(not_from_here(&record.state, &allowed))
        }
        Some(Verdict::NotForRole) => {
            return Err(ApiError::Forbidden {
                message: "your role may not make this transition",
            })
        }
        _ => {}
    }
    let change = StateChange {
        to: &to,
        kind: "status",
        body: None,
        message: message.as_deref(),
        note: note.as_deref(),
        new_deadline: None,
        reopened: false,
    };
    write(conn, ctx.served(), &record, &service, &acting, &change).await?;
    view::respond(conn, commune, &record.id, &acting, 200)
}

/// `{"reason"}`: a closed request goes back to an open state (see [`rules::reopen_target`]);
/// a citizen may reopen their own request only through a workflow transition open to
/// `citizen`, within 30 days of its closing. The request gets a new expected date.
pub async fn reopen(ctx: &Ctx<'_>, reference: &str) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    let caller = ctx.caller()?.require_signed_in()?.clone();
    let body = input::object(req, &["reason"])?;
    let mut errors = Vec::new();
    let reason = input::text(&body, "reason", true, &mut errors);
    let conn = ctx.conn();
    let (record, acting) = access::load(conn, commune, caller, reference, Who::OwnerOrStaff)?;
    input::finish(errors)?;
    let Some(reason) = reason else {
        return Err(ApiError::field("reason", "required", "reason is required"));
    };
    refuse_merged(&record)?;
    if record.is_open {
        return Err(ApiError::conflict(
            "state",
            "not_closed",
            "the request is still open",
        ));
    }
    let service = service_of(conn, commune, &record).await?;
    let workflow = &service.definition.workflow;
    let Some(to) = rules::reopen_target(
        workflow,
        &record.state,
        &acting.roles(),
        acting.is_supervisor(),
    ) else {
        return Err(ApiError::Forbidden {
            message: "your role may not reopen this request",
        });
    };
    if !acting.staff && !closed_recently(conn, &record)? {
        return Err(ApiError::conflict(
            "state",
            "reopen_window_passed",
            format!("a request can be reopened by its citizen within {CITIZEN_REOPEN_DAYS} days of its closing"),
        ));
    }
    let change = StateChange {
        to: &to,
        kind: "reopened",
        body: Some(&reason),
        message: None,
        note: None,
        new_deadline: Some(deadline::processing_time(
            service.definition.processing_days,
        )?),
        reopened: true,
    };
    write(conn, ctx.served(), &record, &service, &acting, &change).await?;
    view::respond(conn, commune, &record.id, &acting, 200)
}

/// Writes `change` in one transaction, then delivers its event.
async fn write(
    conn: &db::Connection,
    served: &CommuneInfo,
    record: &Record,
    service: &Service,
    acting: &Acting,
    change: &StateChange<'_>,
) -> Result<(), ApiError> {
    let commune = &served.commune;
    let workflow = &service.definition.workflow;
    let actor = acting.actor();
    let written = db::transaction(conn, |conn| {
        change::apply(conn, served, record, workflow, &actor, change)
    })?;
    let Some((_, event)) = written else {
        return Err(ApiError::conflict(
            "to",
            "changed",
            "the request changed meanwhile: reload it and try again",
        ));
    };
    events::deliver(conn, commune, &[event]).await;
    Ok(())
}

/// The definition of the service version `record` was filed under.
pub async fn service_of(
    conn: &Connection,
    commune: &Commune,
    record: &Record,
) -> Result<Service, ApiError> {
    let service = catalog::service(
        conn,
        commune,
        &record.service_code,
        Some(record.service_version),
    )
    .await?;
    service.ok_or_else(|| {
        ApiError::Internal(anyhow::anyhow!(
            "the catalogue no longer has {} version {}",
            record.service_code,
            record.service_version
        ))
    })
}

/// A merged request follows the original: its own workflow stops.
fn refuse_merged(record: &Record) -> Result<(), ApiError> {
    if record.merged_into.is_some() {
        return Err(ApiError::conflict(
            "reference",
            "merged",
            "this request was merged into another one: act on the original",
        ));
    }
    Ok(())
}

/// The `to` member: a non-empty string.
fn target(body: &Map<String, Json>, errors: &mut Vec<FieldError>) -> Option<String> {
    match body.get("to") {
        Some(Json::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Json::String(_)) | None | Some(Json::Null) => {
            errors.push(FieldError::new("to", "required", "to is required"));
            None
        }
        Some(_) => {
            errors.push(FieldError::new("to", "not_a_string", "to must be a string"));
            None
        }
    }
}

/// The 409 that says where the request may go instead.
fn not_from_here(state: &str, allowed: &[String]) -> ApiError {
    let message = if allowed.is_empty() {
        format!("no transition from {state:?} is open to you")
    } else {
        format!(
            "from {state:?} you may move this request to: {}",
            allowed.join(", ")
        )
    };
    ApiError::conflict("to", "transition_not_allowed", message)
}

/// Whether `record` closed less than [`CITIZEN_REOPEN_DAYS`] days ago (by SQLite's clock).
fn closed_recently(conn: &db::Connection, record: &Record) -> Result<bool, ApiError> {
    let Some(closed_at) = record.closed_at.as_deref() else {
        return Ok(true);
    };
    Ok(record::within_days(conn, closed_at, CITIZEN_REOPEN_DAYS)?)
}
