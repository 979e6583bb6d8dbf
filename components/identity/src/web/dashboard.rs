//! The signed-in person's account page: profile, consents, linked external accounts
//! ([`external`]), and the two ways to log out.
//!
//! Without a signed-in session, `GET /account` sends the browser to the sign-in page (303).
//! Each POST passes [`csrf::accept`], then calls the functions of the JSON API
//! (`profile::apply`, `consents::set`, `issue::revoke_all`) and redirects back (303, so that
//! reloading does not post again) with `?done=` naming what was saved.

use guichet_guest::db;
use guichet_guest::markup::escape;
use guichet_guest::query::Query;
use guichet_guest::{ApiError, FieldError};
use serde_json::Value as Json;
use spin_sdk::http::Response;

use super::external;
use super::html::{self, Input, Site};
use super::i18n::Lang;
use super::sessions::{self, Session};
use super::{csrf, see_other, with_cookie, Failure, Page, PageError};
use crate::profile::{self, Changes};
use crate::{consents, issue, secrets};

/// The profile fields as the form shows them (after an error, as they were sent).
struct ProfileValues {
    given_name: String,
    family_name: String,
    phone: String,
    language: String,
}

impl ProfileValues {
    fn stored(profile: &Json) -> ProfileValues {
        let text = |name: &str| profile[name].as_str().unwrap_or_default().to_owned();
        ProfileValues {
            given_name: text("given_name"),
            family_name: text("family_name"),
            phone: text("phone"),
            language: text("language"),
        }
    }
}

/// The signed-in session of the request and its profile, or the redirect to sign-in.
fn signed_in(p: &Page<'_>) -> Result<Result<(Session, Json), Response>, PageError> {
    let to_login = || see_other(&p.site.href("/account/login"));
    let Some(session) = sessions::current(p.req, p.ctx)? else {
        return Ok(Err(to_login()));
    };
    let Some(account) = session.account() else {
        return Ok(Err(to_login()));
    };
    match profile::view(p.ctx.conn(), p.ctx.commune(), account)? {
        Some(profile) => Ok(Ok((session, profile))),
        None => Ok(Err(to_login())),
    }
}

/// `GET /account`.
pub fn show(p: &Page<'_>) -> Result<Response, PageError> {
    let (session, profile) = match signed_in(p)? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    let site = p.site_with(profile["language"].as_str());
    let texts = site.lang.texts();
    let notice = match Query::of(p.req).get("done") {
        Some("profile") => Some(texts.profile_saved),
        Some("consents") => Some(texts.consents_saved),
        _ => None,
    };
    let values = ProfileValues::stored(&profile);
    Ok(account_page(
        p,
        site,
        &session,
        &profile,
        &values,
        notice,
        &Failure::none(),
    ))
}

fn account_page(
    p: &Page<'_>,
    site: Site,
    session: &Session,
    profile: &Json,
    values: &ProfileValues,
    notice: Option<&str>,
    failure: &Failure,
) -> Response {
    let (lang, texts) = (site.lang, site.lang.texts());
    let errors = &failure.errors;
    let verified = if profile["email_verified"].as_bool() == Some(true) {
        texts.email_verified
    } else {
        texts.email_not_verified
    };
    let mut body = String::new();
    if let Some(notice) = notice {
        body.push_str(&html::notice(notice));
    }
    body.push_str(&format!(
        "<p>{} <strong id=\"account-email\">{}</strong> ({})</p>\n",
        escape(texts.signed_in_as),
        escape(profile["email"].as_str().unwrap_or_default()),
        escape(verified),
    ));

    body.push_str(&format!("<h2>{}</h2>\n", escape(texts.profile_title)));
    body.push_str(&html::error_summary(lang, errors));
    let fields = [
        html::input(
            lang,
            &Input {
                name: "given_name",
                label: texts.given_name,
                kind: "text",
                value: &values.given_name,
                autocomplete: "given-name",
                required: false,
                hint: None,
            },
            errors,
        ),
        html::input(
            lang,
            &Input {
                name: "family_name",
                label: texts.family_name,
                kind: "text",
                value: &values.family_name,
                autocomplete: "family-name",
                required: false,
                hint: None,
            },
            errors,
        ),
        html::input(
            lang,
            &Input {
                name: "phone",
                label: texts.phone,
                kind: "tel",
                value: &values.phone,
                autocomplete: "tel",
                required: false,
                hint: None,
            },
            errors,
        ),
        html::select(
            "language",
            texts.language,
            &texts.language_names,
            &values.language,
        ),
    ]
    .concat();
    body.push_str(&html::form(
        &site.href("/account/profile"),
        &session.csrf,
        &fields,
        texts.profile_submit,
    ));

    body.push_str(&format!("<h2>{}</h2>\n", escape(texts.consents_title)));
    // Unreadable consents only leave the boxes unticked: the rest of the page still shows.
    let given = session
        .account()
        .and_then(|account| given_purposes(p, account).ok())
        .unwrap_or_default();
    let given: Vec<&str> = given.iter().map(String::as_str).collect();
    let boxes = html::checkboxes("consent", texts.consents_legend, &texts.purposes, &given);
    body.push_str(&html::form(
        &site.href("/account/consents"),
        &session.csrf,
        &boxes,
        texts.consents_submit,
    ));

    if let Some(account) = session.account() {
        body.push_str(&external::account_section(p, site, account));
    }

    body.push_str(&format!("<h2>{}</h2>\n", escape(texts.sessions_title)));
    body.push_str(&html::form_with_class(
        &site.href("/account/logout"),
        &session.csrf,
        "",
        texts.logout,
        "inline",
    ));
    body.push_str(&html::form_with_class(
        &site.href("/account/logout-all"),
        &session.csrf,
        "",
        texts.logout_all,
        "inline",
    ));
    body.push_str(&html::paragraph(texts.logout_all_text));
    failure.headers(guichet_guest::response::html(
        failure.status,
        html::document(site, &p.commune, "/account", texts.account_title, &body),
    ))
}

