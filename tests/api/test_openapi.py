"""openapi.yaml is valid OpenAPI 3.1 and documents every route the application serves (and no other)."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from openapi_spec_validator import validate

from service.api.docs import OPENAPI_PATH

IGNORED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture(scope="module")
def spec() -> dict:
    return yaml.safe_load(OPENAPI_PATH.read_text(encoding="utf-8"))


def served_operations(app) -> set[tuple[str, str]]:
    operations = set()
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        path = path.rstrip("/") or "/"
        for method in rule.methods - IGNORED_METHODS:
            operations.add((path, method.lower()))
    return operations


def documented_operations(spec: dict) -> set[tuple[str, str]]:
    methods = {"get", "put", "post", "delete", "patch"}
    return {(path, method) for path, item in spec["paths"].items() for method in item if method in methods}


def test_openapi_is_valid(spec):
    validate(spec)
    assert spec["openapi"].startswith("3.1")


def test_every_route_is_documented(app, spec):
    undocumented = served_operations(app) - documented_operations(spec)
    assert not undocumented, f"routes missing from openapi.yaml: {sorted(undocumented)}"


def test_every_documented_operation_is_served(app, spec):
    unserved = documented_operations(spec) - served_operations(app)
    assert not unserved, f"openapi.yaml documents routes the app does not serve: {sorted(unserved)}"


def test_every_operation_documents_its_errors_or_has_none(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if path.startswith("/fhir") or path == "/api/v1/extract":
                assert any(code.startswith(("4", "5")) for code in operation["responses"]), (path, method)


def test_the_served_document_is_the_file(client):
    assert client.get("/openapi.yaml").get_data(as_text=True) == OPENAPI_PATH.read_text(encoding="utf-8")


def response_schema(spec: dict, path: str, method: str, status: str, media_type: str) -> dict:
    """The documented schema of one response, as a standalone schema whose $refs resolve."""
    response = spec["paths"][path][method]["responses"][status]
    if "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return {**response["content"][media_type]["schema"], "components": spec["components"]}


@pytest.mark.parametrize("method, path, documented, request_kwargs, status, media_type", [
    ("post", "/fhir/DiagnosticReport/$enrich", "/fhir/DiagnosticReport/$enrich", "report", "200", "application/fhir+json"),
    ("post", "/fhir/DiagnosticReport/$enrich", "/fhir/DiagnosticReport/$enrich", {"data": b"{"}, "400", "application/fhir+json"),
    ("post", "/fhir", "/fhir", "batch", "200", "application/fhir+json"),
    ("post", "/fhir", "/fhir", {"json": {"resourceType": "Bundle", "type": "collection"}}, "422", "application/fhir+json"),
    ("get", "/fhir/metadata", "/fhir/metadata", {}, "200", "application/fhir+json"),
    ("get", "/fhir/OperationDefinition/DiagnosticReport-enrich", "/fhir/OperationDefinition/{resource_id}", {}, "200",
     "application/fhir+json"),
    ("get", "/fhir/CodeSystem/none", "/fhir/CodeSystem/{resource_id}", {}, "404", "application/fhir+json"),
    ("post", "/api/v1/extract", "/api/v1/extract", {"json": {"text": "Severe left L5 root compression at L4-L5."}}, "200",
     "application/json"),
    ("post", "/api/v1/extract", "/api/v1/extract", {"json": {"txt": "x"}}, "422", "application/problem+json"),
    ("get", "/healthz", "/healthz", {}, "200", "application/json"),
    ("get", "/readyz", "/readyz", {}, "200", "application/json"),
])
def test_responses_match_their_documented_schemas(client, spec, report_bytes, method, path, documented, request_kwargs,
                                                   status, media_type):
    from openapi_schema_validator import OAS31Validator

    if request_kwargs == "report":
        request_kwargs = {"data": report_bytes}
    elif request_kwargs == "batch":
        operation = {"method": "POST", "url": "DiagnosticReport/$enrich"}
        request_kwargs = {"data": b'{"resourceType":"Bundle","type":"batch","entry":[{"request":' + json.dumps(operation).encode()
                          + b',"resource":' + report_bytes + b'},{"request":' + json.dumps(operation).encode()
                          + b',"resource":{"resourceType":"DiagnosticReport"}}]}'}
    if method == "post" and "json" not in request_kwargs:
        request_kwargs = {**request_kwargs, "content_type": "application/fhir+json"}
    response = getattr(client, method)(path, **request_kwargs)
    assert str(response.status_code) == status
    assert response.headers["Content-Type"].split(";")[0] == media_type
    OAS31Validator(response_schema(spec, documented, method, status, media_type)).validate(response.get_json(force=True))
