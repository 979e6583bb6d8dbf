//! The catalogue as Open311 GeoReport v2 services, through the real host, checked against
//! the contract (docs/OPEN311.md) and with a third-party client
//! (`georeport` from PyPI) and Python's XML parser.

use crate::catalog_support;

use catalog_support::{definition, simple, Catalog};
use serde_json::{json, Value};

const JSON_TYPE: &str = "application/json; charset=utf-8";
const XML_TYPE: &str = "text/xml; charset=utf-8";

#[test]
fn services_json_is_a_top_level_array_of_the_open311_members() {
    let catalog = Catalog::demo();
    let reply = catalog.get("/open311/v2/services.json");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some(JSON_TYPE));
    let services = reply.json();
    let list = services.as_array().expect("a top-level array");
    assert!(list.len() >= 2, "{services}");
    for service in list {
        let mut keys: Vec<&str> = service.as_object().expect("object").keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["description", "group", "keywords", "metadata", "service_code", "service_name", "type"]);
        for member in ["service_code", "service_name", "description", "keywords", "group"] {
            assert!(service[member].is_string(), "{member} of {service}");
        }
        assert!(service["metadata"].is_boolean(), "{service}");
        assert!(["realtime", "batch", "blackbox"].contains(&service["type"].as_str().unwrap_or("")), "{service}");
    }
    let english = catalog.get("/open311/v2/services.json?lang=en").json();
    assert_eq!(english.as_array().map(Vec::len), Some(list.len()));
    assert_ne!(english, services, "names and descriptions in English");
}

#[test]
fn services_xml_mirrors_the_json_with_text_escaped() {
    let catalog = Catalog::empty();
    let mut tricky = simple("tricky", "other", "Chiens & chats <dangereux>", "Dogs & cats <dangerous>");
    tricky["keywords"] = json!({"fr": ["chien", "l'animal \"perdu\""], "en": ["dog"]});
    catalog.publish_new(&tricky);
    catalog.publish_new(&definition("dog-licence"));

    let json = catalog.get("/open311/v2/services.json").json();
    assert_eq!(json[1]["service_code"], "tricky");
    assert_eq!(json[1]["service_name"], "Chiens & chats <dangereux>");
    assert_eq!(json[1]["keywords"], "chien, l'animal \"perdu\"");
    assert_eq!(json[1]["metadata"], false, "no form fields");
    assert_eq!(json[0]["metadata"], true);
    assert_eq!(json[1]["group"], "Autres démarches", "the group's name");

    let reply = catalog.get("/open311/v2/services.xml");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("content-type"), Some(XML_TYPE));
    let xml = reply.body;
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><services><service>"), "{xml}");
    assert!(xml.ends_with("</service></services>"), "{xml}");
    assert_eq!(xml.matches("<service>").count(), 2);
    assert!(xml.contains("<service_name>Chiens &amp; chats &lt;dangereux&gt;</service_name>"), "{xml}");
    assert!(xml.contains("<keywords>chien, l&#39;animal &quot;perdu&quot;</keywords>"), "{xml}");
    assert!(xml.contains("<metadata>false</metadata><type>batch</type>"), "{xml}");
}