/// The purposes `account` consents to now.
fn given_purposes(p: &Page<'_>, account: &str) -> anyhow::Result<Vec<String>> {
    Ok(consents::list(p.ctx.conn(), p.ctx.commune(), account)?
        .iter()
        .filter(|c| c["given"].as_bool() == Some(true))
        .filter_map(|c| c["purpose"].as_str().map(str::to_owned))
        .collect())
}

/// `POST /account/profile`: names, phone, language.
pub fn profile(p: &Page<'_>) -> Result<Response, PageError> {
    let (session, form) = csrf::accept(p.req, p.ctx)?;
    let Some(account) = session.account() else {
        return Ok(see_other(&p.site.href("/account/login")));
    };
    let values = ProfileValues {
        given_name: form.get("given_name").to_owned(),
        family_name: form.get("family_name").to_owned(),
        phone: form.get("phone").to_owned(),
        language: form.get("language").to_owned(),
    };
    let failure = if Lang::parse(&values.language).is_none() {
        Failure::invalid(vec![FieldError::new(
            "language",
            "invalid",
            "choose fr or en",
        )])
    } else {
        let changes = Changes {
            given_name: Some(values.given_name.clone()),
            family_name: Some(values.family_name.clone()),
            phone: Some(values.phone.clone()),
            language: Some(values.language.clone()),
            ..Changes::default()
        };
        match profile::apply(p.ctx, account, changes) {
            // Without `?lang=`: the page now speaks the language just chosen.
            Ok(_) => return Ok(see_other("/account?done=profile")),
            Err(error) => Failure::of(error)?,
        }
    };
    let stored =
        profile::view(p.ctx.conn(), p.ctx.commune(), account)?.ok_or(ApiError::NotFound)?;
    let site = p.site_with(stored["language"].as_str());
    Ok(account_page(
        p, site, &session, &stored, &values, None, &failure,
    ))
}

/// `POST /account/consents`: the ticked purposes are given, the others withdrawn (only what
/// changed is written, so the date a consent was given is kept).
pub fn consents(p: &Page<'_>) -> Result<Response, PageError> {
    let (session, form) = csrf::accept(p.req, p.ctx)?;
    let Some(account) = session.account() else {
        return Ok(see_other(&p.site.href("/account/login")));
    };
    let wanted = form.all("consent");
    if wanted.iter().any(|w| !consents::PURPOSES.contains(w)) {
        return Err(PageError::Api(ApiError::field(
            "consent",
            "invalid",
            "unknown purpose of consent",
        )));
    }
    let given = given_purposes(p, account)?;
    db::transaction(p.ctx.conn(), |conn| {
        for purpose in consents::PURPOSES {
            let want = wanted.contains(purpose);
            if want != given.iter().any(|g| g == purpose) {
                consents::set(conn, p.ctx.commune(), account, purpose, want)?;
            }
        }
        Ok(())
    })?;
    Ok(see_other(&p.site.href("/account?done=consents")))
}

/// `POST /account/logout`: revokes this session server-side and clears the cookie. A browser
/// whose session already ended is simply sent to sign-in (there is nothing to protect).
pub fn logout(p: &Page<'_>) -> Result<Response, PageError> {
    let form = csrf::read(p.req)?;
    if let Some(session) = sessions::current(p.req, p.ctx)? {
        if !secrets::same(form.get(csrf::FIELD), &session.csrf) {
            return Err(PageError::Csrf);
        }
    }
    let cookie = sessions::end(p.req, p.ctx)?;
    Ok(with_cookie(
        see_other(&p.site.href("/account/login")),
        Some(cookie),
    ))
}

/// `POST /account/logout-all`: revokes every session and refresh token of the account.
pub fn logout_all(p: &Page<'_>) -> Result<Response, PageError> {
    let (session, _) = csrf::accept(p.req, p.ctx)?;
    if let Some(account) = session.account() {
        issue::revoke_all(p.ctx.conn(), p.ctx.commune(), account, "logout_all")?;
    }
    let cookie = sessions::end(p.req, p.ctx)?;
    Ok(with_cookie(
        see_other(&p.site.href("/account/login")),
        Some(cookie),
    ))
}
