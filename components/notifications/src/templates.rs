//! The texts of messages: one template per commune, kind of message ([`crate::kinds`]),
//! language (`fr`, `en`) and channel (`email`: subject, text and optional HTML; `sms`: text;
//! `inbox`: subject and text), written in MiniJinja's syntax (`{{ reference }}`,
//! `{% if message %}...{% endif %}`). Shipped defaults exist for every kind in both languages;
//! a commune's administrators replace any of them through the API, and deleting theirs brings
//! the default back.
//!
//! Saving checks each part: a syntax error, or a placeholder the kind does not have, is a 400
//! naming the part (`subject`, `text`, `html`), and nothing is written; a template must also
//! render with sample data. E-mails always carry a plain-text part; their HTML part is the
//! commune's `html` template rendered with HTML auto-escaping (whatever a citizen typed, a
//! name or a message, is inserted escaped), or else the text part escaped into paragraphs.
//! Rendering is bounded (MiniJinja's fuel): a template cannot loop forever.
//!
//! Routes (administrators of the commune):
//! - `GET /api/notifications/templates`: every kind, language and channel, customised or not;
//! - `GET, PUT, DELETE /api/notifications/templates/{kind}/{language}/{channel}`;
//! - `POST /api/notifications/templates/{kind}/{language}/{channel}/preview`: the template (or
//!   the unsaved one in the body) rendered with sample data.

use std::collections::BTreeMap;

use guichet_guest::caller::Caller;
use guichet_guest::codes::Role;
use guichet_guest::context::Ctx;
use guichet_guest::db::{self, Connection};
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, response, ApiError, FieldError};
use minijinja::{AutoEscape, Environment, Value};
use serde::Deserialize;
use serde_json::{json, Value as Json};
use spin_sdk::http::Response;

use crate::kinds::{self, Kind};

/// Longest part of a template, in characters.
const MAX_SOURCE: usize = 10_000;
/// Rendering budget (MiniJinja instructions).
const FUEL: u64 = 50_000;
/// Longest rendered text or HTML part.
const MAX_RENDERED: usize = 20_000;

pub const LANGUAGES: &[&str] = &["fr", "en"];

/// A template: its parts' sources.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Source {
    pub subject: Option<String>,
    pub text: String,
    pub html: Option<String>,
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
}

/// The values a template is rendered with (its kind's placeholders; absent ones are none).
#[derive(Debug, Clone, Default)]
pub struct Vars(BTreeMap<String, Value>);

impl Vars {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `name` (a text, `None` for none).
    pub fn text(mut self, name: &str, value: Option<&str>) -> Self {
        self.0
            .insert(name.to_owned(), value.map_or(Value::from(()), Value::from));
        self
    }

    pub fn value(mut self, name: &str, value: Value) -> Self {
        self.0.insert(name.to_owned(), value);
        self
    }

    fn context(&self, kind: &Kind) -> Value {
        let mut map: BTreeMap<String, Value> = kind
            .placeholders
            .iter()
            .map(|p| ((*p).to_owned(), Value::from(())))
            .collect();
        map.extend(self.0.clone());
        Value::from_object(map)
    }
}

/// The commune's own templates, loaded once per event (few rows).
#[derive(Debug, Default)]
pub struct Templates {
    own: BTreeMap<(String, String, String), Source>,
}

impl Templates {
    /// The shipped defaults only.
    #[cfg(test)]
    pub fn defaults() -> Self {
        Self::default()
    }

    /// `commune`'s templates.
    pub fn load(conn: &Connection, commune: &str) -> anyhow::Result<Self> {
        let result = db::query(
            conn,
            "SELECT kind, language, channel, subject, body_text, body_html FROM templates WHERE commune = ?",
            &[db::text(commune)],
        )?;
        let mut own = BTreeMap::new();
        for row in db::rows(&result) {
            let text = |name: &str| row.get::<Option<String>>(name).ok().flatten();
            own.insert(
                (
                    text("kind").unwrap_or_default(),
                    text("language").unwrap_or_default(),
                    text("channel").unwrap_or_default(),
                ),
                Source {
                    subject: text("subject"),
                    text: text("body_text").unwrap_or_default(),
                    html: text("body_html"),
                },
            );
        }
        Ok(Self { own })
    }

