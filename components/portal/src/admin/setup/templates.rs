//! `/admin/setup/templates...`: the commune's message templates, through notifications'
//! `/api/notifications/templates...`.
//!
//! - `GET /admin/setup/templates`: every kind of message in each language and channel, the
//!   commune's own or the default.
//! - `GET /admin/setup/templates/{kind}/{language}/{channel}`: one template's parts (subject,
//!   text, HTML for e-mails) and the placeholders it may use; `POST` saves it (`PUT`), or with
//!   `preview` renders the text being written with sample data without saving;
//!   `POST .../reset` brings the default back (`DELETE`).

use askama::Template;
use guichet_guest::{ApiError, FieldError};
use serde_json::{json, Value as Json};
use spin_sdk::http::{Method, Response};

use super::{in_lang, done, only_post, posting, segment, text, Section, Staff};
use crate::admin::{outcome, see_other, AdminChrome};
use crate::i18n::Lang;

pub struct TemplateTexts {
    title: &'static str,
    intro: &'static str,
    kind: &'static str,
    language: &'static str,
    channel: &'static str,
    own: &'static str,
    default: &'static str,
    must_send: &'static str,
    edit: &'static str,
    all: &'static str,
    subject: &'static str,
    text: &'static str,
    html: &'static str,
    html_hint: &'static str,
    placeholders: &'static str,
    preview_button: &'static str,
    save: &'static str,
    reset: &'static str,
    reset_note: &'static str,
    preview: &'static str,
    preview_note: &'static str,
    html_source: &'static str,
    done: [(&'static str, &'static str); 3],
}

const FR: TemplateTexts = TemplateTexts {
    title: "Modèles de messages",
    intro: "Chaque message existe en français et en anglais, par courriel, SMS et dans l’espace personnel. Les modèles s’écrivent avec des variables entre doubles accolades, par exemple {{ reference }}.",
    kind: "Message",
    language: "Langue",
    channel: "Canal",
    own: "modèle de la commune",
    default: "modèle par défaut",
    must_send: "toujours envoyé",
    edit: "Modifier",
    all: "Tous les modèles",
    subject: "Objet",
    text: "Texte",
    html: "Version HTML (facultative)",
    html_hint: "Vide : le texte mis en paragraphes. Les valeurs insérées sont toujours échappées.",
    placeholders: "Variables possibles",
    preview_button: "Aperçu",
    save: "Enregistrer le modèle",
    reset: "Revenir au modèle par défaut",
    reset_note: "Le modèle de la commune est effacé ; le modèle par défaut s’applique de nouveau.",
    preview: "Aperçu avec des données d’exemple",
    preview_note: "Rien n’est enregistré ni envoyé.",
    html_source: "Source HTML",
    done: [
        ("saved", "Le modèle est enregistré : les prochains messages l’utilisent."),
        ("reset", "Le modèle par défaut s’applique de nouveau."),
        ("default", "Ce modèle était déjà celui par défaut."),
    ],
};

const EN: TemplateTexts = TemplateTexts {
    title: "Message templates",
    intro: "Each message exists in French and English, by e-mail, text message and in the personal space. Templates use variables in double braces, for instance {{ reference }}.",
    kind: "Message",
    language: "Language",
    channel: "Channel",
    own: "the commune's template",
    default: "default template",
    must_send: "always sent",
    edit: "Edit",
    all: "All templates",
    subject: "Subject",
    text: "Text",
    html: "HTML version (optional)",
    html_hint: "Empty: the text in paragraphs. Inserted values are always escaped.",
    placeholders: "Variables available",
    preview_button: "Preview",
    save: "Save the template",
    reset: "Back to the default template",
    reset_note: "The commune's template is erased; the default applies again.",
    preview: "Preview with sample data",
    preview_note: "Nothing is saved or sent.",
    html_source: "HTML source",
    done: [
        ("saved", "The template is saved: the next messages use it."),
        ("reset", "The default template applies again."),
        ("default", "This template already was the default."),
    ],
};

fn texts(lang: Lang) -> &'static TemplateTexts {
    in_lang(lang, &FR, &EN)
}

pub async fn route(staff: &Staff<'_, '_>, rest: &[&str]) -> Result<Response, ApiError> {
    match rest {
        [] => {
            guichet_guest::routing::only_get(staff.ctx.request())?;
            list(staff).await
        }
        [kind, language, channel] => {
            let address = format!("{}/{}/{}", segment(kind)?, segment(language)?, segment(channel)?);
            if posting(staff)? {
                save(staff, &address).await
            } else {
                let current = staff.get_json(&format!("/api/notifications/templates/{address}")).await?;
                let values = Values::of(&current);
                edit(staff, &address, &current, values, None, Vec::new(), 200)
            }
        }
        [kind, language, channel, "reset"] => {
            only_post(staff)?;
            let address = format!("{}/{}/{}", segment(kind)?, segment(language)?, segment(channel)?);
            reset(staff, &address).await
        }
        _ => Err(ApiError::NotFound),
    }
}

struct Line {
    href: String,
    kind: String,
    language: String,
    channel: String,
    own: bool,
    must_send: bool,
}

