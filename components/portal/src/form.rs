//! The form of a service, generated from its definition (the catalogue's `form`), and its
//! filing through requests (issue #13, part 3).
//!
//! - `GET /services/{code}/form`: one control per question, by datatype (text and free text,
//!   numbers, dates and date-times, single and multiple choice, e-mail, phone, files, a
//!   location as an address with optional coordinates, checkbox, consent); labels, help tied
//!   by `aria-describedby`, the required ones marked in words. A hidden `Idempotency-Key`
//!   fresh for each page and the CSRF token ([`crate::csrf`]).
//! - `POST /services/{code}/form`: the answers become the body of `POST /api/requests`, sent
//!   to requests by chaining (`guichet_guest::clients::portal::file`) with the citizen's host
//!   name, address and access token. Requests is the only judge of the answers: its
//!   `FieldError`s come back next to their question (`aria-invalid`, `aria-describedby`) and
//!   in a summary at the top linking to them, with every answer kept (files must be chosen
//!   again: browsers never refill a file input). Filed: the receipt ([`crate::receipt`]).
//!
//! No HTML constraint (`required`, `pattern`, `min`) is set on the controls and the form is
//! `novalidate`: the rules live in requests alone, so the browser never judges differently.

use std::collections::BTreeMap;

use askama::Template;
use guichet_guest::clients::catalog;
use guichet_guest::clients::portal::{self as chained, Filing, Outcome};
use guichet_guest::codes::ServiceCode;
use guichet_guest::context::Ctx;
use guichet_guest::contracts::catalog::{Channel, Datatype, Field};
use guichet_guest::{ApiError, FieldError};
use serde_json::{json, Map, Value as Json};
use spin_sdk::http::Response;

use crate::i18n::{self, Lang, Texts};
use crate::page::{self, Chrome};
use crate::posted::{Posted, Upload};
use crate::{csrf, receipt, session};

/// One choice of a list.
pub struct Choice {
    pub key: String,
    pub name: String,
    pub chosen: bool,
}

/// One question as the template draws it.
pub struct Question {
    /// The control's `id` (`f-<code>`), the target of the summary's links.
    pub id: String,
    /// The control's `name` (`answers.<code>`).
    pub name: String,
    pub label: String,
    pub help: Option<String>,
    pub required: bool,
    /// `text`, `textarea`, `number`, `date`, `datetime`, `select`, `multi`, `email`, `tel`,
    /// `file`, `location`, `checkbox`, `consent`.
    pub control: &'static str,
    /// The answer kept (text controls; `true` for a ticked box).
    pub value: String,
    pub choices: Vec<Choice>,
    /// A location's address, latitude and longitude kept.
    pub address: String,
    pub lat: String,
    pub long: String,
    pub error: Option<String>,
}

