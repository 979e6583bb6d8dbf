//! mySociety's `servicerequestupdates` extension (what FixMyStreet uses to follow requests).
//!
//! `GET servicerequestupdates.{fmt}` (no key): the public updates of public requests whose
//! time falls in `start_date`/`end_date` (same rules as `GET requests`: at most 90 days apart,
//! default the last 90 days), oldest first, at most 1,000 (`page`/`page_size` beyond):
//! status changes, reopenings, merges, and public messages of staff and client apps (never a
//! citizen's own messages). Each: `update_id` (the timeline entry's number), `service_request_id`,
//! `status` (mySociety's list: `open`, `closed`, `fixed`, `in_progress`, `action_scheduled`,
//! `investigating`, `duplicate`, `not_councils_responsibility`, `no_further_action`,
//! `reopen`, from the workflow state after the update), `updated_datetime`, `description`,
//! `media_url`.
//!
//! `POST servicerequestupdates.{fmt}` (`api_key` required): an app adds a public comment to a
//! public request: `service_request_id`, `description` (≤ 4,000 characters), and optionally
//! `update_id` (the app's own id), `status` (`open`/`closed`, any case), `updated_datetime`,
//! `first_name`, `last_name`, `email`, `media_url`. It becomes a public `message` timeline
//! entry (actor: the API key; the author's name and e-mail kept for staff only) and a
//! `message` event to the request's followers. The status the app reports is recorded, not
//! applied: only the commune's agents move a request through its workflow. Answer:
//! `[{update_id}]`, Guichet's id of the new update.

use std::collections::BTreeMap;

use guichet_guest::db;
use guichet_guest::email::EmailAddress;

use guichet_guest::service::Open311Status;
use serde_json::{json, Map, Value as Json};
use spin_sdk::http::Response;

use super::list::{self, describe_entry, merged_note, original_reference};
use super::render::{self, Node};
use super::{post, Call, Refusal};
use crate::calls::catalog::Service;
use crate::calls::events;
use crate::store::georeport::open311::{self, UpdatesPage};
use crate::store::georeport::publicity;
use crate::store::record;
use crate::store::timeline::{self, Actor, Entry};
use guichet_guest::dates;

const DESCRIPTION_MAX: usize = 4_000;
const SHORT_MAX: usize = 200;

/// mySociety's status for a request in workflow state `state` of `service`: the one the
/// catalogue declares with the state (without the service: the state's default, as closed).
pub fn status_of(state: &str, service: Option<&Service>) -> &'static str {
    match service {
        Some(service) => service.open311_status(state).as_str(),
        None => Open311Status::default_for(state, false).as_str(),
    }
}

/// `GET servicerequestupdates.{fmt}`.
pub async fn list(call: &Call<'_>) -> Result<Response, Refusal> {
    let lang = call.lang()?;
    let commune = &call.info.commune;
    let conn = call.ctx.conn();
    let now = open311::unix_now(conn)?;
    let filters = list::filters(&call.params, now).map_err(Refusal::bad)?;
    let services = publicity::public_services(conn, commune).await?;
    let codes: Vec<&String> = services.keys().collect();
    let mut nodes = Vec::new();
    if !codes.is_empty() {
        let page = UpdatesPage {
            services: &codes,
            from: dates::format(filters.window.0),
            to: dates::format(filters.window.1),
            limit: filters.page_size,
            offset: (filters.page - 1) * filters.page_size,
        };
        for update in open311::updates(conn, commune, &page)? {
            let kind = update.kind.clone().unwrap_or_default();
            let service = update
                .service_code
                .as_ref()
                .and_then(|code| services.get(code));
            let state = update.state.clone().unwrap_or_default();
            let status = match kind.as_str() {
                "merged" => "duplicate",
                "reopened" => "reopen",
                _ => status_of(&state, service),
            };
            let description = match (kind.as_str(), update.merged_into, update.body) {
                ("merged", Some(original), None) => {
                    merged_note(&original_reference(conn, commune, &original)?, lang)
                }
                (_, _, body) => {
                    describe_entry(&kind, update.to_value.as_deref(), body, service, lang)
                }
            };
            let media_url = update
                .detail
                .and_then(|d| serde_json::from_str::<Json>(&d).ok())
                .and_then(|d| d.get("media_url").and_then(Json::as_str).map(str::to_owned));
            nodes.push(Node::Object(vec![
                ("update_id", Node::Text(update.seq.to_string())),
                ("service_request_id", Node::text(update.reference)),
                ("status", Node::Text(status.into())),
                ("updated_datetime", Node::text(update.at)),
                ("description", Node::Text(description)),
                ("media_url", Node::text(media_url)),
            ]));
        }
    }
    Ok(render::document(
        call.format,
        200,
        "service_request_updates",
        &Node::List(nodes),
    ))
}

