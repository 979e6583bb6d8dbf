//! `/admin/requests/{ref}`: one request, for agents of its department, supervisors and
//! administrators (issue #14 item 2). Everything on the page comes from the components' API,
//! called with the agent's token ([`Staff::call`]), so that it shows no more than the API
//! gives that agent:
//!
//! - the request and its full timeline (internal entries too), the state changes the agent's
//!   roles allow from its state with what each requires (`GET /api/requests/{ref}`: its
//!   `transitions`, `states` and `may_act`), assignment, internal notes and public replies,
//!   attachments and scans, the call log, the printable receipt;
//! - the messages sent about it and their delivery state
//!   (`GET /api/notifications/requests/{ref}/messages`);
//! - possible duplicates (`GET /api/requests/similar`: open reports of the same service
//!   nearby), side by side with it, each with a merge form in both directions.
//!
//! Each form posts to `/admin/requests/{ref}/{action}` ([`act`]); a success answers 303 back
//! to the page with `?done=` (reloading does not post again), a refusal shows the page again
//! with the API's field errors and what the agent typed. Files and the receipt are relayed
//! (`/files/{id}`, `/receipt`) so that the browser never holds the agent's token.
//! An agent of another department gets the 403 page, as the API would refuse them any change.

mod act;
mod texts;

use askama::Template;
use guichet_guest::query::Query;
use guichet_guest::{ApiError, FieldError};
use serde_json::Value as Json;
use spin_sdk::http::{Method, Response};

use super::{accepted, encode, lang_code, pick, AdminChrome, AdminTexts, Role, Section, Staff};
use crate::i18n::Lang;
use crate::page;
use texts::RequestTexts;

/// Every staff role sees the page (an agent only for their departments' requests).
const STAFF: [Role; 3] = [Role::Agent, Role::Supervisor, Role::Admin];
/// Why the page reads a request: requests logs every staff read with its purpose.
const PURPOSE: &str = "purpose=handling_request";
/// How many possible duplicates are shown side by side.
const CANDIDATES: usize = 3;
/// How much of the description is sent to the similarity search.
const SIMILAR_TEXT: usize = 500;

pub async fn route(staff: &Staff<'_, '_>, rest: &[&str]) -> Result<Response, ApiError> {
    staff.require(&STAFF)?;
    let reference = match rest.first() {
        Some(reference) if is_reference(reference) => *reference,
        _ => return Err(ApiError::NotFound),
    };
    let method = staff.ctx.request().method();
    match (&rest[1..], method) {
        ([], Method::Get) => page(staff, reference, Kept::default()).await,
        (["receipt"], Method::Get) => receipt(staff, reference).await,
        (["files", id], Method::Get) if is_reference(id) => download(staff, reference, id).await,
        ([action], Method::Post) => act::post(staff, reference, action).await,
        ([], _) | (["receipt"], _) | (["files", ..], _) => {
            Err(ApiError::MethodNotAllowed { allow: "GET" })
        }
        ([_], _) => Err(ApiError::MethodNotAllowed { allow: "POST" }),
        _ => Err(ApiError::NotFound),
    }
}

