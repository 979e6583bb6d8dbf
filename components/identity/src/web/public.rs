//! The pages before sign-in: sign-in, registration, forgotten password, and the pages the
//! e-mailed links open (reset, verification, change of address, staff invitation).
//!
//! Each `GET` shows its form with the CSRF token of the browser's session, opening a
//! pre-session when it has none; each `POST` passes [`csrf::accept`] first, then calls the
//! same function as the JSON API and shows its errors on the form again (the e-mail address
//! and names kept, passwords never).
//!
//! The e-mailed links carry their secret in the fragment (`#token=`), which never reaches a
//! server: `/account/assets/link.js` copies it into the form's hidden `token` field, and the
//! form POSTs it. A token is never put in a query string.

use guichet_guest::{ApiError, FieldError};
use serde_json::{json, Value as Json};
use spin_sdk::http::{Method, Request, Response};

use super::external;
use super::form::Form;
use super::html::{self, Input};
use super::i18n::{Lang, Texts};
use super::sessions::{self, Session};
use super::{csrf, see_other, with_cookie, Failure, Page, PageError};
use crate::accounts::{self, Registration};
use crate::consents;

fn not_allowed() -> PageError {
    PageError::Api(ApiError::MethodNotAllowed { allow: "GET, POST" })
}

/// A form page: the error summary, then `content` (HTML).
fn form_page(p: &Page<'_>, failure: &Failure, title: &str, content: &str) -> Response {
    let body = format!(
        "{}{content}",
        html::error_summary(p.site.lang, &failure.errors)
    );
    failure.headers(p.render(p.site, failure.status, title, &body))
}

/// A page saying something is done, with a link onwards.
fn done_page(p: &Page<'_>, title: &str, text: &str, next: (&str, &str)) -> Response {
    let body = format!(
        "{}{}",
        html::notice(text),
        html::link(&p.site.href(next.0), next.1)
    );
    p.render(p.site, 200, title, &body)
}

fn email_input<'a>(texts: &'a Texts, value: &'a str) -> Input<'a> {
    Input {
        name: "email",
        label: texts.email,
        kind: "email",
        value,
        autocomplete: "email",
        required: true,
        hint: None,
    }
}

// ------------------------------------------------------------------------------ sign-in

/// Where a sign-in leads: `?next=` when it names one of the pages that send people to sign
/// in (the back-office, the citizen's space), else the account page. A fixed list, so that the
/// parameter can never send a browser to another site.
fn after_login(p: &Page<'_>) -> &'static str {
    match guichet_guest::query::Query::of(p.req).get("next") {
        Some("/admin") => "/admin",
        Some("/mine") => "/mine",
        _ => "/account",
    }
}

/// `GET/POST /account/login` (`?next=/admin` or `/mine`: where to go once signed in).
pub fn login(p: &Page<'_>) -> Result<Response, PageError> {
    match p.req.method() {
        Method::Get => {
            let (session, cookie) = sessions::ensure(p.req, p.ctx)?;
            if session.account().is_some() {
                return Ok(see_other(&p.site.href(after_login(p))));
            }
            Ok(with_cookie(
                login_page(p, &session, "", &Failure::none()),
                cookie,
            ))
        }
        Method::Post => {
            let (session, form) = csrf::accept(p.req, p.ctx)?;
            let email = form.get("email");
            match accounts::authenticate(p.ctx, email, form.get("password")) {
                Ok(account) => {
                    // A new session (new secret, new CSRF token); the pre-session is revoked.
                    let cookie = sessions::start(p.req, p.ctx, &account.id)?;
                    Ok(with_cookie(
                        see_other(&p.site.href(after_login(p))),
                        Some(cookie),
                    ))
                }
                Err(error) => Ok(login_page(p, &session, email, &Failure::of(error)?)),
            }
        }
        _ => Err(not_allowed()),
    }
}

fn login_page(p: &Page<'_>, session: &Session, email: &str, failure: &Failure) -> Response {
    let (lang, texts) = (p.site.lang, p.site.lang.texts());
    let fields = format!(
        "{}{}",
        html::input(lang, &email_input(texts, email), &failure.errors),
        html::input(
            lang,
            &Input {
                name: "password",
                label: texts.password,
                kind: "password",
                value: "",
                autocomplete: "current-password",
                required: true,
                hint: None
            },
            &failure.errors
        ),
    );
    let content = format!(
        "{}{}{}{}",
        html::form(
            &p.site.href(match after_login(p) {
                "/admin" => "/account/login?next=%2Fadmin",
                "/mine" => "/account/login?next=%2Fmine",
                _ => "/account/login",
            }),
            &session.csrf,
            &fields,
            texts.login_submit
        ),
        html::link(&p.site.href("/account/register"), texts.login_to_register),
        html::link(
            &p.site.href("/account/forgot-password"),
            texts.login_to_forgot
        ),
        external::sign_in_links(p, p.site),
    );
    form_page(p, failure, texts.login_title, &content)
}

// ------------------------------------------------------------------------- registration

/// What the registration form shows again after an error.
#[derive(Default)]
struct RegistrationValues<'a> {
    email: &'a str,
    given_name: &'a str,
    family_name: &'a str,
    language: &'a str,
    consents: Vec<&'a str>,
}

