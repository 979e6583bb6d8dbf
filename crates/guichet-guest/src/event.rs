//! Events (`guichet:platform/events`, `wit/events.wit`): what a component tells notifications,
//! `POST http://notifications.spin.internal/internal/events` with the contract's `event`
//! (sent by `crate::clients::events`).
//!
//! Each kind is its own record (a case of the contract's `payload` variant). A payload is
//! stored by its sender (requests' outbox) and by notifications as the flat JSON of its
//! record beside its [`EventKind`] name (`request-filed`), as before the contract existed:
//! [`stored_payload`] reads that form back into the typed payload, also for rows written by
//! earlier versions (an outbox being drained across an upgrade), and [`payload_json`] writes it.

use guichet_contracts::events::{Event, Payload};
use guichet_contracts::Mismatch;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::{codes, Commune, FieldError};

const MAX_SOURCE_LEN: usize = 64;
const MAX_OCCURRED_AT_LEN: usize = 64;

/// What happened: the case of the contract's `payload`, by the name stored beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
    /// A signer of a signing flow has yet to act (signatures; for that agent only).
    SignatureReminder,
}

impl EventKind {
    /// Every kind, in WIT order.
    pub const ALL: [Self; 8] = [
        Self::RequestFiled,
        Self::StatusChanged,
        Self::Message,
        Self::Assigned,
        Self::Overdue,
        Self::Diagnostic,
        Self::Followed,
        Self::SignatureReminder,
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
            Self::SignatureReminder => "signature-reminder",
        }
    }

    /// The kind of `payload`.
    pub fn of(payload: &Payload) -> Self {
        match payload {
            Payload::RequestFiled(_) => Self::RequestFiled,
            Payload::StatusChanged(_) => Self::StatusChanged,
            Payload::Message(_) => Self::Message,
            Payload::Assigned(_) => Self::Assigned,
            Payload::Overdue(_) => Self::Overdue,
            Payload::Diagnostic(_) => Self::Diagnostic,
            Payload::Followed(_) => Self::Followed,
            Payload::SignatureReminder(_) => Self::SignatureReminder,
        }
    }

    /// The kind named `name`, if any.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// The flat JSON object of `payload`'s record (what is stored beside its kind), without the
/// members that are `null` (an absent `option`: the stored form stays as compact as before).
pub fn payload_json(payload: &Payload) -> Map<String, Value> {
    fn object(record: &impl Serialize) -> Map<String, Value> {
        match serde_json::to_value(record) {
            Ok(Value::Object(mut map)) => {
                without_nulls(&mut map);
                map
            }
            // Generated records always serialise to objects.
            _ => Map::new(),
        }
    }
    fn without_nulls(map: &mut Map<String, Value>) {
        map.retain(|_, value| !value.is_null());
        for value in map.values_mut() {
            match value {
                Value::Object(inner) => without_nulls(inner),
                Value::Array(items) => items
                    .iter_mut()
                    .filter_map(Value::as_object_mut)
                    .for_each(without_nulls),
                _ => {}
            }
        }
    }
    match payload {
        Payload::RequestFiled(record) => object(record),
        Payload::StatusChanged(record) => object(record),
        Payload::Message(record) => object(record),
        Payload::Assigned(record) => object(record),
        Payload::Overdue(record) => object(record),
        Payload::Diagnostic(record) => object(record),
        Payload::Followed(record) => object(record),
        Payload::SignatureReminder(record) => object(record),
    }
}

