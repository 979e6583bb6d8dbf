//! The signed-in citizen's inbox and message preferences, pages of their space:
//! `GET/POST /mine/inbox` (the messages the commune wrote to their account, unread first in
//! count, marking read) and `GET/POST /mine/preferences` (language, channels, the kinds of
//! messages they turn off, except those the commune must send).
//!
//! Both act through notifications' own API (`/api/notifications/inbox...`,
//! `/api/notifications/preferences`) with the access token of the citizen's browser session
//! (identity's `session-tokens`: no role), relayed by chaining as the back-office relays an
//! agent's calls (`guichet_guest::clients::staff::call`, `wit/staff.wit`): notifications
//! verifies the token and answers for that account only, exactly as for the citizen's own
//! client. A guest is asked to sign in.

use askama::Template;
use guichet_guest::clients::staff::{self, Agent, Relayed};
use guichet_guest::context::Ctx;
use guichet_guest::query::Query;
use guichet_guest::{ApiError, FieldError};
use serde_json::{json, Value as Json};
use spin_sdk::http::{Method, Response};

use crate::admin::{origin, outcome, see_other};
use crate::i18n::Lang;
use crate::page::{self, Chrome};
use crate::posted::Posted;
use crate::{csrf, session};

struct SpaceTexts {
    inbox_title: &'static str,
    inbox_unread: &'static str,
    inbox_empty: &'static str,
    unread: &'static str,
    mark_read: &'static str,
    mark_all_read: &'static str,
    about: &'static str,
    marked: &'static str,
    prefs_title: &'static str,
    prefs_intro: &'static str,
    language: &'static str,
    language_default: &'static str,
    channels: &'static str,
    channel_names: [&'static str; 3],
    opt_out: &'static str,
    opt_out_hint: &'static str,
    kinds: &'static [(&'static str, &'static str)],
    must_send: &'static str,
    save: &'static str,
    saved: &'static str,
    sign_in_first: &'static str,
    sign_in: &'static str,
    back: &'static str,
    errors_heading: &'static str,
}

const FR: SpaceTexts = SpaceTexts {
    inbox_title: "Mes messages",
    inbox_unread: "non lus",
    inbox_empty: "Aucun message pour l’instant : la commune vous écrira ici au sujet de vos demandes.",
    unread: "Non lu",
    mark_read: "Marquer comme lu",
    mark_all_read: "Tout marquer comme lu",
    about: "Demande",
    marked: "Messages marqués comme lus.",
    prefs_title: "Mes préférences de messages",
    prefs_intro: "Choisissez comment et dans quelle langue la commune vous prévient.",
    language: "Langue des messages",
    language_default: "Celle de mon compte",
    channels: "Me prévenir par",
    channel_names: ["Courriel", "SMS", "Messagerie de mon espace"],
    opt_out: "Messages que je ne veux pas recevoir",
    opt_out_hint: "Les accusés de réception et la clôture d’une demande sont toujours envoyés.",
    kinds: &[
        ("request_status", "Changements d’état d’une demande"),
        ("request_message", "Messages des agents sur une demande"),
        ("signature_reminder", "Rappels de signature"),
    ],
    must_send: "toujours envoyés",
    save: "Enregistrer",
    saved: "Préférences enregistrées.",
    sign_in_first: "Connectez-vous pour voir vos messages et vos préférences.",
    sign_in: "Se connecter",
    back: "Retour à mon espace",
    errors_heading: "Le formulaire contient des erreurs",
};

const EN: SpaceTexts = SpaceTexts {
    inbox_title: "My messages",
    inbox_unread: "unread",
    inbox_empty: "No message yet: the commune will write to you here about your requests.",
    unread: "Unread",
    mark_read: "Mark as read",
    mark_all_read: "Mark all as read",
    about: "Request",
    marked: "Messages marked as read.",
    prefs_title: "My message preferences",
    prefs_intro: "Choose how, and in which language, the commune tells you.",
    language: "Language of messages",
    language_default: "My account's",
    channels: "Tell me by",
    channel_names: ["E-mail", "SMS", "My space's inbox"],
    opt_out: "Messages I do not want",
    opt_out_hint: "Receipts and the closing of a request are always sent.",
    kinds: &[
        ("request_status", "Changes of a request's state"),
        ("request_message", "Agents' messages about a request"),
        ("signature_reminder", "Signature reminders"),
    ],
    must_send: "always sent",
    save: "Save",
    saved: "Preferences saved.",
    sign_in_first: "Sign in to see your messages and preferences.",
    sign_in: "Sign in",
    back: "Back to my space",
    errors_heading: "The form has errors",
};

fn texts(lang: Lang) -> &'static SpaceTexts {
    match lang {
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

const CHANNELS: [&str; 3] = ["email", "sms", "inbox"];

/// The signed-in citizen's relayed calls.
struct Citizen {
    token: String,
    origin: String,
    client: String,
}

impl Citizen {
    async fn of(ctx: &Ctx<'_>) -> Result<Option<Citizen>, ApiError> {
        let Some(token) = session::token(ctx).await?.and_then(|t| t.access_token) else {
            return Ok(None);
        };
        Ok(Some(Citizen {
            token,
            origin: origin(ctx)?,
            client: ctx.client().ip().map_or_else(|| "0.0.0.0".to_owned(), |ip| ip.to_string()),
        }))
    }

    async fn call(&self, method: Method, path: &str, body: Option<&Json>) -> Result<Relayed, ApiError> {
        let agent = Agent { origin: &self.origin, client: &self.client, token: &self.token };
        let body = body.map(|b| ("application/json", b.to_string().into_bytes()));
        Ok(staff::call(&agent, method, path, body, &[]).await?)
    }
}

/// One message of the inbox.
struct Message {
    id: String,
    subject: String,
    text: String,
    reference: String,
    date: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct Inbox {
    chrome: Chrome,
    s: &'static SpaceTexts,
    signed_in: bool,
    csrf: String,
    unread: i64,
    messages: Vec<Message>,
    done: bool,
}

#[derive(Template)]
#[template(path = "preferences.html")]
struct Preferences {
    chrome: Chrome,
    s: &'static SpaceTexts,
    signed_in: bool,
    csrf: String,
    language: String,
    channels: Vec<(&'static str, &'static str, bool)>,
    kinds: Vec<(&'static str, &'static str, bool)>,
    errors: Vec<FieldError>,
    done: bool,
}

fn answer(chrome: &Chrome, token: &csrf::Token, status: u16, page: &impl Template) -> Result<Response, ApiError> {
    let mut response = page::answer(status, chrome, page)?;
    response.set_header("cache-control", "no-store");
    token.remember(&mut response);
    Ok(response)
}

/// `GET/POST /mine/inbox`.
pub async fn inbox(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let s = texts(Chrome::lang(ctx));
    let citizen = Citizen::of(ctx).await?;
    let token = csrf::token(ctx.request())?;
    let Some(citizen) = citizen else {
        let page = Inbox { chrome: Chrome::new(ctx, s.inbox_title), s, signed_in: false, csrf: token.value.clone(), unread: 0, messages: Vec::new(), done: false };
        return answer(&page.chrome, &token, 200, &page);
    };
    if ctx.request().method() == &Method::Post {
        let posted = Posted::read(ctx.request()).await?;
        csrf::check(ctx.request(), &posted)?;
        let path = match posted.get("message").filter(|id| !id.is_empty()) {
            Some(id) if id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') => {
                format!("/api/notifications/inbox/{id}/read")
            }
            Some(_) => return Err(ApiError::field("message", "invalid", "not a message of this inbox")),
            None => "/api/notifications/inbox/read-all".to_owned(),
        };
        let marked = citizen.call(Method::Post, &path, Some(&json!({}))).await?;
        crate::admin::accepted(&marked)?;
        return Ok(see_other("/mine/inbox?done=read"));
    }
    let listed = citizen.call(Method::Get, "/api/notifications/inbox?limit=100", None).await?;
    crate::admin::accepted(&listed)?;
    let body = listed.json();
    let text = |m: &Json, k: &str| m.get(k).and_then(Json::as_str).unwrap_or_default().to_owned();
    let messages = body["messages"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|m| Message {
                    id: text(m, "id"),
                    subject: text(m, "subject"),
                    text: text(m, "text"),
                    reference: text(m, "reference"),
                    date: text(m, "created_at").chars().take(10).collect(),
                    unread: m["read_at"].is_null(),
                })
                .collect()
        })
        .unwrap_or_default();
    let page = Inbox {
        chrome: Chrome::new(ctx, s.inbox_title),
        s,
        signed_in: true,
        csrf: token.value.clone(),
        unread: body["unread"].as_i64().unwrap_or(0),
        messages,
        done: Query::of(ctx.request()).get("done") == Some("read"),
    };
    answer(&page.chrome, &token, 200, &page)
}

