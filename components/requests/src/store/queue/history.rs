//! The SQL of the commune's figures week by week (`GET /api/requests/figures/history`): for
//! each of the last weeks (ISO weeks, UTC) and each department or service, the requests filed
//! and closed during the week, the backlog (open) and the overdue ones at its end, and the
//! median time to close of those closed during it.
//!
//! A request is in the backlog at instant `t` when it was created before `t` and is open now
//! or was closed at or after `t` (a reopened request has no `closed_at`: it counts as open
//! since its filing). The current week ends "now" (nothing is filed or closed later), so that
//! its backlog and overdue are `GET /api/requests/figures`'s `open` and `overdue`.
//!
//! Cost on a large commune: only the requests that can count in the window are read (open
//! ones, and those filed or closed since its first Monday: three index range scans), each
//! once: SQL turns it into the weeks it was filed, closed and became late in (whole seconds
//! since the window's first Monday, rounded, so exact at the boundaries), counted by those
//! weeks, and the weeks it spent in the backlog are spans added up here. Medians are picked in SQL with
//! window functions over the index of closing times, never by loading every duration.

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

/// The requests that can count in the window, each with its weeks counted from the window's
/// first Monday (`?2`, and `?4` the same in seconds of `julianday`; `?1` the commune, `?3`
/// the number of weeks): `filed` (−1 before the
/// window), `closed` (the number of weeks when open), `due` (the first week at whose end it
/// is late, −1 before the window, null without a due date) and whether it is late today.
const SPANS: &str = "WITH live(id) AS ( \
     SELECT rowid FROM requests WHERE commune = ?1 AND is_open = 1 \
     UNION SELECT rowid FROM requests WHERE commune = ?1 AND closed_at >= ?2 \
     UNION SELECT rowid FROM requests WHERE commune = ?1 AND created_at >= ?2), \
   seconds AS ( \
     SELECT r.{column} AS name, r.is_open AS open, \
       CAST(round(julianday(r.created_at) * 86400) AS INTEGER) - ?4 AS c, \
       CAST(round(julianday(r.closed_at) * 86400) AS INTEGER) - ?4 AS k, \
       CAST(round(julianday(r.expected_on) * 86400) AS INTEGER) - ?4 AS e, \
       coalesce(r.is_open = 1 AND r.expected_on < date('now'), 0) AS late \
     FROM live l CROSS JOIN requests r WHERE r.rowid = l.id) \
   SELECT name, \
     CASE WHEN c < 0 THEN -1 ELSE c / 604800 END AS filed, \
     CASE WHEN open = 1 OR k IS NULL THEN ?3 WHEN k < 0 THEN -1 ELSE k / 604800 END AS closed, \
     CASE WHEN e IS NULL THEN NULL WHEN e < 0 THEN -1 ELSE min(e / 604800, ?3) END AS due, \
     late, count(*) AS n \
   FROM seconds GROUP BY 1, 2, 3, 4, 5";

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
        &format!(
            "{WEEKS} SELECT n, substr(start, 1, 10) AS monday, \
             CAST(round(julianday(start) * 86400) AS INTEGER) AS origin FROM bounds ORDER BY n"
        ),
        &[Value::Integer(weeks)],
    )?;
    let mondays = db::rows(&mondays_of)
        .map(|row| row.get::<String>("monday"))
        .collect::<Result<Vec<_>, _>>()?;
    let origin: i64 = match db::rows(&mondays_of).next() {
        Some(row) => row.get("origin")?,
        None => 0,
    };
    let slots = mondays.len();
    let mut history = History {
        total: vec![Week::default(); slots],
        mondays,
        groups: BTreeMap::new(),
    };
    let first = format!(
        "{}T00:00:00Z",
        history.mondays.first().cloned().unwrap_or_default()
    );
    let spans = db::query(
        conn,
        &SPANS.replace("{column}", column),
        &[
            db::text(commune.as_str()),
            db::text(first),
            Value::Integer(weeks),
            Value::Integer(origin),
        ],
    )?;
    for row in db::rows(&spans) {
        let span = Span {
            filed: row.get("filed")?,
            closed: row.get("closed")?,
            due: row.get("due")?,
            late: row.get::<i64>("late")? == 1,
            n: row.get("n")?,
        };
        let slots = i64::try_from(slots).unwrap_or(0);
        span.add_to(&mut history.total, slots);
        span.add_to(group(&mut history.groups, &row, slots as usize)?, slots);
    }
    for (partition, grouped) in [("b.n", false), (&*format!("b.n, r.{column}"), true)] {
        let name = if grouped {
            format!("r.{column}")
        } else {
            "''".to_owned()
        };
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

/// `n` requests of one group with the same weeks (see [`SPANS`]).
struct Span {
    filed: i64,
    closed: i64,
    due: Option<i64>,
    late: bool,
    n: i64,
}

impl Span {
    /// Adds the span to `weeks` (`slots` of them, the current one last): filed and closed in
    /// their week, in the backlog from the week it was filed until the one before it was
    /// closed, late at the end of the past weeks from its due week on while in the backlog,
    /// and at the current week as figures counts it (open and due before today).
    fn add_to(&self, weeks: &mut [Week], slots: i64) {
        let mut at = |week: i64, add: &dyn Fn(&mut Week)| {
            if let Some(w) = usize::try_from(week).ok().and_then(|w| weeks.get_mut(w)) {
                add(w);
            }
        };
        let n = self.n;
        at(self.filed, &|w| w.filed += n);
        if self.closed < slots {
            at(self.closed, &|w| w.closed += n);
        }
        for week in self.filed.max(0)..self.closed.min(slots) {
            at(week, &|w| w.backlog += n);
        }
        if let Some(due) = self.due {
            for week in due.max(self.filed).max(0)..self.closed.min(slots - 1) {
                at(week, &|w| w.overdue += n);
            }
        }
        if self.late {
            at(slots - 1, &|w| w.overdue += n);
        }
    }
}

fn slot(row: &Row<'_>, slots: usize) -> Result<usize, RowError> {
    let n: i64 = row.get("n")?;
    Ok(usize::try_from(n).unwrap_or(0).min(slots.saturating_sub(1)))
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
