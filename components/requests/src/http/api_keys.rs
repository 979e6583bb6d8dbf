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

use guichet_guest::evidence;
use guichet_guest::{body, response, ApiError, FieldError};
use serde_json::{json, Value as Json};
use spin_sdk::http::Response;

use crate::http::caller::{Caller, Role};
use crate::store::api_keys::{self, ApiKey};
use crate::Ctx;

/// Longest name of a key (an app's name, shown in lists and in the timeline's actor).
const MAX_NAME: usize = 100;

impl ApiKey {
    /// The app that sent this key, as the shared caller type names it.
    pub fn caller(&self) -> Caller {
        Caller::App {
            key: self.id.clone(),
            name: self.name.clone(),
        }
    }
}

/// The caller of an admin route: an administrator of the commune (401 without a token, 403
/// for anyone else).
fn admin<'c>(ctx: &'c Ctx<'_>) -> Result<&'c Caller, ApiError> {
    let caller = ctx.caller()?.require_staff()?;
    if caller.has_role(Role::Admin) {
        Ok(caller)
    } else {
        Err(ApiError::Forbidden {
            message: "API keys are issued by the commune's administrators",
        })
    }
}

/// `POST /api/requests/api-keys`.
pub async fn create(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let caller = admin(ctx)?;
    let json = body::json(ctx.request(), body::DEFAULT_MAX_JSON)?;
    let name = name_of(&json).map_err(|errors| ApiError::BadRequest { errors })?;
    let (id, now, key) = api_keys::create(
        ctx.conn(),
        ctx.commune(),
        &name,
        caller.account().unwrap_or_default(),
    )?;
    evidence::flush(ctx.conn(), ctx.commune()).await;
    Ok(response::json(
        201,
        &json!({"id": id, "name": name, "api_key": key, "created_at": now}),
    ))
}

/// `GET /api/requests/api-keys`.
pub fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    admin(ctx)?;
    let keys = api_keys::list(ctx.conn(), ctx.commune())?;
    Ok(response::json(200, &json!({ "api_keys": keys })))
}

/// `POST /api/requests/api-keys/{id}/revoke`.
pub async fn revoke(ctx: &Ctx<'_>, id: &str) -> Result<Response, ApiError> {
    let by = admin(ctx)?.account().unwrap_or_default().to_owned();
    let key = api_keys::revoke(ctx.conn(), ctx.commune(), id, &by)?.ok_or(ApiError::NotFound)?;
    evidence::flush(ctx.conn(), ctx.commune()).await;
    Ok(response::json(200, &key))
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

#[cfg(test)]
mod tests {
    use super::*;

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
