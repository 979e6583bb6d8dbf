//! `GET requests.{fmt}` and `GET requests/{id}.{fmt}` (no key): public requests (see
//! [`crate::store::georeport::publicity`]: filed public, for a service open to anonymous reports), newest first;
//! any other is absent (404 by id).
//!
//! Filters: `service_request_id` (references, comma-separated, at most 1,000; overrides all
//! the others), `service_code` (comma-separated), `start_date`/`end_date` (on
//! `requested_datetime`, W3C dates with an offset, at most 90 days apart; only one given: the
//! 90 days after the start or before the end; none: the last 90 days), `status` (`open`,
//! `closed` or both, comma-separated). At most 1,000 results; the paging extension `page`
//! (from 1) and `page_size` (1 to 1,000, default 1,000) walks beyond. `extensions=true` adds
//! `extended_attributes` (state, its label, channel, the original of a merged request) and
//! `notes[]` (`{datetime, description, type}`: the public timeline). `lang` (`fr`, `en`)
//! chooses the language of names and notes.
//!
//! Fields: `service_request_id` (the reference), `status` (`open`/`closed` from the workflow
//! state; a merged request is closed, its `status_notes` naming the original), `status_notes`
//! (the state's label), `service_name`, `service_code`, `description`, `agency_responsible`
//! (the department), `service_notice` (null), `requested_datetime`, `updated_datetime`,
//! `expected_datetime`, `address`, `address_id`, `zipcode` (null), `lat`, `long`,
//! `media_url`. Never the reporter's contact, account or answers.

use std::collections::BTreeMap;

use guichet_guest::db::Connection;
use guichet_guest::Commune;
use spin_sdk::http::Response;

use super::params::Params;
use super::render::{self, Node};
use super::{Call, Refusal};
use crate::calls::catalog::Service;
use crate::store::georeport::open311::{self, Published, Selection};
use crate::store::georeport::publicity;
use crate::store::record::Record;
use guichet_guest::dates::{self, DAY};

/// The longest window, and the default one.
pub const WINDOW_DAYS: i64 = 90;
/// The most results in one answer.
pub const LIMIT: i64 = 1_000;

/// The filters of a `GET requests`.
#[derive(Debug, Clone, PartialEq)]
pub struct Filters {
    /// References: when given, the only filter.
    pub ids: Option<Vec<String>>,
    pub codes: Option<Vec<String>>,
    /// `[start, end]` in seconds.
    pub window: (i64, i64),
    /// `Some(true)`: open only; `Some(false)`: closed only.
    pub open: Option<bool>,
    pub page: i64,
    pub page_size: i64,
    pub extensions: bool,
}

/// A comma list: trimmed, empty items dropped.
fn list_of(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The window asked for (see the module documentation), `now` in seconds.
pub fn window(start: Option<i64>, end: Option<i64>, now: i64) -> Result<(i64, i64), String> {
    let span = WINDOW_DAYS * DAY;
    match (start, end) {
        (None, None) => Ok((now - span, now)),
        (Some(start), None) => Ok((start, start + span)),
        (None, Some(end)) => Ok((end - span, end)),
        (Some(start), Some(end)) if end < start => {
            Err("end_date must not be before start_date".into())
        }
        (Some(start), Some(end)) if end - start > span => Err(format!(
            "start_date and end_date may be at most {WINDOW_DAYS} days apart"
        )),
        (Some(start), Some(end)) => Ok((start, end)),
    }
}

/// The filters of `params`, or every problem with them.
pub fn filters(params: &Params, now: i64) -> Result<Filters, Vec<String>> {
    let mut errors = Vec::new();
    let ids = params.get("service_request_id").map(list_of);
    if ids.as_ref().is_some_and(|ids| ids.len() > LIMIT as usize) {
        errors.push(format!("service_request_id: at most {LIMIT} ids"));
    }
    let codes = params.get("service_code").map(list_of);
    let mut date = |name: &str| {
        let text = params.get(name)?;
        let parsed = dates::parse(text);
        if parsed.is_none() {
            errors.push(format!(
                "{name}: not a W3C date with a time zone (e.g. 2026-01-31T00:00:00Z)"
            ));
        }
        parsed
    };
    let (start, end) = (date("start_date"), date("end_date"));
    let window = match window(start, end, now) {
        Ok(window) => window,
        Err(problem) => {
            errors.push(problem);
            (0, 0)
        }
    };
    let open = match params.get("status").map(list_of) {
        None => None,
        Some(statuses) => {
            let open = statuses.iter().any(|s| s == "open");
            let closed = statuses.iter().any(|s| s == "closed");
            if statuses.iter().any(|s| s != "open" && s != "closed") {
                errors.push("status: open, closed, or both (comma-separated)".into());
            }
            (open != closed).then_some(open)
        }
    };
    let mut number = |name: &str, default: i64, max: i64| match params.get(name) {
        None => default,
        Some(text) => match text.parse::<i64>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                errors.push(format!("{name}: a whole number from 1 to {max}"));
                default
            }
        },
    };
    let page = number("page", 1, 1_000_000);
    let page_size = number("page_size", LIMIT, LIMIT);
    let extensions = match params.get("extensions") {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            errors.push("extensions: true or false".into());
            false
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Filters {
        ids,
        codes,
        window,
        open,
        page,
        page_size,
        extensions,
    })
}

