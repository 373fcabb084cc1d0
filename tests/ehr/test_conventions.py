"""Conventions integrators expect: ``mode`` and ``language`` in the query with a raw report, ``Prefer: return=``,
gzip both ways, CORS for the configured portal origins (a preflight before authentication)."""

from __future__ import annotations

import gzip
import hashlib
import re

import pytest

from ehr_helpers import report
from service import create_app
from service.config import AuthSettings

PORTAL = "https://portal.example.test"
KEY = "k" * 40


@pytest.fixture(scope="module")
def client():
    auth = AuthSettings.from_environ({"ENRICHER_API_KEY_HASHES": hashlib.sha256(KEY.encode()).hexdigest()})
    return create_app({"TESTING": True, "AUTH": auth, "CORS_ORIGINS": (PORTAL,)}).test_client()


def enrich(client, query: str = "", body=None, **headers):
    return client.post(f"/fhir/DiagnosticReport/$enrich{query}", json=body or report(),
                       headers={"X-API-Key": KEY, **headers})


def test_mode_and_language_in_the_query_apply_to_a_raw_report(client):
    response = enrich(client, "?mode=transaction&language=es")
    assert response.status_code == 200 and response.headers["Content-Language"] == "es"
    bundle = response.get_json()
    assert bundle["type"] == "transaction"
    assert any(a.get("language") == "es" for a in bundle["entry"][0]["resource"]["presentedForm"])
    assert enrich(client, "?language=es,en").headers["Content-Language"] == "es, en"
    assert enrich(client, "?language=es&language=en").headers["Content-Language"] == "es, en"


def test_bad_or_conflicting_query_parameters_are_422(client):
    for query in ("?mode=document", "?mode=collection&mode=transaction", "?language=e$"):
        response = enrich(client, query)
        assert response.status_code == 422, query
        assert response.get_json()["resourceType"] == "OperationOutcome"
    parameters = {"resourceType": "Parameters", "parameter": [{"name": "report", "resource": report()},
                                                               {"name": "mode", "valueCode": "collection"}]}
    assert enrich(client, "?mode=transaction", parameters).status_code == 422
    assert enrich(client, "?mode=collection", parameters).status_code == 200


def test_prefer_return(client):
    minimal = enrich(client, **{"Prefer": "return=minimal"})
    assert minimal.status_code == 200 and minimal.get_data() == b""
    assert minimal.headers["Preference-Applied"] == "return=minimal"
    outcome = enrich(client, **{"Prefer": "handling=strict, return=OperationOutcome"})
    assert outcome.get_json()["resourceType"] == "OperationOutcome"
    assert outcome.get_json()["issue"][0]["diagnostics"] == "Enriched: 2 Observation(s)."
    assert enrich(client, **{"Prefer": "return=representation"}).get_json()["resourceType"] == "Bundle"


def test_gzip_answers_and_gzip_bodies_within_the_limit(client):
    plain = enrich(client)
    zipped = enrich(client, **{"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped.headers["Vary"]
    assert len(zipped.get_data()) < len(plain.get_data()) // 2
    instants = re.compile(rb'"\d{4}-\d\d-\d\dT[0-9:.]+Z"')
    assert instants.sub(b"", gzip.decompress(zipped.get_data())) == instants.sub(b"", plain.get_data())
    assert "Content-Encoding" not in enrich(client, **{"Accept-Encoding": "gzip;q=0"}).headers

    import json
    body = gzip.compress(json.dumps(report()).encode())
    response = client.post("/fhir/DiagnosticReport/$enrich", data=body, headers={
        "X-API-Key": KEY, "Content-Type": "application/fhir+json", "Content-Encoding": "gzip"})
    assert response.status_code == 200 and response.get_json()["type"] == "collection"


def test_a_gzip_bomb_is_413_and_broken_gzip_400():
    app = create_app({"TESTING": True, "MAX_CONTENT_LENGTH": 64 * 1024})
    bomb = gzip.compress(b'{"resourceType": "DiagnosticReport", "conclusion": "' + b" " * (10 * 1024 * 1024) + b'"}')
    assert len(bomb) < 64 * 1024
    headers = {"Content-Type": "application/fhir+json", "Content-Encoding": "gzip"}
    client = app.test_client()
    response = client.post("/fhir/DiagnosticReport/$enrich", data=bomb, headers=headers)
    assert response.status_code == 413 and response.get_json()["resourceType"] == "OperationOutcome"
    assert client.post("/fhir/DiagnosticReport/$enrich", data=b"\x1f\x8b not gzip", headers=headers).status_code == 400
    assert client.post("/fhir/DiagnosticReport/$enrich", data=bomb[:100], headers=headers).status_code == 400


def test_cors_for_the_configured_portal_only(client):
    preflight = client.options("/fhir/DiagnosticReport/$enrich", headers={
        "Origin": PORTAL, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, x-secret"})
    assert preflight.status_code == 204  # before authentication: a preflight carries no credentials
    assert preflight.headers["Access-Control-Allow-Origin"] == PORTAL
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Headers"] == "authorization, content-type"
    assert "Access-Control-Allow-Credentials" not in preflight.headers

    answer = enrich(client, Origin=PORTAL)
    assert answer.headers["Access-Control-Allow-Origin"] == PORTAL and "Origin" in answer.headers["Vary"]
    assert "Content-Language" in answer.headers["Access-Control-Expose-Headers"]
    refused = client.post("/fhir/DiagnosticReport/$enrich", json=report(), headers={"Origin": PORTAL})
    assert refused.status_code == 401 and refused.headers["Access-Control-Allow-Origin"] == PORTAL

    other = "https://evil.example.test"
    assert "Access-Control-Allow-Origin" not in enrich(client, Origin=other).headers
    foreign = client.options("/fhir/DiagnosticReport/$enrich", headers={"Origin": other,
                                                                         "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in foreign.headers and foreign.status_code == 401


def test_operation_outcome_preference_carries_unread_text_warnings_in_either_mode(client):
    from ehr_helpers import b64, pdf

    scanned = report(presentedForm=[{"contentType": "application/pdf", "data": b64(pdf(None))}])
    for query in ("", "?mode=transaction"):
        outcome = enrich(client, query, scanned, Prefer="return=OperationOutcome").get_json()
        assert [issue["code"] for issue in outcome["issue"]] == ["informational", "incomplete"], query
        assert outcome["issue"][1]["expression"] == ["DiagnosticReport.presentedForm[0].data"]
    assert "Content-Type" not in enrich(client, Prefer="return=minimal").headers
