//! The event record of `guichet:platform/events` (wit/platform.wit), as the JSON body of
//! `POST http://notifications.spin.internal/internal/events`.
//!
//! JSON members are the WIT field names in snake_case; `kind` is the WIT enum case in
//! kebab-case (`"request-filed"`); `payload` is a JSON object serialised as text.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::{Commune, FieldError};

const MAX_ID_LEN: usize = 64;
const MAX_SOURCE_LEN: usize = 64;
const MAX_OCCURRED_AT_LEN: usize = 64;
const MEMBERS: [&str; 6] = ["id", "commune", "kind", "source", "occurred_at", "payload"];

/// What happened (the WIT `event-kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// A citizen filed a request.
    RequestFiled,
    /// A request's status changed.
    StatusChanged,
    /// A message was added to a request.
    Message,
    /// A request was assigned to an agent or department.
    Assigned,
    /// A request passed its deadline.
    Overdue,
    /// A chain check run by an administrator.
    Diagnostic,
    /// Someone started following a request (the payload's recipients: that follower only).
    Followed,
}

impl EventKind {
    /// Every kind, in WIT order.
    pub const ALL: [Self; 7] = [
        Self::RequestFiled,
        Self::StatusChanged,
        Self::Message,
        Self::Assigned,
        Self::Overdue,
        Self::Diagnostic,
        Self::Followed,
    ];

    /// The kebab-case name used in JSON and in databases.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RequestFiled => "request-filed",
            Self::StatusChanged => "status-changed",
            Self::Message => "message",
            Self::Assigned => "assigned",
            Self::Overdue => "overdue",
            Self::Diagnostic => "diagnostic",
            Self::Followed => "followed",
        }
    }

    /// The kind named `name`, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// One event (the WIT `event` record). Built only from valid parts: see [`Event::validate`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Unique per event (1 to 64 of `A-Z a-z 0-9 -`): delivery is retried, and the receiver
    /// stores each id once.
    pub id: String,
    /// The commune it happened in.
    pub commune: String,
    /// What happened.
    pub kind: EventKind,
    /// Component that emitted it.
    pub source: String,
    /// When it happened, RFC 3339 with offset.
    pub occurred_at: String,
    /// Kind-specific JSON object, as text.
    pub payload: String,
}

