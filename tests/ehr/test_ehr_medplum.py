"""Instance-level ``$enrich`` and Subscription notifications against a real FHIR server: Medplum's in-memory
server (tests/fhirserver, transactions on, every write validated). The service reads the report from it,
writes back itself, and a second call is 2xx with nothing new; a correction leaves exactly the corrected set
of live Observations; another writer's edit between the read and the write is read again, not overwritten.
Every resource on the server and in the answers validates with Medplum's validator and fhir.resources R4B."""

from __future__ import annotations

import json

import pytest
import requests

from service import create_app
from service.config import EhrSettings
from service.ehr.client import EhrClient
from service.fhir.io import dumps, loads, validate_resource

REPORT = ("EXAM: MRI lumbar spine.\n"
          "L3-L4: Mild left foraminal stenosis.\n"
          "L4-L5: A right paracentral disc protrusion compresses the traversing right L5 nerve root. "
          "Mild canal stenosis. Moderate left foraminal stenosis.\n"
          "L5-S1: A small protrusion may contact the left S1 nerve root. No canal stenosis.")
CORRECTED = REPORT.replace("Mild canal stenosis.", "No canal stenosis.").replace(
    "L3-L4: Mild left foraminal stenosis.\n", "")


@pytest.fixture
def server(medplum):
    medplum.reset()
    return medplum


@pytest.fixture
def app(server):
    settings = EhrSettings(base_url=server.base, max_retries=0)
    return create_app({"TESTING": True, "EHR": settings, "FHIR_BASE_URL": server.base})


def store(server, text: str, report_id: str = "mri-1", **extra) -> dict:
    report = {"resourceType": "DiagnosticReport", "id": report_id, "status": "final",
              "identifier": [{"system": "urn:oid:2.16.840.1.113883.19.5.99", "value": f"ACC-{report_id}"}],
              "code": {"text": "MR Lumbar spine"}, "subject": {"reference": "Patient/p-ehr"},
              "conclusion": text, **extra}
    return server.store(report)


def state(server, report_id: str = "mri-1") -> dict:
    """The report, every Observation and Provenance on the server (each checked by both validators), and the
    live Observations, which the report's result must point at exactly."""
    report = server.read(f"DiagnosticReport/{report_id}")
    observations = [e["resource"] for e in server.read("Observation?_count=1000").get("entry", [])]
    provenances = [e["resource"] for e in server.read("Provenance?_count=1000").get("entry", [])]
    for resource in [report, *observations, *provenances]:
        assert server.validation_issues(resource) == [], resource["resourceType"]
        assert validate_resource(resource, resource["resourceType"]) == [], resource["resourceType"]
    live = sorted(f"Observation/{o['id']}" for o in observations if o["status"] != "entered-in-error")
    assert sorted(item["reference"] for item in report.get("result", [])) == live
    versions = {f"{r['resourceType']}/{r['id']}": r["meta"]["versionId"] for r in [report, *observations, *provenances]}
    return {"report": report, "live": live, "all": observations, "provenances": provenances, "versions": versions}


def enrich_stored(app, query: str = "write=true", **headers):
    return app.test_client().post(f"/fhir/DiagnosticReport/mri-1/$enrich?{query}", headers=headers)


def test_write_true_twice_is_2xx_with_nothing_new(app, server):
    store(server, REPORT)
    first = enrich_stored(app)
    assert first.status_code == 200, first.get_data(as_text=True)
    answer = first.get_json()
    assert answer["type"] == "transaction-response"
    assert {entry["response"]["status"][:3] for entry in answer["entry"]} <= {"200", "201"}
    after_first = state(server)
    assert len(after_first["live"]) == 6 and len(after_first["provenances"]) == 1
    assert after_first["report"]["conclusion"] == REPORT

    for _ in range(2):
        again = enrich_stored(app)
        assert again.status_code == 200 and "entry" not in again.get_json()
    assert state(server)["versions"] == after_first["versions"]  # nothing created, nothing changed


def test_the_collection_answer_validates_with_medplum(app, server):
    store(server, REPORT)
    response = enrich_stored(app, "language=es")
    assert response.status_code == 200
    bundle = loads(response.get_data())
    assert validate_resource(bundle, "Bundle") == []
    for entry in bundle["entry"]:
        assert server.validation_issues(entry["resource"]) == [], entry["resource"]["resourceType"]


