//! `GET, POST /admin/intake/file`: a service's form filled by an agent for a caller.
//!
//! - `?service=&channel=counter|phone|mail`: `POST /api/requests/counter` with the
//!   agent's `Idempotency-Key` (one per page: sending twice files once). On the phone the call
//!   is logged (its length and summary; it started that long before the form was sent); from
//!   a letter the scan is required and goes to `POST /api/requests/{ref}/scans` once filed.
//! - `?service=&mail={id}`: `POST /api/requests/triage/{id}` `{"file": …}`, a request filed
//!   from an e-mail waiting for triage (its sender is the contact unless another is typed).
//!
//! The questions are the citizens' form's ([`crate::form`]: the same controls, the same body
//! of answers, the same way of bringing requests' errors back to their question); the page
//! adds who the caller is and how they came. Filed: 303 to the desk, which shows the new
//! reference and its link.

use std::time::{SystemTime, UNIX_EPOCH};

use askama::Template;
use guichet_guest::query::Query;
use guichet_guest::{ApiError, FieldError};
use serde_json::{json, Map, Value as Json};
use spin_sdk::http::{Method, Response};

use super::{desk, done_at, encode, outcome, see_other, texts, upload_scan, IntakeTexts, Typed, CHANNELS};
use crate::admin::{AdminChrome, Section, Staff};
use crate::csrf;
use crate::form::{self, Kept, Problem, Published, Question};
use crate::i18n::{self, Lang, Texts};
use crate::posted::Posted;

/// What the agent typed about the caller, and the errors next to each of those controls.
#[derive(Default)]
struct Caller {
    name: String,
    email: String,
    phone: String,
    lang: String,
    /// Filed in the name of the account at `email`.
    account: bool,
    minutes: String,
    summary: String,
    received_on: String,
    errors: Vec<(&'static str, String)>,
}

impl Caller {
    fn from(posted: &Posted) -> Caller {
        let get = |name: &str| posted.get(name).unwrap_or_default().trim().to_owned();
        Caller {
            name: get("caller_name"),
            email: get("caller_email"),
            phone: get("caller_phone"),
            lang: get("caller_lang"),
            account: get("caller_account") == "true",
            minutes: get("call_minutes"),
            summary: get("call_summary"),
            received_on: get("received_on"),
            errors: Vec::new(),
        }
    }

    /// The name, e-mail and phone controls, with their values and errors.
    fn fields(&self, i: &IntakeTexts) -> Vec<CallerField> {
        [
            ("caller-name", "caller_name", i.caller_name, "text", &self.name),
            ("caller-email", "caller_email", i.caller_email, "email", &self.email),
            ("caller-phone", "caller_phone", i.caller_phone, "tel", &self.phone),
        ]
        .into_iter()
        .map(|(id, name, label, kind, value)| CallerField {
            id,
            name,
            label,
            kind,
            value: value.clone(),
            error: self.error(id).map(str::to_owned),
        })
        .collect()
    }

    /// The error shown next to the control `id`.
    fn error(&self, id: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(control, _)| *control == id)
            .map(|(_, text)| text.as_str())
    }
}

/// One control about the caller.
struct CallerField {
    id: &'static str,
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    value: String,
    error: Option<String>,
}

/// The triage e-mail a request is filed from.
struct FromMail {
    sender: String,
    subject: String,
    excerpt: String,
}

#[derive(Template)]
#[template(path = "admin/intake_file.html")]
struct FilingPage {
    chrome: AdminChrome,
    i: &'static IntakeTexts,
    ft: &'static Texts,
    heading: String,
    action: String,
    channel: String,
    mail: Option<FromMail>,
    questions: Vec<Question>,
    problems: Vec<Problem>,
    caller: Caller,
    csrf: String,
    idempotency_key: String,
    multipart: bool,
    files_again: bool,
}

/// Where the page was opened from: the service, and the channel or the triage e-mail.
struct Target {
    code: String,
    channel: &'static str,
    mail: Option<String>,
}

