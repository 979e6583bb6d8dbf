//! Reading a chained body against its contract: a body that does not match is refused with
//! the path of the member at fault (`payload.Message.text`), so the receiver can answer a 4xx
//! naming it, log it, and write nothing.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// Why a body does not match its contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The member at fault, as a dotted path (`recipients[0].verified`); empty for the body
    /// itself (not JSON, or not an object).
    pub field: String,
    /// What is wrong with it, in serde's words (`missing field `text``, `invalid type: ...`).
    pub message: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for Mismatch {}

/// `body` (JSON) as a `T`, or the member that does not match. A missing member is reported
/// at its own path (`payload.Message.text`), not at its parent's; a member the record does
/// not have is refused too (WIT records are closed), named by its path.
pub fn decode<T: DeserializeOwned + Serialize>(body: &[u8]) -> Result<T, Mismatch> {
    let value = decode_open::<T>(body)?;
    // The generated types cannot say `deny_unknown_fields`: what the body has beyond what the
    // decoded value serialises back to is what the record does not have.
    let given: Value = serde_json::from_slice(body).map_err(|e| Mismatch {
        field: String::new(),
        message: strip_position(&e.to_string()),
    })?;
    let known = serde_json::to_value(&value).map_err(|e| Mismatch {
        field: String::new(),
        message: e.to_string(),
    })?;
    match unknown_member(&given, &known, "") {
        Some(field) => Err(Mismatch {
            field,
            message: "not a member of the record".to_owned(),
        }),
        None => Ok(value),
    }
}

/// The path of the first member of `given` that `known` lacks, at any depth.
fn unknown_member(given: &Value, known: &Value, path: &str) -> Option<String> {
    let join = |name: &str| {
        if path.is_empty() {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    match (given, known) {
        (Value::Object(given), Value::Object(known)) => {
            given
                .iter()
                .find_map(|(name, value)| match known.get(name) {
                    None => Some(join(name)),
                    Some(inner) => unknown_member(value, inner, &join(name)),
                })
        }
        (Value::Array(given), Value::Array(known)) => given
            .iter()
            .zip(known)
            .enumerate()
            .find_map(|(i, (g, k))| unknown_member(g, k, &format!("{path}[{i}]"))),
        _ => None,
    }
}

/// [`decode`] without the check for members the record does not have.
fn decode_open<T: DeserializeOwned>(body: &[u8]) -> Result<T, Mismatch> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value: T = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        // `.` is the body itself; `?` a place serde could not name (a syntax error).
        let path = match error.path().to_string() {
            root if root == "." || root == "?" => String::new(),
            path => path,
        };
        let inner = error.into_inner();
        let message = inner.to_string();
        let field = match missing_field(&message) {
            Some(name) if path.is_empty() => name.to_owned(),
            Some(name) => format!("{path}.{name}"),
            None => path,
        };
        Mismatch {
            field,
            message: strip_position(&message),
        }
    })?;
    deserializer.end().map_err(|error| Mismatch {
        field: String::new(),
        message: strip_position(&error.to_string()),
    })?;
    Ok(value)
}

/// The member named by serde's "missing field `x`".
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// serde_json's message without its " at line L column C" (positions in a body nobody sees).
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::communes::Resolved;
    use crate::events::{Event, Payload};

    #[test]
    fn a_body_matching_the_contract_decodes() {
        let body = br#"{"commune":"demo","name":"Demo","languages":["fr"],"public_origin":"https://d.example"}"#;
        let resolved: Result<Resolved, _> = decode(body);
        assert_eq!(
            resolved.map(|r| r.public_origin),
            Ok("https://d.example".to_owned())
        );
    }

    #[test]
    fn a_missing_member_is_named_by_its_own_path() {
        let body = br#"{"id":"e1","commune":"demo","source":"requests","occurred_at":"t",
            "payload":{"Diagnostic":{"ping_id":"p"}}}"#;
        let error = decode::<Event>(body).err();
        assert_eq!(
            error.map(|e| e.field),
            Some("payload.Diagnostic.requested_by".to_owned())
        );
    }

    #[test]
    fn a_mistyped_member_is_named_by_its_path() {
        let body = br#"{"commune":"demo","name":"Demo","languages":["fr", 3],"public_origin":"o"}"#;
        let error = decode::<Resolved>(body).err();
        assert_eq!(
            error.as_ref().map(|e| e.field.as_str()),
            Some("languages[1]")
        );
        assert!(error.is_some_and(|e| e.message.starts_with("invalid type")));
    }

    #[test]
    fn an_unknown_event_kind_is_named() {
        let body = br#"{"id":"e1","commune":"demo","source":"requests","occurred_at":"t",
            "payload":{"Party":{}}}"#;
        assert_eq!(
            decode::<Event>(body).err().map(|e| e.field),
            Some("payload".to_owned())
        );
    }

    #[test]
    fn a_member_the_record_does_not_have_is_named_at_any_depth() {
        let body = br#"{"commune":"demo","name":"Demo","languages":[],"public_origin":"o","x":1}"#;
        assert_eq!(
            decode::<Resolved>(body).err().map(|e| e.field),
            Some("x".to_owned())
        );
        let body = br#"{"id":"e1","commune":"demo","source":"requests","occurred_at":"t",
            "payload":{"Diagnostic":{"ping_id":"p","requested_by":"a","extra":true}}}"#;
        assert_eq!(
            decode::<Event>(body).err().map(|e| e.field),
            Some("payload.Diagnostic.extra".to_owned())
        );
    }

    #[test]
    fn an_absent_option_is_none() {
        let body = br#"{"commune":"demo","account_id":"a"}"#;
        let subject: Result<crate::privacy::Subject, _> = decode(body);
        assert_eq!(subject.map(|s| s.email), Ok(None));
    }

    #[test]
    fn a_body_that_is_not_json_has_no_field() {
        let error = decode::<Resolved>(b"{nope").err();
        assert_eq!(error.map(|e| e.field), Some(String::new()));
    }

    #[test]
    fn variants_are_written_with_their_case_as_the_key() {
        let payload = Payload::Diagnostic(crate::events::Diagnostic {
            ping_id: "p".into(),
            requested_by: "a".into(),
        });
        assert_eq!(
            serde_json::to_string(&payload).ok().as_deref(),
            Some(r#"{"Diagnostic":{"ping_id":"p","requested_by":"a"}}"#)
        );
    }
}
