//! One external sign-in in progress, between `/start` and `/callback` (table `oidc_pending`).
//!
//! `start` draws three secrets: `state` (travels through the provider and comes back), the
//! `nonce` (comes back inside the ID token) and a *binding* secret, set in the browser as the
//! cookie `__Host-guichet-oidc` (10 minutes, `Secure; HttpOnly; SameSite=Lax`). The row keeps
//! their SHA-256 only, and the PKCE verifier is derived from the binding secret and the state
//! rather than stored, so the database alone cannot complete a sign-in.
//!
//! The callback takes the row once (deleted in the same transaction that reads it), refuses it
//! after 10 minutes, and only in the browser holding the binding cookie: a callback URL sent
//! to someone else (login CSRF, a code injected into another browser) finds no binding.

use anyhow::Context as _;
use guichet_guest::db::{self, Connection, Value};
use guichet_guest::Commune;
use sha2::{Digest as _, Sha256};
use spin_sdk::http::Request;

use crate::secrets::{b64, digest, is_well_formed, new_secret, same};
use crate::throttle::unix_now;

/// The binding cookie's name (`__Host-`: `Secure`, `Path=/`, no `Domain`, or the browser
/// refuses it).
pub const COOKIE: &str = "__Host-guichet-oidc";
/// How long a sign-in may stay at the provider.
pub const LIFETIME_SECONDS: u64 = 600;

/// What `start` sends to the provider and to the browser.
pub struct Started {
    pub state: String,
    pub nonce: String,
    /// `BASE64URL(SHA256(verifier))` (RFC 7636 §4.2).
    pub code_challenge: String,
    /// The `Set-Cookie` value binding the sign-in to this browser.
    pub cookie: String,
}

/// A sign-in in progress, taken back at the callback.
pub struct Pending {
    pub provider: String,
    pub nonce_digest: String,
    pub code_verifier: String,
    /// The account signed in when the sign-in started: the external identity is linked to it.
    pub link_to_account: Option<String>,
    pub redirect_uri: String,
    /// The language of the page that started it (`fr` or `en`).
    pub language: String,
}

/// Why a callback's state is refused (logged; the person sees one generic message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Stale {
    #[error("state_malformed")]
    Malformed,
    #[error("state_unknown_or_used")]
    Unknown,
    #[error("state_expired")]
    Expired,
    #[error("browser_not_bound")]
    NotThisBrowser,
}

/// The PKCE verifier of a sign-in: 43 base64url characters (256 bits) derived from the
/// browser's binding secret and the state.
fn verifier(binding: &str, state: &str) -> String {
    b64(&Sha256::digest(
        format!("guichet-oidc-pkce\n{binding}\n{state}").as_bytes(),
    ))
}

/// The S256 challenge of `verifier`.
pub fn challenge(verifier: &str) -> String {
    b64(&Sha256::digest(verifier.as_bytes()))
}

fn cookie(binding: &str) -> String {
    format!(
        "{COOKIE}={binding}; Path=/; Max-Age={LIFETIME_SECONDS}; Secure; HttpOnly; SameSite=Lax"
    )
}

fn int(value: u64) -> Value {
    Value::Integer(i64::try_from(value).unwrap_or(i64::MAX))
}

/// Records a new sign-in with `provider` (and clears the commune's expired ones).
pub fn start(
    conn: &Connection,
    commune: &Commune,
    provider: &str,
    link_to_account: Option<&str>,
    redirect_uri: &str,
    language: &str,
) -> anyhow::Result<Started> {
    let binding = new_secret()?;
    let state = new_secret()?;
    let nonce = new_secret()?;
    let now = unix_now();
    db::exec(
        conn,
        "DELETE FROM oidc_pending WHERE commune = ? AND expires_at <= ?",
        &[db::text(commune.as_str()), int(now)],
    )?;
    db::exec(
        conn,
        "INSERT INTO oidc_pending (state_hash, commune, provider, nonce_hash, binding_hash, \
         link_to_account, redirect_uri, language, expires_at, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            db::text(digest(&state)),
            db::text(commune.as_str()),
            db::text(provider),
            db::text(digest(&nonce)),
            db::text(digest(&binding)),
            link_to_account.map_or(Value::Null, db::text),
            db::text(redirect_uri),
            db::text(language),
            int(now + LIFETIME_SECONDS),
            int(now),
        ],
    )
    .context("recording a pending sign-in")?;
    let code_challenge = challenge(&verifier(&binding, &state));
    Ok(Started {
        state,
        nonce,
        code_challenge,
        cookie: cookie(&binding),
    })
}

