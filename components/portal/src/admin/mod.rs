//! The agents' back-office: server-rendered pages under `/admin/`, for staff only (issue #14).
//!
//! Who is signed in is identity's browser session, turned into the agent's access token (with
//! their roles and departments) by identity's `POST /internal/staff-tokens`, and only while
//! the staff session is young and in use (`wit/staff.wit`). Every page acts through the
//! components' JSON API with that token, relayed by chaining ([`Staff::call`],
//! `guichet_guest::clients::staff`): the component checks the token and the role exactly as
//! for the agent's own client, so a page can show no more than the API would give. The pages
//! refuse a role that may not see them first ([`Staff::require`]), so that an agent of the
//! wrong role sees a clear 403 page rather than a half-empty one.
//!
//! - `GET /admin`, `GET /admin/export.csv`: the queue and its CSV ([`queue`]); `POST /admin`:
//!   the agent's saved views of it ([`views`]).
//! - `/admin/requests/{ref}...`: one request ([`request`]).
//! - `/admin/intake/...`: filing at the counter and on the phone, e-mail triage, scans ([`intake`]).
//! - `/admin/dashboard`: the figures ([`dashboard`]).
//! - `/admin/setup/...`: the administrators' set-up ([`setup`]).
//!
//! Forms post back to the pages with the portal's CSRF token (`crate::csrf`) and answer 303
//! to a page that says what was done (so that reloading does not post again).

mod dashboard;
mod intake;
mod queue;
mod request;
mod setup;
pub mod texts;
pub(crate) mod views;

use askama::Template;
use guichet_guest::clients::staff::{self, Agent, Relayed, StaffToken};
use guichet_guest::context::Ctx;
use guichet_guest::{tenant, ApiError, FieldError};
use serde_json::Value as Json;
use spin_sdk::http::{Method, Response};

use crate::csrf;
use crate::i18n::Lang;
use crate::page::{self, Chrome};
use crate::posted::Posted;
use crate::session;

pub use texts::AdminTexts;

/// The staff roles, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Agent,
    Supervisor,
    Admin,
}

impl Role {
    fn code(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
}

/// The signed-in agent of a back-office page, and the page's context.
pub struct Staff<'c, 'r> {
    pub ctx: &'c Ctx<'r>,
    pub token: StaffToken,
    access_token: String,
    origin: String,
    client: String,
    pub lang: Lang,
    pub t: &'static AdminTexts,
    /// The browser's form token (given to every form of the page).
    pub csrf: csrf::Token,
}

impl<'c, 'r> Staff<'c, 'r> {
    /// Whether the agent holds `role`.
    pub fn has(&self, role: Role) -> bool {
        self.token.roles.iter().any(|r| r == role.code())
    }

    /// Whether the agent holds one of `roles`.
    pub fn has_any(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has(*r))
    }

