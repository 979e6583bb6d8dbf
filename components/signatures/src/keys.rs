//! Keys: agents' personal Ed25519 keys held by the server, and the commune's key that signs
//! the statements binding each agent to their public key.
//!
//! No private key is stored. Each is derived when it is used, by HMAC-SHA256 keyed with the
//! secret variable `signatures_key_secret`, from what names it: the commune and, for a
//! personal key, the account and the key's random id. A copy of the database alone cannot
//! sign; revoking a key marks its row, and a revoked key is never derived again (signing
//! reads the account's active key only).
//!
//! - `POST keys` (staff, fresh sign-in): enrols the caller's key (one active key at a time).
//! - `GET keys/mine`: the caller's keys, revoked ones included.
//! - `POST keys/{kid}/revoke`: the key's owner, or an administrator.
//! - `GET keys` (public): the commune's keys as a JWKS (every key it ever used), which
//!   verifiers keep.

use anyhow::{anyhow, Context as _};
use ed25519_compact::{KeyPair, Seed};
use guichet_guest::codes::Role;
use guichet_guest::db::{self, Connection};
use guichet_guest::{response, ApiError, Commune};
use guichet_verify::claims::{KeyStatement, STATEMENT_TYPE};
use guichet_verify::jws::{self, Jwk, Jwks};
use serde_json::json;
use spin_sdk::http::Response;

use crate::{now, Ctx};

/// The secret every private key is derived from.
const SECRET_VARIABLE: &str = "signatures_key_secret";
/// The shortest secret accepted: a shorter one disables signing rather than making keys
/// guessable.
const SECRET_MIN: usize = 32;

/// A key derived from the secret, with its id.
pub struct Key {
    pub kid: String,
    pub pair: KeyPair,
}

fn secret() -> anyhow::Result<String> {
    let secret = spin_sdk::variables::get(SECRET_VARIABLE)
        .map_err(|e| anyhow!("reading {SECRET_VARIABLE}: {e:?}"))?;
    if secret.len() < SECRET_MIN {
        return Err(anyhow!(
            "{SECRET_VARIABLE} must be at least {SECRET_MIN} characters: signing is disabled"
        ));
    }
    Ok(secret)
}

/// The key pair named by `label` (its parts joined by NUL, which no part contains).
fn derive(parts: &[&str]) -> anyhow::Result<KeyPair> {
    let label = parts.join("\0");
    let seed = hmac_sha256::HMAC::mac(label.as_bytes(), secret()?.as_bytes());
    Ok(KeyPair::from_seed(Seed::new(seed)))
}

/// The commune's current key, recorded on first use so that it stays published after the
/// secret changes.
pub fn commune_key(conn: &Connection, commune: &Commune) -> anyhow::Result<Key> {
    let pair = derive(&["guichet-signatures/commune/v1", commune.as_str()])?;
    let x = guichet_verify::b64::encode(pair.pk.as_ref());
    let kid = format!(
        "{}-{}",
        commune.as_str(),
        &guichet_verify::sha256_hex(pair.pk.as_ref())[..16]
    );
    db::exec(
        conn,
        "INSERT OR IGNORE INTO commune_keys (commune, kid, x, first_used_at) VALUES (?, ?, ?, ?)",
        &[
            db::text(commune.as_str()),
            db::text(kid.as_str()),
            db::text(x),
            db::text(now().1),
        ],
    )?;
    Ok(Key { kid, pair })
}

/// The personal key `kid` of `account`.
pub fn personal_key(commune: &Commune, account: &str, kid: &str) -> anyhow::Result<Key> {
    let pair = derive(&[
        "guichet-signatures/personal/v1",
        commune.as_str(),
        account,
        kid,
    ])?;
    Ok(Key {
        kid: kid.to_owned(),
        pair,
    })
}

/// The active (not revoked) key of `account`, with its statement, if any.
pub fn active(
    conn: &Connection,
    commune: &Commune,
    account: &str,
) -> anyhow::Result<Option<(String, String)>> {
    let rows = db::query(
        conn,
        "SELECT kid, statement FROM signer_keys \
         WHERE commune = ? AND account = ? AND revoked_at IS NULL",
        &[db::text(commune.as_str()), db::text(account)],
    )?;
    let Some(row) = db::first_row(&rows) else {
        return Ok(None);
    };
    Ok(Some((row.get("kid")?, row.get("statement")?)))
}

