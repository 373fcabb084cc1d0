"""openapi.yaml is valid OpenAPI 3.1 and documents every route the application serves (and no other)."""

from __future__ import annotations

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