    /// 403 (the refusal page) unless the agent holds one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if self.has_any(roles) {
            Ok(())
        } else {
            Err(ApiError::Forbidden {
                message: "your role does not give access to this page",
            })
        }
    }

    /// The signed-in account.
    pub fn account(&self) -> &str {
        self.token.account_id.as_deref().unwrap_or_default()
    }

    /// The agent's call to the API (`/api/<component>/...`), relayed.
    pub async fn call(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<(&str, Vec<u8>)>,
        headers: &[(&str, &str)],
    ) -> Result<Relayed, ApiError> {
        let agent = Agent {
            origin: &self.origin,
            client: &self.client,
            token: &self.access_token,
        };
        Ok(staff::call(&agent, method, path_and_query, body, headers).await?)
    }

    /// `GET path` as JSON; an answer other than 2xx becomes the error it says.
    pub async fn get_json(&self, path_and_query: &str) -> Result<Json, ApiError> {
        let answer = self.call(Method::Get, path_and_query, None, &[]).await?;
        accepted(&answer)?;
        Ok(answer.json())
    }

    /// `method path` with a JSON body: `Ok(answer)` on 2xx, `Err(field errors)` on 400/409/422
    /// (shown on the form), any other status as the error it says.
    pub async fn send_json(
        &self,
        method: Method,
        path_and_query: &str,
        body: &Json,
    ) -> Result<Result<Json, Vec<FieldError>>, ApiError> {
        let bytes = serde_json::to_vec(body).map_err(|e| anyhow::anyhow!("serialising: {e}"))?;
        let answer = self
            .call(method, path_and_query, Some(("application/json", bytes)), &[])
            .await?;
        outcome(&answer)
    }

    /// The layout's data for a page titled `title`.
    pub fn chrome(&self, title: impl Into<String>, section: Section) -> AdminChrome {
        AdminChrome {
            base: Chrome::new(self.ctx, title),
            t: self.t,
            section,
            email: self.token.email.clone().unwrap_or_default(),
            is_admin: self.has(Role::Admin),
            is_supervisor: self.has_any(&[Role::Supervisor, Role::Admin]),
            csrf: self.csrf.value.clone(),
        }
    }

    /// The posted form of the request, after the origin rule and the CSRF token.
    pub async fn posted(&self) -> Result<Posted, ApiError> {
        let posted = Posted::read(self.ctx.request()).await?;
        csrf::check(self.ctx.request(), &posted)?;
        Ok(posted)
    }

    /// The rendered page with the back-office's headers (never cached, never framed).
    pub fn answer(&self, status: u16, chrome: &AdminChrome, page: &impl Template) -> Result<Response, ApiError> {
        let mut response = page::answer(status, &chrome.base, page)?;
        response.set_header("cache-control", "no-store");
        self.csrf.remember(&mut response);
        Ok(response)
    }
}

/// The sections of the back-office's navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Queue,
    Intake,
    Dashboard,
    Setup,
}

/// The back-office layout's data (`templates/admin/layout.html`).
pub struct AdminChrome {
    pub base: Chrome,
    pub t: &'static AdminTexts,
    pub section: Section,
    pub email: String,
    pub is_admin: bool,
    pub is_supervisor: bool,
    pub csrf: String,
}

impl AdminChrome {
    /// `aria-current="page"` for the current section's link (`queue`, `intake`,
    /// `dashboard`, `setup`).
    pub fn current(&self, section: &str) -> &'static str {
        let this = match self.section {
            Section::Queue => "queue",
            Section::Intake => "intake",
            Section::Dashboard => "dashboard",
            Section::Setup => "setup",
        };
        if section == this {
            "page"
        } else {
            "false"
        }
    }
}

/// 2xx passes; 401/403/404 and any other status become the matching error.
pub fn accepted(answer: &Relayed) -> Result<(), ApiError> {
    match answer.status {
        200..=299 => Ok(()),
        401 => Err(ApiError::Unauthorized {
            code: "session_ended",
            message: "your staff session has ended: sign in again",
        }),
        403 => Err(ApiError::Forbidden {
            message: "your role does not give access to this page",
        }),
        404 => Err(ApiError::NotFound),
        status => Err(anyhow::anyhow!(
            "the API answered {status}: {}",
            String::from_utf8_lossy(&answer.body)
        )
        .into()),
    }
}

/// A form's outcome: the answer, or the field errors of a 400/409/422/429.
pub fn outcome(answer: &Relayed) -> Result<Result<Json, Vec<FieldError>>, ApiError> {
    match answer.status {
        200..=299 => Ok(Ok(answer.json())),
        400 | 409 | 413 | 415 | 422 | 429 => {
            let errors: Vec<FieldError> = answer
                .json()
                .get("errors")
                .and_then(|e| serde_json::from_value(e.clone()).ok())
                .unwrap_or_default();
            if errors.is_empty() {
                Ok(Err(vec![FieldError::general(
                    "refused",
                    format!("refused ({})", answer.status),
                )]))
            } else {
                Ok(Err(errors))
            }
        }
        _ => {
            accepted(answer)?;
            Ok(Ok(answer.json()))
        }
    }
}

