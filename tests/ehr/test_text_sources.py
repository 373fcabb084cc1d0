"""Every text source: inline PDF (pypdf), presentedForm ``url`` on the base and ``Binary`` (raw or as a Binary
resource), and what cannot be read — a PDF without a text layer, bad base64, an unsupported type, a url off
the base — is an OperationOutcome warning and a needs-review page, never a silent "no findings"."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import responses

from ehr_helpers import BASE, SPINE_TEXT, b64, ehr_app, pdf, report
from service import create_app
from service.enrich import enrich
from service.extract import extract_findings
from service.fhir.io import loads, validate_resource
from service.fhir.text import element_text, pdf_text, report_text

REVIEW = "explanation-review"


def types(bundle: dict) -> list[str]:
    return [entry["resource"]["resourceType"] for entry in bundle["entry"]]


def review_of(bundle: dict) -> dict:
    attachment = bundle["entry"][0]["resource"]["presentedForm"][-1]
    extension = next(ext for ext in attachment["extension"] if ext["url"].endswith(REVIEW))
    return {part["url"]: part["valueCode"] for part in extension["extension"] if part["url"] == "status"} | {
        "reasons": [part["valueCode"] for part in extension["extension"] if part["url"] == "reason"]}


def outcome(bundle: dict) -> dict:
    return next(entry["resource"] for entry in bundle["entry"] if entry["resource"]["resourceType"] == "OperationOutcome")


def test_pdf_text_layer_is_read():
    assert "compresses the traversing left L5" in pdf_text(pdf(SPINE_TEXT))
    assert pdf_text(pdf(None)) == ""
    assert pdf_text(b"%PDF-1.4 not really") is None


def test_an_inline_pdf_is_read_and_evidence_points_into_its_text():
    source = report(conclusion=None, presentedForm=[{"contentType": "application/pdf", "data": b64(pdf(SPINE_TEXT))}])
    bundle = enrich(source, ["en"])
    assert types(bundle).count("Observation") >= 2 and "OperationOutcome" not in types(bundle)
    observation = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation")
    derivation = next(ext for ext in observation["extension"] if ext["url"].endswith("derivation-reference"))
    parts = {part["url"]: next(value for key, value in part.items() if key.startswith("value")) for part in
             derivation["extension"]}
    assert parts["path"] == "DiagnosticReport.presentedForm[0].data"
    words = element_text(source, parts["path"])[parts["offset"]:parts["offset"] + parts["length"]]
    assert words and words in SPINE_TEXT
    assert validate_resource(loads(json.dumps(bundle)), "Bundle") == []


def test_a_pdf_without_text_layer_is_a_warning_not_a_negative_report():
    source = report(conclusion=None, presentedForm=[{"contentType": "application/pdf", "data": b64(pdf(None))}])
    bundle = enrich(source, ["en"])
    assert types(bundle) == ["DiagnosticReport", "OperationOutcome"]
    issue = outcome(bundle)["issue"][0]
    assert issue["severity"] == "warning" and issue["code"] == "incomplete"
    assert issue["expression"] == ["DiagnosticReport.presentedForm[0].data"]
    assert "text layer" in issue["diagnostics"]
    assert validate_resource(loads(json.dumps(bundle)), "Bundle") == []


def test_unread_text_beside_findings_flags_the_page_for_review():
    source = report(presentedForm=[{"contentType": "application/pdf", "data": b64(pdf(None))},
                                   {"contentType": "text/plain", "data": "not base64 !!"},
                                   {"contentType": "image/png", "data": b64(b"\x89PNG")}])
    bundle = enrich(source, ["en"])
    assert "Observation" in types(bundle) and types(bundle)[-1] == "OperationOutcome"
    review = review_of(bundle)
    assert review["status"] == "needs-review" and "unread-text" in review["reasons"]
    reasons = [issue["diagnostics"] for issue in outcome(bundle)["issue"]]
    assert len(reasons) == 3
    assert "text layer" in reasons[0] and "base64" in reasons[1] and "content type" in reasons[2]
    # Invalid base64 is not valid R4 either: over HTTP such a report is refused (422), never read as negative.
    response = create_app({"TESTING": True}).test_client().post("/fhir/DiagnosticReport/$enrich", json=source)
    assert response.status_code == 422
    assert response.get_json()["issue"][0]["expression"] == ["DiagnosticReport.presentedForm[1].data"]
    del source["presentedForm"][1]
    assert validate_resource(loads(json.dumps(enrich(source, ["en"]))), "Bundle") == []


def test_a_url_that_was_not_fetched_is_unread():
    document = report_text(report(conclusion=None, presentedForm=[{"contentType": "text/plain",
                                                                    "url": "https://elsewhere.example/x"}]))
    assert [(item.path, item.reason) for item in document.unread] == [("DiagnosticReport.presentedForm[0].url",
                                                                       "not-fetched")]


@responses.activate(assert_all_requests_are_fired=True)
def test_presented_form_by_url_and_binary_is_fetched_from_the_base_only():
    app = ehr_app()
    responses.get(f"{BASE}/Binary/txt", body=SPINE_TEXT.encode(), content_type="text/plain; charset=utf-8")
    responses.get(f"{BASE}/Binary/pdf", json={"resourceType": "Binary", "id": "pdf", "contentType": "application/pdf",
                                              "data": b64(pdf("L3-L4: mild central canal stenosis."))},
                  content_type="application/fhir+json")
    source = report(conclusion=None, presentedForm=[
        {"contentType": "text/plain", "url": f"{BASE}/Binary/txt"},
        {"contentType": "application/pdf", "url": "Binary/pdf"},
        {"contentType": "text/plain", "url": "https://elsewhere.example.test/Binary/1"},
    ])
    response = app.test_client().post("/fhir/DiagnosticReport/$enrich", json=source)
    assert response.status_code == 200
    bundle = response.get_json()
    assert [call.request.url for call in responses.calls] == [f"{BASE}/Binary/txt", f"{BASE}/Binary/pdf"]
    assert responses.calls[1].request.headers["Accept"].startswith("application/pdf")
    sites = [e["resource"]["bodySite"]["text"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    assert any("L4-L5" in site for site in sites) and any("L3-L4" in site for site in sites)
    assert outcome(bundle)["issue"][0]["expression"] == ["DiagnosticReport.presentedForm[2].url"]
    assert bundle["entry"][0]["resource"] == source | {"result": bundle["entry"][0]["resource"]["result"],
                                                       "presentedForm": bundle["entry"][0]["resource"]["presentedForm"]}
    assert bundle["entry"][0]["resource"]["presentedForm"][:3] == source["presentedForm"]  # nothing of the input changed
    assert validate_resource(loads(json.dumps(bundle)), "Bundle") == []


@responses.activate
def test_a_url_that_fails_to_fetch_is_unread_not_an_error():
    app = ehr_app(max_retries=0)
    responses.get(f"{BASE}/Binary/gone", status=404)
    source = report(presentedForm=[{"contentType": "text/plain", "url": "Binary/gone"}])
    bundle = app.test_client().post("/fhir/DiagnosticReport/$enrich", json=source).get_json()
    assert "fetched" in outcome(bundle)["issue"][0]["diagnostics"]
    assert review_of(bundle)["status"] == "needs-review"


def test_without_a_configured_server_a_url_is_reported_unread():
    response = create_app({"TESTING": True}).test_client().post(
        "/fhir/DiagnosticReport/$enrich", json=report(presentedForm=[{"contentType": "text/plain", "url": "Binary/1"}]))
    assert response.status_code == 200
    assert outcome(response.get_json())["issue"][0]["code"] == "incomplete"


REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "real" / "real-dev.jsonl"


def finding_keys(text: str) -> list[tuple]:
    return sorted(tuple(str(f.get(key)) for key in ("type", "level", "side", "root", "assertion", "grade"))
                  for f in (finding.to_dict() for finding in extract_findings(text)))


def test_real_reports_as_pdfs_give_the_findings_of_their_text():
    """Each real development report drawn into a PDF (one text line per line of the report) and read back by
    pypdf gives the same findings as its text (read from ../shared at run time, never copied here)."""
    if not REAL.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{REAL} is missing: CI runs with shared/ beside the checkout")
        pytest.skip("../shared is not beside this checkout")
    rows = [json.loads(line) for line in REAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [row for row in rows if row["text"].encode("latin-1", "replace").decode("latin-1") == row["text"]]
    same = 0
    for row in rows:
        document = report_text(report(conclusion=None, presentedForm=[
            {"contentType": "application/pdf", "data": b64(pdf(row["text"]))}]))
        assert document.unread == []
        same += finding_keys(document.text) == finding_keys(row["text"])
    assert len(rows) >= 100
    assert same == len(rows), f"{same} of {len(rows)} real reports read from a PDF give their text's findings"
