"""``POST /fhir/$subscription-notification``: R4 backport (Parameters) and R4B (SubscriptionStatus) rest-hook
notifications, id-only and full-resource; the named report enriched and written back; a redelivery, and the
notification the write-back itself causes, write nothing new."""

from __future__ import annotations

import pytest
import responses

from ehr_helpers import BASE, ehr_app, report
from service import create_app

PATH = "/fhir/$subscription-notification"


def r4_notification(focus: str, kind: str = "event-notification", resource: dict | None = None) -> dict:
    status = {"resourceType": "Parameters", "parameter": [
        {"name": "subscription", "valueReference": {"reference": f"{BASE}/Subscription/s1"}},
        {"name": "topic", "valueCanonical": "http://example.org/topic/report-final"},
        {"name": "status", "valueCode": "active"},
        {"name": "type", "valueCode": kind},
        {"name": "events-since-subscription-start", "valueString": "3"},
        {"name": "notification-event", "part": [{"name": "event-number", "valueString": "3"},
                                                 {"name": "focus", "valueReference": {"reference": focus}}]}]}
    entries = [{"fullUrl": "urn:uuid:8a2f7f8e-3c2b-4a53-9d7b-0c5e2b5c9f11", "resource": status,
                "request": {"method": "GET", "url": f"{BASE}/Subscription/s1/$status"},
                "response": {"status": "200"}}]
    if kind == "event-notification":
        entry = {"fullUrl": focus if "://" in focus else f"{BASE}/{focus}",
                 "request": {"method": "PUT", "url": focus}, "response": {"status": "200"}}
        if resource is not None:
            entry["resource"] = resource
        entries.append(entry)
    return {"resourceType": "Bundle", "type": "history", "timestamp": "2026-12-07T09:00:00Z", "entry": entries}


def r4b_notification(focus: str, resource: dict | None = None) -> dict:
    status = {"resourceType": "SubscriptionStatus", "status": "active", "type": "event-notification",
              "eventsSinceSubscriptionStart": "4", "subscription": {"reference": f"{BASE}/Subscription/s1"},
              "topic": "http://example.org/topic/report-final",
              "notificationEvent": [{"eventNumber": "4", "focus": {"reference": focus}}]}
    entry = {"fullUrl": f"{BASE}/{focus}", "request": {"method": "PUT", "url": focus}, "response": {"status": "200"}}
    if resource is not None:
        entry["resource"] = resource
    return {"resourceType": "Bundle", "type": "history",
            "entry": [{"fullUrl": "urn:uuid:1d2e3f40-5a6b-4c7d-8e9f-a0b1c2d3e4f5", "resource": status}, entry]}


def deliver(app, body: dict):
    return app.test_client().post(PATH, json=body, headers={"Content-Type": "application/fhir+json"})


def test_an_id_only_notification_reads_enriches_and_writes_and_a_redelivery_writes_nothing(app, server):
    server.put(report())
    first = deliver(app, r4_notification("DiagnosticReport/mri-1"))
    assert first.status_code == 200
    assert first.get_json()["resourceType"] == "OperationOutcome"
    assert "Written" in first.get_json()["issue"][0]["diagnostics"]
    assert server.reads == 1 and len(server.transactions) == 1
    assert len(server.of_type("Observation")) == 2

    for _ in range(2):  # a redelivery, then the notification of the service's own write
        again = deliver(app, r4_notification(f"{BASE}/DiagnosticReport/mri-1/_history/2"))
        assert again.status_code == 200 and "Nothing new" in again.get_json()["issue"][0]["diagnostics"]
    assert len(server.transactions) == 1 and len(server.of_type("Observation")) == 2


def test_a_full_resource_r4b_notification_uses_the_resource_it_carries(app, server):
    stored = server.put(report())
    response = deliver(app, r4b_notification("DiagnosticReport/mri-1", resource=stored))
    assert response.status_code == 200
    assert server.reads == 0 and len(server.transactions) == 1
    assert server.transactions[0]["entry"][0]["request"]["ifMatch"] == 'W/"1"'


def test_a_stale_full_resource_is_reread_on_412(app, server):
    stale = server.put(report())
    server.put(dict(stale, issued="2026-12-07T08:00:00Z"))  # edited after the notification was sent
    response = deliver(app, r4b_notification("DiagnosticReport/mri-1", resource=stale))
    assert response.status_code == 200
    assert len(server.transactions) == 2 and server.reads == 1
    assert server.store[("DiagnosticReport", "mri-1")]["issued"] == "2026-12-07T08:00:00Z"


@pytest.mark.parametrize("kind", ["handshake", "heartbeat"])
def test_handshake_and_heartbeat_do_nothing(app, server, kind):
    response = deliver(app, r4_notification("DiagnosticReport/mri-1", kind=kind))
    assert response.status_code == 200 and server.reads == 0 and server.transactions == []


def test_a_focus_on_another_server_is_never_fetched(app, server):
    response = deliver(app, r4_notification("https://other.example.test/fhir/DiagnosticReport/x"))
    assert response.status_code == 200
    assert [issue["code"] for issue in response.get_json()["issue"]] == ["not-supported"]
    assert server.reads == 0


def test_a_report_the_server_lacks_is_an_error_issue_not_a_redelivery(app, server):
    response = deliver(app, r4_notification("DiagnosticReport/missing"))
    assert response.status_code == 200
    assert [(issue["severity"], issue["code"]) for issue in response.get_json()["issue"]] == [("error", "not-found")]


def test_a_server_that_stays_unavailable_fails_the_delivery_so_it_is_retried(server):
    app = ehr_app(max_retries=0)
    with responses.RequestsMock() as mock:
        mock.get(f"{BASE}/DiagnosticReport/mri-1", status=503, headers={"Retry-After": "7"})
        response = deliver(app, r4_notification("DiagnosticReport/mri-1"))
    assert response.status_code == 503 and response.headers["Retry-After"] == "7"


@pytest.mark.parametrize("body", [
    {"resourceType": "Bundle", "type": "collection", "entry": []},
    {"resourceType": "Bundle", "type": "history", "entry": [{"resource": {"resourceType": "Patient"}}]},
    {"resourceType": "Parameters"},
])
def test_a_body_that_is_no_notification_is_422(app, server, body):
    assert deliver(app, body).status_code == 422


def test_without_a_configured_server_it_is_501():
    response = create_app({"TESTING": True}).test_client().post(PATH, json=r4_notification("DiagnosticReport/a"))
    assert response.status_code == 501
