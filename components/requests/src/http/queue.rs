//! The agents' queue: `GET /api/requests` (filters, sort, keyset paging, counts),
//! `GET /api/requests/export.csv` (the same filters as a spreadsheet) and
//! `GET /api/requests/figures` (the commune's open, overdue and closed-this-week requests and
//! the median time to close). Staff only: 401 without a token, 403 for a citizen. Every read
//! of the queue and every export is logged with its filter (`?purpose=` optional: [`reads`]).
//!
//! - [`params`]: the query string, checked field by field against a whitelist.
//! - [`sql`]: the statements, built from fixed pieces (std only: the benchmark runs them too).
//! - [`export`], [`figures`]: the CSV export and the figures; [`history`]: the figures week
//!   by week (`GET /api/requests/figures/history`, supervisors and administrators).
//!
//! Each item of a page says how many possible duplicates it has (`possible_duplicates`): the
//! other open requests of its service within [`RADIUS_M`] and [`WINDOW_DAYS`] of its filing,
//! the neighbourhood the citizens' "already reported" check looks in. Ranking them as that
//! check does (text similarity) would read every neighbour's description for every row; the
//! count is one statement for the page's open, located rows, answered from an index
//! ([`sql::possible_duplicates`]); closed or unlocated requests have none.

mod export;
mod figures;
mod history;
mod params;

use std::collections::HashMap;

use guichet_guest::db::Connection;
use guichet_guest::{dates, response, ApiError};
use serde_json::{json, Map, Value as Json};
use spin_sdk::http::Response;

use self::params::{Mode, QueueQuery};
use crate::domain::duplicates::nearby;
use crate::http::duplicates::{RADIUS_M, WINDOW_DAYS};
use crate::http::reads;
use crate::store::queue::rows::{self, QueueRow};
use crate::store::queue::sql::{self, Filters, Place, Text};
use crate::Ctx;

pub use self::export::csv;
pub use self::figures::figures;
pub use self::history::history;

/// Above this many matches the total is given as "at least this many" (`total_is_capped`),
/// so that counting a broad filter on a large commune reads at most this many index entries.
/// With a text filter matching more than this many requests (of any commune) in the full-text
/// index, only that many are examined and `total` is likewise a lower bound.
pub const TOTAL_CAP: i64 = 10_000;
/// The cap of `total` with a text filter: counting looks each match up in the requests table
/// (scattered reads), so it stops sooner than [`TOTAL_CAP`].
pub const TEXT_TOTAL_CAP: i64 = 1_000;
/// Up to this many full-text matches, the query starts from the matches (fetched by rowid and
/// sorted); beyond, it walks the sort index and probes the set of matches.
const TEXT_DRIVES_UP_TO: i64 = 5_000;

/// `GET /api/requests`: one page of the queue.
pub fn list(ctx: &Ctx<'_>) -> Result<Response, ApiError> {
    let query = checked(ctx, Mode::List)?;
    let conn = ctx.conn();
    let mut filters = query.filters.clone();
    let text_matches = plan_text(conn, &mut filters)?;
    let page_size = usize::try_from(query.limit).unwrap_or(25);
    let rows = match newest_matches(conn, &filters, &query)? {
        Some(rows) => rows,
        None => rows::queue_rows(
            conn,
            &sql::page(&filters, query.sort, query.after.as_ref(), query.limit + 1),
        )?,
    };
    let more = rows.len() > page_size;
    let rows = &rows[..rows.len().min(page_size)];
    let next_cursor = match rows.last() {
        Some(last) if more => Some(params::encode_cursor(
            query.sort,
            last.sort_value(query.sort),
            last.rowid,
        )),
        _ => None,
    };
    let duplicates = possible_duplicates(conn, &filters.commune, rows)?;
    let items: Vec<Json> = rows
        .iter()
        .map(|row| item(row, query.lang, duplicates.get(&row.rowid).copied().unwrap_or(0)))
        .collect();
    let mut body = Map::new();
    body.insert("items".into(), Json::Array(items));
    body.insert("next_cursor".into(), json!(next_cursor));
    body.insert("sort".into(), json!(query.sort.name()));
    body.insert("limit".into(), json!(query.limit));
    if query.counts {
        let (total, by_state) = state_counts(conn, &filters)?;
        body.insert("total".into(), json!(total));
        body.insert("total_is_capped".into(), json!(false));
        body.insert("counts".into(), json!({ "by_state": by_state }));
    } else {
        let cap = match filters.text {
            Some(Text::Match(_)) => TEXT_TOTAL_CAP,
            _ => TOTAL_CAP,
        };
        let total = if query.after.is_none() && !more {
            // The whole result fits on this first page: no need to count it again.
            i64::try_from(rows.len()).unwrap_or(0)
        } else {
            rows::count(conn, &sql::capped_count(&filters, cap + 1))?
        };
        // With words, the count examined only the first `cap + 1` text matches: a lower
        // bound when the full-text index holds more.
        let capped = total > cap || text_matches > cap;
        body.insert("total".into(), json!(total.min(cap)));
        body.insert("total_is_capped".into(), json!(capped));
    }
    Ok(response::json(200, &body))
}