    /// The template of `kind` in `language` for `channel`: the commune's, else the default.
    pub fn source(&self, kind: &str, language: &str, channel: &str) -> Source {
        self.own
            .get(&(kind.to_owned(), language.to_owned(), channel.to_owned()))
            .cloned()
            .unwrap_or_else(|| default(kind, language, channel))
    }

    /// Renders `kind` in `language` for `channel` with `vars`. A commune's template that fails
    /// at rendering (it rendered with sample data when saved) falls back to the default.
    pub fn render(&self, kind: &str, language: &str, channel: &str, vars: &Vars) -> Rendered {
        let source = self.source(kind, language, channel);
        render(kind, language, channel, &source, vars)
            .or_else(|error| {
                eprintln!(
                    "template {kind}/{language}/{channel}: {}; the default is used",
                    error.message
                );
                render(
                    kind,
                    language,
                    channel,
                    &default(kind, language, channel),
                    vars,
                )
            })
            .unwrap_or_else(|error| {
                eprintln!(
                    "default template {kind}/{language}/{channel}: {}",
                    error.message
                );
                Rendered::default()
            })
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.set_fuel(Some(FUEL));
    env
}

/// Renders `source` (see [`Templates::render`]); the error names the part.
fn render(
    kind: &str,
    language: &str,
    channel: &str,
    source: &Source,
    vars: &Vars,
) -> Result<Rendered, FieldError> {
    let kind = kinds::find(kind)
        .ok_or_else(|| FieldError::new("kind", "unknown", "no such kind of message"))?;
    let env = environment();
    let context = vars.context(kind);
    let part = |name: &str, file: &str, text: &str| -> Result<String, FieldError> {
        let rendered = env
            .template_from_named_str(file, text)
            .and_then(|t| t.render(context.clone()))
            .map_err(|e| {
                FieldError::new(
                    name,
                    "render",
                    format!("{name} does not render: {}", describe(&e)),
                )
            })?;
        if rendered.chars().count() > MAX_RENDERED {
            return Err(FieldError::new(
                name,
                "too_long",
                format!("{name} renders longer than {MAX_RENDERED} characters"),
            ));
        }
        Ok(rendered)
    };
    let subject = match &source.subject {
        Some(subject) => guichet_guest::text::one_line(&part("subject", "subject.txt", subject)?),
        None => String::new(),
    };
    let text = part("text", "text.txt", &source.text)?;
    let html = match (channel, &source.html) {
        ("email", Some(html)) => Some(part("html", "body.html", html)?),
        ("email", None) => Some(html_of_text(&text, language)),
        _ => None,
    };
    Ok(Rendered {
        subject,
        text,
        html,
    })
}

/// An error of MiniJinja as one line without the source around it.
fn describe(error: &minijinja::Error) -> String {
    let mut text = error
        .detail()
        .map_or_else(|| format!("{:?}", error.kind()), str::to_owned);
    if let Some(line) = error.line() {
        text.push_str(&format!(" (line {line})"));
    }
    text
}

/// Checks a template's parts for `kind` and `channel`: syntax, placeholders, then a
/// rendering with sample data. Every problem, each naming its part.
pub fn check(kind: &Kind, language: &str, channel: &str, source: &Source) -> Vec<FieldError> {
    let env = environment();
    let mut errors = Vec::new();
    let parts = [
        ("subject", "subject.txt", source.subject.as_deref()),
        ("text", "text.txt", Some(source.text.as_str())),
        ("html", "body.html", source.html.as_deref()),
    ];
    for (name, file, text) in parts {
        let Some(text) = text else { continue };
        if text.chars().count() > MAX_SOURCE {
            errors.push(FieldError::new(
                name,
                "too_long",
                format!("{name} is at most {MAX_SOURCE} characters"),
            ));
            continue;
        }
        match env.template_from_named_str(file, text) {
            Err(error) => errors.push(FieldError::new(
                name,
                "syntax",
                format!("{name} is not a valid template: {}", describe(&error)),
            )),
            Ok(template) => {
                let mut unknown: Vec<String> = template
                    .undeclared_variables(false)
                    .into_iter()
                    .filter(|v| !kind.placeholders.contains(&v.as_str()))
                    .collect();
                unknown.sort();
                if !unknown.is_empty() {
                    errors.push(FieldError::new(
                        name,
                        "unknown_placeholder",
                        format!(
                            "{name} uses {} unknown to {} (known: {})",
                            unknown.join(", "),
                            kind.name,
                            kind.placeholders.join(", ")
                        ),
                    ));
                }
            }
        }
    }
    if errors.is_empty() {
        if let Err(error) = render(
            kind.name,
            language,
            channel,
            source,
            &sample(kind.name, language),
        ) {
            errors.push(error);
        }
    }
    errors
}

/// Sample values for previews and for the check at saving.
pub fn sample(kind: &str, language: &str) -> Vars {
    let fr = language == "fr";
    let vars = Vars::new()
        .text("name", Some("Anne Martin"))
        .text("reference", Some("2026-000123"))
        .text(
            "service",
            Some(if fr {
                "Signaler un nid-de-poule"
            } else {
                "Report a pothole"
            }),
        )
        .text(
            "state",
            Some(if fr { "Pris en compte" } else { "Acknowledged" }),
        )
        .text(
            "message",
            Some(if fr {
                "L'équipe passe lundi."
            } else {
                "The crew comes on Monday."
            }),
        )
        .text(
            "link",
            Some("https://mairie.example/track?reference=2026-000123"),
        );
    match kind {
        "signature_reminder" => vars
            .text("title", Some(if fr { "Facture 42" } else { "Invoice 42" }))
            .text("purpose", Some("approval"))
            .text("due_on", Some("2026-12-09"))
            .value("overdue", Value::from(false))
            .text(
                "link",
                Some("https://mairie.example/api/signatures/flows/f1"),
            ),
        "agent_digest" => {
            let item = digest_item(
                "agent_assigned",
                "2026-000123",
                if fr {
                    "Signaler un nid-de-poule"
                } else {
                    "Report a pothole"
                },
                language,
            );
            vars.value("items", Value::from(vec![item]))
                .value("count", Value::from(1))
        }
        _ => vars,
    }
}

/// One line of an agent's digest: `reference`, `service`, and `what` (the kind, said in
/// `language`).
pub fn digest_item(kind: &str, reference: &str, service: &str, language: &str) -> Value {
    let what = match (kind, language == "fr") {
        ("agent_assigned", true) => "vous a été attribuée",
        ("agent_assigned", false) => "assigned to you",
        ("agent_overdue", true) => "en retard",
        ("agent_overdue", false) => "overdue",
        (_, true) => "réponse de l'usager",
        (_, false) => "the citizen replied",
    };
    let mut map = BTreeMap::new();
    map.insert("kind".to_owned(), Value::from(kind));
    map.insert("reference".to_owned(), Value::from(reference));
    map.insert("service".to_owned(), Value::from(service));
    map.insert("what".to_owned(), Value::from(what));
    Value::from_object(map)
}

/// The HTML part made of the text part: escaped, one paragraph per block of lines, web
/// addresses made links.
pub fn html_of_text(text: &str, language: &str) -> String {
    let mut body = String::new();
    for block in text.split("\n\n").map(str::trim).filter(|b| !b.is_empty()) {
        let lines: Vec<String> = block.lines().map(linked).collect();
        body.push_str(&format!("<p>{}</p>\n", lines.join("<br>\n")));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"></head><body>\n{body}</body></html>\n",
        if language == "en" { "en" } else { "fr" }
    )
}

/// One line escaped, its `http(s)://` addresses made links.
fn linked(line: &str) -> String {
    let mut out = String::new();
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let escaped = guichet_guest::markup::escape(word);
        if word.starts_with("https://") || word.starts_with("http://") {
            out.push_str(&format!("<a href=\"{escaped}\">{escaped}</a>"));
        } else {
            out.push_str(&escaped);
        }
    }
    out
}


