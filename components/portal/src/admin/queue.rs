//! `GET /admin`: the agents' queue. The filters of `GET /api/requests` as a form that works
//! without JavaScript (a GET: the address is the view, so a bookmark is a saved view), the
//! counts by state, one page of requests with keyset paging (`cursor`), the CSV export of
//! the same filters (`GET /admin/export.csv`), and links to each request.
//!
//! The page passes only the filters it knows to the API, which checks each one and answers
//! a 400 naming the one at fault: the page shows those errors above the form.

use askama::Template;
use guichet_guest::query::Query;
use guichet_guest::{ApiError, FieldError};
use serde_json::Value as Json;
use spin_sdk::http::{Method, Response};

use super::{encode, lang_code, outcome, AdminChrome, Role, Section, Staff};
use crate::i18n::Lang;
use crate::page;

/// The queue's filters, in the order of the form (names of `GET /api/requests`).
pub const FILTERS: [&str; 10] =
    ["q", "service", "state", "department", "assignee", "channel", "open", "overdue", "from", "to"];

/// The channels an agent can filter on, as requests names them.
const CHANNELS: [&str; 6] = ["web", "open311", "counter", "phone", "email", "mail"];

struct QueueTexts {
    title: &'static str,
    filters: &'static str,
    text: &'static str,
    service: &'static str,
    state: &'static str,
    department: &'static str,
    assignee: &'static str,
    anyone: &'static str,
    me: &'static str,
    unassigned: &'static str,
    channel: &'static str,
    any_channel: &'static str,
    open: &'static str,
    open_only: &'static str,
    closed_only: &'static str,
    overdue: &'static str,
    overdue_only: &'static str,
    from: &'static str,
    to: &'static str,
    sort: &'static str,
    newest: &'static str,
    oldest: &'static str,
    due_first: &'static str,
    updated: &'static str,
    apply: &'static str,
    reset: &'static str,
    export: &'static str,
    results: &'static str,
    at_least: &'static str,
    reference: &'static str,
    filed: &'static str,
    expected: &'static str,
    next_page: &'static str,
    first_page: &'static str,
    none: &'static str,
    late: &'static str,
    by_state: &'static str,
    channels: [&'static str; 6],
}

const FR: QueueTexts = QueueTexts {
    title: "Demandes",
    filters: "Filtrer les demandes",
    text: "Mots (référence, description, adresse)",
    service: "Service (code)",
    state: "État (code)",
    department: "Service municipal (code)",
    assignee: "Attribuée à",
    anyone: "Tout le monde",
    me: "Moi",
    unassigned: "Personne",
    channel: "Canal",
    any_channel: "Tous les canaux",
    open: "Ouverture",
    open_only: "Ouvertes",
    closed_only: "Clôturées",
    overdue: "En retard",
    overdue_only: "En retard seulement",
    from: "Déposées depuis le",
    to: "Déposées jusqu’au",
    sort: "Ordre",
    newest: "Les plus récentes",
    oldest: "Les plus anciennes",
    due_first: "Échéance la plus proche",
    updated: "Modifiées récemment",
    apply: "Filtrer",
    reset: "Tout effacer",
    export: "Exporter en CSV",
    results: "demandes",
    at_least: "au moins",
    reference: "Référence",
    filed: "Déposée le",
    expected: "Échéance",
    next_page: "Page suivante",
    first_page: "Première page",
    none: "Aucune demande ne correspond à ces filtres.",
    late: "en retard",
    by_state: "Par état",
    channels: ["Site web", "Application Open311", "Guichet", "Téléphone", "Courriel", "Courrier"],
};

const EN: QueueTexts = QueueTexts {
    title: "Requests",
    filters: "Filter the requests",
    text: "Words (reference, description, address)",
    service: "Service (code)",
    state: "State (code)",
    department: "Department (code)",
    assignee: "Assigned to",
    anyone: "Anyone",
    me: "Me",
    unassigned: "Nobody",
    channel: "Channel",
    any_channel: "Every channel",
    open: "Status",
    open_only: "Open",
    closed_only: "Closed",
    overdue: "Overdue",
    overdue_only: "Overdue only",
    from: "Filed from",
    to: "Filed until",
    sort: "Order",
    newest: "Newest first",
    oldest: "Oldest first",
    due_first: "Due soonest",
    updated: "Recently updated",
    apply: "Filter",
    reset: "Clear all",
    export: "Export as CSV",
    results: "requests",
    at_least: "at least",
    reference: "Reference",
    filed: "Filed on",
    expected: "Due",
    next_page: "Next page",
    first_page: "First page",
    none: "No request matches these filters.",
    late: "overdue",
    by_state: "By state",
    channels: ["Website", "Open311 app", "Counter", "Phone", "E-mail", "Letter"],
};

fn texts(lang: Lang) -> &'static QueueTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

/// One request of the list.
struct Line {
    reference: String,
    service: String,
    state: String,
    department: String,
    assignee: String,
    channel: String,
    filed: String,
    expected: String,
    overdue: bool,
    address: String,
}

/// The form's current values.
struct Values {
    q: String,
    service: String,
    state: String,
    department: String,
    assignee: String,
    channel: String,
    open: String,
    overdue: bool,
    from: String,
    to: String,
    sort: String,
}

#[derive(Template)]
#[template(path = "admin/queue.html")]
struct QueuePage {
    chrome: AdminChrome,
    q: &'static QueueTexts,
    v: Values,
    errors: Vec<FieldError>,
    lines: Vec<Line>,
    total: i64,
    capped: bool,
    by_state: Vec<(String, i64)>,
    next_href: Option<String>,
    first_href: Option<String>,
    export_href: String,
    channels: Vec<(&'static str, &'static str)>,
}

pub async fn route(staff: &Staff<'_, '_>) -> Result<Response, ApiError> {
    guichet_guest::routing::only_get(staff.ctx.request())?;
    page(staff).await
}

/// `GET /admin/export.csv`: the queue's filters as the API's CSV.
pub async fn export(staff: &Staff<'_, '_>) -> Result<Response, ApiError> {
    staff.require(&[Role::Agent, Role::Supervisor, Role::Admin])?;
    let query = Query::of(staff.ctx.request());
    let path = format!("/api/requests/export.csv?{}&purpose=handling_request", api_filters(&query, staff.lang));
    let answer = staff.call(Method::Get, &path, None, &[]).await?;
    super::accepted(&answer)?;
    let mut response = Response::new(200, answer.body);
    response.set_header("content-type", "text/csv; charset=utf-8");
    response.set_header("content-disposition", "attachment; filename=\"requests.csv\"");
    response.set_header("cache-control", "no-store");
    page::secure(&mut response);
    Ok(response)
}

/// The filters of the page's query the API knows, re-encoded (empty values dropped).
fn api_filters(query: &Query, lang: Lang) -> String {
    let mut pairs: Vec<String> = FILTERS
        .iter()
        .filter_map(|name| query.get(name).filter(|v| !v.trim().is_empty()).map(|v| format!("{name}={}", encode(v.trim()))))
        .collect();
    if let Some(sort) = query.get("sort").filter(|s| !s.is_empty()) {
        pairs.push(format!("sort={}", encode(sort)));
    }
    pairs.push(format!("lang={}", lang_code(lang)));
    pairs.join("&")
}

async fn page(staff: &Staff<'_, '_>) -> Result<Response, ApiError> {
    staff.require(&[Role::Agent, Role::Supervisor, Role::Admin])?;
    let query = Query::of(staff.ctx.request());
    let q = texts(staff.lang);
    let filters = api_filters(&query, staff.lang);
    let mut path = format!("/api/requests?{filters}&purpose=handling_request&limit=25");
    let first = query.get("cursor").is_none_or(str::is_empty);
    if let Some(cursor) = query.get("cursor").filter(|c| !c.is_empty()) {
        path.push_str(&format!("&cursor={}", encode(cursor)));
    } else {
        path.push_str("&counts=true");
    }
    let answer = staff.call(Method::Get, &path, None, &[]).await?;
    let (body, errors) = match outcome(&answer)? {
        Ok(body) => (body, Vec::new()),
        Err(errors) => (Json::Null, errors),
    };
    let lines = body
        .get("items")
        .and_then(Json::as_array)
        .map(|items| items.iter().map(|i| line(i, q)).collect())
        .unwrap_or_default();
    let by_state = body
        .pointer("/counts/by_state")
        .and_then(Json::as_object)
        .map(|m| m.iter().map(|(k, v)| (k.clone(), v.as_i64().unwrap_or(0))).collect())
        .unwrap_or_default();
    let next_href = body
        .get("next_cursor")
        .and_then(Json::as_str)
        .map(|c| format!("/admin?{}&cursor={}", page_filters(&query), encode(c)));
    let v = Values {
        q: value(&query, "q"),
        service: value(&query, "service"),
        state: value(&query, "state"),
        department: value(&query, "department"),
        assignee: value(&query, "assignee"),
        channel: value(&query, "channel"),
        open: value(&query, "open"),
        overdue: query.get("overdue") == Some("true"),
        from: value(&query, "from"),
        to: value(&query, "to"),
        sort: value(&query, "sort"),
    };
    let page = QueuePage {
        chrome: staff.chrome(q.title, Section::Queue),
        q,
        v,
        errors,
        lines,
        total: body.get("total").and_then(Json::as_i64).unwrap_or(0),
        capped: body.get("total_is_capped").and_then(Json::as_bool).unwrap_or(false),
        by_state,
        next_href,
        first_href: (!first).then(|| format!("/admin?{}", page_filters(&query))),
        export_href: format!("/admin/export.csv?{}", page_filters(&query)),
        channels: CHANNELS.iter().copied().zip(q.channels.iter().copied()).collect(),
    };
    staff.answer(200, &page.chrome, &page)
}

/// The page's own filters and sort, for its links (paging, export).
fn page_filters(query: &Query) -> String {
    FILTERS
        .iter()
        .chain(["sort", "lang"].iter())
        .filter_map(|name| query.get(name).filter(|v| !v.is_empty()).map(|v| format!("{name}={}", encode(v))))
        .collect::<Vec<_>>()
        .join("&")
}

fn value(query: &Query, name: &str) -> String {
    query.get(name).unwrap_or_default().to_owned()
}

fn text(item: &Json, pointer: &str) -> String {
    item.pointer(pointer).and_then(Json::as_str).unwrap_or_default().to_owned()
}

fn line(item: &Json, q: &QueueTexts) -> Line {
    let channel = text(item, "/channel");
    let channel = CHANNELS
        .iter()
        .position(|c| *c == channel)
        .map_or(channel, |i| q.channels[i].to_owned());
    Line {
        reference: text(item, "/reference"),
        service: text(item, "/service/name"),
        state: text(item, "/state"),
        department: text(item, "/department"),
        assignee: text(item, "/assignee"),
        channel,
        filed: text(item, "/created_at").chars().take(10).collect(),
        expected: text(item, "/expected_on"),
        overdue: item.get("overdue").and_then(Json::as_bool).unwrap_or(false),
        address: text(item, "/address"),
    }
}
