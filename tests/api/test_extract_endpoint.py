"""POST /api/v1/extract: plain JSON in and out, errors as problem+json."""

from __future__ import annotations

import json

import pytest

from service.schemas import ExtractResponseSchema

TEXT = "IMPRESSION: At L5-S1 a left paracentral extrusion compresses the left S1 nerve root. No canal stenosis."


def post(client, body, content_type="application/json"):
    return client.post("/api/v1/extract", data=body if isinstance(body, (str, bytes)) else json.dumps(body),
                       content_type=content_type)


def test_findings_in_format_fields(client):
    response = post(client, {"text": TEXT})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    findings = response.get_json()["findings"]
    assert ExtractResponseSchema().validate({"findings": findings}) == {}
    root = next(f for f in findings if f["type"] == "nerve-root")
    assert (root["root"], root["side"], root["degree"], root["assertion"]) == ("S1", "left", "compression", "present")
    start, end = root["evidence"][0]["start"], root["evidence"][0]["end"]
    assert 0 <= start < end <= len(TEXT)


def test_empty_text_has_no_findings(client):
    assert post(client, {"text": ""}).get_json() == {"findings": []}


@pytest.mark.parametrize("body, field", [({}, "text"), ({"text": 5}, "text"), ({"text": None}, "text")])
def test_schema_errors_are_422_problems_naming_the_field(client, body, field):
    response = post(client, body)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.get_json(force=True)
    assert problem["status"] == 422 and problem["title"]
    assert field in {error["expression"] for error in problem["errors"]}


def test_an_unknown_key_is_422_by_position_not_name(client):
    response = post(client, {"text": "x", "extra": 1})
    assert response.status_code == 422
    assert b"extra" not in response.data
    assert "key 2 of the body" in response.get_json(force=True)["detail"]


def test_not_an_object_is_422(client):
    assert post(client, ["text"]).status_code == 422


def test_malformed_json_is_400_problem(client):
    response = post(client, b'{"text": ')
    assert response.status_code == 400
    assert response.get_json(force=True)["status"] == 400


def test_wrong_content_type_is_415_problem(client):
    response = post(client, "text=hello", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.headers["Content-Type"] == "application/problem+json"


def test_get_is_405_problem(client):
    response = client.get("/api/v1/extract")
    assert response.status_code == 405
    assert response.headers["Content-Type"] == "application/problem+json"


def test_unknown_address_outside_fhir_is_404_problem(client):
    response = client.get("/nothing-here")
    assert response.status_code == 404
    assert response.get_json(force=True)["title"] == "Not Found"