#[derive(Template)]
#[template(path = "admin/setup/templates.html")]
struct ListPage {
    chrome: AdminChrome,
    x: &'static TemplateTexts,
    done: Option<&'static str>,
    errors: Vec<FieldError>,
    lines: Vec<Line>,
}

async fn list(staff: &Staff<'_, '_>) -> Result<Response, ApiError> {
    let x = texts(staff.lang);
    let body = staff.get_json("/api/notifications/templates").await?;
    let lines = body
        .get("templates")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .map(|t| Line {
            href: format!("/admin/setup/templates/{}/{}/{}", text(t, "/kind"), text(t, "/language"), text(t, "/channel")),
            kind: text(t, "/kind"),
            language: text(t, "/language"),
            channel: text(t, "/channel"),
            own: t.get("customised").and_then(Json::as_bool).unwrap_or(false),
            must_send: t.get("must_send").and_then(Json::as_bool).unwrap_or(false),
        })
        .collect();
    let page = ListPage { chrome: staff.chrome(x.title, Section::Setup), x, done: done(staff, &x.done), errors: Vec::new(), lines };
    staff.answer(200, &page.chrome, &page)
}

/// A template's parts as the form holds them.
struct Values {
    subject: String,
    text: String,
    html: String,
}

impl Values {
    fn of(template: &Json) -> Values {
        Values { subject: text(template, "/subject"), text: text(template, "/text"), html: text(template, "/html") }
    }

    /// The API's body: only the parts the channel has.
    fn body(&self, channel: &str) -> Json {
        let mut body = json!({"text": self.text});
        if channel != "sms" {
            body["subject"] = json!(self.subject);
        }
        if channel == "email" && !self.html.trim().is_empty() {
            body["html"] = json!(self.html);
        }
        body
    }
}

/// A rendering with sample data.
struct Rendered {
    subject: String,
    text: String,
    html: String,
}

#[derive(Template)]
#[template(path = "admin/setup/template.html")]
struct EditPage {
    chrome: AdminChrome,
    x: &'static TemplateTexts,
    done: Option<&'static str>,
    errors: Vec<FieldError>,
    address: String,
    kind: String,
    language: String,
    channel: String,
    own: bool,
    placeholders: Vec<String>,
    v: Values,
    rendered: Option<Rendered>,
}

fn edit(
    staff: &Staff<'_, '_>,
    address: &str,
    current: &Json,
    v: Values,
    rendered: Option<Rendered>,
    errors: Vec<FieldError>,
    status: u16,
) -> Result<Response, ApiError> {
    let x = texts(staff.lang);
    let kind = text(current, "/kind");
    let page = EditPage {
        chrome: staff.chrome(format!("{} {kind}", x.title), Section::Setup),
        x,
        done: done(staff, &x.done),
        errors,
        address: address.to_owned(),
        kind,
        language: text(current, "/language"),
        channel: text(current, "/channel"),
        own: current.get("customised").and_then(Json::as_bool).unwrap_or(false),
        placeholders: current
            .get("placeholders")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .map(|p| format!("{{{{ {p} }}}}"))
            .collect(),
        v,
        rendered,
    };
    staff.answer(status, &page.chrome, &page)
}

/// `POST .../{kind}/{language}/{channel}`: saves, or previews with `preview`.
async fn save(staff: &Staff<'_, '_>, address: &str) -> Result<Response, ApiError> {
    let posted = staff.posted().await?;
    let current = staff.get_json(&format!("/api/notifications/templates/{address}")).await?;
    let channel = text(&current, "/channel");
    let v = Values {
        subject: posted.get("subject").unwrap_or_default().to_owned(),
        text: posted.get("text").unwrap_or_default().to_owned(),
        html: posted.get("html").unwrap_or_default().to_owned(),
    };
    let body = v.body(&channel);
    if posted.get("preview").is_some() {
        let path = format!("/api/notifications/templates/{address}/preview");
        return match staff.send_json(Method::Post, &path, &body).await? {
            Ok(shown) => {
                let rendered = Rendered { subject: text(&shown, "/subject"), text: text(&shown, "/text"), html: text(&shown, "/html") };
                edit(staff, address, &current, v, Some(rendered), Vec::new(), 200)
            }
            Err(errors) => edit(staff, address, &current, v, None, errors, 422),
        };
    }
    match staff.send_json(Method::Put, &format!("/api/notifications/templates/{address}"), &body).await? {
        Ok(_) => Ok(see_other(&format!("/admin/setup/templates/{address}?done=saved"))),
        Err(errors) => edit(staff, address, &current, v, None, errors, 422),
    }
}

/// `POST .../reset`: the default again (a template that was the default already stays so).
async fn reset(staff: &Staff<'_, '_>, address: &str) -> Result<Response, ApiError> {
    staff.posted().await?;
    let answer = staff.call(Method::Delete, &format!("/api/notifications/templates/{address}"), None, &[]).await?;
    if answer.status == 404 {
        return Ok(see_other(&format!("/admin/setup/templates/{address}?done=default")));
    }
    match outcome(&answer)? {
        Ok(_) => Ok(see_other(&format!("/admin/setup/templates/{address}?done=reset"))),
        Err(errors) => {
            let current = staff.get_json(&format!("/api/notifications/templates/{address}")).await?;
            edit(staff, address, &current, Values::of(&current), None, errors, 422)
        }
    }
}
