//! `POST /internal/session-tokens` (the `portal` contract, `wit/portal.wit`): the portal's
//! pages learn who is signed in with a browser session of the account pages, as a short
//! access token they forward to requests (which verifies it like any other).
//!
//! Closed by the secret `portal_session_secret`, given to identity and the portal only (404
//! without one): anyone holding it could turn a session cookie into a token, and only the
//! portal is handed those cookies by browsers. The session is looked up exactly as the
//! account pages do (its hash, in the commune of the host name, live, account active). The
//! token carries no role: the portal acts for citizens, never as an agent.
//!
//! `POST /internal/staff-tokens` (the `staff` contract, `wit/staff.wit`) is the back-office's:
//! the same lookup, closed by `staff_relay_secret`, answers a token *with* the account's roles
//! and departments, but only for a staff account, and only while the staff session is young
//! ([`STAFF_SESSION_SECONDS`] since sign-in) and in use ([`STAFF_IDLE_SECONDS`] since the
//! last page): an agent's browser left open at the counter stops acting for them.

use guichet_guest::contracts::portal::{SessionToken, SessionTokenRequest};
use guichet_guest::contracts::staff::{StaffToken, StaffTokenRequest};
use guichet_guest::db;
use guichet_guest::tenant::Host;
use guichet_guest::{clients, response, secret, ApiError};
use spin_sdk::http::{Method, Request, Response};

use crate::web::sessions::{self, Session};
use crate::{context, issue, roles};

/// How long after signing in a browser session acts for an agent (a working day).
pub const STAFF_SESSION_SECONDS: u64 = 8 * 3600;
/// How long a staff session may sit unused before the back-office asks to sign in again.
pub const STAFF_IDLE_SECONDS: u64 = 30 * 60;

/// Answers the session token asked in the body, for the portal only.
pub fn issue_for_portal(req: &Request) -> Result<Response, ApiError> {
    secret::require_bearer(req, "portal_session_secret", "this route is for the portal")?;
    let SessionTokenRequest { host, session } =
        clients::receive("POST /internal/session-tokens", req.body())?;
    let browser = browser_request(&host, &session)?;
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

/// Answers the staff token asked in the body, for the back-office only.
pub fn issue_for_back_office(req: &Request) -> Result<Response, ApiError> {
    secret::require_bearer(req, guichet_guest::relay::VARIABLE, "this route is for the back-office")?;
    let StaffTokenRequest { host, session } =
        clients::receive("POST /internal/staff-tokens", req.body())?;
    let browser = browser_request(&host, &session)?;
    let ctx = context::for_request(&browser)?;
    let none = StaffToken {
        access_token: None,
        account_id: None,
        roles: Vec::new(),
        departments: Vec::new(),
        email: None,
        session_ends_at: None,
    };
    let live = sessions::current(&browser, &ctx)?;
    let Some((session, account)) = live.and_then(|s| s.account_id.clone().map(|a| (s, a))) else {
        return Ok(response::json(200, &none));
    };
    let now = crate::throttle::unix_now();
    if !staff_session_live(&session, now) {
        return Ok(response::json(200, &none));
    }
    let (roles, departments) = roles::of(ctx.conn(), ctx.commune(), &account)?;
    if !roles.iter().any(|r| roles::STAFF_ROLES.contains(&r.as_str())) {
        return Ok(response::json(200, &none));
    }
    let rows = db::query(
        ctx.conn(),
        "SELECT email FROM accounts WHERE id = ? AND commune = ?",
        &[db::text(&account), db::text(ctx.commune().as_str())],
    )?;
    let email = rows.rows.first().and_then(|r| r.get::<&str>(0)).map(str::to_owned);
    let answer = StaffToken {
        access_token: Some(issue::access_token(ctx.conn(), ctx.commune(), &account, session.created_at)?),
        account_id: Some(account),
        roles,
        departments,
        email,
        session_ends_at: Some(session.created_at + STAFF_SESSION_SECONDS),
    };
    Ok(response::json(200, &answer))
}

/// Whether a session still acts for an agent at `now`.
fn staff_session_live(session: &Session, now: u64) -> bool {
    now < session.created_at + STAFF_SESSION_SECONDS
        && now < session.last_used_at + STAFF_IDLE_SECONDS
}

/// The request a browser with the session cookie `session` would send to `host`'s account
/// pages, so that the session is looked up exactly as those pages do.
fn browser_request(host: &str, session: &str) -> Result<Request, ApiError> {
    let host =
        Host::parse(host).map_err(|e| ApiError::field("host", "invalid_host", e.to_string()))?;
    let url = format!("http://{}/account", host.as_str());
    Ok(Request::builder()
        .method(Method::Get)
        .uri(url.as_str())
        .header("spin-full-url", url.as_str())
        .header("cookie", format!("{}={session}", sessions::COOKIE))
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(created_at: u64, last_used_at: u64) -> Session {
        Session { account_id: Some("a".into()), csrf: String::new(), created_at, expires_at: 0, last_used_at }
    }

    #[test]
    fn a_staff_session_stops_acting_after_a_working_day_or_half_an_hour_unused() {
        assert!(staff_session_live(&session(1_000, 1_000), 1_000 + 60));
        assert!(!staff_session_live(&session(1_000, 1_000), 1_000 + STAFF_IDLE_SECONDS));
        let day = STAFF_SESSION_SECONDS;
        assert!(!staff_session_live(&session(1_000, 1_000 + day - 10), 1_000 + day));
        assert!(staff_session_live(&session(1_000, 1_000 + day - 100), 1_000 + day - 10));
    }
}
