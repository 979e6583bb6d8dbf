//! `Idempotency-Key`: a client that retries a filing (a timeout, a lost answer) with the same
//! key gets the first answer again instead of filing twice. Every filing route honours it:
//! `POST /api/requests`, `POST /api/requests/counter` and Open311's `POST requests` (through
//! [`once`]).
//!
//! A key belongs to (commune, caller, key), the caller being the account (the agent's, at the
//! counter), the Open311 app's API key, or, for anonymous filers, `anonymous:` + a hash of
//! the contact they gave. The answer is stored by the filing
//! transaction itself, so a key is recorded if and only if its request was filed; two
//! concurrent filings with one key cannot both commit (the primary key refuses the second,
//! which then replays the first). Keys are kept a day; a key reused with another body is a
//! 409 (`key_reused`), never a silent replay of a different request.
//!
//! The stored answer includes the tracking code (the first answer must be replayable as it
//! was, or a client that lost it would never get its code); that clear copy lives a day at
//! most: a stale row is replaced when its key comes back, and `purge` drops the others.

use guichet_guest::db::Connection;
use guichet_guest::{response, ApiError, Commune};
use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use spin_sdk::http::{Request, Response};

use crate::store::idempotency::{self as store, Answer};

/// The header, as named in errors.
pub const HEADER: &str = "Idempotency-Key";

/// A key presented with a request.
#[derive(Debug, Clone)]
pub struct Key {
    pub caller: String,
    pub key: String,
    pub fingerprint: String,
}

/// The request's `Idempotency-Key` (1 to 255 visible ASCII characters), if any.
pub fn header(req: &Request) -> Result<Option<String>, ApiError> {
    let Some(value) = req.header("idempotency-key") else {
        return Ok(None);
    };
    let text = value.as_str().unwrap_or_default();
    let valid =
        !text.is_empty() && text.len() <= 255 && text.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if valid {
        Ok(Some(text.to_owned()))
    } else {
        Err(ApiError::field(
            HEADER,
            "invalid",
            "must be 1 to 255 visible ASCII characters",
        ))
    }
}

/// Who a key belongs to: the account, or `anonymous:` + SHA-256 of the contact's e-mail and
/// phone (lower-cased), so that two anonymous filers do not share keys.
pub fn owner(account: Option<&str>, contact: &Json) -> String {
    match account {
        Some(account) => format!("account:{account}"),
        None => {
            let part = |name: &str| {
                contact
                    .get(name)
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .trim()
                    .to_lowercase()
            };
            format!(
                "anonymous:{}",
                hex(&Sha256::digest(format!(
                    "{}\n{}",
                    part("email"),
                    part("phone")
                )))
            )
        }
    }
}

/// Who a key belongs to when an Open311 app files: the app's API key (by its id).
pub fn app_owner(api_key_id: &str) -> String {
    format!("api-key:{api_key_id}")
}

/// SHA-256 of the request body, hex.
pub fn fingerprint(body: &[u8]) -> String {
    hex(&Sha256::digest(body))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The answer already given to `key` within a day: a replay of it (same body), or a 409 (a
/// different body). `None`: the key is new (or stale).
pub fn replay(
    conn: &Connection,
    commune: &Commune,
    key: &Key,
) -> Result<Option<Response>, ApiError> {
    Ok(stored(conn, commune, key)?.map(|(status, body)| respond(status, &body)))
}

/// The stored answer (status and JSON body) to `key`, or a 409 when the key came with
/// another body; `None`: the key is new (or stale). For channels that render the answer in
/// their own format (Open311's XML).
pub fn stored(
    conn: &Connection,
    commune: &Commune,
    key: &Key,
) -> Result<Option<(u16, Json)>, ApiError> {
    let Some(answer) = store::find(conn, commune, &key.caller, &key.key)? else {
        return Ok(None);
    };
    if answer.fingerprint != key.fingerprint {
        return Err(ApiError::conflict(
            HEADER,
            "key_reused",
            "this key was already used for a different request",
        ));
    }
    let status = u16::try_from(answer.status).unwrap_or(200);
    let body = serde_json::from_str(&answer.body).unwrap_or(Json::Null);
    Ok(Some((status, body)))
}

/// A stored JSON answer, replayed (`Idempotent-Replayed: true`, and the request's location).
pub fn respond(status: u16, body: &Json) -> Response {
    let mut reply = response::with_type(
        status,
        "application/json",
        body.to_string().into_bytes(),
        true,
    );
    reply.set_header("idempotent-replayed", "true");
    if let Some(reference) = body.get("reference").and_then(Json::as_str) {
        reply.set_header("location", format!("/api/requests/{reference}"));
    }
    reply
}

/// What a filing under `key` came to: written now, or answered before.
pub enum Once<T> {
    Written(T),
    /// The status and body stored for the key (by an earlier filing, or a concurrent one
    /// that committed first).
    Stored(u16, Json),
}

/// Files at most once per `key`: the stored answer when the key was already answered (409
/// for another body), else `write`, which must [`record`] its answer in its transaction; when
/// `write` fails because a concurrent filing with the same key committed first (the primary
/// key refused the second record), that filing's answer. Without a key, just `write`.
pub async fn once<T, E, F>(
    conn: &Connection,
    commune: &Commune,
    key: Option<&Key>,
    write: impl FnOnce() -> F,
) -> Result<Once<T>, E>
where
    F: std::future::Future<Output = Result<T, E>>,
    E: From<ApiError>,
{
    let Some(key) = key else {
        return Ok(Once::Written(write().await?));
    };
    if let Some((status, body)) = stored(conn, commune, key)? {
        return Ok(Once::Stored(status, body));
    }
    match write().await {
        Ok(written) => Ok(Once::Written(written)),
        Err(error) => match stored(conn, commune, key)? {
            Some((status, body)) => Ok(Once::Stored(status, body)),
            None => Err(error),
        },
    }
}

/// Records the answer to `key`; call inside the filing transaction (a concurrent filing with
/// the same key makes this fail, and the transaction with it).
pub fn record(
    conn: &Connection,
    commune: &Commune,
    key: &Key,
    status: u16,
    body: &Json,
) -> anyhow::Result<()> {
    let answer = Answer {
        fingerprint: key.fingerprint.clone(),
        status: i64::from(status),
        body: body.to_string(),
    };
    store::record(conn, commune, &key.caller, &key.key, &answer)
}

/// Records the answer to `key` when there is one (see [`record`]).
pub fn remember(
    conn: &Connection,
    commune: &Commune,
    key: Option<&Key>,
    status: u16,
    body: &Json,
) -> anyhow::Result<()> {
    match key {
        Some(key) => record(conn, commune, key, status, body),
        None => Ok(()),
    }
}

/// Drops the answers older than a day (run by periodic sweeps; each holds a tracking code).
pub fn purge(conn: &Connection, commune: &Commune) -> anyhow::Result<()> {
    store::purge(conn, commune)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn anonymous_filers_own_keys_by_their_contact() {
        let a = owner(None, &json!({"email": "A@x.fr"}));
        assert_eq!(a, owner(None, &json!({"email": " a@x.fr "})));
        assert_ne!(a, owner(None, &json!({"email": "b@x.fr"})));
        assert!(a.starts_with("anonymous:"));
        assert_eq!(owner(Some("u1"), &json!({})), "account:u1");
    }

    #[test]
    fn the_fingerprint_depends_on_every_byte() {
        assert_ne!(fingerprint(b"{\"a\":1}"), fingerprint(b"{\"a\":2}"));
        assert_eq!(fingerprint(b"x").len(), 64);
    }
}
