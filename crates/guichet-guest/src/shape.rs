//! The structure of a JSON document, as data, and a check that lists every structural error
//! of a value at once: unknown members, missing members, wrong types, unknown names.
//!
//! serde stops at the first error; a form editor wants them all. So a document is first
//! checked against its [`Shape`] (here), and only a document without structural errors is
//! handed to serde (`deny_unknown_fields`), which then cannot fail.

use crate::{ApiError, FieldError};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// What a JSON value must look like.
#[derive(Debug)]
pub enum Shape {
    /// A string.
    Text,
    /// An integer that fits in an `i64`.
    Integer,
    /// Any number.
    Number,
    /// `true` or `false`.
    Bool,
    /// A string among these.
    OneOf(&'static [&'static str]),
    /// An array of values of this shape.
    List(&'static Shape),
    /// An object with exactly these members (unknown members are errors).
    Object(&'static [Member]),
}

/// A member of an object shape.
#[derive(Debug)]
pub struct Member {
    pub name: &'static str,
    pub shape: Shape,
    /// Whether the member must be present.
    pub required: bool,
    /// Whether `null` is accepted (and means "absent").
    pub nullable: bool,
}

impl Member {
    /// A member that must be present and not null.
    pub const fn required(name: &'static str, shape: Shape) -> Member {
        Member {
            name,
            shape,
            required: true,
            nullable: false,
        }
    }

    /// A member that may be absent (it then takes its default), but not null.
    pub const fn optional(name: &'static str, shape: Shape) -> Member {
        Member {
            name,
            shape,
            required: false,
            nullable: false,
        }
    }

    /// A member that may be absent or null.
    pub const fn nullable(name: &'static str, shape: Shape) -> Member {
        Member {
            name,
            shape,
            required: false,
            nullable: true,
        }
    }
}

/// `path.member`, or `member` at the root.
pub fn join(path: &str, member: &str) -> String {
    if path.is_empty() {
        member.to_owned()
    } else {
        format!("{path}.{member}")
    }
}

/// `path[index]`.
pub fn index(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

/// The name of the root in error paths: the request body.
fn shown(path: &str) -> String {
    if path.is_empty() {
        "body".to_owned()
    } else {
        path.to_owned()
    }
}

/// Appends to `errors` every way `value` (at `path`) does not have `shape`.
pub fn check(value: &Value, shape: &Shape, path: &str, errors: &mut Vec<FieldError>) {
    let wrong =
        |expected: &str| FieldError::new(shown(path), "wrong_type", format!("must be {expected}"));
    match shape {
        Shape::Text => {
            if !value.is_string() {
                errors.push(wrong("a string"));
            }
        }
        Shape::Integer => {
            if value.as_i64().is_none() {
                if value.is_u64() {
                    errors.push(FieldError::new(
                        shown(path),
                        "out_of_range",
                        "is far too large",
                    ));
                } else {
                    errors.push(wrong("an integer"));
                }
            }
        }
        Shape::Number => {
            if !value.is_number() {
                errors.push(wrong("a number"));
            }
        }
        Shape::Bool => {
            if !value.is_boolean() {
                errors.push(wrong("true or false"));
            }
        }
        Shape::OneOf(names) => match value.as_str() {
            Some(text) if names.contains(&text) => {}
            Some(_) => errors.push(FieldError::new(
                shown(path),
                "unknown_value",
                format!("must be one of: {}", names.join(", ")),
            )),
            None => errors.push(wrong(&format!("a string, one of: {}", names.join(", ")))),
        },
        Shape::List(item) => match value.as_array() {
            Some(items) => {
                for (i, v) in items.iter().enumerate() {
                    check(v, item, &index(path, i), errors);
                }
            }
            None => errors.push(wrong("a list")),
        },
        Shape::Object(members) => {
            let Some(object) = value.as_object() else {
                errors.push(wrong("an object"));
                return;
            };
            for name in object.keys() {
                if !members.iter().any(|m| m.name == name) {
                    errors.push(FieldError::new(
                        join(path, name),
                        "unknown_field",
                        "is not a member of this object",
                    ));
                }
            }
            for member in *members {
                let member_path = join(path, member.name);
                match object.get(member.name) {
                    None | Some(Value::Null) if member.required => {
                        errors.push(FieldError::new(member_path, "required", "is required"));
                    }
                    None => {}
                    Some(Value::Null) if member.nullable => {}
                    Some(Value::Null) => errors.push(FieldError::new(
                        member_path,
                        "wrong_type",
                        "may be omitted but not null",
                    )),
                    Some(v) => check(v, &member.shape, &member_path, errors),
                }
            }
        }
    }
}

/// `value` made to fit `shape`: unknown members dropped, a missing required member or a value
/// of the wrong type replaced by a neutral one (`""`, `0`, `false`, the first name, `[]`, an
/// object of neutral members). Serde accepts the result, so the rules of a definition can be
/// checked even when its structure is broken, and every error reported at once; errors the
/// neutral values cause are at paths [`check`] already reported, and are dropped.
pub fn repair(value: &Value, shape: &Shape) -> Value {
    match shape {
        Shape::Text => match value {
            Value::String(_) => value.clone(),
            _ => Value::String(String::new()),
        },
        Shape::Integer => match value.as_i64() {
            Some(_) => value.clone(),
            None => Value::from(0),
        },
        Shape::Number => match value {
            Value::Number(_) => value.clone(),
            _ => Value::from(0),
        },
        Shape::Bool => match value {
            Value::Bool(_) => value.clone(),
            _ => Value::Bool(false),
        },
        Shape::OneOf(names) => match value.as_str() {
            Some(text) if names.contains(&text) => value.clone(),
            _ => Value::String(names.first().copied().unwrap_or_default().to_owned()),
        },
        Shape::List(item) => match value.as_array() {
            Some(items) => Value::Array(items.iter().map(|v| repair(v, item)).collect()),
            None => Value::Array(Vec::new()),
        },
        Shape::Object(members) => {
            let empty = serde_json::Map::new();
            let object = value.as_object().unwrap_or(&empty);
            let mut out = serde_json::Map::new();
            for member in *members {
                match object.get(member.name) {
                    Some(Value::Null) if member.nullable => {
                        out.insert(member.name.to_owned(), Value::Null);
                    }
                    None | Some(Value::Null) if !member.required => {}
                    Some(v) => {
                        out.insert(member.name.to_owned(), repair(v, &member.shape));
                    }
                    None => {
                        out.insert(member.name.to_owned(), repair(&Value::Null, &member.shape));
                    }
                }
            }
            Value::Object(out)
        }
    }
}

/// Whether `field` is `broken` or inside it (`a.b` is inside `a`, so is `a[0]`).
pub fn is_within(field: &str, broken: &str) -> bool {
    if broken.is_empty() {
        return true; // the root
    }
    match field.strip_prefix(broken) {
        Some(rest) => rest.is_empty() || rest.starts_with('.') || rest.starts_with('['),
        None => false,
    }
}

/// Checks `value` against `shape` and, when it has no structural error, deserialises it into
/// `T` (whose serde shape must agree: `deny_unknown_fields`, same member names): a 400 listing
/// every structural error otherwise.
pub fn decode<T: DeserializeOwned>(value: Value, shape: &Shape) -> Result<T, ApiError> {
    let mut errors = Vec::new();
    check(&value, shape, "", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::BadRequest { errors });
    }
    serde_json::from_value(value)
        .map_err(|error| ApiError::field("body", "invalid", error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const POINT: Shape = Shape::Object(&[
        Member::required("x", Shape::Integer),
        Member::optional("label", Shape::Text),
        Member::nullable("weight", Shape::Number),
        Member::optional("kind", Shape::OneOf(&["a", "b"])),
        Member::optional("tags", Shape::List(&Shape::Text)),
        Member::optional("on", Shape::Bool),
    ]);

    fn errors(value: Value) -> Vec<(String, String)> {
        let mut errors = Vec::new();
        check(&value, &POINT, "", &mut errors);
        errors
            .into_iter()
            .map(|e| (e.field.unwrap_or_default(), e.code))
            .collect()
    }

    fn pair(field: &str, code: &str) -> (String, String) {
        (field.to_owned(), code.to_owned())
    }

    #[test]
    fn a_value_of_the_shape_has_no_error() {
        assert!(errors(
            json!({"x": 1, "label": "p", "weight": 2.5, "kind": "a", "tags": ["t"], "on": true})
        )
        .is_empty());
        assert!(errors(json!({"x": -3, "weight": null})).is_empty());
    }

    #[test]
    fn every_structural_error_is_listed_with_its_path() {
        let found = errors(
            json!({"label": 3, "weight": "heavy", "kind": "c", "tags": ["ok", 2, null], "on": "yes", "colour": "red"}),
        );
        assert_eq!(
            found,
            vec![
                pair("colour", "unknown_field"),
                pair("x", "required"),
                pair("label", "wrong_type"),
                pair("weight", "wrong_type"),
                pair("kind", "unknown_value"),
                pair("tags[1]", "wrong_type"),
                pair("tags[2]", "wrong_type"),
                pair("on", "wrong_type"),
            ]
        );
    }

    #[test]
    fn an_optional_member_may_be_omitted_but_not_null_unless_nullable() {
        assert_eq!(
            errors(json!({"x": 1, "label": null})),
            vec![pair("label", "wrong_type")]
        );
        assert_eq!(errors(json!({"x": null})), vec![pair("x", "required")]);
    }

    #[test]
    fn fractions_are_not_integers_and_huge_integers_are_out_of_range() {
        assert_eq!(errors(json!({"x": 1.5})), vec![pair("x", "wrong_type")]);
        assert_eq!(
            errors(json!({"x": u64::MAX})),
            vec![pair("x", "out_of_range")]
        );
    }

    #[test]
    fn a_root_of_the_wrong_type_is_reported_on_the_body() {
        assert_eq!(errors(json!([1])), vec![pair("body", "wrong_type")]);
    }

    #[test]
    fn a_repaired_value_has_the_shape_and_keeps_what_was_right() {
        let broken =
            json!({"label": 3, "weight": null, "kind": "c", "tags": ["ok", 2], "colour": "red"});
        let repaired = repair(&broken, &POINT);
        assert_eq!(
            repaired,
            json!({"x": 0, "label": "", "weight": null, "kind": "a", "tags": ["ok", ""]})
        );
        let mut errors = Vec::new();
        check(&repaired, &POINT, "", &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(repair(&json!("nope"), &POINT), json!({"x": 0}));
    }

    #[test]
    fn a_path_is_within_itself_and_its_ancestors_only() {
        assert!(is_within("form.fields[2].code", "form.fields[2]"));
        assert!(is_within("form.fields[2].code", "form.fields"));
        assert!(is_within("form", "form"));
        assert!(!is_within("form.fields[22]", "form.fields[2]"));
        assert!(!is_within("formula", "form"));
        assert!(is_within("form", ""), "everything is within the root");
    }

    #[test]
    fn paths_join_members_and_indexes() {
        assert_eq!(join("", "form"), "form");
        assert_eq!(
            join(&index("form.fields", 2), "code"),
            "form.fields[2].code"
        );
    }
}
