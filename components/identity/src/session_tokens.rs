//! `POST /internal/session-tokens` (the `portal` contract, `wit/portal.wit`): the portal's
//! pages learn who is signed in with a browser session of the account pages, as a short
//! access token they forward to requests (which verifies it like any other).
//!
//! Closed by the secret `portal_session_secret`, given to identity and the portal only (404
//! without one): anyone holding it could turn a session cookie into a token, and only the
//! portal is handed those cookies by browsers. The session is looked up exactly as the
//! account pages do (its hash, in the commune of the host name, live, account active). The
//! token carries no role: the portal acts for citizens, never as an agent.

use guichet_guest::contracts::portal::{SessionToken, SessionTokenRequest};
use guichet_guest::tenant::Host;
use guichet_guest::{clients, response, secret, ApiError};
use spin_sdk::http::{Method, Request, Response};

use crate::web::sessions;
use crate::{context, issue};

/// Answers the session token asked in the body, for the portal only.
pub fn issue_for_portal(req: &Request) -> Result<Response, ApiError> {
    secret::require_bearer(req, "portal_session_secret", "this route is for the portal")?;
    let SessionTokenRequest { host, session } =
        clients::receive("POST /internal/session-tokens", req.body())?;
    let host =
        Host::parse(&host).map_err(|e| ApiError::field("host", "invalid_host", e.to_string()))?;
    let url = format!("http://{}/account", host.as_str());
    let browser = Request::builder()
        .method(Method::Get)
        .uri(url.as_str())
        .header("spin-full-url", url.as_str())
        .header("cookie", format!("{}={session}", sessions::COOKIE))
        .build();
    let ctx = context::for_request(&browser)?;
    let live = sessions::current(&browser, &ctx)?;
    let answer = match live.and_then(|s| s.account_id.map(|a| (a, s.created_at))) {
        Some((account, signed_in_at)) => SessionToken {
            access_token: Some(issue::citizen_access_token(
                ctx.commune(),
                &account,
                signed_in_at,
            )?),
            account_id: Some(account),
        },
        None => SessionToken {
            access_token: None,
            account_id: None,
        },
    };
    Ok(response::json(200, &answer))
}
