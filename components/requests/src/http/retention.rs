//! Retention: a closed request is kept for its service's `retention_days` (copied from the
//! catalogue at filing), then deleted with everything attached ([`record::delete`]).
//!
//! Spin's HTTP trigger has no timer: the platform's scheduler (cron, a Kubernetes CronJob)
//! calls `POST /api/requests/retention/purge` with an administrator's token of each commune.
//! At most [`BATCH`] requests go per call, so that a call stays short; `remaining` says
//! whether to call again.

use guichet_guest::db::{self, Value};
use guichet_guest::tokens::authorize_in;
use guichet_guest::{response, ApiError};
use serde_json::json;
use spin_sdk::http::Response;

use crate::store::record;
use crate::Ctx;

/// Requests deleted per call at most.
const BATCH: i64 = 500;

/// `POST /api/requests/retention/purge` (admin): deletes the commune's closed requests whose
/// retention has run out, and staff reads older than 12 months;
/// `{"deleted": n, "remaining": bool, "staff_reads_deleted": n}`.
pub fn purge(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    authorize_in(req, commune, "admin")?;
    let conn = ctx.conn();
    let due = "FROM requests WHERE commune = ? AND closed_at IS NOT NULL \
               AND julianday(closed_at) + retention_days < julianday('now')";
    let (deleted, remaining) = db::transaction(conn, |conn| {
        let result = db::query(
            conn,
            &format!("SELECT id {due} LIMIT ?"),
            &[db::text(commune.as_str()), Value::Integer(BATCH)],
        )?;
        let ids: Vec<String> = result
            .rows
            .iter()
            .filter_map(|row| row.get::<&str>(0).map(str::to_owned))
            .collect();
        for id in &ids {
            record::delete(conn, commune, id)?;
        }
        let left = db::query(
            conn,
            &format!("SELECT EXISTS (SELECT 1 {due})"),
            &[db::text(commune.as_str())],
        )?;
        let remaining = left.rows.first().and_then(|r| r.get::<i64>(0)) == Some(1);
        Ok((ids.len(), remaining))
    })?;
    let reads_deleted = crate::http::reads::purge(conn, commune)?;
    Ok(response::json(
        200,
        &json!({"deleted": deleted, "remaining": remaining, "staff_reads_deleted": reads_deleted}),
    ))
}
