"""``mode=transaction``: the Bundle's entries, requests and references, its R4B validity, retractions
and ids. What a real server does with it: test_writeback_medplum.py."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime, timezone
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.enrich import enrich
from service.fhir.io import InvalidResource, dumps, loads, validate_resource
from service.fhir.transaction import report_written, token_search_value, update_target_issue
from service.terminology import terminology

NOW = datetime(2026, 5, 4, 3, 2, 1, tzinfo=timezone.utc)
SPINE = ("L4-L5: Right paracentral disc protrusion compresses the right L5 nerve root. "
         "Moderate left foraminal stenosis.")


def report_with(**elements) -> dict:
    base = {"resourceType": "DiagnosticReport", "id": "mri-1", "meta": {"versionId": "7"}, "status": "final",
            "identifier": [{"system": "urn:oid:2.16.840.1.113883.19.5.99", "value": "ACC-1"}],
            "code": {"text": "MR Lumbar spine"}, "subject": {"reference": "Patient/p1"},
            "effectiveDateTime": "2026-05-01T08:30:00+02:00", "conclusion": SPINE}
    merged = {**base, **elements}
    return loads(dumps({key: value for key, value in merged.items() if value is not None}))


def requests(bundle: dict) -> list[dict]:
    return [entry["request"] for entry in bundle.get("entry", [])]


# --- the Bundle ----------------------------------------------------------------------------------


def test_transaction_has_the_collections_content_with_requests():
    report = report_with()
    collection = enrich(report, now=NOW)
    transaction = enrich(report, mode="transaction", now=NOW)
    assert transaction["type"] == "transaction"
    assert validate_resource(transaction, "Bundle") == []
    kinds = [entry["resource"]["resourceType"] for entry in transaction["entry"]]
    assert kinds == [entry["resource"]["resourceType"] for entry in collection["entry"]]
    assert kinds[0] == "DiagnosticReport" and kinds[-1] == "Provenance" and "Observation" in kinds
    for entry in transaction["entry"]:
        assert validate_resource(entry["resource"], entry["resource"]["resourceType"]) == []


def test_report_is_updated_in_place_with_if_match_on_its_version():
    bundle = enrich(report_with(), mode="transaction", now=NOW)
    assert bundle["entry"][0]["request"] == {"method": "PUT", "url": "DiagnosticReport/mri-1", "ifMatch": 'W/"7"'}
    assert bundle["entry"][0]["resource"]["id"] == "mri-1"


def test_no_version_no_if_match():
    bundle = enrich(report_with(meta=None), mode="transaction", now=NOW)
    assert bundle["entry"][0]["request"] == {"method": "PUT", "url": "DiagnosticReport/mri-1"}


def test_report_without_id_is_a_conditional_update_on_its_identifier():
    identifiers = [{"value": "no-system"}, {"system": "urn:oid:1.2.3", "value": "ACC 9|b,c"}]
    bundle = enrich(report_with(id=None, identifier=identifiers), mode="transaction", now=NOW)
    request = bundle["entry"][0]["request"]
    assert request["method"] == "PUT"
    assert request["url"] == "DiagnosticReport?identifier=urn:oid:1.2.3|ACC%209%5C|b%5C%2Cc"
    assert unquote(request["url"]).endswith(r"urn:oid:1.2.3|ACC 9\|b\,c")
    assert "id" not in bundle["entry"][0]["resource"]


@pytest.mark.parametrize("identifier", [None, [], [{"system": "urn:oid:1.2"}], [{"value": ""}],
                                        [{"value": "ACC-9"}]])
def test_report_with_neither_id_nor_identifier_value_is_refused(identifier):
    report = report_with(id=None, identifier=identifier)
    assert update_target_issue(report).expression == "DiagnosticReport.id"
    with pytest.raises(InvalidResource) as refused:
        enrich(report, mode="transaction", now=NOW)
    assert refused.value.issues[0].code == "required"


def test_observations_and_provenance_are_put_under_their_client_assigned_ids():
    bundle = enrich(report_with(), mode="transaction", now=NOW)
    system = terminology().url("identifier_system")
    for entry in bundle["entry"][1:]:
        resource, request = entry["resource"], entry["request"]
        assert request == {"method": "PUT", "url": f"{resource['resourceType']}/{resource['id']}"}
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
        if resource["resourceType"] == "Observation":
            assert resource["identifier"] == [{"system": system, "value": resource["id"]}]
    assert not any("ifNoneExist" in entry["request"] or "?" in entry["request"]["url"] for entry in bundle["entry"])


def test_full_urls_are_the_servers_when_its_base_is_known():
    bundle = enrich(report_with(), mode="transaction", now=NOW, fhir_base="https://ehr.example.org/fhir/")
    for entry in bundle["entry"]:
        resource = entry["resource"]
        assert entry["fullUrl"] == f"https://ehr.example.org/fhir/{resource['resourceType']}/{resource['id']}"


def test_entries_reference_each_other_by_the_ids_the_server_keeps():
    bundle = enrich(report_with(), mode="transaction", now=NOW)
    report, *observations, provenance = [entry["resource"] for entry in bundle["entry"]]
    observation_refs = [f"Observation/{observation['id']}" for observation in observations]
    assert [item["reference"] for item in report["result"]] == observation_refs
    assert [target["reference"] for target in provenance["target"]] == ["DiagnosticReport/mri-1", *observation_refs]
    for observation in observations:
        derivation = observation["extension"][0]["extension"][0]
        assert derivation["valueReference"]["reference"] == "DiagnosticReport/mri-1"


def test_report_without_id_is_referenced_by_its_full_url():
    bundle = enrich(report_with(id=None), mode="transaction", now=NOW)
    report_url = bundle["entry"][0]["fullUrl"]
    assert report_url.startswith("urn:uuid:")
    provenance = bundle["entry"][-1]["resource"]
    assert provenance["target"][0]["reference"] == report_url


def test_non_spine_report_gives_the_report_update_alone():
    report = report_with(conclusion="Normal chest radiograph.")
    bundle = enrich(report, mode="transaction", now=NOW)
    assert [entry["request"] for entry in bundle["entry"]] == [
        {"method": "PUT", "url": "DiagnosticReport/mri-1", "ifMatch": 'W/"7"'}]
    assert dumps(bundle["entry"][0]["resource"]) == dumps(report)
    assert validate_resource(bundle, "Bundle") == []


def written(report: dict) -> dict:
    """``report`` after its transaction Bundle was posted: the stored version, results as written."""
    return enrich(report, mode="transaction", now=NOW)["entry"][0]["resource"]


def test_earlier_additions_that_no_longer_hold_are_taken_back():
    stored = written(report_with())
    earlier = [item["reference"] for item in stored["result"]]
    stored["conclusion"] = "Normal chest radiograph."
    bundle = enrich(stored, mode="transaction", now=NOW)
    assert dumps(bundle["entry"][0]["resource"]) == dumps(report_with(conclusion="Normal chest radiograph."))
    patches = bundle["entry"][1:]
    assert [entry["request"] for entry in patches] == [{"method": "PATCH", "url": ref} for ref in earlier]
    for entry in patches:
        assert "fullUrl" not in entry and entry["resource"]["contentType"] == "application/json-patch+json"
        assert json.loads(base64.b64decode(entry["resource"]["data"])) == [
            {"op": "test", "path": "/identifier/0/system", "value": terminology().url("identifier_system")},
            {"op": "replace", "path": "/status", "value": "entered-in-error"}]
    assert validate_resource(bundle, "Bundle") == []


def test_retraction_by_delete():
    stored = written(report_with())
    stored["conclusion"] = SPINE.split(". ")[0] + "."  # the foraminal finding amended away
    bundle = enrich(stored, mode="transaction", now=NOW, retraction="delete")
    retractions = [entry for entry in bundle["entry"] if entry["request"]["method"] == "DELETE"]
    assert len(retractions) == 1 and set(retractions[0]) == {"request"}
    assert retractions[0]["request"]["url"] not in [item["reference"] for item in bundle["entry"][0]["resource"]["result"]]
    with pytest.raises(ValueError):
        enrich(stored, mode="transaction", now=NOW, retraction="forget")


def test_only_our_written_results_are_retracted():
    stored = written(report_with())
    ours = stored["result"][0]
    foreign = {"reference": "Observation/ehr-lab-1"}  # the EHR's own result: never touched
    unposted = {**ours, "reference": "urn:uuid:6a022acb-079f-5ef2-b253-55a20d4fdfed"}  # never written to a server
    stored["result"] = [foreign, unposted, {**ours, "reference": "Observation/old-one"}, *stored["result"]]
    bundle = enrich(stored, mode="transaction", now=NOW)
    assert [entry["request"]["url"] for entry in bundle["entry"] if entry["request"]["method"] == "PATCH"] == \
        ["Observation/old-one"]
    assert bundle["entry"][0]["resource"]["result"][0] == foreign


def test_a_correction_keeps_the_observation_id_and_changes_the_provenance():
    first = enrich(report_with(), mode="transaction", now=NOW)
    corrected = enrich(report_with(conclusion=SPINE.replace("Moderate left", "No left")), mode="transaction", now=NOW)
    ids = [[entry["resource"]["id"] for entry in bundle["entry"][1:]] for bundle in (first, corrected)]
    assert ids[0][:-1] == ids[1][:-1] and ids[0][-1] != ids[1][-1]  # Observations kept, a new Provenance
    later = enrich(report_with(), mode="transaction", now=datetime(2027, 1, 1, tzinfo=timezone.utc))
    assert later["entry"][-1]["resource"]["id"] == ids[0][-1]  # the same content: the same Provenance


def test_report_written_compares_content_not_meta():
    bundle = enrich(report_with(), mode="transaction", now=NOW)
    stored = loads(dumps(bundle["entry"][0]["resource"]))
    stored["meta"] = {"versionId": "8", "lastUpdated": "2026-05-04T03:02:02Z"}
    assert report_written(stored, bundle)
    stored["conclusion"] += " Addendum."
    assert not report_written(stored, bundle)


def test_decimals_and_unknown_content_survive_the_transaction():
    report = loads(dumps(report_with()).replace(b'"status"', b'"_status":{"extension":[{"url":"urn:x","valueDecimal":1.50}]},"status"'))
    bundle = enrich(report, mode="transaction", now=NOW)
    assert b'"valueDecimal":1.50' in dumps(bundle["entry"][0]["resource"])


def read_token(text: str) -> list[str]:
    """A token search value as a server reads it: split at unescaped "|", then drop the escapes."""
    parts, current, characters = [], [], iter(text)
    for character in characters:
        if character == "\\":
            current.append(next(characters))
        elif character == "|":
            parts.append("".join(current))
            current = []
        else:
            current.append(character)
    return [*parts, "".join(current)]


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1)


@given(TEXT, TEXT)
def test_token_search_values_read_back_as_sent(system, value):
    encoded = token_search_value(system, value)
    assert read_token(unquote(encoded)) == [system, value]
    assert not set(encoded) & set(" &#?=+\n")


def test_ids_of_the_transaction_are_deterministic():
    first = enrich(report_with(), mode="transaction", now=NOW)
    second = enrich(report_with(), mode="transaction", now=datetime(2027, 1, 1, tzinfo=timezone.utc))
    assert [entry["fullUrl"] for entry in first["entry"]] == [entry["fullUrl"] for entry in second["entry"]]
    assert first["id"] == second["id"] != enrich(report_with(), now=NOW)["id"]
    assert uuid.UUID(first["id"])
