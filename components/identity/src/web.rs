//! The portal's account pages, server-rendered HTML with browser sessions (docs/SECURITY.md item 10).
//!
//! Routes below `/account` (French by default, English with `?lang=en` or the account's
//! language):
//!
//! | route | what |
//! |---|---|
//! | `GET/POST /account/login` | sign in with e-mail and password ([`public`]) |
//! | `GET/POST /account/register` | create an account, then "check your e-mail" |
//! | `GET/POST /account/forgot-password` | ask for a reset link |
//! | `GET/POST /account/reset-password` | the e-mailed link (`#token=`): choose a new password |
//! | `GET/POST /account/verify-email` | the e-mailed link: confirm the address |
//! | `GET/POST /account/confirm-email` | the e-mailed link: confirm a change of address |
//! | `GET/POST /account/accept-invitation` | the e-mailed link: a staff invitation |
//! | `GET /account` | the signed-in person's account ([`dashboard`]) |
//! | `POST /account/profile`, `/account/consents` | change names, phone, language; consents |
//! | `POST /account/logout`, `/account/logout-all` | end this session; end every session |
//! | `GET /account/assets/{link.js,account.css}` | the one script and the style sheet |
//! | `/account/oidc/...` | external sign-in (`crate::oidc`) |
//!
//! The sign-in and registration pages offer the commune's OpenID providers, and the account
//! page lists the external identities linked to the account ([`external`]).
//!
//! Sessions are in [`sessions`]; every POST passes [`csrf::accept`] (same origin, form content
//! type, readable body, session and synchronizer token) before anything is read or written.
//! The functions behind the JSON API do the work (`accounts`, `profile`, `consents`,
//! `issue`): the pages only turn forms into their arguments and their errors into messages.
//!
//! Every answer carries a strict Content-Security-Policy (scripts and styles from this origin
//! only, no framing, forms to this origin only), `X-Content-Type-Options: nosniff`,
//! `Referrer-Policy: same-origin` and, except for the two static assets,
//! `Cache-Control: no-store`.
//!
//! Why `same-origin` and not `no-referrer`: under `no-referrer`, browsers send `Origin: null`
//! with every form POST (Fetch standard, "append a request `Origin` header"), which would
//! make the origin check useless (or refuse every form). `same-origin` sends nothing to any
//! other site (the pages' addresses never leak) and lets our own forms carry their true
//! `Origin`, so an `Origin` of anything else, `null` included, is refused.

mod assets;
pub mod csrf;
mod dashboard;
mod external;
pub mod form;
pub mod html;
pub mod i18n;
mod public;
pub mod sessions;

use guichet_guest::ApiError;
use spin_sdk::http::{Method, Request, Response};

use crate::context::Ctx;
use html::Site;
use i18n::Lang;

const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Why a page could not be answered normally; each becomes an error page.
#[derive(Debug)]
pub enum PageError {
    /// A failure of the functions behind the pages (404, 405, 500...).
    Api(ApiError),
    /// No session, or not its CSRF token: 403.
    Csrf,
    /// `Origin` or `Sec-Fetch-Site` says another site sent the form: 403.
    CrossOrigin,
    /// Not `application/x-www-form-urlencoded`: 415.
    UnsupportedType,
    /// The form body is too large, not UTF-8 or has a NUL: 400.
    Malformed,
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> Self {
        PageError::Api(error)
    }
}

impl From<anyhow::Error> for PageError {
    fn from(error: anyhow::Error) -> Self {
        PageError::Api(ApiError::Internal(error))
    }
}

/// How a form failed, to show it again: the status, the errors (beside their fields or in
/// the summary) and, for 429, when to retry.
#[derive(Debug, Default)]
pub struct Failure {
    pub status: u16,
    pub errors: Vec<guichet_guest::FieldError>,
    pub retry_after: Option<u64>,
}

impl Failure {
    /// No failure: the form shown for the first time.
    pub fn none() -> Failure {
        Failure {
            status: 200,
            ..Failure::default()
        }
    }

    /// 422 with `errors` (found by the page itself).
    pub fn invalid(errors: Vec<guichet_guest::FieldError>) -> Failure {
        Failure {
            status: 422,
            errors,
            retry_after: None,
        }
    }

    /// The failure of the function behind a form: its errors shown on the form again with
    /// its status (400 becomes 422: the request was fine, its content was not). What a
    /// form cannot show (404, 405, 500) becomes an error page.
    pub fn of(error: ApiError) -> Result<Failure, PageError> {
        let status = match &error {
            ApiError::Internal(_)
            | ApiError::NotFound
            | ApiError::NotFoundWith { .. }
            | ApiError::MethodNotAllowed { .. } => return Err(PageError::Api(error)),
            ApiError::BadRequest { .. } => 422,
            other => other.status(),
        };
        let retry_after = match &error {
            ApiError::TooManyRequests { retry_after } => Some(*retry_after),
            _ => None,
        };
        Ok(Failure {
            status,
            errors: error.errors(),
            retry_after,
        })
    }

    /// `response` with this failure's `Retry-After`, if any.
    pub fn headers(&self, mut response: Response) -> Response {
        if let Some(seconds) = self.retry_after {
            response.set_header("retry-after", seconds.to_string());
        }
        response
    }
}

/// One request to the pages: what every handler needs.
pub struct Page<'a> {
    pub req: &'a Request,
    pub ctx: &'a Ctx<'a>,
    /// Language and link form, from `?lang=` (the handlers of signed-in pages refine it
    /// with the account's language).
    pub site: Site,
    /// The commune's display name, for titles.
    pub commune: String,
    /// The page's own path (for the language switch).
    pub path: String,
}

