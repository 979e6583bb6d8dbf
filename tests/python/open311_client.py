"""Drives Guichet's Open311 GeoReport v2 endpoint as a third-party app would: the unchanged
PyPI `georeport` client for what it supports (services, definitions, listing and reading
requests, in JSON and XML), and `requests` + `xmltodict` (the client's own dependencies) for
what it does not (discovery, POST requests, tokens). Prints one JSON document of everything
seen, for the Rust test to check.

Usage: open311_client.py BASE_URL API_KEY REALTIME_CODE BATCH_CODE
"""
import json
import sys

import requests
import xmltodict
from georeport import GeoReport

base, api_key, realtime, batch = sys.argv[1:5]
endpoint = base + "/open311/v2"
out = {}

out["discovery_json"] = requests.get(endpoint + "/discovery.json").json()
out["discovery_xml"] = xmltodict.parse(requests.get(endpoint + "/discovery.xml").content)

client = GeoReport(endpoint, api_key=api_key)
xml_client = GeoReport(endpoint, api_key=api_key, output_format="xml")
out["services"] = [s["service_code"] for s in client.get_service_list()]
definition = client.get_service_definition(realtime)

# An app fills the required attributes from the definition, as a 311 app's form would.
attributes = {}
for attribute in definition["attributes"]:
    if not attribute["required"] or attribute["datatype"] == "string" and attribute["code"] in ("location", "email"):
        continue
    if attribute.get("values"):
        attributes["attribute[%s]" % attribute["code"]] = attribute["values"][0]["key"]
out["attributes_sent"] = attributes


def post(code, fmt, **extra):
    data = {
        "api_key": api_key,
        "service_code": code,
        "lat": "48.8566",
        "long": "2.3522",
        "address_string": "1 place de l'Hôtel de Ville",
        "email": "reporter@example.org",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "description": "Un nid de poule <profond> & dangereux",
        "device_id": "device-42",
        "account_id": "app-user-7",
        "media_url": "https://photos.example.org/1.jpg",
    }
    data.update(attributes)
    data.update(extra)
    response = requests.post(endpoint + "/requests." + fmt, data=data)
    body = response.json() if fmt == "json" else xmltodict.parse(response.content)
    return {"status": response.status_code, "content_type": response.headers["content-type"], "body": body}


out["post_json"] = post(realtime, "json")
out["post_xml"] = post(realtime, "xml", description="Deuxième signalement")
first = out["post_json"]["body"][0]["service_request_id"]
second = out["post_xml"]["body"]["service_requests"]["request"]["service_request_id"]

out["list_all"] = client.get_service_requests()
out["list_by_code_open"] = client.get_service_requests(service_code=realtime, status="open")
out["list_closed"] = client.get_service_requests(status="closed")
out["list_by_ids"] = client.get_service_requests(service_request_id=first + "," + second)
out["list_xml"] = xml_client.get_service_requests(service_code=realtime)
out["one_json"] = client.get_service_request(first)
out["one_xml"] = xml_client.get_service_request(first)

# A batch service answers with a token, which resolves to the request's id.
batch_post = post(batch, "json")
out["batch_post"] = batch_post
token = batch_post["body"][0]["token"]
out["token_json"] = requests.get(endpoint + "/tokens/" + token + ".json").json()
out["token_xml"] = xmltodict.parse(requests.get(endpoint + "/tokens/" + token + ".xml").content)

print(json.dumps(out))
