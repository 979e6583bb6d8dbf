//! Who is signed in, for the portal's pages: the browser's session with identity's account
//! pages (the cookie `__Host-guichet-session`, which the portal never interprets) turned into
//! a short access token by identity (`guichet_guest::clients::portal::session_token`). The
//! portal forwards that token to requests, which verifies it as any other: the portal never
//! says on its own who a citizen is.

use guichet_guest::clients::portal;
use guichet_guest::context::Ctx;
use guichet_guest::contracts::portal::SessionToken;
use guichet_guest::tenant;
use guichet_guest::ApiError;

/// identity's session cookie.
const COOKIE: &str = "__Host-guichet-session";

/// The signed-in citizen's token, `None` for a guest (no session, or one that ended).
pub async fn token(ctx: &Ctx<'_>) -> Result<Option<SessionToken>, ApiError> {
    let Some(session) = cookie(ctx) else {
        return Ok(None);
    };
    let host = tenant::request_host(ctx.request())?;
    Ok(portal::session_token(host.as_str(), &session).await?)
}

/// The session cookie's value, when it looks like one (URL-safe base64, 43 characters).
pub fn cookie(ctx: &Ctx<'_>) -> Option<String> {
    let header = ctx.request().header("cookie")?.as_str()?;
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, value)| {
            *name == COOKIE
                && value.len() == 43
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(|(_, value)| value.to_owned())
}