/// The first page, newest first, of a text search with many matches, read backwards from the
/// full-text index (see [`sql::newest_by_rowid`]) when that gives the same rows as
/// [`sql::page`]: creation times in order on the page and no older rowid created later.
/// `None` when it does not apply or cannot be trusted.
fn newest_matches(
    conn: &Connection,
    filters: &Filters,
    query: &QueueQuery,
) -> anyhow::Result<Option<Vec<QueueRow>>> {
    if filters.text_drives || query.after.is_some() || query.sort != sql::Sort::DEFAULT {
        return Ok(None);
    }
    let Some(statement) = sql::newest_by_rowid(filters, query.limit + 1) else {
        return Ok(None);
    };
    let mut rows = rows::queue_rows(conn, &statement)?;
    let created = |row: &QueueRow| row.created_at.clone().unwrap_or_default();
    let full = i64::try_from(rows.len()).unwrap_or(0) > query.limit;
    if !full {
        // Every match was read: order them as the queue does.
        rows.sort_by_key(|row| std::cmp::Reverse((created(row), row.rowid)));
        return Ok(Some(rows));
    }
    let in_order = rows
        .windows(2)
        .all(|pair| created(&pair[0]) >= created(&pair[1]));
    let Some(last) = rows.last() else {
        return Ok(None);
    };
    if !in_order {
        return Ok(None);
    }
    let newer = rows::count(
        conn,
        &sql::newer_below(&filters.commune, &created(last), last.rowid),
    )?;
    Ok((newer == 0).then_some(rows))
}

/// The checked parameters of `req`, whose caller must be staff; the read is logged with its
/// filter and `purpose` ([`reads`]) before anything is read.
fn checked(ctx: &Ctx<'_>, mode: Mode) -> Result<QueueQuery, ApiError> {
    let (req, commune) = (ctx.request(), ctx.commune());
    let caller = ctx.caller()?.require_staff()?;
    let me = caller.account().unwrap_or_default();
    let purpose = reads::purpose(&guichet_guest::query::Query::of(req));
    let filter = reads::without_purpose(req.query());
    let query = params::parse(&filter, commune.as_str(), me, mode);
    let (query, purpose) = match (query, purpose) {
        (Ok(query), Ok(purpose)) => (query, purpose),
        (query, purpose) => {
            let mut errors = query.err().unwrap_or_default();
            errors.extend(purpose.err().map(|e| e.errors()).unwrap_or_default());
            return Err(ApiError::BadRequest { errors });
        }
    };
    let kind = match mode {
        Mode::List => "queue",
        Mode::Export => "export",
    };
    let conn = ctx.conn();
    reads::log(
        conn,
        commune,
        me,
        &reads::Read::List {
            kind,
            filter: &filter,
        },
        purpose,
    )?;
    Ok(query)
}

/// Decides whether the full-text matches drive the query (see [`TEXT_DRIVES_UP_TO`]); returns
/// how many rows of the full-text index match (all communes), counted up to `TOTAL_CAP + 1`,
/// 0 without a text filter.
fn plan_text(conn: &Connection, filters: &mut Filters) -> anyhow::Result<i64> {
    if let Some(Text::Match(expression)) = &filters.text {
        let matches = rows::count(conn, &sql::text_matches(expression, TOTAL_CAP + 1))?;
        filters.text_drives = matches <= TEXT_DRIVES_UP_TO;
        return Ok(matches);
    }
    Ok(0)
}

/// The exact number of matches and their number per state.
fn state_counts(conn: &Connection, filters: &Filters) -> anyhow::Result<(i64, Map<String, Json>)> {
    let mut total = 0;
    let mut by_state = Map::new();
    for (state, count) in rows::state_counts(conn, &sql::state_counts(filters))? {
        total += count;
        by_state.insert(state, json!(count));
    }
    Ok((total, by_state))
}

/// The possible duplicates of the page's open, located `rows` (see the module documentation):
/// rowid → count, one statement.
fn possible_duplicates(
    conn: &Connection,
    commune: &str,
    rows: &[QueueRow],
) -> anyhow::Result<HashMap<i64, i64>> {
    let window = WINDOW_DAYS * dates::DAY;
    let places: Vec<Place> = rows
        .iter()
        .filter(|row| row.is_open)
        .filter_map(|row| {
            let (lat, long) = (row.lat?, row.long?);
            let filed = dates::parse(row.created_at.as_deref()?)?;
            let boxed = nearby::bounding_box(lat, long, RADIUS_M);
            Some(Place {
                rowid: row.rowid,
                service_code: row.service_code.clone()?,
                lat,
                long,
                min_lat: boxed.min_lat,
                max_lat: boxed.max_lat,
                min_long: boxed.min_long,
                max_long: boxed.max_long,
                long_scale: lat.to_radians().cos(),
                since: dates::format(filed - window),
                until: dates::format(filed + window),
            })
        })
        .collect();
    match sql::possible_duplicates(commune, &places, nearby::radius_degrees(RADIUS_M)) {
        Some(statement) => rows::duplicate_counts(conn, &statement),
        None => Ok(HashMap::new()),
    }
}

/// A queue row as the API shows it (no answers, contact or description: the queue is a list;
/// the request itself is one click away), with its count of possible duplicates.
fn item(row: &QueueRow, lang: &str, possible_duplicates: i64) -> Json {
    let service_name: Json = row
        .service_name
        .as_deref()
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Json::Null);
    let name = service_name
        .get(lang)
        .or_else(|| service_name.get("fr"))
        .cloned()
        .unwrap_or(Json::Null);
    json!({
        "reference": row.reference,
        "service": { "code": row.service_code, "name": name },
        "state": row.state,
        "open": row.is_open,
        "department": row.department,
        "assignee": row.assignee,
        "channel": row.channel,
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "expected_on": row.expected_on,
        "closed_at": row.closed_at,
        "overdue": row.overdue,
        "address": row.address,
        "possible_duplicates": possible_duplicates,
    })
}
