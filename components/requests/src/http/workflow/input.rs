//! Reading the small JSON bodies of the workflow and duplicates routes: an object with known
//! members, every problem reported at once (field by field) before anything is written.

use guichet_guest::text::{self, Lines};
use guichet_guest::{body, ApiError, FieldError};
use serde_json::{Map, Value as Json};
use spin_sdk::http::Request;

/// Longest note, message or reason, in characters.
pub const MAX_TEXT: usize = 5000;
/// Bodies here are a few short members and one text.
const MAX_BODY: usize = 32 * 1024;

/// The body as a JSON object whose members are all among `known` (an empty body counts as
/// `{}`), else a 400 listing every unknown member.
pub fn object(req: &Request, known: &[&str]) -> Result<Map<String, Json>, ApiError> {
    if req.body().iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let Json::Object(map) = body::json(req, MAX_BODY)? else {
        return Err(ApiError::field(
            "body",
            "not_an_object",
            "the body must be a JSON object",
        ));
    };
    let errors: Vec<FieldError> = map
        .keys()
        .filter(|key| !known.contains(&key.as_str()))
        .map(|key| {
            FieldError::new(
                key.as_str(),
                "unknown_field",
                format!("{key} is not a member of this body"),
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(map)
    } else {
        Err(ApiError::BadRequest { errors })
    }
}

/// The text member `name` (1 to [`MAX_TEXT`] characters, not blank); absent or null is
/// `None`, or an error when `required`. Problems are pushed to `errors`.
pub fn text(
    map: &Map<String, Json>,
    name: &str,
    required: bool,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match map.get(name) {
        None | Some(Json::Null) => {
            if required {
                errors.push(FieldError::new(
                    name,
                    "required",
                    format!("{name} is required"),
                ));
            }
            None
        }
        Some(Json::String(s)) => match check_text(s) {
            Ok(text) => Some(text),
            Err((code, message)) => {
                errors.push(FieldError::new(name, code, message));
                None
            }
        },
        Some(_) => {
            errors.push(FieldError::new(
                name,
                "not_a_string",
                format!("{name} must be a string"),
            ));
            None
        }
    }
}

/// `s` as an acceptable note, message or reason (line breaks normalised), or why it is not.
pub fn check_text(s: &str) -> Result<String, (&'static str, String)> {
    if s.trim().is_empty() {
        return Err(("empty", "the text must not be empty".to_owned()));
    }
    if s.chars().count() > MAX_TEXT {
        return Err((
            "too_long",
            format!("the text must be at most {MAX_TEXT} characters"),
        ));
    }
    text::clean(s, Lines::Many).ok_or_else(|| {
        (
            text::CODE,
            "the text must not contain control characters other than line breaks and tabs"
                .to_owned(),
        )
    })
}

/// `Ok` when no error was found, else the 400 that lists them.
pub fn finish(errors: Vec<FieldError>) -> Result<(), ApiError> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::BadRequest { errors })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_must_be_non_blank_short_and_free_of_control_characters() {
        assert!(check_text("Bonjour,\nle trou est rebouché.").is_ok());
        assert_eq!(check_text("  ").map_err(|e| e.0), Err("empty"));
        assert!(check_text(&"é".repeat(MAX_TEXT)).is_ok());
        assert_eq!(
            check_text(&"é".repeat(MAX_TEXT + 1)).map_err(|e| e.0),
            Err("too_long")
        );
        assert_eq!(check_text("a\u{0}b").map_err(|e| e.0), Err(text::CODE));
        assert_eq!(check_text("a\u{202E}b").map_err(|e| e.0), Err(text::CODE));
        assert_eq!(check_text("a\r\nb"), Ok("a\nb".to_owned()));
    }

    #[test]
    fn a_missing_required_text_and_a_wrong_type_are_both_reported() {
        let mut errors = Vec::new();
        let map: Map<String, Json> = serde_json::from_str(r#"{"note": 5}"#).unwrap_or_default();
        assert_eq!(text(&map, "message", true, &mut errors), None);
        assert_eq!(text(&map, "note", false, &mut errors), None);
        let codes: Vec<&str> = errors.iter().map(|e| e.code.as_str()).collect();
        assert_eq!(codes, ["required", "not_a_string"]);
    }
}
