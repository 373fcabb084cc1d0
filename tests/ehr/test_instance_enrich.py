"""``POST /fhir/DiagnosticReport/{id}/$enrich``: the report read from the configured server, enriched, and with
``write=true`` written back: twice is 2xx with nothing new; another writer's edit between the read and the
write (412) is re-read and re-enriched, bounded."""

from __future__ import annotations

import json
import logging

import responses

from ehr_helpers import BASE, CORRECTED_TEXT, SPINE_TEXT, FhirServer, b64, ehr_app, pdf, report
from service import create_app
from service.fhir.io import loads, validate_resource


def post(app, path: str, **kwargs):
    return app.test_client().post(path, **kwargs)


def live_results(server: FhirServer, report_id: str = "mri-1") -> list[str]:
    return [item["reference"] for item in server.store[("DiagnosticReport", report_id)].get("result", [])]


def test_the_report_is_read_from_the_server_and_enriched(app, server):
    server.put(report())
    response = post(app, "/fhir/DiagnosticReport/mri-1/$enrich?language=es")
    assert response.status_code == 200 and response.headers["Content-Language"] == "es"
    bundle = response.get_json()
    assert bundle["type"] == "collection" and bundle["entry"][0]["fullUrl"] == f"{BASE}/DiagnosticReport/mri-1"
    assert bundle["entry"][0]["resource"]["meta"]["versionId"] == "1"
    assert sum(e["resource"]["resourceType"] == "Observation" for e in bundle["entry"]) == 2
    assert server.transactions == []  # without write=true nothing is written
    assert validate_resource(loads(json.dumps(bundle)), "Bundle") == []


def test_write_true_writes_once_and_again_is_2xx_with_nothing_new(app, server):
    server.put(report())
    first = post(app, "/fhir/DiagnosticReport/mri-1/$enrich?write=true")
    assert first.status_code == 200
    answer = first.get_json()
    assert answer["type"] == "transaction-response" and len(answer["entry"]) == 4  # report, 2 Observations, Provenance
    assert len(server.of_type("Observation")) == 2 and len(server.of_type("Provenance")) == 1
    assert len(live_results(server)) == 2 and all(ref.startswith("Observation/") for ref in live_results(server))
    version = server.store[("DiagnosticReport", "mri-1")]["meta"]["versionId"]

    for _ in range(2):
        again = post(app, "/fhir/DiagnosticReport/mri-1/$enrich?write=true")
        assert again.status_code == 200
        assert again.get_json()["type"] == "transaction-response" and "entry" not in again.get_json()
    assert len(server.transactions) == 1  # nothing posted again
    assert server.store[("DiagnosticReport", "mri-1")]["meta"]["versionId"] == version
    assert len(server.of_type("Observation")) == 2


def test_a_correction_on_the_server_is_enriched_again(app, server):
    server.put(report())
    post(app, "/fhir/DiagnosticReport/mri-1/$enrich?write=true")
    corrected = dict(server.store[("DiagnosticReport", "mri-1")], conclusion=CORRECTED_TEXT, status="corrected")
    server.put(corrected)
    response = post(app, "/fhir/DiagnosticReport/mri-1/$enrich?write=true")
    assert response.status_code == 200 and len(server.transactions) == 2
    assert len(live_results(server)) == 1  # the report points only at what the corrected text states
    assert [f"Observation/{o['id']}" for o in server.live_observations()] == live_results(server)
    posted = server.transactions[-1]["entry"][0]
    assert posted["request"]["ifMatch"] == 'W/"3"'  # v1 created, v2 enriched, v3 corrected


def test_another_writers_edit_between_read_and_write_is_reread_not_overwritten(app, server):
    server.put(report())

    def someone_edits(srv):
        srv.before_transaction = None
        srv.put(dict(srv.store[("DiagnosticReport", "mri-1")], issued="2026-12-07T09:00:00Z"))

    server.before_transaction = someone_edits
    response = post(app, "/fhir/DiagnosticReport/mri-1/$enrich?write=true")
    assert response.status_code == 200
    assert [bundle["entry"][0]["request"]["ifMatch"] for bundle in server.transactions] == ['W/"1"', 'W/"2"']
    stored = server.store[("DiagnosticReport", "mri-1")]
    assert stored["issued"] == "2026-12-07T09:00:00Z"  # the other writer's edit is kept
    assert len(live_results(server)) == 2


def test_conflicts_are_bounded(server):
    app = ehr_app(max_conflict_retries=2)
    server.put(report())

    def always_edits(srv):
        current = srv.store[("DiagnosticReport", "mri-1")]
        srv.put(dict(current, issued=f"2026-12-07T09:0{current['meta']['versionId']}:00Z"))

    server.before_transaction = always_edits
    response = post(app, "/fhir/DiagnosticReport/mri-1/$enrich?write=true")
    assert response.status_code == 409
    assert response.get_json()["issue"][0]["code"] == "conflict"
    assert len(server.transactions) == 3 and server.of_type("Observation") == []