impl Question {
    /// The ids the control's `aria-describedby` names: its help, then its error.
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.help.is_some() {
            ids.push(format!("{}-help", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }

    /// Whether the control is drawn as a group of its own (`fieldset` and `legend`).
    pub fn grouped(&self) -> bool {
        matches!(self.control, "multi" | "location")
    }
}

/// One line of the summary of errors.
pub struct Problem {
    /// The control it links to, none for an error of the whole filing.
    pub href: Option<String>,
    pub text: String,
}

#[derive(Template)]
#[template(path = "form.html")]
struct FormPage {
    chrome: Chrome,
    code: String,
    name: String,
    questions: Vec<Question>,
    problems: Vec<Problem>,
    csrf: String,
    idempotency_key: String,
    /// Whether a file control is on the form (then it is sent as `multipart/form-data`).
    multipart: bool,
    /// The service needs an account and nobody is signed in.
    sign_in_first: bool,
    signed_in: bool,
}

/// `GET /services/{code}/form`.
pub async fn show(ctx: &Ctx<'_>, code: &str) -> Result<Response, ApiError> {
    let Some((definition_name, fields, anonymous, lang)) = definition(ctx, code).await? else {
        return crate::catalogue::not_found(ctx);
    };
    let signed_in = session::token(ctx).await?.is_some();
    let token = csrf::token(ctx.request())?;
    let page = FormPage {
        chrome: Chrome::new(ctx, definition_name.clone()),
        code: code.to_owned(),
        name: definition_name,
        questions: questions(lang, &fields, &Kept::default(), &BTreeMap::new()),
        problems: Vec::new(),
        csrf: token.value.clone(),
        idempotency_key: csrf::fresh()?,
        multipart: fields.iter().any(|f| matches!(f.datatype, Datatype::File)),
        sign_in_first: !anonymous && !signed_in,
        signed_in,
    };
    let mut response = page::answer(200, &page.chrome, &page)?;
    token.remember(&mut response);
    Ok(response)
}

/// `POST /services/{code}/form`.
pub async fn file(ctx: &Ctx<'_>, code: &str) -> Result<Response, ApiError> {
    let posted = Posted::read(ctx.request()).await?;
    csrf::check(ctx.request(), &posted)?;
    let Some((name, fields, anonymous, lang)) = definition(ctx, code).await? else {
        return crate::catalogue::not_found(ctx);
    };
    let t = i18n::texts(lang);
    let kept = Kept::from(&posted, &fields);
    let access = session::token(ctx).await?;
    let (body, files_of) = body(code, lang, &kept, &posted.uploads, &fields);
    let key = posted.get("idempotency_key").map(str::to_owned);
    let outcome = chained::file(&Filing {
        host: ctx_host(ctx)?,
        client_address: ctx
            .client()
            .ip()
            .map(|ip| ip.to_string())
            .unwrap_or_default(),
        idempotency_key: key.clone().filter(|k| !k.is_empty()),
        access_token: access.as_ref().and_then(|a| a.access_token.clone()),
        body: body.to_string(),
    })
    .await?;
    let errors = match outcome {
        Outcome::Filed(filed) => return receipt::filed(ctx, &filed),
        Outcome::Refused(errors) => errors,
        Outcome::SignInFirst => vec![FieldError::general("sign_in", t.sign_in_first)],
    };
    let (problems, by_field) = problems(lang, &errors, &fields, &files_of);
    let title = format!("{} {name}", t.error_title_prefix);
    let token = csrf::token(ctx.request())?;
    let page = FormPage {
        chrome: Chrome::new(ctx, title),
        code: code.to_owned(),
        name,
        questions: questions(lang, &fields, &kept, &by_field),
        problems,
        csrf: token.value.clone(),
        // The same key: the citizen's next try is still the same filing.
        idempotency_key: key.unwrap_or(csrf::fresh()?),
        multipart: fields.iter().any(|f| matches!(f.datatype, Datatype::File)),
        sign_in_first: !anonymous && access.is_none(),
        signed_in: access.is_some(),
    };
    let mut response = page::answer(422, &page.chrome, &page)?;
    token.remember(&mut response);
    Ok(response)
}

/// The summary's lines for the errors of requests, and the error of each question by field
/// code (errors about no question of the form are in the summary only).
pub(crate) fn problems(
    lang: Lang,
    errors: &[FieldError],
    fields: &[Field],
    files_of: &[String],
) -> (Vec<Problem>, BTreeMap<String, String>) {
    let t = i18n::texts(lang);
    let mut by_field = BTreeMap::new();
    let mut problems = Vec::new();
    for error in errors {
        let text = message(t, lang, error);
        match field_of(error, files_of) {
            Some(field) if fields.iter().any(|f| f.code == field) => {
                problems.push(Problem {
                    href: Some(format!("#f-{field}")),
                    text: format!("{} : {text}", label_of(lang, fields, &field)),
                });
                by_field.entry(field).or_insert(text);
            }
            _ => problems.push(Problem { href: None, text }),
        }
    }
    (problems, by_field)
}

fn ctx_host(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    Ok(guichet_guest::tenant::request_host(ctx.request())?
        .as_str()
        .to_owned())
}

/// The service's name, its questions in order, whether guests may file, and the page's
/// language; `None` when the commune publishes no such online service.
async fn definition(
    ctx: &Ctx<'_>,
    code: &str,
) -> Result<Option<(String, Vec<Field>, bool, Lang)>, ApiError> {
    let lang = Chrome::lang(ctx);
    Ok(published(ctx, code, lang)
        .await?
        .filter(|d| d.online)
        .map(|d| (d.name, d.fields, d.anonymous, lang)))
}

/// A published service as its form needs it.
pub(crate) struct Published {
    pub name: String,
    /// The questions, in order.
    pub fields: Vec<Field>,
    pub anonymous: bool,
    /// Whether citizens may file it online (else at the counter only).
    pub online: bool,
}

/// The service `code` the commune publishes (online or at the counter only), its texts in
/// `lang`; `None` for a code it does not publish.
pub(crate) async fn published(
    ctx: &Ctx<'_>,
    code: &str,
    lang: Lang,
) -> Result<Option<Published>, ApiError> {
    if ServiceCode::parse(code).is_err() {
        return Ok(None);
    }
    let Some(published) = catalog::service(ctx.commune(), code, None).await? else {
        return Ok(None);
    };
    let d = published.definition;
    let mut fields = d.form;
    fields.sort_by_key(|f| f.order);
    Ok(Some(Published {
        name: i18n::pick(lang, &d.name).to_owned(),
        fields,
        anonymous: d.anonymous,
        online: matches!(d.channel, Channel::Online),
    }))
}

/// The questions of `fields` in their order, as a resident first sees them (nothing typed,
/// no error): the catalogue editor's preview of a draft (`admin::setup`).
pub fn preview(lang: Lang, mut fields: Vec<Field>) -> Vec<Question> {
    fields.sort_by_key(|f| f.order);
    questions(lang, &fields, &Kept::default(), &BTreeMap::new())
}

/// What the citizen typed, by field code, to draw the form again.
#[derive(Default)]
pub(crate) struct Kept {
    values: BTreeMap<String, Vec<String>>,
}

impl Kept {
    pub(crate) fn from(posted: &Posted, fields: &[Field]) -> Kept {
        let mut values = BTreeMap::new();
        for field in fields {
            let name = format!("answers.{}", field.code);
            if matches!(field.datatype, Datatype::Location) {
                for part in ["address", "lat", "long"] {
                    let all = posted.all(&format!("{name}.{part}"));
                    values.insert(format!("{}.{part}", field.code), all);
                }
            } else {
                values.insert(field.code.clone(), posted.all(&name));
            }
        }
        Kept { values }
    }

    fn first(&self, key: &str) -> String {
        self.values
            .get(key)
            .and_then(|v| v.first())
            .cloned()
            .unwrap_or_default()
    }

    fn all(&self, key: &str) -> &[String] {
        self.values.get(key).map_or(&[], Vec::as_slice)
    }
}

/// The questions of the form with what was kept and the errors by field code.
pub(crate) fn questions(
    lang: Lang,
    fields: &[Field],
    kept: &Kept,
    errors: &BTreeMap<String, String>,
) -> Vec<Question> {
    fields
        .iter()
        .map(|field| {
            let control = match field.datatype {
                Datatype::String => "text",
                Datatype::Text => "textarea",
                Datatype::Number => "number",
                Datatype::Date => "date",
                Datatype::Datetime => "datetime",
                Datatype::Singlevaluelist => "select",
                Datatype::Multivaluelist => "multi",
                Datatype::Email => "email",
                Datatype::Phone => "tel",
                Datatype::File => "file",
                Datatype::Location => "location",
                Datatype::Checkbox => "checkbox",
                Datatype::Consent => "consent",
            };
            let chosen = kept.all(&field.code);
            let choices = field
                .rules
                .values
                .iter()
                .flatten()
                .map(|value| Choice {
                    chosen: chosen.iter().any(|c| c == &value.key),
                    key: value.key.clone(),
                    name: i18n::pick(lang, &value.name).to_owned(),
                })
                .collect();
            Question {
                id: format!("f-{}", field.code),
                name: format!("answers.{}", field.code),
                label: i18n::pick(lang, &field.label).to_owned(),
                help: field.help.as_ref().map(|h| i18n::pick(lang, h).to_owned()),
                required: field.required,
                control,
                value: kept.first(&field.code),
                choices,
                address: kept.first(&format!("{}.address", field.code)),
                lat: kept.first(&format!("{}.lat", field.code)),
                long: kept.first(&format!("{}.long", field.code)),
                error: errors.get(&field.code).cloned(),
            }
        })
        .collect()
}

/// The `POST /api/requests` body of the answers, and which field each attachment answers
/// (by index, to bring an attachment's error back to its question).
pub(crate) fn body(
    code: &str,
    lang: Lang,
    kept: &Kept,
    uploads: &[Upload],
    fields: &[Field],
) -> (Json, Vec<String>) {
    let mut answers = Map::new();
    let mut attachments = Vec::new();
    let mut files_of = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for field in fields {
        let answer = match field.datatype {
            Datatype::Multivaluelist => {
                let keys = kept.all(&field.code);
                (!keys.is_empty()).then(|| json!(keys))
            }
            Datatype::Location => {
                let mut location = Map::new();
                for part in ["address", "lat", "long"] {
                    let value = kept.first(&format!("{}.{part}", field.code));
                    let value = value.trim();
                    if !value.is_empty() {
                        location.insert(part.to_owned(), json!(value));
                    }
                }
                // Coordinates typed as text are sent as numbers when they read as numbers.
                for part in ["lat", "long"] {
                    if let Some(n) = location
                        .get(part)
                        .and_then(Json::as_str)
                        .and_then(|s| s.replace(',', ".").parse::<f64>().ok())
                    {
                        location.insert(part.to_owned(), json!(n));
                    }
                }
                (!location.is_empty()).then(|| Json::Object(location))
            }
            Datatype::Checkbox | Datatype::Consent => {
                Some(json!(kept.first(&field.code) == "true"))
            }
            Datatype::File => {
                let name = format!("answers.{}", field.code);
                uploads
                    .iter()
                    .find(|u| u.field == name && !u.data.is_empty())
                    .map(|upload| {
                        let mut file_name = upload.file_name.clone();
                        if names.contains(&file_name) {
                            file_name = format!("{}-{file_name}", field.code);
                        }
                        names.push(file_name.clone());
                        attachments.push(json!({
                            "name": file_name,
                            "content_type": upload.content_type,
                            "data_base64": base64(&upload.data),
                        }));
                        files_of.push(field.code.clone());
                        json!(file_name)
                    })
            }
            _ => {
                let value = kept.first(&field.code);
                (!value.trim().is_empty()).then(|| json!(value))
            }
        };
        if let Some(answer) = answer {
            answers.insert(field.code.clone(), answer);
        }
    }
    let mut body = json!({
        "service_code": code,
        "lang": lang.as_str(),
        "answers": answers,
    });
    if !attachments.is_empty() {
        body["attachments"] = Json::Array(attachments);
    }
    (body, files_of)
}

pub(crate) fn base64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// The question an error of requests is about: `answers.<code>[.<part>]`, or
/// `attachments[<i>]...` for the question that attachment answers.
fn field_of(error: &FieldError, files_of: &[String]) -> Option<String> {
    let field = error.field.as_deref()?;
    if let Some(rest) = field.strip_prefix("answers.") {
        return Some(rest.split('.').next().unwrap_or(rest).to_owned());
    }
    let rest = field.strip_prefix("attachments")?;
    let index: usize = rest
        .trim_start_matches(['[', '.'])
        .split([']', '.'])
        .next()?
        .parse()
        .ok()?;
    files_of.get(index).cloned()
}

fn label_of(lang: Lang, fields: &[Field], code: &str) -> String {
    fields
        .iter()
        .find(|f| f.code == code)
        .map(|f| i18n::pick(lang, &f.label).to_owned())
        .unwrap_or_else(|| code.to_owned())
}

/// The citizen's words for an error of requests: its code said in the page's language, or
/// requests' own message (English) when the code has no translation.
pub(crate) fn message(t: &Texts, lang: Lang, error: &FieldError) -> String {
    let known = match error.code.as_str() {
        "required" => Some(t.err_required),
        "too_long" => Some(t.err_too_long),
        "too_short" => Some(t.err_too_short),
        "pattern" => Some(t.err_pattern),
        "invalid_email" => Some(t.err_email),
        "invalid_phone" | "phone_country" => Some(t.err_phone),
        "invalid_date" => Some(t.err_date),
        "must_accept" => Some(t.err_accept),
        "not_in_list" => Some(t.err_choice),
        "too_small" | "too_large" | "out_of_range" => Some(t.err_range),
        "sign_in" => Some(t.sign_in_first),
        _ => None,
    };
    match (known, lang) {
        (Some(text), _) => text.to_owned(),
        (None, Lang::En) => error.message.clone(),
        (None, Lang::Fr) => format!("{} ({})", t.err_other, error.message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(field: &str) -> FieldError {
        FieldError::new(field, "required", "is required")
    }

    #[test]
    fn an_error_of_requests_is_brought_back_to_its_question() {
        let files = vec!["id-card".to_owned()];
        assert_eq!(
            field_of(&error("answers.dog-name"), &files).as_deref(),
            Some("dog-name")
        );
        assert_eq!(
            field_of(&error("answers.where.address"), &files).as_deref(),
            Some("where")
        );
        assert_eq!(
            field_of(&error("attachments[0].content_type"), &files).as_deref(),
            Some("id-card")
        );
        assert_eq!(
            field_of(&error("attachments.0.data_base64"), &files).as_deref(),
            Some("id-card")
        );
        assert_eq!(field_of(&error("attachments[3]"), &files), None);
        assert_eq!(field_of(&error("service_code"), &files), None);
        assert_eq!(field_of(&FieldError::general("x", "y"), &files), None);
    }
}