// --- The shipped defaults ---

const HELLO_FR: &str = "{% if name %}Bonjour {{ name }},{% else %}Bonjour,{% endif %}";
const HELLO_EN: &str = "{% if name %}Hello {{ name }},{% else %}Hello,{% endif %}";
const MESSAGE_FR: &str = "{% if message %}\nMessage de la mairie :\n{{ message }}\n{% endif %}";
const MESSAGE_EN: &str =
    "{% if message %}\nMessage from the town hall:\n{{ message }}\n{% endif %}";
const FOLLOW_FR: &str = "Suivez votre demande en ligne : {{ link }}\nMunissez-vous du code de suivi remis lors du dépôt (il n'est jamais envoyé par message).\n";
const FOLLOW_EN: &str = "Follow your request online: {{ link }}\nYou will need the tracking code you were given when filing (it is never sent in a message).\n";

/// (subject, main sentence, SMS head) of a kind in a language.
fn phrases(kind: &str, fr: bool) -> (&'static str, &'static str, &'static str) {
    match (kind, fr) {
        ("request_filed", true) => ("Demande {{ reference }} enregistrée", "Votre demande « {{ service }} » est enregistrée sous la référence {{ reference }}.{% if state %}\nÉtat : {{ state }}.{% endif %}", "Demande {{ reference }} enregistrée ({{ service }})."),
        ("request_filed", false) => ("Request {{ reference }} received", "Your request \"{{ service }}\" is registered under the reference {{ reference }}.{% if state %}\nStatus: {{ state }}.{% endif %}", "Request {{ reference }} received ({{ service }})."),
        ("request_status", true) => ("Demande {{ reference }} : {{ state }}", "Votre demande « {{ service }} » ({{ reference }}) a changé d'état : {{ state }}.", "Demande {{ reference }} : {{ state }}."),
        ("request_status", false) => ("Request {{ reference }}: {{ state }}", "The status of your request \"{{ service }}\" ({{ reference }}) has changed: {{ state }}.", "Request {{ reference }}: {{ state }}."),
        ("request_followed", true) => ("Vous suivez la demande {{ reference }}", "Vous suivez désormais la demande « {{ service }} » ({{ reference }}).", "Vous suivez la demande {{ reference }}."),
        ("request_followed", false) => ("You follow request {{ reference }}", "You now follow the request \"{{ service }}\" ({{ reference }}).", "You follow request {{ reference }}."),
        ("request_message", true) => ("Nouveau message sur votre demande {{ reference }}", "La mairie vous a écrit au sujet de votre demande « {{ service }} » ({{ reference }}).", "Nouveau message sur la demande {{ reference }}."),
        ("request_message", false) => ("New message about your request {{ reference }}", "The town hall wrote to you about your request \"{{ service }}\" ({{ reference }}).", "New message about request {{ reference }}."),
        ("agent_assigned", true) => ("Demande {{ reference }} : elle vous est attribuée", "La demande « {{ service }} » ({{ reference }}) vous a été attribuée.", ""),
        ("agent_assigned", false) => ("Request {{ reference }} assigned to you", "The request \"{{ service }}\" ({{ reference }}) was assigned to you.", ""),
        ("agent_overdue", true) => ("Demande {{ reference }} en retard", "La demande « {{ service }} » ({{ reference }}) a dépassé sa date prévue.", ""),
        ("agent_overdue", false) => ("Request {{ reference }} is overdue", "The request \"{{ service }}\" ({{ reference }}) is past its expected date.", ""),
        ("agent_reply", true) => ("Demande {{ reference }} : réponse de l'usager", "L'usager a répondu sur la demande « {{ service }} » ({{ reference }}).", ""),
        ("agent_reply", false) => ("Request {{ reference }}: the citizen replied", "The citizen replied on the request \"{{ service }}\" ({{ reference }}).", ""),
        ("signature_reminder", true) => (
            "{% if overdue %}Signature en retard : {{ title }}{% else %}À signer avant le {{ due_on }} : {{ title }}{% endif %}",
            "{% if overdue %}Votre signature sur « {{ title }} » ({{ purpose }}) était attendue le {{ due_on }}.{% else %}Votre signature est attendue sur « {{ title }} » ({{ purpose }}) avant le {{ due_on }}.{% endif %}{% if link %}\n\n{{ link }}{% endif %}",
            "",
        ),
        ("signature_reminder", false) => (
            "{% if overdue %}Signature overdue: {{ title }}{% else %}To sign by {{ due_on }}: {{ title }}{% endif %}",
            "{% if overdue %}Your signature on \"{{ title }}\" ({{ purpose }}) was expected on {{ due_on }}.{% else %}Your signature is expected on \"{{ title }}\" ({{ purpose }}) by {{ due_on }}.{% endif %}{% if link %}\n\n{{ link }}{% endif %}",
            "",
        ),
        ("agent_digest", true) => (
            "Votre résumé : {{ count }} demande(s) vous concernent",
            "Depuis votre dernier résumé :\n{% for item in items %}\n- {{ item.reference }} ({{ item.service }}) : {{ item.what }}{% endfor %}",
            "",
        ),
        ("agent_digest", false) => (
            "Your digest: {{ count }} request(s) concern you",
            "Since your last digest:\n{% for item in items %}\n- {{ item.reference }} ({{ item.service }}): {{ item.what }}{% endfor %}",
            "",
        ),
        _ => ("", "", ""),
    }
}

