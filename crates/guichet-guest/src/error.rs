//! Every failure a component answers with, and the one mapping to HTTP statuses and bodies.
//!
//! Body shape, whatever the status: `{"errors":[{"field":..,"code":..,"message":..}]}`, where
//! `field` is `null` when the error is not about one input field.

use serde::Serialize;
use spin_sdk::http::{IntoResponse, Response};

use crate::response;

/// One problem with a request, about one input field or about the request as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct FieldError {
    /// The input field (JSON member, path segment or header), `None` for the whole request.
    pub field: Option<String>,
    /// Stable machine-readable code, snake_case.
    pub code: String,
    /// Human-readable explanation, safe to show to the caller.
    pub message: String,
}

impl FieldError {
    /// A problem with the input field `field`.
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: Some(field.into()),
            code: code.into(),
            message: message.into(),
        }
    }

    /// The `(field, code)` pairs of a refused check, in order (empty when it passed): what
    /// tests compare, since messages are prose.
    pub fn codes<T>(result: Result<T, Vec<FieldError>>) -> Vec<(String, String)> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| (e.field.unwrap_or_default(), e.code))
            .collect()
    }

    /// A problem with the request as a whole.
    pub fn general(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: None,
            code: code.into(),
            message: message.into(),
        }
    }
}

/// A failure to answer a request, as the caller sees it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the input is wrong; `errors` says what, field by field.
    #[error("bad request ({} error(s))", errors.len())]
    BadRequest {
        /// Every problem found, not only the first, so that a form can show them all.
        errors: Vec<FieldError>,
    },
    /// 401: no usable credentials. `code` is e.g. `missing_token` or `invalid_token`.
    #[error("unauthorized: {code}")]
    Unauthorized {
        /// Stable machine-readable code.
        code: &'static str,
        /// Explanation safe to show to the caller.
        message: &'static str,
    },
    /// 403: the caller is known but may not do this.
    #[error("forbidden: {message}")]
    Forbidden {
        /// Explanation safe to show to the caller.
        message: &'static str,
    },
    /// 404: no such route or resource.
    #[error("not found")]
    NotFound,
    /// 404 that says why, when "no such resource" is not the whole story (`unknown_commune`:
    /// no commune is served at the host name the request was addressed to).
    #[error("not found: {code}")]
    NotFoundWith {
        /// Stable machine-readable code.
        code: &'static str,
        /// Explanation safe to show to the caller.
        message: &'static str,
    },
    /// 409: the request conflicts with the current state (e.g. creating what already exists).
    #[error("conflict ({} error(s))", errors.len())]
    Conflict {
        /// What conflicts, field by field.
        errors: Vec<FieldError>,
    },
    /// 405: the route exists but not with this method; `allow` is the `Allow` header value.
    #[error("method not allowed (allowed: {allow})")]
    MethodNotAllowed {
        /// Methods the route accepts, comma-separated (`"GET, POST"`).
        allow: &'static str,
    },
    /// 429: too many attempts from this client or on this account; retry after `retry_after`
    /// seconds (the `Retry-After` header).
    #[error("too many requests (retry after {retry_after} s)")]
    TooManyRequests {
        /// Seconds until the caller may try again.
        retry_after: u64,
    },
    /// 500: anything else. The details go to stderr (the host's log), never to the caller.
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl From<FieldError> for ApiError {
    /// A 400 about that one problem.
    fn from(error: FieldError) -> Self {
        Self::BadRequest {
            errors: vec![error],
        }
    }
}

impl ApiError {
    /// A 400 about a single field.
    pub fn field(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::BadRequest {
            errors: vec![FieldError::new(field, code, message)],
        }
    }

    /// A 409 about a single field.
    pub fn conflict(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Conflict {
            errors: vec![FieldError::new(field, code, message)],
        }
    }

    /// The HTTP status of this error: the only place where statuses of errors are decided.
    pub fn status(&self) -> u16 {
        match self {
            Self::BadRequest { .. } => 400,
            Self::Unauthorized { .. } => 401,
            Self::Forbidden { .. } => 403,
            Self::NotFound | Self::NotFoundWith { .. } => 404,
            Self::Conflict { .. } => 409,
            Self::MethodNotAllowed { .. } => 405,
            Self::TooManyRequests { .. } => 429,
            Self::Internal(_) => 500,
        }
    }

