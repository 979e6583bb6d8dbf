//! `GET /api/requests/figures/history?by=department|service&weeks=1..52` (supervisors and
//! administrators): the commune's figures week by week, for the back-office's dashboard.
//!
//! Answer: `{"commune","by","weeks":["YYYY-MM-DD" (each Monday, oldest first, the current week
//! last)],"total":[week…],"groups":[{"department"|"service": name, "weeks":[week…]}]}`, each
//! week `{"week","filed","closed","backlog","overdue","median_hours_to_close"}` (see
//! `store::queue::history`). `by` defaults to `department`, `weeks` to 12. Unknown parameters
//! are refused (400, field by field). Agents get 403: the commune's workload across
//! departments is their supervisors' view.

use guichet_guest::codes::Role;
use guichet_guest::{response, ApiError, FieldError};
use serde_json::{json, Value as Json};
use spin_sdk::http::Response;

use crate::store::queue::figures::GroupBy;
use crate::store::queue::history::{self as store, Week};
use crate::Ctx;

const DEFAULT_WEEKS: i64 = 12;
const MAX_WEEKS: i64 = 52;

pub fn history(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let (req, commune, conn) = (ctx.request(), ctx.commune(), ctx.conn());
    ctx.caller()?
        .require_staff()?
        .require_any(&[Role::Supervisor, Role::Admin])?;
    let (by, weeks) = parameters(req.query())?;
    let history = store::history(conn, commune, by, weeks)?;
    let key = match by {
        GroupBy::Department => "department",
        GroupBy::Service => "service",
    };
    let weeks_of = |weeks: &[Week]| -> Json {
        weeks
            .iter()
            .zip(&history.mondays)
            .map(|(w, monday)| {
                json!({"week": monday, "filed": w.filed, "closed": w.closed,
                       "backlog": w.backlog, "overdue": w.overdue,
                       "median_hours_to_close": w.median_hours_to_close})
            })
            .collect()
    };
    let groups: Vec<Json> = history
        .groups
        .iter()
        .map(|(name, weeks)| json!({ key: name, "weeks": weeks_of(weeks) }))
        .collect();
    Ok(response::json(
        200,
        &json!({
            "commune": commune.as_str(),
            "by": key,
            "weeks": history.mondays,
            "total": weeks_of(&history.total),
            "groups": groups,
        }),
    ))
}

/// `by` and `weeks`; anything else is refused, every error at once.
fn parameters(raw: &str) -> Result<(GroupBy, i64), ApiError> {
    let mut errors = Vec::new();
    let (mut by, mut weeks) = (GroupBy::Department, DEFAULT_WEEKS);
    for pair in raw.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match (name, value) {
            ("by", "" | "department") => by = GroupBy::Department,
            ("by", "service") => by = GroupBy::Service,
            ("by", _) => errors.push(FieldError::new("by", "invalid", "department or service")),
            ("weeks", "") => {}
            ("weeks", text) => match text.parse::<i64>() {
                Ok(n) if (1..=MAX_WEEKS).contains(&n) => weeks = n,
                _ => errors.push(FieldError::new(
                    "weeks",
                    "out_of_range",
                    format!("must be a whole number from 1 to {MAX_WEEKS}"),
                )),
            },
            _ => errors.push(FieldError::new(
                name.chars().take(64).collect::<String>(),
                "unknown",
                "no such parameter",
            )),
        }
    }
    if errors.is_empty() {
        Ok((by, weeks))
    } else {
        Err(ApiError::BadRequest { errors })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(raw: &str) -> Vec<String> {
        match parameters(raw) {
            Err(ApiError::BadRequest { errors }) => {
                errors.into_iter().filter_map(|e| e.field).collect()
            }
            _ => Vec::new(),
        }
    }

    #[test]
    fn the_parameters_are_checked_each_by_name() {
        assert!(matches!(parameters(""), Ok((GroupBy::Department, 12))));
        assert!(matches!(
            parameters("by=service&weeks=4"),
            Ok((GroupBy::Service, 4))
        ));
        assert_eq!(fields("by=x&weeks=0&sort=1"), vec!["by", "weeks", "sort"]);
        assert_eq!(fields("weeks=53"), vec!["weeks"]);
    }
}
