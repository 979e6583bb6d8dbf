//! Issuing access and refresh tokens (docs/SECURITY.md items 7, 9, 11).
//!
//! - Access token: EdDSA JWT, 5 minutes, `iss` (Spin variable `token_issuer`), `sub` (account
//!   id), `aud` (the commune), `typ: "access"`, `roles`, `departments`, `jti`, `kid` in the
//!   header. Roles are read at issue time: a role change applies from the next token.
//!   `auth_time`: when the holder signed in (the creation of the refresh family), kept by
//!   every refresh, so that signatures can require a recent sign-in.
//! - Refresh token: an opaque secret (30 days), stored hashed, member of a family created at
//!   sign-in. Each use marks it used and issues the next member; presenting a used one again
//!   means it was stolen (or replayed): the whole family is revoked.

use anyhow::{anyhow, Context as _};
use guichet_guest::db::{self, Connection};
use guichet_guest::{ApiError, Commune};
use jwt_simple::prelude::{Claims, Duration, EdDSAKeyPairLike as _};
use serde::Serialize;

use crate::keys::SigningKeys;
use crate::roles;
use crate::secrets::{digest, is_well_formed, new_id, new_secret};
use crate::throttle::unix_now;

pub const ACCESS_SECONDS: u64 = 300;
pub const REFRESH_SECONDS: u64 = 30 * 24 * 3600;

#[derive(Serialize)]
struct AccessClaims<'a> {
    typ: &'a str,
    roles: Vec<String>,
    departments: Vec<String>,
    auth_time: u64,
}

/// What the token endpoint answers (RFC 6749 names).
#[derive(Serialize)]
pub struct TokenPair {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: u64,
    pub refresh_token: String,
}

/// A signed access token for `account` in `commune`, who signed in at `auth_time`.
pub fn access_token(conn: &Connection, commune: &Commune, account: &str, auth_time: u64) -> anyhow::Result<String> {
    let (roles, departments) = roles::of(conn, commune, account)?;
    signed_access_token(commune, account, auth_time, roles, departments)
}

/// An access token for `account` acting as a citizen only (no role, no department), for the
/// portal's pages (`crate::session_tokens`): the portal never acts as an agent.
pub fn citizen_access_token(commune: &Commune, account: &str, auth_time: u64) -> anyhow::Result<String> {
    signed_access_token(commune, account, auth_time, Vec::new(), Vec::new())
}

fn signed_access_token(
    commune: &Commune,
    account: &str,
    auth_time: u64,
    roles: Vec<String>,
    departments: Vec<String>,
) -> anyhow::Result<String> {
    let keys = SigningKeys::configured()?;
    let issuer = spin_sdk::variables::get("token_issuer").context("reading token_issuer")?;
    let custom = AccessClaims { typ: "access", roles, departments, auth_time };
    let claims = Claims::with_custom_claims(custom, Duration::from_secs(ACCESS_SECONDS))
        .with_issuer(issuer)
        .with_subject(account)
        .with_audience(commune.as_str())
        .with_jwt_id(new_id()?);
    keys.signer()
        .sign(claims)
        .map_err(|e| anyhow!("signing an access token: {e}"))
}

/// Starts a new family (a sign-in) and returns its first pair.
pub fn sign_in(conn: &Connection, commune: &Commune, account: &str) -> anyhow::Result<TokenPair> {
    let family = new_id()?;
    let now = unix_now();
    db::transaction(conn, |conn| {
        db::exec(
            conn,
            "INSERT INTO token_families (id, commune, account_id, created_at) VALUES (?, ?, ?, ?)",
            &[db::text(family.as_str()), db::text(commune.as_str()), db::text(account), int(now)],
        )?;
        pair(conn, commune, account, &family, now)
    })
}

fn pair(conn: &Connection, commune: &Commune, account: &str, family: &str, auth_time: u64) -> anyhow::Result<TokenPair> {
    let refresh = new_secret()?;
    let now = unix_now();
    db::exec(
        conn,
        "INSERT INTO refresh_tokens (hash, commune, account_id, family, expires_at, created_at) \
         VALUES (?, ?, ?, ?, ?, ?)",
        &[
            db::text(digest(&refresh)),
            db::text(commune.as_str()),
            db::text(account),
            db::text(family),
            int(now + REFRESH_SECONDS),
            int(now),
        ],
    )?;
    Ok(TokenPair {
        access_token: access_token(conn, commune, account, auth_time)?,
        token_type: "Bearer",
        expires_in: ACCESS_SECONDS,
        refresh_token: refresh,
    })
}