/// A 303 to `location` (after a form), never cached.
pub fn see_other(location: &str) -> Response {
    let mut response = Response::new(303, Vec::<u8>::new());
    response.set_header("location", location);
    response.set_header("cache-control", "no-store");
    page::secure(&mut response);
    response
}

/// Percent-encodes a query value.
pub fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// `/admin/...`: the page, or the way in (sign in, or the refusal page).
pub async fn route(ctx: &Ctx<'_>, rest: &[&str]) -> Result<Response, ApiError> {
    let lang = Chrome::lang(ctx);
    let t = texts::of(lang);
    let Some(session) = session::cookie(ctx) else {
        return Ok(see_other("/account/login?next=%2Fadmin"));
    };
    let host = tenant::request_host(ctx.request())?;
    let Some(token) = staff::staff_token(host.as_str(), &session).await? else {
        return refused(ctx, lang, 403, t.no_staff_session);
    };
    let Some(access_token) = token.access_token.clone() else {
        return refused(ctx, lang, 403, t.no_staff_session);
    };
    let staff = Staff {
        ctx,
        token,
        access_token,
        origin: origin(ctx)?,
        client: ctx
            .client()
            .ip()
            .map_or_else(|| "0.0.0.0".to_owned(), |ip| ip.to_string()),
        lang,
        t,
        csrf: csrf::token(ctx.request())?,
    };
    let answer = match rest {
        [] => queue::route(&staff).await,
        ["export.csv"] => queue::export(&staff).await,
        ["requests", rest @ ..] => request::route(&staff, rest).await,
        ["intake", rest @ ..] => intake::route(&staff, rest).await,
        ["dashboard", rest @ ..] => dashboard::route(&staff, rest).await,
        ["setup", rest @ ..] => setup::route(&staff, rest).await,
        _ => Err(ApiError::NotFound),
    };
    match answer {
        Ok(response) => Ok(response),
        Err(ApiError::Forbidden { message }) => refused(ctx, lang, 403, message_of(t, message)),
        Err(ApiError::Unauthorized { .. }) => refused(ctx, lang, 401, t.no_staff_session),
        Err(ApiError::NotFound) => refused(ctx, lang, 404, t.not_found),
        Err(other) => Err(other),
    }
}

fn message_of(t: &'static AdminTexts, message: &'static str) -> &'static str {
    if message.starts_with("this form has expired") {
        t.form_expired
    } else {
        t.role_refused
    }
}

/// The origin the agent reached (`scheme://host[:port]` of `spin-full-url`).
pub(crate) fn origin(ctx: &Ctx<'_>) -> Result<String, ApiError> {
    let full = ctx
        .request()
        .header("spin-full-url")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    guichet_guest::relay::origin_of_url(full)
        .ok_or_else(|| anyhow::anyhow!("the request's spin-full-url is not an absolute URL").into())
}

#[derive(Template)]
#[template(path = "staff_refused.html")]
struct Refused {
    chrome: Chrome,
    t: &'static AdminTexts,
    heading: &'static str,
    message: &'static str,
}

/// The page of a refusal: who may see the page, and the way to sign in again.
fn refused(ctx: &Ctx<'_>, lang: Lang, status: u16, message: &'static str) -> Result<Response, ApiError> {
    let t = texts::of(lang);
    let heading = match status {
        404 => t.not_found_title,
        401 => t.sign_in_again,
        _ => t.refused_title,
    };
    let page = Refused {
        chrome: Chrome::new(ctx, heading),
        t,
        heading,
        message,
    };
    let mut response = page::answer(status, &page.chrome, &page)?;
    response.set_header("cache-control", "no-store");
    Ok(response)
}

/// The language code for the API's `lang=` parameter.
pub fn lang_code(lang: Lang) -> &'static str {
    lang.as_str()
}

/// The catalogue's text in the page's language.
pub fn pick(lang: Lang, text: &Json) -> String {
    text.get(lang.as_str())
        .or_else(|| text.get("fr"))
        .and_then(|v| v.as_str())
        .or_else(|| text.as_str())
        .unwrap_or_default()
        .to_owned()
}
