"""Reads Guichet's Open311 requests as a third-party app would, with the unchanged PyPI
`georeport` client: the list (JSON and XML) and each request asked by id. Prints one JSON
document of everything seen (an id the endpoint refuses gives its HTTP status), for the Rust
test to check that what was not filed public never shows.

Usage: open311_reader.py BASE_URL ID...
"""
import json
import sys

import requests
from georeport import GeoReport

base, ids = sys.argv[1], sys.argv[2:]
endpoint = base + "/open311/v2"
client = GeoReport(endpoint)
xml_client = GeoReport(endpoint, output_format="xml")
out = {"list": client.get_service_requests(), "one": {}}
try:
    out["list_xml"] = xml_client.get_service_requests()
except TypeError:
    # georeport 0.3.1 cannot read an empty XML list (<service_requests/> parses as None).
    out["list_xml"] = []
for request_id in ids:
    try:
        out["one"][request_id] = client.get_service_request(request_id)
    except requests.HTTPError as error:
        out["one"][request_id] = {"status": error.response.status_code}
print(json.dumps(out))