/// `GET/POST /account/register`.
pub async fn register(p: &Page<'_>) -> Result<Response, PageError> {
    match p.req.method() {
        Method::Get => {
            let (session, cookie) = sessions::ensure(p.req, p.ctx)?;
            if session.account().is_some() {
                return Ok(see_other(&p.site.href("/account")));
            }
            let values = RegistrationValues {
                language: p.site.lang.code(),
                ..RegistrationValues::default()
            };
            Ok(with_cookie(
                register_page(p, &session, &values, &Failure::none()),
                cookie,
            ))
        }
        Method::Post => {
            let (session, form) = csrf::accept(p.req, p.ctx)?;
            let values = RegistrationValues {
                email: form.get("email"),
                given_name: form.get("given_name"),
                family_name: form.get("family_name"),
                language: form.get("language"),
                consents: form.all("consents"),
            };
            // What the JSON API's shape checks (closed choices), the form checks here.
            let mut errors = Vec::new();
            if Lang::parse(values.language).is_none() {
                errors.push(FieldError::new("language", "invalid", "choose fr or en"));
            }
            if values
                .consents
                .iter()
                .any(|c| !consents::PURPOSES.contains(c))
            {
                errors.push(FieldError::new(
                    "consents",
                    "invalid",
                    "unknown purpose of consent",
                ));
            }
            if !errors.is_empty() {
                return Ok(register_page(
                    p,
                    &session,
                    &values,
                    &Failure::invalid(errors),
                ));
            }
            let registration = Registration {
                email: values.email.to_owned(),
                password: form.get("password").to_owned(),
                given_name: values.given_name.to_owned(),
                family_name: values.family_name.to_owned(),
                language: Some(values.language.to_owned()),
                consents: values.consents.iter().map(|c| (*c).to_owned()).collect(),
            };
            match accounts::register_account(p.ctx, registration).await {
                Ok(()) => Ok(check_your_email(p)),
                Err(error) => Ok(register_page(p, &session, &values, &Failure::of(error)?)),
            }
        }
        _ => Err(not_allowed()),
    }
}

fn register_page(
    p: &Page<'_>,
    session: &Session,
    values: &RegistrationValues<'_>,
    failure: &Failure,
) -> Response {
    let (lang, texts) = (p.site.lang, p.site.lang.texts());
    let errors = &failure.errors;
    let fields = [
        html::input(lang, &email_input(texts, values.email), errors),
        html::input(
            lang,
            &Input {
                name: "password",
                label: texts.password,
                kind: "password",
                value: "",
                autocomplete: "new-password",
                required: true,
                hint: Some(texts.password_hint),
            },
            errors,
        ),
        html::input(
            lang,
            &Input {
                name: "given_name",
                label: texts.given_name,
                kind: "text",
                value: values.given_name,
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
                value: values.family_name,
                autocomplete: "family-name",
                required: false,
                hint: None,
            },
            errors,
        ),
        html::select(
            "language",
            texts.language,
            &texts.language_names,
            values.language,
        ),
        html::checkboxes(
            "consents",
            texts.register_consents,
            &texts.purposes,
            &values.consents,
        ),
    ]
    .concat();
    let content = format!(
        "{}{}{}",
        html::form(
            &p.site.href("/account/register"),
            &session.csrf,
            &fields,
            texts.register_submit
        ),
        html::link(&p.site.href("/account/login"), texts.register_to_login),
        external::sign_in_links(p, p.site),
    );
    form_page(p, failure, texts.register_title, &content)
}

/// The same answer whether or not the address has an account (no enumeration).
fn check_your_email(p: &Page<'_>) -> Response {
    let texts = p.site.lang.texts();
    done_page(
        p,
        texts.check_email_title,
        texts.check_email_text,
        ("/account/login", texts.to_login),
    )
}

// ---------------------------------------------------------------------- forgot password