/// The typed payload of kind `kind` from its stored flat JSON `stored`, or the member that
/// does not fit its record. Rows written before the contract are converted: a message's
/// `message` (requests' e-mail and Open311 channels) is its `text`, its `actor_kind` or
/// `actor` its `author`, and it is `public` unless it says otherwise; a recipient without
/// `verified` is not verified. Members a record does not have are dropped.
pub fn stored_payload(kind: EventKind, stored: &Map<String, Value>) -> Result<Payload, Mismatch> {
    let mut flat = stored.clone();
    if kind == EventKind::Message {
        if !flat.contains_key("text") {
            let text = flat.get("message").or_else(|| flat.get("body")).cloned();
            flat.insert("text".into(), text.unwrap_or(Value::Null));
        }
        if flat.get("author").is_none_or(Value::is_null) {
            let author = flat
                .get("actor_kind")
                .or_else(|| flat.get("actor"))
                .cloned();
            flat.insert("author".into(), author.unwrap_or(Value::Null));
        }
        flat.entry("public").or_insert(Value::Bool(true));
    }
    if let Some(Value::Array(recipients)) = flat.get_mut("recipients") {
        for recipient in recipients.iter_mut().filter_map(Value::as_object_mut) {
            recipient.entry("verified").or_insert(Value::Bool(false));
        }
    }
    let case = match kind {
        EventKind::RequestFiled => "RequestFiled",
        EventKind::StatusChanged => "StatusChanged",
        EventKind::Message => "Message",
        EventKind::Assigned => "Assigned",
        EventKind::Overdue => "Overdue",
        EventKind::Diagnostic => "Diagnostic",
        EventKind::Followed => "Followed",
        EventKind::SignatureReminder => "SignatureReminder",
    };
    let mut tagged = Map::new();
    tagged.insert(case.to_owned(), Value::Object(flat));
    // Lenient on members the record lacks (old rows carry some), strict on the rest.
    serde_json::from_value(Value::Object(tagged)).map_err(|error| Mismatch {
        field: String::new(),
        message: format!("a stored {} payload: {error}", kind.as_str()),
    })
}

