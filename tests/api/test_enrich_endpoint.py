"""POST /fhir/DiagnosticReport/$enrich: the happy paths, with the real engine and explanation."""

from __future__ import annotations

import base64
import json

from fhir.resources.R4B.bundle import Bundle

from api_helpers import parameters, post_fhir


def resources(bundle: dict, resource_type: str) -> list[dict]:
    return [entry["resource"] for entry in bundle["entry"] if entry["resource"]["resourceType"] == resource_type]


def test_raw_report_gives_collection_bundle_with_observations(client, report_bytes):
    response = post_fhir(client, report_bytes)
    assert response.status_code == 200, response.data
    assert response.headers["Content-Type"] == "application/fhir+json; charset=utf-8"
    assert response.headers["Content-Language"] == "en"
    bundle = response.get_json(force=True)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    assert bundle["entry"][0]["resource"]["resourceType"] == "DiagnosticReport"
    observations = resources(bundle, "Observation")
    assert observations, "a report with an L5 root displacement gives Observations"
    assert len(resources(bundle, "Provenance")) == 1
    Bundle.model_validate(bundle)


def test_the_reports_own_decimal_survives_byte_exact(client, report_bytes):
    response = post_fhir(client, report_bytes)
    assert b'"valueDecimal":1.50' in response.data


def test_parameters_with_two_languages(client, report):
    body = parameters(report, {"name": "language", "valueCode": "en"}, {"name": "language", "valueCode": "es"})
    response = post_fhir(client, body)
    assert response.status_code == 200, response.data
    assert response.headers["Content-Language"] == "en, es"
    added = response.get_json(force=True)["entry"][0]["resource"]["presentedForm"][1:]
    assert {form["language"] for form in added} == {"en", "es"}
    assert {form["contentType"].split(";")[0] for form in added} == {"text/html", "text/plain"}


def test_parameters_mode_collection_and_application_json(client, report):
    body = parameters(report, {"name": "mode", "valueCode": "collection"})
    response = post_fhir(client, body, content_type="application/json; charset=utf-8")
    assert response.status_code == 200
    assert response.get_json(force=True)["type"] == "collection"


def test_parameters_mode_transaction_gives_a_transaction_bundle(client, report_bytes):
    body = (b'{"resourceType":"Parameters","parameter":[{"name":"report","resource":' + report_bytes
            + b'},{"name":"mode","valueCode":"transaction"}]}')
    response = post_fhir(client, body)
    assert response.status_code == 200, response.data
    bundle = response.get_json(force=True)
    assert bundle["type"] == "transaction"
    assert bundle["entry"][0]["request"] == {"method": "PUT", "url": "DiagnosticReport/mri-lumbar-0001",
                                             "ifMatch": 'W/"3"'}
    assert {entry["request"]["method"] for entry in bundle["entry"][1:]} == {"PUT"}
    assert all(entry["request"]["url"].endswith("/" + entry["resource"]["id"]) for entry in bundle["entry"][1:])
    assert b'"valueDecimal":1.50' in response.data
    Bundle.model_validate(bundle)


def test_accept_language_picks_the_best_supported_language(client, report_bytes):
    response = post_fhir(client, report_bytes, headers={"Accept-Language": "fr-CA, es-MX;q=0.8, en;q=0.5"})
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "es"
    added = response.get_json(force=True)["entry"][0]["resource"]["presentedForm"][1:]
    assert {form["language"] for form in added} == {"es"}


def test_parameters_language_wins_over_accept_language(client, report):
    body = parameters(report, {"name": "language", "valueCode": "en"})
    response = post_fhir(client, body, headers={"Accept-Language": "es"})
    assert response.headers["Content-Language"] == "en"


def test_unsupported_language_falls_back_to_english(client, report):
    body = parameters(report, {"name": "language", "valueCode": "de"})
    response = post_fhir(client, body)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "en"


def test_explanation_attachments_decode_to_text(client, report_bytes):
    report = post_fhir(client, report_bytes).get_json(force=True)["entry"][0]["resource"]
    plain = [form for form in report["presentedForm"][1:] if form["contentType"].startswith("text/plain")]
    assert plain and "L5" in base64.b64decode(plain[0]["data"]).decode("utf-8")


def test_identical_requests_give_identical_ids(client, report_bytes):
    first = post_fhir(client, report_bytes).get_json(force=True)
    second = post_fhir(client, report_bytes).get_json(force=True)
    assert [entry["fullUrl"] for entry in first["entry"]] == [entry["fullUrl"] for entry in second["entry"]]


def test_enriching_the_enriched_report_adds_nothing_new(client, report_bytes):
    once = post_fhir(client, report_bytes).get_json(force=True)
    twice = post_fhir(client, json.dumps(once["entry"][0]["resource"])).get_json(force=True)
    assert len(twice["entry"]) == len(once["entry"])
    assert len(twice["entry"][0]["resource"]["presentedForm"]) == len(once["entry"][0]["resource"]["presentedForm"])
    assert twice["entry"][0]["resource"]["result"] == once["entry"][0]["resource"]["result"]


def test_non_spine_report_comes_back_without_observations(client):
    chest = {
        "resourceType": "DiagnosticReport", "status": "final",
        "code": {"text": "Chest X-ray"}, "conclusion": "Clear lungs. Normal heart size. No pneumothorax.",
    }
    bundle = post_fhir(client, chest).get_json(force=True)
    assert not resources(bundle, "Observation")
    assert bundle["entry"][0]["resource"] == chest


def test_findings_are_counted_in_metrics(client, report_bytes):
    post_fhir(client, report_bytes)
    metrics = client.get("/metrics").get_data(as_text=True)
    assert 'enricher_findings_total{assertion="present",type="nerve-root"}' in metrics


def test_configured_fhir_base_names_the_report(report_bytes):
    from service import create_app

    client = create_app({"FHIR_BASE_URL": "https://ehr.example.org/fhir"}).test_client()
    bundle = post_fhir(client, report_bytes).get_json(force=True)
    assert bundle["entry"][0]["fullUrl"] == "https://ehr.example.org/fhir/DiagnosticReport/mri-lumbar-0001"