fn invalid_grant() -> ApiError {
    ApiError::Unauthorized {
        code: "invalid_grant",
        message: "the refresh token is invalid, expired or revoked: sign in again",
    }
}

/// Uses `refresh`: the next pair of its family, or 401 (reuse revokes the family).
pub fn refresh(conn: &Connection, commune: &Commune, refresh: &str) -> Result<TokenPair, ApiError> {
    if !is_well_formed(refresh) {
        return Err(invalid_grant());
    }
    let outcome = db::transaction(conn, |conn| {
        let rows = db::query(
            conn,
            "SELECT r.account_id, r.family, r.expires_at, r.used_at, f.revoked_at, a.status, f.created_at \
             FROM refresh_tokens r JOIN token_families f ON f.id = r.family \
             JOIN accounts a ON a.id = r.account_id \
             WHERE r.hash = ? AND r.commune = ? AND f.commune = ? AND a.commune = ?",
            &[
                db::text(digest(refresh)),
                db::text(commune.as_str()),
                db::text(commune.as_str()),
                db::text(commune.as_str()),
            ],
        )?;
        let Some(row) = rows.rows.first() else {
            return Ok(None);
        };
        let account = row.get::<&str>(0).unwrap_or_default().to_owned();
        let family = row.get::<&str>(1).unwrap_or_default().to_owned();
        let expires_at = row.get::<i64>(2).unwrap_or(0);
        let used = row.get::<i64>(3).is_some();
        let revoked = row.get::<i64>(4).is_some();
        let active = row.get::<&str>(5) == Some("active");
        let signed_in_at = row.get::<i64>(6).and_then(|t| u64::try_from(t).ok()).unwrap_or(0);
        if used && !revoked {
            eprintln!("identity: refresh token reuse in family {family}: family revoked");
            revoke_family(conn, commune, &family, "reuse")?;
            return Ok(None);
        }
        let now = unix_now();
        if used || revoked || !active || expires_at <= i64::try_from(now).unwrap_or(i64::MAX) {
            return Ok(None);
        }
        db::exec(
            conn,
            "UPDATE refresh_tokens SET used_at = ? WHERE hash = ? AND commune = ?",
            &[
                int(now),
                db::text(digest(refresh)),
                db::text(commune.as_str()),
            ],
        )?;
        pair(conn, commune, &account, &family, signed_in_at).map(Some)
    })?;
    outcome.ok_or_else(invalid_grant)
}

/// Revokes the family of `refresh` (logout of one device). Unknown tokens are ignored: logout
/// always succeeds.
pub fn logout(conn: &Connection, commune: &Commune, refresh: &str) -> anyhow::Result<()> {
    if !is_well_formed(refresh) {
        return Ok(());
    }
    let rows = db::query(
        conn,
        "SELECT family FROM refresh_tokens WHERE hash = ? AND commune = ?",
        &[db::text(digest(refresh)), db::text(commune.as_str())],
    )?;
    if let Some(family) = db::first_text(&rows) {
        revoke_family(conn, commune, &family, "logout")?;
    }
    Ok(())
}

/// Revokes every family and browser session of `account` ("log out everywhere", password
/// reset, account disabled or erased).
pub fn revoke_all(
    conn: &Connection,
    commune: &Commune,
    account: &str,
    reason: &str,
) -> anyhow::Result<()> {
    db::exec(
        conn,
        "UPDATE token_families SET revoked_at = ?, revoked_reason = ? \
         WHERE commune = ? AND account_id = ? AND revoked_at IS NULL",
        &[
            now_value(),
            db::text(reason),
            db::text(commune.as_str()),
            db::text(account),
        ],
    )?;
    db::exec(
        conn,
        "UPDATE sessions SET revoked_at = ? WHERE commune = ? AND account_id = ? AND revoked_at IS NULL",
        &[now_value(), db::text(commune.as_str()), db::text(account)],
    )
}

fn revoke_family(
    conn: &Connection,
    commune: &Commune,
    family: &str,
    reason: &str,
) -> anyhow::Result<()> {
    db::exec(
        conn,
        "UPDATE token_families SET revoked_at = ?, revoked_reason = ? \
         WHERE id = ? AND commune = ? AND revoked_at IS NULL",
        &[
            now_value(),
            db::text(reason),
            db::text(family),
            db::text(commune.as_str()),
        ],
    )
}

fn int(value: u64) -> db::Value {
    db::Value::Integer(i64::try_from(value).unwrap_or(i64::MAX))
}

fn now_value() -> db::Value {
    int(unix_now())
}