/// The current time from SQLite's clock (as every stored time), in seconds.
fn now(conn: &Connection) -> anyhow::Result<i64> {
    open311::unix_now(conn)
}

/// `GET requests.{fmt}`.
pub async fn list(call: &Call<'_>) -> Result<Response, Refusal> {
    let lang = call.lang()?;
    let commune = &call.info.commune;
    let conn = call.ctx.conn();
    let filters = filters(&call.params, now(conn)?).map_err(Refusal::bad)?;
    let services = publicity::public_services(conn, commune).await?;
    let mut found = Vec::new();
    let codes: Vec<&String> = services
        .keys()
        .filter(|code| match (&filters.ids, &filters.codes) {
            (None, Some(wanted)) => wanted.contains(code),
            _ => true,
        })
        .collect();
    if !codes.is_empty() {
        let selection = match &filters.ids {
            Some(ids) => Selection::References(ids),
            None => Selection::Filed {
                from: dates::format(filters.window.0),
                to: dates::format(filters.window.1),
                open: filters.open,
            },
        };
        let offset = (filters.page - 1) * filters.page_size;
        found = open311::published(conn, commune, &codes, &selection, filters.page_size, offset)?;
    }
    let nodes = found
        .iter()
        .map(|row| node(conn, commune, row, &services, lang, filters.extensions))
        .collect::<anyhow::Result<Vec<Node>>>()?;
    Ok(render::document(
        call.format,
        200,
        "service_requests",
        &Node::List(nodes),
    ))
}

/// `GET requests/{id}.{fmt}`: the request whose reference is `id`, as an array of one.
pub async fn show(call: &Call<'_>, id: &str) -> Result<Response, Refusal> {
    let lang = call.lang()?;
    let commune = &call.info.commune;
    let extensions = match call.params.get("extensions") {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(Refusal::one(400, "extensions: true or false")),
    };
    let missing = || Refusal::one(404, format!("no request {id:?}"));
    let conn = call.ctx.conn();
    let row = open311::published_one(conn, commune, id)?.ok_or_else(missing)?;
    let service = publicity::public_service(conn, commune, &row.record.service_code)
        .await?
        .ok_or_else(missing)?;
    let services = BTreeMap::from([(row.record.service_code.clone(), service)]);
    let node = node(conn, commune, &row, &services, lang, extensions)?;
    Ok(render::document(
        call.format,
        200,
        "service_requests",
        &Node::List(vec![node]),
    ))
}

/// The label of `state` in `service`'s workflow (the code when it has none).
pub fn state_label(service: Option<&Service>, state: &str, lang: &str) -> String {
    service
        .and_then(|s| {
            s.definition
                .workflow
                .states
                .iter()
                .find(|st| st.code == state)
        })
        .map(|st| {
            if lang == "en" {
                st.label.en.clone()
            } else {
                st.label.fr.clone()
            }
        })
        .unwrap_or_else(|| state.to_owned())
}

/// The reference of the request `merged_into` names (an id or a reference).
pub fn original_reference(
    conn: &Connection,
    commune: &Commune,
    merged_into: &str,
) -> anyhow::Result<String> {
    Ok(open311::reference_named(conn, commune, merged_into)?
        .unwrap_or_else(|| merged_into.to_owned()))
}

/// The note saying a request was merged into `original`.
pub fn merged_note(original: &str, lang: &str) -> String {
    if lang == "en" {
        format!("Duplicate: followed with request {original}.")
    } else {
        format!("Doublon : suivi avec la demande {original}.")
    }
}

fn node(
    conn: &Connection,
    commune: &Commune,
    row: &Published,
    services: &BTreeMap<String, Service>,
    lang: &str,
    extensions: bool,
) -> anyhow::Result<Node> {
    let record = &row.record;
    let service = services.get(&record.service_code);
    let label = state_label(service, &record.state, lang);
    let original = record
        .merged_into
        .as_deref()
        .map(|m| original_reference(conn, commune, m))
        .transpose()?;
    let open = record.is_open && original.is_none();
    let notes = match &original {
        Some(original) => merged_note(original, lang),
        None => label.clone(),
    };
    let mut members = vec![
        ("service_request_id", Node::Text(record.reference.clone())),
        (
            "status",
            Node::Text(if open { "open" } else { "closed" }.into()),
        ),
        ("status_notes", Node::Text(notes)),
        ("service_name", Node::Text(record.service_name_in(lang))),
        ("service_code", Node::Text(record.service_code.clone())),
        ("description", Node::Text(record.description.clone())),
        ("agency_responsible", Node::Text(record.department.clone())),
        ("service_notice", Node::Null),
        ("requested_datetime", Node::Text(record.created_at.clone())),
        ("updated_datetime", Node::Text(record.updated_at.clone())),
        (
            "expected_datetime",
            Node::text(record.expected_on.as_deref().map(expected_datetime)),
        ),
        ("address", Node::text(record.address.clone())),
        ("address_id", Node::text(row.address_id.clone())),
        ("zipcode", Node::Null),
        ("lat", Node::float(record.lat)),
        ("long", Node::float(record.long)),
        ("media_url", Node::text(row.media_url.clone())),
    ];
    if extensions {
        members.push((
            "extended_attributes",
            Node::Object(vec![
                ("state", Node::Text(record.state.clone())),
                ("state_label", Node::Text(label)),
                ("channel", Node::Text(record.channel.clone())),
                ("merged_into", Node::text(original)),
            ]),
        ));
        members.push(("notes", Node::List(notes_of(conn, record, service, lang)?)));
    }
    Ok(Node::Object(members))
}

