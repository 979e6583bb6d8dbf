//! Browser sessions of the portal's account pages (docs/SECURITY.md item 10).
//!
//! - The cookie `__Host-guichet-session` holds a 256-bit secret; the `sessions` table keeps
//!   its SHA-256 only (a copy of the database cannot be replayed). Attributes:
//!   `Path=/; Secure; HttpOnly; SameSite=Lax`, no `Domain` (the `__Host-` prefix makes
//!   browsers refuse the cookie otherwise, so a sibling subdomain cannot plant one) and no
//!   `Max-Age`: the cookie goes when the browser closes, and the server decides expiry anyway.
//! - A session belongs to one commune: it is looked up by hash *and* the request's commune,
//!   so a cookie set at commune A's host names means nothing at commune B's.
//! - Before sign-in, the form pages open an anonymous *pre-session* (no account) whose only
//!   use is to carry the CSRF token of the sign-in and registration forms (login CSRF).
//!   Signing in always creates a new session (new secret, new CSRF token) and revokes the one
//!   the browser had, so a secret planted before sign-in is worthless after it.
//! - Lifetime: [`IDLE_SECONDS`] (2 hours) without a request, and never more than
//!   [`ABSOLUTE_SECONDS`] (12 hours, a working day) after it was opened. Each use pushes the
//!   idle deadline back, written at most every [`EXTEND_EVERY`] seconds (not one write per
//!   page). Logging out revokes the row (`revoked_at`), not only the cookie; "log out
//!   everywhere", a password reset or a disabled account revoke every row of the account
//!   (`issue::revoke_all`).
//! - Expired rows are deleted when new sessions are opened, so anonymous pre-sessions do not
//!   pile up.

use guichet_guest::db::{self, Value};
use guichet_guest::ApiError;
use spin_sdk::http::Request;

use crate::context::Ctx;
use crate::secrets::{digest, is_well_formed, new_secret};
use crate::throttle::unix_now;

/// The cookie's name. `__Host-`: the browser only accepts it `Secure`, with `Path=/` and
/// without `Domain`.
pub const COOKIE: &str = "__Host-guichet-session";
/// A session ends after this long without a request.
pub const IDLE_SECONDS: u64 = 2 * 3600;
/// A session ends this long after it was opened, used or not.
pub const ABSOLUTE_SECONDS: u64 = 12 * 3600;
/// The idle deadline is rewritten once it is this much older than a fresh one would be.
const EXTEND_EVERY: u64 = 5 * 60;

/// A live session of the request's commune.
#[derive(Debug, Clone)]
pub struct Session {
    /// The signed-in account, `None` for a pre-session.
    pub account_id: Option<String>,
    /// The synchronizer token every state-changing form of this session carries.
    pub csrf: String,
    /// Unix seconds.
    pub created_at: u64,
    /// Unix seconds: the idle deadline.
    pub expires_at: u64,
    /// Unix seconds: when the session was last used before this request (to within
    /// `EXTEND_EVERY`), from the idle deadline as it stood.
    pub last_used_at: u64,
}

impl Session {
    /// The signed-in account, if any.
    pub fn account(&self) -> Option<&str> {
        self.account_id.as_deref()
    }
}

/// The `Set-Cookie` value that gives the browser `secret`.
pub fn set_cookie(secret: &str) -> String {
    format!("{COOKIE}={secret}; Path=/; Secure; HttpOnly; SameSite=Lax")
}

/// The `Set-Cookie` value that makes the browser forget the session cookie.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// The secrets named [`COOKIE`] in the request's `Cookie` header that look like ours, in
/// order (normally one; a browser may send two same-named cookies set with different paths).
fn cookie_secrets(req: &Request) -> Vec<String> {
    let text = req
        .header("cookie")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    secrets_in(text)
}

fn secrets_in(cookie_header: &str) -> Vec<String> {
    cookie_header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, value)| *name == COOKIE && is_well_formed(value))
        .map(|(_, value)| value.to_owned())
        .collect()
}

fn int(value: u64) -> Value {
    Value::Integer(i64::try_from(value).unwrap_or(i64::MAX))
}

fn unsigned(value: Option<i64>) -> u64 {
    value.and_then(|v| u64::try_from(v).ok()).unwrap_or(0)
}

/// The request's live session: its cookie's hash, in the request's commune, neither revoked
/// nor expired, and (when signed in) of an account still active. Pushes the idle deadline
/// back when due.
pub fn current(req: &Request, ctx: &Ctx<'_>) -> Result<Option<Session>, ApiError> {
    for secret in cookie_secrets(req) {
        if let Some(session) = lookup(ctx, &digest(&secret))? {
            return Ok(Some(session));
        }
    }
    Ok(None)
}