    /// The errors listed in the body.
    pub fn errors(&self) -> Vec<FieldError> {
        match self {
            Self::BadRequest { errors } | Self::Conflict { errors } => errors.clone(),
            Self::Unauthorized { code, message } => vec![FieldError::general(*code, *message)],
            Self::Forbidden { message } => vec![FieldError::general("forbidden", *message)],
            Self::NotFound => vec![FieldError::general("not_found", "no such resource")],
            Self::NotFoundWith { code, message } => vec![FieldError::general(*code, *message)],
            Self::MethodNotAllowed { .. } => vec![FieldError::general(
                "method_not_allowed",
                "this resource does not accept this method",
            )],
            Self::TooManyRequests { .. } => vec![FieldError::general(
                "too_many_requests",
                "too many attempts: wait before trying again",
            )],
            Self::Internal(_) => vec![FieldError::general("internal", "internal error")],
        }
    }

    /// The response to send. An internal error is logged here, with its whole context chain.
    pub fn to_response(&self) -> Response {
        if let Self::Internal(error) = self {
            eprintln!("internal error: {error:#}");
        }
        let mut response = response::json(
            self.status(),
            &ErrorBody {
                errors: self.errors(),
            },
        );
        match self {
            Self::Unauthorized { .. } => response.set_header("www-authenticate", "Bearer"),
            Self::MethodNotAllowed { allow } => response.set_header("allow", *allow),
            Self::TooManyRequests { retry_after } => {
                response.set_header("retry-after", retry_after.to_string())
            }
            _ => {}
        }
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.to_response()
    }
}

#[derive(Serialize)]
struct ErrorBody {
    errors: Vec<FieldError>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(error: ApiError) -> serde_json::Value {
        serde_json::from_slice(error.to_response().body()).unwrap_or_default()
    }

    #[test]
    fn each_variant_has_its_own_status() {
        let statuses: Vec<u16> = [
            ApiError::BadRequest { errors: vec![] },
            ApiError::Unauthorized {
                code: "invalid_token",
                message: "m",
            },
            ApiError::Forbidden { message: "m" },
            ApiError::NotFound,
            ApiError::NotFoundWith {
                code: "unknown_commune",
                message: "m",
            },
            ApiError::MethodNotAllowed { allow: "GET" },
            ApiError::conflict("code", "exists", "m"),
            ApiError::TooManyRequests { retry_after: 5 },
            ApiError::Internal(anyhow::anyhow!("boom")),
        ]
        .iter()
        .map(ApiError::status)
        .collect();
        assert_eq!(statuses, [400, 401, 403, 404, 404, 405, 409, 429, 500]);
    }

    #[test]
    fn a_field_error_names_its_field_code_and_message() {
        let json = body(ApiError::field("id", "invalid", "bad id"));
        assert_eq!(
            json,
            serde_json::json!({"errors":[{"field":"id","code":"invalid","message":"bad id"}]})
        );
    }

    #[test]
    fn an_internal_error_never_shows_its_details() {
        let response = ApiError::Internal(anyhow::anyhow!("secret path /var/db")).to_response();
        let text = String::from_utf8_lossy(response.body()).into_owned();
        assert!(!text.contains("secret"), "{text}");
        assert_eq!(*response.status(), 500);
    }

    #[test]
    fn error_responses_are_json_and_not_cached() {
        let response = ApiError::NotFound.to_response();
        let header = |name: &str| {
            response
                .header(name)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        assert_eq!(header("content-type").as_deref(), Some("application/json"));
        assert_eq!(header("cache-control").as_deref(), Some("no-store"));
    }

    #[test]
    fn method_not_allowed_lists_the_allowed_methods() {
        let response = ApiError::MethodNotAllowed { allow: "GET, POST" }.to_response();
        assert_eq!(
            response.header("allow").and_then(|v| v.as_str()),
            Some("GET, POST")
        );
    }

    #[test]
    fn unauthorized_asks_for_a_bearer_token() {
        let response = ApiError::Unauthorized {
            code: "missing_token",
            message: "m",
        }
        .to_response();
        assert_eq!(
            response.header("www-authenticate").and_then(|v| v.as_str()),
            Some("Bearer")
        );
    }
}