/// `GET/POST /account/forgot-password`.
pub async fn forgot_password(p: &Page<'_>) -> Result<Response, PageError> {
    match p.req.method() {
        Method::Get => {
            let (session, cookie) = sessions::ensure(p.req, p.ctx)?;
            Ok(with_cookie(
                forgot_page(p, &session, "", &Failure::none()),
                cookie,
            ))
        }
        Method::Post => {
            let (session, form) = csrf::accept(p.req, p.ctx)?;
            let email = form.get("email");
            match accounts::request_reset_for(p.ctx, email).await {
                Ok(()) => Ok(check_your_email(p)),
                Err(error) => Ok(forgot_page(p, &session, email, &Failure::of(error)?)),
            }
        }
        _ => Err(not_allowed()),
    }
}

fn forgot_page(p: &Page<'_>, session: &Session, email: &str, failure: &Failure) -> Response {
    let (lang, texts) = (p.site.lang, p.site.lang.texts());
    let fields = html::input(lang, &email_input(texts, email), &failure.errors);
    let content = format!(
        "{}{}",
        html::paragraph(texts.forgot_text),
        html::form(
            &p.site.href("/account/forgot-password"),
            &session.csrf,
            &fields,
            texts.forgot_submit
        ),
    );
    form_page(p, failure, texts.forgot_title, &content)
}

// ---------------------------------------------------------------------- e-mailed links

/// What a page opened by an e-mailed link shows around its form.
struct LinkPage<'a> {
    path: &'a str,
    title: &'a str,
    text: &'a str,
    /// Visible fields (HTML), besides the hidden token.
    fields: String,
    submit: &'a str,
}

fn link_page(
    p: &Page<'_>,
    session: &Session,
    token: &str,
    page: &LinkPage<'_>,
    failure: &Failure,
) -> Response {
    let fields = format!("{}{}", html::hidden("token", token), page.fields);
    let content = format!(
        "{}{}{}",
        html::paragraph(page.text),
        html::form(&p.site.href(page.path), &session.csrf, &fields, page.submit),
        html::link_script(p.site.lang),
    );
    form_page(p, failure, page.title, &content)
}

/// The `token` of a link form, or the error that asks to open the e-mailed link.
fn token_of(form: &Form, lang: Lang) -> Result<&str, Failure> {
    let token = form.get("token");
    if token.is_empty() {
        return Err(Failure::invalid(vec![FieldError::new(
            "token",
            "missing",
            lang.texts().open_the_link,
        )]));
    }
    Ok(token)
}

/// Runs a link page: `describe` gives its form (from the values kept), `act` does the work
/// with the posted form and returns the page to show when it succeeded.
fn run_link_page(
    p: &Page<'_>,
    describe: impl Fn(&Form, &[FieldError]) -> LinkPage<'static>,
    act: impl FnOnce(&str, &Form) -> Result<Response, ApiError>,
) -> Result<Response, PageError> {
    match p.req.method() {
        Method::Get => {
            let (session, cookie) = sessions::ensure(p.req, p.ctx)?;
            let page = describe(&Form::default(), &[]);
            Ok(with_cookie(
                link_page(p, &session, "", &page, &Failure::none()),
                cookie,
            ))
        }
        Method::Post => {
            let (session, form) = csrf::accept(p.req, p.ctx)?;
            let failure = match token_of(&form, p.site.lang) {
                Err(failure) => failure,
                Ok(token) => match act(token, &form) {
                    Ok(done) => return Ok(done),
                    Err(error) => Failure::of(error)?,
                },
            };
            Ok(link_page(
                p,
                &session,
                form.get("token"),
                &describe(&form, &failure.errors),
                &failure,
            ))
        }
        _ => Err(not_allowed()),
    }
}

/// `GET/POST /account/reset-password` (`#token=` of the e-mailed link).
pub fn reset_password(p: &Page<'_>) -> Result<Response, PageError> {
    let (lang, texts) = (p.site.lang, p.site.lang.texts());
    run_link_page(
        p,
        |_, errors| LinkPage {
            path: "/account/reset-password",
            title: texts.reset_title,
            text: texts.reset_text,
            fields: html::input(
                lang,
                &Input {
                    name: "password",
                    label: texts.new_password,
                    kind: "password",
                    value: "",
                    autocomplete: "new-password",
                    required: true,
                    hint: Some(texts.password_hint),
                },
                errors,
            ),
            submit: texts.reset_submit,
        },
        |token, form| {
            accounts::reset_password(p.ctx, token, form.get("password"))?;
            Ok(done_page(
                p,
                texts.reset_done_title,
                texts.reset_done_text,
                ("/account/login", texts.to_login),
            ))
        },
    )
}

