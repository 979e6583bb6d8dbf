//! Open311 GeoReport v2 refusals and their error bodies.
//!
//! Open311 clients expect its own error format rather than Guichet's: a list of
//! `{"code":N,"description":".."}` in JSON, `<errors><error>…</error></errors>` in XML, the
//! format chosen by the `.json`/`.xml` suffix of the path (JSON when there is none), with the
//! content types the specification names (`application/json; charset=utf-8`,
//! `text/xml; charset=utf-8`).

use serde_json::json;
use spin_sdk::http::Response;

use crate::tenant::Host;
use crate::{markup, response, ApiError};

/// Why an Open311 call is refused: a status with one description per problem (each one
/// `error` of the body), or an internal failure (500 "internal error"; the details are
/// logged, never shown). The catalogue's and requests' Open311 handlers both answer with it.
#[derive(Debug)]
pub enum Refusal {
    /// An HTTP status (also each error's `code`) and one description per problem.
    Status(u16, Vec<String>),
    /// Anything else.
    Internal(anyhow::Error),
}

impl Refusal {
    /// `status` with one description.
    pub fn one(status: u16, description: impl Into<String>) -> Refusal {
        Refusal::Status(status, vec![description.into()])
    }

    /// 400 with every problem found.
    pub fn bad(descriptions: Vec<String>) -> Refusal {
        Refusal::Status(400, descriptions)
    }

    /// 403: a missing, unknown or revoked `api_key`.
    pub fn key(description: &str) -> Refusal {
        Refusal::one(403, description)
    }
}

impl From<anyhow::Error> for Refusal {
    fn from(error: anyhow::Error) -> Self {
        Refusal::Internal(error)
    }
}

/// A failure of the shared code (resolving the commune, opening the database, reading the
/// caller), said the Open311 way: its status, one description per field error.
impl From<ApiError> for Refusal {
    fn from(error: ApiError) -> Self {
        match error {
            ApiError::Internal(error) => Refusal::Internal(error),
            other => Refusal::Status(
                other.status(),
                other.errors().into_iter().map(|e| e.message).collect(),
            ),
        }
    }
}

/// The representation an Open311 path asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.json` or no suffix.
    Json,
    /// `.xml`.
    Xml,
}

impl Format {
    /// `path` without its `.json` or `.xml` suffix, and the format it names; `None` without
    /// one of them (the resources of the catalogue and of requests all need their suffix).
    pub fn split(path: &str) -> Option<(&str, Format)> {
        if let Some(stem) = path.strip_suffix(".json") {
            Some((stem, Format::Json))
        } else {
            path.strip_suffix(".xml").map(|stem| (stem, Format::Xml))
        }
    }

    /// The format requested by `path`'s suffix.
    pub fn of_path(path: &str) -> Self {
        if path.ends_with(".xml") {
            Self::Xml
        } else {
            Self::Json
        }
    }
}

/// An Open311 error response with `status` as both HTTP status and error code.
pub fn error(format: Format, status: u16, description: &str) -> Response {
    errors(format, status, &[description.to_owned()])
}

/// An Open311 error response with one error per description, `status` as both HTTP status and
/// each error's code.
pub fn errors(format: Format, status: u16, descriptions: &[String]) -> Response {
    match format {
        Format::Json => {
            let list: Vec<_> = descriptions
                .iter()
                .map(|description| json!({"code": status, "description": description}))
                .collect();
            let body = serde_json::Value::Array(list).to_string();
            response::with_type(
                status,
                "application/json; charset=utf-8",
                body.into_bytes(),
                true,
            )
        }
        Format::Xml => {
            let list: String = descriptions
                .iter()
                .map(|description| {
                    format!(
                        "<error><code>{status}</code><description>{}</description></error>",
                        markup::escape(description)
                    )
                })
                .collect();
            let body = format!("<?xml version=\"1.0\" encoding=\"utf-8\"?><errors>{list}</errors>");
            response::with_type(status, "text/xml; charset=utf-8", body.into_bytes(), true)
        }
    }
}

/// The 404 answer for an Open311 path Guichet does not serve (yet).
pub fn not_found(path: &str) -> Response {
    error(Format::of_path(path), 404, "no such Open311 resource")
}

/// Whether the Open311 `jurisdiction_id` names this commune: its id, or `host`, the host name
/// the client called (written with or without a port, in any case).
pub fn is_jurisdiction(jurisdiction: &str, commune: &str, host: &Host) -> bool {
    if jurisdiction == commune {
        return true;
    }
    let name = match jurisdiction.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => jurisdiction,
    };
    Host::parse(name).is_ok_and(|name| name == *host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resource_names_its_format_by_its_suffix_or_is_none() {
        assert_eq!(
            Format::split("services.json"),
            Some(("services", Format::Json))
        );
        assert_eq!(
            Format::split("requests/1.xml"),
            Some(("requests/1", Format::Xml))
        );
        assert_eq!(Format::split("services"), None);
        assert_eq!(Format::split("services.html"), None);
    }

    fn body(response: &Response) -> String {
        String::from_utf8_lossy(response.body()).into_owned()
    }

    #[test]
    fn an_xml_suffix_asks_for_xml_and_anything_else_for_json() {
        assert_eq!(Format::of_path("/open311/v2/services.xml"), Format::Xml);
        assert_eq!(Format::of_path("/open311/v2/services.json"), Format::Json);
        assert_eq!(Format::of_path("/open311/v2/services/abc"), Format::Json);
    }

    #[test]
    fn a_json_not_found_is_a_list_of_code_and_description() {
        let response = not_found("/open311/v2/requests.json");
        assert_eq!(*response.status(), 404);
        let value: serde_json::Value = serde_json::from_str(&body(&response)).unwrap_or_default();
        assert_eq!(
            value,
            json!([{"code":404,"description":"no such Open311 resource"}])
        );
    }

    #[test]
    fn an_xml_not_found_is_an_errors_document() {
        let response = not_found("/open311/v2/services.xml");
        assert!(body(&response).ends_with(
            "<errors><error><code>404</code><description>no such Open311 resource</description></error></errors>"
        ));
        assert_eq!(
            response.header("content-type").and_then(|v| v.as_str()),
            Some("text/xml; charset=utf-8")
        );
    }

    #[test]
    fn json_errors_declare_utf8() {
        let response = not_found("/open311/v2/services.json");
        let content_type = response.header("content-type").and_then(|v| v.as_str());
        assert_eq!(content_type, Some("application/json; charset=utf-8"));
    }
}
