//! The SQL behind the views of a request ([`crate::http::tracking`]): its state's label (from
//! the states of its service's version, copied at filing by [`remember_states`]), the request
//! it was merged into, the citizen's list of their requests, its followers, and the failed
//! look-ups of a tracking code per client.

use guichet_guest::db::{self, Connection, FromRow, Row, RowError, Value};
use guichet_guest::Commune;
use serde_json::json;

use crate::calls::catalog::Service;
use crate::store::record::{self, Record};

/// The request `merged` names (its id, or its reference in the commune of request
/// `request_id`), `None` when there is none.
pub fn original(
    conn: &Connection,
    merged: &str,
    request_id: &str,
) -> anyhow::Result<Option<Record>> {
    let result = db::query(
        conn,
        &format!(
            "SELECT {cols} FROM requests WHERE id = ?1 UNION ALL \
             SELECT {cols} FROM requests WHERE reference = ?1 \
             AND commune = (SELECT commune FROM requests WHERE id = ?2) LIMIT 1",
            cols = record::COLUMNS
        ),
        &[db::text(merged), db::text(request_id)],
    )?;
    Ok(db::decode_first(&result)?)
}

/// Copies the states of the service's version (labels, open) for tracking, once per version;
/// call inside the transaction of the filing.
pub fn remember_states(
    conn: &Connection,
    commune: &Commune,
    service: &Service,
) -> anyhow::Result<()> {
    let code = service.definition.code.as_str();
    let known = db::query(
        conn,
        "SELECT 1 FROM service_states WHERE commune = ? AND service_code = ? \
         AND service_version = ? LIMIT 1",
        &[
            db::text(commune.as_str()),
            db::text(code),
            Value::Integer(service.version),
        ],
    )?;
    if db::first_row(&known).is_some() {
        return Ok(());
    }
    for state in &service.definition.workflow.states {
        db::exec(
            conn,
            "INSERT OR IGNORE INTO service_states (commune, service_code, service_version, \
             state, label, open) VALUES (?, ?, ?, ?, ?, ?)",
            &[
                db::text(commune.as_str()),
                db::text(code),
                Value::Integer(service.version),
                db::text(state.code.as_str()),
                db::text(json!({"fr": state.label.fr, "en": state.label.en}).to_string()),
                Value::Integer(i64::from(state.open)),
            ],
        )?;
    }
    Ok(())
}

/// The label (`{"fr","en"}`, as JSON text) of `state` in the service of request
/// `request_id`, `None` when its service's states are unknown here.
pub fn state_label(
    conn: &Connection,
    request_id: &str,
    state: &str,
) -> anyhow::Result<Option<String>> {
    let result = db::query(
        conn,
        "SELECT s.label FROM service_states s JOIN requests r ON r.commune = s.commune \
         AND r.service_code = s.service_code AND r.service_version = s.service_version \
         WHERE r.id = ? AND s.state = ?",
        &[db::text(request_id), db::text(state)],
    )?;
    Ok(db::first_value::<Option<String>>(&result, "label")?.flatten())
}

/// The reference of the request whose id is `id`.
pub fn reference_of(conn: &Connection, id: &str) -> anyhow::Result<Option<String>> {
    let result = db::query(
        conn,
        "SELECT reference FROM requests WHERE id = ?",
        &[db::text(id)],
    )?;
    Ok(db::first_value::<Option<String>>(&result, "reference")?.flatten())
}

/// How many people follow request `request_id`.
pub fn followers(conn: &Connection, request_id: &str) -> anyhow::Result<i64> {
    let result = db::query(
        conn,
        "SELECT COUNT(*) AS n FROM followers WHERE request_id = ?",
        &[db::text(request_id)],
    )?;
    Ok(db::first_value::<i64>(&result, "n")?.unwrap_or(0))
}

/// One of a citizen's requests, as their list shows it. JSON columns (names, label, last
/// event) are text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mine {
    pub reference: Option<String>,
    pub service_code: Option<String>,
    pub service_name: Option<String>,
    pub state: Option<String>,
    pub state_label: Option<String>,
    pub is_open: bool,
    pub created_at: Option<String>,
    pub updated_at: Option<String>,
    pub expected_on: Option<String>,
    /// The id (or reference) of the request it was merged into.
    pub merged_into: Option<String>,
    /// The reference of that request, when it is found by id.
    pub merged_reference: Option<String>,
    /// The last public timeline entry, as a JSON object.
    pub last_event: Option<String>,
    /// The commune's last public message on it, `{"at","text"}`.
    pub last_reply: Option<String>,
}

