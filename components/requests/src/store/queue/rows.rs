//! Runs the queue's statements ([`super::sql`]) and decodes their rows by column name: a queue
//! row, a count (`n`), the counts per state.

use anyhow::Context as _;
use guichet_guest::db::{self, Connection, FromRow, QueryResult, Row, RowError, Value};

use super::sql::{self, Sort, SortKey, Sql};

/// A queue row ([`sql::ROW_COLUMNS`]): the request's list fields, without its answers,
/// contact or description. Text columns are optional as the list shows them (`null`, or an
/// empty cell in the export), whatever the schema guarantees.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueRow {
    pub rowid: i64,
    pub reference: Option<String>,
    pub service_code: Option<String>,
    /// The service's names by language, as JSON text.
    pub service_name: Option<String>,
    pub state: Option<String>,
    pub is_open: bool,
    pub department: Option<String>,
    pub assignee: Option<String>,
    pub channel: Option<String>,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub expected_on: Option<String>,
    pub address: Option<String>,
    pub closed_at: Option<String>,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    /// Open and past its expected date.
    pub overdue: bool,
}

impl FromRow for QueueRow {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        // `overdue` is NULL for an open request without an expected date: not overdue.
        let flag = |column: &str| Ok::<_, RowError>(row.get::<Option<i64>>(column)? == Some(1));
        Ok(QueueRow {
            rowid: row.get("rowid")?,
            reference: row.get("reference")?,
            service_code: row.get("service_code")?,
            service_name: row.get("service_name")?,
            state: row.get("state")?,
            is_open: flag("is_open")?,
            department: row.get("department")?,
            assignee: row.get("assignee")?,
            channel: row.get("channel")?,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
            expected_on: row.get("expected_on")?,
            address: row.get("address")?,
            closed_at: row.get("closed_at")?,
            lat: row.get("lat")?,
            long: row.get("long")?,
            overdue: flag("overdue")?,
        })
    }
}

impl QueueRow {
    /// The value `sort` sorts on (`None` for NULL), for the next page's cursor.
    pub fn sort_value(&self, sort: Sort) -> Option<&str> {
        match sort.key {
            SortKey::Created => self.created_at.as_deref(),
            SortKey::Expected => self.expected_on.as_deref(),
            SortKey::Updated => self.updated_at.as_deref(),
        }
    }
}

/// The queue rows of `statement` ([`sql::page`], [`sql::newest_by_rowid`]).
pub fn queue_rows(conn: &Connection, statement: &Sql) -> anyhow::Result<Vec<QueueRow>> {
    Ok(db::decode_all(&run(conn, statement)?)?)
}

/// The count (`n`) of a counting statement ([`sql::capped_count`], [`sql::text_matches`],
/// [`sql::newer_below`]).
pub fn count(conn: &Connection, statement: &Sql) -> anyhow::Result<i64> {
    db::first_value(&run(conn, statement)?, "n")?.context("a count without a row")
}

/// The number of matches per state ([`sql::state_counts`]), in state order.
pub fn state_counts(conn: &Connection, statement: &Sql) -> anyhow::Result<Vec<(String, i64)>> {
    let result = run(conn, statement)?;
    let counts = db::rows(&result)
        .map(|row| Ok((row.get("state")?, row.get("n")?)))
        .collect::<Result<_, RowError>>()?;
    Ok(counts)
}

/// The counts of [`sql::possible_duplicates`]: rowid → number of possible duplicates.
pub fn duplicate_counts(
    conn: &Connection,
    statement: &Sql,
) -> anyhow::Result<std::collections::HashMap<i64, i64>> {
    let result = run(conn, statement)?;
    let counts = db::rows(&result)
        .map(|row| Ok((row.get("rowid")?, row.get("n")?)))
        .collect::<Result<_, RowError>>()?;
    Ok(counts)
}

/// Runs a built statement.
fn run(conn: &Connection, statement: &Sql) -> anyhow::Result<QueryResult> {
    let params: Vec<Value> = statement
        .params
        .iter()
        .map(|p| match p {
            sql::Param::Text(t) => db::text(t.as_str()),
            sql::Param::Int(i) => Value::Integer(*i),
            sql::Param::Real(r) => Value::Real(*r),
        })
        .collect();
    db::query(conn, &statement.text, &params)
}