/// `POST servicerequestupdates.{fmt}`.
pub async fn post(call: &Call<'_>) -> Result<Response, Refusal> {
    let commune = &call.info.commune;
    let params = &call.params;
    let conn = call.ctx.conn();
    let key = post::key_of(conn, commune, params)?;
    let mut errors = Vec::new();
    let reference = params.get("service_request_id");
    if reference.is_none() {
        errors.push("service_request_id is required".to_owned());
    }
    let description = params.get("description");
    match description {
        None => errors.push("description is required".to_owned()),
        Some(d) if d.chars().count() > DESCRIPTION_MAX => {
            errors.push(format!("description: at most {DESCRIPTION_MAX} characters"));
        }
        Some(_) => {}
    }
    let reported = params.get("status").map(str::to_ascii_lowercase);
    if reported
        .as_deref()
        .is_some_and(|s| s != "open" && s != "closed")
    {
        errors.push("status: open or closed".to_owned());
    }
    if params
        .get("updated_datetime")
        .is_some_and(|d| dates::parse(d).is_none())
    {
        errors.push("updated_datetime: not a W3C date with a time zone".to_owned());
    }
    if let Some(Err(error)) = params.get("email").map(EmailAddress::parse) {
        errors.push(format!("email: {error}"));
    }
    let media_url = params.get("media_url");
    if media_url.is_some_and(|u| {
        u.chars().count() > 2_048 || !(u.starts_with("https://") || u.starts_with("http://"))
    }) {
        errors.push("media_url: must be an http or https URL".to_owned());
    }
    for name in ["update_id", "first_name", "last_name"] {
        if params
            .get(name)
            .is_some_and(|v| v.chars().count() > SHORT_MAX)
        {
            errors.push(format!("{name}: at most {SHORT_MAX} characters"));
        }
    }
    let (Some(reference), Some(description), true) = (reference, description, errors.is_empty())
    else {
        return Err(Refusal::bad(errors));
    };
    let missing = || Refusal::one(404, format!("no request {reference:?}"));
    let found = record::load(conn, commune, reference)?.ok_or_else(missing)?;
    if !publicity::filed_public(conn, &found.id)? {
        return Err(missing());
    }
    publicity::public_service(conn, commune, &found.service_code)
        .await?
        .ok_or_else(missing)?;
    let mut detail = Map::new();
    let mut keep = |name: &str, value: Option<&str>| {
        if let Some(value) = value {
            detail.insert(name.to_owned(), json!(value));
        }
    };
    keep("open311_update_id", params.get("update_id"));
    keep("reported_status", reported.as_deref());
    keep("reported_at", params.get("updated_datetime"));
    keep("media_url", media_url);
    let author: BTreeMap<&str, &str> = ["first_name", "last_name", "email"]
        .into_iter()
        .filter_map(|name| Some((name, params.get(name)?)))
        .collect();
    if !author.is_empty() {
        detail.insert("author".into(), json!(author));
    }
    let app = key.caller();
    let actor = Actor {
        kind: app.actor_kind(),
        id: app.actor_id().map(str::to_owned),
    };
    let (seq, event_id) = db::transaction(conn, |conn| {
        let (_, now) = db::new_id_and_now(conn)?;
        let mut entry = Entry::new("message", true);
        entry.body = Some(description);
        entry.detail = detail.clone();
        timeline::append(conn, commune, &found.id, &now, &actor, &entry)?;
        let seq = open311::last_seq(conn, &found.id)?;
        record::touch(conn, &found.id, &now)?;
        let event_id = events::emit(conn, &call.info, &found, |about| {
            events::about_request!(Message, about, {
                text: description.to_owned(),
                // As before the typed contract: told to the citizen as the app's message.
                author: None,
                public: true,
                channel: None,
                assignee: found.assignee.clone(),
            })
        })?;
        Ok((seq, event_id))
    })?;
    events::deliver(conn, commune, &[event_id]).await;
    let answer = Node::List(vec![Node::Object(vec![(
        "update_id",
        Node::Text(seq.to_string()),
    )])]);
    Ok(render::document(
        call.format,
        200,
        "service_request_updates",
        &answer,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_states_map_to_mysociety_statuses() {
        assert_eq!(status_of("in-progress", None), "in_progress");
        assert_eq!(status_of("resolved", None), "fixed");
        assert_eq!(
            status_of("not-municipal", None),
            "not_councils_responsibility"
        );
        assert_eq!(status_of("duplicate", None), "duplicate");
        assert_eq!(status_of("acknowledged", None), "investigating");
        assert_eq!(
            status_of("whatever", None),
            "closed",
            "unknown states are closed"
        );
    }

    #[test]
    fn the_status_a_state_declares_in_the_catalogue_is_the_one_open311_apps_see() {
        let mut definition = guichet_guest::service::example_definition();
        definition["workflow"]["states"][2]["open311_status"] = json!("no_further_action");
        let service = Service {
            version: 1,
            status: "published".into(),
            definition: serde_json::from_value(definition).unwrap_or_else(|e| panic!("{e}")),
        };
        assert_eq!(status_of("granted", Some(&service)), "no_further_action");
        assert_eq!(status_of("in-review", Some(&service)), "open");
        assert_eq!(status_of("refused", Some(&service)), "no_further_action");
    }
}
