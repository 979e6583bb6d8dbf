//! `GET /api/requests/figures`: the commune's requests at a glance (staff only).
//!
//! - `open`: requests in an open state; `overdue`: open ones past their expected date;
//! - `closed_this_week`: closed since Monday 00:00 UTC of the current ISO week;
//! - `median_hours_to_close`: median of closed_at − created_at, in hours, over the requests
//!   closed in the last 90 days (`closed_last_90_days` of them; `null` when none). The median
//!   is picked in SQL (`ORDER BY … LIMIT 1 or 2 OFFSET (n-1)/2`), never by loading every row.
//! - `by=department` or `by=service` adds `groups`: the open, overdue and closed-this-week
//!   counts of each department or service.

use anyhow::Context as _;
use guichet_guest::db::{self, Connection, Value};
use guichet_guest::{response, ApiError, Commune, FieldError};
use serde_json::{json, Map, Value as Json};
use spin_sdk::http::Response;

use crate::Ctx;

/// How far back the median time to close looks.
const MEDIAN_DAYS: i64 = 90;

pub fn figures(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    ctx.caller()?.require_staff()?;
    let by = group_parameter(req.query())?;
    let conn = ctx.conn();
    let clock = db::query(
        conn,
        "SELECT date('now'), strftime('%Y-%m-%dT00:00:00Z', 'now', 'weekday 0', '-6 days'), \
         strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?)",
        &[db::text(format!("-{MEDIAN_DAYS} days"))],
    )?;
    let row = clock.rows.first().context("no clock row")?;
    let text = |i: usize| {
        row.get::<&str>(i)
            .map(str::to_owned)
            .context("clock column")
    };
    let (today, week_start, since) = (text(0)?, text(1)?, text(2)?);
    let c = || db::text(commune.as_str());
    let count = |sql: &str, params: &[Value]| -> anyhow::Result<i64> {
        let result = db::query(conn, sql, params)?;
        result
            .rows
            .first()
            .and_then(|r| r.get::<i64>(0))
            .context("a count without a row")
    };
    // One walk of the due-date index gives both (it holds is_open and expected_on).
    let open_rows = db::query(
        conn,
        "SELECT count(*), coalesce(sum(expected_on < date('now')), 0) FROM requests \
         WHERE commune = ? AND is_open = 1",
        &[c()],
    )?;
    let open_row = open_rows.rows.first().context("no open count")?;
    let open = open_row.get::<i64>(0).unwrap_or(0);
    let overdue = open_row.get::<i64>(1).unwrap_or(0);
    let closed_this_week = count(
        "SELECT count(*) FROM requests WHERE commune = ? AND closed_at >= ? AND is_open = 0",
        &[c(), db::text(week_start.as_str())],
    )?;
    let closed_recently = count(
        "SELECT count(*) FROM requests WHERE commune = ? AND closed_at >= ? AND is_open = 0",
        &[c(), db::text(since.as_str())],
    )?;
    let median = median_hours(conn, commune, &since, closed_recently)?;
    let mut body = Map::new();
    body.insert("commune".into(), json!(commune.as_str()));
    body.insert("today".into(), json!(today));
    body.insert("week_start".into(), json!(week_start));
    body.insert("open".into(), json!(open));
    body.insert("overdue".into(), json!(overdue));
    body.insert("closed_this_week".into(), json!(closed_this_week));
    body.insert("closed_last_90_days".into(), json!(closed_recently));
    body.insert("median_hours_to_close".into(), json!(median));
    if let Some(column) = by {
        body.insert(
            "by".into(),
            json!(if column == "department" {
                "department"
            } else {
                "service"
            }),
        );
        body.insert(
            "groups".into(),
            groups(conn, commune, column, &week_start)?,
        );
    }
    Ok(response::json(200, &body))
}

/// The median of `n` closing times (hours, rounded to 0.1): the middle one, or the mean of the
/// two middle ones when `n` is even.
fn median_hours(
    conn: &Connection,
    commune: &Commune,
    since: &str,
    n: i64,
) -> anyhow::Result<Option<f64>> {
    if n == 0 {
        return Ok(None);
    }
    let take = if n % 2 == 0 { 2 } else { 1 };
    let result = db::query(
        conn,
        "SELECT (julianday(closed_at) - julianday(created_at)) * 24.0 AS hours FROM requests \
         WHERE commune = ? AND closed_at >= ? AND is_open = 0 ORDER BY hours LIMIT ? OFFSET ?",
        &[
            db::text(commune.as_str()),
            db::text(since),
            Value::Integer(take),
            Value::Integer((n - 1) / 2),
        ],
    )?;
    let hours: Vec<f64> = result.rows.iter().filter_map(|r| r.get::<f64>(0)).collect();
    if hours.is_empty() {
        return Ok(None);
    }
    #[allow(clippy::cast_precision_loss)] // one or two values
    let mean = hours.iter().sum::<f64>() / hours.len() as f64;
    Ok(Some((mean * 10.0).round() / 10.0))
}

/// Open, overdue and closed-this-week counts per department or service (`column` is one of
/// two fixed names).
fn groups(
    conn: &Connection,
    commune: &Commune,
    column: &str,
    week_start: &str,
) -> anyhow::Result<Json> {
    let mut groups: std::collections::BTreeMap<String, [i64; 3]> = Default::default();
    let open = db::query(
        conn,
        &format!(
            "SELECT {column}, count(*), sum(expected_on < date('now')) FROM requests \
             WHERE commune = ? AND is_open = 1 GROUP BY {column}"
        ),
        &[db::text(commune.as_str())],
    )?;
    for row in &open.rows {
        let entry = groups
            .entry(row.get::<&str>(0).unwrap_or_default().to_owned())
            .or_default();
        entry[0] = row.get::<i64>(1).unwrap_or(0);
        entry[1] = row.get::<i64>(2).unwrap_or(0);
    }
    let closed = db::query(
        conn,
        &format!(
            "SELECT {column}, count(*) FROM requests WHERE commune = ? AND closed_at >= ? \
             AND is_open = 0 GROUP BY {column}"
        ),
        &[db::text(commune.as_str()), db::text(week_start)],
    )?;
    for row in &closed.rows {
        let entry = groups
            .entry(row.get::<&str>(0).unwrap_or_default().to_owned())
            .or_default();
        entry[2] = row.get::<i64>(1).unwrap_or(0);
    }
    let key = if column == "department" {
        "department"
    } else {
        "service"
    };
    Ok(Json::Array(
        groups
            .into_iter()
            .map(|(name, [open, overdue, closed])| {
                json!({ key: name, "open": open, "overdue": overdue, "closed_this_week": closed })
            })
            .collect(),
    ))
}

/// The `by` parameter: `department` or `service` (its column), absent or empty for none; any
/// other parameter is refused.
fn group_parameter(raw: &str) -> Result<Option<&'static str>, ApiError> {
    let mut errors = Vec::new();
    let mut by = None;
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match (name, value) {
            ("by", "") => {}
            ("by", "department") => by = Some("department"),
            ("by", "service") => by = Some("service_code"),
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
