//! Consents (GDPR art. 7): what a citizen agreed to, when, and when they withdrew it.
//!
//! Only optional purposes need consent; what the commune does to handle a request rests on its
//! public task, not on consent. A withdrawal keeps the row (with both dates): proving when
//! consent was given is itself an obligation.

use guichet_guest::db::{self, Connection};
use guichet_guest::shape::{self, Member, Shape};
use guichet_guest::{body, response, ApiError, Commune};
use serde::Deserialize;
use serde_json::json;
use spin_sdk::http::{Request, Response};

use crate::auth;
use crate::context::Ctx;

/// The purposes a citizen can consent to.
pub const PURPOSES: &[&str] = &["newsletter", "satisfaction_surveys", "sms_notifications"];

/// Records consent to `purpose` given (`true`) or withdrawn.
pub fn set(
    conn: &Connection,
    commune: &Commune,
    account: &str,
    purpose: &str,
    given: bool,
) -> anyhow::Result<()> {
    let sql = if given {
        format!(
            "INSERT INTO consents (commune, account_id, purpose, given_at) VALUES (?, ?, ?, {now}) \
             ON CONFLICT (commune, account_id, purpose) DO UPDATE SET given_at = {now}, withdrawn_at = NULL",
            now = db::NOW_RFC3339
        )
    } else {
        format!(
            "UPDATE consents SET withdrawn_at = {now} WHERE commune = ? AND account_id = ? AND purpose = ? \
             AND withdrawn_at IS NULL",
            now = db::NOW_RFC3339
        )
    };
    db::exec(
        conn,
        &sql,
        &[
            db::text(commune.as_str()),
            db::text(account),
            db::text(purpose),
        ],
    )
}

/// Every consent of `account`, as JSON records.
pub fn list(
    conn: &Connection,
    commune: &Commune,
    account: &str,
) -> anyhow::Result<Vec<serde_json::Value>> {
    let rows = db::query(
        conn,
        "SELECT purpose, given_at, withdrawn_at FROM consents WHERE commune = ? AND account_id = ? ORDER BY purpose",
        &[db::text(commune.as_str()), db::text(account)],
    )?;
    Ok(rows
        .rows
        .iter()
        .map(|r| {
            json!({
                "purpose": r.get::<&str>(0),
                "given": r.get::<&str>(2).is_none() && r.get::<&str>(1).is_some(),
                "given_at": r.get::<&str>(1),
                "withdrawn_at": r.get::<&str>(2),
            })
        })
        .collect())
}

/// `GET /api/identity/me/consents`.
pub fn show(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let account = auth::account(ctx)?;
    let consents = list(ctx.conn(), ctx.commune(), &account)?;
    Ok(response::json(
        200,
        &json!({"purposes": PURPOSES, "consents": consents}),
    ))
}

const CHANGE: Shape = Shape::Object(&[Member::required("given", Shape::Bool)]);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Change {
    given: bool,
}

/// `PUT /api/identity/me/consents/{purpose}` `{"given":bool}`.
pub fn change(req: &Request, ctx: &Ctx<'_>, purpose: &str) -> Result<Response, ApiError> {
    let account = auth::account(ctx)?;
    if !PURPOSES.contains(&purpose) {
        return Err(ApiError::NotFound);
    }
    let form: Change = shape::decode(body::json(req, body::DEFAULT_MAX_JSON)?, &CHANGE)?;
    set(ctx.conn(), ctx.commune(), &account, purpose, form.given)?;
    let consents = list(ctx.conn(), ctx.commune(), &account)?;
    Ok(response::json(
        200,
        &json!({"purposes": PURPOSES, "consents": consents}),
    ))
}