/// Whether `id` can be an event id: 1 to 64 characters among `A-Z a-z 0-9 -`.
pub fn is_valid_id(id: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

impl Event {
    /// An event emitted by `source` now; `payload` is serialised here.
    pub fn new(
        id: String,
        commune: &Commune,
        kind: EventKind,
        source: &str,
        occurred_at: String,
        payload: &Map<String, Value>,
    ) -> Self {
        Self {
            id,
            commune: commune.as_str().to_owned(),
            kind,
            source: source.to_owned(),
            occurred_at,
            payload: Value::Object(payload.clone()).to_string(),
        }
    }

    /// Checks every member of a received JSON event and reports all problems at once.
    /// The record is closed (a WIT record): members other than its six are refused.
    pub fn validate(json: &Value) -> Result<Self, Vec<FieldError>> {
        let Some(object) = json.as_object() else {
            return Err(vec![FieldError::general(
                "not_an_object",
                "the event must be a JSON object",
            )]);
        };
        let mut errors: Vec<FieldError> = object
            .keys()
            .filter(|key| !MEMBERS.contains(&key.as_str()))
            .map(|key| FieldError::new(key.as_str(), "unknown_field", "not a member of an event"))
            .collect();
        let mut text = |name: &str| -> Option<String> {
            match object.get(name) {
                Some(Value::String(s)) => Some(s.clone()),
                Some(_) => {
                    errors.push(FieldError::new(
                        name,
                        "not_a_string",
                        format!("{name} must be a string"),
                    ));
                    None
                }
                None => {
                    errors.push(FieldError::new(
                        name,
                        "required",
                        format!("{name} is required"),
                    ));
                    None
                }
            }
        };
        let (id, commune, kind, source, occurred_at, payload) = (
            text("id"),
            text("commune"),
            text("kind"),
            text("source"),
            text("occurred_at"),
            text("payload"),
        );
        let mut check = |field: &str, ok: bool, code: &str, message: &str| {
            if !ok {
                errors.push(FieldError::new(field, code, message));
            }
        };
        if let Some(id) = &id {
            check(
                "id",
                is_valid_id(id),
                "invalid",
                "id must be 1 to 64 characters among A-Z, a-z, 0-9 and '-'",
            );
        }
        if let Some(commune) = &commune {
            if let Err(error) = Commune::parse(commune) {
                check("commune", false, "invalid", &error.to_string());
            }
        }
        let kind = kind.and_then(|name| {
            let parsed = EventKind::parse(&name);
            check(
                "kind",
                parsed.is_some(),
                "unknown",
                "kind is not a known event kind",
            );
            parsed
        });
        if let Some(source) = &source {
            let ok = (1..=MAX_SOURCE_LEN).contains(&source.len())
                && source.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
                });
            check(
                "source",
                ok,
                "invalid",
                "source must be a component id: 1 to 64 of a-z, 0-9, '-' and '_'",
            );
        }
        if let Some(occurred_at) = &occurred_at {
            let ok = !occurred_at.trim().is_empty()
                && occurred_at.len() <= MAX_OCCURRED_AT_LEN
                && !occurred_at.chars().any(char::is_control);
            check(
                "occurred_at",
                ok,
                "invalid",
                "occurred_at must be a non-empty RFC 3339 date-time",
            );
        }
        if let Some(payload) = &payload {
            let is_object = matches!(serde_json::from_str::<Value>(payload), Ok(Value::Object(_)));
            check(
                "payload",
                is_object,
                "invalid",
                "payload must be a JSON object serialised as text",
            );
        }
        match (id, commune, kind, source, occurred_at, payload) {
            (
                Some(id),
                Some(commune),
                Some(kind),
                Some(source),
                Some(occurred_at),
                Some(payload),
            ) if errors.is_empty() => Ok(Self {
                id,
                commune,
                kind,
                source,
                occurred_at,
                payload,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn valid() -> Value {
        json!({
            "id": "ev-1", "commune": "demo", "kind": "diagnostic", "source": "requests",
            "occurred_at": "2026-01-31T12:00:00Z", "payload": "{\"ping\":1}"
        })
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().filter_map(|e| e.field.as_deref()).collect()
    }

    #[test]
    fn a_complete_event_is_accepted_and_serialises_back_to_the_same_json() {
        let event = Event::validate(&valid()).map_err(|e| format!("{e:?}"));
        assert_eq!(event.as_ref().map(|e| e.kind), Ok(EventKind::Diagnostic));
        let back = event.ok().and_then(|e| serde_json::to_value(e).ok());
        assert_eq!(back, Some(valid()));
    }

    #[test]
    fn kinds_are_written_in_kebab_case() {
        assert_eq!(
            serde_json::to_value(EventKind::RequestFiled).ok(),
            Some(json!("request-filed"))
        );
        assert_eq!(
            EventKind::parse("status-changed"),
            Some(EventKind::StatusChanged)
        );
        assert_eq!(EventKind::parse("status_changed"), None);
    }

    #[test]
    fn every_invalid_member_is_reported_at_once() {
        let bad = json!({
            "id": "has space", "commune": "Bad", "kind": "party", "source": "",
            "occurred_at": " ", "payload": "[1]"
        });
        let errors = Event::validate(&bad).err().unwrap_or_default();
        assert_eq!(
            fields(&errors),
            ["id", "commune", "kind", "source", "occurred_at", "payload"]
        );
    }

    #[test]
    fn missing_and_mistyped_members_are_reported() {
        let errors = Event::validate(&json!({"id": 5})).err().unwrap_or_default();
        assert_eq!(
            fields(&errors),
            ["id", "commune", "kind", "source", "occurred_at", "payload"]
        );
        assert_eq!(
            errors.first().map(|e| e.code.as_str()),
            Some("not_a_string")
        );
        assert_eq!(errors.get(1).map(|e| e.code.as_str()), Some("required"));
    }

    #[test]
    fn a_payload_that_is_not_json_is_refused() {
        let mut event = valid();
        event["payload"] = json!("{not json");
        assert_eq!(
            fields(&Event::validate(&event).err().unwrap_or_default()),
            ["payload"]
        );
    }

    #[test]
    fn an_id_longer_than_64_characters_is_refused() {
        assert!(is_valid_id(&"a".repeat(64)));
        assert!(!is_valid_id(&"a".repeat(65)));
        assert!(!is_valid_id(""));
    }

    #[test]
    fn members_outside_the_record_are_refused() {
        let mut event = valid();
        event["extra"] = json!(1);
        let errors = Event::validate(&event).err().unwrap_or_default();
        assert_eq!(fields(&errors), ["extra"]);
        assert_eq!(
            errors.first().map(|e| e.code.as_str()),
            Some("unknown_field")
        );
    }

    #[test]
    fn control_characters_in_occurred_at_are_refused() {
        let mut event = valid();
        event["occurred_at"] = Value::String(format!("2026-01-31{}T00:00:00Z", char::from(0)));
        assert_eq!(
            fields(&Event::validate(&event).err().unwrap_or_default()),
            ["occurred_at"]
        );
    }

    #[test]
    fn a_body_that_is_not_an_object_is_refused() {
        assert!(Event::validate(&json!([1, 2])).is_err());
    }
}
