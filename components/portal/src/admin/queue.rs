//! `GET /admin`: the agents' queue. The filters of `GET /api/requests` as a form that works
//! without JavaScript (a GET: the address is the view, so a bookmark is a saved view), the
//! counts by state, one page of requests with keyset paging (`cursor`), the CSV export of
//! the same filters (`GET /admin/export.csv`), and links to each request.
//!
//! The page passes only the filters it knows to the API, which checks each one and answers
//! a 400 naming the one at fault: the page shows those errors above the form.
//!
//! Above the list, the agent's saved views ([`views`]: a name for the filters of the page,
//! saved and deleted by forms posted to `/admin`), and on each line the flag of possible
//! duplicates (`possible_duplicates` of the API's items: open requests of the same service
//! within 200 m and 30 days, counted by requests for the page's rows only).

use askama::Template;
use guichet_guest::query::Query;
use guichet_guest::{ApiError, FieldError};
use serde_json::Value as Json;
use spin_sdk::http::{Method, Response};

use super::views::{self, Posted};
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
    /// The list's column headings (the filters above take codes, the list shows names).
    col_service: &'static str,
    col_state: &'static str,
    col_department: &'static str,
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
    views: &'static str,
    no_views: &'static str,
    view_name: &'static str,
    save_view: &'static str,
    save_hint: &'static str,
    delete_view: &'static str,
    current_view: &'static str,
    view_saved: &'static str,
    view_deleted: &'static str,
    duplicates: &'static str,
    count_by_state: &'static str,
}

const FR: QueueTexts = QueueTexts {
    title: "Demandes",
    filters: "Filtrer les demandes",
    text: "Mots (référence, description, adresse)",
    service: "Service (code)",
    state: "État (code)",
    department: "Service municipal (code)",
    col_service: "Service",
    col_state: "État",
    col_department: "Service municipal",
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
    views: "Mes vues",
    no_views: "Aucune vue enregistrée : nommez les filtres de cette page pour les retrouver en un clic.",
    view_name: "Nom de la vue (filtres de cette page)",
    save_view: "Enregistrer la vue",
    save_hint: "Un nom déjà utilisé reçoit les filtres de cette page. 20 vues au plus.",
    delete_view: "Supprimer",
    current_view: "vue affichée",
    view_saved: "Vue enregistrée.",
    view_deleted: "Vue supprimée.",
    duplicates: "Doublons possibles :",
    count_by_state: "Compter par état",
};

const EN: QueueTexts = QueueTexts {
    title: "Requests",
    filters: "Filter the requests",
    text: "Words (reference, description, address)",
    service: "Service (code)",
    state: "State (code)",
    department: "Department (code)",
    col_service: "Service",
    col_state: "State",
    col_department: "Department",
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
    views: "My views",
    no_views: "No saved view: name the filters of this page to find them again in one click.",
    view_name: "View name (this page's filters)",
    save_view: "Save the view",
    save_hint: "A name already used gets this page's filters. 20 views at most.",
    delete_view: "Delete",
    current_view: "view shown",
    view_saved: "View saved.",
    view_deleted: "View deleted.",
    duplicates: "Possible duplicates:",
    count_by_state: "Count by state",
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
    /// Open requests of the same service nearby (`possible_duplicates`), 0 when none.
    duplicates: i64,
}

/// A saved view as the page lists it.
struct ViewLink {
    id: String,
    name: String,
    href: String,
    /// Whether the page shows exactly its filters.
    current: bool,
}

