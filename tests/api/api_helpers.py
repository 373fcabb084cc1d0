"""Helpers shared by the HTTP tests (a module with a unique name, importable from the test files)."""

from __future__ import annotations

import json
from pathlib import Path

DATA = Path(__file__).parent / "data"
REPORT_PATH = DATA / "lumbar-mri-report.json"
ENRICH = "/fhir/DiagnosticReport/$enrich"
FHIR_JSON = "application/fhir+json"


def post_fhir(client, body, path=ENRICH, content_type=FHIR_JSON, **kwargs):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(path, data=data, content_type=content_type, **kwargs)


def parameters(report: dict, *extra: dict) -> dict:
    return {"resourceType": "Parameters", "parameter": [{"name": "report", "resource": report}, *extra]}


def outcome_issues(response) -> list[dict]:
    assert response.headers["Content-Type"] == "application/fhir+json; charset=utf-8"
    body = response.get_json(force=True)
    assert body["resourceType"] == "OperationOutcome"
    for issue in body["issue"]:
        assert issue["severity"] in ("error", "fatal")
        assert issue["code"] and issue["diagnostics"]
    return body["issue"]
