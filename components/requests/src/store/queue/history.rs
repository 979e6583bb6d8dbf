//! The SQL of the commune's figures week by week (`GET /api/requests/figures/history`): for
//! each of the last weeks (ISO weeks, UTC) and each department or service, the requests filed
//! and closed during the week, the backlog (open) and the overdue ones at its end, and the
//! median time to close of those closed during it.
//!
//! A request is in the backlog at instant `t` when it was created before `t` and is open now
//! or was closed at or after `t` (a reopened request has no `closed_at`: it counts as open
//! since its filing). The current week ends "now" (nothing is filed or closed later), so that
//! its backlog and overdue are `GET /api/requests/figures`'s `open` and `overdue`. Only the requests that can count in the
//! window are read (open ones, and those filed or closed since its first Monday); medians are
//! picked in SQL with window functions, never by loading every duration.

use std::collections::BTreeMap;

use guichet_guest::db::{self, Connection, Row, RowError, Value};
use guichet_guest::Commune;

use super::figures::GroupBy;

/// One week's figures of one group (or of the whole commune).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Week {
    pub filed: i64,
    pub closed: i64,
    pub backlog: i64,
    pub overdue: i64,
    pub median_hours_to_close: Option<f64>,
}

/// The figures of `weeks` weeks (the oldest first, the current one last): the Mondays, the
/// whole commune's weeks, and each group's weeks by name (every group has every week).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub mondays: Vec<String>,
    pub total: Vec<Week>,
    pub groups: BTreeMap<String, Vec<Week>>,
}

/// The weeks of the window: `(n, start, stop, due_day)`, `n` from 0 (the oldest), each week
/// from Monday 00:00 UTC to the next. The current week's stop is next Monday: nothing is
/// filed or closed after now, so what is open then is what is open now, to the second. A
/// request is late at a week's end when due before `due_day` (today for the current week).
/// `?1` is the number of weeks.
const WEEKS: &str = "WITH RECURSIVE weeks(n, start, stop) AS ( \
     SELECT 0, strftime('%Y-%m-%dT00:00:00Z', 'now', 'weekday 0', '-6 days', \
                        printf('-%d days', 7 * (?1 - 1))), \
            strftime('%Y-%m-%dT00:00:00Z', 'now', 'weekday 0', '+1 days', \
                        printf('-%d days', 7 * (?1 - 1))) \
     UNION ALL SELECT n + 1, strftime('%Y-%m-%dT00:00:00Z', start, '+7 days'), \
                     strftime('%Y-%m-%dT00:00:00Z', stop, '+7 days') FROM weeks WHERE n + 1 < ?1), \
     bounds AS (SELECT n, start, stop, min(date(stop), date('now')) AS due_day FROM weeks)";

/// The figures of the last `weeks` weeks of `commune`, grouped `by`.
pub fn history(
    conn: &Connection,
    commune: &Commune,
    by: GroupBy,
    weeks: i64,
) -> anyhow::Result<History> {
    let column = by.column();
    let params = [Value::Integer(weeks), db::text(commune.as_str())];
    let mondays_of = db::query(
        conn,
        &format!("{WEEKS} SELECT n, substr(start, 1, 10) AS monday FROM bounds ORDER BY n"),
        &[Value::Integer(weeks)],
    )?;
    let mondays = db::rows(&mondays_of)
        .map(|row| row.get::<String>("monday"))
        .collect::<Result<Vec<_>, _>>()?;
    let slots = mondays.len();
    let mut history = History {
        total: vec![Week::default(); slots],
        mondays,
        groups: BTreeMap::new(),
    };
    // `r.created_at < b.stop` and friends compare ISO-8601 UTC texts, which order as time.
    let counts = db::query(
        conn,
        &format!(
            "{WEEKS} SELECT b.n AS n, r.{column} AS name, \
             sum(r.created_at >= b.start AND r.created_at < b.stop) AS filed, \
             sum(r.is_open = 0 AND r.closed_at >= b.start AND r.closed_at < b.stop) AS closed, \
             sum(r.created_at < b.stop AND (r.is_open = 1 OR r.closed_at >= b.stop)) AS backlog, \
             sum(r.created_at < b.stop AND (r.is_open = 1 OR r.closed_at >= b.stop) \
                 AND r.expected_on < b.due_day) AS overdue \
             FROM bounds b JOIN requests r ON r.commune = ?2 \
               AND (r.is_open = 1 OR r.closed_at >= b.start OR r.created_at >= b.start) \
             GROUP BY b.n, r.{column}"
        ),
        &params,
    )?;
    for row in db::rows(&counts) {
        let n = slot(&row, slots)?;
        let week = Week {
            filed: count(&row, "filed")?,
            closed: count(&row, "closed")?,
            backlog: count(&row, "backlog")?,
            overdue: count(&row, "overdue")?,
            median_hours_to_close: None,
        };
        let total = &mut history.total[n];
        total.filed += week.filed;
        total.closed += week.closed;
        total.backlog += week.backlog;
        total.overdue += week.overdue;
        group(&mut history.groups, &row, slots)?[n] = week;
    }
    for (partition, grouped) in [("b.n", false), (&*format!("b.n, r.{column}"), true)] {
        let name = if grouped { format!("r.{column}") } else { "''".to_owned() };
        let medians = db::query(
            conn,
            &format!(
                "{WEEKS}, closing AS ( \
                   SELECT b.n AS n, {name} AS name, \
                     (julianday(r.closed_at) - julianday(r.created_at)) * 24.0 AS hours, \
                     row_number() OVER (PARTITION BY {partition} ORDER BY \
                       julianday(r.closed_at) - julianday(r.created_at)) AS rank, \
                     count(*) OVER (PARTITION BY {partition}) AS size \
                   FROM bounds b JOIN requests r ON r.commune = ?2 AND r.is_open = 0 \
                     AND r.closed_at >= b.start AND r.closed_at < b.stop) \
                 SELECT n, name, avg(hours) AS median FROM closing \
                 WHERE rank IN ((size + 1) / 2, (size + 2) / 2) GROUP BY n, name"
            ),
            &params,
        )?;
        for row in db::rows(&medians) {
            let n = slot(&row, slots)?;
            let median = row
                .get::<Option<f64>>("median")?
                .map(|h| (h * 10.0).round() / 10.0);
            if grouped {
                group(&mut history.groups, &row, slots)?[n].median_hours_to_close = median;
            } else {
                history.total[n].median_hours_to_close = median;
            }
        }
    }
    Ok(history)
}

fn slot(row: &Row<'_>, slots: usize) -> Result<usize, RowError> {
    let n: i64 = row.get("n")?;
    Ok(usize::try_from(n).unwrap_or(0).min(slots.saturating_sub(1)))
}

fn count(row: &Row<'_>, column: &str) -> Result<i64, RowError> {
    Ok(row.get::<Option<i64>>(column)?.unwrap_or(0))
}

/// The weeks of the row's group, created empty; a request without one counts under "".
fn group<'h>(
    groups: &'h mut BTreeMap<String, Vec<Week>>,
    row: &Row<'_>,
    slots: usize,
) -> Result<&'h mut Vec<Week>, RowError> {
    let name = row.get::<Option<String>>("name")?.unwrap_or_default();
    Ok(groups
        .entry(name)
        .or_insert_with(|| vec![Week::default(); slots]))
}
