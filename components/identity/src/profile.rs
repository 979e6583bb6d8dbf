//! The citizen's profile: names, phone, postal address, language, notification preferences.
//!
//! A citizen changes only these fields: e-mail (its own flow), roles, status and anything else
//! is not a member of the schema, so sending it is a 400 `unknown_field` (docs/SECURITY.md item 13).

use anyhow::Context as _;
use guichet_guest::db::{self, Connection};
use guichet_guest::phone::PhoneNumber;
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, response, ApiError, Commune, FieldError};
use serde::Deserialize;
use serde_json::{json, Value as Json};
use spin_sdk::http::{Request, Response};

use crate::accounts::name_field;
use crate::auth;
use crate::context::Ctx;
use crate::roles;

/// The whole profile of `account` as JSON, `None` if the commune has no such live account.
pub fn view(conn: &Connection, commune: &Commune, account: &str) -> anyhow::Result<Option<Json>> {
    let rows = db::query(
        conn,
        "SELECT id, email, email_verified_at, given_name, family_name, phone, postal_address, \
         language, notification_preferences, status, created_at, password_hash IS NOT NULL \
         FROM accounts WHERE commune = ? AND id = ? AND status != 'erased'",
        &[db::text(commune.as_str()), db::text(account)],
    )?;
    let Some(r) = rows.rows.first() else {
        return Ok(None);
    };
    let object = |i: usize| -> Json {
        r.get::<&str>(i)
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_else(|| json!({}))
    };
    let (roles, departments) = roles::of(conn, commune, account)?;
    Ok(Some(json!({
        "id": r.get::<&str>(0),
        "commune": commune.as_str(),
        "email": r.get::<&str>(1),
        "email_verified": r.get::<&str>(2).is_some(),
        "given_name": r.get::<&str>(3),
        "family_name": r.get::<&str>(4),
        "phone": r.get::<&str>(5),
        "postal_address": object(6),
        "language": r.get::<&str>(7),
        "notification_preferences": object(8),
        "status": r.get::<&str>(9),
        "created_at": r.get::<&str>(10),
        "has_password": r.get::<i64>(11) == Some(1),
        "roles": roles,
        "departments": departments,
    })))
}

/// `GET /api/identity/me`.
pub fn show(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let account = auth::account(ctx)?;
    let profile = view(ctx.conn(), ctx.commune(), &account)?.ok_or(ApiError::NotFound)?;
    Ok(response::json(200, &profile))
}

const ADDRESS: Shape = Shape::Object(&[
    Member::optional("street", Shape::Text),
    Member::optional("postcode", Shape::Text),
    Member::optional("city", Shape::Text),
    Member::optional("country", Shape::Text),
]);
const PREFERENCES: Shape = Shape::Object(&[
    Member::optional("channel", Shape::OneOf(&["email", "sms", "post", "none"])),
    Member::optional("status_updates", Shape::Bool),
]);
const CHANGES: Shape = Shape::Object(&[
    Member::optional("given_name", Shape::Text),
    Member::optional("family_name", Shape::Text),
    Member::optional("phone", Shape::Text),
    Member::optional("postal_address", ADDRESS),
    Member::optional("language", Shape::OneOf(&["fr", "en"])),
    Member::optional("notification_preferences", PREFERENCES),
]);

/// The members a citizen may change; `None` leaves one as it is. (`language` among fr|en and
/// the two objects' members are the caller's to check: the JSON shape or the portal's form.)
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Changes {
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub phone: Option<String>,
    pub postal_address: Option<Json>,
    pub language: Option<String>,
    pub notification_preferences: Option<Json>,
}

/// The phone number to keep: empty clears it; anything else must pass the one phone rule
/// ([`PhoneNumber`]) and is kept in its E.164 form, so that an SMS can reach it.
fn check_phone(phone: &str, errors: &mut Vec<FieldError>) -> String {
    if phone.is_empty() {
        return String::new();
    }
    PhoneNumber::parse(phone)
        .map(|n| n.e164().to_owned())
        .unwrap_or_else(|e| {
            errors.push(e.at("phone"));
            phone.to_owned() // never stored: the error refuses the change
        })
}

/// `PATCH /api/identity/me`: changes the members given, all or nothing.
pub fn update(req: &Request, ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let account = auth::account(ctx)?;
    let changes: Changes = shape::decode(body::json(req, body::DEFAULT_MAX_JSON)?, &CHANGES)?;
    let profile = apply(ctx, &account, changes)?;
    Ok(response::json(200, &profile))
}

/// Checks and applies `changes` to `account`'s profile, all or nothing; the new profile
/// (shared by the API and the portal's form).
pub fn apply(ctx: &Ctx<'_>, account: &str, changes: Changes) -> Result<Json, ApiError> {
    let mut errors = Vec::new();
    let given = changes.given_name.as_deref().map(str::trim);
    let family = changes.family_name.as_deref().map(str::trim);
    if let Some(given) = given {
        name_field(given, "given_name", &mut errors);
    }
    if let Some(family) = family {
        name_field(family, "family_name", &mut errors);
    }
    let phone = changes
        .phone
        .as_deref()
        .map(|phone| check_phone(phone.trim(), &mut errors));
    if let Some(address) = changes.postal_address.as_ref().and_then(Json::as_object) {
        for (key, value) in address {
            let text = value.as_str().unwrap_or_default();
            let limit = if key == "street" { 200 } else { 100 };
            if text.chars().count() > limit || text.chars().any(char::is_control) {
                errors.push(FieldError::new(
                    shape::join("postal_address", key),
                    "invalid",
                    format!("at most {limit} characters, no control characters"),
                ));
            }
        }
    }
    let current = view(ctx.conn(), ctx.commune(), account)?.ok_or(ApiError::NotFound)?;
    let phone_after =
        phone.unwrap_or_else(|| current["phone"].as_str().unwrap_or_default().to_owned());
    let channel = changes
        .notification_preferences
        .as_ref()
        .and_then(|p| p.get("channel"))
        .and_then(Json::as_str);
    if channel == Some("sms") && phone_after.is_empty() {
        errors.push(FieldError::new(
            "notification_preferences.channel",
            "phone_required",
            "give a phone number to be told by SMS",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::BadRequest { errors });
    }
    let merge = |name: &str, change: &Option<Json>| -> Json {
        let mut merged = current[name].clone();
        if let (Some(target), Some(Json::Object(change))) = (merged.as_object_mut(), change) {
            for (k, v) in change {
                target.insert(k.clone(), v.clone());
            }
        }
        merged
    };
    let address = merge("postal_address", &changes.postal_address);
    let preferences = merge(
        "notification_preferences",
        &changes.notification_preferences,
    );
    db::exec(
        ctx.conn(),
        &format!(
            "UPDATE accounts SET given_name = COALESCE(?, given_name), family_name = COALESCE(?, family_name), \
             phone = ?, postal_address = ?, language = COALESCE(?, language), notification_preferences = ?, \
             updated_at = {} WHERE commune = ? AND id = ?",
            db::NOW_RFC3339
        ),
        &[
            given.map_or(db::Value::Null, db::text),
            family.map_or(db::Value::Null, db::text),
            db::text(phone_after),
            db::text(address.to_string()),
            changes.language.map_or(db::Value::Null, db::text),
            db::text(preferences.to_string()),
            db::text(ctx.commune().as_str()),
            db::text(account),
        ],
    )?;
    Ok(view(ctx.conn(), ctx.commune(), account)?.context("profile vanished")?)
}
