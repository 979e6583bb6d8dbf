//! Open311 API keys: a commune's administrators issue one per client app (a 311 app, a city
//! dashboard, FixMyStreet); the app sends it as `api_key` when it files requests or posts
//! updates through `/open311/v2/...`.
//!
//! - `POST /api/requests/api-keys` (admin, `{"name"}`) → 201 `{"id","name","api_key",
//!   "created_at"}`: the key is shown this once (32 random bytes from SQLite's `randomblob`,
//!   as 64 hex digits); only its SHA-256 is stored, so a leaked database gives no usable key.
//! - `GET /api/requests/api-keys` (admin) → `{"api_keys":[{"id","name","created_by",
//!   "created_at","revoked_at"}]}`, newest first, never the keys.
//! - `POST /api/requests/api-keys/{id}/revoke` (admin) → 200 the key's entry; revoking twice
//!   keeps the first revocation time; an unknown id is a 404. A revoked key is refused at
//!   once (every use looks it up).

use guichet_guest::db::{self, Connection};
use guichet_guest::{body, response, ApiError, Commune, FieldError};
use serde_json::{json, Value as Json};
use sha2::{Digest, Sha256};
use spin_sdk::http::{Request, Response};

use crate::http::caller::Caller;
use crate::Ctx;

/// Longest name of a key (an app's name, shown in lists and in the timeline's actor).
const MAX_NAME: usize = 100;

/// A key that may be used, as found by [`authenticate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
}

/// The caller of an admin route: an administrator of the commune (401 without a token, 403
/// for anyone else).
fn admin(req: &Request, commune: &Commune) -> Result<Caller, ApiError> {
    let caller = Caller::staff(req, commune)?;
    if caller.has_role("admin") {
        Ok(caller)
    } else {
        Err(ApiError::Forbidden {
            message: "API keys are issued by the commune's administrators",
        })
    }
}

/// `POST /api/requests/api-keys`.
pub fn create(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    let caller = admin(req, commune)?;
    let json = body::json(req, body::DEFAULT_MAX_JSON)?;
    let name = name_of(&json).map_err(|errors| ApiError::BadRequest { errors })?;
    let conn = ctx.conn();
    let (id, now, key) = db::transaction(conn, |conn| {
        let (id, now) = db::new_id_and_now(conn)?;
        let key = random_key(conn)?;
        db::exec(
            conn,
            "INSERT INTO api_keys (id, commune, name, key_hash, created_by, created_at) \
             VALUES (?, ?, ?, ?, ?, ?)",
            &[
                db::text(id.as_str()),
                db::text(commune.as_str()),
                db::text(name.as_str()),
                db::text(hash(&key)),
                db::text(caller.account().unwrap_or_default()),
                db::text(now.as_str()),
            ],
        )?;
        Ok((id, now, key))
    })?;
    Ok(response::json(
        201,
        &json!({"id": id, "name": name, "api_key": key, "created_at": now}),
    ))
}

/// `GET /api/requests/api-keys`.
pub fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    admin(req, commune)?;
    let conn = ctx.conn();
    let result = db::query(
        conn,
        "SELECT id, name, created_by, created_at, revoked_at FROM api_keys \
         WHERE commune = ? ORDER BY created_at DESC, id",
        &[db::text(commune.as_str())],
    )?;
    let keys: Vec<Json> = result.rows.iter().map(entry).collect();
    Ok(response::json(200, &json!({ "api_keys": keys })))
}

/// `POST /api/requests/api-keys/{id}/revoke`.
pub fn revoke(ctx: &Ctx<'_>, id: &str) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    admin(req, commune)?;
    let conn = ctx.conn();
    let result = db::query(
        conn,
        &format!(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, {}) \
             WHERE commune = ? AND id = ? \
             RETURNING id, name, created_by, created_at, revoked_at",
            db::NOW_RFC3339
        ),
        &[db::text(commune.as_str()), db::text(id)],
    )?;
    let row = result.rows.first().ok_or(ApiError::NotFound)?;
    Ok(response::json(200, &entry(row)))
}

