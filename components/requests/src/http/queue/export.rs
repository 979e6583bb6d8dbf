//! `GET /api/requests/export.csv`: the queue's filters as a spreadsheet, one row per request,
//! in the queue's sort order, at most [`EXPORT_CAP`] rows (`x-export-truncated: true` beyond).
//!
//! Cells that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a tab or
//! a carriage return: OWASP "CSV injection") get a leading apostrophe, so that an address typed
//! as `=HYPERLINK(…)` by a citizen stays text on the agent's screen.

use std::borrow::Cow;

use anyhow::Context as _;
use guichet_guest::{response, ApiError};
use spin_sdk::http::Response;

use super::params::Mode;
use crate::store::queue::rows::{self, QueueRow};
use crate::store::queue::sql::{self, After};
use crate::store::record;
use crate::Ctx;

/// The most rows one export holds.
pub const EXPORT_CAP: usize = 100_000;
/// Rows read per statement (keyset pages, so that no single answer holds the whole export).
const CHUNK: usize = 5_000;

const HEADER: [&str; 14] = [
    "reference",
    "service_code",
    "service_name",
    "state",
    "open",
    "overdue",
    "department",
    "assignee",
    "channel",
    "created_at",
    "updated_at",
    "expected_on",
    "closed_at",
    "address",
];

pub fn csv(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let query = super::checked(ctx, Mode::Export)?;
    let conn = ctx.conn();
    let mut filters = query.filters.clone();
    let _ = super::plan_text(conn, &mut filters)?;
    let today = record::today(conn)?;
    let mut out = ::csv::Writer::from_writer(Vec::new());
    out.write_record(HEADER).context("writing the CSV header")?;
    let mut written = 0;
    let mut after: Option<After> = None;
    let truncated = loop {
        let want = CHUNK.min(EXPORT_CAP - written) + 1;
        let statement = sql::page(
            &filters,
            query.sort,
            after.as_ref(),
            i64::try_from(want).unwrap_or(1),
        );
        let page = rows::queue_rows(conn, &statement)?;
        let more = page.len() == want;
        let rows = &page[..page.len().min(want - 1)];
        for row in rows {
            out.write_record(record(row, query.lang))
                .context("writing a CSV row")?;
        }
        written += rows.len();
        match rows.last() {
            Some(last) if more && written < EXPORT_CAP => {
                after = Some(After {
                    value: last.sort_value(query.sort).map(str::to_owned),
                    rowid: last.rowid,
                });
            }
            _ => break more,
        }
    };
    let body = out.into_inner().context("finishing the CSV")?;
    let mut answer = response::with_type(200, "text/csv; charset=utf-8", body, true);
    answer.set_header(
        "content-disposition",
        format!("attachment; filename=\"requests-{today}.csv\""),
    );
    if truncated {
        answer.set_header("x-export-truncated", "true");
    }
    Ok(answer)
}

/// The cells of one request, in [`HEADER`] order.
fn record(row: &QueueRow, lang: &str) -> Vec<String> {
    let text = |cell: &Option<String>| cell.clone().unwrap_or_default();
    let flag = |set: bool| if set { "yes" } else { "no" }.to_owned();
    let service_name =
        serde_json::from_str::<serde_json::Value>(row.service_name.as_deref().unwrap_or_default())
            .ok()
            .and_then(|names| {
                names
                    .get(lang)
                    .or_else(|| names.get("fr"))
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_owned)
            })
            .unwrap_or_default();
    [
        text(&row.reference),
        text(&row.service_code),
        service_name,
        text(&row.state),
        flag(row.is_open),
        flag(row.overdue),
        text(&row.department),
        text(&row.assignee),
        text(&row.channel),
        text(&row.created_at),
        text(&row.updated_at),
        text(&row.expected_on),
        text(&row.closed_at),
        text(&row.address),
    ]
    .iter()
    .map(|cell| neutralised(cell).into_owned())
    .collect()
}

/// `cell`, with a leading apostrophe when a spreadsheet would take it for a formula.
pub fn neutralised(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_get_an_apostrophe_and_plain_text_is_kept() {
        for cell in ["=1+1", "+33 6", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralised(cell), format!("'{cell}"));
        }
        assert_eq!(neutralised("12 rue des Lilas"), "12 rue des Lilas");
        assert_eq!(neutralised("a=b"), "a=b");
        assert_eq!(neutralised(""), "");
    }
}
