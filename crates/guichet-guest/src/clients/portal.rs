//! Client of `guichet:platform/portal`: what the portal asks on a citizen's behalf, by
//! chaining, with a secret each callee shares with the portal only (see `wit/portal.wit`):
//! the access token of a browser session (identity, `portal_session_secret`), a filing and
//! the citizen's own requests (requests, `portal_filing_secret`).

use anyhow::{bail, Context as _};
use guichet_contracts::portal::{
    MineRequest, MyRequests, PortalFiling, SessionToken, SessionTokenRequest,
};
use serde::Serialize;
use spin_sdk::http::{Method, Request};

pub use guichet_contracts::portal::{Filed, MyRequest, PortalFiling as Filing};

use super::Answer;
use crate::FieldError;

/// What became of a filing.
pub enum Outcome {
    /// Filed (or filed before with the same `Idempotency-Key`): the receipt's data.
    Filed(Filed),
    /// Not filed: every error requests found (400, 409, 429 as field errors).
    Refused(Vec<FieldError>),
    /// Not filed: the service needs an account and the filing had no valid token (401).
    SignInFirst,
}

async fn post<T: Serialize>(url: &str, body: &T, secret: &str) -> anyhow::Result<Answer> {
    let request = Request::builder()
        .method(Method::Post)
        .uri(url)
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {secret}"))
        .body(serde_json::to_vec(body).context("serialising a chained body")?)
        .build();
    super::send(request, url).await
}

/// `POST http://identity.spin.internal/internal/session-tokens`: an access token for the
/// citizen signed in with the browser session `session` at `host`; `None` without a live
/// session, or when `portal_session_secret` is not set (then nobody is signed in for the
/// portal's pages, which is logged).
pub async fn session_token(host: &str, session: &str) -> anyhow::Result<Option<SessionToken>> {
    let Some(secret) = crate::secret::configured("portal_session_secret") else {
        eprintln!("portal_session_secret is not set: the portal's pages see nobody signed in");
        return Ok(None);
    };
    let ask = SessionTokenRequest {
        host: host.to_owned(),
        session: session.to_owned(),
    };
    let url = "http://identity.spin.internal/internal/session-tokens";
    let answer = post(url, &ask, &secret).await?;
    match answer.status {
        200 => {
            let token: SessionToken = answer.decode("identity's session token")?;
            Ok(token.access_token.is_some().then_some(token))
        }
        status => bail!("identity answered {status} to a session token"),
    }
}

/// `POST http://requests.spin.internal/internal/filings`: files `filing` as requests' public
/// route would for the citizen (500 when `portal_filing_secret` is not set).
pub async fn file(filing: &PortalFiling) -> anyhow::Result<Outcome> {
    let secret = crate::secret::configured("portal_filing_secret")
        .context("portal_filing_secret is not set: the portal cannot file")?;
    let url = "http://requests.spin.internal/internal/filings";
    let answer = post(url, filing, &secret).await?;
    match answer.status {
        200 | 201 => Ok(Outcome::Filed(answer.decode("requests' filing")?)),
        401 => Ok(Outcome::SignInFirst),
        400 | 409 | 422 | 429 => Ok(Outcome::Refused(errors(&answer))),
        status => bail!(
            "requests answered {status} to a filing: {}",
            String::from_utf8_lossy(&answer.body)
        ),
    }
}

/// `POST http://requests.spin.internal/internal/mine`: the requests of the citizen whose
/// access token is `access_token`, newest first (500 when `portal_filing_secret` is not set).
pub async fn mine(host: &str, access_token: &str) -> anyhow::Result<Vec<MyRequest>> {
    let secret = crate::secret::configured("portal_filing_secret")
        .context("portal_filing_secret is not set: the portal cannot list requests")?;
    let url = "http://requests.spin.internal/internal/mine";
    let ask = MineRequest {
        host: host.to_owned(),
        access_token: access_token.to_owned(),
    };
    let answer = post(url, &ask, &secret).await?;
    match answer.status {
        200 => Ok(answer.decode::<MyRequests>("requests' list")?.requests),
        status => bail!("requests answered {status} to a list of the citizen's requests"),
    }
}

/// The `errors` of an error answer (`{"errors":[{field, code, message}]}`); a 429 without
/// them is one general error.
fn errors(answer: &Answer) -> Vec<FieldError> {
    let body = answer.json();
    let list: Vec<FieldError> = body
        .get("errors")
        .and_then(|e| serde_json::from_value(e.clone()).ok())
        .unwrap_or_default();
    if list.is_empty() {
        let code = if answer.status == 429 {
            "too_many_requests"
        } else {
            "refused"
        };
        return vec![FieldError::general(
            code,
            format!("requests answered {}", answer.status),
        )];
    }
    list
}
