//! `/admin/setup/api-keys...`: the Open311 API keys of client apps, through requests'
//! `/api/requests/api-keys`. `GET` lists them (never the keys); `POST` issues one and shows
//! it on the answering page, once (requests keeps only its hash); `POST .../{id}/revoke`
//! revokes one at once.

use askama::Template;
use guichet_guest::{ApiError, FieldError};
use serde_json::{json, Value as Json};
use spin_sdk::http::{Method, Response};

use super::{in_lang, done, only_post, posting, segment, text, Section, Staff};
use crate::admin::{outcome, see_other, AdminChrome};
use crate::i18n::Lang;

pub struct KeyTexts {
    title: &'static str,
    intro: &'static str,
    name: &'static str,
    created: &'static str,
    revoked: &'static str,
    active: &'static str,
    revoke: &'static str,
    none: &'static str,
    new_key: &'static str,
    name_hint: &'static str,
    create: &'static str,
    shown_once: &'static str,
    done: [(&'static str, &'static str); 1],
}

const FR: KeyTexts = KeyTexts {
    title: "Clés d’API Open311",
    intro: "Une application Open311 (application mobile, tableau de bord, FixMyStreet) envoie sa clé quand elle dépose un signalement. Donnez une clé par application : la révoquer ne touche qu’elle.",
    name: "Application",
    created: "Créée le",
    revoked: "Révoquée le",
    active: "active",
    revoke: "Révoquer",
    none: "Aucune clé pour le moment.",
    new_key: "Nouvelle clé",
    name_hint: "Le nom de l’application, tel qu’il apparaîtra dans l’historique des demandes.",
    create: "Créer la clé",
    shown_once: "Copiez cette clé maintenant : elle ne sera plus jamais affichée.",
    done: [("revoked", "La clé est révoquée : l’application ne peut plus s’en servir.")],
};

const EN: KeyTexts = KeyTexts {
    title: "Open311 API keys",
    intro: "An Open311 app (a mobile app, a dashboard, FixMyStreet) sends its key when it files a report. Give each app its own key: revoking it touches that app alone.",
    name: "App",
    created: "Created on",
    revoked: "Revoked on",
    active: "active",
    revoke: "Revoke",
    none: "No key yet.",
    new_key: "New key",
    name_hint: "The app's name, as the requests' history will show it.",
    create: "Create the key",
    shown_once: "Copy this key now: it will never be shown again.",
    done: [("revoked", "The key is revoked: the app can no longer use it.")],
};

fn texts(lang: Lang) -> &'static KeyTexts {
    in_lang(lang, &FR, &EN)
}

struct Key {
    id: String,
    name: String,
    created: String,
    revoked: String,
}

#[derive(Template)]
#[template(path = "admin/setup/api_keys.html")]
struct KeysPage {
    chrome: AdminChrome,
    x: &'static KeyTexts,
    done: Option<&'static str>,
    errors: Vec<FieldError>,
    keys: Vec<Key>,
    name: String,
    /// The key just issued (its name and the key), shown this once.
    issued: Option<(String, String)>,
}

pub async fn route(staff: &Staff<'_, '_>, rest: &[&str]) -> Result<Response, ApiError> {
    match rest {
        [] => {
            if posting(staff)? {
                create(staff).await
            } else {
                page(staff, 200, Vec::new(), String::new(), None).await
            }
        }
        [id, "revoke"] => {
            only_post(staff)?;
            revoke(staff, segment(id)?).await
        }
        _ => Err(ApiError::NotFound),
    }
}

fn day(text: String) -> String {
    text.chars().take(10).collect()
}

async fn page(
    staff: &Staff<'_, '_>,
    status: u16,
    errors: Vec<FieldError>,
    name: String,
    issued: Option<(String, String)>,
) -> Result<Response, ApiError> {
    let x = texts(staff.lang);
    let body = staff.get_json("/api/requests/api-keys").await?;
    let keys = body
        .get("api_keys")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .map(|k| Key {
            id: text(k, "/id"),
            name: text(k, "/name"),
            created: day(text(k, "/created_at")),
            revoked: day(text(k, "/revoked_at")),
        })
        .collect();
    let page = KeysPage {
        chrome: staff.chrome(x.title, Section::Setup),
        x,
        done: done(staff, &x.done),
        errors,
        keys,
        name,
        issued,
    };
    staff.answer(status, &page.chrome, &page)
}

/// `POST /admin/setup/api-keys`: the new key, on this answer only.
async fn create(staff: &Staff<'_, '_>) -> Result<Response, ApiError> {
    let posted = staff.posted().await?;
    let name = posted.get("name").unwrap_or_default().trim().to_owned();
    match staff.send_json(Method::Post, "/api/requests/api-keys", &json!({"name": name})).await? {
        Ok(created) => page(staff, 200, Vec::new(), String::new(), Some((text(&created, "/name"), text(&created, "/api_key")))).await,
        Err(errors) => page(staff, 422, errors, name, None).await,
    }
}

/// `POST /admin/setup/api-keys/{id}/revoke`.
async fn revoke(staff: &Staff<'_, '_>, id: &str) -> Result<Response, ApiError> {
    staff.posted().await?;
    let answer = staff.call(Method::Post, &format!("/api/requests/api-keys/{id}/revoke"), None, &[]).await?;
    match outcome(&answer)? {
        Ok(_) => Ok(see_other("/admin/setup/api-keys?done=revoked")),
        Err(errors) => page(staff, 422, errors, String::new(), None).await,
    }
}
