//! The catalogue as Open311 GeoReport v2 services (`docs/OPEN311.md`).
//!
//! - `GET /open311/v2/services.{json,xml}`: every published service: `service_code`,
//!   `service_name`, `description`, `metadata` (true when its form has fields), `type`,
//!   `keywords` (comma-separated), `group` (the group's name in the language).
//! - `GET /open311/v2/services/{service_code}.{json,xml}`: its definition, `service_code` and
//!   `attributes` (one per form field, by `order`).
//!
//! The commune is the one the request is addressed to (its host name, resolved by identity:
//! [`guichet_guest::tenant`]); a host name no commune is served at is a 404.
//!
//! Parameters: `lang` (`fr`, the default, or `en`) and `jurisdiction_id`. Absent or empty,
//! `jurisdiction_id` is this commune; otherwise it must be the commune's id (`demo`) or the
//! host name the client called, with or without its port (the spec suggests the
//! jurisdiction's domain), else 404: the host name chooses the commune, `jurisdiction_id` can
//! only confirm it. Errors are Open311 errors (`[{code, description}]` or `<errors>`); 400
//! for a bad parameter or method, 404 for an unknown service, jurisdiction or commune.
//!
//! Guichet's datatypes beyond Open311's six are sent as the closest Open311 datatype, with a
//! `datatype_description` saying what is expected (unless the field has its own help text):
//!
//! | Guichet | Open311 |
//! |---|---|
//! | `string`, `number`, `datetime`, `text`, `singlevaluelist`, `multivaluelist` | the same |
//! | `email`, `phone`, `file` (its URL), `location` (`latitude,longitude`) | `string` |
//! | `date` | `datetime` |
//! | `checkbox` | `singlevaluelist` with values `true` and `false` |
//! | `consent` | `singlevaluelist` with the single value `true` |

use guichet_guest::context::Ctx;
use guichet_guest::codes::ServiceCode;
use guichet_guest::markup::escape;
use guichet_guest::open311::{self, is_jurisdiction, Format};
use guichet_guest::query::Query;
use guichet_guest::tenant;
use guichet_guest::open311::Refusal;
use guichet_guest::response;
use serde_json::{json, Map, Value};
use spin_sdk::http::{Method, Request, Response};

use crate::model::{Datatype, Field, Lang, ServiceDefinition};
use crate::public::{lang_of, sorted, MAX_AGE};
use crate::store::Store;
use crate::groups;

const PREFIX: &str = "/open311/v2/";
const JSON_TYPE: &str = "application/json; charset=utf-8";
const XML_TYPE: &str = "text/xml; charset=utf-8";
const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>";

/// A service in the Open311 list.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceItem {
    pub code: String,
    pub name: String,
    pub description: String,
    pub metadata: bool,
    pub kind: &'static str,
    pub keywords: String,
    pub group: String,
}

/// One attribute of an Open311 service definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub code: String,
    pub datatype: &'static str,
    pub required: bool,
    pub datatype_description: Option<String>,
    pub order: i64,
    pub description: String,
    /// (key, name) of list datatypes; empty for the others.
    pub values: Vec<(String, String)>,
}

/// What an Open311 path under `/open311/v2/` names, if the catalogue serves it.
#[derive(Debug, PartialEq, Eq)]
enum Resource<'p> {
    Services(Format),
    Definition(&'p str, Format),
}

fn resource(path: &str) -> Option<Resource<'_>> {
    let rest = path.strip_prefix(PREFIX)?;
    let (stem, format) = Format::split(rest)?;
    if stem == "services" {
        return Some(Resource::Services(format));
    }
    let code = stem.strip_prefix("services/")?;
    (!code.is_empty() && !code.contains('/')).then_some(Resource::Definition(code, format))
}