fn lookup(ctx: &Ctx<'_>, hash: &str) -> Result<Option<Session>, ApiError> {
    let now = unix_now();
    let rows = db::query(
        ctx.conn(),
        "SELECT s.account_id, s.csrf, s.created_at, s.expires_at, a.status \
         FROM sessions s LEFT JOIN accounts a ON a.id = s.account_id AND a.commune = s.commune \
         WHERE s.hash = ? AND s.commune = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND s.created_at > ?",
        &[db::text(hash), db::text(ctx.commune().as_str()), int(now), int(now.saturating_sub(ABSOLUTE_SECONDS))],
    )?;
    let Some(row) = rows.rows.first() else {
        return Ok(None);
    };
    let account_id = row.get::<&str>(0).map(str::to_owned);
    if account_id.is_some() && row.get::<&str>(4) != Some("active") {
        return Ok(None);
    }
    let mut session = Session {
        account_id,
        csrf: row.get::<&str>(1).unwrap_or_default().to_owned(),
        created_at: unsigned(row.get::<i64>(2)),
        expires_at: unsigned(row.get::<i64>(3)),
        last_used_at: 0,
    };
    session.last_used_at = session.expires_at.saturating_sub(IDLE_SECONDS).max(session.created_at);
    let fresh = deadline(session.created_at, now);
    if fresh > session.expires_at + EXTEND_EVERY {
        db::exec(
            ctx.conn(),
            "UPDATE sessions SET expires_at = ? WHERE hash = ? AND commune = ?",
            &[int(fresh), db::text(hash), db::text(ctx.commune().as_str())],
        )?;
        session.expires_at = fresh;
    }
    Ok(Some(session))
}

/// The idle deadline of a session opened at `created_at`, used at `now`.
fn deadline(created_at: u64, now: u64) -> u64 {
    (now + IDLE_SECONDS).min(created_at + ABSOLUTE_SECONDS)
}

/// Opens a session (for `account`, or a pre-session) and returns it with its secret.
fn open(ctx: &Ctx<'_>, account: Option<&str>) -> Result<(Session, String), ApiError> {
    let secret = new_secret()?;
    let csrf = new_secret()?;
    let now = unix_now();
    let hash = digest(&secret);
    let expires_at = deadline(now, now);
    db::exec(
        ctx.conn(),
        "DELETE FROM sessions WHERE commune = ? AND expires_at <= ?",
        &[db::text(ctx.commune().as_str()), int(now)],
    )?;
    db::exec(
        ctx.conn(),
        "INSERT INTO sessions (hash, commune, account_id, csrf, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        &[
            db::text(hash.as_str()),
            db::text(ctx.commune().as_str()),
            account.map_or(Value::Null, db::text),
            db::text(csrf.as_str()),
            int(expires_at),
            int(now),
        ],
    )?;
    let session = Session {
        account_id: account.map(str::to_owned),
        csrf,
        created_at: now,
        expires_at,
        last_used_at: now,
    };
    Ok((session, secret))
}

/// Revokes every session the request's cookies name in this commune (the browser's current
/// one, and any stale one it still sends).
fn revoke_presented(req: &Request, ctx: &Ctx<'_>) -> Result<(), ApiError> {
    for secret in cookie_secrets(req) {
        db::exec(
            ctx.conn(),
            "UPDATE sessions SET revoked_at = ? WHERE hash = ? AND commune = ? AND revoked_at IS NULL",
            &[int(unix_now()), db::text(digest(&secret)), db::text(ctx.commune().as_str())],
        )?;
    }
    Ok(())
}

/// Signs `account` in: revokes the session the browser had (pre-session or another
/// account's), opens a new one and returns the `Set-Cookie` value to send. Used by the
/// sign-in form and by external sign-in (OpenID Connect) once the account is known.
pub fn start(req: &Request, ctx: &Ctx<'_>, account: &str) -> Result<String, ApiError> {
    revoke_presented(req, ctx)?;
    let (_, secret) = open(ctx, Some(account))?;
    Ok(set_cookie(&secret))
}

/// The request's session, or a new pre-session when it has none: what a page with a form
/// needs for its CSRF token. The `Set-Cookie` value is `Some` when a session was opened.
pub fn ensure(req: &Request, ctx: &Ctx<'_>) -> Result<(Session, Option<String>), ApiError> {
    if let Some(session) = current(req, ctx)? {
        return Ok((session, None));
    }
    let (session, secret) = open(ctx, None)?;
    Ok((session, Some(set_cookie(&secret))))
}

/// Logs the browser out: revokes its session server-side; the `Set-Cookie` value clears the
/// cookie.
pub fn end(req: &Request, ctx: &Ctx<'_>) -> Result<String, ApiError> {
    revoke_presented(req, ctx)?;
    Ok(clear_cookie())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_has_the_host_prefix_and_every_protective_attribute() {
        let cookie = set_cookie("s3cret");
        assert_eq!(
            cookie,
            "__Host-guichet-session=s3cret; Path=/; Secure; HttpOnly; SameSite=Lax"
        );
        assert!(!cookie.to_ascii_lowercase().contains("domain"));
        assert!(clear_cookie().ends_with("Max-Age=0"));
    }

    #[test]
    fn only_well_formed_secrets_of_our_cookie_are_read_from_the_header() {
        let good = "a".repeat(43);
        let header = format!("other=1; {COOKIE}={good}; {COOKIE}=short; guichet-session={good}");
        assert_eq!(secrets_in(&header), vec![good]);
        assert!(secrets_in("").is_empty());
    }

    #[test]
    fn the_idle_deadline_never_passes_the_absolute_one() {
        assert_eq!(deadline(1000, 1000), 1000 + IDLE_SECONDS);
        assert_eq!(deadline(0, ABSOLUTE_SECONDS - 60), ABSOLUTE_SECONDS);
    }
}
