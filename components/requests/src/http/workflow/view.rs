//! The answer of the workflow routes: the request as the caller sees it after the change
//! ([`tracking::staff_view`] to staff acting on it, [`tracking::owner_view`] to the citizen who
//! filed it); and what staff may do with a request ([`choices`]).

use guichet_guest::db::Connection;
use guichet_guest::{response, ApiError, Commune};
use serde_json::{json, Map, Value as Json};
use spin_sdk::http::Response;

use crate::domain::workflow::rules;
use crate::http::caller::Caller;
use crate::http::tracking;
use crate::http::workflow::access::{self, Acting};
use crate::http::workflow::service_of;
use crate::store::record;

/// `status` with the request `id` (re-read after the change) as `acting` sees it.
pub fn respond(
    conn: &Connection,
    commune: &Commune,
    id: &str,
    acting: &Acting,
    status: u16,
) -> Result<Response, ApiError> {
    let record = record::load_by_id(conn, commune, id)?.ok_or(ApiError::NotFound)?;
    let view = if acting.staff {
        tracking::staff_view(conn, &record)?
    } else {
        tracking::owner_view(conn, &record)?
    };
    Ok(response::json(status, &view))
}

/// What staff may do with `record`, for the staff view of `GET /api/requests/{ref}`: whether
/// they act on it at all (`may_act`: its department is theirs, or they are supervisor or
/// administrator), its service's `states` (`code`, `label`, `open`), and the `transitions`
/// their roles allow from its state (`to`, `label`, `open`, `requires`), so that a client
/// offers only what would pass; each change is still judged when made. A merged request has
/// no transition; without the catalogue's answer both lists are empty (logged).
pub async fn choices(
    conn: &Connection,
    commune: &Commune,
    record: &record::Record,
    caller: &Caller,
) -> Map<String, Json> {
    let acting = Acting {
        caller: caller.clone(),
        owner: false,
        staff: access::covers_department(caller, &record.department),
    };
    let mut choices = Map::new();
    choices.insert("may_act".into(), json!(acting.staff));
    let (mut states, mut transitions) = (Vec::new(), Vec::new());
    match service_of(conn, commune, record).await {
        Ok(service) => {
            let workflow = &service.definition.workflow;
            states = workflow
                .states
                .iter()
                .map(|s| json!({"code": s.code, "label": s.label, "open": s.open}))
                .collect();
            let roles = acting.roles();
            if record.merged_into.is_none() {
                transitions = rules::allowed_targets(workflow, &record.state, &roles)
                    .into_iter()
                    .map(|to| {
                        let state = rules::state(workflow, &to);
                        json!({
                            "to": to,
                            "label": state.map(|s| &s.label),
                            "open": state.is_some_and(|s| s.open),
                            "requires": rules::requirements(workflow, &record.state, &to, &roles),
                        })
                    })
                    .collect();
            }
        }
        Err(e) => eprintln!("the workflow of {} is unknown here: {e:?}", record.reference),
    }
    choices.insert("states".into(), Json::Array(states));
    choices.insert("transitions".into(), Json::Array(transitions));
    choices
}
