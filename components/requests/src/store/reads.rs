//! The SQL of the log of staff reads (`staff_reads`; the rules and the admin route are in
//! [`crate::http::reads`]): one row per read, written in the read's transaction.

use guichet_guest::db::{self, Connection, FromRow, Row, RowError, Value};
use guichet_guest::Commune;
use serde::Serialize;

/// How long a read is kept, in months.
pub const RETENTION_MONTHS: i64 = 12;
/// Longest filter kept (a queue query string).
const FILTER_MAX: usize = 2_000;

/// What was read.
pub enum Read<'a> {
    /// A request (`kind` `request`) or one of its files (`attachment`): id and reference.
    Request {
        kind: &'static str,
        id: &'a str,
        reference: &'a str,
    },
    /// The queue (`queue`), a CSV export (`export`) or the e-mails waiting for triage
    /// (`triage`), with the filter (the query string).
    List { kind: &'static str, filter: &'a str },
}

/// A logged read, as the citizen's export shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffRead {
    pub reference: Option<String>,
    pub kind: String,
    pub reader_id: String,
    pub purpose: Option<String>,
    pub read_at: String,
}

impl FromRow for StaffRead {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(StaffRead {
            reference: row.get("reference")?,
            kind: row.get("kind")?,
            reader_id: row.get("reader_id")?,
            purpose: row.get("purpose")?,
            read_at: row.get("read_at")?,
        })
    }
}

/// A logged read as administrators list it: with the list's filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ListedRead {
    #[serde(flatten)]
    pub read: StaffRead,
    pub filter: Option<String>,
}

impl FromRow for ListedRead {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(ListedRead {
            read: StaffRead::from_row(row)?,
            filter: row.get("filter")?,
        })
    }
}

/// What the administrators' list is filtered on (`None`: any).
pub struct Filter<'a> {
    pub reference: Option<&'a str>,
    pub reader: Option<&'a str>,
    pub kind: Option<&'a str>,
    pub limit: i64,
}

/// Writes one read by `reader`, and its event for the commune's evidence log to the outbox
/// (`personal-data-read`: the reader, the request's reference or `queue`, the kind and the
/// purpose; never the filter, which may hold a name); call inside the read's transaction.
pub fn log(
    conn: &Connection,
    commune: &Commune,
    reader: &str,
    read: &Read<'_>,
    purpose: Option<&str>,
) -> anyhow::Result<()> {
    let (kind, id, reference, filter) = match read {
        Read::Request {
            kind,
            id,
            reference,
        } => (*kind, Some(*id), Some(*reference), None),
        Read::List { kind, filter } => (
            *kind,
            None,
            None,
            Some(filter.chars().take(FILTER_MAX).collect::<String>()),
        ),
    };
    db::exec(
        conn,
        &format!(
            "INSERT INTO staff_reads (commune, reader_id, kind, request_id, reference, filter, \
             purpose, read_at) VALUES (?, ?, ?, ?, ?, ?, ?, {})",
            db::NOW_RFC3339
        ),
        &[
            db::text(commune.as_str()),
            db::text(reader),
            db::text(kind),
            optional(id),
            optional(reference),
            optional(filter.as_deref()),
            optional(purpose),
        ],
    )?;
    let mut details = vec![("kind", kind)];
    if let Some(purpose) = purpose {
        details.push(("purpose", purpose));
    }
    let event = guichet_guest::evidence::event(
        conn,
        commune,
        "requests",
        "personal-data-read",
        Some(reader),
        reference.unwrap_or("queue"),
        &details,
    )?;
    guichet_guest::evidence::enqueue(conn, &event)
}

/// The reads of the request `request_id`, newest first.
pub fn of_request(
    conn: &Connection,
    commune: &Commune,
    request_id: &str,
) -> anyhow::Result<Vec<StaffRead>> {
    let result = db::query(
        conn,
        "SELECT reference, kind, reader_id, purpose, read_at FROM staff_reads \
         WHERE commune = ? AND request_id = ? ORDER BY read_at DESC, id DESC",
        &[db::text(commune.as_str()), db::text(request_id)],
    )?;
    Ok(db::decode_all(&result)?)
}

/// The reads of `commune` that match `filter`, newest first.
pub fn list(
    conn: &Connection,
    commune: &Commune,
    filter: &Filter<'_>,
) -> anyhow::Result<Vec<ListedRead>> {
    let result = db::query(
        conn,
        "SELECT reference, kind, reader_id, purpose, read_at, filter FROM staff_reads \
         WHERE commune = ?1 AND (?2 IS NULL OR reference = ?2) AND (?3 IS NULL OR reader_id = ?3) \
         AND (?4 IS NULL OR kind = ?4) ORDER BY read_at DESC, id DESC LIMIT ?5",
        &[
            db::text(commune.as_str()),
            optional(filter.reference),
            optional(filter.reader),
            optional(filter.kind),
            Value::Integer(filter.limit),
        ],
    )?;
    Ok(db::decode_all(&result)?)
}

/// Deletes the reads older than [`RETENTION_MONTHS`]; how many.
pub fn purge(conn: &Connection, commune: &Commune) -> anyhow::Result<usize> {
    let result = db::query(
        conn,
        "DELETE FROM staff_reads WHERE commune = ? \
         AND read_at < strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?) RETURNING 1",
        &[
            db::text(commune.as_str()),
            db::text(format!("-{RETENTION_MONTHS} months")),
        ],
    )?;
    Ok(result.rows.len())
}

fn optional(value: Option<&str>) -> Value {
    value.map_or(Value::Null, db::text)
}
