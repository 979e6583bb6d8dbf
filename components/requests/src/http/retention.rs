//! Retention: a closed request is kept for its service's `retention_days` (copied from the
//! catalogue at filing), then deleted with everything attached (`store::retention`).
//!
//! Spin's HTTP trigger has no timer: the platform's scheduler (cron, a Kubernetes CronJob)
//! calls `POST /api/requests/retention/purge` with an administrator's token of each commune.
//! At most [`BATCH`] requests go per call, so that a call stays short; `remaining` says
//! whether to call again.

use guichet_guest::codes::Role;
use guichet_guest::tokens::authorize_in;
use guichet_guest::{response, ApiError};
use serde_json::json;
use spin_sdk::http::Response;

use crate::store::retention;
use crate::Ctx;

/// Requests deleted per call at most.
const BATCH: i64 = 500;

/// `POST /api/requests/retention/purge` (admin): deletes the commune's closed requests whose
/// retention has run out, and staff reads older than 12 months;
/// `{"deleted": n, "remaining": bool, "staff_reads_deleted": n}`.
pub fn purge(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    authorize_in(req, commune, Role::Admin)?;
    let conn = ctx.conn();
    let (deleted, remaining) = retention::purge_expired(conn, commune, BATCH)?;
    let reads_deleted = crate::http::reads::purge(conn, commune)?;
    Ok(response::json(
        200,
        &json!({"deleted": deleted, "remaining": remaining, "staff_reads_deleted": reads_deleted}),
    ))
}