/// The shipped template of `kind` in `language` for `channel`.
pub fn default(kind: &str, language: &str, channel: &str) -> Source {
    let fr = language != "en";
    let (subject, main, sms) = phrases(kind, fr);
    let citizen = kinds::find(kind).is_some_and(|k| k.audience == kinds::Audience::Citizen);
    let (hello, message, follow) = if fr {
        (HELLO_FR, MESSAGE_FR, FOLLOW_FR)
    } else {
        (HELLO_EN, MESSAGE_EN, FOLLOW_EN)
    };
    match channel {
        "sms" => Source {
            subject: None,
            text: format!(
                "{sms}{{% if message %}} {{{{ message }}}}{{% endif %}} {} {{{{ link }}}}",
                if fr { "Suivi :" } else { "Track:" }
            ),
            html: None,
        },
        "inbox" => Source {
            subject: Some(subject.to_owned()),
            text: if citizen {
                format!("{main}{{% if message %}}\n\n{{{{ message }}}}{{% endif %}}")
            } else {
                main.to_owned()
            },
            html: None,
        },
        _ => Source {
            subject: Some(subject.to_owned()),
            text: if citizen {
                format!("{hello}\n\n{main}\n{message}\n{follow}")
            } else {
                format!("{hello}\n\n{main}\n")
            },
            html: None,
        },
    }
}

