"""The severity component of an Observation carries the radiologist's own grade words when the
engine kept them (``Finding.severity_text``), the normalised grade as its code."""

from __future__ import annotations

import uuid

import pytest

from service.coding import observation
from service.extract.finding import Finding
from service.fhir.io import validate_resource
from service.terminology import terminology

REPORT = {"resourceType": "DiagnosticReport", "status": "final", "code": {"text": "MRI"}}


def severity_component(finding: Finding) -> dict | None:
    resource = observation(finding, observation_id=uuid.uuid5(uuid.NAMESPACE_URL, "x"), report=REPORT,
                           report_reference="urn:uuid:00000000-0000-0000-0000-000000000001", evidence=[])
    assert validate_resource(resource, "Observation") == []
    local = terminology().local_system
    return next((c for c in resource["component"]
                 if {"system": local, "code": "severity"}.items() <= c["code"]["coding"][0].items()), None)


def test_grade_words_are_the_text_and_the_grade_the_code():
    component = severity_component(Finding(type="foraminal-stenosis", level="L5-S1", severity="moderate-to-severe",
                                           severity_text="moderate to marked"))
    value = component["valueCodeableConcept"]
    assert value["text"] == "moderate to marked"
    assert value["coding"][0]["code"] == "moderate-to-severe"


def test_without_grade_words_the_text_is_the_normalised_grade():
    component = severity_component(Finding(type="canal-stenosis", level="L3-L4", severity="mild"))
    value = component["valueCodeableConcept"]
    assert value["text"] == value["coding"][0]["display"]


def test_a_denial_limited_to_a_grade_keeps_the_grade_words():
    component = severity_component(Finding(type="canal-stenosis", level="L3-L4", assertion="absent",
                                           severity_text="significant"))
    assert component["valueCodeableConcept"] == {"text": "significant"}


@pytest.mark.parametrize("finding", [Finding(type="canal-stenosis", level="L3-L4"),
                                     Finding(type="nerve-root", degree="contact", assertion="absent")])
def test_no_grade_no_severity_component(finding):
    assert severity_component(finding) is None