def test_a_correction_on_the_server_leaves_exactly_the_corrected_set(app, server):
    store(server, REPORT)
    assert enrich_stored(app).status_code == 200
    before = state(server)
    corrected = dict(before["report"], conclusion=CORRECTED, status="corrected")
    del corrected["meta"]
    assert server.put("DiagnosticReport/mri-1", dumps(corrected)).status_code == 200
    response = enrich_stored(app)
    assert response.status_code == 200, response.get_data(as_text=True)
    after = state(server)
    # The canal finding at L4-L5 is corrected in place (its Observation now says absent); the L3-L4 finding the
    # corrected report no longer states is retracted (entered-in-error); nothing is deleted or duplicated.
    assert len(after["live"]) == 5 and len(after["all"]) == 6
    assert [o["status"] for o in after["all"]].count("entered-in-error") == 1
    assert after["report"]["conclusion"] == CORRECTED and after["report"]["status"] == "corrected"
    assert enrich_stored(app).get_json().get("entry") is None  # and again: nothing new


class EditingSession(requests.Session):
    """A transport that lets another writer edit the report on the server right before the service's first
    transaction reaches it (the window between the service's read and its write)."""

    def __init__(self, server, edits: int = 1):
        super().__init__()
        self.server, self.edits = server, edits

    def request(self, method, url, *args, **kwargs):
        if method == "POST" and self.edits > 0:
            self.edits -= 1
            current = self.server.read("DiagnosticReport/mri-1")
            current.pop("meta")
            current["issued"] = f"2026-12-07T09:0{self.edits}:00Z"
            assert self.server.put("DiagnosticReport/mri-1", dumps(current)).status_code == 200
        return super().request(method, url, *args, **kwargs)


def test_another_writers_edit_is_read_again_not_overwritten(app, server):
    store(server, REPORT)
    settings = app.config["EHR"]
    app.extensions["enricher.ehr"] = EhrClient(settings, session=EditingSession(server))
    response = enrich_stored(app)
    assert response.status_code == 200, response.get_data(as_text=True)
    after = state(server)
    assert after["report"]["issued"] == "2026-12-07T09:00:00Z"  # the other writer's edit is kept
    assert len(after["live"]) == 6


def test_an_edit_that_keeps_coming_is_409_and_nothing_is_overwritten(server):
    settings = EhrSettings(base_url=server.base, max_retries=0, max_conflict_retries=1)
    app = create_app({"TESTING": True, "EHR": settings, "FHIR_BASE_URL": server.base})
    store(server, REPORT)
    app.extensions["enricher.ehr"] = EhrClient(settings, session=EditingSession(server, edits=5))
    response = enrich_stored(app)
    assert response.status_code == 409 and response.get_json()["issue"][0]["code"] == "conflict"
    assert state(server)["all"] == []


def test_a_subscription_notification_writes_once(app, server):
    store(server, REPORT)
    notification = {"resourceType": "Bundle", "type": "history", "entry": [
        {"fullUrl": "urn:uuid:0b6c1c5e-8f1e-4b8e-9d54-7a8f2d3c4b5a",
         "resource": {"resourceType": "Parameters", "parameter": [
             {"name": "type", "valueCode": "event-notification"},
             {"name": "notification-event", "part": [
                 {"name": "event-number", "valueString": "1"},
                 {"name": "focus", "valueReference": {"reference": f"{server.base}/DiagnosticReport/mri-1"}}]}]},
         "request": {"method": "GET", "url": "Subscription/s1/$status"}, "response": {"status": "200"}},
        {"fullUrl": f"{server.base}/DiagnosticReport/mri-1", "request": {"method": "PUT", "url": "DiagnosticReport/mri-1"},
         "response": {"status": "200"}}]}
    client = app.test_client()
    first = client.post("/fhir/$subscription-notification", data=json.dumps(notification),
                        content_type="application/fhir+json")
    assert first.status_code == 200 and "Written" in first.get_json()["issue"][0]["diagnostics"]
    written = state(server)
    again = client.post("/fhir/$subscription-notification", data=json.dumps(notification),
                        content_type="application/fhir+json")
    assert again.status_code == 200 and "Nothing new" in again.get_json()["issue"][0]["diagnostics"]
    assert state(server)["versions"] == written["versions"]


def test_a_negative_report_written_and_again_nothing_new(app, server):
    store(server, "L1-L2 through L5-S1: No disc herniation. No canal stenosis or foraminal narrowing.")
    assert enrich_stored(app).status_code == 200
    first = state(server)
    assert enrich_stored(app).status_code == 200
    assert state(server)["versions"] == first["versions"]