/// A reference or an id as the API writes them (letters, digits, `-`): anything else cannot
/// name a request, and never reaches an API path.
fn is_reference(text: &str) -> bool {
    !text.is_empty() && text.len() <= 64 && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// What the agent typed in the form that was refused, shown again in it.
#[derive(Default)]
pub struct Kept {
    /// The form (`note`, `reply`, `transition:<state>`...), empty after a GET.
    pub form: String,
    pub values: Vec<(String, String)>,
    /// The errors as the page shows them (named by the form's labels).
    pub errors: Vec<FieldError>,
    /// The API's members those errors named.
    pub fields: Vec<String>,
}

impl Kept {
    /// What was typed in field `name` of form `form`.
    pub fn v(&self, form: &str, name: &str) -> &str {
        if self.form != form {
            return "";
        }
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// `"true"` when the API named field `field` of form `form` (for `aria-invalid`).
    pub fn invalid(&self, form: &str, field: &str) -> &'static str {
        let named = self.form == form
            && self
                .fields
                .iter()
                .any(|f| f == field || f.starts_with(&format!("{field}.")));
        if named {
            "true"
        } else {
            "false"
        }
    }
}

/// One timeline entry as shown.
struct Entry {
    at: String,
    who: String,
    kind: String,
    change: String,
    body: String,
    public: bool,
}

/// A state change the agent may make, with what it needs.
struct Move {
    to: String,
    label: String,
    closes: bool,
    needs_message: bool,
    needs_note: bool,
}

struct File {
    name: String,
    content_type: String,
    size: i64,
    source: String,
    added: String,
    href: String,
}

struct Call {
    at: String,
    minutes: String,
    caller: String,
    summary: String,
}

struct Message {
    created: String,
    channel: String,
    to: String,
    subject: String,
    state: String,
    failed: bool,
    attempts: i64,
    error: String,
}

/// A request as shown in the side-by-side comparison.
struct Side {
    reference: String,
    service: String,
    state: String,
    filed: String,
    address: String,
    description: String,
    distance: String,
}

#[derive(Template)]
#[template(path = "admin/request.html")]
struct RequestPage {
    chrome: AdminChrome,
    r: &'static RequestTexts,
    done: Option<&'static str>,
    errors: Vec<FieldError>,
    kept: Kept,
    reference: String,
    service: String,
    state: String,
    open: bool,
    overdue: bool,
    channel: String,
    department: String,
    assignee: String,
    mine: bool,
    filed: String,
    updated: String,
    closed: String,
    expected: String,
    address: String,
    description: String,
    answers: Vec<(String, String)>,
    contact: Vec<String>,
    followers: i64,
    merged_into: String,
    timeline: Vec<Entry>,
    moves: Vec<Move>,
    supervisor: bool,
    agents: Vec<(String, String)>,
    files: Vec<File>,
    calls: Vec<Call>,
    messages: Option<Vec<Message>>,
    this: Side,
    duplicates: Vec<Side>,
    now: String,
}

/// The request as its staff view, when the agent acts on it: staff may read every request of
/// the commune, but the back-office shows an agent only their departments' (403 otherwise,
/// for the page as for its files and receipt).
async fn acted_on(staff: &Staff<'_, '_>, reference: &str) -> Result<Json, ApiError> {
    let view = staff.get_json(&format!("/api/requests/{reference}?{PURPOSE}")).await?;
    if view.get("may_act").and_then(Json::as_bool) == Some(true) {
        Ok(view)
    } else {
        Err(ApiError::Forbidden {
            message: "this request belongs to a department you are not in",
        })
    }
}

/// The page, with `kept` (a refused form) when given.
pub async fn page(staff: &Staff<'_, '_>, reference: &str, kept: Kept) -> Result<Response, ApiError> {
    let r = texts::of(staff.lang);
    let view = acted_on(staff, reference).await?;
    let lang = staff.lang;
    let states = states(&view, lang);
    let label_of = |code: &str| {
        states
            .iter()
            .find(|(c, _)| c == code)
            .map_or_else(|| code.to_owned(), |(_, label)| label.clone())
    };
    let me = staff.account().to_owned();
    let agents = agents(staff, &text(&view, "/department")).await;
    let name_of = |id: &str| {
        if id == me {
            r.you.to_owned()
        } else {
            agents
                .iter()
                .find(|(i, _)| i == id)
                .map_or_else(|| id.to_owned(), |(_, name)| name.clone())
        }
    };
    let assignee = text(&view, "/assignee");
    let timeline = list(&view, "/timeline")
        .iter()
        .map(|e| entry(e, r, &label_of, &name_of))
        .collect();
    let moves = list(&view, "/transitions")
        .iter()
        .map(|t| {
            let needs = |what: &str| {
                t.get("requires")
                    .and_then(Json::as_array)
                    .is_some_and(|r| r.iter().any(|x| x.as_str() == Some(what)))
            };
            Move {
                to: text(t, "/to"),
                label: t.get("label").map_or_else(|| text(t, "/to"), |l| pick(lang, l)),
                closes: t.get("open").and_then(Json::as_bool) == Some(false),
                needs_message: needs("message"),
                needs_note: needs("note"),
            }
        })
        .collect();
    let files = list(&view, "/attachments")
        .iter()
        .map(|f| {
            File {
                href: format!("/admin/requests/{reference}/files/{}", text(f, "/id")),
                name: text(f, "/name"),
                content_type: text(f, "/content_type"),
                size: f.get("size").and_then(Json::as_i64).unwrap_or(0),
                source: text(f, "/source"),
                added: when(&text(f, "/created_at")),
            }
        })
        .collect();
    let calls = list(&view, "/call_logs")
        .iter()
        .map(|c| Call {
            at: when(&text(c, "/called_at")),
            minutes: minutes(c.get("duration_seconds").and_then(Json::as_i64).unwrap_or(0)),
            caller: text(c, "/caller"),
            summary: text(c, "/summary"),
        })
        .collect();
    let open = view.get("open").and_then(Json::as_bool).unwrap_or(false);
    let merged_into = text(&view, "/merged_into");
    let this = side(&view, lang, String::new());
    let duplicates = if open && merged_into.is_empty() {
        duplicates(staff, &view, reference).await
    } else {
        Vec::new()
    };
    let page = RequestPage {
        chrome: staff.chrome(format!("{} {reference}", r.title), Section::Queue),
        r,
        done: Query::of(staff.ctx.request()).get("done").and_then(|action| r.done_text(action)),
        errors: kept.errors.clone(),
        kept,
        reference: reference.to_owned(),
        service: view.get("service_name").map_or_else(String::new, |n| pick(lang, n)),
        state: label_of(&text(&view, "/state")),
        open,
        overdue: view.get("overdue").and_then(Json::as_bool).unwrap_or(false),
        channel: text(&view, "/channel"),
        department: text(&view, "/department"),
        mine: !assignee.is_empty() && assignee == me,
        assignee: if assignee.is_empty() { r.nobody.to_owned() } else { name_of(&assignee) },
        filed: when(&text(&view, "/created_at")),
        updated: when(&text(&view, "/updated_at")),
        closed: when(&text(&view, "/closed_at")),
        expected: text(&view, "/expected_on"),
        address: text(&view, "/location/address"),
        description: text(&view, "/description"),
        answers: view
            .get("answers")
            .and_then(Json::as_object)
            .map(|m| m.iter().map(|(k, v)| (k.clone(), shown(v, staff.t))).collect())
            .unwrap_or_default(),
        contact: ["/contact/name", "/contact/email", "/contact/phone"]
            .iter()
            .map(|p| text(&view, p))
            .filter(|t| !t.is_empty())
            .collect(),
        followers: view.get("followers").and_then(Json::as_i64).unwrap_or(0),
        merged_into,
        timeline,
        moves,
        supervisor: staff.has_any(&[Role::Supervisor, Role::Admin]),
        agents,
        files,
        calls,
        messages: messages(staff, reference, r).await,
        this,
        duplicates,
        now: now_minute(),
    };
    let status = if page.errors.is_empty() { 200 } else { 400 };
    staff.answer(status, &page.chrome, &page)
}

/// The workflow's states of the request's service: `(code, label)`.
fn states(view: &Json, lang: Lang) -> Vec<(String, String)> {
    list(view, "/states")
        .iter()
        .map(|s| (text(s, "/code"), s.get("label").map_or_else(|| text(s, "/code"), |l| pick(lang, l))))
        .collect()
}

fn entry(e: &Json, r: &RequestTexts, label_of: &dyn Fn(&str) -> String, name_of: &dyn Fn(&str) -> String) -> Entry {
    let kind = text(e, "/kind");
    let (from, to) = (text(e, "/from"), text(e, "/to"));
    let what = text(e, "/detail/what");
    let change = match kind.as_str() {
        "status" | "reopened" | "filed" => arrow(&label_of(&from), &label_of(&to)),
        "assigned" if what == "assignee" => arrow(
            &if from.is_empty() { String::new() } else { name_of(&from) },
            &if to.is_empty() { r.nobody.to_owned() } else { name_of(&to) },
        ),
        _ => arrow(&from, &to),
    };
    let who = match text(e, "/actor").as_str() {
        "staff" => {
            let id = text(e, "/actor_id");
            if id.is_empty() {
                r.by_staff.to_owned()
            } else {
                format!("{} ({})", r.by_staff, name_of(&id))
            }
        }
        "system" => r.by_system.to_owned(),
        _ => r.by_citizen.to_owned(),
    };
    Entry {
        at: when(&text(e, "/at")),
        who,
        kind: r.kind(&kind),
        change,
        body: text(e, "/body"),
        public: e.get("public").and_then(Json::as_bool).unwrap_or(false),
    }
}

fn arrow(from: &str, to: &str) -> String {
    match (from.is_empty(), to.is_empty()) {
        (true, true) => String::new(),
        (true, false) => to.to_owned(),
        (false, true) => from.to_owned(),
        (false, false) => format!("{from} → {to}"),
    }
}

/// The commune's active staff, `(id, name)`, for an administrator's assignment list (only
/// administrators may list them: others type an account id).
async fn agents(staff: &Staff<'_, '_>, department: &str) -> Vec<(String, String)> {
    if !staff.has(Role::Admin) {
        return Vec::new();
    }
    let Ok(listed) = staff.get_json("/api/identity/agents").await else {
        return Vec::new();
    };
    list(&listed, "/agents")
        .iter()
        .filter(|a| text(a, "/status") == "active")
        .filter(|a| {
            let has = |pointer: &str, value: &str| {
                a.pointer(pointer)
                    .and_then(Json::as_array)
                    .is_some_and(|l| l.iter().any(|x| x.as_str() == Some(value)))
            };
            has("/roles", "supervisor") || has("/roles", "admin") || has("/departments", department)
        })
        .map(|a| {
            let name = format!("{} {}", text(a, "/given_name"), text(a, "/family_name"));
            (text(a, "/id"), format!("{} ({})", name.trim(), text(a, "/email")))
        })
        .collect()
}

/// The messages sent about the request, `None` when notifications does not answer (the page
/// still works without them).
async fn messages(staff: &Staff<'_, '_>, reference: &str, r: &RequestTexts) -> Option<Vec<Message>> {
    let listed = staff
        .get_json(&format!("/api/notifications/requests/{reference}/messages"))
        .await
        .ok()?;
    Some(
        list(&listed, "/messages")
            .iter()
            .map(|m| {
                let state = text(m, "/state");
                Message {
                    created: when(&text(m, "/created_at")),
                    channel: text(m, "/channel"),
                    to: text(m, "/to"),
                    subject: text(m, "/subject"),
                    failed: state.ends_with("failure"),
                    state: r.delivery_state(&state),
                    attempts: m.get("attempts").and_then(Json::as_i64).unwrap_or(0),
                    error: text(m, "/last_error"),
                }
            })
            .collect(),
    )
}

/// Open reports of the same service near this one (the API's similarity search), each read
/// in full when the agent may (to compare them side by side).
async fn duplicates(staff: &Staff<'_, '_>, view: &Json, reference: &str) -> Vec<Side> {
    let (Some(lat), Some(long)) = (
        view.pointer("/location/lat").and_then(Json::as_f64),
        view.pointer("/location/long").and_then(Json::as_f64),
    ) else {
        return Vec::new();
    };
    let words: String = text(view, "/description").chars().take(SIMILAR_TEXT).collect();
    let path = format!(
        "/api/requests/similar?service={}&lat={lat}&long={long}&text={}&lang={}",
        encode(&text(view, "/service_code")),
        encode(&words),
        lang_code(staff.lang)
    );
    let Ok(similar) = staff.get_json(&path).await else {
        return Vec::new();
    };
    let mut sides = Vec::new();
    for found in list(&similar, "/similar")
        .iter()
        .filter(|s| text(s, "/reference") != reference)
        .take(CANDIDATES)
    {
        let other = text(found, "/reference");
        let distance = found.get("distance_m").and_then(Json::as_f64).map_or_else(String::new, |d| format!("{d:.0}"));
        let read = if is_reference(&other) {
            staff.get_json(&format!("/api/requests/{other}?{PURPOSE}")).await.ok()
        } else {
            None
        };
        sides.push(match read {
            Some(full) => side(&full, staff.lang, distance),
            None => Side {
                reference: other,
                service: text(found, "/service_name"),
                state: text(found, "/state_label"),
                filed: when(&text(found, "/created_at")),
                address: String::new(),
                description: String::new(),
                distance,
            },
        });
    }
    sides
}

fn side(view: &Json, lang: Lang, distance: String) -> Side {
    let states = states(view, lang);
    let state = text(view, "/state");
    Side {
        reference: text(view, "/reference"),
        service: view.get("service_name").map_or_else(String::new, |n| pick(lang, n)),
        state: states.into_iter().find(|(c, _)| *c == state).map_or(state, |(_, l)| l),
        filed: when(&text(view, "/created_at")),
        address: text(view, "/location/address"),
        description: text(view, "/description"),
        distance,
    }
}

/// `GET /admin/requests/{ref}/receipt`: the API's printable receipt, relayed with its own
/// strict policy (it loads nothing and runs no script).
async fn receipt(staff: &Staff<'_, '_>, reference: &str) -> Result<Response, ApiError> {
    acted_on(staff, reference).await?;
    let path = format!("/api/requests/{reference}/receipt?lang={}", lang_code(staff.lang));
    let answer = staff.call(Method::Get, &path, None, &[]).await?;
    accepted(&answer)?;
    let mut response = Response::new(200, answer.body);
    page::secure(&mut response);
    response.set_header("content-type", "text/html; charset=utf-8");
    response.set_header(
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    response.set_header("referrer-policy", "no-referrer");
    response.set_header("cache-control", "no-store");
    Ok(response)
}

/// `GET /admin/requests/{ref}/files/{id}`: a file of the request, relayed as a download
/// under its name (never shown inline).
async fn download(staff: &Staff<'_, '_>, reference: &str, id: &str) -> Result<Response, ApiError> {
    let view = acted_on(staff, reference).await?;
    let name = list(&view, "/attachments")
        .iter()
        .find(|f| text(f, "/id") == id)
        .map(|f| text(f, "/name"))
        .ok_or(ApiError::NotFound)?;
    let path = format!("/api/requests/{reference}/attachments/{id}?{PURPOSE}");
    let answer = staff.call(Method::Get, &path, None, &[]).await?;
    accepted(&answer)?;
    let content_type = if answer.content_type.is_empty() {
        "application/octet-stream".to_owned()
    } else {
        answer.content_type.clone()
    };
    let mut response = Response::new(200, answer.body);
    page::secure(&mut response);
    response.set_header("content-type", content_type);
    let name = if name.is_empty() { "file" } else { name.as_str() };
    response.set_header("content-disposition", guichet_guest::response::attachment(name));
    response.set_header("cache-control", "no-store");
    Ok(response)
}

fn list<'v>(view: &'v Json, pointer: &str) -> &'v [Json] {
    view.pointer(pointer).and_then(Json::as_array).map_or(&[], Vec::as_slice)
}

