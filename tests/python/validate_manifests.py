"""Validates Guichet's Kubernetes manifests offline, as the API server would take them.

Every SpinApp is checked against the openAPIV3Schema of spin-operator's CRD (deploy/kubernetes/
crds) with the `jsonschema` library, strictly: an object field the schema does not declare is
an error, as with `kubectl apply` (field validation "Strict", its default). Then what no schema
says but the cluster relies on: the HorizontalPodAutoscaler targets the Deployment of a SpinApp
that leaves its replicas to it; SpinApp variables are variables of spin.toml; every ConfigMap
key referenced exists in the manifests. Secrets are never in the repository: their names and
keys are printed, for the caller to check that docs/DEPLOY.md tells how to create each.

Usage: validate_manifests.py CRD_DIR MANIFEST_DIR SPIN_TOML
Prints one JSON object: {"validated": [...], "errors": [...], "secrets": {name: [keys]}};
exit status 1 when there is an error.
"""

import copy
import json
import pathlib
import re
import sys
import tomllib

import jsonschema
import yaml

KNOWN = {
    ("v1", "ConfigMap"),
    ("v1", "PersistentVolumeClaim"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("batch/v1", "CronJob"),
}
NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def strict(schema):
    """The schema with `additionalProperties: false` on every object that lists its fields and
    neither allows others nor preserves unknown fields (Kubernetes' structural schemas)."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if (
                node.get("type") == "object"
                and "properties" in node
                and "additionalProperties" not in node
                and not node.get("x-kubernetes-preserve-unknown-fields")
            ):
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return schema


def load_crds(crd_dir):
    """{(apiVersion, kind): strict schema} of every CRD in the directory."""
    schemas = {}
    for path in sorted(pathlib.Path(crd_dir).glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = doc["spec"]["group"], doc["spec"]["names"]["kind"]
            for version in doc["spec"]["versions"]:
                schema = strict(version["schema"]["openAPIV3Schema"])
                schemas[(f"{group}/{version['name']}", kind)] = schema
    return schemas


def where(error):
    return "/".join(str(p) for p in error.absolute_path) or "(top)"


def refs(node, found):
    """Every configMapKeyRef and secretKeyRef under node, as (kind, name, key)."""
    if isinstance(node, dict):
        for kind in ("configMapKeyRef", "secretKeyRef"):
            if kind in node:
                found.append((kind, node[kind].get("name", ""), node[kind]["key"]))
        for value in node.values():
            refs(value, found)
    elif isinstance(node, list):
        for value in node:
            refs(value, found)
    return found


def main(crd_dir, manifest_dir, spin_toml):
    schemas = load_crds(crd_dir)
    declared = set(tomllib.loads(pathlib.Path(spin_toml).read_text()).get("variables", {}))
    validated, errors, docs = [], [], []
    for path in sorted(pathlib.Path(manifest_dir).rglob("*.yaml")):
        if pathlib.Path(crd_dir).resolve() in path.resolve().parents:
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                docs.append((path.relative_to(manifest_dir).as_posix(), doc))

    config_maps, secrets, spinapps = {}, {}, {}
    for where_from, doc in docs:
        api, kind = doc.get("apiVersion"), doc.get("kind")
        meta = doc.get("metadata") or {}
        label = f"{where_from}: {kind} {meta.get('name')}"
        if not NAME.match(str(meta.get("name", ""))):
            errors.append(f"{label}: metadata.name is not a DNS subdomain name")
        if (api, kind) in schemas:
            validator = jsonschema.Draft202012Validator(schemas[(api, kind)])
            problems = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
            errors.extend(f"{label}: {where(e)}: {e.message}" for e in problems)
        elif (api, kind) not in KNOWN:
            errors.append(f"{label}: unknown apiVersion/kind {api}/{kind}")
            continue
        key = (meta.get("namespace", "default"), meta.get("name"))
        if kind == "ConfigMap":
            config_maps[key] = set((doc.get("data") or {}).keys())
        if kind == "SpinApp":
            spinapps[key] = doc
        validated.append(label)

    for (namespace, name), app in spinapps.items():
        spec = app.get("spec", {})
        label = f"SpinApp {name}"
        if spec.get("enableAutoscaling") and "replicas" in spec:
            errors.append(f"{label}: spec.replicas and spec.enableAutoscaling exclude each other")
        for variable in spec.get("variables", []):
            if variable.get("name") not in declared:
                errors.append(f"{label}: spec.variables: {variable.get('name')} is not a variable of spin.toml")
        if "loadFromSecret" in spec.get("runtimeConfig", {}):
            secrets.setdefault(spec["runtimeConfig"]["loadFromSecret"], set()).add("runtime-config.toml")

    for where_from, doc in docs:
        namespace = (doc.get("metadata") or {}).get("namespace", "default")
        label = f"{where_from}: {doc.get('kind')} {(doc.get('metadata') or {}).get('name')}"
        for kind, name, key in refs(doc.get("spec", {}), []):
            if kind == "secretKeyRef":
                secrets.setdefault(name, set()).add(key)
            elif key not in config_maps.get((namespace, name), set()):
                errors.append(f"{label}: ConfigMap {name} with key {key} is not among the manifests")
        if doc.get("kind") == "CronJob":
            pod = doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]
            for volume in pod.get("volumes", []):
                if "secret" in volume:
                    secrets.setdefault(volume["secret"]["secretName"], set())
        if doc.get("kind") == "HorizontalPodAutoscaler":
            target = doc["spec"]["scaleTargetRef"]
            app = spinapps.get((namespace, target.get("name")))
            if (target.get("apiVersion"), target.get("kind")) != ("apps/v1", "Deployment"):
                errors.append(f"{label}: must target the apps/v1 Deployment spin-operator makes of a SpinApp")
            elif app is None:
                errors.append(f"{label}: no SpinApp {target.get('name')} in namespace {namespace}")
            elif not app["spec"].get("enableAutoscaling"):
                errors.append(f"{label}: SpinApp {target.get('name')} does not set enableAutoscaling")
            elif "cpu" not in app["spec"].get("resources", {}).get("requests", {}):
                errors.append(f"{label}: SpinApp {target.get('name')} has no CPU request to measure against")

    print(json.dumps({
        "validated": validated,
        "errors": errors,
        "secrets": {name: sorted(keys) for name, keys in sorted(secrets.items())},
    }, indent=1))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
