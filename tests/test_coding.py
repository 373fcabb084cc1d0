"""Finding -> Observation (service.coding) and the code maps it reads (service.terminology)."""

import itertools
import uuid

import pytest

from service.coding import finding_keys, observation, observation_uuid
from service.extract.finding import CAUSES, DEGREES, ROLES, SEVERITIES, SIDES, ZONES, Finding
from service.fhir.io import loads, dumps, validate_resource
from service.fhir.text import SourceSpan
from service.terminology import code_systems, engine_version, finding_labels, mappings_digest, terminology

REPORT = {
    "resourceType": "DiagnosticReport", "id": "r1", "status": "final", "code": {"text": "MRI"},
    "subject": {"reference": "Patient/p1"}, "effectivePeriod": {"start": "2024-03-01T09:00:00Z"},
    "_issued": {"extension": [{"url": "http://example.org/x", "valueString": "kept"}]},
    "issued": "2024-03-01T10:00:00.000Z",
}

# Every standard code shared/design/TERMINOLOGY.md verifies (or marks secondary); nothing else may appear.
VERIFIED = {
    "http://snomed.info/sct": {
        "7771000", "24028007", "51440002", "272741003", "363698007", "255604002", "6736007", "24484000",
        "52101004", "2667000", "261665006", "111236008", "299966003", "299965004", "128196005", "2415007",
        "76107001", "18347007", "83561009", "41341006", "371000119109", "20021007", "85216006", "64787009",
        "40958000", "1078209008", "58820006", "49400002", "73959003", "75095006", "37414007", "40908007",
        "6004007", "2620004", "82965004", "72692000", "74401007", "28693002", "9188009", "113209001",
        "34959001", "1537001", "76206002", "80064006", "67459009", "62551000", "84020006", "715056000",
    },
    "http://terminology.hl7.org/CodeSystem/observation-category": {"imaging"},
    "http://terminology.hl7.org/CodeSystem/v3-ObservationValue": {"AIAST"},
    "http://terminology.hl7.org/CodeSystem/provenance-participant-type": {"author"},
}


def build(finding, sentence="A sentence for the patient.", evidence=(SourceSpan("DiagnosticReport.conclusion", 3, 9),)):
    return observation(finding, observation_id=uuid.UUID(int=7), report=REPORT,
                       report_reference="urn:uuid:00000000-0000-0000-0000-000000000001",
                       evidence=list(evidence), sentence=sentence)


