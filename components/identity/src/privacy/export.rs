//! The download of all of a citizen's personal data (GDPR articles 15 and 20; docs/SECURITY.md item
//! 23): one JSON file, `components.<component>.<record kind>`, with identity's records and each
//! other component's. An incomplete file would mislead, so when a component does not answer the
//! export fails (502) and the citizen tries again.
//!
//! Identity's records: `account` (the profile), `consents` (given and withdrawal dates),
//! `external_identities`, `sign_ins` (refresh-token families: when, until when, whether
//! revoked; never a secret), `browser_sessions` (same), `personal_data_reads` (who of the
//! staff read the profile, when and why).

use guichet_guest::db::{self, Connection};
use guichet_guest::{ApiError, Commune};
use serde_json::{json, Map, Value as Json};
use spin_sdk::http::Response;

use super::{components, reads, subject, unavailable};
use crate::context::Ctx;
use crate::throttle::unix_now;
use crate::{auth, consents, profile};

/// The version of the file's layout.
const FORMAT: &str = "guichet-personal-data/1";
/// Unix seconds as RFC 3339, in SQLite (NULL stays NULL).
const TIME: &str = "'%Y-%m-%dT%H:%M:%SZ'";

/// `GET /api/identity/me/export` → 200 the file (`Content-Disposition: attachment`,
/// `Cache-Control: no-store`) `{"format","commune","account_id","generated_at","components":{..}}`;
/// 404 for an erased account; 502 when a component does not answer.
pub async fn respond(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let account_id = auth::account(ctx)?;
    let account =
        profile::view(ctx.conn(), ctx.commune(), &account_id)?.ok_or(ApiError::NotFound)?;
    let email = account["email"].as_str().map(str::to_owned);
    let identity = identity_records(ctx.conn(), ctx.commune(), &account_id, account)?;
    let (parts, failed) =
        components::export_all(&subject(ctx.commune(), &account_id, email.as_deref())).await;
    if !failed.is_empty() {
        let received = parts
            .iter()
            .map(|p| json!({"component": p.component}))
            .collect();
        return Ok(unavailable(&failed, "export", received));
    }
    let mut all = Map::new();
    all.insert("identity".into(), Json::Object(identity));
    for part in parts {
        all.insert(part.component, Json::Object(part.records));
    }
    let generated_at = db::query(ctx.conn(), &format!("SELECT {}", db::NOW_RFC3339), &[])
        .ok()
        .and_then(|r| db::first_text(&r));
    let file = json!({
        "format": FORMAT,
        "commune": ctx.commune().as_str(),
        "account_id": account_id,
        "generated_at": generated_at,
        "components": all,
    });
    let mut response = guichet_guest::response::json(200, &file);
    response.set_header(
        "content-disposition",
        format!(
            "attachment; filename=\"personal-data-{}.json\"",
            ctx.commune().as_str()
        ),
    );
    Ok(response)
}

/// Identity's records about `account` (its profile `account` already read).
fn identity_records(
    conn: &Connection,
    commune: &Commune,
    account: &str,
    profile: Json,
) -> anyhow::Result<Map<String, Json>> {
    let params = [db::text(commune.as_str()), db::text(account)];
    let mut records = Map::new();
    records.insert("account".into(), profile);
    records.insert(
        "consents".into(),
        Json::Array(consents::list(conn, commune, account)?),
    );
    let rows = db::query(
        conn,
        "SELECT issuer, subject, linked_at FROM external_identities WHERE commune = ? AND account_id = ? ORDER BY linked_at",
        &params,
    )?;
    let external: Vec<Json> = rows
        .rows
        .iter()
        .map(|r| json!({"issuer": r.get::<&str>(0), "subject": r.get::<&str>(1), "linked_at": r.get::<&str>(2)}))
        .collect();
    records.insert("external_identities".into(), Json::Array(external));
    let now = i64::try_from(unix_now()).unwrap_or(i64::MAX);
    let rows = db::query(
        conn,
        &format!(
            "SELECT strftime({TIME}, f.created_at, 'unixepoch'), strftime({TIME}, f.revoked_at, 'unixepoch'), f.revoked_reason, \
             (SELECT MAX(r.expires_at) FROM refresh_tokens r WHERE r.commune = f.commune AND r.family = f.id) \
             FROM token_families f WHERE f.commune = ? AND f.account_id = ? ORDER BY f.created_at"
        ),
        &params,
    )?;
    let sign_ins: Vec<Json> = rows
        .rows
        .iter()
        .map(|r| {
            let until = r.get::<i64>(3);
            json!({
                "started_at": r.get::<&str>(0),
                "revoked_at": r.get::<&str>(1),
                "revoked_reason": r.get::<&str>(2),
                "active": r.get::<&str>(1).is_none() && until.is_some_and(|t| t > now),
            })
        })
        .collect();
    records.insert("sign_ins".into(), Json::Array(sign_ins));
    let rows = db::query(
        conn,
        &format!(
            "SELECT strftime({TIME}, created_at, 'unixepoch'), strftime({TIME}, expires_at, 'unixepoch'), \
             strftime({TIME}, revoked_at, 'unixepoch'), revoked_at IS NULL AND expires_at > ? \
             FROM sessions WHERE commune = ? AND account_id = ? ORDER BY created_at"
        ),
        &[db::Value::Integer(now), db::text(commune.as_str()), db::text(account)],
    )?;
    let sessions: Vec<Json> = rows
        .rows
        .iter()
        .map(|r| {
            json!({
                "started_at": r.get::<&str>(0),
                "expires_at": r.get::<&str>(1),
                "revoked_at": r.get::<&str>(2),
                "active": r.get::<i64>(3) == Some(1),
            })
        })
        .collect();
    records.insert("browser_sessions".into(), Json::Array(sessions));
    records.insert(
        "personal_data_reads".into(),
        Json::Array(reads::about(conn, commune, account)?),
    );
    Ok(records)
}
