//! `/admin/setup/...`: the administrators' set-up (issue #14 item 4), for the `admin` role
//! only (an agent or a supervisor gets the 403 page). Each page acts through the owning
//! component's JSON API with the administrator's token, so the component stays the only
//! judge of what is valid; its field errors come back above the form with what was typed.
//!
//! - `/admin/setup`: the index of the set-up pages.
//! - `/admin/setup/services...`: the catalogue editor ([`services`]).
//! - `/admin/setup/staff...`: staff, roles, departments, invitations ([`team`]).
//! - `/admin/setup/api-keys...`: Open311 API keys ([`api_keys`]).
//! - `/admin/setup/branding`: the commune's logo text and colour ([`branding`]).
//! - `/admin/setup/templates...`: notification templates ([`templates`]).
//! - `/admin/setup/webhooks...`: webhooks ([`webhooks`]).
//!
//! A secret the API shows once (an API key, a webhook's signing secret) is shown on the page
//! that answers the POST itself, never carried in a redirect's address.

mod api_keys;
mod branding;
mod services;
mod team;
mod templates;
mod webhooks;

use askama::Template;
use guichet_guest::query::Query;
use guichet_guest::ApiError;
use serde_json::Value as Json;
use spin_sdk::http::{Method, Response};

use super::{AdminChrome, Role, Section, Staff};
use crate::i18n::Lang;

pub async fn route(staff: &Staff<'_, '_>, rest: &[&str]) -> Result<Response, ApiError> {
    staff.require(&[Role::Admin])?;
    match dispatch(staff, rest).await {
        // The address of a form's action, opened (the language switch of a page that came
        // back with errors links to it): the page the form is on.
        Err(ApiError::MethodNotAllowed { .. }) if matches!(staff.ctx.request().method(), Method::Get) => {
            let lang = Query::of(staff.ctx.request()).get("lang").map(|l| format!("?lang={}", super::encode(l)));
            Ok(super::see_other(&format!("{}{}", page_of(rest), lang.unwrap_or_default())))
        }
        answer => answer,
    }
}

/// The page whose form posts to `/admin/setup/{rest}`.
fn page_of(rest: &[&str]) -> String {
    let kept = match rest {
        ["services", _, ..] | ["staff", _, "disable" | "enable"] => 2,
        ["templates", _, _, _, ..] => 4,
        _ => 1,
    };
    let kept: Vec<&str> = rest.iter().take(kept).copied().filter(|s| is_segment(s)).collect();
    format!("/admin/setup/{}", kept.join("/"))
}

async fn dispatch(staff: &Staff<'_, '_>, rest: &[&str]) -> Result<Response, ApiError> {
    match rest {
        [] => {
            guichet_guest::routing::only_get(staff.ctx.request())?;
            index(staff)
        }
        ["services", rest @ ..] => services::route(staff, rest).await,
        ["staff", rest @ ..] => team::route(staff, rest).await,
        ["api-keys", rest @ ..] => api_keys::route(staff, rest).await,
        ["branding"] => branding::route(staff).await,
        ["templates", rest @ ..] => templates::route(staff, rest).await,
        ["webhooks", rest @ ..] => webhooks::route(staff, rest).await,
        _ => Err(ApiError::NotFound),
    }
}

/// A page's words in the page's language (each module keeps a French and an English
/// constant of its own words' struct, so that a missing translation does not compile).
fn in_lang<T>(lang: Lang, fr: &'static T, en: &'static T) -> &'static T {
    match lang {
        Lang::Fr => fr,
        Lang::En => en,
    }
}

/// Whether the page was POSTed (else it must be a GET).
fn posting(staff: &Staff<'_, '_>) -> Result<bool, ApiError> {
    match staff.ctx.request().method() {
        Method::Post => Ok(true),
        Method::Get => Ok(false),
        _ => Err(ApiError::MethodNotAllowed { allow: "GET, POST" }),
    }
}

/// 405 unless the page was POSTed (the routes that only act).
fn only_post(staff: &Staff<'_, '_>) -> Result<(), ApiError> {
    guichet_guest::routing::only_post(staff.ctx.request())
}

/// The confirmation of `?done=<code>`, among the page's `(code, text)` pairs.
fn done(staff: &Staff<'_, '_>, known: &[(&str, &'static str)]) -> Option<&'static str> {
    let query = Query::of(staff.ctx.request());
    let code = query.get("done")?;
    known.iter().find(|(c, _)| *c == code).map(|(_, text)| *text)
}

/// Whether a path segment may go into an API path as it is (ids and codes: letters, digits,
/// `-`, `_`), so that a crafted address cannot reach another route of the API.
fn is_segment(text: &str) -> bool {
    !text.is_empty() && text.len() <= 100 && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// 404 unless [`is_segment`].
fn segment(text: &str) -> Result<&str, ApiError> {
    if is_segment(text) {
        Ok(text)
    } else {
        Err(ApiError::NotFound)
    }
}

/// The text at `pointer` of `item`, or empty.
fn text(item: &Json, pointer: &str) -> String {
    item.pointer(pointer).and_then(Json::as_str).unwrap_or_default().to_owned()
}

struct IndexTexts {
    title: &'static str,
    intro: &'static str,
    /// (href, name, what it is for)
    pages: [(&'static str, &'static str, &'static str); 6],
}

const INDEX_FR: IndexTexts = IndexTexts {
    title: "Paramètres de la commune",
    intro: "Ces pages sont réservées aux administrateurs. Chaque changement s’applique aussitôt, sauf le catalogue : un service change pour les habitants quand vous publiez son brouillon.",
    pages: [
        ("/admin/setup/services", "Catalogue des services", "Services, formulaires, circuits de traitement, publication et versions."),
        ("/admin/setup/staff", "Personnel et services municipaux", "Inviter, changer les rôles et les services municipaux, désactiver un compte."),
        ("/admin/setup/api-keys", "Clés d’API Open311", "Les clés des applications qui déposent des signalements."),
        ("/admin/setup/branding", "Apparence", "Le texte du logo et la couleur de la commune."),
        ("/admin/setup/templates", "Modèles de messages", "Les courriels, SMS et messages envoyés aux habitants et aux agents."),
        ("/admin/setup/webhooks", "Webhooks", "Les adresses prévenues de chaque événement, et leurs secrets."),
    ],
};

const INDEX_EN: IndexTexts = IndexTexts {
    title: "Commune settings",
    intro: "These pages are for administrators. Every change applies at once, except the catalogue: a service changes for residents when you publish its draft.",
    pages: [
        ("/admin/setup/services", "Service catalogue", "Services, forms, workflows, publishing and versions."),
        ("/admin/setup/staff", "Staff and departments", "Invite, change roles and departments, disable an account."),
        ("/admin/setup/api-keys", "Open311 API keys", "The keys of the apps that file reports."),
        ("/admin/setup/branding", "Branding", "The commune's logo text and colour."),
        ("/admin/setup/templates", "Message templates", "The e-mails, text messages and messages sent to residents and agents."),
        ("/admin/setup/webhooks", "Webhooks", "The addresses told of each event, and their secrets."),
    ],
};

#[derive(Template)]
#[template(path = "admin/setup/index.html")]
struct IndexPage {
    chrome: AdminChrome,
    x: &'static IndexTexts,
}

fn index(staff: &Staff<'_, '_>) -> Result<Response, ApiError> {
    let x = in_lang(staff.lang, &INDEX_FR, &INDEX_EN);
    let page = IndexPage { chrome: staff.chrome(x.title, Section::Setup), x };
    staff.answer(200, &page.chrome, &page)
}
