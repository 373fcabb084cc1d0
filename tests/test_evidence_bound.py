"""The answer is bounded: an Observation points at no more than ENRICHER_MAX_EVIDENCE_SPANS places of its
words, however often the report repeats the finding."""

from __future__ import annotations

import pytest

from service import create_app
from service.config import ConfigError, Settings
from service.enrich import Limits, enrich

FINDING = "L4-L5: left paracentral protrusion compresses the traversing left L5 nerve root.\n"
DERIVATION = "http://hl7.org/fhir/StructureDefinition/derivation-reference"


def report(text: str) -> dict:
    return {"resourceType": "DiagnosticReport", "status": "final", "code": {"text": "MRI"}, "conclusion": text}


def observations(bundle: dict) -> list[dict]:
    return [entry["resource"] for entry in bundle["entry"] if entry["resource"]["resourceType"] == "Observation"]


def derivations(observation: dict) -> list[dict]:
    return [ext for ext in observation.get("extension", []) if ext["url"] == DERIVATION]


def offsets(observation: dict) -> list[int]:
    return [next(e["valueInteger"] for e in ext["extension"] if e["url"] == "offset") for ext in derivations(observation)]


def test_a_repeated_finding_points_at_its_first_places_only():
    unbounded = observations(enrich(report(FINDING * 40)))
    bounded = observations(enrich(report(FINDING * 40), limits=Limits(max_evidence_spans=3)))
    assert len(unbounded) == len(bounded) == 1
    assert len(derivations(unbounded[0])) == 40
    assert offsets(bounded[0]) == offsets(unbounded[0])[:3] == [0, len(FINDING), 2 * len(FINDING)]
    rest = {key: value for key, value in bounded[0].items() if key != "extension"}
    assert rest == {key: value for key, value in unbounded[0].items() if key != "extension"}


def test_the_default_setting_bounds_the_answer_of_the_api():
    answer = create_app({"TESTING": True}).test_client().post("/fhir/DiagnosticReport/$enrich",
                                                              json=report(FINDING * 40))
    assert answer.status_code == 200
    assert len(derivations(observations(answer.get_json())[0])) == Settings().max_evidence_spans == 10
    answer = create_app({"TESTING": True, "MAX_EVIDENCE_SPANS": 2}).test_client().post(
        "/fhir/DiagnosticReport/$enrich", json=report(FINDING * 40))
    assert len(derivations(observations(answer.get_json())[0])) == 2


def test_the_setting_is_read_and_checked():
    assert Settings.from_environ({"ENRICHER_MAX_EVIDENCE_SPANS": "4"}).flask_config()["MAX_EVIDENCE_SPANS"] == 4
    for bad in ("0", "-1", "many"):
        with pytest.raises(ConfigError, match="ENRICHER_MAX_EVIDENCE_SPANS"):
            Settings.from_environ({"ENRICHER_MAX_EVIDENCE_SPANS": bad})
