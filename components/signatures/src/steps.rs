//! The steps of a flow (created, signed, declined, completed, cancelled...), in order: its
//! history, written in the same transaction as the change it records, with its entry in the
//! evidence log (`evidence::signing`). The steps of a flow
//! about a request are then handed to requests for that request's timeline ([`deliver`]),
//! after the commit, and again until requests acknowledged them (an outbox).

use guichet_guest::clients::{self, signing::Delivery};
use guichet_guest::codes::Role;
use guichet_guest::contracts::signing::SigningStep;
use guichet_guest::db::{self, Connection};
use guichet_guest::{response, ApiError, Commune};
use serde_json::{json, Value};
use spin_sdk::http::Response;

use crate::{now, Ctx};

/// Appends step `kind` to flow `flow_id` (numbered after the last one).
pub fn record(
    conn: &Connection,
    commune: &Commune,
    flow_id: &str,
    kind: &str,
    account: Option<&str>,
    at: &str,
    detail: Option<&str>,
) -> anyhow::Result<()> {
    db::exec(
        conn,
        "INSERT INTO flow_steps (commune, flow_id, seq, kind, account, at, detail) \
         SELECT ?, ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ? FROM flow_steps \
         WHERE commune = ? AND flow_id = ?",
        &[
            db::text(commune.as_str()),
            db::text(flow_id),
            db::text(kind),
            account.map_or(db::Value::Null, db::text),
            db::text(at),
            detail.map_or(db::Value::Null, db::text),
            db::text(commune.as_str()),
            db::text(flow_id),
        ],
    )?;
    crate::evidence::signing::step(conn, commune, flow_id, kind, account, at)
}

/// The steps of flow `flow_id`, in order.
pub fn list(conn: &Connection, commune: &Commune, flow_id: &str) -> anyhow::Result<Vec<Value>> {
    let rows = db::query(
        conn,
        "SELECT seq, kind, account, at, detail FROM flow_steps \
         WHERE commune = ? AND flow_id = ? ORDER BY seq",
        &[db::text(commune.as_str()), db::text(flow_id)],
    )?;
    let mut all = Vec::new();
    for row in db::rows(&rows) {
        all.push(json!({
            "seq": row.get::<i64>("seq")?,
            "kind": row.get::<&str>("kind")?,
            "account": row.get::<Option<&str>>("account")?,
            "at": row.get::<&str>("at")?,
            "detail": row.get::<Option<&str>>("detail")?,
        }));
    }
    Ok(all)
}

/// Hands the undelivered steps of flow `flow_id` (every flow when `None`) that concern a
/// request to requests' timeline (`guichet:platform/signing`), marking each one requests
/// acknowledged. A failure is logged and left for the next change or `POST steps/retry`:
/// the change itself is already committed. Returns how many were handed over.
pub async fn deliver(ctx: &Ctx<'_>, flow_id: Option<&str>) -> anyhow::Result<usize> {
    let commune = ctx.commune();
    let rows = db::query(
        ctx.conn(),
        "SELECT s.flow_id, s.seq, s.kind, s.account, s.at, s.detail, f.request_ref, \
         f.document_id, f.purpose, d.title FROM flow_steps s \
         JOIN flows f ON f.commune = s.commune AND f.id = s.flow_id \
         JOIN documents d ON d.commune = f.commune AND d.id = f.document_id \
         WHERE s.commune = ? AND s.delivered_at IS NULL AND f.request_ref IS NOT NULL \
         AND (? IS NULL OR s.flow_id = ?) ORDER BY s.flow_id, s.seq LIMIT 200",
        &[
            db::text(commune.as_str()),
            flow_id.map_or(db::Value::Null, db::text),
            flow_id.map_or(db::Value::Null, db::text),
        ],
    )?;
    let mut delivered = 0;
    for row in db::rows(&rows) {
        let flow: String = row.get("flow_id")?;
        let seq: i64 = row.get("seq")?;
        let kind: String = row.get("kind")?;
        let step = SigningStep {
            id: format!("{flow}-{seq}"),
            commune: commune.as_str().to_owned(),
            reference: row.get("request_ref")?,
            flow_id: flow.clone(),
            document_id: row.get("document_id")?,
            document_title: row.get("title")?,
            purpose: row.get("purpose")?,
            reason: if matches!(kind.as_str(), "declined" | "cancelled") {
                row.get("detail")?
            } else {
                None
            },
            kind,
            account: row.get("account")?,
            occurred_at: row.get("at")?,
        };
        match clients::signing::record(&step).await {
            Ok(Delivery::Recorded | Delivery::NoSuchRequest) => {
                db::exec(
                    ctx.conn(),
                    "UPDATE flow_steps SET delivered_at = ? WHERE commune = ? AND flow_id = ? AND seq = ?",
                    &[
                        db::text(now().1),
                        db::text(commune.as_str()),
                        db::text(flow.as_str()),
                        db::Value::Integer(seq),
                    ],
                )?;
                delivered += 1;
            }
            Err(error) => {
                eprintln!("signatures: step {} not delivered: {error:#}", step.id);
                break;
            }
        }
    }
    Ok(delivered)
}

/// `POST steps/retry` (administrators): hands over every step requests has not acknowledged.
pub async fn retry(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    ctx.caller()?.caller.require(Role::Admin)?;
    let delivered = deliver(ctx, None).await?;
    Ok(response::json(200, &json!({ "delivered": delivered })))
}
