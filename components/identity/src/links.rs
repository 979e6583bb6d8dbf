//! One-time links (docs/SECURITY.md item 5): e-mail verification, password reset, e-mail change and
//! staff invitations.
//!
//! A link carries a 256-bit secret in its URL fragment (`/account/…#token=…`): browsers never
//! send the fragment to a server, so the secret does not reach access logs or `Referer`
//! headers; the page posts it to the API. The database keeps its SHA-256 only. A link works
//! once, for its purpose and commune only, and expires (15 minutes; invitations 48 hours).

use guichet_guest::db::{self, Connection, Value};
use guichet_guest::{ApiError, Commune};
use serde_json::Value as Json;

use crate::secrets::{digest, is_well_formed, new_secret};
use crate::throttle::unix_now;

/// What a link is for, and how long it lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
    ChangeEmail,
    Invitation,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
            Purpose::ChangeEmail => "change_email",
            Purpose::Invitation => "invitation",
        }
    }

    /// Seconds a link stays valid.
    pub fn lifetime(self) -> u64 {
        match self {
            Purpose::Invitation => 48 * 3600,
            _ => 15 * 60,
        }
    }

    /// The portal page that receives it.
    pub fn page(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "/account/verify-email",
            Purpose::ResetPassword => "/account/reset-password",
            Purpose::ChangeEmail => "/account/confirm-email",
            Purpose::Invitation => "/account/accept-invitation",
        }
    }
}

/// A link that was just consumed.
pub struct Used {
    pub account_id: Option<String>,
    pub payload: Json,
}

/// Creates a link and returns its URL (`origin` + page + `#token=`).
pub fn create(
    conn: &Connection,
    commune: &Commune,
    purpose: Purpose,
    account_id: Option<&str>,
    payload: &Json,
    origin: &str,
) -> anyhow::Result<String> {
    let secret = new_secret()?;
    let now = unix_now();
    db::exec(
        conn,
        "INSERT INTO one_time_links (hash, commune, purpose, account_id, payload, expires_at, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        &[
            db::text(digest(&secret)),
            db::text(commune.as_str()),
            db::text(purpose.as_str()),
            account_id.map_or(Value::Null, db::text),
            db::text(payload.to_string()),
            int(now + purpose.lifetime()),
            int(now),
        ],
    )?;
    Ok(format!("{origin}{}#token={secret}", purpose.page()))
}

/// The one answer for every unusable link, whatever the reason (unknown, used, expired, other
/// purpose or commune): the reason is nobody's business but the log's.
pub fn unusable() -> ApiError {
    ApiError::field(
        "token",
        "invalid_or_expired",
        "this link is invalid, was already used or has expired: ask for a new one",
    )
}

/// Consumes the link whose secret is `token`, inside the caller's transaction.
pub fn consume(
    conn: &Connection,
    commune: &Commune,
    purpose: Purpose,
    token: &str,
) -> Result<Used, ApiError> {
    if !is_well_formed(token) {
        return Err(unusable());
    }
    let now = int(unix_now());
    let rows = db::query(
        conn,
        "UPDATE one_time_links SET used_at = ? \
         WHERE hash = ? AND commune = ? AND purpose = ? AND used_at IS NULL AND expires_at > ? \
         RETURNING account_id, payload",
        &[
            now.clone(),
            db::text(digest(token)),
            db::text(commune.as_str()),
            db::text(purpose.as_str()),
            now,
        ],
    )?;
    let row = rows.rows.first().ok_or_else(unusable)?;
    Ok(Used {
        account_id: row.get::<&str>(0).map(str::to_owned),
        payload: row
            .get::<&str>(1)
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or(Json::Null),
    })
}

/// Makes every unused link of `purpose` for `account` unusable.
pub fn revoke(
    conn: &Connection,
    commune: &Commune,
    purpose: Purpose,
    account: &str,
) -> anyhow::Result<()> {
    db::exec(
        conn,
        "UPDATE one_time_links SET used_at = ? WHERE commune = ? AND purpose = ? AND account_id = ? AND used_at IS NULL",
        &[int(unix_now()), db::text(commune.as_str()), db::text(purpose.as_str()), db::text(account)],
    )
}

fn int(value: u64) -> Value {
    Value::Integer(i64::try_from(value).unwrap_or(i64::MAX))
}
