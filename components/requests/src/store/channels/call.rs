//! A call log (counter and phone channels): when, how long, who called, what was said.
//! Checked here (pure), written by [`write`] in the transaction of the change it belongs to,
//! read back by [`logged`] (the staff view of a request) and [`called_at`].

use anyhow::Context as _;
use guichet_guest::db::{self, Connection, FromRow, Row, RowError, Value};
use guichet_guest::text::{self, Lines};
use guichet_guest::{Commune, FieldError};
use serde_json::{json, Map, Value as Json};

/// A day: the longest call (or counter visit) worth logging.
pub const MAX_DURATION: i64 = 86_400;
const MAX_CALLER: usize = 200;
const MAX_SUMMARY: usize = 4_000;
const MEMBERS: [&str; 4] = ["called_at", "duration_seconds", "caller", "summary"];

/// A checked call log.
#[derive(Debug, Clone, PartialEq)]
pub struct CallLog {
    /// RFC 3339 as given; stored normalised to UTC by SQLite.
    pub called_at: String,
    pub duration_seconds: i64,
    /// The caller's name and/or phone number.
    pub caller: String,
    pub summary: String,
}

impl CallLog {
    /// Checks `value` (the `call` member, or a whole body), naming fields `{prefix}member`;
    /// every error at once.
    pub fn parse(value: &Json, prefix: &str) -> Result<CallLog, Vec<FieldError>> {
        let field = |name: &str| format!("{prefix}{name}");
        let Some(object) = value.as_object() else {
            let name = prefix.trim_end_matches('.');
            let name = if name.is_empty() { "body" } else { name };
            return Err(vec![FieldError::new(
                name,
                "invalid_type",
                "must be an object",
            )]);
        };
        let mut errors = Vec::new();
        for key in object.keys().filter(|k| !MEMBERS.contains(&k.as_str())) {
            errors.push(FieldError::new(
                field(key),
                "unknown_field",
                "this member is not expected",
            ));
        }
        let called_at = match object.get("called_at") {
            Some(Json::String(text)) if is_rfc3339(text) => Some(text.clone()),
            Some(Json::String(_)) => {
                errors.push(FieldError::new(
                    field("called_at"),
                    "invalid_datetime",
                    "must be an RFC 3339 date and time, e.g. 2026-12-01T09:30:00Z",
                ));
                None
            }
            None | Some(Json::Null) => {
                errors.push(FieldError::new(
                    field("called_at"),
                    "required",
                    "when the call took place",
                ));
                None
            }
            Some(_) => {
                errors.push(FieldError::new(
                    field("called_at"),
                    "invalid_type",
                    "must be a string",
                ));
                None
            }
        };
        let duration = match object.get("duration_seconds") {
            Some(Json::Number(n)) => match n.as_i64() {
                Some(d) if (0..=MAX_DURATION).contains(&d) => Some(d),
                _ => {
                    errors.push(FieldError::new(
                        field("duration_seconds"),
                        "out_of_range",
                        format!("must be a whole number of seconds from 0 to {MAX_DURATION}"),
                    ));
                    None
                }
            },
            None | Some(Json::Null) => {
                errors.push(FieldError::new(
                    field("duration_seconds"),
                    "required",
                    "how long the call lasted, in seconds",
                ));
                None
            }
            Some(_) => {
                errors.push(FieldError::new(
                    field("duration_seconds"),
                    "invalid_type",
                    "must be a number",
                ));
                None
            }
        };
        let caller = text(
            object,
            "caller",
            (MAX_CALLER, Lines::One),
            &field("caller"),
            &mut errors,
        );
        let summary = text(
            object,
            "summary",
            (MAX_SUMMARY, Lines::Many),
            &field("summary"),
            &mut errors,
        );
        match (called_at, duration, caller, summary) {
            (Some(called_at), Some(duration_seconds), Some(caller), Some(summary))
                if errors.is_empty() =>
            {
                Ok(CallLog {
                    called_at,
                    duration_seconds,
                    caller,
                    summary,
                })
            }
            _ => Err(errors),
        }
    }
}