/// The binding secrets the request's cookies hold (normally one).
fn bindings(req: &Request) -> Vec<String> {
    let header = req
        .header("cookie")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    bindings_in(header)
}

fn bindings_in(header: &str) -> Vec<String> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, value)| *name == COOKIE && is_well_formed(value))
        .map(|(_, value)| value.to_owned())
        .collect()
}

/// Takes back the sign-in of `state`: once, within its lifetime, in the browser that started
/// it. The row is gone afterwards whatever the outcome.
pub fn take(
    conn: &Connection,
    commune: &Commune,
    req: &Request,
    state: &str,
) -> anyhow::Result<Result<Pending, Stale>> {
    if !is_well_formed(state) {
        return Ok(Err(Stale::Malformed));
    }
    let key = [db::text(digest(state)), db::text(commune.as_str())];
    let row = db::transaction(conn, |conn| {
        let rows = db::query(
            conn,
            "SELECT provider, nonce_hash, binding_hash, link_to_account, redirect_uri, language, expires_at \
             FROM oidc_pending WHERE state_hash = ? AND commune = ?",
            &key,
        )?;
        let Some(row) = rows.rows.first() else {
            return Ok(None);
        };
        let text = |i: usize| row.get::<&str>(i).unwrap_or_default().to_owned();
        let taken = (
            text(0),
            text(1),
            text(2),
            row.get::<&str>(3).map(str::to_owned),
            text(4),
            text(5),
            row.get::<i64>(6).unwrap_or(0),
        );
        db::exec(
            conn,
            "DELETE FROM oidc_pending WHERE state_hash = ? AND commune = ?",
            &key,
        )?;
        Ok(Some(taken))
    })?;
    let Some((
        provider,
        nonce_digest,
        binding_hash,
        link_to_account,
        redirect_uri,
        language,
        expires_at,
    )) = row
    else {
        return Ok(Err(Stale::Unknown));
    };
    if expires_at <= i64::try_from(unix_now()).unwrap_or(i64::MAX) {
        return Ok(Err(Stale::Expired));
    }
    let Some(binding) = bindings(req)
        .into_iter()
        .find(|b| same(&digest(b), &binding_hash))
    else {
        return Ok(Err(Stale::NotThisBrowser));
    };
    Ok(Ok(Pending {
        provider,
        nonce_digest,
        code_verifier: verifier(&binding, state),
        link_to_account,
        redirect_uri,
        language,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_challenge_is_the_rfc_7636_s256_of_the_verifier() {
        // RFC 7636 appendix B.
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn the_verifier_is_43_unreserved_characters_tied_to_binding_and_state() {
        let v = verifier("binding", "state");
        assert_eq!(v.len(), 43);
        assert!(v
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_ne!(v, verifier("binding", "other-state"));
        assert_ne!(v, verifier("other-binding", "state"));
    }

    #[test]
    fn the_binding_cookie_is_host_prefixed_short_lived_and_protected() {
        let set = cookie("s3cret");
        assert!(set.starts_with("__Host-guichet-oidc=s3cret; Path=/; Max-Age=600;"));
        assert!(set.contains("Secure") && set.contains("HttpOnly") && set.contains("SameSite=Lax"));
        assert!(!set.to_ascii_lowercase().contains("domain"));
    }

    #[test]
    fn only_well_formed_binding_cookies_are_read() {
        let good = "b".repeat(43);
        let header = format!(
            "__Host-guichet-session={}; {COOKIE}={good}; {COOKIE}=short",
            "a".repeat(43)
        );
        assert_eq!(bindings_in(&header), vec![good]);
    }
}