/// `GET/POST /mine/preferences`.
pub async fn preferences(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let s = texts(Chrome::lang(ctx));
    let citizen = Citizen::of(ctx).await?;
    let token = csrf::token(ctx.request())?;
    let mut page = Preferences {
        chrome: Chrome::new(ctx, s.prefs_title),
        s,
        signed_in: citizen.is_some(),
        csrf: token.value.clone(),
        language: String::new(),
        channels: Vec::new(),
        kinds: Vec::new(),
        errors: Vec::new(),
        done: Query::of(ctx.request()).get("done") == Some("saved"),
    };
    let Some(citizen) = citizen else {
        return answer(&page.chrome, &token, 200, &page);
    };
    let (status, chosen) = if ctx.request().method() == &Method::Post {
        let posted = Posted::read(ctx.request()).await?;
        csrf::check(ctx.request(), &posted)?;
        let language = posted.get("language").unwrap_or_default();
        let wanted = json!({
            "language": if language.is_empty() { Json::Null } else { json!(language) },
            "channels": posted.all("channels"),
            "opt_out": posted.all("opt_out"),
        });
        let sent = citizen.call(Method::Put, "/api/notifications/preferences", Some(&wanted)).await?;
        match outcome(&sent)? {
            Ok(_) => return Ok(see_other("/mine/preferences?done=saved")),
            Err(errors) => {
                page.errors = errors;
                (422, wanted)
            }
        }
    } else {
        let current = citizen.call(Method::Get, "/api/notifications/preferences", None).await?;
        crate::admin::accepted(&current)?;
        (200, current.json())
    };
    let has = |list: &str, code: &str| chosen[list].as_array().is_some_and(|l| l.iter().any(|v| v == code));
    page.language = chosen["language"].as_str().unwrap_or_default().to_owned();
    page.channels = CHANNELS.iter().zip(s.channel_names).map(|(c, n)| (*c, n, has("channels", c))).collect();
    page.kinds = s.kinds.iter().map(|(k, n)| (*k, *n, has("opt_out", k))).collect();
    answer(&page.chrome, &token, status, &page)
}
