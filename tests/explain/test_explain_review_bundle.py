"""The review status in the Bundle: on each explanation Attachment and on the Provenance; conflicting
readings of one place give no Observation (the Bundle states neither)."""

from __future__ import annotations

import base64
from datetime import datetime, timezone

import service.enrich as enrich_module
from service.enrich import enrich
from service.extract.finding import Evidence, Finding

NOW = datetime(2026, 12, 8, tzinfo=timezone.utc)
REVIEW = "/StructureDefinition/explanation-review"


def report(conclusion: str, **extra) -> dict:
    return {"resourceType": "DiagnosticReport", "id": "r1", "status": "final", "code": {"text": "MRI spine"},
            "subject": {"reference": "Patient/p1"}, "conclusion": conclusion, **extra}


def review_of(element: dict) -> tuple[str, list[str]]:
    (extension,) = [e for e in element.get("extension", []) if e["url"].endswith(REVIEW)]
    status = [e["valueCode"] for e in extension["extension"] if e["url"] == "status"]
    reasons = [e["valueCode"] for e in extension["extension"] if e["url"] == "reason"]
    return status[0], reasons


def parts(bundle: dict):
    resources = [entry["resource"] for entry in bundle["entry"]]
    diagnostic = resources[0]
    explanations = [form for form in diagnostic["presentedForm"] if any(e["url"].endswith(REVIEW) for e in form.get("extension", []))]
    observations = [r for r in resources if r["resourceType"] == "Observation"]
    (provenance,) = [r for r in resources if r["resourceType"] == "Provenance"]
    return explanations, observations, provenance


def test_a_plain_report_is_ready_everywhere():
    bundle = enrich(report("L4-L5: left disc protrusion contacts the traversing left L5 nerve root."),
                    languages=("en", "es"), now=NOW)
    explanations, observations, provenance = parts(bundle)
    assert len(explanations) == 4 and observations
    assert all(review_of(form) == ("ready", []) for form in explanations)
    assert review_of(provenance) == ("ready", [])


def test_cord_compression_makes_it_need_review_with_its_reason():
    bundle = enrich(report("C5-C6: disc osteophyte complex compresses the left C6 nerve root and flattens the cord."),
                    now=NOW, mode="transaction")
    resources = [entry["resource"] for entry in bundle["entry"]]
    (provenance,) = [r for r in resources if r["resourceType"] == "Provenance"]
    status, reasons = review_of(provenance)
    assert status == "needs-review" and "out-of-scope" in reasons
    forms = [f for f in resources[0]["presentedForm"] if any(e["url"].endswith(REVIEW) for e in f.get("extension", []))]
    assert forms and all(review_of(form)[0] == "needs-review" for form in forms)
    text = base64.b64decode([f for f in forms if f["contentType"].startswith("text/plain")][0]["data"]).decode()
    assert "clumsy" in text  # a neck report gives the spinal cord's warning signs


def test_unread_text_needs_review():
    pdf = {"contentType": "application/pdf", "data": "JVBERi0xLjQK", "title": "Report"}
    bundle = enrich(report("L4-L5: mild left foraminal stenosis.", presentedForm=[pdf]), now=NOW)
    _, _, provenance = parts(bundle)
    assert review_of(provenance) == ("needs-review", ["unread-text"])


def test_conflicting_readings_give_no_observation(monkeypatch):
    text = "L4-L5: moderate left foraminal stenosis. No foraminal stenosis at L4-L5."
    findings = [
        Finding("foraminal-stenosis", level="L4-L5", side="left", severity="moderate", evidence=[Evidence(0, 40)]),
        Finding("foraminal-stenosis", level="L4-L5", assertion="absent", evidence=[Evidence(41, len(text))]),
        Finding("canal-stenosis", level="L3-L4", severity="mild", evidence=[Evidence(0, 6)]),
    ]
    monkeypatch.setattr(enrich_module, "read_findings", lambda *args, **kwargs: [*findings])
    bundle = enrich(report(text), now=NOW)
    explanations, observations, provenance = parts(bundle)
    assert [o["code"]["text"] for o in observations] and len(observations) == 1
    assert review_of(provenance) == ("needs-review", ["conflict"])
    page = base64.b64decode([f for f in explanations if f["contentType"].startswith("text/plain")][0]["data"]).decode()
    assert "not clear to this page" in page and "is narrow (foraminal" not in page
    results = bundle["entry"][0]["resource"]["result"]
    assert len(results) == 1