fn target(query: &Query) -> Target {
    let mail = query
        .get("mail")
        .filter(|m| !m.is_empty() && m.len() <= 64 && m.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .map(str::to_owned);
    let channel = CHANNELS
        .iter()
        .copied()
        .find(|c| query.get("channel") == Some(c))
        .unwrap_or("counter");
    Target {
        code: query.get("service").unwrap_or_default().to_owned(),
        channel: if mail.is_some() { "email" } else { channel },
        mail,
    }
}

impl Target {
    fn action(&self) -> String {
        match &self.mail {
            Some(id) => format!("/admin/intake/file?service={}&mail={}", encode(&self.code), encode(id)),
            None => format!("/admin/intake/file?service={}&channel={}", encode(&self.code), self.channel),
        }
    }
}

/// `GET /admin/intake/file`.
pub async fn show(staff: &Staff<'_, '_>) -> Result<Response, ApiError> {
    let target = target(&Query::of(staff.ctx.request()));
    let Some(service) = form::published(staff.ctx, &target.code, staff.lang).await? else {
        return Err(ApiError::NotFound);
    };
    let questions = form::questions(staff.lang, &service.fields, &Kept::default(), &Default::default());
    let caller = Caller { lang: staff.lang.as_str().to_owned(), ..Caller::default() };
    let key = csrf::fresh()?;
    page(staff, &target, &service, questions, Vec::new(), caller, key, 200).await
}

/// `POST /admin/intake/file`.
pub async fn file(staff: &Staff<'_, '_>) -> Result<Response, ApiError> {
    let posted = staff.posted().await?;
    let target = target(&Query::of(staff.ctx.request()));
    let Some(service) = form::published(staff.ctx, &target.code, staff.lang).await? else {
        return Err(ApiError::NotFound);
    };
    let i = texts(staff.lang);
    let mut caller = Caller::from(&posted);
    let kept = Kept::from(&posted, &service.fields);
    let lang = match caller.lang.as_str() {
        "en" => Lang::En,
        "fr" => Lang::Fr,
        _ => staff.lang,
    };
    let (mut body, files_of) = form::body(&target.code, lang, &kept, &posted.uploads, &service.fields);
    let mut contact = Map::new();
    for (member, value) in [("name", &caller.name), ("email", &caller.email), ("phone", &caller.phone)] {
        if !value.is_empty() {
            contact.insert(member.to_owned(), json!(value));
        }
    }
    if !contact.is_empty() {
        body["contact"] = Json::Object(contact);
    }
    let key = posted.get("idempotency_key").unwrap_or_default().to_owned();
    let key = if key.is_empty() { csrf::fresh()? } else { key };
    let has_scan = posted.uploads.iter().any(|u| u.field == "scan" && !u.data.is_empty());
    let answer = if let Some(id) = &target.mail {
        let path = format!("/api/requests/triage/{}", encode(id));
        let bytes = serde_json::to_vec(&json!({ "file": body })).map_err(|e| anyhow::anyhow!("serialising: {e}"))?;
        staff.call(Method::Post, &path, Some(("application/json", bytes)), &[]).await?
    } else {
        body["channel"] = json!(target.channel);
        if caller.account {
            match account_at(staff, &caller.email).await? {
                Some(id) => body["citizen"] = json!({ "account_id": id }),
                None => {
                    caller.errors.push(("caller-email", i.no_account.to_owned()));
                    let questions = form::questions(staff.lang, &service.fields, &kept, &Default::default());
                    let text = format!("{} : {}", i.caller_email, i.no_account);
                    let problems = vec![Problem { href: Some("#caller-email".to_owned()), text }];
                    return page(staff, &target, &service, questions, problems, caller, key, 422).await;
                }
            }
        }
        if target.channel == "phone" {
            body["call"] = call(&caller);
        }
        if target.channel == "mail" && !has_scan {
            caller.errors.push(("scan", i.no_file.to_owned()));
            let questions = form::questions(staff.lang, &service.fields, &kept, &Default::default());
            let problems = vec![Problem { href: Some("#scan".to_owned()), text: format!("{} : {}", i.letter, i.no_file) }];
            return page(staff, &target, &service, questions, problems, caller, key, 422).await;
        }
        let bytes = serde_json::to_vec(&body).map_err(|e| anyhow::anyhow!("serialising: {e}"))?;
        staff
            .call(Method::Post, "/api/requests/counter", Some(("application/json", bytes)), &[("idempotency-key", key.as_str())])
            .await?
    };
    let errors = match outcome(&answer)? {
        Ok(filed) => {
            let reference = filed.get("reference").and_then(Json::as_str).unwrap_or_default().to_owned();
            if target.channel == "mail" {
                if let Err(errors) = upload_scan(staff, &reference, &posted, &caller.received_on).await? {
                    let mut said = vec![FieldError::general("scan_failed", format!("{} {reference}", i.scan_failed))];
                    said.extend(errors);
                    let typed = Typed { scan_reference: reference, received_on: caller.received_on, ..Typed::default() };
                    return desk(staff, said, typed, 422).await;
                }
            }
            return Ok(see_other(&done_at("filed", &reference)));
        }
        Err(errors) => errors,
    };
    // Triage's errors are about its `file` member: the same fields as a filing's.
    let errors: Vec<FieldError> = errors
        .into_iter()
        .map(|mut e| {
            if let Some(field) = e.field.as_deref().and_then(|f| f.strip_prefix("file.")) {
                e.field = Some(field.to_owned());
            }
            e
        })
        .collect();
    let t = i18n::texts(staff.lang);
    let mut rest = Vec::new();
    let mut mine = Vec::new();
    for error in errors {
        match control_of(error.field.as_deref().unwrap_or_default()) {
            Some(id) => {
                let text = form::message(t, staff.lang, &error);
                mine.push(Problem { href: Some(format!("#{id}")), text: format!("{} : {text}", label_of(i, id)) });
                if caller.error(id).is_none() {
                    caller.errors.push((id, text));
                }
            }
            None => rest.push(error),
        }
    }
    let (mut problems, by_field) = form::problems(staff.lang, &rest, &service.fields, &files_of);
    mine.append(&mut problems);
    let questions = form::questions(staff.lang, &service.fields, &kept, &by_field);
    page(staff, &target, &service, questions, mine, caller, key, 422).await
}

/// The id of the citizen's account at `email` (identity logs the read, for handling the
/// request), `None` when no account has it.
async fn account_at(staff: &Staff<'_, '_>, email: &str) -> Result<Option<String>, ApiError> {
    let body = json!({ "email": email, "purpose": "handling_request" });
    match staff.send_json(Method::Post, "/api/identity/citizens/search", &body).await {
        Ok(Ok(profile)) => Ok(profile.get("id").and_then(Json::as_str).map(str::to_owned)),
        // A malformed address is no account's either.
        Ok(Err(_)) | Err(ApiError::NotFound) => Ok(None),
        Err(other) => Err(other),
    }
}

/// The call log of a phone filing: it started `minutes` before now.
fn call(caller: &Caller) -> Json {
    let seconds = caller
        .minutes
        .replace(',', ".")
        .parse::<f64>()
        .ok()
        .filter(|m| m.is_finite() && *m >= 0.0)
        .map_or(-1, |m| (m * 60.0).round() as i64);
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let caller_name = [&caller.name, &caller.phone, &caller.email]
        .into_iter()
        .find(|v| !v.is_empty())
        .cloned()
        .unwrap_or_default();
    json!({
        "called_at": guichet_guest::dates::format(now - seconds.max(0)),
        "duration_seconds": seconds,
        "caller": caller_name,
        "summary": caller.summary,
    })
}

/// The page's own control an error of requests is about.
fn control_of(field: &str) -> Option<&'static str> {
    Some(match field {
        "contact.name" | "call.caller" => "caller-name",
        "contact" | "contact.email" => "caller-email",
        "contact.phone" => "caller-phone",
        "call.duration_seconds" | "call.called_at" | "call" => "call-minutes",
        "call.summary" => "call-summary",
        "lang" => "caller-lang",
        _ => return None,
    })
}

