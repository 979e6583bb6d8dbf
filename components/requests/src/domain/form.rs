//! Checking a citizen's answers against the form of a service (its fields, datatypes and
//! rules), every problem at once, each at `answers.<field code>` so that a form can show it
//! next to its question.
//!
//! Final signature: `pub fn check(definition: &ServiceDefinition, answers: Option<&Json>) ->
//! Result<Map<String, Json>, Vec<FieldError>>`. The map holds the answers as stored: empty
//! answers dropped, texts trimmed, numbers as JSON numbers, lists as arrays of keys.
//!
//! A `file` answer names an attachment of the same filing; whether that attachment exists is
//! checked by the caller, which knows the attachments ([`file_answers`] lists them).
//! Open311 clients send every attribute as a string, so numbers and checkboxes also accept
//! their text form (`"12"`, `"true"`), and a multi-value list a single key.

use guichet_guest::email::EmailAddress;
use guichet_guest::phone::PhoneNumber;
use guichet_guest::service::{Datatype, Field, ServiceDefinition};
use guichet_guest::text::{self, Lines};
use guichet_guest::FieldError;
use serde_json::{Map, Value as Json};

/// Longest one-line answer when the field sets no `max_length`.
const STRING_MAX: usize = 1_000;
/// Longest free-text answer when the field sets no `max_length`.
const TEXT_MAX: usize = 10_000;
/// Longest address in a location answer.
pub const ADDRESS_MAX: usize = 500;
/// Longest attachment name a file answer may give.
const FILE_NAME_MAX: usize = 255;
/// Largest compiled pattern (the catalogue checks the same limit when a form is saved).
const PATTERN_SIZE_LIMIT: usize = 1 << 20;

