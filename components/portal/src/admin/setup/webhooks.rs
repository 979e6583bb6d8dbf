//! `/admin/setup/webhooks...`: the commune's webhooks, through notifications'
//! `/api/notifications/webhooks...`. `GET` lists them (address, events, the secrets still
//! signing and until when); `POST` creates one; `POST .../{id}/rotate` gives it a new secret
//! (the previous one keeps signing for 24 hours); `POST .../{id}/delete` deletes it. A new
//! secret is shown on the answering page only, once: notifications never shows it again.

use askama::Template;
use guichet_guest::{ApiError, FieldError};
use serde_json::{json, Value as Json};
use spin_sdk::http::{Method, Response};

use super::{in_lang, done, only_post, posting, segment, text, Section, Staff};
use crate::admin::{outcome, see_other, AdminChrome};
use crate::i18n::Lang;

/// The events a webhook may take (notifications' event kinds).
const EVENTS: [&str; 6] = ["request-filed", "status-changed", "message", "assigned", "overdue", "followed"];

pub struct HookTexts {
    title: &'static str,
    intro: &'static str,
    url: &'static str,
    events: &'static str,
    every_event: &'static str,
    secrets: &'static str,
    until: &'static str,
    current: &'static str,
    rotate: &'static str,
    delete: &'static str,
    none: &'static str,
    new_hook: &'static str,
    url_hint: &'static str,
    events_hint: &'static str,
    create: &'static str,
    shown_once: &'static str,
    done: [(&'static str, &'static str); 1],
}

const FR: HookTexts = HookTexts {
    title: "Webhooks",
    intro: "Chaque webhook reçoit les événements choisis, signés selon Standard Webhooks avec son secret.",
    url: "Adresse",
    events: "Événements",
    every_event: "tous",
    secrets: "Secrets valides",
    until: "jusqu’au",
    current: "en cours",
    rotate: "Changer le secret",
    delete: "Supprimer",
    none: "Aucun webhook.",
    new_hook: "Nouveau webhook",
    url_hint: "Une adresse https:// joignable depuis Internet.",
    events_hint: "Aucun coché : tous les événements.",
    create: "Créer le webhook",
    shown_once: "Copiez ce secret maintenant : il ne sera plus jamais affiché.",
    done: [("deleted", "Le webhook est supprimé.")],
};

const EN: HookTexts = HookTexts {
    title: "Webhooks",
    intro: "Each webhook receives the events chosen, signed as Standard Webhooks with its secret.",
    url: "Address",
    events: "Events",
    every_event: "all",
    secrets: "Valid secrets",
    until: "until",
    current: "current",
    rotate: "Change the secret",
    delete: "Delete",
    none: "No webhook.",
    new_hook: "New webhook",
    url_hint: "An https:// address reachable from the Internet.",
    events_hint: "None ticked: every event.",
    create: "Create the webhook",
    shown_once: "Copy this secret now: it will never be shown again.",
    done: [("deleted", "The webhook is deleted.")],
};

fn texts(lang: Lang) -> &'static HookTexts {
    in_lang(lang, &FR, &EN)
}

struct Hook {
    id: String,
    url: String,
    events: String,
    secrets: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin/setup/webhooks.html")]
struct HooksPage {
    chrome: AdminChrome,
    x: &'static HookTexts,
    done: Option<&'static str>,
    errors: Vec<FieldError>,
    hooks: Vec<Hook>,
    url: String,
    chosen: Vec<String>,
    events: [&'static str; 6],
    /// The address and secret just made, shown this once.
    issued: Option<(String, String)>,
}

impl HooksPage {
    fn chose(&self, event: &str) -> bool {
        self.chosen.iter().any(|c| c == event)
    }
}

pub async fn route(staff: &Staff<'_, '_>, rest: &[&str]) -> Result<Response, ApiError> {
    match rest {
        [] => {
            if posting(staff)? {
                create(staff).await
            } else {
                page(staff, 200, Vec::new(), (String::new(), Vec::new()), None).await
            }
        }
        [id, "rotate"] => {
            only_post(staff)?;
            rotate(staff, segment(id)?).await
        }
        [id, "delete"] => {
            only_post(staff)?;
            delete(staff, segment(id)?).await
        }
        _ => Err(ApiError::NotFound),
    }
}

async fn page(
    staff: &Staff<'_, '_>,
    status: u16,
    errors: Vec<FieldError>,
    (url, chosen): (String, Vec<String>),
    issued: Option<(String, String)>,
) -> Result<Response, ApiError> {
    let x = texts(staff.lang);
    let body = staff.get_json("/api/notifications/webhooks").await?;
    let hooks = body
        .get("webhooks")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .map(|h| {
            let events: Vec<&str> = h["events"].as_array().into_iter().flatten().filter_map(Json::as_str).collect();
            Hook {
                id: text(h, "/id"),
                url: text(h, "/url"),
                events: if events.is_empty() { x.every_event.to_owned() } else { events.join(", ") },
                secrets: h["secrets"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|s| {
                        let until = text(s, "/expires_at");
                        if until.is_empty() {
                            x.current.to_owned()
                        } else {
                            format!("{} {}", x.until, until.chars().take(16).collect::<String>().replace('T', " "))
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    let page = HooksPage {
        chrome: staff.chrome(x.title, Section::Setup),
        x,
        done: done(staff, &x.done),
        errors,
        hooks,
        url,
        chosen,
        events: EVENTS,
        issued,
    };
    staff.answer(status, &page.chrome, &page)
}

/// `POST /admin/setup/webhooks`: the new webhook, its secret on this answer only.
async fn create(staff: &Staff<'_, '_>) -> Result<Response, ApiError> {
    let posted = staff.posted().await?;
    let url = posted.get("url").unwrap_or_default().trim().to_owned();
    let chosen = posted.all("events");
    match staff.send_json(Method::Post, "/api/notifications/webhooks", &json!({"url": url, "events": chosen})).await? {
        Ok(made) => page(staff, 200, Vec::new(), (String::new(), Vec::new()), Some((text(&made, "/url"), text(&made, "/secret")))).await,
        Err(errors) => page(staff, 422, errors, (url, chosen), None).await,
    }
}

/// `POST /admin/setup/webhooks/{id}/rotate`: the new secret, on this answer only.
async fn rotate(staff: &Staff<'_, '_>, id: &str) -> Result<Response, ApiError> {
    staff.posted().await?;
    let answer = staff.call(Method::Post, &format!("/api/notifications/webhooks/{id}/rotate"), None, &[]).await?;
    match outcome(&answer)? {
        Ok(rotated) => {
            let body = staff.get_json("/api/notifications/webhooks").await?;
            let url = body["webhooks"].as_array().into_iter().flatten().find(|h| text(h, "/id") == id).map(|h| text(h, "/url")).unwrap_or_default();
            page(staff, 200, Vec::new(), (String::new(), Vec::new()), Some((url, text(&rotated, "/secret")))).await
        }
        Err(errors) => page(staff, 422, errors, (String::new(), Vec::new()), None).await,
    }
}

/// `POST /admin/setup/webhooks/{id}/delete`.
async fn delete(staff: &Staff<'_, '_>, id: &str) -> Result<Response, ApiError> {
    staff.posted().await?;
    let answer = staff.call(Method::Delete, &format!("/api/notifications/webhooks/{id}"), None, &[]).await?;
    match outcome(&answer)? {
        Ok(_) => Ok(see_other("/admin/setup/webhooks?done=deleted")),
        Err(errors) => page(staff, 422, errors, (String::new(), Vec::new()), None).await,
    }
}
