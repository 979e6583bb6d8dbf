//! Reading request bodies.

use serde_json::Value;
use spin_sdk::http::Request;

use crate::ApiError;

/// Largest JSON body a component accepts unless it says otherwise: Guichet's JSON requests
/// are forms and events, far below this; anything bigger is a mistake or an attack.
pub const DEFAULT_MAX_JSON: usize = 64 * 1024;

/// The request body as JSON, or a 400 on the field `body`: too large (over `max` bytes), not
/// UTF-8, not JSON, or nested too deeply (serde_json stops at 128 levels).
pub fn json(req: &Request, max: usize) -> Result<Value, ApiError> {
    parse_json(req.body(), max)
}

fn parse_json(body: &[u8], max: usize) -> Result<Value, ApiError> {
    if body.len() > max {
        return Err(ApiError::field(
            "body",
            "too_large",
            format!("the body must be at most {max} bytes"),
        ));
    }
    serde_json::from_slice(body).map_err(|error| {
        ApiError::field(
            "body",
            "invalid_json",
            format!("the body is not JSON: {error}"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(result: Result<Value, ApiError>) -> Option<String> {
        match result {
            Err(ApiError::BadRequest { errors }) => errors.first().map(|e| e.code.clone()),
            _ => None,
        }
    }

    #[test]
    fn a_json_body_is_parsed() {
        assert_eq!(
            parse_json(br#"{"a":1}"#, 100).ok(),
            Some(serde_json::json!({"a":1}))
        );
    }

    #[test]
    fn a_body_over_the_limit_is_refused_before_parsing() {
        assert_eq!(
            code(parse_json(&[b' '; 101], 100)).as_deref(),
            Some("too_large")
        );
    }

    #[test]
    fn invalid_utf8_broken_json_and_deep_nesting_are_invalid_json() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        for body in [&b"\xff\xfe"[..], b"{", b"", deep.as_bytes()] {
            assert_eq!(
                code(parse_json(body, 10_000)).as_deref(),
                Some("invalid_json")
            );
        }
    }
}