/// The rules on a received event's values (its structure is the contract's), every problem
/// at once.
pub fn validate(event: &Event) -> Result<(), Vec<FieldError>> {
    let Event {
        id,
        commune,
        source,
        occurred_at,
        payload: _,
    } = event;
    let mut errors = Vec::new();
    if !codes::is_exchange_id(id) {
        errors.push(codes::invalid_exchange_id("id"));
    }
    let mut check = |field: &str, ok: bool, message: &str| {
        if !ok {
            errors.push(FieldError::new(field, "invalid", message));
        }
    };
    if let Err(error) = Commune::parse(commune) {
        check("commune", false, &error.to_string());
    }
    let source_ok = (1..=MAX_SOURCE_LEN).contains(&source.len())
        && source
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    check(
        "source",
        source_ok,
        "source must be a component id: 1 to 64 of a-z, 0-9, '-' and '_'",
    );
    let occurred_ok = !occurred_at.trim().is_empty()
        && occurred_at.len() <= MAX_OCCURRED_AT_LEN
        && !occurred_at.chars().any(char::is_control);
    check(
        "occurred_at",
        occurred_ok,
        "occurred_at must be a non-empty RFC 3339 date-time",
    );
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn flat(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    fn request_facts() -> Value {
        json!({
            "request_id": "r1", "reference": "2026-000001", "service_code": "pothole",
            "service_name": {"fr": "Nid-de-poule", "en": "Pothole"}, "state": "in-progress",
            "open": true, "lang": "fr", "origin": "https://demo.example",
            "recipients": [{"email": "a@b.fr", "notify": "email", "verified": true}]
        })
    }

    fn with(extra: Value) -> Map<String, Value> {
        let mut map = flat(request_facts());
        map.extend(flat(extra));
        map
    }

    fn received(payload: Payload) -> Event {
        Event {
            id: "ev-1".into(),
            commune: "demo".into(),
            source: "requests".into(),
            occurred_at: "2026-01-31T12:00:00Z".into(),
            payload,
        }
    }

    #[test]
    fn an_old_outbox_message_row_is_converted_to_the_message_record() {
        // As requests' e-mail channel wrote it before the contract.
        let old = with(
            json!({"actor_kind": "citizen", "channel": "email", "public": false,
                              "message": "Merci"}),
        );
        let Ok(Payload::Message(message)) = stored_payload(EventKind::Message, &old) else {
            panic!("not converted");
        };
        assert_eq!(message.text, "Merci");
        assert_eq!(message.author.as_deref(), Some("citizen"));
        assert!(!message.public);
        assert_eq!(message.channel.as_deref(), Some("email"));
        // And an Open311 update, which said neither author nor channel.
        let old = with(json!({"message": "Réparé", "public": true}));
        let converted = stored_payload(EventKind::Message, &old);
        assert!(
            matches!(converted, Ok(Payload::Message(m)) if m.text == "Réparé" && m.author.is_none())
        );
    }

    #[test]
    fn a_stored_payload_is_read_back_into_its_record_and_written_back_to_the_same_record() {
        let stored = with(json!({"from": "new", "to": "in-progress", "message": null,
                                 "state_label": {"fr": "En cours", "en": "In progress"},
                                 "merged_into": null}));
        let payload = stored_payload(EventKind::StatusChanged, &stored);
        assert!(matches!(payload, Ok(Payload::StatusChanged(ref s)) if s.to == "in-progress"));
        let written = payload.as_ref().map(payload_json).unwrap_or_default();
        assert_eq!(written.get("state_label"), stored.get("state_label"));
        assert_eq!(
            written["recipients"][0].get("confirm_token"),
            None,
            "absent, not null"
        );
        assert_eq!(written.get("merged_into"), None);
        assert_eq!(stored_payload(EventKind::StatusChanged, &written), payload);
    }

    #[test]
    fn a_payload_missing_a_member_of_its_record_is_refused() {
        let mut stored = with(json!({"expected_on": "2026-01-01"}));
        stored.remove("reference");
        let refused = stored_payload(EventKind::Overdue, &stored).err();
        assert!(refused.is_some_and(|m| m.message.contains("reference")));
    }

    #[test]
    fn a_diagnostic_carries_no_request() {
        let stored = flat(json!({"ping_id": "p1", "requested_by": "acc-1"}));
        let payload = stored_payload(EventKind::Diagnostic, &stored);
        assert_eq!(
            payload.as_ref().map(EventKind::of),
            Ok(EventKind::Diagnostic)
        );
    }

    #[test]
    fn kinds_are_named_in_kebab_case() {
        assert_eq!(EventKind::RequestFiled.as_str(), "request-filed");
        assert_eq!(
            EventKind::parse("status-changed"),
            Some(EventKind::StatusChanged)
        );
        assert_eq!(EventKind::parse("status_changed"), None);
    }

    #[test]
    fn every_invalid_value_is_reported_at_once() {
        let stored = flat(json!({"ping_id": "p1", "requested_by": "acc-1"}));
        let payload =
            stored_payload(EventKind::Diagnostic, &stored).unwrap_or_else(|e| panic!("{e}"));
        let mut event = received(payload.clone());
        assert_eq!(validate(&event), Ok(()));
        event.id = "has space".into();
        event.commune = "Bad".into();
        event.source = String::new();
        event.occurred_at = " ".into();
        let fields: Vec<_> = validate(&event)
            .err()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|e| e.field)
            .collect();
        assert_eq!(fields, ["id", "commune", "source", "occurred_at"]);
        let mut event = received(payload);
        event.occurred_at = format!("2026-01-31{}T00:00:00Z", char::from(0));
        assert!(validate(&event).is_err());
    }

    #[test]
    fn an_event_id_follows_the_one_exchange_id_rule() {
        let mut event = received(Payload::Diagnostic(guichet_contracts::events::Diagnostic {
            ping_id: "p".into(),
            requested_by: "a".into(),
        }));
        for (id, ok) in [("a_b-9", true), ("", false), ("a b", false)] {
            event.id = id.into();
            assert_eq!(validate(&event).is_ok(), ok, "{id:?}");
            assert_eq!(codes::is_exchange_id(id), ok, "{id:?}");
        }
        event.id = "a".repeat(65);
        assert!(validate(&event).is_err());
    }
}