/// What the page shows of the save form: the name typed and its error, if it was refused.
#[derive(Default)]
struct SaveForm {
    name: String,
    error: Option<String>,
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
    views: Vec<ViewLink>,
    /// The page's filters, carried by the save form.
    current: Vec<(&'static str, String)>,
    save: SaveForm,
    done: Option<&'static str>,
    /// The same page with exact counts by state, when it has none.
    counts_href: Option<String>,
}

/// `GET /admin`: the page; `POST /admin`: a saved view's form ([`views::post`]).
pub async fn route(staff: &Staff<'_, '_>) -> Result<Response, ApiError> {
    match staff.ctx.request().method() {
        Method::Get => page(staff, &Query::of(staff.ctx.request()), 200, SaveForm::default(), Vec::new()).await,
        Method::Post => match views::post(staff).await? {
            Posted::Done(response) => Ok(response),
            Posted::Invalid { query, name, errors } => {
                let error = errors
                    .iter()
                    .find(|e| e.field.as_deref() == Some("name"))
                    .map(|e| e.message.clone());
                page(staff, &query, 422, SaveForm { name, error }, errors).await
            }
        },
        _ => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
    }
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

/// The queue for the filters of `query`, with `save` and `refused` (the errors of a save form
/// sent back) shown.
async fn page(
    staff: &Staff<'_, '_>,
    query: &Query,
    status: u16,
    save: SaveForm,
    refused: Vec<FieldError>,
) -> Result<Response, ApiError> {
    staff.require(&[Role::Agent, Role::Supervisor, Role::Admin])?;
    let q = texts(staff.lang);
    let filters = api_filters(query, staff.lang);
    let mut path = format!("/api/requests?{filters}&purpose=handling_request&limit=25");
    let first = query.get("cursor").is_none_or(str::is_empty);
    if let Some(cursor) = query.get("cursor").filter(|c| !c.is_empty()) {
        path.push_str(&format!("&cursor={}", encode(cursor)));
    } else if query.get("counts") == Some("true") {
        // Exact counts read every matching row (a whole commune: hundreds of thousands), so
        // the page asks for them only when the agent does; the total is otherwise capped.
        path.push_str("&counts=true");
    }
    let answer = staff.call(Method::Get, &path, None, &[]).await?;
    let (body, mut errors) = match outcome(&answer)? {
        Ok(body) => (body, Vec::new()),
        Err(errors) => (Json::Null, errors),
    };
    errors.extend(refused);
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
        .map(|c| format!("/admin?{}&cursor={}", page_filters(query), encode(c)));
    let v = Values {
        q: value(query, "q"),
        service: value(query, "service"),
        state: value(query, "state"),
        department: value(query, "department"),
        assignee: value(query, "assignee"),
        channel: value(query, "channel"),
        open: value(query, "open"),
        overdue: query.get("overdue") == Some("true"),
        from: value(query, "from"),
        to: value(query, "to"),
        sort: value(query, "sort"),
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
        first_href: (!first).then(|| format!("/admin?{}", page_filters(query))),
        export_href: format!("/admin/export.csv?{}", page_filters(query)),
        channels: CHANNELS.iter().copied().zip(q.channels.iter().copied()).collect(),
        views: view_links(staff, query)?,
        current: FILTERS
            .iter()
            .chain(["sort"].iter())
            .filter_map(|name| query.non_empty(name).map(|v| (*name, v.to_owned())))
            .collect(),
        save,
        counts_href: (first && query.get("counts") != Some("true"))
            .then(|| href(&page_filters(query), "counts=true")),
        done: match query.get("done") {
            Some("view_saved") => Some(q.view_saved),
            Some("view_deleted") => Some(q.view_deleted),
            _ => None,
        },
    };
    staff.answer(status, &page.chrome, &page)
}

/// The agent's saved views, the one whose filters the page shows marked.
fn view_links(staff: &Staff<'_, '_>, query: &Query) -> Result<Vec<ViewLink>, ApiError> {
    let shown = views::canonical(query);
    Ok(views::list(staff)?
        .into_iter()
        .map(|view| ViewLink {
            href: if view.query.is_empty() { "/admin".to_owned() } else { format!("/admin?{}", view.query) },
            current: view.query == shown,
            id: view.id,
            name: view.name,
        })
        .collect())
}

/// `/admin?{filters}&{more}`, without a stray `&` when there are no filters.
pub fn href(filters: &str, more: &str) -> String {
    if filters.is_empty() {
        format!("/admin?{more}")
    } else {
        format!("/admin?{filters}&{more}")
    }
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
        duplicates: item.get("possible_duplicates").and_then(Json::as_i64).unwrap_or(0),
    }
}
