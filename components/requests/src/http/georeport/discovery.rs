//! `GET discovery.{fmt}`: how a client app finds this endpoint and how to get a key.
//! `changeset` is when Guichet's Open311 interface last changed (clients re-read services
//! and definitions after it); the endpoint's URL is the base URL the client called, so each
//! commune (each host name) describes itself.

use spin_sdk::http::Response;

use super::render::{self, Node};
use super::{Call, Refusal};

/// When Guichet's Open311 interface last changed.
const CHANGESET: &str = "2026-12-01T00:00:00Z";
const SPECIFICATION: &str = "http://wiki.open311.org/GeoReport_v2";

pub fn show(call: &Call<'_>) -> Result<Response, Refusal> {
    let lang = call.lang()?;
    let name = &call.info.name;
    let base = &call.base_url;
    let (contact, key_service) = if lang == "en" {
        (
            format!("{name}, through its online services at {base}/"),
            format!(
                "API keys for filing requests are issued by the administrators of {name} \
                 (ask through {base}/)."
            ),
        )
    } else {
        (
            format!("{name}, via ses démarches en ligne sur {base}/"),
            format!(
                "Les clés d'API pour déposer des demandes sont délivrées par les administrateurs \
                 de {name} (à demander sur {base}/)."
            ),
        )
    };
    let endpoint = Node::Object(vec![
        ("specification", Node::Text(SPECIFICATION.into())),
        ("url", Node::Text(format!("{base}/open311/v2"))),
        ("changeset", Node::Text(CHANGESET.into())),
        ("type", Node::Text("production".into())),
        (
            "formats",
            Node::List(vec![
                Node::Text(
                    render::XML_TYPE
                        .split(';')
                        .next()
                        .unwrap_or("text/xml")
                        .into(),
                ),
                Node::Text(
                    render::JSON_TYPE
                        .split(';')
                        .next()
                        .unwrap_or("application/json")
                        .into(),
                ),
            ]),
        ),
    ]);
    let document = Node::Object(vec![
        ("changeset", Node::Text(CHANGESET.into())),
        ("contact", Node::Text(contact)),
        ("key_service", Node::Text(key_service)),
        ("endpoints", Node::List(vec![endpoint])),
    ]);
    Ok(render::document(call.format, 200, "discovery", &document))
}
