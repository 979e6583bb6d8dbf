//! The SQL of duplicate detection: the open requests of a service filed lately inside a
//! box around a point (the ranking by distance and text is in
//! [`crate::domain::duplicates::nearby`]). The SQL of a merge is [`merge`].

use guichet_guest::db::{self, Connection, FromRow, Row, RowError, Value};
use guichet_guest::Commune;

use crate::domain::duplicates::nearby::BoundingBox;

pub(crate) mod merge;

/// A request that may be the same problem. Text columns are optional, read as empty.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub reference: String,
    /// The service's names by language, as JSON text.
    pub service_name: String,
    pub state: String,
    pub lat: Option<f64>,
    pub long: Option<f64>,
    pub created_at: String,
    pub description: String,
    /// The form answers, as JSON text.
    pub answers: String,
}

impl FromRow for Candidate {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        let text = |column: &str| {
            Ok::<_, RowError>(row.get::<Option<String>>(column)?.unwrap_or_default())
        };
        Ok(Candidate {
            reference: text("reference")?,
            service_name: text("service_name")?,
            state: text("state")?,
            lat: row.get("lat")?,
            long: row.get("long")?,
            created_at: text("created_at")?,
            description: text("description")?,
            answers: text("answers")?,
        })
    }
}

/// At most `limit` open, unmerged requests of `service` in `commune`, filed in the last
/// `window_days` days inside `boxed`, newest first.
pub fn candidates(
    conn: &Connection,
    commune: &Commune,
    service: &str,
    boxed: &BoundingBox,
    window_days: i64,
    limit: i64,
) -> anyhow::Result<Vec<Candidate>> {
    let result = db::query(
        conn,
        "SELECT reference, service_name, state, lat, long, created_at, description, answers \
         FROM requests WHERE commune = ? AND service_code = ? AND is_open = 1 \
         AND created_at >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-' || ? || ' days') \
         AND merged_into IS NULL AND lat BETWEEN ? AND ? AND long BETWEEN ? AND ? \
         ORDER BY created_at DESC LIMIT ?",
        &[
            db::text(commune.as_str()),
            db::text(service),
            Value::Integer(window_days),
            Value::Real(boxed.min_lat),
            Value::Real(boxed.max_lat),
            Value::Real(boxed.min_long),
            Value::Real(boxed.max_long),
            Value::Integer(limit),
        ],
    )?;
    Ok(db::decode_all(&result)?)
}