#[test]
fn a_service_definition_lists_every_field_as_an_attribute_in_order_with_open311_datatypes() {
    let catalog = Catalog::empty();
    catalog.publish_new(&definition("dog-licence"));
    let reply = catalog.get("/open311/v2/services/dog-licence.json?lang=en");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some(JSON_TYPE));
    let definition = reply.json();
    assert_eq!(definition["service_code"], "dog-licence");
    let attributes = definition["attributes"].as_array().expect("attributes");
    let summary: Vec<(i64, &str, &str)> = attributes
        .iter()
        .map(|a| (a["order"].as_i64().unwrap_or(0), a["code"].as_str().unwrap_or(""), a["datatype"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        summary,
        vec![
            (1, "breed", "singlevaluelist"),
            (2, "weight", "number"),
            (3, "chip", "string"),
            (4, "notes", "text"),
            (5, "seen-at", "datetime"),
            (6, "colours", "multivaluelist"),
            (7, "email", "string"),
            (8, "phone", "string"),
            (9, "born", "datetime"),
            (10, "photo", "string"),
            (11, "where", "string"),
            (12, "neutered", "singlevaluelist"),
            (13, "consent", "singlevaluelist"),
        ]
    );
    for attribute in attributes {
        assert_eq!(attribute["variable"], true);
        assert!(attribute["required"].is_boolean());
        assert!(attribute["description"].is_string());
        assert!(attribute["datatype_description"].is_string() || attribute["datatype_description"].is_null());
    }
    let breed = &attributes[0];
    assert_eq!(breed["description"], "Breed");
    assert_eq!(breed["required"], true);
    assert_eq!(breed["datatype_description"], "See the certificate");
    assert_eq!(breed["values"], json!([{"key": "001", "name": "Shepherd & co <1>"}, {"key": "other", "name": "Other"}]));
    assert_eq!(attributes[1]["datatype_description"], Value::Null);
    assert_eq!(attributes[6]["datatype_description"], "An email address.");
    assert_eq!(attributes[11]["values"], json!([{"key": "true", "name": "Yes"}, {"key": "false", "name": "No"}]));
    assert_eq!(attributes[12]["values"], json!([{"key": "true", "name": "I agree"}]));
    assert!(attributes[2].get("values").is_none(), "only lists have values");

    let xml = catalog.get("/open311/v2/services/dog-licence.xml");
    assert_eq!(xml.header("content-type"), Some(XML_TYPE));
    let xml = xml.body;
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><service_definition><service_code>dog-licence</service_code><attributes><attribute><variable>true</variable><code>breed</code><datatype>singlevaluelist</datatype><required>true</required>"), "{xml}");
    assert_eq!(xml.matches("<attribute>").count(), 13);
    assert!(xml.contains("<values><value><key>001</key><name>Berger &amp; co &lt;1&gt;</name></value>"), "French by default: {xml}");
    assert!(xml.ends_with("</attribute></attributes></service_definition>"), "{xml}");
}

fn open311_error(reply: &guichet_tests::Reply, status: u16) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some(JSON_TYPE));
    let body = reply.json();
    assert_eq!(body[0]["code"], status, "{body}");
    assert!(body[0]["description"].is_string(), "{body}");
}

#[test]
fn unknown_services_jurisdictions_languages_and_methods_are_open311_errors() {
    let catalog = Catalog::empty();
    catalog.publish_new(&definition("dog-licence"));
    open311_error(&catalog.get("/open311/v2/services/nope.json"), 404);
    open311_error(&catalog.get("/open311/v2/services/dog-licence.json?jurisdiction_id=elsewhere.org"), 404);
    open311_error(&catalog.get("/open311/v2/services.json?lang=de"), 400);
    open311_error(&catalog.host.send("POST", "/open311/v2/services.json", &[], None), 400);
    let xml = catalog.get("/open311/v2/services/nope.xml");
    assert_eq!(xml.status, 404);
    assert_eq!(xml.header("content-type"), Some(XML_TYPE));
    assert!(xml.body.contains("<errors><error><code>404</code><description>"), "{}", xml.body);
    assert_eq!(catalog.get("/open311/v2/services/dog-licence").status, 404, "the format suffix is required");

    // The jurisdiction: empty, the commune's id, or the host the client called.
    let port_host = catalog.host.base.trim_start_matches("http://").to_owned();
    let ip = port_host.split(':').next().unwrap_or("").to_owned();
    for jurisdiction in ["", "ville-test", ip.as_str(), port_host.as_str()] {
        let reply = catalog.get(&format!("/open311/v2/services.json?jurisdiction_id={jurisdiction}"));
        assert_eq!(reply.status, 200, "jurisdiction_id={jurisdiction}: {}", reply.body);
        assert_eq!(reply.json().as_array().map(Vec::len), Some(1));
    }
}

const CLIENT: &str = r#"
import json, sys, urllib.request
import xml.etree.ElementTree as ET
from georeport import GeoReport

