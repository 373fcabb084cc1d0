"""Bounded work per request: text per report, Observations per report and the engine's time budget, each
refused with a clear OperationOutcome (problem+json outside /fhir), and the settings that set them."""

from __future__ import annotations

import pytest

from service import create_app
from service.config import ConfigError, Settings

FINDING = "L4-L5: left paracentral protrusion compresses the traversing left L5 nerve root. "
THREE_FINDINGS = ("L4-L5: left protrusion compresses the left L5 nerve root. L5-S1: right foraminal stenosis, "
                  "moderate. C5-C6: severe central canal stenosis.")


def report(text: str) -> dict:
    return {"resourceType": "DiagnosticReport", "status": "final", "code": {"text": "MRI"}, "conclusion": text}


def client(**config):
    return create_app({"TESTING": True, **config}).test_client()


def only_issue(response) -> dict:
    outcome = response.get_json()
    assert outcome["resourceType"] == "OperationOutcome" and len(outcome["issue"]) == 1
    return outcome["issue"][0]


def test_text_over_the_limit_is_413_too_long_before_the_engine_runs():
    answer = client(MAX_TEXT_BYTES=1000).post("/fhir/DiagnosticReport/$enrich", json=report(FINDING * 20))
    assert answer.status_code == 413
    issue = only_issue(answer)
    assert issue["code"] == "too-long" and "1000 bytes of text" in issue["diagnostics"]
    assert "protrusion" not in answer.get_data(as_text=True)


def test_text_limit_counts_utf8_bytes():
    text = FINDING + "é" * 600  # 600 characters, 1200 bytes
    assert client(MAX_TEXT_BYTES=1000 + len(FINDING)).post(
        "/fhir/DiagnosticReport/$enrich", json=report(text)).status_code == 413


def test_more_findings_than_the_observation_limit_is_422_too_costly():
    answer = client(MAX_OBSERVATIONS=2).post("/fhir/DiagnosticReport/$enrich", json=report(THREE_FINDINGS))
    assert answer.status_code == 422
    assert only_issue(answer)["code"] == "too-costly"


def test_an_engine_past_its_budget_is_422_too_costly_and_the_next_request_is_served():
    app = client(ENGINE_BUDGET_SECONDS=0.02)
    answer = app.post("/fhir/DiagnosticReport/$enrich",
                      json=report("At L4-L5 a disc bulge contacts the right L5 nerve root. " * 3000))
    assert answer.status_code == 422
    issue = only_issue(answer)
    assert issue["code"] == "too-costly" and "longer than this server allows" in issue["diagnostics"]
    assert app.get("/healthz").status_code == 200


def test_the_budget_is_per_request_across_a_batch():
    long_text = "At L4-L5 a disc bulge contacts the right L5 nerve root. " * 3000
    entry = {"request": {"method": "POST", "url": "DiagnosticReport/$enrich"}, "resource": report(long_text)}
    answer = client(ENGINE_BUDGET_SECONDS=0.02).post(
        "/fhir", json={"resourceType": "Bundle", "type": "batch", "entry": [entry, entry]})
    assert answer.status_code == 200
    statuses = [item["response"]["status"] for item in answer.get_json()["entry"]]
    assert all(status.startswith("422") for status in statuses)


def test_plain_extract_has_the_text_limit_as_problem_json():
    answer = client(MAX_TEXT_BYTES=100).post("/api/v1/extract", json={"text": FINDING * 5})
    assert answer.status_code == 413
    assert answer.mimetype == "application/problem+json"
    assert "100 bytes of text" in answer.get_json()["detail"]


def test_limits_come_from_the_environment():
    settings = Settings.from_environ({"ENRICHER_MAX_TEXT_BYTES": "5000", "ENRICHER_MAX_OBSERVATIONS": "7",
                                      "ENRICHER_ENGINE_BUDGET_SECONDS": "2.5", "ENRICHER_THREADS": "4",
                                      "ENRICHER_READ_TIMEOUT": "3"})
    assert (settings.max_text_bytes, settings.max_observations, settings.engine_budget_seconds,
            settings.threads, settings.read_timeout_seconds) == (5000, 7, 2.5, 4, 3.0)
    defaults = Settings.from_environ({})
    assert defaults.max_text_bytes == 200 * 1024 and defaults.max_observations == 500
    assert defaults.engine_budget_seconds < defaults.timeout_seconds


@pytest.mark.parametrize("name, value", [
    ("ENRICHER_ENGINE_BUDGET_SECONDS", "nan"), ("ENRICHER_ENGINE_BUDGET_SECONDS", "0"),
    ("ENRICHER_ENGINE_BUDGET_SECONDS", "60"), ("ENRICHER_READ_TIMEOUT", "soon"), ("ENRICHER_MAX_TEXT_BYTES", "-1"),
])
def test_bad_limits_stop_the_start(name, value):
    with pytest.raises(ConfigError):
        Settings.from_environ({name: value})


def test_plain_extract_reports_an_unknown_key_by_position():
    answer = client().post("/api/v1/extract", json={"text": "x", "JaneRoe-MRN-4711": 1})
    assert answer.status_code == 422
    assert b"JaneRoe" not in answer.data and b"4711" not in answer.data
    assert "key 2 of the body" in answer.get_json()["detail"]


def test_a_worker_stops_its_heartbeat_only_while_a_request_overruns_the_timeout():
    from service.api.observe import InFlight
    from service.server import overdue

    def started(at: float) -> InFlight:
        return InFlight("id", "POST", "/fhir/DiagnosticReport/$enrich", True, at, None)

    assert not overdue([], 100.0, 30)
    assert not overdue([started(80.0)], 100.0, 30)
    assert overdue([started(80.0), started(60.0)], 100.0, 30)