/// The answers of `answers` (a JSON object keyed by field code, or absent) checked against
/// the form of `definition`: the answers to store, or every error.
pub fn check(
    definition: &ServiceDefinition,
    answers: Option<&Json>,
) -> Result<Map<String, Json>, Vec<FieldError>> {
    let empty = Map::new();
    let given = match answers {
        None | Some(Json::Null) => &empty,
        Some(Json::Object(map)) => map,
        Some(_) => {
            return Err(vec![FieldError::new(
                "answers",
                "invalid_type",
                "must be an object of answers keyed by field code",
            )])
        }
    };
    let mut errors = Vec::new();
    let mut out = Map::new();
    let mut fields: Vec<&Field> = definition.form.fields.iter().collect();
    fields.sort_by_key(|f| f.order);
    for field in fields {
        let path = format!("answers.{}", field.code);
        let value = given.get(&field.code).filter(|v| !is_empty(v));
        match value {
            None => {
                if field.required {
                    errors.push(FieldError::new(&path, "required", "is required"));
                }
            }
            Some(value) => match answer(field, value, &path) {
                Ok(Some(stored)) => {
                    out.insert(field.code.clone(), stored);
                }
                Ok(None) => {}
                Err(mut found) => errors.append(&mut found),
            },
        }
    }
    for code in given.keys() {
        if !definition.form.fields.iter().any(|f| &f.code == code) {
            errors.push(FieldError::new(
                format!("answers.{code}"),
                "unknown_field",
                "is not a question of this service's form",
            ));
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The `(field code, attachment name)` of every file answer in checked `answers`.
pub fn file_answers<'a>(
    definition: &'a ServiceDefinition,
    answers: &'a Map<String, Json>,
) -> Vec<(&'a str, &'a str)> {
    definition
        .form
        .fields
        .iter()
        .filter(|f| f.datatype == Datatype::File)
        .filter_map(|f| {
            let name = answers.get(&f.code)?.as_str()?;
            Some((f.code.as_str(), name))
        })
        .collect()
}

/// The first answer of a given datatype in checked `answers` (an e-mail address or phone
/// number in the form is also a way to reach the citizen).
pub fn first_of(
    definition: &ServiceDefinition,
    answers: &Map<String, Json>,
    datatype: Datatype,
) -> Option<Json> {
    let mut fields: Vec<&Field> = definition.form.fields.iter().collect();
    fields.sort_by_key(|f| f.order);
    fields
        .into_iter()
        .filter(|f| f.datatype == datatype)
        .find_map(|f| answers.get(&f.code).cloned())
}

/// Whether an answer counts as not given: null, a blank string, an empty list.
fn is_empty(value: &Json) -> bool {
    match value {
        Json::Null => true,
        Json::String(s) => s.trim().is_empty(),
        Json::Array(items) => items.is_empty(),
        _ => false,
    }
}

fn wrong_type(path: &str, expected: &str) -> Vec<FieldError> {
    vec![FieldError::new(
        path,
        "invalid_type",
        format!("must be {expected}"),
    )]
}

/// One answer checked against its field: the value to store (`None`: nothing to store), or
/// its errors.
fn answer(field: &Field, value: &Json, path: &str) -> Result<Option<Json>, Vec<FieldError>> {
    match field.datatype {
        Datatype::String | Datatype::Text => {
            let Some(text) = value.as_str() else {
                return Err(wrong_type(path, "a string"));
            };
            let text = text.trim();
            let default_max = if field.datatype == Datatype::Text {
                TEXT_MAX
            } else {
                STRING_MAX
            };
            let mut errors = Vec::new();
            let lines = if field.datatype == Datatype::Text {
                Lines::Many
            } else {
                Lines::One
            };
            let Some(text) = text::check(path, text, lines, &mut errors) else {
                return Err(errors);
            };
            text_rules(field, &text, path, default_max, &mut errors);
            finish(errors, Json::String(text))
        }
        Datatype::Number => {
            let number = match value {
                Json::Number(n) => n.as_f64(),
                Json::String(s) => s.trim().replace(',', ".").parse::<f64>().ok(),
                _ => None,
            };
            let Some(number) = number.filter(|n| n.is_finite()) else {
                return Err(wrong_type(path, "a number"));
            };
            let mut errors = Vec::new();
            if let Some(min) = field.rules.min {
                if number < min {
                    errors.push(FieldError::new(
                        path,
                        "too_small",
                        format!("must be at least {min}"),
                    ));
                }
            }
            if let Some(max) = field.rules.max {
                if number > max {
                    errors.push(FieldError::new(
                        path,
                        "too_large",
                        format!("must be at most {max}"),
                    ));
                }
            }
            let stored = serde_json::Number::from_f64(number)
                .map(|n| {
                    // Whole numbers stay integers (`3`, not `3.0`) when they were given so.
                    if number.fract() == 0.0 && number.abs() < 9.0e15 {
                        Json::from(number as i64)
                    } else {
                        Json::Number(n)
                    }
                })
                .unwrap_or(Json::Null);
            finish(errors, stored)
        }
        Datatype::Date => {
            let Some(text) = value.as_str() else {
                return Err(wrong_type(path, "a date (YYYY-MM-DD)"));
            };
            let text = text.trim();
            if is_date(text) {
                Ok(Some(Json::String(text.to_owned())))
            } else {
                Err(vec![FieldError::new(
                    path,
                    "invalid_date",
                    "must be a date written YYYY-MM-DD",
                )])
            }
        }
        Datatype::Datetime => {
            let Some(text) = value.as_str() else {
                return Err(wrong_type(path, "a date and time (RFC 3339)"));
            };
            let text = text.trim();
            if is_datetime(text) {
                Ok(Some(Json::String(text.to_owned())))
            } else {
                Err(vec![FieldError::new(
                    path,
                    "invalid_date",
                    "must be a date and time written YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]",
                )])
            }
        }
        Datatype::Singlevaluelist => {
            let Some(key) = value.as_str() else {
                return Err(wrong_type(path, "one key of the list"));
            };
            let key = key.trim();
            if in_list(field, key) {
                Ok(Some(Json::String(key.to_owned())))
            } else {
                Err(vec![not_in_list(field, path)])
            }
        }
        Datatype::Multivaluelist => {
            let keys: Vec<&Json> = match value {
                Json::Array(items) => items.iter().collect(),
                Json::String(_) => vec![value],
                _ => return Err(wrong_type(path, "a list of keys of the list")),
            };
            let mut errors = Vec::new();
            let mut stored: Vec<Json> = Vec::new();
            for (i, key) in keys.iter().enumerate() {
                let at = format!("{path}[{i}]");
                match key.as_str().map(str::trim) {
                    Some(key) if in_list(field, key) => {
                        let key = Json::String(key.to_owned());
                        if stored.contains(&key) {
                            errors.push(FieldError::new(at, "duplicate", "is given twice"));
                        } else {
                            stored.push(key);
                        }
                    }
                    Some(_) => errors.push(not_in_list(field, &at)),
                    None => errors.push(FieldError::new(at, "invalid_type", "must be a key")),
                }
            }
            if let Some(min) = field.rules.min_length {
                if (stored.len() as i64) < min {
                    errors.push(FieldError::new(
                        path,
                        "too_short",
                        format!("must pick at least {min}"),
                    ));
                }
            }
            if let Some(max) = field.rules.max_length {
                if (stored.len() as i64) > max {
                    errors.push(FieldError::new(
                        path,
                        "too_long",
                        format!("must pick at most {max}"),
                    ));
                }
            }
            finish(errors, Json::Array(stored))
        }
        Datatype::Email => {
            let Some(text) = value.as_str() else {
                return Err(wrong_type(path, "an e-mail address"));
            };
            EmailAddress::parse(text)
                .map(|address| Some(Json::String(address.to_string())))
                .map_err(|e| vec![e.at(path)])
        }
        Datatype::Phone => {
            let Some(text) = value.as_str() else {
                return Err(wrong_type(path, "a phone number"));
            };
            PhoneNumber::parse(text)
                .map(|number| Some(Json::String(number.e164().to_owned())))
                .map_err(|e| vec![e.at(path)])
        }
        Datatype::File => {
            let Some(name) = value.as_str() else {
                return Err(wrong_type(path, "the name of an attachment of this filing"));
            };
            let name = name.trim();
            if name.chars().count() > FILE_NAME_MAX {
                return Err(vec![FieldError::new(
                    path,
                    "too_long",
                    format!("must be at most {FILE_NAME_MAX} characters"),
                )]);
            }
            Ok(Some(Json::String(name.to_owned())))
        }
        Datatype::Location => location(value, path).map(Some),
        Datatype::Checkbox => match boolean(value) {
            Some(b) => Ok(Some(Json::Bool(b))),
            None => Err(wrong_type(path, "true or false")),
        },
        Datatype::Consent => match boolean(value) {
            Some(true) => Ok(Some(Json::Bool(true))),
            Some(false) if field.required => Err(vec![FieldError::new(
                path,
                "must_accept",
                "must be accepted to file this request",
            )]),
            Some(false) => Ok(Some(Json::Bool(false))),
            None => Err(wrong_type(path, "true or false")),
        },
    }
}

fn finish(errors: Vec<FieldError>, stored: Json) -> Result<Option<Json>, Vec<FieldError>> {
    if errors.is_empty() {
        Ok(Some(stored))
    } else {
        Err(errors)
    }
}

/// Length (in characters) and pattern rules of a text answer.
fn text_rules(
    field: &Field,
    text: &str,
    path: &str,
    default_max: usize,
    errors: &mut Vec<FieldError>,
) {
    let length = text.chars().count();
    let max = field
        .rules
        .max_length
        .and_then(|m| usize::try_from(m).ok())
        .unwrap_or(default_max);
    if length > max {
        errors.push(FieldError::new(
            path,
            "too_long",
            format!("must be at most {max} characters"),
        ));
    }
    if let Some(min) = field.rules.min_length.and_then(|m| usize::try_from(m).ok()) {
        if length < min {
            errors.push(FieldError::new(
                path,
                "too_short",
                format!("must be at least {min} characters"),
            ));
        }
    }
    if let Some(pattern) = &field.rules.pattern {
        match compile(pattern) {
            Some(regex) if regex.is_match(text) => {}
            Some(_) => errors.push(FieldError::new(
                path,
                "pattern",
                "does not have the expected format",
            )),
            // The catalogue refuses invalid patterns on publication; one that slipped through
            // is the commune's mistake, not the citizen's: ignore it rather than block filing.
            None => eprintln!("field {}: pattern {pattern:?} does not compile", field.code),
        }
    }
}

/// The field pattern as the catalogue compiles it: the whole answer must match.
fn compile(pattern: &str) -> Option<regex::Regex> {
    regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(PATTERN_SIZE_LIMIT)
        .build()
        .ok()
}

fn in_list(field: &Field, key: &str) -> bool {
    field
        .rules
        .values
        .as_ref()
        .is_some_and(|values| values.iter().any(|v| v.key == key))
}

fn not_in_list(field: &Field, path: &str) -> FieldError {
    let keys: Vec<&str> = field
        .rules
        .values
        .iter()
        .flatten()
        .map(|v| v.key.as_str())
        .collect();
    FieldError::new(
        path,
        "not_in_list",
        format!("must be one of: {}", keys.join(", ")),
    )
}

fn boolean(value: &Json) -> Option<bool> {
    match value {
        Json::Bool(b) => Some(*b),
        Json::String(s) => match s.trim() {
            "true" | "1" | "on" | "yes" => Some(true),
            "false" | "0" | "off" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// A location answer: `{"lat","long","address"}`, coordinates both or neither, at least one
/// of coordinates and address.
fn location(value: &Json, path: &str) -> Result<Json, Vec<FieldError>> {
    let Some(object) = value.as_object() else {
        return Err(wrong_type(path, "an object {lat, long, address}"));
    };
    let mut errors = Vec::new();
    for key in object.keys() {
        if !matches!(key.as_str(), "lat" | "long" | "address") {
            errors.push(FieldError::new(
                format!("{path}.{key}"),
                "unknown_field",
                "is not a member of a location",
            ));
        }
    }
    let (lat, long) = coordinates(object.get("lat"), object.get("long"), path, &mut errors);
    let address = match object.get("address") {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) if s.trim().is_empty() => None,
        Some(Json::String(s)) => {
            if s.trim().chars().count() > ADDRESS_MAX {
                errors.push(FieldError::new(
                    format!("{path}.address"),
                    "too_long",
                    format!("must be at most {ADDRESS_MAX} characters"),
                ));
            }
            text::check(
                &format!("{path}.address"),
                s.trim(),
                Lines::One,
                &mut errors,
            )
        }
        Some(_) => {
            errors.push(FieldError::new(
                format!("{path}.address"),
                "invalid_type",
                "must be a string",
            ));
            None
        }
    };
    if errors.is_empty() && lat.is_none() && address.is_none() {
        errors.push(FieldError::new(
            path,
            "required",
            "needs coordinates (lat and long) or an address",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut out = Map::new();
    if let (Some(lat), Some(long)) = (lat, long) {
        out.insert("lat".into(), Json::from(lat));
        out.insert("long".into(), Json::from(long));
    }
    if let Some(address) = address {
        out.insert("address".into(), Json::String(address));
    }
    Ok(Json::Object(out))
}

/// Checks a latitude and a longitude (at `path.lat`, `path.long`; `path` empty: `lat`,
/// `long`): numbers in range, both or neither. Numbers given as text are read too.
pub fn coordinates(
    lat: Option<&Json>,
    long: Option<&Json>,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> (Option<f64>, Option<f64>) {
    let at = |member: &str| {
        if path.is_empty() {
            member.to_owned()
        } else {
            format!("{path}.{member}")
        }
    };
    let mut read = |value: Option<&Json>, member: &str, limit: f64| -> Option<f64> {
        let number = match value {
            None | Some(Json::Null) => return None,
            Some(Json::Number(n)) => n.as_f64(),
            Some(Json::String(s)) if s.trim().is_empty() => return None,
            Some(Json::String(s)) => s.trim().parse::<f64>().ok(),
            Some(_) => None,
        };
        match number.filter(|n| n.is_finite()) {
            None => {
                errors.push(FieldError::new(
                    at(member),
                    "invalid_type",
                    "must be a number",
                ));
                None
            }
            Some(n) if !(-limit..=limit).contains(&n) => {
                errors.push(FieldError::new(
                    at(member),
                    "out_of_range",
                    format!("must be between -{limit} and {limit}"),
                ));
                None
            }
            Some(n) => Some(n),
        }
    };
    let lat_given = !matches!(lat, None | Some(Json::Null));
    let long_given = !matches!(long, None | Some(Json::Null));
    let lat_value = read(lat, "lat", 90.0);
    let long_value = read(long, "long", 180.0);
    if lat_given != long_given {
        let missing = if lat_given { "long" } else { "lat" };
        errors.push(FieldError::new(
            at(missing),
            "required",
            "latitude and longitude go together",
        ));
        return (None, None);
    }
    match (lat_value, long_value) {
        (Some(lat), Some(long)) => (Some(lat), Some(long)),
        _ => (None, None),
    }
}

/// `YYYY-MM-DD`, a day that exists: the one date rule.
pub use guichet_guest::dates::is_date;

/// `YYYY-MM-DDTHH:MM[:SS[.fraction]]` with an optional `Z` or `±HH:MM` (a form's date and
/// time; without an offset it is the commune's local time).
pub fn is_datetime(text: &str) -> bool {
    let Some((date, time)) = text.split_once(['T', 't', ' ']) else {
        return false;
    };
    if !is_date(date) {
        return false;
    }
    let (clock, offset) = if let Some(rest) = time.strip_suffix(['Z', 'z']) {
        (rest, None)
    } else if let Some(i) = time.rfind(['+', '-']) {
        (&time[..i], Some(&time[i + 1..]))
    } else {
        (time, None)
    };
    let two = |part: &str, max: u32| -> bool {
        part.len() == 2
            && part.bytes().all(|b| b.is_ascii_digit())
            && part.parse::<u32>().is_ok_and(|n| n <= max)
    };
    if let Some(offset) = offset {
        match offset.split_once(':') {
            Some((h, m)) if two(h, 23) && two(m, 59) => {}
            _ => return false,
        }
    }
    let (clock, fraction) = match clock.split_once('.') {
        Some((c, f)) => (c, Some(f)),
        None => (clock, None),
    };
    if let Some(fraction) = fraction {
        if fraction.is_empty()
            || fraction.len() > 9
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return false;
        }
    }
    let parts: Vec<&str> = clock.split(':').collect();
    match parts.as_slice() {
        [h, m] => fraction.is_none() && two(h, 23) && two(m, 59),
        [h, m, s] => two(h, 23) && two(m, 59) && two(s, 60),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn definition(fields: Json) -> ServiceDefinition {
        let value = json!({
            "code": "test", "group": "g",
            "name": {"fr": "T", "en": "T"}, "description": {"fr": "", "en": ""},
            "department": "d", "channel": "online", "processing_days": 5,
            "retention_days": 30,
            "form": {"fields": fields},
            "workflow": {"initial": "new", "states": [{"code": "new", "label": {"fr": "N", "en": "N"}, "open": true}], "transitions": []}
        });
        serde_json::from_value(value).expect("a valid test definition")
    }

    fn field(code: &str, order: i64, datatype: &str, required: bool, rules: Json) -> Json {
        json!({"code": code, "order": order, "required": required, "datatype": datatype,
               "label": {"fr": code, "en": code}, "rules": rules})
    }

    fn form() -> ServiceDefinition {
        definition(json!([
            field(
                "name",
                1,
                "string",
                true,
                json!({"min_length": 2, "max_length": 10})
            ),
            field("chip", 2, "string", false, json!({"pattern": "[0-9]{3}"})),
            field("count", 3, "number", false, json!({"min": 1, "max": 5})),
            field(
                "size",
                4,
                "singlevaluelist",
                true,
                json!({"values": [
                {"key": "small", "name": {"fr": "p", "en": "s"}},
                {"key": "large", "name": {"fr": "g", "en": "l"}}]})
            ),
            field(
                "days",
                5,
                "multivaluelist",
                false,
                json!({"values": [
                {"key": "mon", "name": {"fr": "l", "en": "m"}},
                {"key": "tue", "name": {"fr": "m", "en": "t"}}]})
            ),
            field("email", 6, "email", false, json!({})),
            field("phone", 7, "phone", false, json!({})),
            field("born", 8, "date", false, json!({})),
            field("when", 9, "datetime", false, json!({})),
            field("where", 10, "location", false, json!({})),
            field("photo", 11, "file", false, json!({})),
            field("urgent", 12, "checkbox", false, json!({})),
            field("consent", 13, "consent", true, json!({})),
            field("notes", 14, "text", false, json!({"max_length": 20})),
        ]))
    }

    fn errors(answers: Json) -> Vec<(String, String)> {
        match check(&form(), Some(&answers)) {
            Ok(_) => Vec::new(),
            Err(errors) => errors
                .into_iter()
                .map(|e| (e.field.unwrap_or_default(), e.code))
                .collect(),
        }
    }

    fn pair(field: &str, code: &str) -> (String, String) {
        (format!("answers.{field}"), code.to_owned())
    }

    #[test]
    fn phone_and_email_answers_follow_the_one_rule_of_the_contact() {
        for (phone, ok) in [
            ("06 12 34 56 78", true),
            ("(555) 123-4567", false),
            ("112233", false),
        ] {
            let checked = check(
                &form(),
                Some(&json!({"name": "Rex", "size": "small", "consent": true, "phone": phone})),
            );
            assert_eq!(checked.is_ok(), ok, "{phone:?}");
        }
        for (email, ok) in [
            ("a@b.fr", true),
            ("a€b@c.fr", false),
            ("a\u{202e}b@c.fr", false),
        ] {
            let checked = check(
                &form(),
                Some(&json!({"name": "Rex", "size": "small", "consent": true, "email": email})),
            );
            assert_eq!(checked.is_ok(), ok, "{email:?}");
        }
    }

    #[test]
    fn complete_answers_are_accepted_and_normalised() {
        let stored = check(
            &form(),
            Some(&json!({
                "name": "  Rex ", "chip": "123", "count": "3", "size": "small",
                "days": ["mon", "tue"], "email": "a.b@example.org", "phone": "+33 1 23 45 67 89",
                "born": "2024-02-29", "when": "2026-05-01T10:30:00+02:00",
                "where": {"lat": 48.85, "long": 2.35, "address": "1 rue X"},
                "photo": "photo.jpg", "urgent": "true", "consent": true, "notes": "",
            })),
        )
        .expect("valid answers");
        assert_eq!(stored["name"], json!("Rex"));
        assert_eq!(stored["count"], json!(3));
        assert_eq!(stored["urgent"], json!(true));
        assert_eq!(
            stored["phone"],
            json!("+33123456789"),
            "the one phone rule's E.164 form"
        );
        assert_eq!(
            stored["where"],
            json!({"lat": 48.85, "long": 2.35, "address": "1 rue X"})
        );
        assert!(
            !stored.contains_key("notes"),
            "blank answers are not stored"
        );
    }

    #[test]
    fn every_wrong_answer_is_named_at_once() {
        let found = errors(json!({
            "name": "R", "chip": "12a", "count": 9, "size": "huge", "days": ["mon", "sun"],
            "email": "not an email", "phone": "call me", "born": "2023-02-29",
            "when": "tomorrow", "where": {"lat": 95, "long": 2}, "photo": 3, "urgent": "maybe",
            "consent": false, "notes": "x".repeat(21), "colour": "red",
        }));
        assert_eq!(
            found,
            vec![
                pair("name", "too_short"),
                pair("chip", "pattern"),
                pair("count", "too_large"),
                pair("size", "not_in_list"),
                pair("days[1]", "not_in_list"),
                pair("email", "invalid_email"),
                pair("phone", "invalid_phone"),
                pair("born", "invalid_date"),
                pair("when", "invalid_date"),
                pair("where.lat", "out_of_range"),
                pair("photo", "invalid_type"),
                pair("urgent", "invalid_type"),
                pair("consent", "must_accept"),
                pair("notes", "too_long"),
                pair("colour", "unknown_field"),
            ]
        );
    }

    #[test]
    fn missing_required_answers_are_required_and_blank_counts_as_missing() {
        assert_eq!(
            errors(json!({"name": "   ", "consent": null})),
            vec![
                pair("name", "required"),
                pair("size", "required"),
                pair("consent", "required")
            ]
        );
        assert_eq!(
            check(&form(), None).err().map(|e| e.len()),
            Some(3),
            "no answers at all: the three required ones"
        );
    }

    #[test]
    fn answers_that_are_not_an_object_are_one_error() {
        let found = check(&form(), Some(&json!(["a"])))
            .err()
            .unwrap_or_default();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].field.as_deref(), Some("answers"));
        assert_eq!(found[0].code, "invalid_type");
    }

    #[test]
    fn a_pattern_must_match_the_whole_answer() {
        let base = json!({"name": "Rex", "size": "large", "consent": true});
        let with = |chip: &str| {
            let mut answers = base.clone();
            answers["chip"] = json!(chip);
            errors(answers)
        };
        assert!(with("123").is_empty());
        assert_eq!(with("1234"), vec![pair("chip", "pattern")]);
        assert_eq!(with("x123"), vec![pair("chip", "pattern")]);
    }

    #[test]
    fn a_location_needs_both_coordinates_or_an_address() {
        let base = json!({"name": "Rex", "size": "large", "consent": true});
        let with = |place: Json| {
            let mut answers = base.clone();
            answers["where"] = place;
            errors(answers)
        };
        assert_eq!(
            with(json!({"lat": 48.8})),
            vec![pair("where.long", "required")]
        );
        assert_eq!(with(json!({})), vec![pair("where", "required")]);
        assert_eq!(with(json!({"long": -181})).len(), 2);
        assert!(with(json!({"address": "place de la Mairie"})).is_empty());
        assert_eq!(
            with(json!({"lat": 1, "long": 1, "floor": 2})),
            vec![pair("where.floor", "unknown_field")]
        );
    }

    #[test]
    fn a_multivalue_list_refuses_duplicates_and_takes_a_single_key() {
        let mut answers =
            json!({"name": "Rex", "size": "large", "consent": true, "days": ["mon", "mon"]});
        assert_eq!(errors(answers.clone()), vec![pair("days[1]", "duplicate")]);
        answers["days"] = json!("tue");
        let stored = check(&form(), Some(&answers)).expect("one key");
        assert_eq!(stored["days"], json!(["tue"]));
    }

    #[test]
    fn dates_and_times_are_checked_for_real_days_and_hours() {
        assert!(is_date("2024-02-29"));
        assert!(!is_date("2023-02-29"));
        assert!(!is_date("2024-13-01"));
        assert!(!is_date("2024-1-01"));
        assert!(is_datetime("2026-05-01T10:30"));
        assert!(is_datetime("2026-05-01T10:30:59.123Z"));
        assert!(is_datetime("2026-05-01T23:59:00-05:00"));
        assert!(!is_datetime("2026-05-01T24:00"));
        assert!(!is_datetime("2026-05-01"));
        assert!(!is_datetime("2026-05-01T10:30+2"));
    }

    #[test]
    fn the_first_email_answer_is_found_for_the_contact() {
        let stored = check(
            &form(),
            Some(&json!({"name": "Rex", "size": "large", "consent": true, "email": "x@y.fr"})),
        )
        .expect("valid");
        assert_eq!(
            first_of(&form(), &stored, Datatype::Email),
            Some(json!("x@y.fr"))
        );
        assert_eq!(first_of(&form(), &stored, Datatype::Phone), None);
    }
}
