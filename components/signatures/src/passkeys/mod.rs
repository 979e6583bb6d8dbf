//! Passkeys (WebAuthn): each agent enrols the passkeys of their phone or computer, and signs a
//! flow's document with one; the signature is the authenticator's assertion over a challenge
//! that binds the document's digest and the signing context ([`guichet_verify::webauthn`]).
//!
//! - [`enrol`]: `POST passkeys/options` and `POST passkeys` (the registration ceremony, right
//!   after signing in again), `GET passkeys/mine`, `POST passkeys/{credential}/revoke`.
//! - [`sign`]: `POST flows/{id}/passkey/options` and `POST flows/{id}/passkey/sign`.
//! - [`page`]: `GET passkey` (the page, askama) and `GET assets/passkey.js` (its script).
//!
//! The relying party is the commune's public origin (configured in identity, never the
//! request's `Host`): its host name is the RP ID, and an assertion made for another origin or
//! RP ID is refused. Challenges are single use (deleted when answered), expire within minutes
//! and are bound to the account (and, to sign, to the flow and its context) they were issued
//! to. A failed ceremony writes nothing.

pub mod attestation;
pub mod enrol;
pub mod page;
pub mod sign;

use guichet_guest::db::{self, Connection};
use guichet_guest::{ApiError, Commune, FieldError};
use guichet_verify::b64;
use guichet_verify::bundle::passkey::PasskeySignatureEntry;
use serde_json::Value;

use crate::Ctx;

/// The commune's relying party: its public origin and the host name in it (the RP ID).
pub struct RelyingParty {
    pub origin: String,
    pub id: String,
    pub name: String,
}

impl RelyingParty {
    pub fn of(ctx: &Ctx) -> RelyingParty {
        let origin = ctx.served().public_origin.trim_end_matches('/').to_owned();
        let host = origin.split_once("://").map_or(origin.as_str(), |(_, h)| h);
        let id = match host.strip_prefix('[') {
            Some(v6) => v6.split(']').next().unwrap_or(v6),
            None => host.rsplit_once(':').map_or(host, |(name, _)| name),
        };
        RelyingParty {
            id: id.to_ascii_lowercase(),
            origin: origin.clone(),
            name: ctx.served().name.clone(),
        }
    }
}

/// A new random challenge (32 bytes from SQLite's randomness), base64url.
pub fn new_challenge(conn: &Connection) -> anyhow::Result<String> {
    let (a, _) = db::new_id_and_now(conn)?;
    let (b, _) = db::new_id_and_now(conn)?;
    let bytes: Vec<u8> = (0..32)
        .map(|i| {
            let hex = if i < 16 { &a } else { &b };
            let at = (i % 16) * 2;
            u8::from_str_radix(&hex[at..at + 2], 16).unwrap_or(0)
        })
        .collect();
    Ok(b64::encode(&bytes))
}

/// Stores a new challenge of `account` after forgetting the commune's expired ones (a challenge
/// never answered is kept no longer than it could be used).
pub fn issue(
    conn: &Connection,
    commune: &Commune,
    challenge: &str,
    account: &str,
    flow: Option<(&str, &str)>,
    now: u64,
    lifetime: u64,
) -> anyhow::Result<()> {
    let now = i64::try_from(now).unwrap_or(i64::MAX);
    db::exec(
        conn,
        "DELETE FROM passkey_challenges WHERE commune = ? AND expires_at < ?",
        &[db::text(commune.as_str()), db::Value::Integer(now)],
    )?;
    let (purpose, flow_id, context) = match flow {
        None => ("register", db::Value::Null, db::Value::Null),
        Some((id, context)) => ("sign", db::text(id), db::text(context)),
    };
    db::exec(
        conn,
        "INSERT INTO passkey_challenges (commune, challenge, account, purpose, flow_id, context, \
         expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        &[
            db::text(commune.as_str()),
            db::text(challenge),
            db::text(account),
            db::text(purpose),
            flow_id,
            context,
            db::Value::Integer(now.saturating_add(i64::try_from(lifetime).unwrap_or(0))),
        ],
    )
}

/// The base64url members of a body, decoded; each one that is not is an error naming it.
pub fn decode_all<const N: usize>(members: [(&str, &str); N]) -> Result<[Vec<u8>; N], ApiError> {
    let mut errors = Vec::new();
    let decoded = members.map(|(name, text)| match b64::decode(text) {
        Some(bytes) if !bytes.is_empty() => bytes,
        _ => {
            errors.push(FieldError::new(
                name,
                "invalid_base64url",
                "must be base64url without padding",
            ));
            Vec::new()
        }
    });
    if errors.is_empty() {
        Ok(decoded)
    } else {
        Err(ApiError::BadRequest { errors })
    }
}

/// A stored passkey.
pub struct Passkey {
    pub credential: String,
    pub account: String,
    pub name: String,
    pub alg: i64,
    pub public_key: String,
    pub rp_id: String,
    pub origin: String,
    pub sign_count: u32,
    pub statement: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
}

