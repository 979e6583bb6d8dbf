//! `GET /mine`: the signed-in citizen's space, their requests with their state and the
//! commune's last message on each (a reply of an agent), newest first
//! (read from requests by chaining, `guichet_guest::clients::portal::mine`, with the access
//! token of their session), each leading to the tracking page; links to their account and
//! data, which identity's pages offer. A guest is asked to sign in.

use askama::Template;
use guichet_guest::clients::portal;
use guichet_guest::context::Ctx;
use guichet_guest::{tenant, ApiError};
use spin_sdk::http::Response;

use crate::i18n;
use crate::page::{self, Chrome};
use crate::session;

/// One request of the list.
pub struct Line {
    pub reference: String,
    pub service: String,
    pub state: String,
    pub open: bool,
    pub created_on: String,
    pub expected_on: Option<String>,
    /// The commune's last message on it and its day (what the agent replied).
    pub last_reply: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "mine.html")]
struct Mine {
    chrome: Chrome,
    signed_in: bool,
    lines: Vec<Line>,
}

/// `GET /mine`.
pub async fn page(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let lang = Chrome::lang(ctx);
    let t = i18n::texts(lang);
    let token = session::token(ctx).await?;
    let lines = match token.as_ref().and_then(|t| t.access_token.as_deref()) {
        Some(token) => {
            let host = tenant::request_host(ctx.request())?;
            portal::mine(host.as_str(), token)
                .await?
                .into_iter()
                .map(|r| Line {
                    service: i18n::pick(lang, &r.service_name).to_owned(),
                    state: r
                        .state_label
                        .as_ref()
                        .map(|l| i18n::pick(lang, l).to_owned())
                        .unwrap_or_default(),
                    open: r.open,
                    created_on: r.created_at.chars().take(10).collect(),
                    expected_on: r.expected_on,
                    last_reply: r.last_reply.map(|text| {
                        let day = r.last_reply_at.unwrap_or_default().chars().take(10).collect();
                        (day, text)
                    }),
                    reference: r.reference,
                })
                .collect()
        }
        None => Vec::new(),
    };
    let page = Mine {
        chrome: Chrome::new(ctx, t.mine_title),
        signed_in: token.is_some(),
        lines,
    };
    let mut response = page::answer(200, &page.chrome, &page)?;
    response.set_header("cache-control", "no-store");
    Ok(response)
}