/// `POST keys`: enrols the caller's personal key; 409 `key` `already_enrolled` while one is
/// active.
pub fn enrol(ctx: &Ctx) -> Result<Response, ApiError> {
    let (unix, at) = now();
    let account = ctx.caller()?.freshly_signed_in(unix)?.to_owned();
    let commune = ctx.commune();
    let (kid, _) = db::new_id_and_now(ctx.conn())?;
    let key = personal_key(commune, &account, &kid)?;
    let commune_key = commune_key(ctx.conn(), commune)?;
    let statement = KeyStatement {
        commune: commune.as_str().to_owned(),
        signer: account.clone(),
        jwk: Jwk::ed25519(&kid, &key.pair.pk),
        issued_at: at.clone(),
    };
    let payload = serde_json::to_vec(&statement).context("a key statement")?;
    let statement_jws = jws::sign(
        STATEMENT_TYPE,
        &commune_key.kid,
        &payload,
        &commune_key.pair,
    );
    let enrolled = db::transaction(ctx.conn(), |conn| {
        if active(conn, commune, &account)?.is_some() {
            return Ok(false);
        }
        db::exec(
            conn,
            "INSERT INTO signer_keys (commune, kid, account, x, statement, created_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
            &[
                db::text(commune.as_str()),
                db::text(kid.as_str()),
                db::text(account.as_str()),
                db::text(statement.jwk.x.as_str()),
                db::text(statement_jws.as_str()),
                db::text(at.as_str()),
            ],
        )?;
        Ok(true)
    })?;
    if !enrolled {
        return Err(ApiError::conflict(
            "key",
            "already_enrolled",
            "you already have an active key: revoke it first",
        ));
    }
    Ok(response::json(
        201,
        &json!({"kid": kid, "jwk": statement.jwk, "statement": statement_jws, "created_at": at}),
    ))
}

/// `GET keys/mine`.
pub fn mine(ctx: &Ctx) -> Result<Response, ApiError> {
    let account = ctx.caller()?.staff()?;
    let rows = db::query(
        ctx.conn(),
        "SELECT kid, x, statement, created_at, revoked_at FROM signer_keys \
         WHERE commune = ? AND account = ? ORDER BY created_at, kid",
        &[db::text(ctx.commune().as_str()), db::text(account)],
    )?;
    let mut keys = Vec::new();
    for row in db::rows(&rows) {
        keys.push(json!({
            "kid": row.get::<&str>("kid")?,
            "x": row.get::<&str>("x")?,
            "statement": row.get::<&str>("statement")?,
            "created_at": row.get::<&str>("created_at")?,
            "revoked_at": row.get::<Option<&str>>("revoked_at")?,
        }));
    }
    Ok(response::json(200, &json!({ "keys": keys })))
}

/// `POST keys/{kid}/revoke`: by the key's owner or an administrator; 404 for a key of nobody
/// the caller may revoke, 409 when already revoked.
pub fn revoke(ctx: &Ctx, kid: &str) -> Result<Response, ApiError> {
    let agent = ctx.caller()?;
    let account = agent.staff()?;
    let admin = agent.caller.has_role(Role::Admin);
    let commune = ctx.commune();
    let rows = db::query(
        ctx.conn(),
        "SELECT account, revoked_at FROM signer_keys WHERE commune = ? AND kid = ?",
        &[db::text(commune.as_str()), db::text(kid)],
    )?;
    let Some(row) = db::first_row(&rows) else {
        return Err(ApiError::NotFound);
    };
    if row.get::<&str>("account")? != account && !admin {
        return Err(ApiError::NotFound);
    }
    if row.get::<Option<&str>>("revoked_at")?.is_some() {
        return Err(ApiError::conflict(
            "kid",
            "already_revoked",
            "this key is already revoked",
        ));
    }
    let at = now().1;
    db::exec(
        ctx.conn(),
        "UPDATE signer_keys SET revoked_at = ?, revoked_by = ? \
         WHERE commune = ? AND kid = ? AND revoked_at IS NULL",
        &[
            db::text(at.as_str()),
            db::text(account),
            db::text(commune.as_str()),
            db::text(kid),
        ],
    )?;
    Ok(response::json(200, &json!({"kid": kid, "revoked_at": at})))
}

/// The commune's keys as a JWKS (the current one recorded first if it was never used).
pub fn commune_jwks(conn: &Connection, commune: &Commune) -> anyhow::Result<Jwks> {
    commune_key(conn, commune)?;
    let rows = db::query(
        conn,
        "SELECT kid, x FROM commune_keys WHERE commune = ? ORDER BY first_used_at, kid",
        &[db::text(commune.as_str())],
    )?;
    let mut keys = Vec::new();
    for row in db::rows(&rows) {
        keys.push(Jwk {
            kty: "OKP".into(),
            crv: "Ed25519".into(),
            kid: row.get("kid")?,
            x: row.get("x")?,
            alg: Some(jws::ALGORITHM.into()),
            usage: Some("sig".into()),
        });
    }
    Ok(Jwks { keys })
}

/// `GET keys`: the commune's published keys.
pub fn published(ctx: &Ctx) -> Result<Response, ApiError> {
    let jwks = commune_jwks(ctx.conn(), ctx.commune())?;
    Ok(response::json(200, &jwks))
}