def codings(obj):
    if isinstance(obj, dict):
        if "system" in obj and "code" in obj:
            yield obj
        for value in obj.values():
            yield from codings(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from codings(value)


def component(resource, code):
    found = [c for c in resource["component"] if c["code"]["coding"][0]["code"] == code]
    return found[0] if found else None


def all_findings():
    """A spread of findings that covers every value of every field at least once."""
    types = ("nerve-root", "foraminal-stenosis", "lateral-recess-stenosis", "canal-stenosis")
    levels = ("L4-L5", "L5-S1", "C5-C6", "T11-T12", "C7-T1", "L5", None)
    combos = itertools.product(types, ("present", "possible", "absent"))
    for index, (kind, assertion) in enumerate(combos):
        yield Finding(
            type=kind, assertion=assertion, level=levels[index % len(levels)],
            side=(*SIDES, None)[index % 4],
            degree=(*DEGREES, None)[index % 5] if kind == "nerve-root" else None,
            severity=(*SEVERITIES, None)[index % 6],
            zone=(*ZONES, None)[index % 5], role=(*ROLES, None)[index % 3],
            cause=list(CAUSES[index % len(CAUSES):index % len(CAUSES) + 2]),
            root=("L5", "S1", None, "C6")[index % 4], root_inferred=(None, None, "L4", None)[index % 4],
            assertion_triggers=["may"] if assertion == "possible" else (["no"] if assertion == "absent" else []),
        )
    for degree in DEGREES:
        for root, level in (("L5", "L4-L5"), ("T6", "T6-T7"), ("C6", "C5-C6"), ("S1", "L5-S1"), (None, None)):
            yield Finding(type="nerve-root", degree=degree, root=root, level=level)
    for severity, cause in itertools.zip_longest(SEVERITIES, CAUSES):
        yield Finding(type="nerve-root", severity=severity, cause=[cause] if cause else [], degree="contact")


@pytest.mark.parametrize("finding", list(all_findings()), ids=lambda f: f"{f.type}-{f.assertion}-{f.degree}")
def test_every_observation_validates_and_codes_exist(finding):
    resource = build(finding)
    assert validate_resource(loads(dumps(resource)), "Observation") == []
    local = terminology().local_system
    local_codes = {c["code"] for c in code_systems()["nerve-root-enricher"]["concept"]}
    for coding in codings(resource):
        if coding["system"] == local:
            assert coding["code"] in local_codes
        else:
            assert coding["code"] in VERIFIED[coding["system"]], coding


def test_observation_shape():
    finding = Finding(type="nerve-root", level="L4-L5", root="L5", side="right", degree="compression",
                      assertion="present", zone="subarticular", role="traversing", cause=["disc-protrusion"])
    resource = build(finding)
    assert resource["id"] == str(uuid.UUID(int=7))
    assert resource["identifier"][0] == {"system": terminology().url("identifier_system"), "value": str(uuid.UUID(int=7))}
    assert resource["status"] == "preliminary"
    assert resource["meta"]["security"][0]["code"] == "AIAST"
    assert resource["category"][0]["coding"][0]["code"] == "imaging"
    assert [c["code"] for c in resource["code"]["coding"]] == ["nerve-root-compromise", "299966003"]
    assert resource["valueCodeableConcept"]["coding"][0]["code"] == "52101004"
    assert component(resource, "rung")["valueCodeableConcept"]["coding"][0]["code"] == "compression"
    assert resource["subject"] == REPORT["subject"]
    assert resource["effectivePeriod"] == REPORT["effectivePeriod"]
    assert resource["issued"] == REPORT["issued"] and resource["_issued"] == REPORT["_issued"]
    assert resource["bodySite"]["text"] == "right L5 nerve root at L4-L5"
    assert resource["note"] == [{"text": "A sentence for the patient."}]
    assert component(resource, "272741003")["valueCodeableConcept"]["coding"][0]["code"] == "24028007"
    assert component(resource, "spinal-level")["valueCodeableConcept"]["coding"][0]["code"] == "84020006"
    assert component(resource, "zone")["valueCodeableConcept"]["coding"][0]["code"] == "subarticular"
    assert component(resource, "root-role")["valueCodeableConcept"]["coding"][0]["code"] == "traversing"
    assert component(resource, "cause")["valueCodeableConcept"]["coding"][0]["code"] == "disc-protrusion"
    assert component(resource, "nerve-root")["valueString"] == "L5"
    assert component(resource, "inferred-nerve-root") is None
    assert component(resource, "assertion")["valueCodeableConcept"]["coding"][0]["code"] == "52101004"
    derivation = resource["extension"][0]
    assert derivation["url"] == "http://hl7.org/fhir/StructureDefinition/derivation-reference"
    assert [e["url"] for e in derivation["extension"]] == ["reference", "path", "offset", "length"]
    assert derivation["extension"][1:] == [{"url": "path", "valueString": "DiagnosticReport.conclusion"},
                                           {"url": "offset", "valueInteger": 3}, {"url": "length", "valueInteger": 9}]


@pytest.mark.parametrize("degree", ["contact", "displacement", "impingement", None])
def test_compression_concepts_only_on_the_compression_rung(degree):
    resource = build(Finding(type="nerve-root", level="L4-L5", root="L5", degree=degree))
    systems = {c["system"] for c in resource["code"]["coding"]}
    assert systems == {terminology().local_system}
    expected = degree or "impingement"
    assert component(resource, "rung")["valueCodeableConcept"]["coding"][0]["code"] == expected
    assert resource["valueCodeableConcept"]["coding"][0]["code"] == "52101004"


@pytest.mark.parametrize("root, level, code", [
    ("L5", "L4-L5", "299966003"), ("T6", "T6-T7", "299965004"), ("C6", "C5-C6", "111236008"),
    ("S1", "L5-S1", "111236008"), (None, "L3-L4", "299966003"), (None, None, "111236008"),
])
def test_compression_concept_by_region(root, level, code):
    resource = build(Finding(type="nerve-root", level=level, root=root, degree="compression"))
    assert resource["code"]["coding"][1]["code"] == code


def test_denied_finding_is_absent():
    resource = build(Finding(type="canal-stenosis", level="L2-L3", assertion="absent", assertion_triggers=["no"]))
    assert resource["valueCodeableConcept"]["coding"][0]["code"] == "2667000"
    assertion = component(resource, "assertion")["valueCodeableConcept"]
    assert assertion["coding"][0]["code"] == "2667000" and '"no"' in assertion["text"]
    assert [c["code"] for c in resource["code"]["coding"]] == ["canal-stenosis"]  # no disorder code
    assert resource["bodySite"] == {
        "coding": [{"system": "http://snomed.info/sct", "code": "67459009", "display": "L2/L3 disc"}],
        "text": "spinal canal at L2-L3"}


def test_stenosis_grade_is_a_component_and_ranges_are_local():
    resource = build(Finding(type="foraminal-stenosis", level="L5-S1", side="left", severity="moderate-to-severe",
                             assertion="possible", assertion_triggers=["may"]))
    value = resource["valueCodeableConcept"]["coding"][0]
    assert (value["system"], value["code"]) == (terminology().local_system, "possible")
    grade = component(resource, "severity")["valueCodeableConcept"]["coding"][0]
    assert (grade["system"], grade["code"]) == (terminology().local_system, "moderate-to-severe")
    mild = build(Finding(type="foraminal-stenosis", level="L5-S1", severity="mild"))
    assert mild["valueCodeableConcept"]["coding"][0]["code"] == "52101004"
    assert component(mild, "severity")["valueCodeableConcept"]["coding"][0]["code"] == "255604002"
    ungraded = build(Finding(type="lateral-recess-stenosis", level="L4-L5"))
    assert ungraded["valueCodeableConcept"]["coding"][0]["code"] == "52101004"


# What a consumer that reads only ``code`` and ``value`` takes the Observation to say (mappings/TERMINOLOGY.md):
# a definite disorder only when a disorder code stands in ``code`` and ``value`` is Present.
DISORDERS = {"111236008", "299966003", "299965004", "76107001", "18347007", "83561009", "41341006", "371000119109"}


def reads_as_definite_disorder(resource) -> bool:
    codes = {c["code"] for c in resource["code"]["coding"] if c["system"] == "http://snomed.info/sct"}
    value = resource["valueCodeableConcept"]["coding"][0]
    return bool(codes & DISORDERS) or value["code"] not in ("52101004", "2667000", "possible")


@pytest.mark.parametrize("finding", list(all_findings()), ids=lambda f: f"{f.type}-{f.assertion}-{f.degree}")
def test_code_and_value_alone_never_overstate_a_finding(finding):
    resource = build(finding)
    value = resource["valueCodeableConcept"]["coding"][0]
    assert value["code"] == {"present": "52101004", "absent": "2667000", "possible": "possible"}[finding.assertion]
    if finding.assertion != "present":
        assert not reads_as_definite_disorder(resource)
    # The answer is one of three, always: the rung and the grade never stand in value.
    assert value["display"] in ("Present", "Absent", "Possible")


def test_every_coding_has_a_display_and_extension_codes_name_their_edition():
    for finding in all_findings():
        for coding in codings(build(finding)):
            assert coding.get("display"), coding
            if coding["code"] == "371000119109":
                assert coding["version"] == "http://snomed.info/sct/731000124108/version/20230301"


def test_inferred_root_is_marked_as_inferred():
    resource = build(Finding(type="nerve-root", level="L4-L5", zone="foraminal", root_inferred="L4", degree="contact"))
    assert component(resource, "nerve-root") is None
    assert component(resource, "inferred-nerve-root")["valueString"] == "L4"
    assert "likely L4" in resource["bodySite"]["text"]


def test_no_sentence_no_evidence():
    resource = build(Finding(type="nerve-root"), sentence=None, evidence=())
    assert "note" not in resource and "extension" not in resource


def test_finding_keys_are_distinct_and_stable():
    findings = [Finding(type="nerve-root", root="L5", level="L4-L5", side="left"),
                Finding(type="nerve-root", root="L5", level="L5-S1", side="left"),
                Finding(type="nerve-root", root="L5", level="L4-L5", side="left")]
    keys = finding_keys(findings)
    assert len(set(keys)) == 3 and keys == finding_keys(findings)
    report_uuid = uuid.UUID(int=1)
    assert observation_uuid(report_uuid, keys[0]) == observation_uuid(report_uuid, keys[0])


def test_code_system_is_valid_and_complete():
    system = code_systems()["nerve-root-enricher"]
    assert validate_resource(system, "CodeSystem") == []
    assert system["url"] == terminology().local_system
    assert system["count"] == len(system["concept"])
    codes = {c["code"] for c in system["concept"]}
    for values in (DEGREES, SEVERITIES[1::2], ZONES, ROLES, CAUSES):
        assert set(values) - {"mild", "moderate", "severe"} <= codes


def test_engine_version_carries_the_mappings_digest():
    assert len(mappings_digest()) == 64
    assert engine_version().endswith(mappings_digest()[:12])


def test_finding_labels_read_back_type_and_assertion():
    bundle = {"entry": [{"resource": build(Finding(type="canal-stenosis", assertion="absent"))},
                        {"resource": build(Finding(type="nerve-root", assertion="possible"))},
                        {"resource": {"resourceType": "Provenance"}}]}
    assert finding_labels(bundle) == [("canal-stenosis", "absent"), ("nerve-root", "possible")]