impl FromRow for Mine {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(Mine {
            reference: row.get("reference")?,
            service_code: row.get("service_code")?,
            service_name: row.get("service_name")?,
            state: row.get("state")?,
            state_label: row.get("state_label")?,
            is_open: row.get::<i64>("is_open")? == 1,
            created_at: row.get("created_at")?,
            updated_at: row.get("updated_at")?,
            expected_on: row.get("expected_on")?,
            merged_into: row.get("merged_into")?,
            merged_reference: row.get("merged_reference")?,
            last_event: row.get("last_event")?,
            last_reply: row.get("last_reply")?,
        })
    }
}

/// How many requests `account` filed in `commune`.
pub fn count_mine(conn: &Connection, commune: &Commune, account: &str) -> anyhow::Result<i64> {
    let counted = db::query(
        conn,
        "SELECT COUNT(*) AS n FROM requests WHERE commune = ? AND account_id = ?",
        &[db::text(commune.as_str()), db::text(account)],
    )?;
    Ok(db::first_value::<i64>(&counted, "n")?.unwrap_or(0))
}

/// `limit` of the requests `account` filed in `commune`, newest first, after the first
/// `offset`.
pub fn mine(
    conn: &Connection,
    commune: &Commune,
    account: &str,
    limit: i64,
    offset: i64,
) -> anyhow::Result<Vec<Mine>> {
    let result = db::query(
        conn,
        "SELECT r.reference, r.service_code, r.service_name, r.state, s.label AS state_label, \
         r.is_open, r.created_at, r.updated_at, r.expected_on, r.merged_into, \
         (SELECT json_object('at', t.at, 'kind', t.kind, 'from', t.from_value, \
                 'to', t.to_value, 'actor', t.actor_kind) \
          FROM timeline t WHERE t.request_id = r.id AND t.public = 1 \
          ORDER BY t.seq DESC LIMIT 1) AS last_event, \
         (SELECT json_object('at', t.at, 'text', t.body) FROM timeline t \
          WHERE t.request_id = r.id AND t.public = 1 AND t.kind = 'message' \
          AND t.actor_kind = 'staff' ORDER BY t.seq DESC LIMIT 1) AS last_reply, \
         (SELECT m.reference FROM requests m WHERE m.id = r.merged_into) AS merged_reference \
         FROM requests r LEFT JOIN service_states s ON s.commune = r.commune \
         AND s.service_code = r.service_code AND s.service_version = r.service_version \
         AND s.state = r.state \
         WHERE r.commune = ? AND r.account_id = ? \
         ORDER BY r.created_at DESC, r.rowid DESC LIMIT ? OFFSET ?",
        &[
            db::text(commune.as_str()),
            db::text(account),
            Value::Integer(limit),
            Value::Integer(offset),
        ],
    )?;
    Ok(db::decode_all(&result)?)
}

/// The failed tracking look-ups of `client` in its current window: when the window started
/// (Unix seconds) and how many failed; `None` when it never failed.
pub fn track_failures(
    conn: &Connection,
    commune: &Commune,
    client: &str,
) -> anyhow::Result<Option<(i64, i64)>> {
    let result = db::query(
        conn,
        "SELECT window_start, failures FROM track_failures WHERE commune = ? AND client = ?",
        &[db::text(commune.as_str()), db::text(client)],
    )?;
    let Some(row) = db::first_row(&result) else {
        return Ok(None);
    };
    let start = row.get::<Option<i64>>("window_start")?.unwrap_or(0);
    let failures = row.get::<Option<i64>>("failures")?.unwrap_or(0);
    Ok(Some((start, failures)))
}

/// Counts one failed look-up of `client` at `now` (a new window when the last one started
/// `window` seconds ago or more).
pub fn count_track_failure(
    conn: &Connection,
    commune: &Commune,
    client: &str,
    now: i64,
    window: i64,
) -> anyhow::Result<()> {
    db::exec(
        conn,
        "INSERT INTO track_failures (commune, client, window_start, failures) VALUES (?, ?, ?, 1) \
         ON CONFLICT (commune, client) DO UPDATE SET \
         failures = CASE WHEN excluded.window_start - window_start >= ? THEN 1 ELSE failures + 1 END, \
         window_start = CASE WHEN excluded.window_start - window_start >= ? \
                        THEN excluded.window_start ELSE window_start END",
        &[
            db::text(commune.as_str()),
            db::text(client),
            Value::Integer(now),
            Value::Integer(window),
            Value::Integer(window),
        ],
    )
}
