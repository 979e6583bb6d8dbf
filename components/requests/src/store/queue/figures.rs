//! The SQL of the commune's figures (`GET /api/requests/figures`): counts walk the due-date
//! index, and the median time to close is picked in SQL (`ORDER BY … LIMIT 1 or 2 OFFSET
//! (n-1)/2`), never by loading every row.

use std::collections::BTreeMap;

use anyhow::Context as _;
use guichet_guest::db::{self, Connection, FromRow, Row, RowError, Value};
use guichet_guest::Commune;

/// SQLite's clock, so that the figures and the rows they count agree on "now".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clock {
    /// Today's date (`YYYY-MM-DD`).
    pub today: String,
    /// Monday 00:00 UTC of the current ISO week.
    pub week_start: String,
    /// The start of the median's window.
    pub since: String,
}

impl FromRow for Clock {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(Clock {
            today: row.get("today")?,
            week_start: row.get("week_start")?,
            since: row.get("since")?,
        })
    }
}

/// The clock, with the median's window starting `days` ago.
pub fn clock(conn: &Connection, days: i64) -> anyhow::Result<Clock> {
    let result = db::query(
        conn,
        "SELECT date('now') AS today, \
         strftime('%Y-%m-%dT00:00:00Z', 'now', 'weekday 0', '-6 days') AS week_start, \
         strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?) AS since",
        &[db::text(format!("-{days} days"))],
    )?;
    db::decode_first(&result)?.context("no clock row")
}

/// The open requests of `commune`, and how many of them are past their expected date (one
/// walk of the due-date index gives both: it holds is_open and expected_on).
pub fn open_and_overdue(conn: &Connection, commune: &Commune) -> anyhow::Result<(i64, i64)> {
    let result = db::query(
        conn,
        "SELECT count(*) AS open, coalesce(sum(expected_on < date('now')), 0) AS overdue \
         FROM requests WHERE commune = ? AND is_open = 1",
        &[db::text(commune.as_str())],
    )?;
    let row = db::first_row(&result).context("no open count")?;
    Ok((row.get("open")?, row.get("overdue")?))
}

/// The requests of `commune` closed since `since`.
pub fn closed_since(conn: &Connection, commune: &Commune, since: &str) -> anyhow::Result<i64> {
    let result = db::query(
        conn,
        "SELECT count(*) AS n FROM requests WHERE commune = ? AND closed_at >= ? AND is_open = 0",
        &[db::text(commune.as_str()), db::text(since)],
    )?;
    db::first_value(&result, "n")?.context("a count without a row")
}

/// The median of the `n` closing times since `since` (hours, rounded to 0.1): the middle one,
/// or the mean of the two middle ones when `n` is even; `None` when there are none.
pub fn median_hours(
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
    let hours = db::rows(&result)
        .map(|row| row.get::<Option<f64>>("hours"))
        .collect::<Result<Vec<_>, _>>()?;
    let hours: Vec<f64> = hours.into_iter().flatten().collect();
    if hours.is_empty() {
        return Ok(None);
    }
    #[allow(clippy::cast_precision_loss)] // one or two values
    let mean = hours.iter().sum::<f64>() / hours.len() as f64;
    Ok(Some((mean * 10.0).round() / 10.0))
}

/// What the figures may be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Department,
    Service,
}

impl GroupBy {
    /// The column grouped on (a fixed name, never user text).
    pub(crate) fn column(self) -> &'static str {
        match self {
            GroupBy::Department => "department",
            GroupBy::Service => "service_code",
        }
    }
}

/// One department's or service's counts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    pub open: i64,
    pub overdue: i64,
    pub closed_this_week: i64,
}

/// Open, overdue and closed-since-`week_start` counts per department or service, by name.
pub fn groups(
    conn: &Connection,
    commune: &Commune,
    by: GroupBy,
    week_start: &str,
) -> anyhow::Result<BTreeMap<String, Group>> {
    let column = by.column();
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    let open = db::query(
        conn,
        &format!(
            "SELECT {column} AS name, count(*) AS open, \
             sum(expected_on < date('now')) AS overdue FROM requests \
             WHERE commune = ? AND is_open = 1 GROUP BY {column}"
        ),
        &[db::text(commune.as_str())],
    )?;
    for row in db::rows(&open) {
        let entry = groups.entry(name_of(&row)?).or_default();
        entry.open = row.get("open")?;
        entry.overdue = row.get::<Option<i64>>("overdue")?.unwrap_or(0);
    }
    let closed = db::query(
        conn,
        &format!(
            "SELECT {column} AS name, count(*) AS closed FROM requests \
             WHERE commune = ? AND closed_at >= ? AND is_open = 0 GROUP BY {column}"
        ),
        &[db::text(commune.as_str()), db::text(week_start)],
    )?;
    for row in db::rows(&closed) {
        groups.entry(name_of(&row)?).or_default().closed_this_week = row.get("closed")?;
    }
    Ok(groups)
}

/// A group's name; a request without one is counted under the empty name.
fn name_of(row: &Row<'_>) -> Result<String, RowError> {
    Ok(row.get::<Option<String>>("name")?.unwrap_or_default())
}