/// `GET/POST /account/verify-email`.
pub fn verify_email(p: &Page<'_>) -> Result<Response, PageError> {
    let texts = p.site.lang.texts();
    run_link_page(
        p,
        |_, _| LinkPage {
            path: "/account/verify-email",
            title: texts.verify_title,
            text: texts.verify_text,
            fields: String::new(),
            submit: texts.verify_submit,
        },
        |token, _| {
            accounts::verify_email_token(p.ctx, token)?;
            Ok(done_page(
                p,
                texts.verify_done_title,
                texts.verify_done_text,
                ("/account/login", texts.to_login),
            ))
        },
    )
}

/// `GET/POST /account/confirm-email` (change of address).
pub fn confirm_email(p: &Page<'_>) -> Result<Response, PageError> {
    let texts = p.site.lang.texts();
    run_link_page(
        p,
        |_, _| LinkPage {
            path: "/account/confirm-email",
            title: texts.confirm_email_title,
            text: texts.confirm_email_text,
            fields: String::new(),
            submit: texts.confirm_email_submit,
        },
        |token, _| {
            accounts::change_email_with(p.ctx, token)?;
            Ok(done_page(
                p,
                texts.confirm_email_done_title,
                texts.confirm_email_done_text,
                ("/account", texts.account_title),
            ))
        },
    )
}

/// `GET/POST /account/accept-invitation` (staff invitation).
pub async fn accept_invitation(p: &Page<'_>) -> Result<Response, PageError> {
    let (lang, texts) = (p.site.lang, p.site.lang.texts());
    let describe = |form: &Form, errors: &[FieldError]| LinkPage {
        path: "/account/accept-invitation",
        title: texts.invitation_title,
        text: texts.invitation_text,
        fields: [
            html::input(
                lang,
                &Input {
                    name: "given_name",
                    label: texts.given_name,
                    kind: "text",
                    value: form.get("given_name"),
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
                    value: form.get("family_name"),
                    autocomplete: "family-name",
                    required: false,
                    hint: None,
                },
                errors,
            ),
            html::input(
                lang,
                &Input {
                    name: "password",
                    label: texts.password,
                    kind: "password",
                    value: "",
                    autocomplete: "new-password",
                    required: true,
                    hint: Some(texts.password_hint),
                },
                errors,
            ),
        ]
        .concat(),
        submit: texts.invitation_submit,
    };
    if *p.req.method() != Method::Post {
        return run_link_page(p, describe, |_, _| Err(ApiError::NotFound));
    }
    let (session, form) = csrf::accept(p.req, p.ctx)?;
    let failure = match token_of(&form, lang) {
        Err(failure) => failure,
        Ok(token) => {
            let body = json!({
                "token": token,
                "password": form.get("password"),
                "given_name": form.get("given_name"),
                "family_name": form.get("family_name"),
            });
            match accept_through_api(p, &body).await? {
                Ok(()) => {
                    return Ok(done_page(
                        p,
                        texts.invitation_done_title,
                        texts.invitation_done_text,
                        ("/account/login", texts.to_login),
                    ));
                }
                Err(failure) => failure,
            }
        }
    };
    Ok(link_page(
        p,
        &session,
        form.get("token"),
        &describe(&form, &failure.errors),
        &failure,
    ))
}

/// Accepts an invitation with the staff module's own handler of
/// `POST /api/identity/invitations/accept`, given the JSON body it takes: the rules of
/// acceptance stay in one place, and its answer's errors come back as the form's.
async fn accept_through_api(p: &Page<'_>, body: &Json) -> Result<Result<(), Failure>, PageError> {
    let request = Request::builder()
        .method(Method::Post)
        .uri("/api/identity/invitations/accept")
        .header("content-type", "application/json")
        .body(serde_json::to_vec(body).map_err(anyhow::Error::from)?)
        .build();
    let answer = match crate::staff::route(&request, p.ctx, &["invitations", "accept"]).await {
        Ok(response) => response,
        Err(error) => return Ok(Err(Failure::of(error)?)),
    };
    let status = *answer.status();
    if (200..300).contains(&status) {
        return Ok(Ok(()));
    }
    let json: Json = serde_json::from_slice(answer.body()).unwrap_or(Json::Null);
    let errors = json["errors"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|e| FieldError {
                    field: e["field"].as_str().map(str::to_owned),
                    code: e["code"].as_str().unwrap_or("invalid").to_owned(),
                    message: e["message"].as_str().unwrap_or_default().to_owned(),
                })
                .collect()
        })
        .unwrap_or_default();
    let status = if status == 400 { 422 } else { status };
    if status >= 500 {
        return Err(PageError::Api(ApiError::Internal(anyhow::anyhow!(
            "accepting an invitation answered {status}"
        ))));
    }
    Ok(Err(Failure {
        status,
        errors,
        retry_after: None,
    }))
}
