"""Merging additions into the report, Provenance and the collection Bundle (service.fhir.bundle)."""

import base64
from datetime import datetime, timedelta, timezone

from service.fhir import bundle
from service.fhir.io import dumps, loads, validate_resource

MARKS = bundle.Marks("http://example.org/addition", "http://example.org/inline-label",
                     {"system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue", "code": "AIAST"})
NOW = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=timezone.utc)
REPORT_TEXT = (b'{"resourceType":"DiagnosticReport","status":"final","code":{"text":"MRI"},'
               b'"result":[{"reference":"Observation/theirs"}],'
               b'"presentedForm":[{"contentType":"application/pdf","data":"JVBERi0="}],"conclusion":"x 1.50"}')


def enriched(report):
    attachments = bundle.explanation_attachments("en", "About your report", "<p>Hi</p>", "Hi", NOW, MARKS)
    results = [bundle.result_reference("urn:uuid:1", "Finding", MARKS)]
    return bundle.with_additions(bundle.without_additions(report, MARKS), results, attachments)


def test_additions_are_appended_and_marked():
    report = loads(REPORT_TEXT)
    out = enriched(report)
    assert out["result"][0] == {"reference": "Observation/theirs"}
    assert out["result"][1]["reference"] == "urn:uuid:1"
    assert out["presentedForm"][0] == report["presentedForm"][0]
    html, text = out["presentedForm"][1:]
    assert (html["contentType"], text["contentType"]) == ("text/html; charset=utf-8", "text/plain; charset=utf-8")
    assert base64.b64decode(html["data"]).decode() == "<p>Hi</p>" and base64.b64decode(text["data"]).decode() == "Hi"
    assert html["language"] == "en" and html["title"] == "About your report"
    assert html["creation"] == "2026-01-02T03:04:05.678Z"
    for element in (out["result"][1], html, text):
        assert MARKS.is_addition(element)
        assert {"url": "http://example.org/inline-label", "valueCoding": MARKS.ai_label} in element["extension"]
    assert validate_resource(loads(dumps(out)), "DiagnosticReport") == []


def test_original_is_not_modified_and_stripping_restores_it():
    report = loads(REPORT_TEXT)
    out = enriched(report)
    assert dumps(report) == REPORT_TEXT
    assert dumps(bundle.without_additions(out, MARKS)) == REPORT_TEXT
    assert dumps(enriched(out)) == dumps(out)


def test_lists_the_service_created_are_removed_whole():
    report = loads(b'{"resourceType":"DiagnosticReport","status":"final","code":{"text":"x"}}')
    out = enriched(report)
    assert list(out)[-2:] == ["result", "presentedForm"]
    assert bundle.without_additions(out, MARKS) == report


def test_provenance_and_collection_validate():
    device = bundle.device("engine", {"system": "http://example.org/cs", "code": "rule-based-nlp",
                                      "display": "Rule-based"}, "1.0+m.abc", "0" * 64)
    provenance = bundle.provenance("p1", "urn:uuid:r", ["urn:uuid:o1"], {"system": "http://terminology.hl7.org/"
                                   "CodeSystem/provenance-participant-type", "code": "author"}, device, NOW)
    assert provenance["target"] == [{"reference": "urn:uuid:r"}, {"reference": "urn:uuid:o1"}]
    assert provenance["entity"] == [{"role": "source", "what": {"reference": "urn:uuid:r"}}]
    assert provenance["agent"][0]["who"] == {"reference": "#engine"}
    assert "meta" not in provenance["contained"][0]
    assert validate_resource(provenance, "Provenance") == []
    collection = bundle.collection("b1", [("urn:uuid:p", provenance)], NOW)
    assert collection["type"] == "collection" and collection["timestamp"] == "2026-01-02T03:04:05.678Z"
    assert validate_resource(collection, "Bundle") == []


def test_instant_is_utc_with_milliseconds():
    local = datetime(2026, 1, 2, 5, 0, 0, tzinfo=timezone(timedelta(hours=2)))
    assert bundle.instant(local) == "2026-01-02T03:00:00.000Z"
    assert bundle.instant(datetime(2026, 1, 2)) == "2026-01-02T00:00:00.000Z"