/// The answer to any request below `/open311/v2/` routed to the catalogue.
pub async fn respond(req: &Request) -> Response {
    let path = req.path();
    let Some(resource) = resource(path) else {
        return open311::not_found(path);
    };
    let format = match resource {
        Resource::Services(format) | Resource::Definition(_, format) => format,
    };
    if !matches!(req.method(), Method::Get) {
        return open311::error(format, 400, "only GET is allowed on this resource");
    }
    match answer(req, &resource).await {
        Ok(response) => response,
        Err(Refusal::Status(status, descriptions)) => open311::errors(format, status, &descriptions),
        Err(Refusal::Internal(error)) => {
            eprintln!("internal error: {error:#}");
            open311::error(format, 500, "internal error")
        }
    }
}

async fn answer(req: &Request, resource: &Resource<'_>) -> Result<Response, Refusal> {
    let ctx: Ctx<'_> = Ctx::for_request(req, crate::DATABASE, &crate::schema::migrations()).await?;
    let commune = ctx.commune().clone();
    let query = Query::of(req);
    let lang = lang_of(&query).map_err(|_| Refusal::one(400, "lang must be fr or en"))?;
    if let Some(jurisdiction) = query.non_empty("jurisdiction_id") {
        let host = tenant::request_host(req)?;
        if !is_jurisdiction(jurisdiction, commune.as_str(), &host) {
            return Err(Refusal::one(
                404,
                format!("unknown jurisdiction_id {jurisdiction:?}"),
            ));
        }
    }
    match resource {
        Resource::Services(format) => {
            let store = Store::new(ctx.conn(), commune)?;
            let items: Vec<ServiceItem> = sorted(store.all_published()?, lang)
                .iter()
                .map(|p| service_item(&p.definition, lang))
                .collect();
            Ok(match format {
                Format::Json => cached(req, JSON_TYPE, services_json(&items)),
                Format::Xml => cached(req, XML_TYPE, services_xml(&items)),
            })
        }
        Resource::Definition(code, format) => {
            let unknown = || Refusal::one(404, format!("no service with the code {code:?}"));
            if ServiceCode::parse(code).is_err() {
                return Err(unknown());
            }
            let store = Store::new(ctx.conn(), commune)?;
            let published = store.published(code)?.ok_or_else(unknown)?;
            let attributes = attributes(&published.definition, lang);
            Ok(match format {
                Format::Json => cached(req, JSON_TYPE, definition_json(code, &attributes)),
                Format::Xml => cached(req, XML_TYPE, definition_xml(code, &attributes)),
            })
        }
    }
}

fn cached(req: &Request, content_type: &str, body: String) -> Response {
    response::cacheable(req, content_type, body.into_bytes(), MAX_AGE)
}

/// A published definition as an Open311 service.
pub fn service_item(definition: &ServiceDefinition, lang: Lang) -> ServiceItem {
    ServiceItem {
        code: definition.code.clone(),
        name: definition.name.get(lang).clone(),
        description: definition.description.get(lang).clone(),
        metadata: !definition.form.fields.is_empty(),
        kind: definition.open311_type.as_str(),
        keywords: definition.keywords.get(lang).join(", "),
        group: groups::name(&definition.group, lang),
    }
}

/// The Open311 attributes of a definition's form, by order.
pub fn attributes(definition: &ServiceDefinition, lang: Lang) -> Vec<Attribute> {
    let mut fields: Vec<&Field> = definition.form.fields.iter().collect();
    fields.sort_by_key(|f| f.order);
    fields.into_iter().map(|f| attribute(f, lang)).collect()
}