/// A required, non-blank string member of at most `max` characters, one line or many (see
/// `guichet_guest::text`).
fn text(
    object: &Map<String, Json>,
    name: &str,
    (max, lines): (usize, Lines),
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match object.get(name) {
        Some(Json::String(s)) if s.trim().is_empty() => {
            errors.push(FieldError::new(field, "required", "must not be blank"));
            None
        }
        Some(Json::String(s)) if s.chars().count() > max => {
            errors.push(FieldError::new(
                field,
                "too_long",
                format!("at most {max} characters"),
            ));
            None
        }
        Some(Json::String(s)) => text::check(field, s.trim(), lines, errors),
        None | Some(Json::Null) => {
            errors.push(FieldError::new(
                field,
                "required",
                "this member is required",
            ));
            None
        }
        Some(_) => {
            errors.push(FieldError::new(field, "invalid_type", "must be a string"));
            None
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, a real day and time: the one rule.
pub use guichet_guest::dates::is_rfc3339;

/// Writes `call` for request `request_id`, taken by `agent`, with its `call` timeline entry
/// (internal: what was said on the phone is the commune's working note, not a public message);
/// call inside the transaction of the change.
pub fn write(
    conn: &Connection,
    commune: &Commune,
    request_id: &str,
    call: &CallLog,
    agent: &str,
    channel: &str,
) -> anyhow::Result<String> {
    let (id, now) = db::new_id_and_now(conn)?;
    let result = db::query(
        conn,
        "INSERT INTO call_logs (id, commune, request_id, called_at, duration_seconds, caller, \
         summary, agent_id, created_at) \
         VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', ?), ?, ?, ?, ?, ?) RETURNING called_at",
        &[
            db::text(id.as_str()),
            db::text(commune.as_str()),
            db::text(request_id),
            db::text(call.called_at.as_str()),
            Value::Integer(call.duration_seconds),
            db::text(call.caller.as_str()),
            db::text(call.summary.as_str()),
            db::text(agent),
            db::text(now.as_str()),
        ],
    )
    .context("writing the call log")?;
    let called_at = db::first_value::<String>(&result, "called_at")?
        .context("the call's time did not parse")?;
    let actor = crate::store::timeline::Actor {
        kind: "staff",
        id: Some(agent.to_owned()),
    };
    let mut entry = crate::store::timeline::Entry::new("call", false);
    entry.body = Some(call.summary.as_str());
    entry.detail.insert("call_id".into(), json!(id));
    entry.detail.insert("channel".into(), json!(channel));
    entry.detail.insert("called_at".into(), json!(called_at));
    entry
        .detail
        .insert("duration_seconds".into(), json!(call.duration_seconds));
    entry.detail.insert("caller".into(), json!(call.caller));
    crate::store::timeline::append(conn, commune, request_id, &now, &actor, &entry)?;
    Ok(id)
}

/// A logged call as stored. Columns are optional as the staff view shows them (`null`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logged {
    pub id: Option<String>,
    pub called_at: Option<String>,
    pub duration_seconds: Option<i64>,
    pub caller: Option<String>,
    pub summary: Option<String>,
    pub agent_id: Option<String>,
    pub created_at: Option<String>,
}

impl FromRow for Logged {
    fn from_row(row: &Row<'_>) -> Result<Self, RowError> {
        Ok(Logged {
            id: row.get("id")?,
            called_at: row.get("called_at")?,
            duration_seconds: row.get("duration_seconds")?,
            caller: row.get("caller")?,
            summary: row.get("summary")?,
            agent_id: row.get("agent_id")?,
            created_at: row.get("created_at")?,
        })
    }
}

/// The calls logged on request `request_id`, by time.
pub fn logged(conn: &Connection, request_id: &str) -> anyhow::Result<Vec<Logged>> {
    let result = db::query(
        conn,
        "SELECT id, called_at, duration_seconds, caller, summary, agent_id, created_at \
         FROM call_logs WHERE request_id = ? ORDER BY called_at, rowid",
        &[db::text(request_id)],
    )?;
    Ok(db::decode_all(&result)?)
}

/// When call `id` took place, as stored (UTC), `None` when there is no such call.
pub fn called_at(conn: &Connection, id: &str) -> anyhow::Result<Option<String>> {
    let stored = db::query(
        conn,
        "SELECT called_at FROM call_logs WHERE id = ?",
        &[db::text(id)],
    )?;
    Ok(db::first_value(&stored, "called_at")?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(result: Result<CallLog, Vec<FieldError>>) -> Vec<(String, String)> {
        guichet_guest::FieldError::codes(result)
    }

    #[test]
    fn a_complete_call_log_is_accepted() {
        let call = CallLog::parse(
            &json!({"called_at": "2026-12-01T09:30:00+01:00", "duration_seconds": 240,
                    "caller": "M. Dupont 06 12 34 56 78", "summary": "Lampadaire éteint rue Haute"}),
            "call.",
        )
        .expect("valid");
        assert_eq!(call.duration_seconds, 240);
        assert_eq!(call.caller, "M. Dupont 06 12 34 56 78");
    }

    #[test]
    fn every_wrong_member_is_reported_by_its_path() {
        let found = codes(CallLog::parse(
            &json!({"called_at": "yesterday", "duration_seconds": 86_401, "caller": " ", "extra": 1}),
            "call.",
        ));
        for expected in [
            ("call.called_at", "invalid_datetime"),
            ("call.duration_seconds", "out_of_range"),
            ("call.caller", "required"),
            ("call.summary", "required"),
            ("call.extra", "unknown_field"),
        ] {
            assert!(
                found.contains(&(expected.0.into(), expected.1.into())),
                "{expected:?} in {found:?}"
            );
        }
        assert_eq!(
            codes(CallLog::parse(
                &json!({"called_at": "2026-12-01T09:30:00Z", "duration_seconds": -1, "caller": "x", "summary": "y"}),
                ""
            )),
            vec![("duration_seconds".into(), "out_of_range".into())]
        );
        assert_eq!(
            codes(CallLog::parse(&json!([]), "call.")),
            vec![("call".into(), "invalid_type".into())]
        );
    }

    #[test]
    fn rfc3339_needs_a_zone_and_plausible_numbers() {
        for good in [
            "2026-12-01T09:30:00Z",
            "2026-12-01T09:30:00.123+02:00",
            "2026-02-28t23:59:60z",
        ] {
            assert!(is_rfc3339(good), "{good}");
        }
        for bad in [
            "2026-12-01 09:30:00",
            "2026-12-01T09:30:00",
            "2026-13-01T09:30:00Z",
            "2026-12-01T25:00:00Z",
            "2026-12-01T09:30:00+2:00",
            "2026-12-01T09:30:00.Z",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }
}
