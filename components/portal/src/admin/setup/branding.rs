//! `/admin/setup/branding`: the commune's logo text and colour. `GET` shows them (identity's
//! public `GET /api/identity/commune`); `POST` replaces them through identity's
//! `PUT /api/identity/branding`, the administrators' own way to change their commune's look
//! and nothing else (the platform administrator's `PATCH /api/identity/communes/{id}` also
//! changes host names and origins, which a commune's administrator may not).

use askama::Template;
use guichet_guest::{ApiError, FieldError};
use serde_json::{json, Value as Json};
use spin_sdk::http::{Method, Response};

use super::{in_lang, done, posting, text, Section, Staff};
use crate::admin::{see_other, AdminChrome};

pub struct BrandingTexts {
    title: &'static str,
    intro: &'static str,
    logo_text: &'static str,
    logo_hint: &'static str,
    color: &'static str,
    color_hint: &'static str,
    save: &'static str,
    done: [(&'static str, &'static str); 1],
}

const FR: BrandingTexts = BrandingTexts {
    title: "Apparence",
    intro: "Le bandeau de chaque page montre le texte du logo (à défaut, le nom de la commune) dans la couleur de la commune ; le texte du bandeau est noir ou blanc, selon ce qui se lit le mieux.",
    logo_text: "Texte du logo",
    logo_hint: "60 caractères au plus ; vide : le nom de la commune.",
    color: "Couleur",
    color_hint: "Sous la forme #RRVVBB, par exemple #0b4f9c ; vide : la couleur de Guichet.",
    save: "Enregistrer",
    done: [("saved", "L’apparence est enregistrée : elle s’affiche partout d’ici une minute.")],
};

const EN: BrandingTexts = BrandingTexts {
    title: "Branding",
    intro: "Every page's banner shows the logo text (else the commune's name) in the commune's colour; the banner's text is black or white, whichever reads better.",
    logo_text: "Logo text",
    logo_hint: "60 characters at most; empty: the commune's name.",
    color: "Colour",
    color_hint: "As #RRGGBB, for instance #0b4f9c; empty: Guichet's colour.",
    save: "Save",
    done: [("saved", "The branding is saved: it shows everywhere within a minute.")],
};

#[derive(Template)]
#[template(path = "admin/setup/branding.html")]
struct BrandingPage {
    chrome: AdminChrome,
    x: &'static BrandingTexts,
    done: Option<&'static str>,
    errors: Vec<FieldError>,
    logo_text: String,
    color: String,
}

pub async fn route(staff: &Staff<'_, '_>) -> Result<Response, ApiError> {
    let x = in_lang(staff.lang, &FR, &EN);
    let (logo_text, color, errors) = if posting(staff)? {
        let posted = staff.posted().await?;
        let logo_text = posted.get("logo_text").unwrap_or_default().trim().to_owned();
        let color = posted.get("primary_color").unwrap_or_default().trim().to_owned();
        let given = |value: &str| if value.is_empty() { Json::Null } else { json!(value) };
        let body = json!({"logo_text": given(&logo_text), "primary_color": given(&color)});
        match staff.send_json(Method::Put, "/api/identity/branding", &body).await? {
            Ok(_) => return Ok(see_other("/admin/setup/branding?done=saved")),
            Err(errors) => (logo_text, color, errors),
        }
    } else {
        let commune = staff.get_json("/api/identity/commune").await?;
        (text(&commune, "/branding/logo_text"), text(&commune, "/branding/primary_color"), Vec::new())
    };
    let status = if errors.is_empty() { 200 } else { 422 };
    let page = BrandingPage {
        chrome: staff.chrome(x.title, Section::Setup),
        x,
        done: done(staff, &x.done),
        errors,
        logo_text,
        color,
    };
    staff.answer(status, &page.chrome, &page)
}