fn text(view: &Json, pointer: &str) -> String {
    match view.pointer(pointer) {
        Some(Json::String(s)) => s.clone(),
        Some(Json::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// An answer as text: yes or no, lists joined, a location by its address, other objects as
/// JSON.
fn shown(value: &Json, t: &AdminTexts) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Bool(true) => t.yes.to_owned(),
        Json::Bool(false) => t.no.to_owned(),
        Json::Number(n) => n.to_string(),
        Json::Array(items) => items.iter().map(|i| shown(i, t)).collect::<Vec<_>>().join(", "),
        Json::Null => String::new(),
        Json::Object(map) => match map.get("address").and_then(Json::as_str) {
            Some(address) => address.to_owned(),
            None => value.to_string(),
        },
    }
}

/// `2026-12-01T09:30:12Z` → `2026-12-01 09:30 UTC` (the API's times are UTC).
fn when(at: &str) -> String {
    if at.len() < 16 {
        return at.to_owned();
    }
    format!("{} UTC", at[..16].replacen('T', " ", 1))
}

fn minutes(seconds: i64) -> String {
    format!("{}", (seconds + 30) / 60)
}

/// Now, to the minute, as a `datetime-local` value (UTC), the call form's default.
fn now_minute() -> String {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let days = i64::try_from(seconds / 86_400).unwrap_or(0);
    let in_day = seconds % 86_400;
    format!(
        "{}T{:02}:{:02}",
        guichet_guest::dates::format_date(days),
        in_day / 3600,
        in_day % 3600 / 60
    )
}
