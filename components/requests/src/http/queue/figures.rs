//! `GET /api/requests/figures`: the commune's requests at a glance (staff only).
//!
//! - `open`: requests in an open state; `overdue`: open ones past their expected date;
//! - `closed_this_week`: closed since Monday 00:00 UTC of the current ISO week;
//! - `median_hours_to_close`: median of closed_at − created_at, in hours, over the requests
//!   closed in the last 90 days (`closed_last_90_days` of them; `null` when none). The median
//!   is picked in SQL (`ORDER BY … LIMIT 1 or 2 OFFSET (n-1)/2`), never by loading every row.
//! - `by=department` or `by=service` adds `groups`: the open, overdue and closed-this-week
//!   counts of each department or service.

use guichet_guest::{response, ApiError, FieldError};
use serde_json::{json, Map, Value as Json};
use spin_sdk::http::Response;

use crate::store::queue::figures::{self as store, GroupBy};
use crate::Ctx;

/// How far back the median time to close looks.
const MEDIAN_DAYS: i64 = 90;

pub fn figures(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (req, commune, conn) = (ctx.request(), ctx.commune(), ctx.conn());
    ctx.caller()?.require_staff()?;
    let by = group_parameter(req.query())?;
    let clock = store::clock(conn, MEDIAN_DAYS)?;
    let (open, overdue) = store::open_and_overdue(conn, commune)?;
    let closed_this_week = store::closed_since(conn, commune, &clock.week_start)?;
    let closed_recently = store::closed_since(conn, commune, &clock.since)?;
    let median = store::median_hours(conn, commune, &clock.since, closed_recently)?;
    let mut body = Map::new();
    body.insert("commune".into(), json!(commune.as_str()));
    body.insert("today".into(), json!(clock.today));
    body.insert("week_start".into(), json!(clock.week_start));
    body.insert("open".into(), json!(open));
    body.insert("overdue".into(), json!(overdue));
    body.insert("closed_this_week".into(), json!(closed_this_week));
    body.insert("closed_last_90_days".into(), json!(closed_recently));
    body.insert("median_hours_to_close".into(), json!(median));
    if let Some(by) = by {
        let key = match by {
            GroupBy::Department => "department",
            GroupBy::Service => "service",
        };
        let groups: Vec<Json> = store::groups(conn, commune, by, &clock.week_start)?
            .into_iter()
            .map(|(name, group)| {
                json!({ key: name, "open": group.open, "overdue": group.overdue,
                        "closed_this_week": group.closed_this_week })
            })
            .collect();
        body.insert("by".into(), json!(key));
        body.insert("groups".into(), Json::Array(groups));
    }
    Ok(response::json(200, &body))
}

/// The `by` parameter: `department` or `service`, absent or empty for none; any other
/// parameter is refused.
fn group_parameter(raw: &str) -> Result<Option<GroupBy>, ApiError> {
    let mut errors = Vec::new();
    let mut by = None;
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match (name, value) {
            ("by", "") => {}
            ("by", "department") => by = Some(GroupBy::Department),
            ("by", "service") => by = Some(GroupBy::Service),
            ("by", _) => errors.push(FieldError::new("by", "invalid", "department or service")),
            _ => errors.push(FieldError::new(
                name.chars().take(64).collect::<String>(),
                "unknown",
                "no such parameter",
            )),
        }
    }
    if errors.is_empty() {
        Ok(by)
    } else {
        Err(ApiError::BadRequest { errors })
    }
}
