"""Write-back on a real FHIR server: the ``mode=transaction`` Bundle posted to Medplum's in-memory server
(transactions on, every write validated), and what is on the server afterwards.

Flows: create; retry x3; re-read, re-enrich, post; a correction; an amendment that removes a finding
(retraction by entered-in-error, and by delete); a 25-finding report; a negative report; a report without
spine content; someone else's edit in between (412); a report without id found by its identifier; real
multi-level reports from ../shared; the service's own conformance resources. Each checks
the server: the live (not entered-in-error) Observations of the patient, that the report's ``result``
points at exactly them, the Provenances, and that every resource read back validates with Medplum's
validator and fhir.resources R4B.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from service.enrich import enrich
from service.extract import extract_findings
from service.fhir.io import dumps, loads, validate_resource
from service.fhir.transaction import report_written

pytestmark = pytest.mark.usefixtures("fresh_server")

SNOMED = "http://snomed.info/sct"
PRESENT, ABSENT = "52101004", "2667000"
REPORT = ("EXAM: MRI lumbar spine.\n"
          "L4-L5: A right paracentral disc protrusion compresses the traversing right L5 nerve root. "
          "Mild canal stenosis. Moderate left foraminal stenosis.\n"
          "L5-S1: A small protrusion may contact the left S1 nerve root.")
CORRECTED = REPORT.replace("Mild canal stenosis.", "No canal stenosis.")
AMENDED = REPORT.replace(" Moderate left foraminal stenosis.", "")
LEVELS = (("L1-L2", "L2"), ("L2-L3", "L3"), ("L3-L4", "L4"), ("L4-L5", "L5"), ("L5-S1", "S1"))
TWENTY_FIVE = "\n".join(
    f"{level}: Mild left foraminal stenosis. Severe right foraminal stenosis. Moderate canal stenosis. "
    f"Left lateral recess stenosis. A left paracentral disc protrusion compresses the traversing left {root} "
    f"nerve root." for level, root in LEVELS)
NEGATIVE = "L1-L2 through L5-S1: No disc herniation. No canal stenosis or foraminal narrowing. The nerve roots are free."
REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "real" / "real-dev.jsonl"


@pytest.fixture
def fresh_server(medplum):
    medplum.reset()


def ehr_report(patient: str, text: str, report_id: str = "mri-1") -> dict:
    return {"resourceType": "DiagnosticReport", "id": report_id, "status": "final",
            "identifier": [{"system": "urn:oid:2.16.840.1.113883.19.5.99", "value": f"ACC-{report_id}"}],
            "code": {"text": "MR Lumbar spine"}, "subject": {"reference": f"Patient/{patient}"},
            "effectiveDateTime": "2026-05-01T08:30:00+02:00", "conclusion": text}


def post(server, bundle: dict):
    return server.post("", dumps(bundle))


def enrich_and_post(server, report: dict, **options) -> tuple[dict, object]:
    bundle = enrich(report, ["en", "es"], mode="transaction", **options)
    assert validate_resource(bundle, "Bundle") == []
    return bundle, post(server, bundle)


def search(server, query: str) -> list[dict]:
    bundle = server.read(f"{query}{'&' if '?' in query else '?'}_count=1000")
    return [entry["resource"] for entry in bundle.get("entry", [])]


def server_state(server, patient: str, report_id: str = "mri-1") -> dict:
    """What the server holds for the patient, each resource checked by both validators."""
    report = server.read(f"DiagnosticReport/{report_id}")
    observations = search(server, f"Observation?subject=Patient/{patient}")
    provenances = search(server, "Provenance")
    for resource in [report, *observations, *provenances]:
        assert server.validation_issues(resource) == [], resource["resourceType"]
        assert validate_resource(resource, resource["resourceType"]) == [], resource["resourceType"]
    live = {o["id"]: o for o in observations if o["status"] != "entered-in-error"}
    results = [item["reference"] for item in report.get("result", [])]
    assert sorted(results) == sorted(f"Observation/{oid}" for oid in live), "result points only at live Observations"
    for observation in live.values():
        identifier = observation["identifier"][0]
        assert identifier["value"] == observation["id"] and not identifier["value"].startswith("urn:")
    return {"report": report, "live": live, "all": observations, "provenances": provenances}


def versions(state: dict) -> dict[str, str]:
    resources = [state["report"], *state["all"], *state["provenances"]]
    return {f"{r['resourceType']}/{r['id']}": r["meta"]["versionId"] for r in resources}


def by_type(state: dict, local_code: str) -> list[dict]:
    return [o for o in state["live"].values() if any(c["code"] == local_code for c in o["code"]["coding"])]


def value_code(observation: dict) -> str:
    return observation["valueCodeableConcept"]["coding"][0]["code"]


def snomed_codes(observation: dict) -> set[str]:
    return {c["code"] for c in observation["code"]["coding"] if c["system"] == SNOMED}


# --- the flows -----------------------------------------------------------------------------------


def test_create_writes_one_observation_per_finding_and_one_provenance(medplum):
    sent = medplum.store(ehr_report("p-create", REPORT))
    bundle, answer = enrich_and_post(medplum, sent)
    assert answer.status_code == 200, answer.text
    assert {entry["response"]["status"][:3] for entry in answer.json()["entry"]} <= {"200", "201"}
    state = server_state(medplum, "p-create")
    assert len(state["live"]) == len(extract_findings(REPORT)) == 4 == len(state["all"])
    assert len(state["provenances"]) == 1
    provenance = state["provenances"][0]
    assert {t["reference"] for t in provenance["target"]} == \
        {"DiagnosticReport/mri-1", *(f"Observation/{oid}" for oid in state["live"])}
    [canal] = by_type(state, "canal-stenosis")
    assert value_code(canal) == PRESENT and "18347007" in snomed_codes(canal)
    [contact] = [o for o in by_type(state, "nerve-root-compromise") if "S1" in o["bodySite"]["text"]]
    assert value_code(contact) == "possible" and snomed_codes(contact) == set()
    assert state["report"]["conclusion"] == REPORT  # the EHR's content kept as sent
    assert len(state["report"]["presentedForm"]) == 4  # html and text, en and es


def test_retry_three_times_creates_and_changes_nothing(medplum):
    sent = medplum.store(ehr_report("p-retry", REPORT))
    bundle, answer = enrich_and_post(medplum, sent)
    assert answer.status_code == 200
    before = server_state(medplum, "p-retry")
    for _ in range(3):
        # The report's version moved with the first post: If-Match refuses the whole transaction (412).
        again = post(medplum, bundle)
        assert again.status_code == 412, again.text
    after = server_state(medplum, "p-retry")
    assert versions(after) == versions(before)
    # The client that got the 412 re-reads and finds its own Bundle already written.
    assert report_written(after["report"], bundle)


def test_retry_without_a_version_is_a_plain_idempotent_put(medplum):
    report = ehr_report("p-noversion", REPORT)
    medplum.store(report)
    bundle, answer = enrich_and_post(medplum, loads(dumps(report)))  # no meta.versionId: no If-Match
    assert answer.status_code == 200 and "ifMatch" not in bundle["entry"][0]["request"]
    before = server_state(medplum, "p-noversion")
    for _ in range(3):
        assert post(medplum, bundle).status_code == 200
    after = server_state(medplum, "p-noversion")
    assert after["live"].keys() == before["live"].keys() and len(after["all"]) == len(before["all"])
    assert len(after["provenances"]) == 1
    assert {oid: o["valueCodeableConcept"] for oid, o in after["live"].items()} == \
        {oid: o["valueCodeableConcept"] for oid, o in before["live"].items()}


def test_re_read_re_enrich_post_creates_nothing_new(medplum):
    sent = medplum.store(ehr_report("p-reread", REPORT))
    assert enrich_and_post(medplum, sent)[1].status_code == 200
    first = server_state(medplum, "p-reread")
    for _ in range(2):
        bundle, answer = enrich_and_post(medplum, medplum.read("DiagnosticReport/mri-1"))
        assert answer.status_code == 200, answer.text
        assert not any(entry["request"]["method"] in ("PATCH", "DELETE") for entry in bundle["entry"])
    again = server_state(medplum, "p-reread")
    assert again["live"].keys() == first["live"].keys() and len(again["all"]) == len(first["all"])
    assert [p["id"] for p in again["provenances"]] == [p["id"] for p in first["provenances"]]
    assert len(again["report"]["presentedForm"]) == 4 and len(again["report"]["result"]) == 4


def test_a_correction_replaces_the_value(medplum):
    sent = medplum.store(ehr_report("p-correct", REPORT))
    assert enrich_and_post(medplum, sent)[1].status_code == 200
    [mild] = by_type(server_state(medplum, "p-correct"), "canal-stenosis")
    corrected = medplum.read("DiagnosticReport/mri-1")
    corrected["conclusion"] = CORRECTED  # the radiologist's correction, written by the EHR
    corrected = medplum.store(corrected)
    bundle, answer = enrich_and_post(medplum, corrected)
    assert answer.status_code == 200, answer.text
    state = server_state(medplum, "p-correct")
    [canal] = by_type(state, "canal-stenosis")
    assert canal["id"] == mild["id"]  # the same finding, its value replaced
    assert value_code(canal) == ABSENT and snomed_codes(canal) == set()
    assert "Mild" not in json.dumps(canal)
    assert len(state["live"]) == len(state["all"]) == 4
    assert len(state["provenances"]) == 2  # one per enrichment content
    assert all("mild canal stenosis" not in item.get("display", "").lower() for item in state["report"]["result"])


@pytest.mark.parametrize("retraction", ["entered-in-error", "delete"])
def test_an_amendment_retracts_the_finding_it_removes(medplum, retraction):
    sent = medplum.store(ehr_report("p-amend", REPORT))
    assert enrich_and_post(medplum, sent)[1].status_code == 200
    [foraminal] = by_type(server_state(medplum, "p-amend"), "foraminal-stenosis")
    amended = medplum.read("DiagnosticReport/mri-1")
    amended["conclusion"] = AMENDED
    amended = medplum.store(amended)
    bundle, answer = enrich_and_post(medplum, amended, retraction=retraction)
    assert answer.status_code == 200, answer.text
    state = server_state(medplum, "p-amend")
    assert len(state["live"]) == 3 and foraminal["id"] not in state["live"]
    gone = medplum.get(f"Observation/{foraminal['id']}")
    if retraction == "delete":
        assert gone.status_code in (404, 410) and len(state["all"]) == 3
    else:
        assert gone.json()["status"] == "entered-in-error" and len(state["all"]) == 4
    # Re-enriching the amended report retracts nothing more and creates nothing.
    again, answer = enrich_and_post(medplum, medplum.read("DiagnosticReport/mri-1"), retraction=retraction)
    assert answer.status_code == 200
    assert not any(entry["request"]["method"] in ("PATCH", "DELETE") for entry in again["entry"])
    assert server_state(medplum, "p-amend")["live"].keys() == state["live"].keys()


def test_twenty_five_findings_in_one_transaction(medplum):
    sent = medplum.store(ehr_report("p-25", TWENTY_FIVE))
    bundle, answer = enrich_and_post(medplum, sent)
    assert answer.status_code == 200, answer.text
    assert len(bundle["entry"]) == 27  # more than the 8 conditional entries Medplum allows: none is conditional
    assert not any("?" in entry["request"]["url"] or "ifNoneExist" in entry["request"] for entry in bundle["entry"])
    state = server_state(medplum, "p-25")
    assert len(state["live"]) == len(state["all"]) == 25
    assert post(medplum, bundle).status_code == 412
    bundle, answer = enrich_and_post(medplum, medplum.read("DiagnosticReport/mri-1"))
    assert answer.status_code == 200
    assert len(server_state(medplum, "p-25")["all"]) == 25


def test_a_negative_report(medplum):
    sent = medplum.store(ehr_report("p-negative", NEGATIVE))
    bundle, answer = enrich_and_post(medplum, sent)
    assert answer.status_code == 200, answer.text
    state = server_state(medplum, "p-negative")
    assert len(state["live"]) == 15
    for observation in state["live"].values():
        assert value_code(observation) == ABSENT
        assert snomed_codes(observation) == set()  # no disorder code on a denied finding
    bundle, answer = enrich_and_post(medplum, medplum.read("DiagnosticReport/mri-1"))
    assert answer.status_code == 200 and len(server_state(medplum, "p-negative")["all"]) == 15


def test_a_report_without_spine_content_gives_a_valid_bundle_that_takes_back_old_additions(medplum):
    sent = medplum.store(ehr_report("p-none", REPORT))
    assert enrich_and_post(medplum, sent)[1].status_code == 200
    changed = medplum.read("DiagnosticReport/mri-1")
    changed["conclusion"] = "Normal chest radiograph."
    changed = medplum.store(changed)
    bundle, answer = enrich_and_post(medplum, changed)
    assert answer.status_code == 200, answer.text
    assert [entry["request"]["method"] for entry in bundle["entry"]] == ["PUT"] + ["PATCH"] * 4
    state = server_state(medplum, "p-none")
    assert state["live"] == {} and "result" not in state["report"] and "presentedForm" not in state["report"]
    fresh = medplum.store(ehr_report("p-none2", "Normal chest radiograph.", "cxr-2"))
    bundle, answer = enrich_and_post(medplum, fresh)
    assert [entry["request"]["method"] for entry in bundle["entry"]] == ["PUT"] and answer.status_code == 200


def test_someone_elses_edit_is_never_overwritten(medplum):
    sent = medplum.store(ehr_report("p-edit", REPORT))
    bundle = enrich(sent, ["en"], mode="transaction")
    edited = loads(dumps(sent))
    edited["conclusion"] = REPORT + "\nADDENDUM: compared with the prior study, unchanged."
    edited = medplum.store(edited)  # another writer's edit lands between our read and our write
    answer = post(medplum, bundle)
    assert answer.status_code == 412, answer.text
    state = server_state(medplum, "p-edit")
    assert state["report"]["conclusion"] == edited["conclusion"] and state["all"] == [] and state["provenances"] == []
    assert not report_written(state["report"], bundle)
    # Re-read, re-enrich, post: the other writer's edit stays, the additions land.
    bundle, answer = enrich_and_post(medplum, medplum.read("DiagnosticReport/mri-1"))
    assert answer.status_code == 200
    state = server_state(medplum, "p-edit")
    assert state["report"]["conclusion"] == edited["conclusion"] and len(state["live"]) == 4


def test_real_multi_level_reports(medplum):
    if not REAL.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{REAL} is missing: CI runs with shared/ beside the checkout")
        pytest.skip("../shared is not beside the checkout")
    rows = [json.loads(line) for line in REAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    counted = sorted(((len(extract_findings(row["text"])), index) for index, row in enumerate(rows)), reverse=True)
    for rank, (count, index) in enumerate(counted[:3]):
        patient, report_id = f"p-real-{rank}", f"real-{rank}"
        sent = medplum.store(ehr_report(patient, rows[index]["text"], report_id))
        bundle, answer = enrich_and_post(medplum, sent)
        assert answer.status_code == 200, answer.text
        state = server_state(medplum, patient, report_id)
        assert len(state["live"]) == len(state["all"]) == len(bundle["entry"]) - 2 > 0
        assert post(medplum, bundle).status_code == 412
        assert enrich_and_post(medplum, medplum.read(f"DiagnosticReport/{report_id}"))[1].status_code == 200
        assert len(server_state(medplum, patient, report_id)["all"]) == len(state["all"])


def test_the_services_own_resources_validate_with_medplum(medplum):
    from service import create_app

    client = create_app({"TESTING": True}).test_client()
    paths = ["/fhir/metadata", "/fhir/OperationDefinition/DiagnosticReport-enrich",
             "/fhir/CodeSystem/nerve-root-enricher", "/fhir/StructureDefinition/enrichment-addition",
             "/fhir/ValueSet/enrich-mode", "/fhir/ValueSet/enrichment-addition"]
    for path in paths:
        resource = client.get(path).get_json(force=True)
        assert medplum.validation_issues(resource) == [], path
    collection = enrich(ehr_report("p-own", REPORT), ["en", "es"])
    for entry in collection["entry"]:
        assert medplum.validation_issues(entry["resource"]) == [], entry["resource"]["resourceType"]


def test_a_report_without_id_is_found_by_its_identifier(medplum):
    report = ehr_report("p-identifier", REPORT, "mri-9")
    medplum.store(report)
    without_id = {key: value for key, value in report.items() if key != "id"}  # e.g. from an HL7 v2 feed
    for attempt in range(2):
        bundle, answer = enrich_and_post(medplum, loads(dumps(without_id)))
        assert answer.status_code == 200, answer.text
        assert bundle["entry"][0]["request"]["url"].startswith("DiagnosticReport?identifier=urn:oid:")
        state = server_state(medplum, "p-identifier", "mri-9")
        assert len(state["live"]) == len(state["all"]) == 4 and len(state["provenances"]) == 1
    # The urn:uuid by which the entries named the report was resolved to the report the server found.
    for observation in state["live"].values():
        assert observation["extension"][0]["extension"][0]["valueReference"]["reference"] == "DiagnosticReport/mri-9"
    assert "DiagnosticReport/mri-9" in {t["reference"] for t in state["provenances"][0]["target"]}