base, code, jurisdiction = sys.argv[1], sys.argv[2], sys.argv[3]
endpoint = base + "/open311/v2"
out = {}
client = GeoReport(endpoint)
out["json_services"] = client.get_service_list()
out["json_definition"] = client.get_service_definition(code)
xml_client = GeoReport(endpoint, output_format="xml")
out["xml_services"] = xml_client.get_service_list()
out["xml_definition"] = xml_client.get_service_definition(code)
out["jurisdiction_services"] = GeoReport(endpoint, jurisdiction=jurisdiction).get_service_list()

def etree(path):
    with urllib.request.urlopen(endpoint + path) as response:
        return ET.fromstring(response.read())

services = etree("/services.xml")
out["etree_services"] = [{child.tag: child.text or "" for child in service} for service in services.findall("service")]
definition = etree("/services/" + code + ".xml")
out["etree_definition"] = {
    "root": definition.tag,
    "service_code": definition.findtext("service_code"),
    "attributes": [
        {child.tag: (child.text or "") for child in attribute if child.tag != "values"}
        | {"values": [{v.tag: v.text for v in value} for value in attribute.findall("values/value")]}
        for attribute in definition.findall("attributes/attribute")
    ],
}
print(json.dumps(out))
"#;

#[test]
fn a_third_party_open311_client_reads_services_and_definitions_unchanged() {
    let catalog = Catalog::empty();
    catalog.publish_new(&definition("dog-licence"));
    catalog.publish_new(&simple("tricky", "other", "Chiens & chats <dangereux>", "Dogs & cats"));

    let python = guichet_tests::root().join("target/pyenv/bin/python");
    assert!(python.exists(), "run infra/setup.sh (make test does) to install the Python test tools");
    let run = std::process::Command::new(python)
        .args(["-c", CLIENT, &catalog.host.base, "dog-licence", "ville-test"])
        .output()
        .expect("running python");
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let out: Value = serde_json::from_slice(&run.stdout).expect("the script prints JSON");

    // The client returns exactly what the server sent.
    let services = catalog.get("/open311/v2/services.json").json();
    let definition = catalog.get("/open311/v2/services/dog-licence.json").json();
    assert_eq!(out["json_services"], services);
    assert_eq!(out["json_definition"], definition);
    assert_eq!(out["jurisdiction_services"], services);

    // XML, read by xmltodict (the client) and by xml.etree: the same content as the JSON.
    let as_text = |value: &Value| match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let xml_services = out["xml_services"].as_array().expect("xmltodict lists several services");
    let etree_services = out["etree_services"].as_array().expect("etree services");
    assert_eq!(xml_services.len(), 2);
    for ((json_service, xml_service), etree_service) in services.as_array().expect("array").iter().zip(xml_services).zip(etree_services) {
        for (member, value) in json_service.as_object().expect("object") {
            assert_eq!(xml_service[member], json!(as_text(value)), "xmltodict {member}");
            assert_eq!(etree_service[member], json!(as_text(value)), "etree {member}");
        }
    }
    assert_eq!(out["xml_definition"]["service_code"], "dog-licence");
    let xml_attributes = out["xml_definition"]["attributes"]["attribute"].as_array().expect("attributes");
    let etree_definition = &out["etree_definition"];
    assert_eq!(etree_definition["root"], "service_definition");
    assert_eq!(etree_definition["service_code"], "dog-licence");
    let json_attributes = definition["attributes"].as_array().expect("attributes");
    assert_eq!(xml_attributes.len(), json_attributes.len());
    for ((json_attribute, xml_attribute), etree_attribute) in
        json_attributes.iter().zip(xml_attributes).zip(etree_definition["attributes"].as_array().expect("attributes"))
    {
        for member in ["variable", "code", "datatype", "required", "order", "description"] {
            let expected = json!(as_text(&json_attribute[member]));
            assert_eq!(xml_attribute[member], expected, "xmltodict {member}");
            assert_eq!(etree_attribute[member], expected, "etree {member}");
        }
        let description = json_attribute["datatype_description"].as_str().unwrap_or("");
        assert_eq!(etree_attribute["datatype_description"], description);
        let values: Vec<Value> = json_attribute["values"]
            .as_array()
            .map(|values| values.iter().map(|v| json!({"key": v["key"], "name": v["name"]})).collect())
            .unwrap_or_default();
        assert_eq!(etree_attribute["values"], json!(values), "values of {}", json_attribute["code"]);
    }
}
