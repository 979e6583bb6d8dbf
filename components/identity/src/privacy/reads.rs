//! "Who read my data": the log of staff reads of a citizen's profile (docs/SECURITY.md item 22),
//! written by `staff::citizens` in the same transaction as each read.

use guichet_guest::db::{self, Connection};
use guichet_guest::{response, ApiError, Commune};
use serde_json::{json, Value as Json};
use spin_sdk::http::Response;

use crate::auth;
use crate::context::Ctx;
use crate::profile;

/// Every logged read of `account`'s profile, newest first:
/// `{"reader_id","reader_name","purpose","read_at"}` (`reader_name` null when the reader's
/// account has no name or was erased).
pub fn about(conn: &Connection, commune: &Commune, account: &str) -> anyhow::Result<Vec<Json>> {
    let rows = db::query(
        conn,
        "SELECT r.reader_id, NULLIF(trim(COALESCE(a.given_name, '') || ' ' || COALESCE(a.family_name, '')), ''), \
         r.purpose, r.read_at FROM personal_data_reads r \
         LEFT JOIN accounts a ON a.commune = r.commune AND a.id = r.reader_id \
         WHERE r.commune = ? AND r.account_id = ? ORDER BY r.read_at DESC, r.id DESC",
        &[db::text(commune.as_str()), db::text(account)],
    )?;
    Ok(rows
        .rows
        .iter()
        .map(|r| {
            json!({
                "reader_id": r.get::<&str>(0),
                "reader_name": r.get::<&str>(1),
                "purpose": r.get::<&str>(2),
                "read_at": r.get::<&str>(3),
            })
        })
        .collect())
}

/// `GET /api/identity/me/reads` → 200 `{"reads":[..],"retention_months":12}`.
pub fn respond(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let account = auth::account(ctx)?;
    profile::view(ctx.conn(), ctx.commune(), &account)?.ok_or(ApiError::NotFound)?;
    let reads = about(ctx.conn(), ctx.commune(), &account)?;
    Ok(response::json(
        200,
        &json!({"reads": reads, "retention_months": super::READS_RETENTION_MONTHS}),
    ))
}