fn attribute(field: &Field, lang: Lang) -> Attribute {
    let fr = lang == Lang::Fr;
    let text = |fr_text: &str, en_text: &str| {
        if fr {
            fr_text.to_owned()
        } else {
            en_text.to_owned()
        }
    };
    let (datatype, hint, values): (&'static str, Option<String>, Vec<(String, String)>) =
        match field.datatype {
            Datatype::String => ("string", None, Vec::new()),
            Datatype::Number => ("number", None, Vec::new()),
            Datatype::Datetime => ("datetime", None, Vec::new()),
            Datatype::Text => ("text", None, Vec::new()),
            Datatype::Singlevaluelist | Datatype::Multivaluelist => {
                let values = field
                    .rules
                    .values
                    .iter()
                    .flatten()
                    .map(|v| (v.key.clone(), v.name.get(lang).clone()))
                    .collect();
                let name = if field.datatype == Datatype::Singlevaluelist {
                    "singlevaluelist"
                } else {
                    "multivaluelist"
                };
                (name, None, values)
            }
            Datatype::Email => (
                "string",
                Some(text("Une adresse e-mail.", "An email address.")),
                Vec::new(),
            ),
            Datatype::Phone => (
                "string",
                Some(text("Un numéro de téléphone.", "A telephone number.")),
                Vec::new(),
            ),
            Datatype::File => (
                "string",
                Some(text(
                    "Un fichier, donné par son adresse (URL).",
                    "A file, given as its URL.",
                )),
                Vec::new(),
            ),
            Datatype::Location => (
                "string",
                Some(text(
                    "Un lieu : latitude,longitude (WGS84).",
                    "A location: latitude,longitude (WGS84).",
                )),
                Vec::new(),
            ),
            Datatype::Date => (
                "datetime",
                Some(text("Une date (AAAA-MM-JJ).", "A date (YYYY-MM-DD).")),
                Vec::new(),
            ),
            Datatype::Checkbox => (
                "singlevaluelist",
                Some(text("Oui ou non.", "Yes or no.")),
                vec![
                    ("true".into(), text("Oui", "Yes")),
                    ("false".into(), text("Non", "No")),
                ],
            ),
            Datatype::Consent => (
                "singlevaluelist",
                Some(text("Votre accord.", "Your consent.")),
                vec![("true".into(), text("J'accepte", "I agree"))],
            ),
        };
    Attribute {
        code: field.code.clone(),
        datatype,
        required: field.required,
        datatype_description: field.help.as_ref().map(|h| h.get(lang).clone()).or(hint),
        order: field.order,
        description: field.label.get(lang).clone(),
        values,
    }
}

/// `GET services.json`: a top-level array.
pub fn services_json(items: &[ServiceItem]) -> String {
    let list: Vec<Value> = items
        .iter()
        .map(|item| {
            json!({
                "service_code": item.code,
                "service_name": item.name,
                "description": item.description,
                "metadata": item.metadata,
                "type": item.kind,
                "keywords": item.keywords,
                "group": item.group,
            })
        })
        .collect();
    Value::Array(list).to_string()
}

/// `GET services.xml`: `<services><service>…</service></services>`.
pub fn services_xml(items: &[ServiceItem]) -> String {
    let mut out = String::from(XML_DECLARATION);
    out.push_str("<services>");
    for item in items {
        out.push_str("<service>");
        element(&mut out, "service_code", &item.code);
        element(&mut out, "service_name", &item.name);
        element(&mut out, "description", &item.description);
        element(&mut out, "metadata", bool_text(item.metadata));
        element(&mut out, "type", item.kind);
        element(&mut out, "keywords", &item.keywords);
        element(&mut out, "group", &item.group);
        out.push_str("</service>");
    }
    out.push_str("</services>");
    out
}

/// `GET services/{code}.json`: `{"service_code", "attributes": [...]}`, the object the
/// specification shows (the JSON mirror of `<service_definition>`).
pub fn definition_json(code: &str, attributes: &[Attribute]) -> String {
    let list: Vec<Value> = attributes
        .iter()
        .map(|a| {
            let mut item = Map::new();
            item.insert("variable".into(), json!(true));
            item.insert("code".into(), json!(a.code));
            item.insert("datatype".into(), json!(a.datatype));
            item.insert("required".into(), json!(a.required));
            item.insert("datatype_description".into(), json!(a.datatype_description));
            item.insert("order".into(), json!(a.order));
            item.insert("description".into(), json!(a.description));
            if !a.values.is_empty() {
                let values: Vec<Value> = a
                    .values
                    .iter()
                    .map(|(key, name)| json!({"key": key, "name": name}))
                    .collect();
                item.insert("values".into(), Value::Array(values));
            }
            Value::Object(item)
        })
        .collect();
    json!({"service_code": code, "attributes": list}).to_string()
}

/// `GET services/{code}.xml`: `<service_definition>` with `<attributes><attribute>…`.
pub fn definition_xml(code: &str, attributes: &[Attribute]) -> String {
    let mut out = String::from(XML_DECLARATION);
    out.push_str("<service_definition>");
    element(&mut out, "service_code", code);
    out.push_str("<attributes>");
    for a in attributes {
        out.push_str("<attribute>");
        element(&mut out, "variable", "true");
        element(&mut out, "code", &a.code);
        element(&mut out, "datatype", a.datatype);
        element(&mut out, "required", bool_text(a.required));
        element(
            &mut out,
            "datatype_description",
            a.datatype_description.as_deref().unwrap_or(""),
        );
        element(&mut out, "order", &a.order.to_string());
        element(&mut out, "description", &a.description);
        if !a.values.is_empty() {
            out.push_str("<values>");
            for (key, name) in &a.values {
                out.push_str("<value>");
                element(&mut out, "key", key);
                element(&mut out, "name", name);
                out.push_str("</value>");
            }
            out.push_str("</values>");
        }
        out.push_str("</attribute>");
    }
    out.push_str("</attributes></service_definition>");
    out
}

fn element(out: &mut String, name: &str, text: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
    out.push_str(&escape(text));
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn bool_text(value: bool) -> &'static str {
    if value {
        "true"
    } else {
        "false"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::example_definition as full_definition;

    fn definition() -> ServiceDefinition {
        serde_json::from_value(full_definition()).expect("valid")
    }

    #[test]
    fn only_services_and_service_definitions_with_a_format_are_catalogue_resources() {
        assert_eq!(
            resource("/open311/v2/services.json"),
            Some(Resource::Services(Format::Json))
        );
        assert_eq!(
            resource("/open311/v2/services.xml"),
            Some(Resource::Services(Format::Xml))
        );
        assert_eq!(
            resource("/open311/v2/services/dog-licence.xml"),
            Some(Resource::Definition("dog-licence", Format::Xml))
        );
        for path in [
            "/open311/v2/services",
            "/open311/v2/services/.json",
            "/open311/v2/services/a/b.json",
            "/open311/v2/requests.json",
            "/open311/v2/services/x",
        ] {
            assert_eq!(resource(path), None, "{path}");
        }
    }

    #[test]
    fn a_service_is_listed_with_its_keywords_joined_by_commas_and_its_group_name() {
        let item = service_item(&definition(), Lang::En);
        assert_eq!(item.code, "dog-licence");
        assert_eq!(item.name, "Dog licence");
        assert_eq!(item.keywords, "dog, licence");
        assert_eq!(item.group, "Animals");
        assert_eq!(item.kind, "realtime");
        assert!(item.metadata);
    }

    #[test]
    fn guichet_datatypes_map_to_the_closest_open311_datatype() {
        let attributes = attributes(&definition(), Lang::Fr);
        let types: Vec<(&str, &str)> = attributes
            .iter()
            .map(|a| (a.code.as_str(), a.datatype))
            .collect();
        assert_eq!(
            types,
            vec![
                ("breed", "singlevaluelist"),
                ("weight", "number"),
                ("chip", "string"),
                ("owner-email", "string"),
                ("consent", "singlevaluelist"),
            ]
        );
        assert_eq!(
            attributes[3].datatype_description.as_deref(),
            Some("Une adresse e-mail.")
        );
        assert_eq!(
            attributes[4].values,
            vec![("true".to_owned(), "J'accepte".to_owned())]
        );
        assert_eq!(
            attributes[0].datatype_description.as_deref(),
            Some("Voir le certificat")
        );
        assert_eq!(attributes[1].datatype_description, None);
    }

    #[test]
    fn a_checkbox_is_a_list_of_true_and_false() {
        let mut value = full_definition();
        value["form"]["fields"][1] = json!({"code": "agree", "order": 2, "datatype": "checkbox",
            "label": {"fr": "D'accord ?", "en": "Agree?"}});
        let definition: ServiceDefinition = serde_json::from_value(value).expect("valid");
        let attribute = &attributes(&definition, Lang::En)[1];
        assert_eq!(attribute.datatype, "singlevaluelist");
        let keys: Vec<&str> = attribute.values.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, vec!["true", "false"]);
    }

    #[test]
    fn attributes_follow_the_order_of_the_fields() {
        let mut definition = definition();
        definition.form.fields.reverse();
        let orders: Vec<i64> = attributes(&definition, Lang::Fr)
            .iter()
            .map(|a| a.order)
            .collect();
        assert_eq!(orders, vec![1, 2, 3, 4, 5]);
    }

    #[test]
    fn the_json_list_is_a_top_level_array_of_the_open311_members() {
        let json: Value =
            serde_json::from_str(&services_json(&[service_item(&definition(), Lang::Fr)]))
                .expect("json");
        let service = &json[0];
        let mut keys: Vec<&String> = service.as_object().expect("object").keys().collect();
        keys.sort();
        assert_eq!(
            keys,
            vec![
                "description",
                "group",
                "keywords",
                "metadata",
                "service_code",
                "service_name",
                "type"
            ]
        );
        assert_eq!(service["metadata"], json!(true));
    }

    #[test]
    fn the_json_definition_lists_values_only_for_lists_and_null_descriptions() {
        let json: Value = serde_json::from_str(&definition_json(
            "dog-licence",
            &attributes(&definition(), Lang::En),
        ))
        .expect("json");
        assert_eq!(json["service_code"], "dog-licence");
        let first = &json["attributes"][0];
        assert_eq!(first["variable"], json!(true));
        assert_eq!(
            first["values"][0],
            json!({"key": "rottweiler", "name": "Rottweiler"})
        );
        assert_eq!(json["attributes"][1]["datatype_description"], Value::Null);
        assert!(json["attributes"][1].get("values").is_none());
    }

    #[test]
    fn xml_text_is_escaped() {
        let mut item = service_item(&definition(), Lang::Fr);
        item.name = "Chiens & chats <dangereux>".into();
        let xml = services_xml(&[item]);
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><services><service><service_code>dog-licence</service_code>"), "{xml}");
        assert!(
            xml.contains("<service_name>Chiens &amp; chats &lt;dangereux&gt;</service_name>"),
            "{xml}"
        );
        assert!(xml.ends_with("</service></services>"));
    }

    #[test]
    fn the_xml_definition_nests_attributes_and_values() {
        let xml = definition_xml("dog-licence", &attributes(&definition(), Lang::En));
        assert!(xml.contains("<service_definition><service_code>dog-licence</service_code><attributes><attribute><variable>true</variable><code>breed</code><datatype>singlevaluelist</datatype><required>true</required>"), "{xml}");
        assert!(
            xml.contains("<values><value><key>rottweiler</key><name>Rottweiler</name></value>"),
            "{xml}"
        );
        assert!(
            xml.contains("<datatype_description></datatype_description>"),
            "{xml}"
        );
        assert!(xml.ends_with("</attributes></service_definition>"));
    }

    #[test]
    fn the_jurisdiction_is_the_commune_or_the_host_called() {
        let host = |text: &str| guichet_guest::tenant::Host::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let guichet = host("guichet.example.org");
        assert!(is_jurisdiction("demo", "demo", &guichet));
        assert!(is_jurisdiction("guichet.example.org", "demo", &guichet));
        assert!(is_jurisdiction("Guichet.Example.org.", "demo", &guichet));
        assert!(is_jurisdiction("guichet.example.org:443", "demo", &guichet));
        assert!(is_jurisdiction("127.0.0.1", "demo", &host("127.0.0.1")));
        assert!(is_jurisdiction(
            "127.0.0.1:3000",
            "demo",
            &host("127.0.0.1")
        ));
        assert!(is_jurisdiction("[::1]:3000", "demo", &host("[::1]")));
        assert!(!is_jurisdiction("elsewhere.org", "demo", &guichet));
        assert!(!is_jurisdiction("other", "demo", &guichet));
        assert!(!is_jurisdiction("guichet.example.org:x", "demo", &guichet));
    }
}