/// An expected date (`YYYY-MM-DD`) as a W3C datetime: the start of that day, UTC.
fn expected_datetime(date: &str) -> String {
    if date.len() == 10 {
        format!("{date}T00:00:00Z")
    } else {
        date.to_owned()
    }
}

/// The public history of `record`: `{datetime, description, type}`, oldest first.
fn notes_of(
    conn: &Connection,
    record: &Record,
    service: Option<&Service>,
    lang: &str,
) -> anyhow::Result<Vec<Node>> {
    Ok(open311::notes(conn, &record.id)?
        .into_iter()
        .map(|note| {
            let kind = note.kind.unwrap_or_default();
            let description =
                describe_entry(&kind, note.to_value.as_deref(), note.body, service, lang);
            Node::Object(vec![
                ("datetime", Node::text(note.at)),
                ("description", Node::Text(description)),
                ("type", Node::Text(kind)),
            ])
        })
        .collect())
}

/// What a public timeline entry says: its text when it has one, else what happened.
pub fn describe_entry(
    kind: &str,
    to: Option<&str>,
    body: Option<String>,
    service: Option<&Service>,
    lang: &str,
) -> String {
    if let Some(body) = body.filter(|b| !b.trim().is_empty()) {
        return body;
    }
    let en = lang == "en";
    let state = to
        .map(|s| state_label(service, s, lang))
        .unwrap_or_default();
    match kind {
        "filed" if en => "Request filed.".into(),
        "filed" => "Demande déposée.".into(),
        "status" | "reopened" if en => format!("Status: {state}."),
        "status" | "reopened" => format!("État : {state}."),
        "merged" => match to {
            Some(original) => merged_note(original, lang),
            None if en => "Merged with another request.".into(),
            None => "Fusionnée avec une autre demande.".into(),
        },
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn the_window_defaults_to_the_last_ninety_days_and_never_spans_more() {
        let span = 90 * DAY;
        assert_eq!(window(None, None, NOW), Ok((NOW - span, NOW)));
        assert_eq!(window(Some(NOW), None, NOW), Ok((NOW, NOW + span)));
        assert_eq!(window(None, Some(NOW), NOW), Ok((NOW - span, NOW)));
        assert_eq!(
            window(Some(NOW - span), Some(NOW), NOW),
            Ok((NOW - span, NOW))
        );
        assert!(window(Some(NOW - span - 1), Some(NOW), NOW).is_err());
        assert!(window(Some(NOW), Some(NOW - 1), NOW).is_err());
    }

    #[test]
    fn every_bad_filter_is_reported_at_once() {
        let params = Params::parse(
            "start_date=yesterday&status=pending&page_size=5000&extensions=maybe&page=0",
        );
        let errors = filters(&params, NOW).err().unwrap_or_default();
        assert_eq!(errors.len(), 5, "{errors:?}");
    }

    #[test]
    fn filters_read_lists_statuses_and_paging() {
        let params = Params::parse(
            "service_code=pothole,+graffiti&status=open&page=2&page_size=10&extensions=true\
             &start_date=2026-01-01T00:00:00%2B01:00",
        );
        let filters = filters(&params, NOW).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(
            filters.codes,
            Some(vec!["pothole".to_owned(), "graffiti".to_owned()])
        );
        assert_eq!(filters.open, Some(true));
        assert_eq!(
            (filters.page, filters.page_size, filters.extensions),
            (2, 10, true)
        );
        assert_eq!(dates::format(filters.window.0), "2025-12-31T23:00:00Z");
        let both = super::filters(&Params::parse("status=open,closed"), NOW);
        assert_eq!(both.map(|f| f.open), Ok(None));
    }

    #[test]
    fn an_entry_without_text_says_what_happened() {
        assert_eq!(
            describe_entry("status", Some("resolved"), None, None, "en"),
            "Status: resolved."
        );
        assert_eq!(
            describe_entry("filed", None, Some(" ".into()), None, "fr"),
            "Demande déposée."
        );
        assert_eq!(
            describe_entry("message", None, Some("On y va".into()), None, "fr"),
            "On y va"
        );
        assert_eq!(
            describe_entry("merged", Some("2026-000001"), None, None, "en"),
            "Duplicate: followed with request 2026-000001."
        );
    }
}