/// The label of the page's control `id`.
fn label_of(i: &IntakeTexts, id: &str) -> &'static str {
    match id {
        "caller-name" => i.caller_name,
        "caller-email" => i.caller_email,
        "caller-phone" => i.caller_phone,
        "call-minutes" => i.call_minutes,
        "call-summary" => i.call_summary,
        _ => i.caller_lang,
    }
}

#[allow(clippy::too_many_arguments, reason = "one page, drawn on show and after an error")]
async fn page(
    staff: &Staff<'_, '_>,
    target: &Target,
    service: &Published,
    questions: Vec<Question>,
    problems: Vec<Problem>,
    caller: Caller,
    key: String,
    status: u16,
) -> Result<Response, ApiError> {
    let i = texts(staff.lang);
    let mail = match &target.mail {
        Some(id) => Some(triage_mail(staff, id).await?),
        None => None,
    };
    let heading = format!(
        "{} {}",
        if mail.is_some() { i.form_title_mail } else { i.form_title },
        service.name
    );
    let files_again = !problems.is_empty();
    let page = FilingPage {
        chrome: staff.chrome(heading.clone(), Section::Intake),
        i,
        ft: i18n::texts(staff.lang),
        heading,
        action: target.action(),
        channel: target.channel.to_owned(),
        mail,
        questions,
        problems,
        caller,
        csrf: staff.csrf.value.clone(),
        idempotency_key: key,
        multipart: target.channel == "mail" || service.fields.iter().any(|f| matches!(f.datatype, guichet_guest::contracts::catalog::Datatype::File)),
        files_again,
    };
    staff.answer(status, &page.chrome, &page)
}

/// The e-mail `id` of the triage list (404 once it has been sorted).
async fn triage_mail(staff: &Staff<'_, '_>, id: &str) -> Result<FromMail, ApiError> {
    let list = staff.get_json("/api/requests/triage?limit=200&purpose=handling_request").await?;
    let text = |m: &Json, key: &str| m.get(key).and_then(Json::as_str).unwrap_or_default().to_owned();
    list.get("items")
        .and_then(Json::as_array)
        .and_then(|items| items.iter().find(|m| m.get("id").and_then(Json::as_str) == Some(id)))
        .map(|m| FromMail {
            sender: text(m, "sender"),
            subject: text(m, "subject"),
            excerpt: text(m, "excerpt"),
        })
        .ok_or(ApiError::NotFound)
}