impl Page<'_> {
    /// The site in the language asked for, else `fallback` (the account's), else French.
    pub fn site_with(&self, fallback: Option<&str>) -> Site {
        site_for(self.req, fallback)
    }

    /// A whole HTML page.
    pub fn render(&self, site: Site, status: u16, title: &str, body: &str) -> Response {
        guichet_guest::response::html(
            status,
            html::document(site, &self.commune, &self.path, title, body),
        )
    }
}

/// `303 See Other` to `location` (a path of this site).
pub fn see_other(location: &str) -> Response {
    let mut builder = Response::builder();
    builder
        .status(303)
        .header("location", location)
        .header("cache-control", "no-store");
    builder.build()
}

/// `response` with the `Set-Cookie` value `cookie`, if any.
pub fn with_cookie(mut response: Response, cookie: Option<String>) -> Response {
    if let Some(cookie) = cookie {
        response.set_header("set-cookie", cookie);
    }
    response
}

/// Answers a request below `/account` (`segments` are the path segments after it).
pub async fn route(req: &Request, ctx: &Ctx<'_>, segments: &[&str]) -> Result<Response, ApiError> {
    let site = site_for(req, None);
    let page = Page {
        req,
        ctx,
        site,
        commune: crate::accounts::commune_name(ctx.conn(), ctx.commune()),
        path: format!(
            "/account{}",
            segments.iter().map(|s| format!("/{s}")).collect::<String>()
        ),
    };
    let answer = match segments {
        // External sign-in (OpenID Connect): its own pages, see `crate::oidc`.
        ["oidc", rest @ ..] => crate::oidc::web_route(req, ctx, rest)
            .await
            .map_err(PageError::Api),
        ["assets", name] => assets::serve(req, name),
        [] => only(req, &[Method::Get]).and_then(|()| dashboard::show(&page)),
        ["profile"] => only(req, &[Method::Post]).and_then(|()| dashboard::profile(&page)),
        ["consents"] => only(req, &[Method::Post]).and_then(|()| dashboard::consents(&page)),
        ["logout"] => only(req, &[Method::Post]).and_then(|()| dashboard::logout(&page)),
        ["logout-all"] => only(req, &[Method::Post]).and_then(|()| dashboard::logout_all(&page)),
        ["login"] => public::login(&page),
        ["register"] => public::register(&page).await,
        ["forgot-password"] => public::forgot_password(&page).await,
        ["reset-password"] => public::reset_password(&page),
        ["verify-email"] => public::verify_email(&page),
        ["confirm-email"] => public::confirm_email(&page),
        ["accept-invitation"] => public::accept_invitation(&page).await,
        _ => Err(PageError::Api(ApiError::NotFound)),
    };
    let response = answer.unwrap_or_else(|error| error_page(&page, error));
    Ok(secured(response))
}

/// The site in the language `req` asked for, else `fallback`, else French.
fn site_for(req: &Request, fallback: Option<&str>) -> Site {
    match Lang::asked(req) {
        Some(lang) => Site { lang, asked: true },
        None => Site {
            lang: fallback.and_then(Lang::parse).unwrap_or(Lang::Fr),
            asked: false,
        },
    }
}

/// `Ok` when the method is one of `allowed` (with `HEAD` never among them: pages are small).
fn only(req: &Request, allowed: &[Method]) -> Result<(), PageError> {
    if allowed.contains(req.method()) {
        return Ok(());
    }
    let allow = if allowed.contains(&Method::Get) {
        "GET"
    } else {
        "POST"
    };
    Err(PageError::Api(ApiError::MethodNotAllowed { allow }))
}

/// The error page of `error`.
fn error_page(page: &Page<'_>, error: PageError) -> Response {
    let texts = page.site.lang.texts();
    let (status, title, text) = match &error {
        PageError::Csrf | PageError::CrossOrigin => (403, texts.refused_title, texts.refused_text),
        PageError::UnsupportedType => (415, texts.unsupported_title, texts.unsupported_text),
        PageError::Malformed => (400, texts.bad_request_title, texts.bad_request_text),
        PageError::Api(api) => match api {
            ApiError::NotFound | ApiError::NotFoundWith { .. } => {
                (404, texts.not_found_title, texts.not_found_text)
            }
            ApiError::TooManyRequests { .. } => (429, texts.too_many_title, texts.too_many_text),
            ApiError::BadRequest { .. } => (400, texts.bad_request_title, texts.bad_request_text),
            ApiError::Internal(inner) => {
                eprintln!("internal error: {inner:#}");
                (500, texts.error_title, texts.error_text)
            }
            other => (other.status(), texts.error_title, texts.error_text),
        },
    };
    let body = format!(
        "{}{}",
        html::paragraph(text),
        html::link(&page.site.href("/account"), texts.back)
    );
    let mut response = page.render(page.site, status, title, &body);
    match error {
        PageError::Api(ApiError::MethodNotAllowed { allow }) => response.set_header("allow", allow),
        PageError::Api(ApiError::TooManyRequests { retry_after }) => {
            response.set_header("retry-after", retry_after.to_string())
        }
        _ => {}
    }
    response
}

/// The headers every answer of the pages carries (see the module overview).
fn secured(mut response: Response) -> Response {
    let mut set_default = |name: &str, value: &str| {
        if response.header(name).is_none() {
            response.set_header(name, value);
        }
    };
    set_default("content-security-policy", CONTENT_SECURITY_POLICY);
    set_default("cache-control", "no-store");
    set_default("x-content-type-options", "nosniff");
    set_default("referrer-policy", "same-origin");
    set_default("x-frame-options", "DENY");
    set_default("cross-origin-opener-policy", "same-origin");
    response
}