def test_a_missing_report_is_404_and_a_bad_id_400(app, server):
    assert post(app, "/fhir/DiagnosticReport/nope/$enrich").status_code == 404
    assert post(app, "/fhir/DiagnosticReport/a_b/$enrich").status_code == 400
    assert server.reads == 1


def test_without_a_configured_server_it_is_501():
    response = create_app({"TESTING": True}).test_client().post("/fhir/DiagnosticReport/mri-1/$enrich")
    assert response.status_code == 501 and response.get_json()["issue"][0]["code"] == "not-supported"


def test_parameters_body_and_conflicting_modes(app, server):
    server.put(report())
    body = {"resourceType": "Parameters", "parameter": [{"name": "language", "valueCode": "es"}]}
    response = post(app, "/fhir/DiagnosticReport/mri-1/$enrich", json=body)
    assert response.status_code == 200 and response.headers["Content-Language"] == "es"
    with_report = {"resourceType": "Parameters", "parameter": [{"name": "report", "resource": report()}]}
    assert post(app, "/fhir/DiagnosticReport/mri-1/$enrich", json=with_report).status_code == 422
    assert post(app, "/fhir/DiagnosticReport/mri-1/$enrich?write=maybe").status_code == 422


def test_unread_text_of_a_written_report_is_a_warning_in_the_answer(app, server):
    server.put(report(presentedForm=[{"contentType": "application/pdf", "data": b64(pdf(None))}]))
    answer = post(app, "/fhir/DiagnosticReport/mri-1/$enrich?write=true").get_json()
    outcome = answer["entry"][0]["response"]["outcome"]
    assert outcome["issue"][0]["code"] == "incomplete"
    assert outcome["issue"][0]["expression"] == ["DiagnosticReport.presentedForm[0].data"]
    summary = post(app, "/fhir/DiagnosticReport/mri-1/$enrich?write=true",
                   headers={"Prefer": "return=OperationOutcome"}).get_json()
    assert [issue["code"] for issue in summary["issue"]] == ["informational", "incomplete"]


def test_a_refused_write_is_502_without_the_servers_words():
    app = ehr_app(max_retries=1)
    with responses.RequestsMock() as mock:
        mock.get(f"{BASE}/DiagnosticReport/mri-1", json=dict(report(), meta={"versionId": "1"}))
        mock.post(BASE, status=400, json={"resourceType": "OperationOutcome", "issue": [
            {"severity": "error", "code": "invalid", "diagnostics": "L4-L5 secret text echoed"}]})
        response = app.test_client().post("/fhir/DiagnosticReport/mri-1/$enrich?write=true")
    assert response.status_code == 502
    assert "secret" not in response.get_data(as_text=True)


def test_no_report_text_or_identifier_is_logged(app, server, caplog):
    server.put(report(identifier=[{"system": "urn:acc", "value": "ACC-7781"}]))
    with caplog.at_level(logging.DEBUG):
        post(app, "/fhir/DiagnosticReport/mri-1/$enrich?write=true")
        post(app, "/fhir/DiagnosticReport/mri-1/$enrich?write=true")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "ehr-write" in logged
    for secret in ("ACC-7781", "paracentral", "mri-1", "Patient/p1"):
        assert secret not in logged


def test_writing_needs_the_write_scope_when_authentication_is_on(server):
    import hashlib
    import time

    import jwt
    from cryptography.hazmat.primitives import serialization

    from ehr_helpers import private_key_pem
    from service.config import AuthSettings, EhrSettings

    key, _ = private_key_pem()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    auth = AuthSettings.from_environ({"ENRICHER_JWT_ISSUER": "https://issuer.test", "ENRICHER_JWT_AUDIENCE": "enricher",
                                      "ENRICHER_JWT_PUBLIC_KEY": public,
                                      "ENRICHER_API_KEY_HASHES": hashlib.sha256(b"k" * 40).hexdigest()})
    app = create_app({"TESTING": True, "AUTH": auth, "EHR": EhrSettings(base_url=BASE), "FHIR_BASE_URL": BASE})
    server.put(report())

    def token(scope):
        return jwt.encode({"iss": "https://issuer.test", "aud": "enricher", "exp": time.time() + 60, "scope": scope},
                          key, algorithm="RS384")

    read_only = {"Authorization": f"Bearer {token('system/DiagnosticReport.read')}"}
    client = app.test_client()
    assert client.post("/fhir/DiagnosticReport/mri-1/$enrich", headers=read_only).status_code == 200
    refused = client.post("/fhir/DiagnosticReport/mri-1/$enrich?write=true", headers=read_only)
    assert refused.status_code == 403 and server.transactions == []
    writer = {"Authorization": f"Bearer {token('system/DiagnosticReport.read system/DiagnosticReport.write')}"}
    assert client.post("/fhir/DiagnosticReport/mri-1/$enrich?write=true", headers=writer).status_code == 200
    assert client.post("/fhir/DiagnosticReport/mri-1/$enrich").status_code == 401