// --- The API ---

/// The caller, who must be an administrator of the commune.
fn admin(ctx: &Ctx<'_, Caller>) -> Result<String, ApiError> {
    let caller = ctx.caller()?.require_signed_in()?;
    caller.require(Role::Admin)?;
    Ok(caller.account().unwrap_or("?").to_owned())
}

/// The kind, language and channel of a path, each checked (400 naming it).
fn address(
    kind: &str,
    language: &str,
    channel: &str,
) -> Result<(&'static Kind, &'static str, &'static str), ApiError> {
    let mut errors = Vec::new();
    let found = kinds::find(kind);
    if found.is_none() {
        errors.push(FieldError::new(
            "kind",
            "unknown",
            format!(
                "no kind of message named {kind:?}; known: {}",
                kinds::KINDS
                    .iter()
                    .map(|k| k.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let lang = LANGUAGES.iter().find(|l| **l == language).copied();
    if lang.is_none() {
        errors.push(FieldError::new(
            "language",
            "unknown",
            "the language is fr or en",
        ));
    }
    let chan = found.and_then(|k| k.channels.iter().find(|c| **c == channel).copied());
    if found.is_some() && chan.is_none() {
        errors.push(FieldError::new(
            "channel",
            "unknown",
            format!(
                "{kind} has templates for {}",
                found.map(|k| k.channels.join(", ")).unwrap_or_default()
            ),
        ));
    }
    match (found, lang, chan) {
        (Some(k), Some(l), Some(c)) if errors.is_empty() => Ok((k, l, c)),
        _ => Err(ApiError::BadRequest { errors }),
    }
}

fn describe_template(
    kind: &Kind,
    language: &str,
    channel: &str,
    source: &Source,
    customised: bool,
) -> Json {
    json!({
        "kind": kind.name, "language": language, "channel": channel,
        "subject": source.subject, "text": source.text, "html": source.html,
        "customised": customised, "placeholders": kind.placeholders,
        "must_send": kind.duty == kinds::Duty::Always,
    })
}

/// `GET /api/notifications/templates` (admin): every template, the commune's or the default.
pub fn list(ctx: &Ctx<'_, Caller>) -> Result<Response, ApiError> {
    admin(ctx)?;
    let templates = Templates::load(ctx.conn(), ctx.commune().as_str())?;
    let mut all = Vec::new();
    for kind in kinds::KINDS {
        for language in LANGUAGES {
            for channel in kind.channels {
                let key = (
                    kind.name.to_owned(),
                    (*language).to_owned(),
                    (*channel).to_owned(),
                );
                let customised = templates.own.contains_key(&key);
                all.push(describe_template(
                    kind,
                    language,
                    channel,
                    &templates.source(kind.name, language, channel),
                    customised,
                ));
            }
        }
    }
    Ok(response::json(200, &json!({"templates": all})))
}

/// `GET /api/notifications/templates/{kind}/{language}/{channel}` (admin).
pub fn get(
    ctx: &Ctx<'_, Caller>,
    kind: &str,
    language: &str,
    channel: &str,
) -> Result<Response, ApiError> {
    admin(ctx)?;
    let (kind, language, channel) = address(kind, language, channel)?;
    let templates = Templates::load(ctx.conn(), ctx.commune().as_str())?;
    let customised = templates.own.contains_key(&(
        kind.name.to_owned(),
        language.to_owned(),
        channel.to_owned(),
    ));
    Ok(response::json(
        200,
        &describe_template(
            kind,
            language,
            channel,
            &templates.source(kind.name, language, channel),
            customised,
        ),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    subject: Option<String>,
    text: String,
    html: Option<String>,
}

const BODY: Shape = Shape::Object(&[
    Member::optional("subject", Shape::Text),
    Member::required("text", Shape::Text),
    Member::optional("html", Shape::Text),
]);

/// The template in a request body, checked for `kind`/`channel`: an e-mail and an inbox
/// message need a `subject`, an SMS has none; only an e-mail has `html`.
fn body_source(
    ctx: &Ctx<'_, Caller>,
    kind: &Kind,
    language: &str,
    channel: &str,
) -> Result<Source, ApiError> {
    let body: Body = shape::decode(body::json(ctx.request(), body::DEFAULT_MAX_JSON)?, &BODY)?;
    let mut errors = Vec::new();
    let subject = body.subject.filter(|s| !s.trim().is_empty());
    match (channel, &subject) {
        ("sms", Some(_)) => errors.push(FieldError::new(
            "subject",
            "not_allowed",
            "an SMS has no subject",
        )),
        ("email" | "inbox", None) => errors.push(FieldError::new(
            "subject",
            "required",
            "this channel's messages have a subject",
        )),
        _ => {}
    }
    if channel != "email" && body.html.is_some() {
        errors.push(FieldError::new(
            "html",
            "not_allowed",
            "only e-mails have an HTML part",
        ));
    }
    if body.text.trim().is_empty() {
        errors.push(FieldError::new(
            "text",
            "required",
            "the text part is required (e-mails always carry one)",
        ));
    }
    let source = Source {
        subject,
        text: body.text,
        html: body.html.filter(|h| !h.trim().is_empty()),
    };
    if errors.is_empty() {
        errors = check(kind, language, channel, &source);
    }
    if errors.is_empty() {
        Ok(source)
    } else {
        Err(ApiError::BadRequest { errors })
    }
}

/// `PUT /api/notifications/templates/{kind}/{language}/{channel}` (admin)
/// `{"subject"?,"text","html"?}`: the commune's template from now on. 200 with it.
pub fn put(
    ctx: &Ctx<'_, Caller>,
    kind: &str,
    language: &str,
    channel: &str,
) -> Result<Response, ApiError> {
    let by = admin(ctx)?;
    let (kind, language, channel) = address(kind, language, channel)?;
    let source = body_source(ctx, kind, language, channel)?;
    let opt = |v: &Option<String>| v.as_deref().map_or(db::Value::Null, db::text);
    db::exec(
        ctx.conn(),
        &format!(
            "INSERT INTO templates (commune, kind, language, channel, subject, body_text, body_html, updated_at, updated_by) \
             VALUES (?, ?, ?, ?, ?, ?, ?, {now}, ?) ON CONFLICT (commune, kind, language, channel) DO UPDATE SET \
             subject = excluded.subject, body_text = excluded.body_text, body_html = excluded.body_html, \
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            now = db::NOW_RFC3339
        ),
        &[
            db::text(ctx.commune().as_str()),
            db::text(kind.name),
            db::text(language),
            db::text(channel),
            opt(&source.subject),
            db::text(source.text.as_str()),
            opt(&source.html),
            db::text(by.as_str()),
        ],
    )?;
    eprintln!("template {}/{language}/{channel} saved by {by}", kind.name);
    Ok(response::json(
        200,
        &describe_template(kind, language, channel, &source, true),
    ))
}

/// `DELETE /api/notifications/templates/{kind}/{language}/{channel}` (admin): back to the
/// default. 200 with the default, 404 when the commune had none of its own.
pub fn delete(
    ctx: &Ctx<'_, Caller>,
    kind: &str,
    language: &str,
    channel: &str,
) -> Result<Response, ApiError> {
    admin(ctx)?;
    let (kind, language, channel) = address(kind, language, channel)?;
    db::exec(
        ctx.conn(),
        "DELETE FROM templates WHERE commune = ? AND kind = ? AND language = ? AND channel = ?",
        &[
            db::text(ctx.commune().as_str()),
            db::text(kind.name),
            db::text(language),
            db::text(channel),
        ],
    )?;
    if ctx.conn().changes() == 0 {
        return Err(ApiError::NotFound);
    }
    Ok(response::json(
        200,
        &describe_template(
            kind,
            language,
            channel,
            &default(kind.name, language, channel),
            false,
        ),
    ))
}

/// `POST /api/notifications/templates/{kind}/{language}/{channel}/preview` (admin): the
/// template in the body (checked as when saved), or without a body the current one, rendered
/// with sample data: `{"subject","text","html"}`.
pub fn preview(
    ctx: &Ctx<'_, Caller>,
    kind: &str,
    language: &str,
    channel: &str,
) -> Result<Response, ApiError> {
    admin(ctx)?;
    let (kind, language, channel) = address(kind, language, channel)?;
    let source = if ctx.request().body().is_empty() {
        Templates::load(ctx.conn(), ctx.commune().as_str())?.source(kind.name, language, channel)
    } else {
        body_source(ctx, kind, language, channel)?
    };
    let rendered = render(
        kind.name,
        language,
        channel,
        &source,
        &sample(kind.name, language),
    )
    .map_err(|e| ApiError::BadRequest { errors: vec![e] })?;
    Ok(response::json(
        200,
        &json!({"subject": (channel != "sms").then_some(rendered.subject), "text": rendered.text, "html": rendered.html}),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_default_in_both_languages_that_renders_with_sample_data() {
        for kind in kinds::KINDS {
            for language in LANGUAGES {
                for channel in kind.channels {
                    let source = default(kind.name, language, channel);
                    assert!(
                        !source.text.is_empty(),
                        "{} {language} {channel}",
                        kind.name
                    );
                    assert_eq!(
                        check(kind, language, channel, &source),
                        [],
                        "{} {language} {channel}",
                        kind.name
                    );
                    let rendered = render(
                        kind.name,
                        language,
                        channel,
                        &source,
                        &sample(kind.name, language),
                    )
                    .expect("renders");
                    assert!(
                        rendered.text.contains("2026-000123") || kind.name == "signature_reminder",
                        "{} {language} {channel}: {}",
                        kind.name,
                        rendered.text
                    );
                    assert_eq!(rendered.html.is_some(), *channel == "email");
                }
            }
        }
    }

    #[test]
    fn unknown_placeholders_and_broken_syntax_name_the_part() {
        let kind = kinds::find("request_status").expect("kind");
        let source = Source {
            subject: Some("{{ reference }} {{ password }}".into()),
            text: "{% if state %}open".into(),
            html: Some("<p>{{ name }}</p>".into()),
        };
        let errors = check(kind, "fr", "email", &source);
        let got: Vec<(Option<&str>, &str)> = errors
            .iter()
            .map(|e| (e.field.as_deref(), e.code.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (Some("subject"), "unknown_placeholder"),
                (Some("text"), "syntax")
            ]
        );
        assert!(
            errors[0].message.contains("password"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn the_html_part_escapes_what_it_inserts_and_the_text_part_does_not() {
        let kind = "request_message";
        let vars = sample(kind, "en")
            .text("name", Some("<script>alert(1)</script>"))
            .text("message", Some("a < b & \"c\""));
        let own = Source {
            subject: Some("Hi {{ name }}".into()),
            text: "Hi {{ name }}: {{ message }}".into(),
            html: Some("<p>Hi {{ name }}: {{ message }}</p>".into()),
        };
        let r = render(kind, "en", "email", &own, &vars).expect("renders");
        let html = r.html.expect("html");
        assert!(
            html.contains("&lt;script&gt;") && !html.contains("<script>"),
            "{html}"
        );
        assert!(html.contains("a &lt; b &amp; &quot;c&quot;"), "{html}");
        assert_eq!(r.text, "Hi <script>alert(1)</script>: a < b & \"c\"");
        let derived = render(kind, "en", "email", &default(kind, "en", "email"), &vars)
            .expect("renders")
            .html
            .expect("html");
        assert!(
            derived.contains("&lt;script&gt;") && !derived.contains("<script>"),
            "{derived}"
        );
        assert!(
            derived.contains("<a href=\"https://mairie.example/track?reference=2026-000123\">"),
            "{derived}"
        );
    }

    #[test]
    fn a_template_that_loops_forever_runs_out_of_fuel() {
        let kind = kinds::find("agent_digest").expect("kind");
        let source = Source { subject: Some("x".into()), text: "{% for item in items %}{% for i in items %}{% for j in items %}{{ count }}{% endfor %}{% endfor %}{% endfor %}".into(), html: None };
        let items: Vec<Value> = (0..200)
            .map(|_| digest_item("agent_assigned", "r", "s", "fr"))
            .collect();
        let vars = Vars::new()
            .value("items", Value::from(items))
            .value("count", Value::from(1));
        assert!(render(kind.name, "fr", "email", &source, &vars).is_err());
    }
}