/// The key `key` of `commune` if it exists and is not revoked.
pub fn authenticate(
    conn: &Connection,
    commune: &Commune,
    key: &str,
) -> anyhow::Result<Option<ApiKey>> {
    let result = db::query(
        conn,
        "SELECT id, name FROM api_keys WHERE commune = ? AND key_hash = ? AND revoked_at IS NULL",
        &[db::text(commune.as_str()), db::text(hash(key.trim()))],
    )?;
    Ok(result.rows.first().and_then(|row| {
        Some(ApiKey {
            id: row.get::<&str>(0)?.to_owned(),
            name: row.get::<&str>(1)?.to_owned(),
        })
    }))
}

fn entry(row: &db::RowResult) -> Json {
    let text = |i: usize| row.get::<&str>(i).map(str::to_owned);
    json!({
        "id": text(0),
        "name": text(1),
        "created_by": text(2),
        "created_at": text(3),
        "revoked_at": text(4),
    })
}

/// The `name` of a creation body: a JSON object with a non-blank string of at most
/// [`MAX_NAME`] characters and nothing else.
fn name_of(json: &Json) -> Result<String, Vec<FieldError>> {
    let Some(object) = json.as_object() else {
        return Err(vec![FieldError::new(
            "body",
            "invalid",
            "the body must be a JSON object",
        )]);
    };
    let mut errors: Vec<FieldError> = object
        .keys()
        .filter(|k| k.as_str() != "name")
        .map(|k| FieldError::new(k.as_str(), "unknown", "this member is not expected"))
        .collect();
    let name = match object.get("name") {
        None | Some(Json::Null) => {
            errors.push(FieldError::new(
                "name",
                "required",
                "the app's name is required",
            ));
            None
        }
        Some(Json::String(s)) if s.trim().is_empty() => {
            errors.push(FieldError::new(
                "name",
                "required",
                "the app's name is required",
            ));
            None
        }
        Some(Json::String(s)) if s.trim().chars().count() > MAX_NAME => {
            errors.push(FieldError::new(
                "name",
                "too_long",
                format!("at most {MAX_NAME} characters"),
            ));
            None
        }
        Some(Json::String(s)) => Some(s.trim().to_owned()),
        Some(_) => {
            errors.push(FieldError::new("name", "invalid_type", "must be a string"));
            None
        }
    };
    match name {
        Some(name) if errors.is_empty() => Ok(name),
        _ => Err(errors),
    }
}

/// 32 random bytes from SQLite's randomness (the component has no random-number crate), as
/// lowercase hex.
fn random_key(conn: &Connection) -> anyhow::Result<String> {
    let result = db::query(conn, "SELECT lower(hex(randomblob(32)))", &[])?;
    db::first_text(&result)
        .filter(|key| key.len() == 64)
        .ok_or_else(|| anyhow::anyhow!("randomblob(32) gave no 64 hex digits"))
}

/// The stored form of a key: its SHA-256 in lowercase hex.
fn hash(key: &str) -> String {
    Sha256::digest(key.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_stored_as_its_sha256_in_hex() {
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_name_is_required_trimmed_short_and_alone() {
        assert_eq!(
            name_of(&json!({"name": "  FixMyStreet "})),
            Ok("FixMyStreet".into())
        );
        let codes = |json: Json| -> Vec<(Option<String>, String)> {
            name_of(&json)
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|e| (e.field, e.code))
                .collect()
        };
        assert_eq!(
            codes(json!({})),
            vec![(Some("name".into()), "required".into())]
        );
        assert_eq!(
            codes(json!({"name": " "})),
            vec![(Some("name".into()), "required".into())]
        );
        assert_eq!(
            codes(json!({"name": 3})),
            vec![(Some("name".into()), "invalid_type".into())]
        );
        assert_eq!(
            codes(json!({"name": "x".repeat(101), "extra": 1})),
            vec![
                (Some("extra".into()), "unknown".into()),
                (Some("name".into()), "too_long".into())
            ]
        );
        assert_eq!(
            codes(json!([])),
            vec![(Some("body".into()), "invalid".into())]
        );
    }
}