const COLUMNS: &str = "credential, account, name, alg, public_key, rp_id, origin, sign_count, \
                       statement, created_at, revoked_at";

fn passkey_of(row: &db::Row) -> anyhow::Result<Passkey> {
    Ok(Passkey {
        credential: row.get("credential")?,
        account: row.get("account")?,
        name: row.get("name")?,
        alg: row.get("alg")?,
        public_key: row.get("public_key")?,
        rp_id: row.get("rp_id")?,
        origin: row.get("origin")?,
        sign_count: u32::try_from(row.get::<i64>("sign_count")?)?,
        statement: row.get("statement")?,
        created_at: row.get("created_at")?,
        revoked_at: row.get("revoked_at")?,
    })
}

/// The passkey `credential` of the commune, whoever holds it.
pub fn find(
    conn: &Connection,
    commune: &Commune,
    credential: &str,
) -> anyhow::Result<Option<Passkey>> {
    let rows = db::query(
        conn,
        &format!("SELECT {COLUMNS} FROM passkeys WHERE commune = ? AND credential = ?"),
        &[db::text(commune.as_str()), db::text(credential)],
    )?;
    db::first_row(&rows).map(|row| passkey_of(&row)).transpose()
}

/// Every passkey of `account`, revoked ones included, oldest first.
pub fn of_account(
    conn: &Connection,
    commune: &Commune,
    account: &str,
) -> anyhow::Result<Vec<Passkey>> {
    let rows = db::query(
        conn,
        &format!(
            "SELECT {COLUMNS} FROM passkeys WHERE commune = ? AND account = ? \
             ORDER BY created_at, credential"
        ),
        &[db::text(commune.as_str()), db::text(account)],
    )?;
    db::rows(&rows).map(|row| passkey_of(&row)).collect()
}

/// The passkey signatures of flow `flow`, as bundles carry them.
pub fn bundle_entries(
    conn: &Connection,
    commune: &Commune,
    flow: &str,
) -> anyhow::Result<Vec<PasskeySignatureEntry>> {
    let rows = db::query(
        conn,
        "SELECT s.account, s.credential, p.statement, s.context, s.authenticator_data, \
         s.client_data_json, s.signature FROM passkey_signatures s \
         JOIN passkeys p ON p.commune = s.commune AND p.credential = s.credential \
         WHERE s.commune = ? AND s.flow_id = ? ORDER BY s.signed_at, s.account",
        &[db::text(commune.as_str()), db::text(flow)],
    )?;
    let mut all = Vec::new();
    for row in db::rows(&rows) {
        all.push(PasskeySignatureEntry {
            flow: flow.to_owned(),
            signer: row.get("account")?,
            credential: row.get("credential")?,
            statement: row.get("statement")?,
            context: b64::encode(row.get::<&str>("context")?.as_bytes()),
            authenticator_data: row.get("authenticator_data")?,
            client_data_json: row.get("client_data_json")?,
            signature: row.get("signature")?,
        });
    }
    Ok(all)
}

/// The passkey signatures of flow `flow` as the flow's answer lists them.
pub fn listed(conn: &Connection, commune: &Commune, flow: &str) -> anyhow::Result<Vec<Value>> {
    let rows = db::query(
        conn,
        "SELECT account, credential, signed_at FROM passkey_signatures \
         WHERE commune = ? AND flow_id = ? ORDER BY signed_at, account",
        &[db::text(commune.as_str()), db::text(flow)],
    )?;
    let mut all = Vec::new();
    for row in db::rows(&rows) {
        all.push(serde_json::json!({
            "account": row.get::<&str>("account")?,
            "credential": row.get::<&str>("credential")?,
            "signed_at": row.get::<&str>("signed_at")?,
        }));
    }
    Ok(all)
}

/// Routes below `/api/signatures` that this module answers; `None` for any other path.
pub async fn route(
    ctx: &Ctx<'_>,
    segments: &[&str],
) -> Option<Result<spin_sdk::http::Response, ApiError>> {
    use guichet_guest::routing::{only_get, only_post};
    let req = ctx.request();
    Some(match segments {
        ["passkey"] => only_get(req).and_then(|()| page::page(ctx)),
        ["passkeys", "options"] => only_post(req).and_then(|()| enrol::options(ctx)),
        ["passkeys"] => only_post(req).and_then(|()| enrol::finish(ctx)),
        ["passkeys", "mine"] => only_get(req).and_then(|()| enrol::mine(ctx)),
        ["passkeys", credential, "revoke"] => {
            only_post(req).and_then(|()| enrol::revoke(ctx, credential))
        }
        ["flows", id, "passkey", "options"] => only_post(req).and_then(|()| sign::options(ctx, id)),
        ["flows", id, "passkey", "sign"] => match only_post(req) {
            Ok(()) => sign::finish(ctx, id).await,
            Err(e) => Err(e),
        },
        _ => return None,
    })
}
