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

use guichet_guest::email::EmailAddress;
use guichet_guest::db::{self, Value};
use guichet_guest::event::EventKind;
use serde_json::{json, Map, Value as Json};
use spin_sdk::http::Response;

use guichet_guest::dates;
use super::list::{self, describe_entry, merged_note, original_reference};
use crate::store::georeport::publicity::{self, PUBLIC_ENTRIES, PUBLIC_REQUEST, STATE_AFTER};
use super::render::{self, Node};
use super::{post, Call, Refusal};
use crate::calls::catalog::Service;
use crate::store::timeline::{self, Actor, Entry};
use crate::calls::events;
use crate::store::record;

const DESCRIPTION_MAX: usize = 4_000;
const SHORT_MAX: usize = 200;

/// mySociety's status for a request in workflow state `state` of `service`.
pub fn status_of(state: &str, service: Option<&Service>) -> &'static str {
    match state {
        "duplicate" => "duplicate",
        "not-municipal" => "not_councils_responsibility",
        "in-progress" => "in_progress",
        "acknowledged" => "investigating",
        "scheduled" | "confirmed" => "action_scheduled",
        "resolved" | "completed" | "delivered" => "fixed",
        "refused" | "declined" => "no_further_action",
        _ => {
            let open = service.is_some_and(|s| s.is_open_state(state));
            if open {
                "open"
            } else {
                "closed"
            }
        }
    }
}

/// `GET servicerequestupdates.{fmt}`.
pub async fn list(call: &Call<'_>) -> Result<Response, Refusal> {
    let lang = call.lang()?;
    let commune = &call.info.commune;
    let conn = call.ctx.conn();
    let now = {
        let result = db::query(conn, "SELECT CAST(strftime('%s', 'now') AS INTEGER)", &[])?;
        result
            .rows
            .first()
            .and_then(|r| r.get::<i64>(0))
            .unwrap_or_default()
    };
    let filters = list::filters(&call.params, now).map_err(Refusal::bad)?;
    let services = publicity::public_services(conn, commune).await?;
    let codes: Vec<&String> = services.keys().collect();
    let mut nodes = Vec::new();
    if !codes.is_empty() {
        let sql = format!(
            "SELECT t.seq, r.reference, t.at, t.kind, t.to_value, t.body, t.detail, \
             r.service_code, {STATE_AFTER}, r.merged_into FROM timeline t \
             JOIN requests r ON r.id = t.request_id \
             WHERE t.commune = ? AND r.commune = t.commune AND {PUBLIC_REQUEST} \
             AND r.service_code IN ({}) \
             AND t.at >= ? AND t.at <= ? \
             AND t.kind <> 'filed' AND {PUBLIC_ENTRIES} ORDER BY t.seq LIMIT ? OFFSET ?",
            vec!["?"; codes.len()].join(", ")
        );
        let mut params = vec![db::text(commune.as_str())];
        params.extend(codes.iter().map(|c| db::text(c.as_str())));
        params.push(db::text(dates::format(filters.window.0)));
        params.push(db::text(dates::format(filters.window.1)));
        params.push(Value::Integer(filters.page_size));
        params.push(Value::Integer((filters.page - 1) * filters.page_size));
        let result = db::query(conn, &sql, &params)?;
        for row in &result.rows {
            let text = |i: usize| row.get::<&str>(i).map(str::to_owned);
            let kind = text(3).unwrap_or_default();
            let service = text(7).and_then(|code| services.get(&code));
            let state = text(8).unwrap_or_default();
            let status = match kind.as_str() {
                "merged" => "duplicate",
                "reopened" => "reopen",
                _ => status_of(&state, service),
            };
            let description = match (kind.as_str(), text(9), text(5)) {
                ("merged", Some(original), None) => {
                    merged_note(&original_reference(conn, commune, &original)?, lang)
                }
                _ => describe_entry(&kind, text(4).as_deref(), text(5), service, lang),
            };
            let media_url = text(6)
                .and_then(|d| serde_json::from_str::<Json>(&d).ok())
                .and_then(|d| d.get("media_url").and_then(Json::as_str).map(str::to_owned));
            nodes.push(Node::Object(vec![
                (
                    "update_id",
                    Node::Text(row.get::<i64>(0).unwrap_or_default().to_string()),
                ),
                ("service_request_id", Node::text(text(1))),
                ("status", Node::Text(status.into())),
                ("updated_datetime", Node::text(text(2))),
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
    let actor = Actor {
        kind: "open311",
        id: Some(key.id.clone()),
    };
    let (seq, event_id) = db::transaction(conn, |conn| {
        let (_, now) = db::new_id_and_now(conn)?;
        let mut entry = Entry::new("message", true);
        entry.body = Some(description);
        entry.detail = detail.clone();
        timeline::append(conn, commune, &found.id, &now, &actor, &entry)?;
        let result = db::query(
            conn,
            "SELECT MAX(seq) FROM timeline WHERE request_id = ?",
            &[db::text(found.id.as_str())],
        )?;
        let seq = result
            .rows
            .first()
            .and_then(|r| r.get::<i64>(0))
            .ok_or_else(|| anyhow::anyhow!("the update just written has no number"))?;
        record::touch(conn, &found.id, &now)?;
        let mut extra = Map::new();
        extra.insert("message".into(), json!(description));
        extra.insert("public".into(), json!(true));
        let event_id = events::emit(conn, &call.info, EventKind::Message, &found, extra)?;
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
}
