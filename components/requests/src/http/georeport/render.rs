//! Open311 documents in JSON or XML from one description ([`Node`]), so that the two always
//! carry the same content, members in the specification's order: JSON is a plain value; XML
//! names the root element and each list's items (`<service_requests><request>…`), with every
//! text escaped.

use guichet_guest::markup::escape;
use guichet_guest::open311::Format;
use guichet_guest::response;
use serde_json::{Map, Value};
use spin_sdk::http::Response;

pub const JSON_TYPE: &str = "application/json; charset=utf-8";
pub const XML_TYPE: &str = "text/xml; charset=utf-8";
const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>";

/// A document: JSON values whose objects keep their members' order.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// JSON `null`, an empty XML element.
    Null,
    Number(serde_json::Number),
    Text(String),
    List(Vec<Node>),
    Object(Vec<(&'static str, Node)>),
}

impl Node {
    /// Text, or `Null` when there is none.
    pub fn text(value: Option<impl Into<String>>) -> Node {
        value.map_or(Node::Null, |v| Node::Text(v.into()))
    }

    /// A number, or `Null` when there is none (or it is not finite).
    pub fn float(value: Option<f64>) -> Node {
        value
            .and_then(serde_json::Number::from_f64)
            .map_or(Node::Null, Node::Number)
    }

    /// The JSON value.
    pub fn json(&self) -> Value {
        match self {
            Node::Null => Value::Null,
            Node::Number(n) => Value::Number(n.clone()),
            Node::Text(s) => Value::String(s.clone()),
            Node::List(items) => Value::Array(items.iter().map(Node::json).collect()),
            Node::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|(name, node)| ((*name).to_owned(), node.json()))
                    .collect::<Map<String, Value>>(),
            ),
        }
    }

    fn write_xml(&self, out: &mut String, name: &str) {
        out.push('<');
        out.push_str(name);
        out.push('>');
        match self {
            Node::Null => {}
            Node::Number(n) => out.push_str(&n.to_string()),
            Node::Text(s) => out.push_str(&escape(s)),
            Node::List(items) => {
                let item = item_name(name);
                for node in items {
                    node.write_xml(out, item);
                }
            }
            Node::Object(members) => {
                for (member, node) in members {
                    node.write_xml(out, member);
                }
            }
        }
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }

    /// The XML document whose root element is `root`.
    pub fn xml(&self, root: &str) -> String {
        let mut out = String::from(XML_DECLARATION);
        self.write_xml(&mut out, root);
        out
    }
}

/// The element name of one item of the list element `list`.
fn item_name(list: &str) -> &'static str {
    match list {
        "service_requests" => "request",
        "service_request_updates" => "request_update",
        "errors" => "error",
        "endpoints" => "endpoint",
        "formats" => "format",
        "notes" => "note",
        _ => "item",
    }
}

/// The response carrying `node` in `format` (`root` names the XML root element); never
/// cached, since requests change.
pub fn document(format: Format, status: u16, root: &str, node: &Node) -> Response {
    let (content_type, body) = match format {
        Format::Json => (JSON_TYPE, node.json().to_string()),
        Format::Xml => (XML_TYPE, node.xml(root)),
    };
    response::with_type(status, content_type, body.into_bytes(), true)
}

/// An Open311 error response (the one error body of the catalogue's and requests' Open311
/// code).
pub use guichet_guest::open311::errors;

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_name_their_items_and_objects_keep_their_order() {
        let node = Node::List(vec![Node::Object(vec![
            ("service_request_id", Node::Text("2026-000001".into())),
            ("lat", Node::float(Some(48.5))),
            ("service_notice", Node::Null),
            (
                "notes",
                Node::List(vec![Node::Object(vec![
                    ("type", Node::Text("status".into())),
                    ("description", Node::Text("a < b & c".into())),
                ])]),
            ),
        ])]);
        assert_eq!(
            node.xml("service_requests"),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><service_requests><request>\
             <service_request_id>2026-000001</service_request_id><lat>48.5</lat>\
             <service_notice></service_notice><notes><note><type>status</type>\
             <description>a &lt; b &amp; c</description></note></notes></request></service_requests>"
        );
        assert_eq!(
            node.json(),
            json!([{"service_request_id": "2026-000001", "lat": 48.5, "service_notice": null,
                "notes": [{"type": "status", "description": "a < b & c"}]}])
        );
    }

    #[test]
    fn several_errors_are_several_error_elements() {
        let response = errors(Format::Xml, 400, &["one".into(), "two <x>".into()]);
        let body = String::from_utf8_lossy(response.body()).into_owned();
        assert!(
            body.ends_with(
                "<errors><error><code>400</code><description>one</description></error>\
                 <error><code>400</code><description>two &lt;x&gt;</description></error></errors>"
            ),
            "{body}"
        );
        let json = errors(Format::Json, 403, &["no key".into()]);
        let value: Value = serde_json::from_slice(json.body()).unwrap_or_default();
        assert_eq!(value, json!([{"code": 403, "description": "no key"}]));
    }
}
