//! What every page of the portal shares: the layout's data ([`Chrome`]: the commune, the
//! language and its switch), and the answer with its security headers and the language cookie.

use askama::Template;
use guichet_guest::context::Ctx;
use guichet_guest::query::Query;
use guichet_guest::{response, ApiError};
use spin_sdk::http::{Request, Response};

use crate::i18n::{self, Lang, Texts};

/// Scripts, styles and requests only from the portal's own origin, no inline script or
/// style, no framing, forms only to the portal.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// The layout's data (`templates/layout.html`).
pub struct Chrome {
    pub lang: &'static str,
    pub other_lang: &'static str,
    pub t: &'static Texts,
    pub commune: String,
    pub commune_id: String,
    /// What the banner shows: the commune's logo text, else its name.
    pub logo: String,
    /// The commune's colour, when it set one (the layout then loads `/assets/brand.css`,
    /// whose URL carries it so that a changed colour is fetched again).
    pub brand_color: Option<String>,
    pub title: String,
    /// The same page in the other language.
    pub switch_href: String,
    /// Whether `?lang=` chose the language (then the answer remembers it in a cookie).
    remember: Option<Lang>,
}

impl Chrome {
    pub fn new(ctx: &Ctx<'_>, title: impl Into<String>) -> Chrome {
        let req = ctx.request();
        let lang = Chrome::lang(ctx);
        Chrome {
            lang: lang.as_str(),
            other_lang: i18n::other(lang).as_str(),
            t: i18n::texts(lang),
            commune: ctx.served().name.clone(),
            commune_id: ctx.commune().as_str().to_owned(),
            logo: ctx
                .served()
                .branding
                .logo_text()
                .unwrap_or(&ctx.served().name)
                .to_owned(),
            brand_color: ctx
                .served()
                .branding
                .primary_color()
                .map(|c| c.trim_start_matches('#').to_owned()),
            title: title.into(),
            switch_href: switch_href(req, i18n::other(lang)),
            remember: i18n::asked(req),
        }
    }

    /// The language of the page `ctx` asks for.
    pub fn lang(ctx: &Ctx<'_>) -> Lang {
        i18n::of(ctx.request(), &ctx.served().languages)
    }
}

/// The request's path and query with `lang` set to `to` (other parameters kept).
fn switch_href(req: &Request, to: Lang) -> String {
    let path = req.path();
    let query = Query::of(req);
    let mut pairs: Vec<String> = query
        .pairs()
        .iter()
        .filter(|(name, _)| name != "lang")
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect();
    pairs.push(format!("lang={}", to.as_str()));
    format!("{path}?{}", pairs.join("&"))
}

fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The rendered page `status` with the portal's headers.
pub fn answer(status: u16, chrome: &Chrome, page: &impl Template) -> Result<Response, ApiError> {
    let html = page
        .render()
        .map_err(|e| anyhow::anyhow!("rendering a page: {e}"))?;
    let mut response = response::html(status, html);
    secure(&mut response);
    if let Some(lang) = chrome.remember {
        // A year; readable by nobody but the portal's pages, sent on top-level navigation.
        response.set_header(
            "set-cookie",
            format!(
                "{}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
                i18n::COOKIE,
                lang.as_str()
            ),
        );
    }
    Ok(response)
}

/// The security headers of every page.
pub fn secure(response: &mut Response) {
    response.set_header("content-security-policy", CONTENT_SECURITY_POLICY);
    response.set_header("x-content-type-options", "nosniff");
    response.set_header("referrer-policy", "same-origin");
    response.set_header("x-frame-options", "DENY");
}

/// `GET /assets/brand.css`: the banner in the commune's colour, with the text colour that
/// contrasts with it most (black or white), so that any colour an administrator picks stays
/// readable (WCAG 2.1 AA). A style sheet rather than an inline style: the CSP forbids those.
pub fn brand_css(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let branding = &ctx.served().branding;
    let css = match (branding.primary_color(), branding.text_on_primary()) {
        (Some(color), Some(text)) => format!(
            ".banner{{background:{color};color:{text}}}.banner a{{color:{text}}}\n"
        ),
        _ => String::new(),
    };
    let mut response =
        response::cacheable(ctx.request(), "text/css; charset=utf-8", css.into_bytes(), 300);
    response.set_header("x-content-type-options", "nosniff");
    Ok(response)
}
