"""``mode=transaction``: the Bundle's entries, requests and references, its R4B validity, and that a
FHIR server carrying out its rules (http.html#trules) creates nothing new when it is posted twice."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.enrich import enrich
from service.fhir.io import InvalidResource, copy_json, dumps, loads, validate_resource
from service.fhir.transaction import token_search_value, update_target_issue
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


@pytest.mark.parametrize("identifier", [None, [], [{"system": "urn:oid:1.2"}], [{"value": ""}]])
def test_report_with_neither_id_nor_identifier_value_is_refused(identifier):
    report = report_with(id=None, identifier=identifier)
    assert update_target_issue(report).expression == "DiagnosticReport.id"
    with pytest.raises(InvalidResource) as refused:
        enrich(report, mode="transaction", now=NOW)
    assert refused.value.issues[0].code == "required"


def test_observations_and_provenance_are_conditional_creates_without_ids():
    bundle = enrich(report_with(), mode="transaction", now=NOW)
    for entry in bundle["entry"][1:]:
        resource, request = entry["resource"], entry["request"]
        assert "id" not in resource
        assert entry["fullUrl"].startswith("urn:uuid:")
        assert request["method"] == "POST" and request["url"] == resource["resourceType"]
        if resource["resourceType"] == "Observation":
            identifier = resource["identifier"][0]
            assert request["ifNoneExist"] == f"identifier={identifier['system']}|{identifier['value']}"
        else:
            tag = resource["meta"]["tag"][0]
            assert tag["system"] == terminology().raw["provenance_tag_system"]
            assert request["ifNoneExist"] == f"_tag={tag['system']}|{tag['code']}"


def test_entries_reference_each_other_by_full_url():
    bundle = enrich(report_with(), mode="transaction", now=NOW)
    report, *observations, provenance = [entry["resource"] for entry in bundle["entry"]]
    observation_urls = [entry["fullUrl"] for entry in bundle["entry"][1:-1]]
    ours = [item["reference"] for item in report["result"]]
    assert ours == observation_urls
    assert [target["reference"] for target in provenance["target"]] == ["DiagnosticReport/mri-1", *observation_urls]
    for observation in observations:
        derivation = observation["extension"][0]["extension"][0]
        assert derivation["valueReference"]["reference"] == "DiagnosticReport/mri-1"


def test_report_without_id_is_referenced_by_its_full_url():
    bundle = enrich(report_with(id=None), mode="transaction", now=NOW)
    report_url = bundle["entry"][0]["fullUrl"]
    assert report_url.startswith("urn:uuid:")
    provenance = bundle["entry"][-1]["resource"]
    assert provenance["target"][0]["reference"] == report_url


def test_non_spine_report_gives_an_empty_transaction():
    bundle = enrich(report_with(conclusion="Normal chest radiograph."), mode="transaction", now=NOW)
    assert "entry" not in bundle and bundle["type"] == "transaction"
    assert validate_resource(bundle, "Bundle") == []


def test_earlier_additions_that_no_longer_hold_are_taken_back():
    enriched = enrich(report_with(), now=NOW)["entry"][0]["resource"]
    enriched["conclusion"] = "Normal chest radiograph."
    bundle = enrich(enriched, mode="transaction", now=NOW)
    assert [entry["request"]["method"] for entry in bundle["entry"]] == ["PUT"]
    assert dumps(bundle["entry"][0]["resource"]) == dumps(report_with(conclusion="Normal chest radiograph."))


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


# --- posted twice to a server that follows the transaction rules --------------------------------


class TransactionRules:
    """The parts of FHIR's transaction processing (http.html#trules) this Bundle relies on, over an
    in-memory store: PUT by id (If-Match) or by identifier search, POST with ifNoneExist on
    ``identifier`` or ``_tag``, and references to urn:uuid fullUrls replaced by the ids the server assigns
    or finds (an Identifier.value is a string, not a link: it stays)."""

    def __init__(self):
        self.store: dict[tuple[str, str], dict] = {}
        self.next_id = 0

    def post(self, bundle: dict) -> list[str]:
        resolved: dict[str, str] = {}
        planned = []
        for entry in bundle.get("entry", []):
            resource, request = copy_json(entry["resource"]), entry["request"]
            kind = resource["resourceType"]
            if request["method"] == "PUT":
                if "?" in request["url"]:
                    matches = self._search(kind, request["url"].split("?", 1)[1])
                    assert len(matches) <= 1
                    resource_id = matches[0] if matches else self._new_id()
                else:
                    resource_id = request["url"].split("/", 1)[1]
                    stored = self.store.get((kind, resource_id))
                    if "ifMatch" in request and stored is not None:
                        assert request["ifMatch"] == f'W/"{stored["meta"]["versionId"]}"', "412 Precondition Failed"
                status = "200" if (kind, resource_id) in self.store else "201"
            else:
                matches = self._search(kind, request["ifNoneExist"])
                resource_id = matches[0] if matches else self._new_id()
                status = "200" if matches else "201"
            resolved[entry["fullUrl"]] = f"{kind}/{resource_id}"
            planned.append((kind, resource_id, resource, status, request["method"]))
        statuses = []
        for kind, resource_id, resource, status, method in planned:
            statuses.append(status)
            if method == "POST" and status == "200":  # the conditional create found it: nothing is written
                continue
            text = dumps(resource).decode()
            for full_url, local in resolved.items():
                text = text.replace(f'"reference":"{full_url}"', f'"reference":"{local}"')
            stored = loads(text)
            previous = self.store.get((kind, resource_id))
            version = int(previous["meta"]["versionId"]) + 1 if previous else 1
            stored["id"] = resource_id
            stored.setdefault("meta", {})["versionId"] = str(version)
            self.store[(kind, resource_id)] = stored
        return statuses

    def _new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def _search(self, kind: str, query: str) -> list[str]:
        name, _, token = query.partition("=")
        system, _, value = unquote(token).partition("|")
        found = []
        for (stored_kind, resource_id), resource in self.store.items():
            if stored_kind != kind:
                continue
            candidates = resource.get("identifier", []) if name == "identifier" else [
                {"system": tag["system"], "value": tag["code"]} for tag in resource.get("meta", {}).get("tag", [])]
            if any(item.get("system") == system and item.get("value") == value for item in candidates):
                found.append(resource_id)
        return found


def test_posting_the_transaction_twice_creates_nothing_new():
    server = TransactionRules()
    report = report_with(id=None)  # found by identifier: the server assigns its own id
    first = server.post(enrich(report, ["en", "es"], mode="transaction", now=NOW))
    assert set(first) == {"201"}
    resources_after_first = dict(server.store)
    second = server.post(enrich(report, ["en", "es"], mode="transaction", now=NOW))
    assert set(second) == {"200"}
    assert server.store.keys() == resources_after_first.keys()

    stored_report = next(r for (kind, _), r in server.store.items() if kind == "DiagnosticReport")
    observation_ids = {f"Observation/{rid}" for (kind, rid) in server.store if kind == "Observation"}
    assert {item["reference"] for item in stored_report["result"]} == observation_ids
    provenance = next(r for (kind, _), r in server.store.items() if kind == "Provenance")
    report_reference = f"DiagnosticReport/{stored_report['id']}"
    assert {target["reference"] for target in provenance["target"]} == observation_ids | {report_reference}
    assert not any('"reference":"urn:uuid:' in dumps(resource).decode() for resource in server.store.values())


def test_the_report_updated_in_place_keeps_its_id_and_results_point_at_stored_observations():
    server = TransactionRules()
    server.store[("DiagnosticReport", "mri-1")] = report_with()
    server.post(enrich(report_with(), mode="transaction", now=NOW))
    stored = server.store[("DiagnosticReport", "mri-1")]
    assert stored["meta"]["versionId"] == "8"
    for item in stored["result"]:
        kind, resource_id = item["reference"].split("/")
        assert (kind, resource_id) in server.store


def test_ids_of_the_transaction_are_deterministic():
    first = enrich(report_with(), mode="transaction", now=NOW)
    second = enrich(report_with(), mode="transaction", now=datetime(2027, 1, 1, tzinfo=timezone.utc))
    assert [entry["fullUrl"] for entry in first["entry"]] == [entry["fullUrl"] for entry in second["entry"]]
    assert first["id"] == second["id"] != enrich(report_with(), now=NOW)["id"]
    assert uuid.UUID(first["id"])
